//! `callcoach calibrate` on a team of real calls (calibration of the bands): the three real
//! calls and the mono mixes of the two stereo ones, scored once by
//! tests/realcalls.rs. Re-rating a scorecard with another profile gives what
//! scoring the call again would ([`Scorecard::rerated`]; checked below
//! against the binary on a sample), so the calls are not transcribed twice.

use callcoach::findings::calibrate::{
    calibrate, percentile, profile_toml, CalibrateOptions, CallFigures, MIN_GAP,
};
use callcoach::findings::{Metric, Profile, Verdict, REACTION_BANDS};
use callcoach::scorecard::Scorecard;

use super::common::{callcoach, callcoach_json};
use super::{card, finding, MONO_MIXES, REAL_CALLS, VARIANTS};

/// The team: the real calls and the mono mixes (5 calls).
fn team() -> Vec<&'static Scorecard> {
    REAL_CALLS
        .iter()
        .chain(MONO_MIXES.iter().map(|m| &m.0))
        .map(|f| card(f))
        .collect()
}

fn figures(cards: &[&Scorecard]) -> Vec<CallFigures> {
    cards
        .iter()
        .map(|c| CallFigures::from_json(&serde_json::to_value(c).unwrap()).unwrap())
        .collect()
}

fn problems(card: &Scorecard) -> usize {
    card.findings
        .iter()
        .filter(|f| f.verdict == Verdict::Problem)
        .count()
}

#[test]
fn calibrating_on_the_team_adds_no_problem_and_moves_each_band_as_documented() {
    let team = team();
    let opts = CalibrateOptions::default();
    let profile = calibrate(&figures(&team), &Profile::default(), &opts);
    let record = profile.calibration.as_ref().unwrap();
    assert_eq!(record.calls, 5);
    for c in &team {
        // Re-rating with the same profile changes nothing.
        assert_eq!(
            c.rerated(&Profile::default(), "default").findings,
            c.findings
        );
        let after = c.rerated(&profile, "team");
        eprintln!(
            "{}: {} problems by default, {} calibrated",
            c.file,
            problems(c),
            problems(&after)
        );
        assert!(
            problems(&after) <= problems(c),
            "{}\ndefault: {}\nteam: {}",
            c.file,
            super::verdicts(c),
            super::verdicts(&after)
        );
    }
    // Each band: the team's percentiles recomputed here from the cards,
    // and the move of docs/calibration.md: n / (n + 20) of the way, at
    // most half the default width, ends at least half that width apart.
    let mut moved = 0;
    for (key, m) in &record.metrics {
        let (finding_id, metric) = key.split_once('.').unwrap();
        let name = metric
            .strip_suffix("_en")
            .or_else(|| metric.strip_suffix("_de"))
            .unwrap_or(metric);
        // A finding's metrics, or the customer reaction's peak rises.
        let metrics_of = |c: &'static Scorecard| -> Vec<&'static Metric> {
            if finding_id == REACTION_BANDS {
                return c.customer_reaction.metrics.iter().collect();
            }
            c.findings
                .iter()
                .filter(|f| f.id.as_str() == finding_id)
                .flat_map(|f| &f.metrics)
                .collect()
        };
        let mut xs: Vec<f64> = team
            .iter()
            .flat_map(|&c| metrics_of(c))
            .filter(|x| x.name == name)
            .filter_map(|x| x.value)
            .collect();
        xs.sort_by(f64::total_cmp);
        assert_eq!(m.n, xs.len(), "{key}");
        let worse_up = m.default_bad > m.default_good;
        let p = |q: f64| percentile(&xs, if worse_up { q } else { 100.0 - q });
        assert_eq!((m.team_good, m.team_bad), (p(50.0), p(95.0)), "{key}");
        let t = profile.findings[finding_id].metrics[metric];
        let width = (m.default_bad - m.default_good).abs();
        if xs.len() < 5 {
            assert_eq!((t.good, t.bad), (m.default_good, m.default_bad), "{key}");
            continue;
        }
        let w = xs.len() as f64 / (xs.len() as f64 + 20.0);
        assert_eq!(m.team_weight, w, "{key}");
        // 4 significant digits are written.
        let tol = 1e-3 * (t.good.abs() + t.bad.abs() + width);
        for (end, from, to) in [
            (t.good, m.default_good, m.team_good),
            (t.bad, m.default_bad, m.team_bad),
        ] {
            assert!(
                (end - from).abs() <= opts.max_shift * width + tol,
                "{key}: {t:?}"
            );
            let documented = from + w * (to - from);
            let spread = ((t.bad - t.good).abs() - MIN_GAP * width).abs() <= tol;
            assert!(
                (end - documented).abs() <= tol || m.capped || spread,
                "{key}: {end} against {documented}"
            );
        }
        assert!((t.bad - t.good).abs() >= MIN_GAP * width - tol, "{key}");
        moved += usize::from((t.good, t.bad) != (m.default_good, m.default_bad));
    }
    assert!(moved >= 10, "{moved} bands moved");
}

