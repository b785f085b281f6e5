//! The scorecard: one call through the whole pipeline.
//!
//! audio in → transcripts (per channel for stereo calls) and the agent's
//! voice figures → call structure → the eight findings and follow-ups.
//! [`Scorecard`] serialises to the documented JSON (docs/scorecard.md,
//! docs/scorecard.schema.json); the renderers in [`crate::render`] draw it.

pub mod series;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::audio::{self, Audio, WHISPER_RATE};
use crate::features::{self, FeatureParams, VoiceReport};
use crate::findings::phrases::find_timed;
use crate::findings::{self, Finding, Profile, ScoringPhrases, Tips};
use crate::reaction::{self, CustomerReaction};
use crate::redact::audio::AudioSpan;
use crate::redact::{Party, PiiMode, Redaction, Redactor};
use crate::structure::ge2e::{self, SpeakerModel};
use crate::structure::{
    self, CallStructure, Channel, Interval, Layout, PhraseLists, Speaker, StructureParams,
    TaggedWord,
};
use crate::transcribe::{Options, Recognizer, TranscribeError};
use crate::transcript::{DroppedSpan, Transcript, Word};
use series::CallSeries;

/// Version of the scorecard JSON layout (docs/scorecard.md). The major number
/// changes when a field changes meaning or disappears.
pub const SCHEMA_VERSION: &str = "3.2";

/// A recording whose loudest 30 ms stays below this (dBFS) is silent.
const SILENT_DBFS: f64 = -55.0;

/// A channel with at least this share of its samples at the clip level is
/// refused: too overdriven to measure. Measured on jfk.wav overdriven with
/// sox `gain`: +20 dB clips 24 % of the samples and still gives a usable
/// scorecard (F0 SD +0.2 st, words/min −1 %, one turn more; the `unclear`
/// finding flags the clipping); at +30 dB (42 %) no agent speech is found
/// at all and the scorecard is nonsense. Milder clipping is scored, and
/// shown by the `unclear` finding.
pub const MAX_CLIPPED_SHARE: f64 = 0.25;

/// How to read one call.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Language code, or `None` to detect it from the agent's speech.
    pub language: Option<String>,
    /// Channel of the agent in stereo recordings.
    pub agent_channel: Channel,
    /// 1 = the agent alone; 2 = agent and customer.
    pub speakers: u8,
    /// Mono calls: whether the first speaker is the agent.
    pub agent_speaks_first: bool,
    /// whisper decoding options (language is taken from `language`).
    pub decode: Options,
    /// Redact personal data (the default) or keep it.
    pub pii: PiiMode,
}

/// Why a call could not be scored. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// The audio could not be read.
    #[error(transparent)]
    Audio(#[from] audio::AudioError),
    /// Speech recognition failed.
    #[error(transparent)]
    Transcribe(#[from] TranscribeError),
    /// Nothing to score.
    #[error("{0}: no speech: the recording is silent (loudest moment {1:.0} dBFS)")]
    Silent(PathBuf, f64),
    /// Too overdriven to measure: which part (" of the left channel", or
    /// empty for a mono file) and its share of clipped samples, 0..1.
    #[error(
        "{0}: clipped: {pct:.0} % of the samples{1} are at full scale, too many to measure \
         the voice; record again with less input gain",
        pct = .2 * 100.0
    )]
    Clipped(PathBuf, String, f64),
    /// The call structure could not be analysed.
    #[error("{0}: {1}")]
    Structure(PathBuf, String),
}

/// A promise the agent made ("I'll call you back tomorrow").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    /// Start (ms).
    pub start_ms: u64,
    /// End (ms).
    pub end_ms: u64,
    /// The phrase that matched.
    pub phrase: String,
    /// What the agent said around it.
    pub quote: String,
}

/// Voice figures per party.
#[derive(Debug, Clone, Serialize)]
pub struct Voices {
    /// The agent.
    pub agent: VoiceReport,
    /// The customer (stereo calls, or mono calls with two speakers).
    pub customer: Option<VoiceReport>,
}

