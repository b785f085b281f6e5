//! The eight findings: each classic telephone-support mistake (seed 003,
//! "8 häufige Fehler im Telefonsupport") judged from measured signals.
//!
//! Every detector in [`detect`] only measures: it returns named metric
//! values and the evidence behind them. One function, [`rate_finding`], turns
//! those into a score, a verdict and a tip, with the thresholds and weights
//! of the [`Profile`] (a TOML file QA teams can edit).

pub mod calibrate;
pub mod detect;
pub mod phrases;
pub mod profile;
pub mod record;

use serde::{Deserialize, Serialize};

pub use detect::{detect_all, CallFacts};
pub use phrases::{PhraseHit, ScoringPhrases};
pub use profile::{Profile, ProfileError, ReactionParams, Tips, REACTION_BANDS};

/// The eight mistakes, in the seed's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingId {
    /// 1. Toneless, monotone voice.
    Monotone,
    /// 2. Apathetic, uninvolved voice.
    Apathetic,
    /// 3. Impatient voice.
    Impatient,
    /// 4. Old-fashioned, overlong greeting.
    Greeting,
    /// 5. Rushed, hurried voice.
    Rushed,
    /// 6. Sloppy, unclear pronunciation.
    Unclear,
    /// 7. Speaking too fast.
    TooFast,
    /// 8. Lack of empathy, know-it-all.
    NoEmpathy,
}

impl FindingId {
    /// All eight, in the seed's order.
    pub const ALL: [FindingId; 8] = [
        FindingId::Monotone,
        FindingId::Apathetic,
        FindingId::Impatient,
        FindingId::Greeting,
        FindingId::Rushed,
        FindingId::Unclear,
        FindingId::TooFast,
        FindingId::NoEmpathy,
    ];

    /// The id as written in JSON and in the profile (`too_fast`).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingId::Monotone => "monotone",
            FindingId::Apathetic => "apathetic",
            FindingId::Impatient => "impatient",
            FindingId::Greeting => "greeting",
            FindingId::Rushed => "rushed",
            FindingId::Unclear => "unclear",
            FindingId::TooFast => "too_fast",
            FindingId::NoEmpathy => "no_empathy",
        }
    }
}

/// The id's key (`too_fast`), so that modules below `findings` that key
/// their data by finding (the summary row of `output`) take a `FindingId`
/// without importing it.
impl From<FindingId> for &'static str {
    fn from(id: FindingId) -> Self {
        id.as_str()
    }
}

/// How serious a finding is.
///
/// The order is by concern: `NotMeasured` sorts first, so that the worst
/// verdict of a set is never one that measured nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// None of the finding's metrics could be measured in this call (no
    /// opening, no customer, no recognised words, …): no verdict, never `ok`.
    NotMeasured,
    /// No sign of the mistake worth mentioning.
    Ok,
    /// Some sign: worth a look.
    Watch,
    /// A clear sign of the mistake.
    Problem,
}

impl Verdict {
    /// Whether the verdict flags the mistake (watch or problem): what the
    /// card explains with evidence and a tip.
    pub fn flagged(self) -> bool {
        matches!(self, Verdict::Watch | Verdict::Problem)
    }

    /// The verdict as written in JSON (`not_measured`, `ok`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotMeasured => "not_measured",
            Verdict::Ok => "ok",
            Verdict::Watch => "watch",
            Verdict::Problem => "problem",
        }
    }
}

/// The verdict's key (`watch`), so that [`crate::wording::Wording::verdict`],
/// below `findings`, names a `Verdict` without importing it.
impl From<Verdict> for &'static str {
    fn from(v: Verdict) -> Self {
        v.as_str()
    }
}

