//! The eight detectors. Each reads the call's measured facts and returns
//! named metric values plus the moments that show them ([`Measured`]);
//! thresholds and rating are applied afterwards by [`super::rate_finding`].
//! The metric names are the keys of `src/data/profile.toml`.

use crate::features::VoiceReport;
use crate::structure::turns::spoken_word_count;
use crate::structure::{CallStructure, Speaker};
use crate::transcript::{DropReason, DroppedSpan, Word};
use crate::wording::Wording;

use super::phrases::{clause_quote, find_timed, PhraseHit, ScoringPhrases, TimedText};
use super::{rate_finding, Evidence, Finding, FindingId, Measured, Profile, Tips};

use crate::features::intensity::FULL_SCALE_DB as PRAAT_FULL_SCALE_DB;
/// Words whisper gives less than this probability count as unclear.
const LOW_CONFIDENCE: f32 = 0.5;
/// Turns shorter than this are too short to judge per-turn rate or pitch.
const MIN_TURN_S: f64 = 3.0;
/// The breathing-pause figures of `rushed` need this much agent speech (s).
/// A single read sentence of 6-18 s without a pause is ordinary (librivox,
/// FLEURS: docs/validation.md), and a per-minute rate over a few seconds is
/// 0 or 10 by chance; in 20 s an ordinary speaker (15-30 pauses a minute,
/// Goldman-Eisler 1968) makes at least 5, so none in 20 s is a sign.
const MIN_PAUSE_RATE_TALK_S: f64 = 20.0;
/// At most this many evidence items per finding.
const MAX_EVIDENCE: usize = 5;

/// Everything measured about one call that the detectors read.
pub struct CallFacts<'a> {
    /// Language code of the call ("de", "en").
    pub language: &'a str,
    /// The agent's voice figures (with the per-frame track).
    pub agent: &'a VoiceReport,
    /// The customer's voice figures, when the call has a customer: the
    /// reference for figures that depend on the line (see [`unclear`]).
    pub customer: Option<&'a VoiceReport>,
    /// Turns, overlaps, greeting.
    pub structure: &'a CallStructure,
    /// The agent's words, in time order.
    pub agent_words: &'a [Word],
    /// Stretches of the agent's speech whose words speech recognition
    /// dropped as unreliable (see [`DroppedSpan`]): no rate or quote counts
    /// them, but a repetition loop is a sign of speech whisper could not read.
    pub agent_dropped: &'a [DroppedSpan],
    /// The customer's words, in time order.
    pub customer_words: &'a [Word],
    /// Phrase lists of the call's language.
    pub phrases: &'a ScoringPhrases,
}

impl CallFacts<'_> {
    /// The report wording of the call's language.
    fn wording(&self) -> &'static Wording {
        Wording::builtin(self.language)
    }

    /// One piece of evidence of `kind`, its sentence in the call's language.
    fn evidence(
        &self,
        kind: &str,
        (start_ms, end_ms): (u64, u64),
        args: &[(&str, String)],
        quote: Option<String>,
    ) -> Evidence {
        Evidence {
            start_ms,
            end_ms,
            kind: kind.to_string(),
            what: self.wording().evidence(kind, args),
            quote,
        }
    }

    /// `text` in the quotation marks of the call's language.
    fn quoted(&self, text: &str) -> String {
        self.wording()
            .label_with("quote", &[("text", text.to_string())])
    }

    /// The words spoken between two times as the quote of a piece of
    /// evidence: whole clauses, at most 25 words ([`clause_quote`]). When whisper was unsure of them (mean word probability
    /// below [`LOW_CONFIDENCE`]), a note says so instead: a quote of words
    /// whisper could barely read (a synthetic or muffled voice) would put
    /// gibberish into the agent's mouth.
    fn quote(&self, words: &[Word], start_ms: u64, end_ms: u64) -> Option<String> {
        let first = words
            .iter()
            .position(|w| w.end_ms > start_ms && w.start_ms < end_ms)?;
        let last = first
            + words[first..]
                .iter()
                .take_while(|w| w.start_ms < end_ms)
                .count()
            - 1;
        let spoken = &words[first..=last];
        let confidence =
            spoken.iter().map(|w| f64::from(w.probability)).sum::<f64>() / spoken.len() as f64;
        if confidence < f64::from(LOW_CONFIDENCE) {
            let percent = self.wording().num(confidence * 100.0, 0);
            return Some(
                self.wording()
                    .label_with("unquotable", &[("percent", percent)]),
            );
        }
        Some(clause_quote(words, first, last))
    }

    /// `value` with one decimal in the call's language.
    fn num1(&self, value: f64) -> String {
        self.wording().num(value, 1)
    }
}

