//! Call structure: who speaks when, turns, overtalk, response times, greeting.
//!
//! Input is the call's audio (one or two channels), its layout, and the
//! transcript words. Output is a [`CallStructure`]: per-speaker speech
//! intervals, turns, the turn figures ([`TurnFigures`]), the agent's opening
//! ([`Greeting`]), the diarization confidence for mono calls, and the words
//! with their speaker.
//!
//! * Stereo ([`Layout::Stereo`]): agent and customer are on separate channels;
//!   speech activity per channel rejects crosstalk (see [`activity`]).
//! * Mono ([`Layout::Mono`]): speech (energy VAD, with Silero VAD when
//!   [`StructureParams::speech_vad`] is set) is split between two speakers
//!   by clustering short segments on MFCCs and F0 (see [`diarize`]); the
//!   voice whose words over the whole call carry more agent cues ("thank you
//!   for calling", "let me check") and fewer caller cues ("I'd like to",
//!   "my order") is the agent, the first-speaker rule a weak prior (see
//!   [`role`]; stereo calls get the same cues per channel, as a check).
//!   [`der`] scores such a result against a reference (DER, RTTM).
//!
//! Words: for stereo calls the caller transcribes each channel separately and
//! passes every word tagged with the speaker of its channel
//! ([`TaggedWord::speaker`] = `Some`). Untagged words (mono calls, or a
//! transcript of the mix) are assigned to the speaker whose speech overlaps
//! them most in time (see [`assign`]).
//!
//! The library prints nothing; `crate::render::structure_text` formats a
//! result for the command line.

pub mod activity;
pub mod assign;
pub mod der;
pub mod diarize;
pub mod ge2e;
pub mod greeting;
pub mod mfcc;
pub mod phrases;
pub mod role;
pub mod turns;

use crate::transcript::Word;
use ge2e::SpeakerEncoder;
use serde::{Deserialize, Serialize};

pub use activity::Interval;
pub use greeting::Greeting;
pub use phrases::PhraseLists;
pub use role::{CueSide, RoleCue, RoleMethod, Roles, Voice, VoiceCues};
pub use turns::{Turn, TurnFigures};

/// The two parties of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    /// The call-centre agent (the person being coached).
    Agent,
    /// The caller.
    Customer,
}

impl Speaker {
    /// The other party.
    pub fn other(self) -> Speaker {
        match self {
            Speaker::Agent => Speaker::Customer,
            Speaker::Customer => Speaker::Agent,
        }
    }

    /// Index 0 for the agent, 1 for the customer.
    pub fn index(self) -> usize {
        match self {
            Speaker::Agent => 0,
            Speaker::Customer => 1,
        }
    }
}

/// A stereo channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// First channel of the file.
    Left,
    /// Second channel of the file.
    Right,
}

/// How the parties are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Layout {
    /// Two channels, one party each.
    Stereo {
        /// The channel that carries the agent.
        agent_channel: Channel,
    },
    /// One channel with one or both parties.
    Mono {
        /// 1 = the agent alone, 2 = agent and customer.
        speakers: u8,
        /// Whether the first speaker is the agent (the usual inbound call).
        agent_speaks_first: bool,
    },
}

/// A transcript word with an optional speaker hint.
///
/// For stereo calls transcribed per channel, set `speaker` to the channel's
/// party; for mono transcripts leave it `None` and the word is assigned by time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaggedWord {
    /// The word and its timing.
    pub word: Word,
    /// The speaker, when known from the channel.
    pub speaker: Option<Speaker>,
}

impl TaggedWord {
    /// Words without a speaker hint (mono transcript).
    pub fn untagged<'a>(words: impl IntoIterator<Item = &'a Word>) -> Vec<TaggedWord> {
        words
            .into_iter()
            .map(|w| TaggedWord {
                word: w.clone(),
                speaker: None,
            })
            .collect()
    }

    /// Words of one channel's transcript, all tagged with `speaker`.
    pub fn tagged<'a>(
        words: impl IntoIterator<Item = &'a Word>,
        speaker: Speaker,
    ) -> Vec<TaggedWord> {
        words
            .into_iter()
            .map(|w| TaggedWord {
                word: w.clone(),
                speaker: Some(speaker),
            })
            .collect()
    }
}