/// One measured value and the thresholds it was rated against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Metric name (as in the profile, without a language suffix).
    pub name: String,
    /// The measured value; `None` when it could not be measured (no speech,
    /// no customer turns, …), in which case it does not count.
    pub value: Option<f64>,
    /// The value at which the rating reaches 0 (full sign of the mistake).
    pub threshold: f64,
    /// The value at which the rating is 100 (no sign).
    pub good: f64,
    /// This metric's rating, 0..100 (`None` when not measured).
    pub rating: Option<f64>,
    /// Why the value is `None`: a stable key (`no_opening`,
    /// `no_customer`, `no_words`, …; the keys of `[reason]` in
    /// `src/data/wording.en.toml`). Absent when measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A moment of the call that shows the finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Start (ms from the start of the recording).
    pub start_ms: u64,
    /// End (ms).
    pub end_ms: u64,
    /// What it shows, as a stable key for programs (`agent_talks_over`,
    /// `impatience_phrase`, …: the keys of `[evidence]` in
    /// `src/data/wording.en.toml` but `old_fashioned`, a suffix of `opening`).
    #[serde(default)]
    pub kind: String,
    /// What happened, in words, in the call's language.
    pub what: String,
    /// What was said, when there is a transcript for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

/// What a detector measured, before rating.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// (metric name, value) in display order, the headline metric first.
    pub values: Vec<(&'static str, Option<f64>)>,
    /// Evidence, in time order.
    pub evidence: Vec<Evidence>,
}

/// The reason key of a metric when no more specific one is known.
pub const NOT_MEASURED: &str = "not_measured";

/// One of the eight findings, rated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Which mistake.
    pub id: FindingId,
    /// Display name in the call's language.
    pub title: String,
    /// 0..100, 100 = no sign of the mistake; `None` when nothing was
    /// measured (verdict `not_measured`).
    pub score: Option<u8>,
    /// ok, watch, problem, or not_measured.
    pub verdict: Verdict,
    /// The metrics, the headline metric first. Renderers show the
    /// lowest-rated one as the key figure.
    pub metrics: Vec<Metric>,
    /// Moments that show it.
    pub evidence: Vec<Evidence>,
    /// A concrete coaching tip (always present; shown when not ok).
    pub tip: String,
}

/// Rates a metric value: 100 at or beyond `good`, 0 at or beyond `bad`,
/// linear in between. Works whichever of the two is larger.
pub fn rate(value: f64, good: f64, bad: f64) -> f64 {
    if good == bad {
        return if value == good { 100.0 } else { 0.0 };
    }
    // `+ 0.0` turns a -0.0 (a value exactly at `bad`) into 0.0 for the JSON.
    (100.0 * (value - bad) / (good - bad)).clamp(0.0, 100.0) + 0.0
}

/// Turns a detector's measurements into a rated [`Finding`] with the
/// profile's thresholds, combination rule and verdict bands. `why_not`
/// gives the reason key of a metric that has no value.
pub fn rate_finding(
    id: FindingId,
    measured: Measured,
    why_not: impl Fn(&str) -> &'static str,
    language: &str,
    profile: &Profile,
    tips: &Tips,
) -> Finding {
    let values = measured.values.into_iter().map(|(n, v)| {
        let reason = v.is_none().then(|| why_not(n).to_string());
        (n.to_string(), v, reason)
    });
    let (metrics, score) = rate_metrics(id, values, language, profile);
    Finding {
        id,
        title: tips.title(id).to_string(),
        score,
        verdict: verdict_of(score, profile),
        metrics,
        evidence: measured.evidence,
        tip: tips.tip(id).to_string(),
    }
}

/// The same finding rated again with another profile: its measured values
/// are kept, their ratings, the score and the verdict follow `profile`.
/// Rating reads nothing but the values, so this gives exactly what scoring
/// the call again with `profile` would (tests/realcalls.rs checks it).
pub fn rerate(finding: &Finding, language: &str, profile: &Profile) -> Finding {
    let values = finding
        .metrics
        .iter()
        .map(|m| (m.name.clone(), m.value, m.reason.clone()));
    let (metrics, score) = rate_metrics(finding.id, values, language, profile);
    Finding {
        score,
        verdict: verdict_of(score, profile),
        metrics,
        ..finding.clone()
    }
}