impl TimedText for Word {
    fn text(&self) -> &str {
        &self.text
    }
    fn start_ms(&self) -> u64 {
        self.start_ms
    }
    fn end_ms(&self) -> u64 {
        self.end_ms
    }
}

/// Runs all eight detectors and rates them.
pub fn detect_all(facts: &CallFacts, profile: &Profile, tips: &Tips) -> Vec<Finding> {
    FindingId::ALL
        .iter()
        .map(|&id| {
            let measured = match id {
                FindingId::Monotone => monotone(facts),
                FindingId::Apathetic => apathetic(facts),
                FindingId::Impatient => impatient(facts),
                FindingId::Greeting => greeting(facts),
                FindingId::Rushed => rushed(facts),
                FindingId::Unclear => unclear(facts),
                FindingId::TooFast => too_fast(facts),
                FindingId::NoEmpathy => no_empathy(facts),
            };
            let why_not = |metric: &str| why_not(facts, metric);
            rate_finding(id, measured, why_not, facts.language, profile, tips)
        })
        .collect()
}

/// Why `metric` has no value in this call: the key of a `[reason]`
/// sentence of `src/data/wording.en.toml`. One place for all detectors, so
/// that the same missing input gives the same reason everywhere.
fn why_not(f: &CallFacts, metric: &str) -> &'static str {
    let has_customer = f.structure.figures.customer_talk_s > 0.0;
    let voiced = || {
        f.agent
            .frames
            .as_ref()
            .is_some_and(|fr| fr.iter().any(|x| x.f0_hz.is_some()))
    };
    match metric {
        _ if f.structure.figures.agent_talk_s == 0.0 => "no_agent_speech",
        "f0_std_semitones" | "f0_range_semitones" if voiced() => "too_little_voiced_speech",
        "f0_std_semitones" | "f0_range_semitones" => "no_voiced_speech",
        "opening_s" | "opening_words" | "old_fashioned_formulas" if !has_customer => "no_customer",
        "opening_s" | "opening_words" | "old_fashioned_formulas" => "no_opening",
        "pauses_per_min" | "longest_stretch_without_pause_s" => "too_little_agent_speech",
        "latency_median_s" => "no_responses",
        "empathy_phrases" if !f.agent_words.is_empty() => "no_problem_described",
        _ if !has_customer
            && matches!(
                metric,
                "acknowledgements_per_customer_turn"
                    | "barge_ins_beyond_customer"
                    | "barge_in_overlap_s"
                    | "hf_energy_vs_customer_db"
                    | "agent_talk_share"
                    | "longest_agent_monologue_s"
                    | "agent_questions"
            ) =>
        {
            "no_customer"
        }
        "hf_energy_vs_customer_db" => "no_customer_voice",
        _ if f.agent_words.is_empty() => "no_words",
        _ => super::NOT_MEASURED,
    }
}

fn ms(s: f64) -> u64 {
    (s.max(0.0) * 1000.0).round() as u64
}

/// The agent's turns of at least [`MIN_TURN_S`] as (start_s, end_s).
fn long_agent_turns(facts: &CallFacts) -> Vec<(f64, f64)> {
    facts
        .structure
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Agent && t.end_s - t.start_s >= MIN_TURN_S)
        .map(|t| (t.start_s, t.end_s))
        .collect()
}

fn hit_evidence(f: &CallFacts, hits: &[PhraseHit], kind: &str) -> Vec<Evidence> {
    hits.iter()
        .take(MAX_EVIDENCE)
        .map(|h| {
            let phrase = f.quoted(&h.phrase);
            f.evidence(
                kind,
                (h.start_ms, h.end_ms),
                &[("phrase", phrase)],
                Some(h.quote.clone()),
            )
        })
        .collect()
}

