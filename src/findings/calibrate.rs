//! `callcoach calibrate`: a scoring profile from a team's own scorecards.
//!
//! The default bands in `src/data/profile.toml` come from the literature and
//! from real calls; a contact centre's lines, codecs and house style can sit
//! elsewhere. Calibration reads the metric values of a team's scorecards and
//! moves each band part of the way toward the team's own distribution
//! (docs/calibration.md has the rule with a worked table):
//!
//! 1. The team's band for a metric runs from a central percentile
//!    ([`CalibrateOptions::good_percentile`], the median by default) as
//!    `good` to a high percentile in the metric's bad direction
//!    ([`CalibrateOptions::bad_percentile`], the 95th) as `bad`. Percentiles
//!    are interpolated between order statistics (Hyndman & Fan 1996, type 7,
//!    the default of R and numpy).
//! 2. Each end moves from the default toward the team's value by the weight
//!    n / (n + k), n the calls with a value and k
//!    [`CalibrateOptions::prior_calls`]: credibility weighting (Bühlmann
//!    1967), the default counting as k calls' worth of evidence. Below
//!    [`CalibrateOptions::min_calls`] calls nothing moves.
//! 3. No end moves more than [`CalibrateOptions::max_shift`] times the
//!    default band's width, and `good` and `bad` keep at least
//!    [`MIN_GAP`] times that width between them: a clear problem stays a
//!    problem whatever the team does.
//!
//! The written profile is complete and records where every band came from
//! in its `[calibration]` table, so that writing a loaded profile again
//! gives the same bytes ([`profile_toml`]).

use crate::signal::stats::quantile_sorted;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::profile::{Profile, Threshold};
pub use super::record::{
    CalibrateOptions, CalibrationRecord, MetricRecord, OptionsError, MIN_CALLS,
};
use super::{rate, FindingId};

/// Least distance between a calibrated `good` and `bad`, as a fraction of
/// the default band's width: a band narrower than that would turn a small
/// difference into a verdict.
pub const MIN_GAP: f64 = 0.5;
/// Significant digits of a calibrated band end.
const DIGITS: i32 = 4;

/// A scorecard that could not be read. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// A file or directory could not be read.
    #[error("{0}: cannot read: {1}")]
    Io(PathBuf, std::io::Error),
    /// The file is not scorecard JSON.
    #[error("{0}: not a callcoach scorecard: {1}")]
    NotScorecard(PathBuf, String),
    /// A directory without scorecards.
    #[error("{0}: no scorecards here (give scorecard JSON files or the output directory of `callcoach batch`)")]
    Empty(PathBuf),
}

/// The metric values of one scored call, as calibration reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFigures {
    /// The scorecard's `file`.
    pub file: String,
    /// The call's language.
    pub language: String,
    /// (finding id, metric name, value) of every measured metric.
    pub values: Vec<(String, String, f64)>,
}

/// A field a scorecard must have and this one lacks (`no findings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no {0}")]
pub struct MissingField(pub &'static str);

impl CallFigures {
    /// The figures of a scorecard as JSON (docs/scorecard.md).
    pub fn from_json(card: &Value) -> Result<Self, MissingField> {
        let text = |v: &Value, what: &'static str| {
            v.as_str().map(str::to_string).ok_or(MissingField(what))
        };
        if !card["schema_version"].is_string() {
            return Err(MissingField("schema_version"));
        }
        let findings = card["findings"]
            .as_array()
            .ok_or(MissingField("findings"))?;
        let mut values = Vec::new();
        for f in findings {
            let id = text(&f["id"], "finding id")?;
            let metrics = f["metrics"]
                .as_array()
                .ok_or(MissingField("metrics in a finding"))?;
            for m in metrics {
                if let Some(v) = m["value"].as_f64() {
                    values.push((id.clone(), text(&m["name"], "metric name")?, v));
                }
            }
        }
        // The customer reaction's peak rises (scorecard 3.2), calibrated
        // like a finding's metrics against the `[customer_reaction]` bands.
        let reaction = card["customer_reaction"]["metrics"].as_array();
        for m in reaction.map_or(&[][..], Vec::as_slice) {
            if let Some(v) = m["value"].as_f64() {
                let name = text(&m["name"], "metric name")?;
                values.push((super::REACTION_BANDS.to_string(), name, v));
            }
        }
        Ok(CallFigures {
            file: text(&card["file"], "file")?,
            language: text(&card["language"], "language")?,
            values,
        })
    }
}