/// The transcript split by party.
#[derive(Debug, Clone, Serialize)]
pub struct PartyWords {
    /// The agent's words.
    pub agent: Vec<Word>,
    /// The customer's words.
    pub customer: Vec<Word>,
    /// Stretches where speech recognition dropped its words as unreliable
    /// (a repetition loop, or words in noise), per party: the transcript is
    /// silent there because whisper failed, not because nobody spoke.
    pub dropped: PartyDropped,
}

/// The transcript's dropped stretches (see [`Transcript::dropped`]) by party.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartyDropped {
    /// On the agent's channel, or in the agent's speech of a mono call.
    pub agent: Vec<DroppedSpan>,
    /// On the customer's channel, or in the customer's speech of a mono call.
    pub customer: Vec<DroppedSpan>,
}

/// The scored call: the JSON scorecard QA teams store.
#[derive(Debug, Clone, Serialize)]
pub struct Scorecard {
    /// Layout version of this JSON.
    pub schema_version: &'static str,
    /// The callcoach version that made it.
    pub callcoach_version: &'static str,
    /// The input file.
    pub file: String,
    /// Length of the recording (ms).
    pub duration_ms: u64,
    /// Channels in the file.
    pub channels: usize,
    /// The file's sample rate (Hz) and encoding.
    pub sample_rate_hz: u32,
    /// The file's sample encoding ("16-bit PCM", "G.711 mu-law", …).
    pub encoding: String,
    /// Language of the call.
    pub language: String,
    /// The whisper model used.
    pub model: String,
    /// The profile used ("default" or its path).
    pub profile: String,
    /// Turn figures, greeting, speech intervals.
    pub structure: CallStructure,
    /// Voice figures per party.
    pub voice: Voices,
    /// The transcript per party.
    pub words: PartyWords,
    /// The eight findings, in the seed's order.
    pub findings: Vec<Finding>,
    /// Weighted mean of the findings' scores, 0..100.
    pub overall_score: u8,
    /// Promises the agent made.
    pub follow_ups: Vec<FollowUp>,
    /// The customer's side: escalations and what came before them, the
    /// call's end against its start (docs/customer-reaction.md).
    pub customer_reaction: CustomerReaction,
    /// Whether personal data is redacted in this scorecard (`redacted`, the
    /// default) or kept (`--pii keep`).
    pub pii: PiiMode,
    /// The redacted stretches of the call, in time order (docs/privacy.md):
    /// the words there read as their kind's token (`[card]`, …). Empty when
    /// kept.
    pub redactions: Vec<Redaction>,
}

impl Scorecard {
    /// Where the recording must be silenced for its redactions: on the
    /// speaker's channel of a stereo call, on every channel of a mono one
    /// (or of a stereo file scored as a mix).
    pub fn audio_spans(&self) -> Vec<AudioSpan> {
        let channel_of = |party: Party| match (self.structure.layout, party) {
            (Layout::Stereo { agent_channel }, Party::Agent | Party::Customer) => {
                let agent = usize::from(agent_channel == Channel::Right);
                Some(if party == Party::Agent {
                    agent
                } else {
                    1 - agent
                })
            }
            _ => None,
        };
        self.redactions
            .iter()
            .map(|r| AudioSpan {
                start_ms: r.start_ms,
                end_ms: r.end_ms,
                channel: channel_of(r.speaker),
            })
            .collect()
    }

    /// This call rated with another profile: the same measurements,
    /// evidence and transcript, with the findings' ratings, scores and
    /// verdicts and the overall score following `profile` (see
    /// [`findings::rerate`]). How `callcoach calibrate`'s effect is checked
    /// without transcribing the calls again. The customer reaction stays as
    /// scored: its stretches need the call's voice tracks to be judged again.
    pub fn rerated(&self, profile: &Profile, profile_name: &str) -> Scorecard {
        let findings: Vec<Finding> = self
            .findings
            .iter()
            .map(|f| findings::rerate(f, &self.language, profile))
            .collect();
        Scorecard {
            overall_score: findings::overall_score(&findings, profile),
            findings,
            profile: profile_name.to_string(),
            ..self.clone()
        }
    }
}