/// Standard deviation in semitones of the voiced F0 between two times.
fn f0_sd_semitones(agent: &VoiceReport, start_s: f64, end_s: f64) -> Option<f64> {
    let f0: Vec<f64> = agent
        .frames
        .as_ref()?
        .iter()
        .filter(|f| f.time_s >= start_s && f.time_s < end_s)
        .filter_map(|f| f.f0_hz.map(f64::from))
        .collect();
    if f0.len() < 20 {
        return None;
    }
    let mut sorted = f0.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let st: Vec<f64> = f0.iter().map(|f| 12.0 * (f / median).log2()).collect();
    let mean = st.iter().sum::<f64>() / st.len() as f64;
    Some((st.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / st.len() as f64).sqrt())
}

/// 1. Toneless voice: the agent's F0 variability; evidence: the flattest turn.
fn monotone(f: &CallFacts) -> Measured {
    let flattest = long_agent_turns(f)
        .into_iter()
        .filter_map(|(a, b)| f0_sd_semitones(f.agent, a, b).map(|sd| (a, b, sd)))
        .min_by(|x, y| x.2.total_cmp(&y.2));
    let evidence = flattest
        .map(|(a, b, sd)| {
            f.evidence(
                "flattest_turn",
                (ms(a), ms(b)),
                &[("sd", f.num1(sd))],
                f.quote(f.agent_words, ms(a), ms(b)),
            )
        })
        .into_iter()
        .collect();
    Measured {
        values: vec![
            ("f0_std_semitones", f.agent.f0_std_semitones),
            ("f0_range_semitones", f.agent.f0_range_semitones),
        ],
        evidence,
    }
}

/// 2. Apathetic voice: flat and low loudness, no acknowledgements.
fn apathetic(f: &CallFacts) -> Measured {
    let acks = find_timed(f.agent_words, &f.phrases.acknowledgements);
    let customer_turns: Vec<_> = f
        .structure
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Customer)
        .collect();
    let per_turn =
        (!customer_turns.is_empty()).then(|| acks.len() as f64 / customer_turns.len() as f64);
    // Long customer turns the agent did not acknowledge (during or within 1.5 s after).
    let mut evidence: Vec<Evidence> = customer_turns
        .iter()
        .filter(|t| t.end_s - t.start_s >= 4.0)
        .filter(|t| {
            !acks
                .iter()
                .any(|h| h.start_ms >= ms(t.start_s) && h.start_ms <= ms(t.end_s + 1.5))
        })
        .take(MAX_EVIDENCE)
        .map(|t| {
            f.evidence(
                "unacknowledged_turn",
                (ms(t.start_s), ms(t.end_s)),
                &[("seconds", f.num1(t.end_s - t.start_s))],
                f.quote(f.customer_words, ms(t.start_s), ms(t.end_s)),
            )
        })
        .collect();
    if let (Some(level), Some(sd)) = (f.agent.intensity_mean_db, f.agent.intensity_std_db) {
        evidence.insert(
            0,
            f.evidence(
                "agent_level",
                (0, ms(f.agent.duration_s)),
                &[
                    ("level", f.num1(level - PRAAT_FULL_SCALE_DB)),
                    ("sd", f.num1(sd)),
                ],
                None,
            ),
        );
    }
    Measured {
        values: vec![
            ("intensity_std_db", f.agent.intensity_std_db),
            (
                "speech_level_dbfs",
                f.agent.intensity_mean_db.map(|d| d - PRAAT_FULL_SCALE_DB),
            ),
            ("acknowledgements_per_customer_turn", per_turn),
        ],
        evidence,
    }
}

