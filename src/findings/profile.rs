//! The scoring profile: thresholds, weights and combination rules from
//! `src/data/profile.toml`, and the coaching tips from
//! `src/data/tips.{de,en}.toml`. A user profile (`--profile FILE`) is laid
//! over the defaults key by key, so it only needs the values it changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::record::CalibrationRecord;
use super::{FindingId, Verdict};

/// The embedded default profile.
pub const DEFAULT_PROFILE: &str = include_str!("../data/profile.toml");
/// Embedded English tips and titles.
pub const TIPS_EN: &str = include_str!("../data/tips.en.toml");
/// Embedded German tips and titles.
pub const TIPS_DE: &str = include_str!("../data/tips.de.toml");

/// A profile that could not be read. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("{0}: cannot read profile: {1}")]
    Io(PathBuf, std::io::Error),
    /// The TOML is malformed or has wrong types.
    #[error("{0}: invalid profile: {1}")]
    Invalid(PathBuf, String),
}

/// `good`, `bad` and `weight` of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Threshold {
    /// Value rated 100 (no sign of the mistake).
    pub good: f64,
    /// Value rated 0 (full sign of the mistake).
    pub bad: f64,
    /// Weight of the metric in a "mean" finding.
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// The rules of one finding.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FindingRules {
    /// "mean" or "min".
    pub combine: String,
    /// Metric thresholds by name (`NAME`, `NAME_de`, `NAME_en`).
    pub metrics: BTreeMap<String, Threshold>,
}

impl FindingRules {
    /// The threshold of `name` for a call in `language` (`NAME_de` before `NAME`).
    pub fn threshold(&self, name: &str, language: &str) -> Option<Threshold> {
        self.key(name, language).map(|k| self.metrics[k.as_str()])
    }

    /// The profile key that holds the band of `name` for a call in
    /// `language`: `NAME_de` before `NAME`; a language-specific metric with
    /// no entry for this language falls back to English (`NAME_en`).
    pub fn key(&self, name: &str, language: &str) -> Option<String> {
        let lang = language.get(..2).unwrap_or(language);
        [
            format!("{name}_{lang}"),
            name.to_string(),
            format!("{name}_en"),
        ]
        .into_iter()
        .find(|k| self.metrics.contains_key(k))
    }

    /// Whether the finding takes its worst metric rather than the mean.
    pub fn combine_min(&self) -> bool {
        self.combine == "min"
    }
}

/// Verdict bands.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct VerdictBands {
    /// Scores at or above this are ok.
    pub ok_from: u8,
    /// Scores below this are problems.
    pub problem_below: u8,
}

/// A whole scoring profile.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Profile {
    /// Verdict bands.
    pub verdict: VerdictBands,
    /// Finding weights in the overall score.
    pub weights: BTreeMap<String, f64>,
    /// Where the bands came from, when `callcoach calibrate` wrote the
    /// profile (see [`crate::findings::calibrate`]); not used for scoring.
    #[serde(default)]
    pub calibration: Option<CalibrationRecord>,
    /// How the customer reaction track cuts and judges the caller's speech
    /// (`[reaction]`; its signal bands are `[customer_reaction]`, among
    /// `findings`, so that calibration moves them like any finding's).
    pub reaction: ReactionParams,
    /// Rules per finding id, and the customer reaction's signal bands
    /// (`customer_reaction`, combine `count`).
    #[serde(flatten)]
    pub findings: BTreeMap<String, FindingRules>,
}

/// The key of the customer reaction's signal bands in [`Profile::findings`].
pub const REACTION_BANDS: &str = "customer_reaction";

/// The `[reaction]` table: how [`crate::reaction`] cuts the caller's speech
/// into stretches, takes the baseline and finds escalations (the values and
/// their reasons are in `src/data/profile.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub struct ReactionParams {
    /// Caller speech (s) of the baseline at most.
    pub baseline_speech_s: f64,
    /// Largest share of the caller's speech the baseline may take.
    pub baseline_max_share: f64,
    /// Least baseline speech (s); less: not measured.
    pub baseline_min_s: f64,
    /// Least speech (s) of a judged stretch.
    pub min_unit_speech_s: f64,
    /// Most speech (s) of one stretch; longer turns are cut.
    pub unit_max_speech_s: f64,
    /// Least voiced time (s) for a pitch figure.
    pub min_voiced_s: f64,
    /// Signals up together for a tense stretch.
    pub min_signals: usize,
    /// Tense stretches in a row for an escalation.
    pub episode_min_units: usize,
    /// Or the speech (s) of a single tense stretch.
    pub episode_min_speech_s: f64,
    /// Overtalk (s) in a stretch that counts as a signal.
    pub overtalk_min_s: f64,
    /// The window (s) before an escalation searched for the agent's acts.
    pub after_window_s: f64,
    /// An agent turn at least this long (s) is a monologue.
    pub monologue_s: f64,
    /// A joint silence at least this long (s) is a long silence.
    pub long_silence_s: f64,
}

impl Default for Profile {
    fn default() -> Self {
        toml::from_str(DEFAULT_PROFILE).expect("the embedded profile parses (unit-tested)")
    }
}