/// Loaded once, used for every call: model, profile, parameters.
pub struct Scorer<'a> {
    /// The whisper model.
    pub recognizer: &'a Recognizer,
    /// Thresholds and weights.
    pub profile: Profile,
    /// "default" or the profile's path, recorded in each scorecard.
    pub profile_name: String,
    /// Voice-feature parameters.
    pub features: FeatureParams,
    /// Call-structure parameters.
    pub structure: StructureParams,
}

impl<'a> Scorer<'a> {
    /// A scorer with `profile` and the default feature and structure parameters.
    pub fn new(recognizer: &'a Recognizer, profile: Profile, profile_name: String) -> Self {
        Scorer {
            recognizer,
            profile,
            profile_name,
            features: FeatureParams::default(),
            structure: StructureParams {
                speaker_model: SpeakerModel::beside(recognizer.path()),
                ..StructureParams::default()
            },
        }
    }

    /// The notice to show for `card` when its two mono voices were split
    /// without the speaker model (MFCC fallback), `None` otherwise.
    pub fn speaker_model_notice(&self, card: &Scorecard) -> Option<String> {
        (card.structure.diarization.is_some() && self.structure.speaker_model.is_none())
            .then(|| ge2e::missing_notice(self.recognizer.path()))
    }

    /// Scores one call.
    pub fn score(&self, path: &Path, opts: &ScoreOptions) -> Result<Scorecard, ScoreError> {
        self.score_with_progress(path, opts, &mut |_| {})
    }

    /// Scores one call, reporting each stage's name to `stage`.
    pub fn score_with_progress(
        &self,
        path: &Path,
        opts: &ScoreOptions,
        stage: &mut dyn FnMut(&str),
    ) -> Result<Scorecard, ScoreError> {
        self.score_for_report(path, opts, stage)
            .map(|(card, _)| card)
    }

    /// Scores one call and keeps the time series the visual report draws
    /// (pitch contour, loudness, speaking rate), which the JSON scorecard
    /// does not carry.
    pub fn score_for_report(
        &self,
        path: &Path,
        opts: &ScoreOptions,
        stage: &mut dyn FnMut(&str),
    ) -> Result<(Scorecard, CallSeries), ScoreError> {
        stage("decode");
        let info = audio::probe(path)?;
        let audio = audio::load(path, Some(WHISPER_RATE))?;
        check_levels(path, &audio, self.features.clip_level)?;
        let stereo = audio.channels.len() == 2 && opts.speakers != 1;

        stage("transcribe");
        let mut params = self.features.clone();
        params.keep_frames = true;
        let mut heard = self.transcribe(&audio, opts, stereo, &params)?;
        let language = heard.language();
        let mut redactions = heard.redact(Redactor::new(opts.pii), &language);

        stage("structure");
        let channels: Vec<Vec<f32>> = if stereo {
            audio.channels.clone()
        } else {
            vec![audio.mix()]
        };
        let layout = layout_of(stereo, opts);
        let structure = self.structure_of(path, &channels, layout, &heard, &language)?;
        let words = split_words(&structure, &heard.agent, &heard.customer, &heard.mono);
        name_speakers(&mut redactions, &structure);

        stage("voice");
        let (mut agent_voice, mut customer_voice) = party_voices(
            heard.voices,
            opts.speakers,
            &channels[0],
            &structure,
            &params,
        );

        stage("findings");
        let (found, overall_score, follow_ups, customer_reaction) = self.judge(
            &language,
            &agent_voice,
            customer_voice.as_ref(),
            &structure,
            &words,
        );
        let series =
            CallSeries::from_voices(audio.duration_s(), &agent_voice, customer_voice.as_ref());
        // The frames went into the series; the scorecard does not carry them.
        agent_voice.frames = None;
        if let Some(c) = customer_voice.as_mut() {
            c.frames = None;
        }

        let card = Scorecard {
            schema_version: SCHEMA_VERSION,
            callcoach_version: env!("CARGO_PKG_VERSION"),
            file: path.display().to_string(),
            duration_ms: (audio.duration_s() * 1000.0).round() as u64,
            channels: audio.channels.len(),
            sample_rate_hz: info.sample_rate,
            encoding: info.encoding.to_string(),
            language,
            model: self.recognizer.path().display().to_string(),
            profile: self.profile_name.clone(),
            structure,
            voice: Voices {
                agent: agent_voice,
                customer: customer_voice,
            },
            words,
            findings: found,
            overall_score,
            follow_ups,
            customer_reaction,
            pii: opts.pii,
            redactions,
        };
        Ok((card, series))
    }