/// Finding 3, impatience: the agent's barge-ins (see
/// `crate::structure::turns`), judged against the customer's in the same
/// call, their overlap, and impatient phrases.
fn impatient(f: &CallFacts) -> Measured {
    let fig = &f.structure.figures;
    let phrases = find_timed(f.agent_words, &f.phrases.impatience);
    let mut evidence: Vec<Evidence> = fig
        .interruption_spans
        .iter()
        .take(MAX_EVIDENCE)
        .map(|i| {
            f.evidence(
                "agent_talks_over",
                (ms(i.start_s), ms(i.end_s)),
                &[("seconds", f.num1(i.end_s - i.start_s))],
                f.quote(f.agent_words, ms(i.start_s), ms(i.end_s)),
            )
        })
        .collect();
    evidence.extend(hit_evidence(f, &phrases, "impatience_phrase"));
    evidence.sort_by_key(|e| e.start_ms);
    let has_customer = fig.customer_talk_s > 0.0;
    Measured {
        values: vec![
            (
                "barge_ins_beyond_customer",
                has_customer.then(|| {
                    fig.agent_interruptions
                        .saturating_sub(fig.customer_interruptions) as f64
                }),
            ),
            (
                "barge_in_overlap_s",
                has_customer.then_some(fig.interruption_overlap_s),
            ),
            ("impatience_phrases", Some(phrases.len() as f64)),
        ],
        evidence,
    }
}

/// Finding 4, greeting: length of the opening and old-fashioned formulas,
/// judged together by the profile (seed 003: "antiquiert klingende und zu lange
/// Meldung"). Not measured without an opening (no words from the agent
/// before the customer's first turn) or without a customer.
fn greeting(f: &CallFacts) -> Measured {
    let g = &f.structure.greeting;
    // Without a customer nothing ends the opening: a recording of the agent
    // alone would count as one long "greeting".
    if !g.present || f.structure.figures.customer_talk_s == 0.0 {
        return Measured {
            values: vec![
                ("opening_s", None),
                ("opening_words", None),
                ("old_fashioned_formulas", None),
            ],
            evidence: Vec::new(),
        };
    }
    let mut opening = f.evidence(
        "opening",
        (ms(g.start_s), ms(g.end_s)),
        &[
            ("seconds", f.num1(g.duration_s)),
            ("words", g.word_count.to_string()),
        ],
        f.quote(f.agent_words, ms(g.start_s), ms(g.end_s)),
    );
    if !g.old_fashioned.is_empty() {
        let quoted: Vec<String> = g.old_fashioned.iter().map(|p| f.quoted(p)).collect();
        let phrases = quoted.join(", ");
        let more = f
            .wording()
            .evidence("old_fashioned", &[("phrases", phrases)]);
        opening.what.push_str(&more);
    }
    Measured {
        values: vec![
            ("opening_s", Some(g.duration_s)),
            ("opening_words", Some(g.word_count as f64)),
            ("old_fashioned_formulas", Some(g.old_fashioned.len() as f64)),
        ],
        evidence: vec![opening],
    }
}

/// Finding 5, rushed voice: breathing pauses inside the agent's turns, the
/// longest stretch without one, and how fast the agent takes over.
fn rushed(f: &CallFacts) -> Measured {
    let agent_turns: Vec<(u64, u64)> = f
        .structure
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Agent)
        .map(|t| (ms(t.start_s), ms(t.end_s)))
        .collect();
    let inside = |a: u64, b: u64| agent_turns.iter().any(|&(s, e)| a >= s && b <= e);
    let pauses = f
        .agent
        .pauses
        .iter()
        .filter(|p| inside(p.start_ms, p.end_ms))
        .count();
    let talk_min = f.structure.figures.agent_talk_s / 60.0;
    let enough = talk_min * 60.0 >= MIN_PAUSE_RATE_TALK_S;
    let per_min = enough.then(|| pauses as f64 / talk_min);
    let longest = f
        .agent
        .speech
        .iter()
        .filter(|_| enough)
        .max_by_key(|i| i.end_ms - i.start_ms);
    let evidence = longest
        .map(|i| {
            let seconds = (i.end_ms - i.start_ms) as f64 / 1000.0;
            f.evidence(
                "no_breathing_pause",
                (i.start_ms, i.end_ms),
                &[("seconds", f.num1(seconds))],
                f.quote(f.agent_words, i.start_ms, i.end_ms),
            )
        })
        .into_iter()
        .collect();
    Measured {
        values: vec![
            ("pauses_per_min", per_min),
            (
                "longest_stretch_without_pause_s",
                longest.map(|i| (i.end_ms - i.start_ms) as f64 / 1000.0),
            ),
            ("latency_median_s", f.structure.figures.latency_median_s),
        ],
        evidence,
    }
}