/// A word with the speaker it was assigned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerWord {
    /// The word as transcribed.
    pub text: String,
    /// Start in ms.
    pub start_ms: u64,
    /// End in ms.
    pub end_ms: u64,
    /// Who said it.
    pub speaker: Speaker,
    /// True when the speaker came from the caller's hint (channel), false when
    /// assigned by time overlap with the speech intervals.
    pub from_hint: bool,
}

/// Thresholds of the structure analysis; defaults from `src/data/structure.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StructureParams {
    /// Minimum overlap (s) for an agent start to count as an interruption.
    pub min_overlap_s: f64,
    /// Minimum joint silence (s) counted as silence or hold.
    pub hold_min_s: f64,
    /// Latency (s) below which a response counts as fast.
    pub fast_latency_s: f64,
    /// Cap (s) of the opening turn.
    pub opening_cap_s: f64,
    /// An opening longer than this (s) is flagged too long.
    pub opening_long_s: f64,
    /// An opening with more words than this is flagged too long.
    pub opening_long_words: usize,
    /// Crosstalk rejection margin over the estimated bleed gain (dB).
    pub bleed_margin_db: f32,
    /// VAD: margin above the noise floor (dB).
    pub vad_floor_margin_db: f32,
    /// VAD: range below the loud level (dB).
    pub vad_dynamic_range_db: f32,
    /// VAD: hysteresis below the threshold for extending runs (dB).
    pub vad_hysteresis_db: f32,
    /// VAD: minimum speech run (s).
    pub min_speech_s: f64,
    /// VAD: pauses shorter than this are filled (s).
    pub hangover_s: f64,
    /// Other-party utterances shorter than this inside a turn are backchannels (s).
    pub backchannel_max_s: f64,
    /// A party's own silence shorter than this (s) does not end the stretch
    /// in which it holds the floor: a barge-in's overlap is summed over it
    /// (Heldner & Edlund 2010 within-speaker pauses; Jefferson 1989's
    /// "standard maximum" of about 1 s).
    pub floor_pause_s: f64,
    /// Mono diarization chunk length (s).
    pub diar_chunk_s: f64,
    /// Mono diarization speaker-change penalty (nats).
    pub diar_switch_penalty: f64,
    /// Mono diarization: random restarts of the resegmentation.
    pub diar_restarts: usize,
    /// Mono diarization: how many of the best restarts vote on the labels.
    pub diar_vote: usize,
    /// Mono diarization with the speaker model: window length (s).
    pub diar_embed_window_s: f64,
    /// Mono diarization with the speaker model: hop between windows (s).
    pub diar_embed_hop_s: f64,
    /// Mono diarization with the speaker model: weight of the cosine
    /// difference per frame (nats per unit of cosine).
    pub diar_embed_scale: f64,
    /// Mono diarization with the speaker model: MFCC GMM resegmentation
    /// rounds after the embedding labels, with the embeddings' evidence
    /// added per frame (0: none).
    pub diar_embed_reseg_rounds: usize,
    /// Mono diarization: the GE2E speaker model ([`ge2e`]) that separates
    /// the voices; `None` for MFCC clustering alone (the fallback). Set by
    /// the caller (the scorer takes the one beside the whisper model), never
    /// read from TOML.
    #[serde(skip)]
    pub speaker_model: Option<ge2e::SpeakerModel>,
    /// Mono diarization: the Silero VAD that, with the energy test, decides
    /// which frames are speech ([`activity::mono_activity_voiced`]); `None`
    /// for energy alone. Not a threshold: set by the caller (the scorer
    /// takes the one beside the whisper model), never read from TOML.
    #[serde(skip)]
    pub speech_vad: Option<crate::transcribe::gate::Silero>,
    /// Mono calls: the user fixed the roles (`--agent-speaks-first`), so
    /// `agent_speaks_first` decides and the role cues only warn
    /// ([`role::choose`]). Set by the caller, never read from TOML.
    #[serde(skip)]
    pub agent_role_fixed: bool,
    /// Roles: how many times one phrase counts per voice ([`role`]).
    pub roles_cue_cap: usize,
    /// Roles: prior (nats) of the voice the first-speaker rule names (mono).
    pub roles_prior_first: f64,
    /// Roles: prior (nats) of the voice the user named (stereo channel,
    /// `--agent-speaks-first`).
    pub roles_prior_user: f64,
    /// Roles: below this confidence (0..1) the roles are flagged uncertain.
    pub roles_confident_min: f64,
}