/// Reads the scorecards in `inputs`: JSON files (one scorecard, or one per
/// line as `score --json` prints them) and directories (a `batch` output
/// directory's `calls/`, or the `*.json` files of the directory itself;
/// the `*.error.json` records of failed calls are skipped).
pub fn read_scorecards(inputs: &[PathBuf]) -> Result<Vec<CallFigures>, CalibrateError> {
    let mut calls = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let dir = match input.join("calls") {
                calls if calls.is_dir() => calls,
                _ => input.clone(),
            };
            let files = json_files(&dir)?;
            if files.is_empty() {
                return Err(CalibrateError::Empty(dir));
            }
            for file in files {
                calls.extend(read_file(&file)?);
            }
        } else {
            calls.extend(read_file(input)?);
        }
    }
    Ok(calls)
}

/// The scorecard files of a directory, sorted.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, CalibrateError> {
    let io = |e| CalibrateError::Io(dir.into(), e);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.ends_with(".json") && !name.ends_with(".error.json") && !name.starts_with('.') {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The scorecards of one file (one or more JSON objects).
fn read_file(path: &Path) -> Result<Vec<CallFigures>, CalibrateError> {
    let text = std::fs::read_to_string(path).map_err(|e| CalibrateError::Io(path.into(), e))?;
    let bad = |e: String| CalibrateError::NotScorecard(path.into(), e);
    let mut calls = Vec::new();
    for card in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
        let card = card.map_err(|e| bad(e.to_string()))?;
        calls.push(CallFigures::from_json(&card).map_err(|e| bad(e.to_string()))?);
    }
    if calls.is_empty() {
        return Err(bad("empty file".into()));
    }
    Ok(calls)
}

/// Calibrates `base` on the team's `calls`: a profile with every band that
/// has values moved as the module documentation says, and its record.
pub fn calibrate(calls: &[CallFigures], base: &Profile, opts: &CalibrateOptions) -> Profile {
    // Values per (finding, profile key): a German call's agent_wpm feeds
    // agent_wpm_de, as scoring reads it.
    let mut values: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for call in calls {
        for (finding, name, v) in &call.values {
            let Some(key) = base
                .findings
                .get(finding)
                .and_then(|r| r.key(name, &call.language))
            else {
                continue;
            };
            values.entry((finding.clone(), key)).or_default().push(*v);
        }
    }
    let mut profile = base.clone();
    let mut metrics = BTreeMap::new();
    for ((finding, key), mut xs) in values {
        let rules = profile.findings.get_mut(&finding).expect("key found above");
        let band = rules.metrics.get_mut(&key).expect("key found above");
        xs.sort_by(f64::total_cmp);
        let (moved, record) = calibrate_band(&xs, *band, opts);
        *band = moved;
        metrics.insert(format!("{finding}.{key}"), record);
    }
    let moved = calls.len() >= opts.min_calls;
    let count = match calls.len() {
        1 => "1 call".to_string(),
        n => format!("{n} calls"),
    };
    let note = if moved {
        format!(
            "{count}: each band moved toward the team's by n / (n + {}), n its calls with a value, at most {} of its default width",
            opts.prior_calls,
            opts.max_shift
        )
    } else {
        format!(
            "{count}: fewer than {}, so no band moved; these are the default bands",
            opts.min_calls
        )
    };
    profile.calibration = Some(CalibrationRecord {
        calls: calls.len(),
        note,
        options: *opts,
        metrics,
    });
    profile
}