/// The agent's share of energy above 2 kHz against the customer's on the
/// same recording, in dB (10·log10 of the ratio); `None` without a customer
/// voice. The raw share measures the line as much as the speaker: phone-band
/// speech has little energy above 2 kHz, and clean read speech here ranges
/// from 0.2 % to 8 % (docs/validation.md). Both parties of one recording
/// share the recorder's band and codec, so the ratio keeps what the agent's
/// own voice and headset add: a muffled agent (700 Hz low-pass) sits 20 dB
/// below the customer, ordinary agents within ±4 dB.
fn hf_vs_customer_db(f: &CallFacts) -> Option<f64> {
    let agent = f.agent.hf_energy_ratio?;
    let customer = f.customer?.hf_energy_ratio?;
    (agent > 0.0 && customer > 0.0).then(|| 10.0 * (agent / customer).log10())
}

/// Finding 6, unclear pronunciation: whisper's confidence weighed by depth
/// below the floor, the agent's consonant band (2-3.4 kHz) against the band
/// below 1 kHz on a line that carries both
/// ([`crate::features::VoiceReport::consonant_band_db`]), the SNR,
/// clipping, and the agent's high-frequency energy against the other
/// party's on the same line ([`hf_vs_customer_db`]); the raw
/// high-frequency share is shown in the evidence but never decides alone.
///
/// `low_confidence_share` weighs each agent word by how far it falls below
/// the confidence floor f = [`LOW_CONFIDENCE`]: a word below f / 2 counts
/// fully, one between f / 2 and f by its depth, (f - p) / (f / 2), so a word
/// at 0.3 counts 0.8 and one at 0.45 counts 0.2; the sum is taken over all
/// agent words. Words whisper merely hesitated on weigh little, words it
/// could hardly make out weigh as much as in a plain count below the floor
/// (a word-level confidence measure in the sense of Jiang 2005, "Confidence
/// measures for speech recognition: a survey").
fn unclear(f: &CallFacts) -> Measured {
    let words = f.agent_words;
    let low: Vec<&Word> = words
        .iter()
        .filter(|w| w.probability < LOW_CONFIDENCE)
        .collect();
    let full = LOW_CONFIDENCE / 2.0;
    let depth: f64 = low
        .iter()
        .map(|w| f64::from(((LOW_CONFIDENCE - w.probability) / full).min(1.0)))
        .sum();
    // `+ 0.0`: an empty f64 sum is -0.0, shown as "-0" in the scorecard.
    let share = (!words.is_empty()).then(|| depth / words.len() as f64 + 0.0);
    let mut evidence: Vec<Evidence> = low
        .iter()
        .take(MAX_EVIDENCE)
        .map(|w| {
            let percent = f.wording().num(f64::from(w.probability) * 100.0, 0);
            f.evidence(
                "hard_to_recognise",
                (w.start_ms, w.end_ms),
                &[("percent", percent)],
                f.quote(words, w.start_ms.saturating_sub(1500), w.end_ms + 1500),
            )
        })
        .collect();
    // Where whisper looped even when decoded again, it could not read the
    // agent at all: the strongest sign of unclear speech it gives.
    let unreadable: Vec<Evidence> = f
        .agent_dropped
        .iter()
        .filter(|d| d.reason == DropReason::RepetitionLoop)
        .map(|d| {
            let seconds = (d.end_ms - d.start_ms) as f64 / 1000.0;
            f.evidence(
                "unreadable_speech",
                (d.start_ms, d.end_ms),
                &[("seconds", f.num1(seconds))],
                None,
            )
        })
        .collect();
    evidence.splice(0..0, unreadable);
    evidence.truncate(MAX_EVIDENCE);
    let a = f.agent;
    if let (Some(hf), Some(snr)) = (a.hf_energy_ratio, a.snr_db) {
        evidence.insert(
            0,
            f.evidence(
                "voice_clarity",
                (0, ms(a.duration_s)),
                &[
                    ("hf_percent", f.num1(hf * 100.0)),
                    ("snr", f.wording().num(snr, 0)),
                    (
                        "clipped_percent",
                        f.wording().num(a.clipped_fraction * 100.0, 3),
                    ),
                ],
                None,
            ),
        );
    }
    Measured {
        values: vec![
            ("low_confidence_share", share),
            ("consonant_band_db", a.consonant_band_db),
            ("hf_energy_vs_customer_db", hf_vs_customer_db(f)),
            ("snr_db", a.snr_db),
            ("clipped_fraction", Some(a.clipped_fraction)),
        ],
        evidence,
    }
}

