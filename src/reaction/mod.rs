//! The customer's side of the call: does the caller calm down or
//! escalate, and after what the agent did?
//!
//! The caller's voice is compared with the caller's own baseline, the first
//! stretch of the caller's speech, never with a population norm: voices
//! differ far more between people than within one person, and emotion
//! research measures arousal as change from a speaker's neutral (Banse &
//! Scherer 1996; Juslin & Laukka 2003, "hot anger": louder, higher and
//! wider in pitch, faster). The method, in order:
//!
//! 1. **Stretches.** The caller's turns ([`crate::structure`]) with the
//!    caller's speech activity inside them, long turns cut into pieces of
//!    at most `unit_max_speech_s` of speech ([`stretches::cut`]); stretches
//!    with less than `min_unit_speech_s` of speech (back-channels) are not
//!    judged.
//! 2. **Voice figures** of each stretch from the per-frame tracks the voice
//!    stage already made ([`crate::features`]): level (energy mean, dB),
//!    F0 median and 5–95 % range (semitones), articulation rate (syllable
//!    nuclei per second of speech).
//! 3. **Baseline**: the first judged stretches up to `baseline_speech_s` of
//!    speech (at most `baseline_max_share` of the caller's), pooled.
//! 4. **Signals up** in a stretch: each voice change whose rating against
//!    its `[customer_reaction]` band is below 50, and the caller's
//!    barge-ins, overtalk and escalation phrases in it ([`Signal`]).
//! 5. **Tense stretch**: at least `min_signals` voice signals or escalation
//!    phrases up, pitch or pitch range among them, the pitch at or past its
//!    band's `bad` end counting twice (real angry speech can move the pitch
//!    alone, far: +9.4 st in Thorsten-Voice's): raised vocal effort
//!    always raises F0 (Traunmüller & Eriksson 2000), while the level alone
//!    moves with a recording's normalisation and the handset's distance.
//!    Barge-ins and overtalk are named with the signals but do not count:
//!    calm real calls are full of cooperative overlap.
//! 6. **Escalation**: tense stretches in a row, sustained (at least
//!    `episode_min_units` of them, or `episode_min_speech_s` of speech), not
//!    one loud word; with what the agent did in the `after_window_s` before
//!    it ([`AgentAct`]).
//! 7. **Start against end**: the baseline against the caller's last
//!    stretches, by the same bands: calmer, same or tenser.
//!
//! What cannot be judged says so: a call without a customer, with too
//! little of the caller's speech, or whose roles are uncertain is
//! `not_measured` with the reason; nothing is guessed.

pub mod episodes;
pub mod stretches;

use serde::{Deserialize, Serialize};

use crate::features::speech_floor_db;
use crate::findings::phrases::find_timed;
use crate::findings::profile::FindingRules;
use crate::findings::{rate, CallFacts, Finding, Metric, Profile, REACTION_BANDS};
use crate::structure::Interval;

pub use episodes::{ActKind, AgentAct, Escalation, StartVsEnd, Trend};
pub use stretches::VoiceFigures;

/// One sign of the caller's arousal or escalation in a stretch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The voice is louder than the baseline.
    Level,
    /// Its median pitch is higher.
    Pitch,
    /// Its pitch range is wider.
    PitchRange,
    /// It is faster.
    Rate,
    /// The caller barged into the agent's speech.
    BargeIn,
    /// Both talked at once for a while.
    Overtalk,
    /// The caller said an escalation phrase ("your manager", "kündigen").
    Phrase,
}

impl Signal {
    /// The voice signals, measured against the baseline with a band each.
    pub const VOICE: [Signal; 4] = [
        Signal::Level,
        Signal::Pitch,
        Signal::PitchRange,
        Signal::Rate,
    ];

