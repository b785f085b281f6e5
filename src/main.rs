//! The `callcoach` command line: parses arguments and hands each
//! subcommand to the library. Results go to stdout, progress and errors to
//! stderr; every error is one line and a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use callcoach::audio;
use callcoach::transcribe::{Options, Recognizer};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Transcribe(args) => transcribe(args),
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

/// The model path: `--model`/`CALLCOACH_MODEL`, else `models/ggml-base.bin`.
fn model_path(arg: &ModelArg) -> PathBuf {
    if let Some(p) = &arg.model {
        return p.clone();
    }
    let local = Path::new("models/ggml-base.bin");
    let beside_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join(local);
    if !local.exists() && beside_crate.exists() {
        return beside_crate;
    }
    local.to_path_buf()
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
    let opts = Options {
        language: language_option(&args.language)?,
        ..Options::default()
    };
    let model = model_path(&args.model);
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
