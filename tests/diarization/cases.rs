//! The mono-diarization evaluation, shared by
//! `tests/diarization.rs` and `examples/diarization_eval.rs`: real calls
//! mixed to mono and scored (DER, agent talk share) against a truth that
//! needs no hand labels.
//!
//! * The two real stereo calls: the stereo analysis (one party per channel,
//!   crosstalk rejected) is the reference; the same call averaged to mono is
//!   diarized and scored against it. The reference is itself an energy VAD,
//!   so it counts breaths and clicks of a channel as speech.
//! * `two-speaker-call.wav` against its hand-made RTTM (overlaps included).
//! * The real mono call has no truth: only its agent share and who was
//!   taken for the agent.
//!
//! Everything runs at 16 kHz, as in the scorecard (`audio::load(path,
//! Some(16000))`), with no words (no transcript needed).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use callcoach::audio::{self, WHISPER_RATE};
use callcoach::structure::der::{self, DerScore, Segment, COLLAR_S};
use callcoach::structure::ge2e::SpeakerModel;
use callcoach::structure::{
    analyze_call, CallStructure, Channel, Diarization, Interval, Layout, PhraseLists,
    StructureParams, TaggedWord,
};
use callcoach::transcribe::gate::Silero;
use callcoach::transcript::Word;

/// Where a case's truth comes from.
#[derive(Debug, Clone, Copy)]
pub enum Truth {
    /// A stereo call (agent left): its stereo analysis.
    Stereo,
    /// An RTTM file (path under tests/fixtures); the first speaker is the agent.
    Rttm(&'static str),
    /// None (a real mono call).
    None,
}

/// One evaluation case: a recording under tests/fixtures and its truth.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// Short name for tables.
    pub name: &'static str,
    /// The recording (path under tests/fixtures).
    pub file: &'static str,
    /// Its truth.
    pub truth: Truth,
}

/// The evaluation's cases.
pub const CASES: [Case; 4] = [
    Case {
        name: "autorepair-40 (stereo mixed to mono)",
        file: "realcalls/autorepair-40-stereo-ulaw.wav",
        truth: Truth::Stereo,
    },
    Case {
        name: "autorepair-49 (stereo mixed to mono)",
        file: "realcalls/autorepair-49-stereo-ulaw.wav",
        truth: Truth::Stereo,
    },
    Case {
        name: "two-speaker-call (RTTM)",
        file: "two-speaker-call.wav",
        truth: Truth::Rttm("two-speaker-call.rttm"),
    },
    Case {
        name: "autorepair-0 (real mono, no truth)",
        file: "realcalls/autorepair-0-mono-ulaw.wav",
        truth: Truth::None,
    },
];

/// What one case measured.
#[derive(Debug, Clone)]
pub struct Row {
    /// The case.
    pub case: Case,
    /// The mono analysis' agent and customer speech as RTTM segments
    /// (speakers `agent`, `customer`).
    pub hypothesis: Vec<Segment>,
    /// The reference segments (empty without truth).
    pub reference: Vec<Segment>,
    /// The reference speaker that is the agent (the first speaker).
    pub truth_agent: Option<String>,
    /// DER against the reference (collar 0.25 s).
    pub der: Option<DerScore>,
    /// The agent's share of the talk in the reference.
    pub truth_share: Option<f64>,
    /// The agent's share in the mono analysis, as the roles were assigned.
    pub share: f64,
    /// Whether the mono analysis' agent is the reference agent (under the
    /// DER mapping).
    pub agent_right: Option<bool>,
    /// The share of the hypothesis speaker mapped to the reference agent
    /// (the share error without the role mistake).
    pub mapped_share: Option<f64>,
    /// Start of the first agent and the first customer speech (s).
    pub first_speech_s: (f64, f64),
    /// The mono analysis' diarization figures.
    pub diarization: Option<Diarization>,
    /// Seconds the mono analysis took.
    pub seconds: f64,
}

impl Row {
    /// Agent share error as assigned (hypothesis − truth).
    pub fn share_error(&self) -> Option<f64> {
        self.truth_share.map(|t| self.share - t)
    }

    /// Agent share error under the DER mapping.
    pub fn mapped_share_error(&self) -> Option<f64> {
        self.truth_share.zip(self.mapped_share).map(|(t, m)| m - t)
    }
}

/// A file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The Silero VAD file of the repository's models folder, if fetched.
pub fn silero() -> Option<Silero> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-silero-vad.bin");
    p.is_file().then(|| Silero::new(&p))
}

fn analyze(channels: &[Vec<f32>], layout: Layout, params: &StructureParams) -> CallStructure {
    analyze_call(
        channels,
        WHISPER_RATE,
        layout,
        &[],
        &PhraseLists::builtin("en"),
        params,
    )
    .expect("structure analysis")
}