    /// The signal as written in JSON (`pitch_range`).
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Level => "level",
            Signal::Pitch => "pitch",
            Signal::PitchRange => "pitch_range",
            Signal::Rate => "rate",
            Signal::BargeIn => "barge_in",
            Signal::Overtalk => "overtalk",
            Signal::Phrase => "phrase",
        }
    }

    /// The name of a voice signal's band in `[customer_reaction]`.
    pub fn band(self) -> Option<&'static str> {
        match self {
            Signal::Level => Some("level_rise_db"),
            Signal::Pitch => Some("f0_rise_semitones"),
            Signal::PitchRange => Some("f0_range_rise_semitones"),
            Signal::Rate => Some("rate_rise_percent"),
            _ => None,
        }
    }
}

/// The signal's key (`barge_in`), for the wording tables.
impl From<Signal> for &'static str {
    fn from(s: Signal) -> Self {
        s.as_str()
    }
}

/// How the caller's voice in some speech differs from the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Change {
    /// Level difference (dB).
    pub level_db: Option<f64>,
    /// Median F0 difference (semitones).
    pub f0_semitones: Option<f64>,
    /// F0 range difference (semitones).
    pub f0_range_semitones: Option<f64>,
    /// Rate difference (percent of the baseline's).
    pub rate_percent: Option<f64>,
}

impl Change {
    /// `now` against `base`.
    pub fn between(base: &VoiceFigures, now: &VoiceFigures) -> Change {
        let diff = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| b - a);
        Change {
            level_db: diff(base.level_dbfs, now.level_dbfs),
            f0_semitones: base
                .f0_median_hz
                .zip(now.f0_median_hz)
                .map(|(a, b)| 12.0 * (b / a).log2()),
            f0_range_semitones: diff(base.f0_range_semitones, now.f0_range_semitones),
            rate_percent: base
                .rate_syl_per_s
                .zip(now.rate_syl_per_s)
                .filter(|(a, _)| *a > 0.0)
                .map(|(a, b)| 100.0 * (b / a - 1.0)),
        }
    }

    /// The value of a voice signal (`None` for the others).
    pub fn value(&self, s: Signal) -> Option<f64> {
        match s {
            Signal::Level => self.level_db,
            Signal::Pitch => self.f0_semitones,
            Signal::PitchRange => self.f0_range_semitones,
            Signal::Rate => self.rate_percent,
            _ => None,
        }
    }

    /// The larger of each figure of `self` and `other`.
    fn max(self, other: Change) -> Change {
        let m = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Change {
            level_db: m(self.level_db, other.level_db),
            f0_semitones: m(self.f0_semitones, other.f0_semitones),
            f0_range_semitones: m(self.f0_range_semitones, other.f0_range_semitones),
            rate_percent: m(self.rate_percent, other.rate_percent),
        }
    }
}

/// One judged stretch of the caller's speech.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stretch {
    /// Start of its first speech (ms).
    pub start_ms: u64,
    /// End of its last speech (ms).
    pub end_ms: u64,
    /// Whether it is part of the baseline.
    pub baseline: bool,
    /// The caller's voice in it.
    pub voice: VoiceFigures,
    /// Against the baseline.
    pub change: Change,
    /// The caller's barge-ins starting in it.
    pub barge_ins: usize,
    /// Time both spoke in it (s).
    pub overtalk_s: f64,
    /// Escalation phrases the caller said in it (the words as heard).
    pub phrases: Vec<String>,
    /// The signals up (empty for the baseline).
    pub up: Vec<Signal>,
    /// Whether it is tense (module docs, step 5).
    pub tense: bool,
}

/// Whether the track could be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Measured: the figures below hold.
    Measured,
    /// Not measured: see `reason`.
    NotMeasured,
}

/// The customer's reaction over one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerReaction {
    /// Measured or not.
    pub status: Status,
    /// Why not measured: `no_customer`, `roles_uncertain`,
    /// `too_little_customer_speech` (keys of `[reason]` in the wording).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The baseline: the caller's voice in the first stretches.
    pub baseline: Option<VoiceFigures>,
    /// Per voice signal, the largest rise of any stretch after the
    /// baseline, rated against its band (what `calibrate` reads).
    pub metrics: Vec<Metric>,
    /// The escalations, in time order.
    pub escalations: Vec<Escalation>,
    /// The call's end against its start.
    pub start_vs_end: Option<StartVsEnd>,
    /// The caller's barge-ins into the agent's speech, whole call.
    pub barge_ins: usize,
    /// Every judged stretch, in time order.
    pub stretches: Vec<Stretch>,
}