    /// The call structure (speech, turns, roles, words per party) of the
    /// channels scored: both in stereo, the mix in mono.
    fn structure_of(
        &self,
        path: &Path,
        channels: &[Vec<f32>],
        layout: Layout,
        heard: &Heard,
        language: &str,
    ) -> Result<CallStructure, ScoreError> {
        structure::analyze_call(
            channels,
            WHISPER_RATE,
            layout,
            &heard.tagged_words(),
            &PhraseLists::builtin(language),
            &self.structure,
        )
        .map_err(|e| ScoreError::Structure(path.into(), e.to_string()))
    }

    /// The coaching findings, the overall score, the agent's promises and
    /// the customer's reaction, judged from the voices, the structure and
    /// the words.
    fn judge(
        &self,
        language: &str,
        agent: &VoiceReport,
        customer: Option<&VoiceReport>,
        structure: &CallStructure,
        words: &PartyWords,
    ) -> (Vec<Finding>, u8, Vec<FollowUp>, CustomerReaction) {
        let phrases = ScoringPhrases::builtin(language);
        let facts = findings::CallFacts {
            language,
            agent,
            customer,
            structure,
            agent_words: &words.agent,
            agent_dropped: &words.dropped.agent,
            customer_words: &words.customer,
            phrases: &phrases,
        };
        let found = findings::detect_all(&facts, &self.profile, &Tips::builtin(language));
        let overall_score = findings::overall_score(&found, &self.profile);
        let reaction = reaction::track(&facts, &found, &self.profile);
        (
            found,
            overall_score,
            follow_ups(&words.agent, &phrases),
            reaction,
        )
    }

    /// Transcribes the call: in stereo each channel on its own, both voices
    /// measured while whisper runs; in mono the mix.
    fn transcribe(
        &self,
        audio: &Audio,
        opts: &ScoreOptions,
        stereo: bool,
        params: &FeatureParams,
    ) -> Result<Heard, ScoreError> {
        let mut decode = opts.decode.clone();
        decode.language = opts.language.clone();
        if !stereo {
            let mono = self.recognizer.transcribe(&audio.mix(), &decode)?;
            return Ok(Heard {
                agent: None,
                customer: None,
                mono: Some(mono),
                voices: None,
            });
        }
        let (agent_ch, customer_ch) = match opts.agent_channel {
            Channel::Left => (0, 1),
            Channel::Right => (1, 0),
        };
        let (agent, customer) = (&audio.channels[agent_ch], &audio.channels[customer_ch]);
        // Both channels at once, their speech decoded side by side;
        // the customer speaks the agent's language. The voice of each
        // channel needs no transcript: it is measured on the core of
        // the first whisper run to finish.
        let (both, voices) =
            self.recognizer
                .transcribe_channels_beside(&[agent, customer], &decode, || {
                    (voice_of(agent, params), voice_of(customer, params))
                })?;
        let [agent_t, customer_t]: [Transcript; 2] =
            both.try_into().expect("two channels give two transcripts");
        Ok(Heard {
            agent: Some(agent_t),
            customer: Some(customer_t),
            mono: None,
            voices: Some(voices),
        })
    }
}

/// What speech recognition heard: the two channels' transcripts (stereo) or
/// the mix's (mono), and in stereo the voices measured beside it.
struct Heard {
    agent: Option<Transcript>,
    customer: Option<Transcript>,
    mono: Option<Transcript>,
    voices: Option<(VoiceReport, VoiceReport)>,
}

impl Heard {
    /// The call's language: the agent's transcript's (or the mix's), else
    /// English.
    fn language(&self) -> String {
        [&self.agent, &self.mono]
            .into_iter()
            .flatten()
            .next()
            .map_or_else(|| "en".to_string(), |t| t.language.clone())
    }