/// The embedded default thresholds (TOML).
pub const DEFAULT_PARAMS_TOML: &str = include_str!("../data/structure.toml");

impl Default for StructureParams {
    /// The values of the embedded `src/data/structure.toml` (read key by key,
    /// so that `#[serde(default)]` can use this without recursion; the
    /// fallbacks only apply if a key were removed from that file, which a unit
    /// test rules out).
    fn default() -> Self {
        let t: toml::Table = DEFAULT_PARAMS_TOML.parse().unwrap_or_default();
        let num = |k: &str, fallback: f64| {
            t.get(k)
                .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
                .unwrap_or(fallback)
        };
        StructureParams {
            min_overlap_s: num("min_overlap_s", 0.5),
            hold_min_s: num("hold_min_s", 3.0),
            fast_latency_s: num("fast_latency_s", 0.2),
            opening_cap_s: num("opening_cap_s", 15.0),
            opening_long_s: num("opening_long_s", 6.0),
            opening_long_words: num("opening_long_words", 15.0) as usize,
            bleed_margin_db: num("bleed_margin_db", 10.0) as f32,
            vad_floor_margin_db: num("vad_floor_margin_db", 12.0) as f32,
            vad_dynamic_range_db: num("vad_dynamic_range_db", 40.0) as f32,
            vad_hysteresis_db: num("vad_hysteresis_db", 6.0) as f32,
            min_speech_s: num("min_speech_s", 0.08),
            hangover_s: num("hangover_s", 0.25),
            backchannel_max_s: num("backchannel_max_s", 1.0),
            floor_pause_s: num("floor_pause_s", 1.0),
            diar_chunk_s: num("diar_chunk_s", 0.5),
            diar_switch_penalty: num("diar_switch_penalty", 30.0),
            diar_restarts: num("diar_restarts", 24.0) as usize,
            diar_vote: num("diar_vote", 5.0) as usize,
            diar_embed_window_s: num("diar_embed_window_s", 1.6),
            diar_embed_hop_s: num("diar_embed_hop_s", 0.8),
            diar_embed_scale: num("diar_embed_scale", 40.0),
            diar_embed_reseg_rounds: num("diar_embed_reseg_rounds", 1.0) as usize,
            speaker_model: None,
            speech_vad: None,
            agent_role_fixed: false,
            roles_cue_cap: num("roles_cue_cap", 3.0) as usize,
            roles_prior_first: num("roles_prior_first", 0.5),
            roles_prior_user: num("roles_prior_user", 3.0),
            roles_confident_min: num("roles_confident_min", 0.6),
        }
    }
}

impl StructureParams {
    /// Parses thresholds from TOML; missing keys keep their defaults.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}

/// How the two speakers of a mono call were separated, and how sure we are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diarization {
    /// Method in words.
    pub method: String,
    /// 0..1: how well the two voices separate (see [`diarize`]).
    pub confidence: f64,
    /// ΔBIC of two voices against one (Chen & Gopalakrishnan 1998); > 0 favours two.
    pub delta_bic: f64,
    /// Mean silhouette of the segment clustering (−1..1).
    pub silhouette: f64,
    /// Number of speech chunks clustered.
    pub chunks: usize,
    /// Which voice was taken for the agent, and why: the role cues in the
    /// voices' words, with the first-speaker rule as a weak prior ([`role`];
    /// the same as [`Roles::reason`]). Empty in scorecards written before
    /// schema 2.2.
    #[serde(default)]
    pub agent_reason: String,
}

/// Speech activity diagnostics for stereo calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrosstalkInfo {
    /// Estimated bleed gain of the customer into the agent channel (dB).
    pub customer_into_agent_db: Option<f32>,
    /// Estimated bleed gain of the agent into the customer channel (dB).
    pub agent_into_customer_db: Option<f32>,
    /// Seconds rejected as bleed on the agent channel.
    pub rejected_agent_s: f64,
    /// Seconds rejected as bleed on the customer channel.
    pub rejected_customer_s: f64,
}