impl CustomerReaction {
    /// A track that could not be measured, for `reason`.
    pub fn not_measured(reason: &str) -> Self {
        CustomerReaction {
            status: Status::NotMeasured,
            reason: Some(reason.to_string()),
            baseline: None,
            metrics: Vec::new(),
            escalations: Vec::new(),
            start_vs_end: None,
            barge_ins: 0,
            stretches: Vec::new(),
        }
    }
}

/// The customer's reaction track of one call, judged with the profile's
/// `[reaction]` rules and `[customer_reaction]` bands, from what the
/// findings were judged on (`facts`: the caller's voice with its frame
/// tracks, the structure, both parties' words, the phrase lists) and the
/// findings themselves (a problem's evidence before an escalation).
pub fn track(facts: &CallFacts, findings: &[Finding], profile: &Profile) -> CustomerReaction {
    let params = &profile.reaction;
    let structure = facts.structure;
    let Some(voice) = facts.customer else {
        return CustomerReaction::not_measured("no_customer");
    };
    if structure.roles.as_ref().is_some_and(|r| !r.confident) {
        return CustomerReaction::not_measured("roles_uncertain");
    }
    let Some(frames) = voice.frames.as_deref() else {
        return CustomerReaction::not_measured("no_customer");
    };
    let tracks = stretches::Tracks {
        frames,
        nuclei_s: &voice.nuclei_s,
        floor_db: speech_floor_db(frames.iter().map(|f| f64::from(f.intensity_db))),
        min_voiced_s: params.min_voiced_s,
    };
    let cuts: Vec<stretches::Cut> = stretches::cut(
        &structure.turns,
        &structure.customer_speech,
        params.unit_max_speech_s,
    )
    .into_iter()
    .filter(|c| c.speech_s() >= params.min_unit_speech_s)
    .collect();
    let total: f64 = cuts.iter().map(stretches::Cut::speech_s).sum();
    let limit = params
        .baseline_speech_s
        .min(params.baseline_max_share * total);
    let mut in_base = 0;
    let mut base_s = 0.0;
    while in_base < cuts.len() && (in_base == 0 || base_s < limit) {
        base_s += cuts[in_base].speech_s();
        in_base += 1;
    }
    if base_s < params.baseline_min_s || in_base >= cuts.len() {
        return CustomerReaction::not_measured("too_little_customer_speech");
    }
    let pooled = |cs: &[stretches::Cut]| -> Vec<Interval> {
        cs.iter().flat_map(|c| c.speech.iter().copied()).collect()
    };
    let baseline = tracks.measure(&pooled(&cuts[..in_base]));
    let bands = &profile.findings[REACTION_BANDS];
    let hits = find_timed(facts.customer_words, &facts.phrases.escalation);
    let figures = &structure.figures;
    let stretches: Vec<Stretch> = cuts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let voice = tracks.measure(&c.speech);
            let change = Change::between(&baseline, &voice);
            let inside = |t: f64| t >= c.start_s && t < c.end_s;
            let window = Interval {
                start_s: c.start_s,
                end_s: c.end_s,
            };
            let mut s = Stretch {
                start_ms: ms(c.start_s),
                end_ms: ms(c.end_s),
                baseline: i < in_base,
                voice,
                change,
                barge_ins: figures
                    .customer_interruption_spans
                    .iter()
                    .filter(|b| inside(b.start_s))
                    .count(),
                overtalk_s: structure.overlaps.iter().map(|o| o.overlap(&window)).sum(),
                phrases: hits
                    .iter()
                    .filter(|h| inside(h.start_ms as f64 / 1000.0))
                    .map(|h| h.quote.clone())
                    .collect(),
                up: Vec::new(),
                tense: false,
            };
            if !s.baseline {
                s.up = signals_up(&s, bands, params.overtalk_min_s);
                s.tense = is_tense(&s.up, &s.change, bands, params.min_signals);
            }
            s
        })
        .collect();
    let metrics = peak_metrics(&stretches, bands);
    let escalations = episodes::find(&stretches, facts, findings, params);
    let end = episodes::end_pool(&cuts[in_base..], params.baseline_speech_s);
    let start_vs_end = (end.iter().map(Interval::duration).sum::<f64>() >= params.baseline_min_s)
        .then(|| {
            let end = tracks.measure(&end);
            episodes::start_vs_end(&baseline, &end, bands, params.min_signals)
        });
    CustomerReaction {
        status: Status::Measured,
        reason: None,
        baseline: Some(baseline),
        metrics,
        escalations,
        start_vs_end,
        barge_ins: figures.customer_interruptions,
        stretches,
    }
}

