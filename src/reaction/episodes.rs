//! Escalations (runs of tense stretches) with what the agent did before
//! them, and the call's end against its start.

use serde::{Deserialize, Serialize};

use super::stretches::{Cut, VoiceFigures};
use super::{voice_up, Change, Signal, Stretch};
use crate::findings::phrases::find_timed;
use crate::findings::profile::FindingRules;
use crate::findings::{CallFacts, Finding, FindingId, ReactionParams, Verdict};
use crate::structure::{Interval, Speaker};

/// What the agent did before an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActKind {
    /// The agent barged into the caller's speech.
    BargeIn,
    /// A know-it-all phrase ("you did it wrong").
    KnowItAll,
    /// An impatient phrase ("as I said").
    Impatience,
    /// A monologue of the agent.
    Monologue,
    /// A long joint silence (hold, dead air).
    Silence,
    /// The evidence of a finding rated `problem`.
    Finding,
}

impl ActKind {
    /// The kind as written in JSON (`know_it_all`).
    pub fn as_str(self) -> &'static str {
        match self {
            ActKind::BargeIn => "barge_in",
            ActKind::KnowItAll => "know_it_all",
            ActKind::Impatience => "impatience",
            ActKind::Monologue => "monologue",
            ActKind::Silence => "silence",
            ActKind::Finding => "finding",
        }
    }
}

/// The kind's key, for the wording tables.
impl From<ActKind> for &'static str {
    fn from(k: ActKind) -> Self {
        k.as_str()
    }
}

/// One thing the agent did, with its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentAct {
    /// What.
    pub kind: ActKind,
    /// Start (ms).
    pub start_ms: u64,
    /// End (ms).
    pub end_ms: u64,
    /// For `finding`: which finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<FindingId>,
    /// What was said, when there are words for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

/// A sustained rise of the caller's signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    /// Start of its first tense stretch (ms).
    pub start_ms: u64,
    /// End of its last (ms).
    pub end_ms: u64,
    /// The signals up in any of its stretches.
    pub signals: Vec<Signal>,
    /// The largest change of each voice figure in it.
    pub peak: Change,
    /// What the agent did in the window before it, in time order.
    pub after: Vec<AgentAct>,
}

/// The call's end against its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// The caller ends calmer than the baseline.
    Calmer,
    /// No clear difference.
    Same,
    /// The caller ends tenser.
    Tenser,
}

impl Trend {
    /// The trend as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Calmer => "calmer",
            Trend::Same => "same",
            Trend::Tenser => "tenser",
        }
    }
}

/// The trend's key, for the wording tables.
impl From<Trend> for &'static str {
    fn from(t: Trend) -> Self {
        t.as_str()
    }
}

/// The baseline against the caller's last stretches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartVsEnd {
    /// Calmer, same or tenser.
    pub trend: Trend,
    /// The voice at the start (the baseline).
    pub start: VoiceFigures,
    /// The voice at the end.
    pub end: VoiceFigures,
    /// End against start.
    pub change: Change,
}

/// The escalations among `stretches` (the module docs of
/// [`crate::reaction`], step 6).
pub fn find(
    stretches: &[Stretch],
    facts: &CallFacts,
    findings: &[Finding],
    params: &ReactionParams,
) -> Vec<Escalation> {
    let judged: Vec<&Stretch> = stretches.iter().filter(|s| !s.baseline).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < judged.len() {
        if !judged[i].tense {
            i += 1;
            continue;
        }
        let run_end = (i..judged.len())
            .find(|&k| !judged[k].tense)
            .unwrap_or(judged.len());
        let run = &judged[i..run_end];
        let speech_s: f64 = run.iter().map(|s| s.voice.speech_s).sum();
        if run.len() >= params.episode_min_units || speech_s >= params.episode_min_speech_s {
            out.push(episode(run, facts, findings, params));
        }
        i = run_end;
    }
    out
}

fn episode(
    run: &[&Stretch],
    facts: &CallFacts,
    findings: &[Finding],
    params: &ReactionParams,
) -> Escalation {
    let mut signals: Vec<Signal> = run.iter().flat_map(|s| s.up.iter().copied()).collect();
    signals.sort();
    signals.dedup();
    let peak = run
        .iter()
        .skip(1)
        .fold(run[0].change, |acc, s| acc.max(s.change));
    let start_ms = run[0].start_ms;
    Escalation {
        start_ms,
        end_ms: run[run.len() - 1].end_ms,
        signals,
        peak,
        after: agent_acts(facts, findings, start_ms, params),
    }
}