/// The verdict of a score; `NotMeasured` without one.
fn verdict_of(score: Option<u8>, profile: &Profile) -> Verdict {
    score.map_or(Verdict::NotMeasured, |s| profile.verdict(s))
}

/// Rates each (name, value, reason) with the profile's band for `language`
/// (a metric the profile does not name is not scored) and combines the
/// ratings by the finding's rule: the rated metrics and the 0..100 score,
/// `None` when no metric was measured.
fn rate_metrics(
    id: FindingId,
    values: impl Iterator<Item = (String, Option<f64>, Option<String>)>,
    language: &str,
    profile: &Profile,
) -> (Vec<Metric>, Option<u8>) {
    let rules = profile.finding(id);
    let mut metrics = Vec::new();
    let (mut sum, mut weights, mut worst) = (0.0, 0.0, f64::INFINITY);
    for (name, value, reason) in values {
        let Some(t) = rules.threshold(&name, language) else {
            continue; // not in the profile: not scored
        };
        let rating = value.map(|v| rate(v, t.good, t.bad));
        if let Some(r) = rating {
            sum += r * t.weight;
            weights += t.weight;
            worst = worst.min(r);
        }
        metrics.push(Metric {
            name,
            value,
            threshold: t.bad,
            good: t.good,
            rating,
            reason: value
                .is_none()
                .then(|| reason.unwrap_or_else(|| NOT_MEASURED.into())),
        });
    }
    if weights == 0.0 {
        return (metrics, None);
    }
    let score = if rules.combine_min() {
        worst
    } else {
        sum / weights
    };
    (metrics, Some(score.round().clamp(0.0, 100.0) as u8))
}