/// The stereo analysis of a two-channel call (agent left) as reference
/// segments (`agent`, `customer`).
pub fn stereo_truth(channels: &[Vec<f32>]) -> Vec<Segment> {
    let s = analyze(
        channels,
        Layout::Stereo {
            agent_channel: Channel::Left,
        },
        &StructureParams::default(),
    );
    let mut r = der::segments("agent", &s.agent_speech);
    r.extend(der::segments("customer", &s.customer_speech));
    r
}

/// The GE2E speaker model of the repository's models folder, if fetched.
pub fn speaker_model() -> Option<SpeakerModel> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(callcoach::structure::ge2e::MODEL_FILE);
    p.is_file().then(|| SpeakerModel::new(&p))
}

/// The default thresholds with `vad` as the mono diarization's speech
/// detector (`None`: energy alone) and `speakers` as its speaker model
/// (`None`: MFCC clustering).
pub fn params(vad: Option<&Silero>, speakers: Option<&SpeakerModel>) -> StructureParams {
    StructureParams {
        speech_vad: vad.cloned(),
        speaker_model: speakers.cloned(),
        ..StructureParams::default()
    }
}

/// Runs one case with the mono diarization set up by `params`.
pub fn run(case: Case, params: &StructureParams) -> Row {
    let audio = audio::load(&fixture(case.file), Some(WHISPER_RATE)).expect("fixture audio");
    let (reference, truth_agent) = match case.truth {
        Truth::Stereo => (stereo_truth(&audio.channels), Some("agent".to_string())),
        Truth::Rttm(rttm) => {
            let text = std::fs::read_to_string(fixture(rttm)).expect("rttm");
            let r = der::read_rttm(&text).expect("rttm parses");
            let first = r
                .iter()
                .min_by(|a, b| a.start_s.total_cmp(&b.start_s))
                .map(|s| s.speaker.clone());
            (r, first)
        }
        Truth::None => (Vec::new(), None),
    };
    score_mono(case, &audio.channels, reference, truth_agent, &[], params)
}

/// Diarizes `channels` (averaged to mono) with `words` (untagged) and
/// scores the result against `reference`, whose agent is `truth_agent`.
pub fn score_mono(
    case: Case,
    channels: &[Vec<f32>],
    reference: Vec<Segment>,
    truth_agent: Option<String>,
    words: &[TaggedWord],
    params: &StructureParams,
) -> Row {
    let t0 = Instant::now();
    // Two channels with a mono layout are averaged: the mono mix.
    let s = analyze_call(
        channels,
        WHISPER_RATE,
        Layout::Mono {
            speakers: 2,
            agent_speaks_first: true,
        },
        words,
        &PhraseLists::builtin("en"),
        params,
    )
    .expect("structure analysis");
    let seconds = t0.elapsed().as_secs_f64();
    let mut hypothesis = der::segments("agent", &s.agent_speech);
    hypothesis.extend(der::segments("customer", &s.customer_speech));
    let share = der::agent_share(&s.agent_speech, &s.customer_speech).unwrap_or(0.0);
    let first = |iv: &[Interval]| iv.first().map_or(f64::NAN, |i| i.start_s);
    let first_speech_s = (first(&s.agent_speech), first(&s.customer_speech));
    let (der_score, truth_share, agent_right, mapped_share) = match &truth_agent {
        Some(agent) => {
            let d = der::score(&reference, &hypothesis, COLLAR_S);
            let ta = der::intervals_of(&reference, agent);
            let tc: Vec<Interval> = reference
                .iter()
                .filter(|x| &x.speaker != agent)
                .map(|x| Interval {
                    start_s: x.start_s,
                    end_s: x.end_s,
                })
                .collect();
            let truth_share = der::agent_share(&ta, &tc);
            let right = d.mapping.iter().any(|(r, h)| r == agent && h == "agent");
            let mapped = if right { share } else { 1.0 - share };
            (Some(d), truth_share, Some(right), Some(mapped))
        }
        None => (None, None, None, None),
    };
    Row {
        case,
        hypothesis,
        reference,
        truth_agent,
        der: der_score,
        truth_share,
        share,
        agent_right,
        mapped_share,
        first_speech_s,
        diarization: s.diarization,
        seconds,
    }
}

/// Agent 40's opening, as the fixtures' README quotes it.
pub const GREETING_40: &str = "Thank you for calling Platinum Motors, the North West home for \
    high-end autos. I'm Michelle, how can I help you today?";

