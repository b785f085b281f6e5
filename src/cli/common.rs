//! What several commands share: the options for reading a call (`CallArgs`),
//! whisper's decoding (`DecodeArgs`), the model path, the channel choices,
//! and the helpers every handler uses (inputs, channels, language, exit
//! codes).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use callcoach::audio;
use callcoach::findings::Profile;
use callcoach::redact::PiiMode;
use callcoach::scorecard::{ScoreOptions, Scorer};
use callcoach::transcribe::gate::Silero;
use callcoach::transcribe::{Options, Recognizer, TranscribeError};

/// Environment variable choosing the speech gate in front of whisper:
/// `silero` adds Silero VAD to the energy test (with `ggml-silero-vad.bin`
/// beside the whisper model), any other value but `off` names a Silero
/// file. Unset, empty or `off`: the energy test alone, the default (with
/// Silero, whisper took 10-44 % longer on the real calls,
/// docs/performance.md).
pub const VAD_ENV: &str = "CALLCOACH_VAD";

/// Loads the whisper model at `path`, with the speech gate [`VAD_ENV`]
/// asks for.
pub fn load_recognizer(path: &Path) -> std::result::Result<Recognizer, TranscribeError> {
    let mut recognizer = Recognizer::load(path)?;
    recognizer.set_vad(match std::env::var_os(VAD_ENV) {
        Some(v) if v == "silero" => Some(Silero::beside(path)),
        Some(v) if !v.is_empty() && v != "off" => Some(Silero::new(Path::new(&v))),
        _ => None,
    });
    Ok(recognizer)
}

/// Which channel of the recording to use.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Channel {
    /// The left (first) channel.
    Left,
    /// The right (second) channel.
    Right,
    /// The mean of all channels.
    Mix,
}

/// Which channel carries the agent in a stereo recording.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum AgentChannel {
    /// The left (first) channel.
    Left,
    /// The right (second) channel.
    Right,
}

/// The whisper model to load (`--model`, else `$CALLCOACH_MODEL`, else the default).
#[derive(clap::Args)]
pub struct ModelArg {
    /// GGML whisper model file [default: models/ggml-base-q8_0.bin].
    #[arg(long, env = callcoach::model::MODEL_ENV, value_name = "PATH")]
    pub model: Option<PathBuf>,
}

/// How to read each call: language, who is on which channel, the profile.
/// Shared by `score`, `turns` and `batch` (where a manifest may override
/// language, agent channel and speakers per call).
#[derive(clap::Args)]
pub struct CallArgs {
    /// Spoken language: de, en, or auto to detect it.
    #[arg(long, short, default_value = "auto")]
    pub language: String,
    /// Channel of the agent in stereo recordings.
    #[arg(long, value_enum, default_value = "left")]
    pub agent_channel: AgentChannel,
    /// Speakers in the recording: 2 (agent and customer) or 1 (the agent alone).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub speakers: u8,
    /// Mono calls: the agent speaks first (true) or second (false), whatever the voices say [default: the voice whose words carry more agent cues than caller cues, the first speaker a weak prior].
    #[arg(long, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub agent_speaks_first: Option<bool>,
    /// Scoring profile (TOML) laid over the defaults (see docs/scorecard.md).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Personal data in the outputs.
    #[command(flatten)]
    pub pii: PiiArg,
}

/// Whether the outputs show personal data. Shared by every command that
/// writes words or audio.
#[derive(clap::Args)]
pub struct PiiArg {
    /// Personal data (card, phone and account numbers, names, e-mail
    /// addresses, birth dates, addresses): `redact` replaces it by typed
    /// tokens such as [card] and silences it in audio; `keep` shows it
    /// (docs/privacy.md).
    #[arg(long, value_enum, default_value = "redact", value_name = "MODE")]
    pub pii: PiiChoice,
}

/// The values of `--pii`.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum PiiChoice {
    /// Replace personal data by tokens, silence it in audio.
    Redact,
    /// Show everything as heard.
    Keep,
}

impl PiiArg {
    /// The library's mode for the flag.
    pub fn mode(&self) -> PiiMode {
        match self.pii {
            PiiChoice::Redact => PiiMode::Redacted,
            PiiChoice::Keep => PiiMode::Kept,
        }
    }
}

impl CallArgs {
    /// The profile named by `--profile`, or the defaults, with its name.
    pub fn profile(
        &self,
    ) -> std::result::Result<(Profile, String), callcoach::findings::ProfileError> {
        Ok(match &self.profile {
            Some(p) => (Profile::load(p)?, p.display().to_string()),
            None => (Profile::default(), "default".to_string()),
        })
    }