/// Finding 7, speaking too fast: words per minute and the articulation rate
/// (syllables of the agent's words per second of articulation time, pauses
/// of 0.25 s or more left out: [`crate::features::transcript_rate`]; the
/// nuclei rate of the voice report is a cross-check only, as it undercounts
/// fast speech); evidence: the fastest long turn.
fn too_fast(f: &CallFacts) -> Measured {
    let fastest = long_agent_turns(f)
        .into_iter()
        .map(|(a, b)| {
            let n: usize = f
                .agent_words
                .iter()
                .filter(|w| w.start_ms >= ms(a) && w.start_ms < ms(b))
                .map(|w| spoken_word_count(&w.text))
                .sum();
            (a, b, n as f64 / ((b - a) / 60.0))
        })
        // A turn without recognised words (dropped as a loop) has no rate.
        .filter(|&(_, _, wpm)| wpm > 0.0)
        .max_by(|x, y| x.2.total_cmp(&y.2));
    let evidence = fastest
        .map(|(a, b, wpm)| {
            f.evidence(
                "fastest_turn",
                (ms(a), ms(b)),
                &[("wpm", f.wording().num(wpm, 0))],
                f.quote(f.agent_words, ms(a), ms(b)),
            )
        })
        .into_iter()
        .collect();
    Measured {
        values: vec![
            ("agent_wpm", f.structure.figures.agent_wpm),
            (
                "articulation_rate_syl_per_s",
                crate::features::transcript_rate::transcript_rate(
                    f.agent_words,
                    &f.agent.speech,
                    f.agent_dropped,
                    f.language,
                )
                .map(|r| r.syl_per_s),
            ),
        ],
        evidence,
    }
}

/// 8. Lack of empathy, know-it-all.
fn no_empathy(f: &CallFacts) -> Measured {
    let fig = &f.structure.figures;
    let know_it_all = find_timed(f.agent_words, &f.phrases.know_it_all);
    let empathy = find_timed(f.agent_words, &f.phrases.empathy);
    let problems = find_timed(f.customer_words, &f.phrases.problem);
    let has_customer = fig.customer_talk_s > 0.0;
    let mut evidence = hit_evidence(f, &know_it_all, "know_it_all_phrase");
    if let (Some(p), true) = (problems.first(), empathy.is_empty()) {
        evidence.push(f.evidence(
            "no_empathy_phrase",
            (p.start_ms, p.end_ms),
            &[],
            Some(p.quote.clone()),
        ));
    }
    if let Some(t) = f
        .structure
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Agent)
        .max_by(|a, b| (a.end_s - a.start_s).total_cmp(&(b.end_s - b.start_s)))
    {
        evidence.push(f.evidence(
            "longest_monologue",
            (ms(t.start_s), ms(t.end_s)),
            &[("seconds", f.num1(t.end_s - t.start_s))],
            f.quote(f.agent_words, ms(t.start_s), ms(t.end_s)),
        ));
    }
    evidence.sort_by_key(|e| e.start_ms);
    // The phrase and question counts read the agent's words: without any
    // (nothing recognised) they are not measured, not zero.
    let heard = !f.agent_words.is_empty();
    Measured {
        values: vec![
            (
                "agent_talk_share",
                has_customer.then_some(fig.agent_talk_share),
            ),
            (
                "longest_agent_monologue_s",
                has_customer.then_some(fig.longest_agent_monologue_s),
            ),
            (
                "agent_questions",
                (has_customer && heard).then_some(fig.agent_questions as f64),
            ),
            (
                "empathy_phrases",
                (heard && !problems.is_empty()).then_some(empathy.len() as f64),
            ),
            (
                "know_it_all_phrases",
                heard.then_some(know_it_all.len() as f64),
            ),
        ],
        evidence,
    }
}