    /// Redacts the personal data in the transcripts (both channels read
    /// together, or the mix) and returns the redactions.
    fn redact(&mut self, redactor: Redactor, language: &str) -> Vec<Redaction> {
        let mut parties: Vec<(Party, &mut Transcript)> = Vec::new();
        parties.extend(self.agent.as_mut().map(|t| (Party::Agent, t)));
        parties.extend(self.customer.as_mut().map(|t| (Party::Customer, t)));
        parties.extend(self.mono.as_mut().map(|t| (Party::Unknown, t)));
        redactor.redact(language, &mut parties)
    }

    /// The words for the call structure: tagged by channel and in time order
    /// (stereo), untagged (mono).
    fn tagged_words(&self) -> Vec<TaggedWord> {
        match (&self.agent, &self.customer, &self.mono) {
            (Some(a), Some(c), _) => {
                let mut w = TaggedWord::tagged(a.words(), Speaker::Agent);
                w.extend(TaggedWord::tagged(c.words(), Speaker::Customer));
                w.sort_by_key(|t| t.word.start_ms);
                w
            }
            (_, _, Some(m)) => TaggedWord::untagged(m.words()),
            _ => Vec::new(),
        }
    }
}

/// Names the speaker of each redaction of a mono mix, made before the call
/// structure told the parties apart: the speaker of the first redacted
/// word inside it (unknown if the structure dropped them all).
fn name_speakers(redactions: &mut [Redaction], structure: &CallStructure) {
    for r in redactions
        .iter_mut()
        .filter(|r| r.speaker == Party::Unknown)
    {
        let first = structure
            .words
            .iter()
            .filter(|w| (r.start_ms..r.end_ms).contains(&w.start_ms))
            .find(|w| w.text.starts_with('['));
        r.speaker = match first.map(|w| w.speaker) {
            Some(Speaker::Agent) => Party::Agent,
            Some(Speaker::Customer) => Party::Customer,
            None => Party::Unknown,
        };
    }
}

/// Refuses a silent recording, or one clipped too much in any channel, that
/// could not be scored fairly.
fn check_levels(path: &Path, audio: &Audio, clip_level: f32) -> Result<(), ScoreError> {
    let peak = peak_dbfs(audio);
    if peak < SILENT_DBFS {
        return Err(ScoreError::Silent(path.into(), peak));
    }
    for (i, channel) in audio.channels.iter().enumerate() {
        let clipped = clipped_share(channel, clip_level);
        if clipped >= MAX_CLIPPED_SHARE {
            let part = match (audio.channels.len(), i) {
                (1, _) => String::new(),
                (_, 0) => " of the left channel".to_string(),
                _ => " of the right channel".to_string(),
            };
            return Err(ScoreError::Clipped(path.into(), part, clipped));
        }
    }
    Ok(())
}

/// The call-structure layout: stereo by the agent channel, else mono with
/// one or two speakers.
fn layout_of(stereo: bool, opts: &ScoreOptions) -> Layout {
    if stereo {
        Layout::Stereo {
            agent_channel: opts.agent_channel,
        }
    } else {
        Layout::Mono {
            speakers: opts.speakers.clamp(1, 2),
            agent_speaks_first: opts.agent_speaks_first,
        }
    }
}

/// One voice's report, with the frames the time series need.
fn voice_of(samples: &[f32], params: &FeatureParams) -> VoiceReport {
    features::analyze_channel(samples, WHISPER_RATE, params)
}

/// The agent's and the customer's voices: stereo's, measured beside
/// transcription; else the whole mix for one speaker, or each party's turns
/// of the mix, as the call structure split them.
fn party_voices(
    stereo_voices: Option<(VoiceReport, VoiceReport)>,
    speakers: u8,
    mix: &[f32],
    structure: &CallStructure,
    params: &FeatureParams,
) -> (VoiceReport, Option<VoiceReport>) {
    match stereo_voices {
        Some((agent, customer)) => (agent, Some(customer)),
        None if speakers == 1 => (voice_of(mix, params), None),
        None => (
            voice_of(&keep_only(mix, &structure.agent_speech), params),
            Some(voice_of(
                &keep_only(mix, &structure.customer_speech),
                params,
            )),
        ),
    }
}