/// One band moved toward the team's sorted values `xs` (see the module
/// documentation), and its record.
fn calibrate_band(
    xs: &[f64],
    default: Threshold,
    opts: &CalibrateOptions,
) -> (Threshold, MetricRecord) {
    let n = xs.len();
    // Percentiles counted in the bad direction: for a metric where low is
    // bad (pauses per minute) the 95th "bad" percentile is the 5th.
    let worse_up = default.bad > default.good;
    let toward_bad = |p: f64| percentile(xs, if worse_up { p } else { 100.0 - p });
    let (team_good, team_bad) = (
        toward_bad(opts.good_percentile),
        toward_bad(opts.bad_percentile),
    );
    let width = (default.bad - default.good).abs();
    let weight = if n < opts.min_calls || width == 0.0 {
        0.0
    } else {
        n as f64 / (n as f64 + opts.prior_calls)
    };
    let cap = opts.max_shift * width;
    let step = |from: f64, to: f64| weight * (to - from);
    let capped =
        step(default.good, team_good).abs() > cap || step(default.bad, team_bad).abs() > cap;
    let mut good = default.good + step(default.good, team_good).clamp(-cap, cap);
    let mut bad = default.bad + step(default.bad, team_bad).clamp(-cap, cap);
    let dir = if worse_up { 1.0 } else { -1.0 };
    let gap = MIN_GAP * width;
    if weight > 0.0 && (bad - good) * dir < gap {
        // Spread about the middle: each end stays within the cap (both
        // were, and the middle lies between them).
        let mid = (good + bad) / 2.0;
        good = mid - dir * gap / 2.0;
        bad = mid + dir * gap / 2.0;
    }
    if weight > 0.0 {
        good = round_sig(good);
        bad = round_sig(bad);
    } else {
        (good, bad) = (default.good, default.bad);
    }
    let below_half = xs
        .iter()
        .filter(|&&x| rate(x, default.good, default.bad) < 50.0)
        .count();
    let record = MetricRecord {
        n,
        p5: percentile(xs, 5.0),
        p25: percentile(xs, 25.0),
        median: percentile(xs, 50.0),
        p75: percentile(xs, 75.0),
        p95: percentile(xs, 95.0),
        default_good: default.good,
        default_bad: default.bad,
        team_good,
        team_bad,
        team_weight: weight,
        capped: weight > 0.0 && capped,
        team_outside: n >= opts.min_calls && 2 * below_half > n,
    };
    (
        Threshold {
            good,
            bad,
            weight: default.weight,
        },
        record,
    )
}

/// The `p`th percentile (0..100) of sorted values, interpolated between
/// order statistics: the crate's one quantile, [`quantile_sorted`] (Hyndman
/// & Fan 1996, type 7; R's and numpy's default). `xs` must not be empty.
pub fn percentile(xs: &[f64], p: f64) -> f64 {
    quantile_sorted(xs, p.clamp(0.0, 100.0) / 100.0).expect("percentile of no values")
}

/// `x` rounded to [`DIGITS`] significant digits, so that the written bands
/// read like the defaults.
fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let d = DIGITS - 1 - x.abs().log10().floor() as i32;
    let r = if d >= 0 {
        let f = 10f64.powi(d);
        (x * f).round() / f
    } else {
        let f = 10f64.powi(-d);
        (x / f).round() * f
    };
    r + 0.0
}

/// A number as TOML writes a float: Rust's shortest round-trip form,
/// always with a decimal point or exponent.
fn toml_float(x: f64) -> String {
    format!("{x:?}")
}

/// A short readable number for comments and tables (4 significant digits).
pub fn short(x: f64) -> String {
    let r = round_sig(x);
    if r.abs() >= 1e5 || (r != 0.0 && r.abs() < 1e-3) {
        format!("{r:e}")
    } else {
        format!("{r}")
    }
}