/// Milliseconds from seconds.
fn ms(s: f64) -> u64 {
    (s.max(0.0) * 1000.0).round() as u64
}

/// Whether a voice change is up: rated below 50 against its band.
fn voice_up(change: &Change, s: Signal, bands: &FindingRules) -> bool {
    let band = s.band().and_then(|b| bands.metrics.get(b));
    match (change.value(s), band) {
        (Some(v), Some(t)) => rate(v, t.good, t.bad) < 50.0,
        _ => false,
    }
}

/// The signals up in a stretch (module docs, step 4).
fn signals_up(s: &Stretch, bands: &FindingRules, overtalk_min_s: f64) -> Vec<Signal> {
    let mut up: Vec<Signal> = Signal::VOICE
        .into_iter()
        .filter(|&v| voice_up(&s.change, v, bands))
        .collect();
    if s.barge_ins > 0 {
        up.push(Signal::BargeIn);
    }
    if s.overtalk_s >= overtalk_min_s {
        up.push(Signal::Overtalk);
    }
    if !s.phrases.is_empty() {
        up.push(Signal::Phrase);
    }
    up
}

/// A tense stretch: `min_signals` voice signals or escalation phrases up,
/// pitch or pitch range among them; the pitch at or past its band's `bad`
/// end (rated 0) counts twice. Barge-ins and overtalk are listed but do not
/// count: calm real calls are full of them (cooperative overlap). The
/// range is not counted twice: it scatters more in calm calls (up to +7.8 st
/// in a mono mix, where a few frames of the other voice widen it).
fn is_tense(up: &[Signal], change: &Change, bands: &FindingRules, min_signals: usize) -> bool {
    let pitch_past_bad = {
        let band = Signal::Pitch.band().and_then(|b| bands.metrics.get(b));
        matches!((change.f0_semitones, band), (Some(v), Some(t)) if rate(v, t.good, t.bad) <= 0.0)
    };
    let counted: usize = up
        .iter()
        .map(|s| match s {
            Signal::Pitch => 1 + usize::from(pitch_past_bad),
            _ if Signal::VOICE.contains(s) => 1,
            Signal::Phrase => 1,
            _ => 0,
        })
        .sum();
    counted >= min_signals.max(1)
        && up
            .iter()
            .any(|s| matches!(s, Signal::Pitch | Signal::PitchRange))
}

/// Per voice signal, the largest rise after the baseline, rated.
fn peak_metrics(stretches: &[Stretch], bands: &FindingRules) -> Vec<Metric> {
    let peak = stretches
        .iter()
        .filter(|s| !s.baseline)
        .fold(None, |acc: Option<Change>, s| {
            Some(acc.map_or(s.change, |a| a.max(s.change)))
        });
    Signal::VOICE
        .into_iter()
        .filter_map(|s| {
            let name = s.band()?;
            let t = bands.metrics.get(name)?;
            let value = peak.and_then(|p| p.value(s));
            Some(Metric {
                name: name.to_string(),
                value,
                threshold: t.bad,
                good: t.good,
                rating: value.map(|v| rate(v, t.good, t.bad)),
                reason: value.is_none().then(|| "no_caller_figure".to_string()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