#[test]
fn controlled_variants_are_still_flagged_after_calibration() {
    let profile = calibrate(
        &figures(&team()),
        &Profile::default(),
        &CalibrateOptions::default(),
    );
    for (variant, original, id) in VARIANTS {
        let v = card(variant).rerated(&profile, "team");
        let o = card(original).rerated(&profile, "team");
        let (fv, fo) = (finding(&v, id), finding(&o, id));
        eprintln!(
            "{variant}: {} {:?} {:?} (original {:?})",
            id.as_str(),
            fv.verdict,
            fv.score,
            fo.score
        );
        assert!(fv.verdict.flagged(), "{variant}: {}", super::verdicts(&v));
        let (sv, so) = (fv.score.expect("flagged"), fo.score.expect("measured"));
        assert!(sv < so, "{variant}: {sv} against {so}");
    }
}

#[test]
fn three_calls_move_no_band_and_say_why() {
    let three: Vec<&Scorecard> = REAL_CALLS.iter().map(|f| card(f)).collect();
    let profile = calibrate(
        &figures(&three),
        &Profile::default(),
        &CalibrateOptions::default(),
    );
    let record = profile.calibration.clone().unwrap();
    assert!(
        record
            .note
            .contains("3 calls: fewer than 5, so no band moved"),
        "{}",
        record.note
    );
    let mut bands = profile.clone();
    bands.calibration = None;
    assert_eq!(bands, Profile::default());
    assert!(record.metrics.values().all(|m| m.team_weight == 0.0));
}

#[test]
fn the_command_writes_a_profile_that_scoring_uses_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("batch/calls");
    std::fs::create_dir_all(&calls).unwrap();
    for (i, c) in team().iter().enumerate() {
        std::fs::write(
            calls.join(format!("{i}.json")),
            serde_json::to_vec(c).unwrap(),
        )
        .unwrap();
    }
    let batch = dir.path().join("batch");
    let out = dir.path().join("team.toml");
    let (b, o) = (batch.to_str().unwrap(), out.to_str().unwrap());
    let table = callcoach_json(&["calibrate", b, "-o", o, "--json"]);
    assert_eq!(table["calls"], 5);
    let rows = table["metrics"].as_array().unwrap();
    assert!(rows.len() >= 20, "{} metrics", rows.len());
    for key in ["n", "p5", "p25", "median", "p75", "p95", "default", "team"] {
        assert!(!rows[0][key].is_null(), "{key} in {}", rows[0]);
    }

    // The file is the library's profile, and writing it again changes no byte.
    let written = std::fs::read_to_string(&out).unwrap();
    let loaded = Profile::load(&out).unwrap();
    let expected = calibrate(
        &figures(&team()),
        &Profile::default(),
        &CalibrateOptions::default(),
    );
    assert_eq!(loaded, expected);
    assert_eq!(profile_toml(&loaded), written);
    let text = callcoach(&["calibrate", b, "-o", o]);
    assert!(text.status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), written);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("median") && stdout.contains("agent_wpm_en"),
        "{stdout}"
    );

    // `score --profile` rates with exactly the written bands, and gives what
    // re-rating the default scorecard gives.
    let sample = "samples/01-en-good.wav";
    let default = callcoach_json(&["score", sample, "--language", "en", "--json"]);
    let team = callcoach_json(&[
        "score",
        sample,
        "--language",
        "en",
        "--json",
        "--profile",
        o,
    ]);
    for f in team["findings"].as_array().unwrap() {
        let rules = &loaded.findings[f["id"].as_str().unwrap()];
        for m in f["metrics"].as_array().unwrap() {
            let t = rules.threshold(m["name"].as_str().unwrap(), "en").unwrap();
            assert_eq!(m["good"].as_f64(), Some(t.good), "{m}");
            assert_eq!(m["threshold"].as_f64(), Some(t.bad), "{m}");
        }
    }
    for (d, t) in default["findings"]
        .as_array()
        .unwrap()
        .iter()
        .zip(team["findings"].as_array().unwrap())
    {
        let d: callcoach::findings::Finding = serde_json::from_value(d.clone()).unwrap();
        let t: callcoach::findings::Finding = serde_json::from_value(t.clone()).unwrap();
        assert_eq!(callcoach::findings::rerate(&d, "en", &loaded), t);
    }

    // Nothing to read: a one-line error naming the folder, nothing written.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let nowhere = dir.path().join("none.toml");
    let out = callcoach(&[
        "calibrate",
        empty.to_str().unwrap(),
        "-o",
        nowhere.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("empty: no scorecards here"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!nowhere.exists());
}