/// Everything the structure stage finds in one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallStructure {
    /// Length of the recording (s).
    pub duration_s: f64,
    /// The layout analysed.
    pub layout: Layout,
    /// Agent speech intervals.
    pub agent_speech: Vec<Interval>,
    /// Customer speech intervals.
    pub customer_speech: Vec<Interval>,
    /// Intervals where both speak.
    pub overlaps: Vec<Interval>,
    /// Turns in time order.
    pub turns: Vec<Turn>,
    /// The turn figures.
    pub figures: TurnFigures,
    /// The agent's opening turn.
    pub greeting: Greeting,
    /// Mono only: how the speakers were separated.
    pub diarization: Option<Diarization>,
    /// Who is the agent, how it was decided (role cues, channel, user
    /// setting), how sure, and the cues found ([`role`]). `None` only in
    /// scorecards written before it existed.
    #[serde(default)]
    pub roles: Option<Roles>,
    /// Stereo only: crosstalk rejection figures.
    pub crosstalk: Option<CrosstalkInfo>,
    /// Transcript words with their speaker.
    pub words: Vec<SpeakerWord>,
    /// Transcript words dropped because their party had no speech activity
    /// where whisper put them ([`assign::split_by_speech`]): hallucinations
    /// in silence or noise, or crosstalk. They count nowhere.
    pub words_without_speech: Vec<SpeakerWord>,
}

/// Errors of the structure analysis (bad input, never a panic).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StructureError {
    /// Stereo layout but not two channels.
    #[error("stereo layout needs 2 audio channels, got {0}")]
    NotStereo(usize),
    /// No audio.
    #[error("no audio samples")]
    Empty,
    /// Unsupported number of mono speakers.
    #[error("--speakers must be 1 or 2, got {0}")]
    Speakers(u8),
    /// Sample rate too low for the analysis.
    #[error("sample rate {0} Hz is too low (need at least 8000 Hz)")]
    SampleRate(u32),
    /// The Silero VAD of [`StructureParams::speech_vad`] failed (its path, why).
    #[error("speech detector {0}: {1}")]
    Vad(String, String),
    /// The speaker model of [`StructureParams::speaker_model`] failed (its path, why).
    #[error("speaker model {0}: {1}")]
    SpeakerModel(String, String),
}

/// Speech frames (10 ms hop) of agent and customer, plus per-layout extras.
struct Activity {
    agent: Vec<bool>,
    customer: Vec<bool>,
    diarization: Option<Diarization>,
    crosstalk: Option<CrosstalkInfo>,
    /// Mono with two speakers: the roles decided with the diarization.
    roles: Option<Roles>,
}

/// Analyses one call: speech activity per party, turns, figures, greeting,
/// and speaker-assigned words.
///
/// `audio_channels`: one or two channels of f32 samples at `sample_rate`.
/// For [`Layout::Mono`] with two channels, the channels are averaged.
pub fn analyze_call(
    audio_channels: &[Vec<f32>],
    sample_rate: u32,
    layout: Layout,
    words: &[TaggedWord],
    phrases: &PhraseLists,
    params: &StructureParams,
) -> Result<CallStructure, StructureError> {
    if sample_rate < 8000 {
        return Err(StructureError::SampleRate(sample_rate));
    }
    if audio_channels.is_empty() || audio_channels.iter().all(|c| c.is_empty()) {
        return Err(StructureError::Empty);
    }
    let n_samples = audio_channels.iter().map(Vec::len).max().unwrap_or(0);
    let duration_s = n_samples as f64 / sample_rate as f64;
    let act = call_activity(
        layout,
        audio_channels,
        sample_rate,
        (words, phrases),
        params,
    )?;
    let agent_speech = activity::intervals(&act.agent);
    let customer_speech = activity::intervals(&act.customer);
    let both: Vec<bool> = act
        .agent
        .iter()
        .zip(&act.customer)
        .map(|(&a, &c)| a && c)
        .collect();
    let overlaps = activity::intervals(&both);
    let (kept, dropped) = assign::split_by_speech(words, &agent_speech, &customer_speech);
    let words = assign::assign_words(&kept, &agent_speech, &customer_speech);
    let words_without_speech = assign::assign_words(&dropped, &agent_speech, &customer_speech);
    let turn_list = turns::build_turns(&agent_speech, &customer_speech, params);
    let figures = turns::figures(
        &act.agent,
        &act.customer,
        &turn_list,
        &words,
        phrases,
        params,
    );
    let greeting = greeting::analyze_opening(&agent_speech, &turn_list, &words, phrases, params);
    let roles = match act.roles {
        Some(r) => r,
        None => layout_roles(&words, layout, phrases, params),
    };
    Ok(CallStructure {
        duration_s,
        layout,
        agent_speech,
        customer_speech,
        overlaps,
        turns: turn_list,
        figures,
        greeting,
        diarization: act.diarization,
        roles: Some(roles),
        crosstalk: act.crosstalk,
        words,
        words_without_speech,
    })
}