/// `text` spread evenly over `start_s..end_s` as untagged words.
pub fn spread_words(text: &str, start_s: f64, end_s: f64) -> Vec<TaggedWord> {
    let w: Vec<&str> = text.split_whitespace().collect();
    let step = (end_s - start_s) / w.len().max(1) as f64;
    w.iter()
        .enumerate()
        .map(|(i, t)| TaggedWord {
            word: Word {
                text: t.to_string(),
                start_ms: ((start_s + i as f64 * step) * 1000.0) as u64,
                end_ms: ((start_s + (i + 1) as f64 * step) * 1000.0) as u64,
                probability: 1.0,
            },
            speaker: None,
        })
        .collect()
}

/// A real call where the customer speaks first: autorepair-40 with one of
/// its customer's own utterances (the first of 0.8-3 s, both channels, so
/// the line sounds the same) put 0.5 s before the agent's greeting. Returns
/// the case, its two channels, the reference (the stereo truth shifted,
/// plus the customer's prefix), and the words: the agent's greeting (from
/// the fixtures' README) over the agent's opening and plain words over the
/// customer's prefix and first turn.
pub fn customer_first() -> (Case, Vec<Vec<f32>>, Vec<Segment>, Vec<TaggedWord>) {
    let case = Case {
        name: "autorepair-40, a customer utterance first",
        file: "realcalls/autorepair-40-stereo-ulaw.wav",
        truth: Truth::Stereo,
    };
    let audio = audio::load(&fixture(case.file), Some(WHISPER_RATE)).expect("fixture audio");
    let truth = stereo_truth(&audio.channels);
    let rate = WHISPER_RATE as f64;
    let utter = truth
        .iter()
        .find(|s| s.speaker == "customer" && (0.8..=3.0).contains(&(s.end_s - s.start_s)))
        .expect("a short customer utterance")
        .clone();
    let (a, b) = (
        ((utter.start_s - 0.1).max(0.0) * rate) as usize,
        ((utter.end_s + 0.1) * rate) as usize,
    );
    let gap = (0.5 * rate) as usize;
    let shift = (b - a + gap) as f64 / rate;
    let channels: Vec<Vec<f32>> = audio
        .channels
        .iter()
        .map(|c| {
            let mut out = c[a..b].to_vec();
            out.resize(out.len() + gap, 0.0);
            out.extend_from_slice(c);
            out
        })
        .collect();
    let mut reference = vec![Segment {
        speaker: "customer".into(),
        start_s: utter.start_s - (a as f64 / rate),
        end_s: utter.end_s - (a as f64 / rate),
    }];
    reference.extend(truth.iter().map(|s| Segment {
        speaker: s.speaker.clone(),
        start_s: s.start_s + shift,
        end_s: s.end_s + shift,
    }));
    let first = |who: &str| {
        truth
            .iter()
            .find(|s| s.speaker == who)
            .map(|s| (s.start_s + shift, s.end_s + shift))
            .expect("speech of both parties")
    };
    let (agent_on, _) = first("agent");
    let (cust_on, cust_off) = first("customer");
    let mut words = spread_words("Hello?", reference[0].start_s, reference[0].end_s);
    words.extend(spread_words(
        GREETING_40,
        agent_on,
        cust_on.min(agent_on + 7.0),
    ));
    words.extend(spread_words(
        "Hi, yes, I'm calling about my car, it makes a strange noise",
        cust_on,
        cust_off,
    ));
    (case, channels, reference, words)
}

/// The table of `rows` (one detector) in Markdown.
pub fn table(title: &str, rows: &[Row]) -> String {
    let pct = |x: f64| format!("{:.1} %", 100.0 * x);
    let opt = |x: Option<f64>, f: &dyn Fn(f64) -> String| x.map_or("–".to_string(), f);
    let mut s = format!(
        "{title}\n\n| case | DER | missed | false alarm | confusion | scored speech | agent share truth | ours | error | error (mapped) | agent right | first agent / customer speech | confidence |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        let d = r.der.as_ref();
        let of = |x: f64| pct(x / d.map_or(1.0, |d| d.total_s));
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.3} | {} | {} | {} | {:.2} s / {:.2} s | {} |\n",
            r.case.name,
            opt(d.map(|d| d.der), &pct),
            opt(d.map(|d| d.missed_s), &of),
            opt(d.map(|d| d.false_alarm_s), &of),
            opt(d.map(|d| d.confusion_s), &of),
            opt(d.map(|d| d.total_s), &|x| format!("{x:.1} s")),
            opt(r.truth_share, &|x| format!("{x:.3}")),
            r.share,
            opt(r.share_error(), &|x| format!("{x:+.3}")),
            opt(r.mapped_share_error(), &|x| format!("{x:+.3}")),
            r.agent_right
                .map_or("–", |b| if b { "yes" } else { "no" }),
            r.first_speech_s.0,
            r.first_speech_s.1,
            r.diarization
                .as_ref()
                .map_or("–".to_string(), |d| format!("{:.2}", d.confidence)),
        );
    }
    s
}