/// What the agent did in the `after_window_s` before `start_ms`: barge-ins,
/// know-it-all and impatient phrases, monologues, long silences, and the
/// evidence of findings rated `problem` that none of those already names.
fn agent_acts(
    facts: &CallFacts,
    findings: &[Finding],
    start_ms: u64,
    params: &ReactionParams,
) -> Vec<AgentAct> {
    let end_s = start_ms as f64 / 1000.0;
    let from_s = end_s - params.after_window_s;
    let in_window = |a: f64, b: f64| b > from_s && a < end_s;
    let st = facts.structure;
    let act = |kind, iv: &Interval| AgentAct {
        kind,
        start_ms: super::ms(iv.start_s),
        end_ms: super::ms(iv.end_s),
        finding: None,
        quote: None,
    };
    let mut acts: Vec<AgentAct> = Vec::new();
    for b in &st.figures.interruption_spans {
        if in_window(b.start_s, b.start_s) {
            acts.push(act(ActKind::BargeIn, b));
        }
    }
    for (kind, list) in [
        (ActKind::KnowItAll, &facts.phrases.know_it_all),
        (ActKind::Impatience, &facts.phrases.impatience),
    ] {
        for h in find_timed(facts.agent_words, list) {
            let (a, b) = (h.start_ms as f64 / 1000.0, h.end_ms as f64 / 1000.0);
            if in_window(a, a) {
                acts.push(AgentAct {
                    quote: Some(h.quote),
                    ..act(
                        kind,
                        &Interval {
                            start_s: a,
                            end_s: b,
                        },
                    )
                });
            }
        }
    }
    for t in st.turns.iter().filter(|t| t.speaker == Speaker::Agent) {
        if t.end_s - t.start_s >= params.monologue_s && in_window(t.start_s, t.end_s) {
            let iv = Interval {
                start_s: t.start_s,
                end_s: t.end_s,
            };
            acts.push(act(ActKind::Monologue, &iv));
        }
    }
    for h in &st.figures.hold_spans {
        if h.duration() >= params.long_silence_s && in_window(h.start_s, h.end_s) {
            acts.push(act(ActKind::Silence, h));
        }
    }
    for f in findings.iter().filter(|f| f.verdict == Verdict::Problem) {
        for e in &f.evidence {
            let a = e.start_ms as f64 / 1000.0;
            let named = acts.iter().any(|x| x.start_ms.abs_diff(e.start_ms) < 1000);
            if in_window(a, a) && !named {
                acts.push(AgentAct {
                    kind: ActKind::Finding,
                    start_ms: e.start_ms,
                    end_ms: e.end_ms,
                    finding: Some(f.id),
                    quote: e.quote.clone(),
                });
            }
        }
    }
    acts.sort_by_key(|a| a.start_ms);
    acts
}

/// The caller's speech at the end of the call: the last stretches (after
/// the baseline) back to `speech_s` of speech.
pub fn end_pool(after_baseline: &[Cut], speech_s: f64) -> Vec<Interval> {
    let mut have = 0.0;
    let mut take = 0;
    for c in after_baseline.iter().rev() {
        if have >= speech_s {
            break;
        }
        have += c.speech_s();
        take += 1;
    }
    after_baseline[after_baseline.len() - take..]
        .iter()
        .flat_map(|c| c.speech.iter().copied())
        .collect()
}

/// The end against the start: tenser when the end would be a tense
/// stretch by its voice alone, calmer when the mirrored rule holds (the
/// voice fell as far as a tense one rises), else the same.
pub fn start_vs_end(
    start: &VoiceFigures,
    end: &VoiceFigures,
    bands: &FindingRules,
    min_signals: usize,
) -> StartVsEnd {
    let change = Change::between(start, end);
    let fell = Change::between(end, start);
    let voice_tense = |c: &Change| {
        let up: Vec<Signal> = Signal::VOICE
            .into_iter()
            .filter(|&s| voice_up(c, s, bands))
            .collect();
        super::is_tense(&up, c, bands, min_signals)
    };
    let trend = if voice_tense(&change) {
        Trend::Tenser
    } else if voice_tense(&fell) {
        Trend::Calmer
    } else {
        Trend::Same
    };
    StartVsEnd {
        trend,
        start: start.clone(),
        end: end.clone(),
        change,
    }
}