/// The promises among the agent's words (`follow_ups`).
fn follow_ups(agent_words: &[Word], phrases: &ScoringPhrases) -> Vec<FollowUp> {
    find_timed(agent_words, &phrases.follow_up)
        .into_iter()
        .map(|h| FollowUp {
            start_ms: h.start_ms,
            end_ms: h.end_ms,
            phrase: h.phrase,
            quote: h.quote,
        })
        .collect()
}

/// The loudest 30 ms frame of any channel, in dBFS.
fn peak_dbfs(audio: &Audio) -> f64 {
    let frame = audio.sample_rate as usize * 30 / 1000;
    let peak = audio
        .channels
        .iter()
        .flat_map(|c| c.chunks(frame))
        .map(|c| c.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / c.len() as f64)
        .fold(0.0, f64::max);
    10.0 * peak.max(1e-14).log10()
}

/// The share of `samples` at or above `level` (0 for no samples).
fn clipped_share(samples: &[f32], level: f32) -> f64 {
    let clipped = samples.iter().filter(|s| s.abs() >= level).count();
    clipped as f64 / samples.len().max(1) as f64
}

/// The signal inside `intervals`, zero elsewhere: one party of a mono call.
fn keep_only(samples: &[f32], intervals: &[structure::Interval]) -> Vec<f32> {
    let mut out = vec![0.0; samples.len()];
    let rate = f64::from(WHISPER_RATE);
    for i in intervals {
        let a = ((i.start_s * rate) as usize).min(samples.len());
        let b = ((i.end_s * rate) as usize).min(samples.len());
        out[a..b].copy_from_slice(&samples[a..b]);
    }
    out
}

/// Splits the transcript by party, keeping the words the structure stage
/// kept (words where their party has no speech are dropped there): stereo
/// words come from their channel's transcript, mono words go to the speaker
/// the structure stage assigned.
fn split_words(
    structure: &CallStructure,
    agent: &Option<Transcript>,
    customer: &Option<Transcript>,
    mono: &Option<Transcript>,
) -> PartyWords {
    fn pool(t: &Option<Transcript>) -> Vec<&Word> {
        t.iter().flat_map(|t| t.words()).collect()
    }
    let (agent_pool, customer_pool, mono_pool) = (pool(agent), pool(customer), pool(mono));
    let mut party = PartyWords {
        agent: Vec::new(),
        customer: Vec::new(),
        dropped: split_dropped(structure, agent, customer, mono),
    };
    for sw in &structure.words {
        let from = match (mono.is_some(), sw.speaker) {
            (true, _) => &mono_pool,
            (false, Speaker::Agent) => &agent_pool,
            (false, Speaker::Customer) => &customer_pool,
        };
        let Some(w) = from
            .iter()
            .find(|w| w.start_ms == sw.start_ms && w.text == sw.text)
        else {
            continue;
        };
        match sw.speaker {
            Speaker::Agent => party.agent.push((*w).clone()),
            Speaker::Customer => party.customer.push((*w).clone()),
        }
    }
    party
}

/// The dropped stretches of the transcripts by party: per channel on a
/// stereo call; on a mono call, by whose speech overlaps the stretch more
/// (a stretch in nobody's speech goes to neither).
fn split_dropped(
    structure: &CallStructure,
    agent: &Option<Transcript>,
    customer: &Option<Transcript>,
    mono: &Option<Transcript>,
) -> PartyDropped {
    let spans = |t: &Option<Transcript>| t.iter().flat_map(|t| t.dropped.clone()).collect();
    let Some(mono) = mono else {
        return PartyDropped {
            agent: spans(agent),
            customer: spans(customer),
        };
    };
    let overlap = |speech: &[Interval], d: &DroppedSpan| -> f64 {
        let (a, b) = (d.start_ms as f64 / 1000.0, d.end_ms as f64 / 1000.0);
        speech
            .iter()
            .map(|i| (i.end_s.min(b) - i.start_s.max(a)).max(0.0))
            .sum()
    };
    let mut party = PartyDropped::default();
    for d in &mono.dropped {
        let (a, c) = (
            overlap(&structure.agent_speech, d),
            overlap(&structure.customer_speech, d),
        );
        if a > 0.0 && a >= c {
            party.agent.push(*d);
        } else if c > 0.0 {
            party.customer.push(*d);
        }
    }
    party
}