/// The profile as a complete, commented TOML file: verdict bands, weights,
/// every finding's rule and bands in the seed's order, each calibrated band
/// with a comment on the figures it came from, and the `[calibration]`
/// record. Loading the file with [`Profile::load`] gives `profile` back,
/// and writing that again gives the same bytes.
pub fn profile_toml(profile: &Profile) -> String {
    let mut out = String::new();
    let record = profile.calibration.as_ref();
    out.push_str("# callcoach scoring profile");
    match record {
        Some(r) => {
            out.push_str(", calibrated on a team's calls by `callcoach calibrate`.\n");
            let _ = writeln!(out, "# {}.", r.note);
            let o = &r.options;
            let _ = writeln!(
                out,
                "# Rule (docs/calibration.md): the team's band runs from its {}th percentile\n\
                 # (good) to its {}th percentile in the bad direction (bad); each end moves\n\
                 # n / (n + {}) of the way from the default toward it, at most {} of the\n\
                 # default band's width, and good and bad stay at least {MIN_GAP} of that\n\
                 # width apart. Fewer than {} calls with a value: the default stays.",
                o.good_percentile, o.bad_percentile, o.prior_calls, o.max_shift, o.min_calls
            );
        }
        None => out.push_str(".\n"),
    }
    out.push_str(
        "# Use it with `callcoach score --profile FILE` or `callcoach batch --profile FILE`;\n\
         # the default bands and their sources are in src/data/profile.toml.\n\n",
    );
    let _ = writeln!(
        out,
        "[verdict]\nok_from = {}\nproblem_below = {}\n",
        profile.verdict.ok_from, profile.verdict.problem_below
    );
    out.push_str("[weights]\n");
    for (id, w) in &profile.weights {
        let _ = writeln!(out, "{id} = {}", toml_float(*w));
    }
    let ordered = FindingId::ALL
        .iter()
        .map(|id| id.as_str().to_string())
        .chain(
            profile
                .findings
                .keys()
                .filter(|k| FindingId::ALL.iter().all(|id| id.as_str() != k.as_str()))
                .cloned(),
        );
    for finding in ordered {
        let Some(rules) = profile.findings.get(&finding) else {
            continue;
        };
        let _ = writeln!(
            out,
            "\n[{finding}]\ncombine = {}",
            toml::Value::String(rules.combine.clone())
        );
        for (key, t) in &rules.metrics {
            if let Some(m) = record.and_then(|r| r.metrics.get(&format!("{finding}.{key}"))) {
                out.push_str(&band_comment(key, m));
            }
            let _ = writeln!(
                out,
                "metrics.{key} = {{ good = {}, bad = {}, weight = {} }}",
                toml_float(t.good),
                toml_float(t.bad),
                toml_float(t.weight)
            );
        }
    }
    let reaction = toml::to_string(&profile.reaction).expect("plain numbers serialize");
    let _ = write!(out, "\n[reaction]\n{reaction}");
    if let Some(r) = record {
        out.push_str(
            "\n# Where the bands came from; scoring does not read this table.\n[calibration]\n",
        );
        let _ = writeln!(out, "calls = {}", r.calls);
        let _ = writeln!(out, "note = {}", toml::Value::String(r.note.clone()));
        let o = &r.options;
        let _ = writeln!(
            out,
            "options = {{ good_percentile = {}, bad_percentile = {}, prior_calls = {}, min_calls = {}, max_shift = {} }}",
            toml_float(o.good_percentile),
            toml_float(o.bad_percentile),
            toml_float(o.prior_calls),
            o.min_calls,
            toml_float(o.max_shift)
        );
        out.push_str("\n[calibration.metrics]\n");
        for (key, m) in &r.metrics {
            let _ = writeln!(
                out,
                "{} = {{ n = {}, p5 = {}, p25 = {}, median = {}, p75 = {}, p95 = {}, default_good = {}, default_bad = {}, team_good = {}, team_bad = {}, team_weight = {}, capped = {}, team_outside = {} }}",
                toml::Value::String(key.clone()),
                m.n,
                toml_float(m.p5),
                toml_float(m.p25),
                toml_float(m.median),
                toml_float(m.p75),
                toml_float(m.p95),
                toml_float(m.default_good),
                toml_float(m.default_bad),
                toml_float(m.team_good),
                toml_float(m.team_bad),
                toml_float(m.team_weight),
                m.capped,
                m.team_outside
            );
        }
    }
    out
}