/// What [`Profile::load`]'s checks refuse in a merged profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
enum ProfileFault {
    /// A finding has no table.
    #[error("no [{0}] table")]
    NoTable(&'static str),
    /// A finding's `combine` is neither `mean` nor `min`.
    #[error("[{0}] combine must be \"mean\" or \"min\"")]
    Combine(&'static str),
    /// The problem band starts above the ok band.
    #[error("verdict.problem_below must not exceed verdict.ok_from")]
    VerdictOrder,
}

impl Profile {
    /// The defaults with the user's file laid over them, key by key.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = crate::limits::read_text(path, crate::limits::MAX_TOML_BYTES)
            .map_err(|e| ProfileError::Io(path.into(), e))?;
        let invalid = |e: String| ProfileError::Invalid(path.into(), e);
        let user: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| invalid(one_line(&e)))?;
        let mut merged: toml::Table = DEFAULT_PROFILE.parse().expect("embedded profile");
        merge(&mut merged, user);
        let profile: Profile = merged
            .try_into()
            .map_err(|e: toml::de::Error| invalid(one_line(&e)))?;
        profile.check().map_err(|e| invalid(e.to_string()))?;
        Ok(profile)
    }

    fn check(&self) -> Result<(), ProfileFault> {
        for id in FindingId::ALL {
            let r = self
                .findings
                .get(id.as_str())
                .ok_or(ProfileFault::NoTable(id.as_str()))?;
            if r.combine != "mean" && r.combine != "min" {
                return Err(ProfileFault::Combine(id.as_str()));
            }
        }
        if !self.findings.contains_key(REACTION_BANDS) {
            return Err(ProfileFault::NoTable(REACTION_BANDS));
        }
        if self.verdict.problem_below > self.verdict.ok_from {
            return Err(ProfileFault::VerdictOrder);
        }
        Ok(())
    }

    /// The rules of one finding.
    pub fn finding(&self, id: FindingId) -> &FindingRules {
        &self.findings[id.as_str()]
    }

    /// The finding's weight in the overall score (1 if not given).
    pub fn weight(&self, id: FindingId) -> f64 {
        self.weights.get(id.as_str()).copied().unwrap_or(1.0)
    }

    /// The verdict for a score.
    pub fn verdict(&self, score: u8) -> Verdict {
        if score >= self.verdict.ok_from {
            Verdict::Ok
        } else if score < self.verdict.problem_below {
            Verdict::Problem
        } else {
            Verdict::Watch
        }
    }
}

/// Lays `over` onto `base`: tables merge recursively, other values replace.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn one_line(e: &toml::de::Error) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Title and tip of each finding in one language.
#[derive(Debug, Clone, Deserialize)]
pub struct Tips(BTreeMap<String, TipEntry>);

#[derive(Debug, Clone, Deserialize)]
struct TipEntry {
    title: String,
    tip: String,
    /// One or two words for `callcoach live` (voice findings only).
    #[serde(default)]
    hint: Option<String>,
}

impl Tips {
    /// The embedded tips for a language code (German for "de…", else English).
    pub fn builtin(language: &str) -> Self {
        let text = if language.starts_with("de") {
            TIPS_DE
        } else {
            TIPS_EN
        };
        toml::from_str(text).expect("embedded tips parse (unit-tested)")
    }

    /// The finding's display name.
    pub fn title(&self, id: FindingId) -> &str {
        self.0.get(id.as_str()).map_or(id.as_str(), |e| &e.title)
    }

    /// The finding's coaching tip.
    pub fn tip(&self, id: FindingId) -> &str {
        self.0.get(id.as_str()).map_or("", |e| &e.tip)
    }

    /// The finding's short live hint ("slower"), if it has one.
    pub fn hint(&self, id: FindingId) -> Option<&str> {
        self.0.get(id.as_str()).and_then(|e| e.hint.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_profile_and_tips_cover_all_eight() {
        let p = Profile::default();
        p.check().unwrap();
        for lang in ["de", "en"] {
            let t = Tips::builtin(lang);
            for id in FindingId::ALL {
                assert_ne!(t.title(id), id.as_str(), "{lang} title of {id:?}");
                assert!(t.tip(id).len() > 40, "{lang} tip of {id:?}");
            }
        }
        let too_fast = p.finding(FindingId::TooFast);
        assert_eq!(too_fast.threshold("agent_wpm", "de").unwrap().bad, 240.0);
        assert_eq!(too_fast.threshold("agent_wpm", "en").unwrap().bad, 300.0);
    }

    #[test]
    fn a_user_profile_overrides_only_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("strict.toml");
        std::fs::write(&path, "[verdict]\nok_from = 90\n[monotone.metrics]\nf0_std_semitones = { good = 3.0, bad = 2.0 }\n").unwrap();
        let p = Profile::load(&path).unwrap();
        assert_eq!(p.verdict.ok_from, 90);
        assert_eq!(p.verdict.problem_below, 40);
        let t = p
            .finding(FindingId::Monotone)
            .threshold("f0_std_semitones", "en")
            .unwrap();
        assert_eq!((t.good, t.bad), (3.0, 2.0));
        assert!(p
            .finding(FindingId::Monotone)
            .threshold("f0_range_semitones", "en")
            .is_some());

        std::fs::write(&path, "[monotone]\ncombine = \"max\"\n").unwrap();
        let e = Profile::load(&path).unwrap_err().to_string();
        assert!(e.contains("strict.toml") && e.contains("combine"), "{e}");
    }
}