/// Each party's speech frames, by the layout: stereo by channel, mono with
/// one speaker all the agent's, mono with two by diarization, the roles then
/// chosen from `role_cues` (the words and the phrase lists).
fn call_activity(
    layout: Layout,
    audio_channels: &[Vec<f32>],
    sample_rate: u32,
    role_cues: (&[TaggedWord], &PhraseLists),
    params: &StructureParams,
) -> Result<Activity, StructureError> {
    let (words, phrases) = role_cues;
    Ok(match layout {
        Layout::Stereo { agent_channel } => {
            stereo_call_activity(audio_channels, sample_rate, agent_channel, params)?
        }
        Layout::Mono {
            speakers,
            agent_speaks_first,
        } => {
            let mono = mix(audio_channels);
            match speakers {
                1 => one_voice_activity(&mono, sample_rate, params),
                2 => two_voice_activity(
                    &mono,
                    sample_rate,
                    agent_speaks_first,
                    words,
                    phrases,
                    params,
                )?,
                n => return Err(StructureError::Speakers(n)),
            }
        }
    })
}

/// Stereo: each party's speech on its own channel, with the crosstalk (one
/// channel's voice leaking into the other) measured and rejected.
fn stereo_call_activity(
    audio_channels: &[Vec<f32>],
    sample_rate: u32,
    agent_channel: Channel,
    params: &StructureParams,
) -> Result<Activity, StructureError> {
    if audio_channels.len() != 2 {
        return Err(StructureError::NotStereo(audio_channels.len()));
    }
    let l0 = activity::frame_levels_db(&audio_channels[0], sample_rate);
    let l1 = activity::frame_levels_db(&audio_channels[1], sample_rate);
    let st = activity::stereo_activity([&l0, &l1], params);
    let (a, c) = match agent_channel {
        Channel::Left => (0, 1),
        Channel::Right => (1, 0),
    };
    let [s0, s1] = st.speech;
    let mut sp = [Some(s0), Some(s1)];
    Ok(Activity {
        agent: sp[a].take().unwrap_or_default(),
        customer: sp[c].take().unwrap_or_default(),
        diarization: None,
        roles: None,
        crosstalk: Some(CrosstalkInfo {
            customer_into_agent_db: st.coupling_db[a],
            agent_into_customer_db: st.coupling_db[c],
            rejected_agent_s: st.bleed_frames[a] as f64 * activity::HOP_S,
            rejected_customer_s: st.bleed_frames[c] as f64 * activity::HOP_S,
        }),
    })
}

/// Mono with one speaker: all the speech is the agent's.
fn one_voice_activity(mono: &[f32], sample_rate: u32, params: &StructureParams) -> Activity {
    let levels = activity::frame_levels_db(mono, sample_rate);
    let agent = activity::mono_activity(&levels, params);
    let customer = vec![false; agent.len()];
    Activity {
        agent,
        customer,
        diarization: None,
        crosstalk: None,
        roles: None,
    }
}

/// Mono with two speakers: the speech, split into two voices by diarization,
/// then the roles (which voice is the agent) chosen from the words.
fn two_voice_activity(
    mono: &[f32],
    sample_rate: u32,
    agent_speaks_first: bool,
    words: &[TaggedWord],
    phrases: &PhraseLists,
    params: &StructureParams,
) -> Result<Activity, StructureError> {
    let (speech, detector) = mono_speech(mono, sample_rate, params)?;
    let encoder = load_speaker_model(params)?;
    let mut d = diarize::diarize_speech(
        mono,
        sample_rate,
        speech,
        agent_speaks_first,
        params,
        encoder.as_ref(),
    )
    .map_err(|e| {
        // Only the speaker model's path can fail.
        let path = params.speaker_model.as_ref().map(|m| m.path().display());
        StructureError::SpeakerModel(
            path.map(|p| p.to_string()).unwrap_or_default(),
            e.to_string(),
        )
    })?;
    d.info.method = format!("{}; {detector}", d.info.method);
    let choice = role::choose(
        &activity::intervals(&d.agent),
        &activity::intervals(&d.customer),
        words,
        phrases,
        params,
        agent_speaks_first,
    );
    if choice.swap {
        std::mem::swap(&mut d.agent, &mut d.customer);
    }
    d.info.agent_reason = choice.reason;
    Ok(Activity {
        agent: d.agent,
        customer: d.customer,
        diarization: Some(d.info),
        crosstalk: None,
        roles: Some(choice.roles),
    })
}