/// The comment above a calibrated band: its calls, percentiles, the
/// default it replaced and how far it moved.
fn band_comment(key: &str, m: &MetricRecord) -> String {
    let moved = if m.team_weight == 0.0 {
        "not moved (too few calls)".to_string()
    } else {
        format!(
            "moved {:.0} % of the way{}",
            m.team_weight * 100.0,
            if m.capped { ", capped" } else { "" }
        )
    };
    let outside = if m.team_outside {
        "\n#   most calls rate below 50 on the default band: a team-wide sign"
    } else {
        ""
    };
    format!(
        "# {key}: {} calls; p5 {}, median {}, p95 {}; team band {} -> {};\n#   default {} -> {}, {moved}.{outside}\n",
        m.n,
        short(m.p5),
        short(m.median),
        short(m.p95),
        short(m.team_good),
        short(m.team_bad),
        short(m.default_good),
        short(m.default_bad),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::REACTION_BANDS;

    fn call(lang: &str, values: &[(&str, &str, f64)]) -> CallFigures {
        CallFigures {
            file: "x.wav".into(),
            language: lang.into(),
            values: values
                .iter()
                .map(|&(f, m, v)| (f.to_string(), m.to_string(), v))
                .collect(),
        }
    }

    #[test]
    fn percentiles_interpolate_between_order_statistics() {
        // numpy.percentile([1, 2, 3, 4, 10], [5, 25, 50, 95]) =
        // [1.2, 2, 3, 8.8].
        let xs = [1.0, 2.0, 3.0, 4.0, 10.0];
        for (p, want) in [(5.0, 1.2), (25.0, 2.0), (50.0, 3.0), (95.0, 8.8)] {
            assert!((percentile(&xs, p) - want).abs() < 1e-12, "p{p}");
        }
        assert_eq!(percentile(&[7.0], 95.0), 7.0);
    }

    #[test]
    fn a_band_moves_by_the_credibility_weight_and_no_further_than_the_cap() {
        // A team of 20 calls speaking 230..249 wpm against the English band
        // 210 -> 300 (width 90): weight 20 / (20 + 20) = 0.5.
        let calls: Vec<CallFigures> = (0..20)
            .map(|i| call("en", &[("too_fast", "agent_wpm", 230.0 + i as f64)]))
            .collect();
        let p = calibrate(&calls, &Profile::default(), &CalibrateOptions::default());
        let t = p
            .finding(FindingId::TooFast)
            .threshold("agent_wpm", "en")
            .unwrap();
        let xs: Vec<f64> = (0..20).map(|i| 230.0 + i as f64).collect();
        let (median, p95) = (percentile(&xs, 50.0), percentile(&xs, 95.0));
        assert_eq!(t.good, round_sig(210.0 + 0.5 * (median - 210.0)));
        // bad would move to 274.3, 25.7 below 300: within the cap of 45.
        assert_eq!(t.bad, round_sig(300.0 + 0.5 * (p95 - 300.0)));
        // German calls keep the German band.
        let de = p
            .finding(FindingId::TooFast)
            .threshold("agent_wpm", "de")
            .unwrap();
        assert_eq!((de.good, de.bad), (170.0, 240.0));
        let r = &p.calibration.as_ref().unwrap().metrics["too_fast.agent_wpm_en"];
        assert_eq!((r.n, r.team_weight, r.capped), (20, 0.5, false));

        // A whole team at -20 dB SNR, far below the band 15 -> 3 dB (width
        // 12): weight 100 / 120, but each end moves at most 6 dB.
        let calls: Vec<CallFigures> = (0..100)
            .map(|_| call("en", &[("unclear", "snr_db", -20.0)]))
            .collect();
        let p = calibrate(&calls, &Profile::default(), &CalibrateOptions::default());
        let t = p
            .finding(FindingId::Unclear)
            .threshold("snr_db", "en")
            .unwrap();
        assert_eq!((t.good, t.bad), (9.0, -3.0));
        let r = &p.calibration.as_ref().unwrap().metrics["unclear.snr_db"];
        assert!(r.capped && r.team_outside);
    }

    #[test]
    fn ends_that_meet_are_spread_to_half_the_default_width() {
        // 100 calls at 1.5 barge-ins beyond the customer, the middle of the
        // band 0 -> 3: good would move to 1.25 and bad to 1.75, 0.5 apart;
        // they are spread about 1.5 to 1.5 apart (half the width of 3).
        let calls: Vec<CallFigures> = (0..100)
            .map(|_| call("en", &[("impatient", "barge_ins_beyond_customer", 1.5)]))
            .collect();
        let p = calibrate(&calls, &Profile::default(), &CalibrateOptions::default());
        let t = p
            .finding(FindingId::Impatient)
            .threshold("barge_ins_beyond_customer", "en")
            .unwrap();
        assert_eq!((t.good, t.bad), (0.75, 2.25));
    }

    #[test]
    fn fewer_than_five_calls_move_nothing_and_say_so() {
        let calls: Vec<CallFigures> = (0..3)
            .map(|_| call("en", &[("too_fast", "agent_wpm", 280.0)]))
            .collect();
        let p = calibrate(&calls, &Profile::default(), &CalibrateOptions::default());
        let mut bare = p.clone();
        bare.calibration = None;
        assert_eq!(bare, Profile::default());
        let r = p.calibration.unwrap();
        assert!(r.note.contains("fewer than 5"), "{}", r.note);
        assert_eq!(r.metrics["too_fast.agent_wpm_en"].team_weight, 0.0);
    }

    #[test]
    fn the_written_profile_loads_to_the_same_bands_and_writes_the_same_bytes() {
        let calls: Vec<CallFigures> = (0..7)
            .map(|i| {
                call(
                    if i % 2 == 0 { "en" } else { "de" },
                    &[
                        ("too_fast", "agent_wpm", 180.0 + 9.0 * i as f64),
                        ("rushed", "pauses_per_min", 12.0 - i as f64),
                        ("unclear", "clipped_fraction", 0.0),
                    ],
                )
            })
            .collect();
        let p = calibrate(&calls, &Profile::default(), &CalibrateOptions::default());
        let text = profile_toml(&p);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("team.toml");
        std::fs::write(&path, &text).unwrap();
        let loaded = Profile::load(&path).unwrap();
        assert_eq!(loaded, p);
        assert_eq!(profile_toml(&loaded), text);
        // A low-is-bad metric moves its bad end toward the team's low end.
        let t = loaded
            .finding(FindingId::Rushed)
            .threshold("pauses_per_min", "en")
            .unwrap();
        assert!(t.bad > 3.0 && t.good < 10.0, "{t:?}");
        // The default profile written out loads to itself too.
        let plain = profile_toml(&Profile::default());
        std::fs::write(&path, &plain).unwrap();
        assert_eq!(Profile::load(&path).unwrap(), Profile::default());
    }

    #[test]
    fn the_customer_reaction_bands_are_read_and_calibrated_like_a_findings() {
        // A team whose callers' pitch rises up to 3-4 st in calm calls: the
        // pitch band (2 -> 8 st) moves toward the team's median and 95th
        // percentile, and the written profile keeps it.
        let cards: Vec<serde_json::Value> = (0..20)
            .map(|i| {
                serde_json::json!({
                    "schema_version": "3.2", "file": format!("{i}.wav"), "language": "en",
                    "findings": [],
                    "customer_reaction": {"metrics": [
                        {"name": "f0_rise_semitones", "value": 3.0 + 0.05 * i as f64},
                        {"name": "level_rise_db", "value": null}]}
                })
            })
            .collect();
        let calls: Vec<CallFigures> = cards
            .iter()
            .map(|c| CallFigures::from_json(c).unwrap())
            .collect();
        assert_eq!(
            calls[0].values,
            [(REACTION_BANDS.into(), "f0_rise_semitones".into(), 3.0)]
        );
        let p = calibrate(&calls, &Profile::default(), &CalibrateOptions::default());
        let before = Profile::default().findings[REACTION_BANDS].metrics["f0_rise_semitones"];
        let after = p.findings[REACTION_BANDS].metrics["f0_rise_semitones"];
        assert!(
            after.good > before.good && after.bad < before.bad,
            "{after:?}"
        );
        let r = &p.calibration.as_ref().unwrap().metrics;
        assert_eq!(r["customer_reaction.f0_rise_semitones"].n, 20);
        // Level had no value: its band stays.
        assert_eq!(
            p.findings[REACTION_BANDS].metrics["level_rise_db"],
            Profile::default().findings[REACTION_BANDS].metrics["level_rise_db"]
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("team.toml");
        std::fs::write(&path, profile_toml(&p)).unwrap();
        assert_eq!(Profile::load(&path).unwrap(), p);
    }

    #[test]
    fn scorecards_are_read_from_files_and_batch_directories() {
        let dir = tempfile::tempdir().unwrap();
        let calls = dir.path().join("calls");
        std::fs::create_dir(&calls).unwrap();
        let card = serde_json::json!({
            "schema_version": "2.1", "file": "a.wav", "language": "en",
            "findings": [{"id": "too_fast", "metrics": [
                {"name": "agent_wpm", "value": 201.5},
                {"name": "articulation_rate_syl_per_s", "value": null}]}]
        });
        std::fs::write(calls.join("a.json"), card.to_string()).unwrap();
        std::fs::write(calls.join("b.error.json"), "{\"error\": \"x\"}").unwrap();
        let read = read_scorecards(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(
            read[0].values,
            [("too_fast".into(), "agent_wpm".into(), 201.5)]
        );

        let lines = dir.path().join("cards.jsonl");
        std::fs::write(&lines, format!("{card}\n{card}\n")).unwrap();
        assert_eq!(read_scorecards(&[lines]).unwrap().len(), 2);

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"findings\": 3}").unwrap();
        let e = read_scorecards(&[bad]).unwrap_err().to_string();
        assert!(e.contains("bad.json: not a callcoach scorecard"), "{e}");
    }
}