    /// Fixes the roles of mono calls when `--agent-speaks-first` is given
    /// (see [`callcoach::structure::StructureParams::agent_role_fixed`]).
    pub fn apply_roles(&self, scorer: &mut Scorer<'_>) {
        scorer.structure.agent_role_fixed = self.agent_speaks_first.is_some();
    }

    /// The per-call options, with whisper's decoding options.
    pub fn options(&self, decode: &DecodeArgs) -> Result<ScoreOptions> {
        Ok(ScoreOptions {
            language: language_option(&self.language)?,
            agent_channel: agent_channel(self.agent_channel),
            speakers: self.speakers,
            agent_speaks_first: self.agent_speaks_first.unwrap_or(true),
            decode: decode.options(&self.language)?,
            pii: self.pii.mode(),
        })
    }
}

/// How whisper decodes: beam width and threads.
#[derive(clap::Args)]
pub struct DecodeArgs {
    /// Beam width of whisper's decoder; 1 decodes greedily (faster, less accurate).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub beam_size: usize,
    /// Threads for whisper.cpp [default: all cores; batch: 2 per whisper run].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl DecodeArgs {
    /// whisper's options for `language` (`auto` detects it).
    pub fn options(&self, language: &str) -> Result<Options> {
        let mut opts = Options {
            language: language_option(language)?,
            beam_size: self.beam_size.max(1),
            ..Options::default()
        };
        if let Some(t) = self.threads {
            opts.threads = t.max(1);
        }
        Ok(opts)
    }
}

/// How the visual report carries the audio.
#[derive(clap::Args)]
pub struct EmbedArg {
    /// HTML pages embed the audio of calls up to this long (seconds); longer
    /// ones link the recording by relative path.
    #[arg(long, value_name = "SECONDS", default_value_t = callcoach::report::EMBED_AUDIO_MAX_S)]
    pub embed_audio_max_s: f64,
}

impl EmbedArg {
    /// The report options these flags ask for.
    pub fn options(&self) -> callcoach::report::HtmlOptions {
        callcoach::report::HtmlOptions {
            embed_audio_max_s: self.embed_audio_max_s,
            ..Default::default()
        }
    }
}

/// The one-line stderr warning for a call whose agent channel (or voice set
/// by `--agent-speaks-first`) talks like the caller
/// ([`callcoach::structure::Roles::warning`]), naming the file; `None` when
/// the words agree with the setting.
pub fn roles_warning(card: &callcoach::scorecard::Scorecard, path: &Path) -> Option<String> {
    let w = card.structure.roles.as_ref()?.warning.as_ref()?;
    Some(format!("callcoach: warning: {}: {w}", path.display()))
}

/// A handler's result: any error ends the command with its one-line message.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Exit code of a run over several calls: 0 when none failed, else 1.
pub fn exit_for(failed: usize) -> ExitCode {
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Exit code of a batch that could not start (usage or setup error).
const EXIT_USAGE: u8 = 2;

/// Reports a usage error and returns exit code 2.
pub fn usage_error(e: impl std::fmt::Display) -> Result<ExitCode> {
    log::error!("{e}");
    Ok(ExitCode::from(EXIT_USAGE))
}

/// Expands directories into the WAV files they hold (sorted), keeps files.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| format!("{}: cannot list directory: {e}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wav")))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(format!("{}: no .wav files in this directory", input.display()).into());
            }
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Picks one channel (or the mix) of decoded audio.
pub fn select_channel(audio: &audio::Audio, channel: Channel, path: &Path) -> Result<Vec<f32>> {
    Ok(match channel {
        Channel::Mix => audio.mix(),
        Channel::Left => audio.channels[0].clone(),
        Channel::Right => audio
            .channels
            .get(1)
            .ok_or_else(|| format!("{}: --channel right, but the file is mono", path.display()))?
            .clone(),
    })
}

/// `--language`: `auto` is `None` (detect it), else a two-letter code.
pub fn language_option(language: &str) -> Result<Option<String>> {
    match language {
        "auto" => Ok(None),
        l if l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()) => Ok(Some(l.to_string())),
        l => Err(format!("--language {l}: use a two-letter code such as de or en, or auto").into()),
    }
}

fn agent_channel(c: AgentChannel) -> callcoach::structure::Channel {
    match c {
        AgentChannel::Left => callcoach::structure::Channel::Left,
        AgentChannel::Right => callcoach::structure::Channel::Right,
    }
}