/// The speech frames of a mono mix, by Silero VAD and energy when a VAD is
/// set, else by energy alone, with the detector's name for the diarization
/// method.
fn mono_speech(
    mono: &[f32],
    sample_rate: u32,
    params: &StructureParams,
) -> Result<(Vec<bool>, &'static str), StructureError> {
    let levels = activity::frame_levels_db(mono, sample_rate);
    Ok(match &params.speech_vad {
        Some(vad) => {
            let voiced = silero_frames(vad, mono, sample_rate, levels.len())?;
            let speech = activity::mono_activity_voiced(&levels, &voiced, params);
            (speech, "speech by Silero VAD and energy")
        }
        None => (activity::mono_activity(&levels, params), "speech by energy"),
    })
}

/// The speaker encoder for diarization, when a speaker model is set.
fn load_speaker_model(params: &StructureParams) -> Result<Option<SpeakerEncoder>, StructureError> {
    params
        .speaker_model
        .as_ref()
        .map(|m| {
            m.load().map_err(|e| {
                StructureError::SpeakerModel(m.path().display().to_string(), e.to_string())
            })
        })
        .transpose()
}

/// The roles when the layout, not diarization, names the voices: stereo by
/// the agent channel, mono with one speaker by that speaker alone.
fn layout_roles(
    words: &[SpeakerWord],
    layout: Layout,
    phrases: &PhraseLists,
    params: &StructureParams,
) -> Roles {
    match layout {
        Layout::Stereo { agent_channel } => {
            role::channel_roles(words, agent_channel, phrases, params)
        }
        Layout::Mono { .. } => role::single_roles(words, phrases, params),
    }
}

/// Silero's speech decision per 10 ms frame of `mono` (at `sample_rate`,
/// resampled to 16 kHz for Silero).
fn silero_frames(
    vad: &crate::transcribe::gate::Silero,
    mono: &[f32],
    sample_rate: u32,
    frames: usize,
) -> Result<Vec<bool>, StructureError> {
    let fail = |e: String| StructureError::Vad(vad.path().display().to_string(), e);
    let rate = crate::audio::WHISPER_RATE;
    let resampled;
    let at_16k = if sample_rate == rate {
        mono
    } else {
        resampled = crate::audio::resample_mono(mono, sample_rate, rate)
            .map_err(|e| fail(e.to_string()))?;
        &resampled
    };
    vad.speech_frames(at_16k, frames)
        .map_err(|e| fail(e.to_string()))
}

fn mix(channels: &[Vec<f32>]) -> Vec<f32> {
    if channels.len() == 1 {
        return channels[0].clone();
    }
    let n = channels.iter().map(Vec::len).max().unwrap_or(0);
    let k = channels.len() as f32;
    (0..n)
        .map(|i| {
            channels
                .iter()
                .map(|c| c.get(i).copied().unwrap_or(0.0))
                .sum::<f32>()
                / k
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_params_parse_from_embedded_toml() {
        let p: StructureParams =
            toml::from_str(DEFAULT_PARAMS_TOML).expect("structure.toml parses");
        assert_eq!(p, StructureParams::default());
        // Every field is in the file: the key count matches the struct's.
        let t: toml::Table = DEFAULT_PARAMS_TOML.parse().expect("table");
        let fields = serde_json::to_value(&p).expect("json");
        assert_eq!(t.len(), fields.as_object().map_or(0, |o| o.len()));
        assert_eq!(p.min_overlap_s, 0.5);
        assert_eq!(p.hold_min_s, 3.0);
        assert_eq!(p.floor_pause_s, 1.0);
    }
}