/// The overall score: the profile-weighted mean of the measured findings'
/// scores (a finding that measured nothing neither helps nor hurts).
pub fn overall_score(findings: &[Finding], profile: &Profile) -> u8 {
    let (mut sum, mut w) = (0.0, 0.0);
    for f in findings {
        let Some(score) = f.score else { continue };
        let weight = profile.weight(f.id);
        sum += f64::from(score) * weight;
        w += weight;
    }
    if w == 0.0 {
        100
    } else {
        (sum / w).round() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_verdicts_convert_into_their_keys_for_the_layers_below() {
        let row = crate::output::CallRow {
            name: "call".into(),
            file: "call.wav".into(),
            agent: "a".into(),
            call_id: None,
            date: None,
            language: Some("de".into()),
            duration_s: Some(60.0),
            overall: Some(80),
            findings: vec![crate::output::FindingCell {
                id: "too_fast",
                score: Some(55),
                verdict: "watch".into(),
            }],
            agent_wpm: None,
            agent_talk_share: None,
            escalations: None,
            customer_trend: None,
            error: None,
        };
        assert_eq!(
            row.finding(FindingId::TooFast).and_then(|c| c.score),
            Some(55)
        );
        assert!(row.finding(FindingId::Monotone).is_none());
        let words = crate::wording::Wording::builtin("de");
        assert_eq!(words.verdict(Verdict::Watch), "Beobachten");
        assert_eq!(
            words.verdict(Verdict::NotMeasured),
            words.verdict("not_measured")
        );
    }

    /// The greeting finding of an opening of `seconds` and `text` in
    /// `language`, rated with the default profile.
    fn greeting(seconds: f64, text: &str, language: &str) -> Finding {
        let phrases = crate::structure::PhraseLists::builtin(language);
        let norm = crate::structure::phrases::normalize(text);
        let formulas =
            crate::structure::phrases::find_phrases(&norm, &phrases.greeting.old_fashioned);
        let measured = Measured {
            values: vec![
                ("opening_s", Some(seconds)),
                ("opening_words", Some(norm.len() as f64)),
                ("old_fashioned_formulas", Some(formulas.len() as f64)),
            ],
            evidence: Vec::new(),
        };
        let profile = Profile::default();
        let tips = Tips::builtin(language);
        rate_finding(
            FindingId::Greeting,
            measured,
            |_| NOT_MEASURED,
            language,
            &profile,
            &tips,
        )
    }

    #[test]
    fn the_greeting_is_judged_on_length_and_formulas_together_as_seed_003_does() {
        // Seed 003's example and its English counterpart: problems.
        let seed = "Herzlich willkommen bei Grumps + Söhne, mein Name ist Sonja \
                    Müller-Lüdenscheid, was kann ich für Sie tun?";
        assert_eq!(greeting(6.0, seed, "de").verdict, Verdict::Problem);
        let en = "Welcome to Grumps and Sons, my name is Sonja Miller, how may I be of assistance?";
        assert_eq!(greeting(5.0, en, "en").verdict, Verdict::Problem);
        // Plain openings, short or a little longer: ok.
        let short = "Hi, customer service, how can I help you?";
        assert_eq!(greeting(2.5, short, "en").verdict, Verdict::Ok);
        let cambridge = "Hi, it's the customer service centre of Cambridge. How can I help you?";
        assert_eq!(greeting(3.6, cambridge, "en").verdict, Verdict::Ok);
        let de = "Grumps, Müller, guten Tag!";
        assert_eq!(greeting(2.0, de, "de").verdict, Verdict::Ok);
        // Very long without a formula eats the caller's time: a problem
        // (the synthetic samples/05-de-greeting as whisper hears it).
        let long = "one two three four five six seven eight nine ten eleven \
                    twelve thirteen fourteen fifteen sixteen seventeen eighteen \
                    nineteen twenty twentyone";
        assert_eq!(greeting(9.6, long, "en").verdict, Verdict::Problem);
        // Long and plain, or short and formulaic: worth a look.
        let plain = "Hello, this is the service desk of the North West branch \
                     of our company, you are through to the team, go ahead";
        assert_eq!(greeting(6.0, plain, "en").verdict, Verdict::Watch);
    }

    #[test]
    fn a_finding_that_measured_nothing_is_not_measured_never_ok() {
        let measured = Measured {
            values: vec![("opening_s", None), ("opening_words", None)],
            evidence: Vec::new(),
        };
        let f = rate_finding(
            FindingId::Greeting,
            measured,
            |_| "no_opening",
            "en",
            &Profile::default(),
            &Tips::builtin("en"),
        );
        assert_eq!((f.verdict, f.score), (Verdict::NotMeasured, None));
        assert!(f
            .metrics
            .iter()
            .all(|m| m.reason.as_deref() == Some("no_opening")));
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["verdict"], "not_measured");
        assert!(json["score"].is_null());
        // It neither helps nor hurts the overall score.
        let mut ok = f.clone();
        (ok.id, ok.score, ok.verdict) = (FindingId::Monotone, Some(50), Verdict::Watch);
        assert_eq!(overall_score(&[f, ok], &Profile::default()), 50);
    }

    #[test]
    fn rating_is_linear_between_good_and_bad_in_both_directions() {
        assert_eq!(rate(2.2, 2.2, 1.0), 100.0);
        assert_eq!(rate(1.0, 2.2, 1.0), 0.0);
        assert!((rate(1.6, 2.2, 1.0) - 50.0).abs() < 1e-9);
        assert_eq!(rate(300.0, 165.0, 210.0), 0.0);
        assert!((rate(187.5, 165.0, 210.0) - 50.0).abs() < 1e-9);
        assert_eq!(rate(0.0, 0.0, 2.0), 100.0);
        assert!(rate(210.0, 165.0, 210.0).is_sign_positive()); // 0 / -45 = -0.0
    }
}
