//! `transcribe`: whisper's segments and words with times, as text or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use super::common::load_recognizer;
use callcoach::{audio, model};

use super::common::{expand_inputs, select_channel, Channel, DecodeArgs, ModelArg, PiiArg, Result};
use callcoach::redact::{Party, Redactor};
use callcoach::render::PiiNote;

/// Arguments of `transcribe`.
#[derive(clap::Args)]
pub struct TranscribeArgs {
    /// WAV files or directories of WAV files.
    #[arg(required = true, value_name = "CALL.wav")]
    pub inputs: Vec<PathBuf>,
    /// Spoken language: de, en, or auto to detect it.
    #[arg(long, short, default_value = "auto")]
    pub language: String,
    /// Channel to transcribe.
    #[arg(long, value_enum, default_value = "mix")]
    pub channel: Channel,
    /// Print one JSON object per file on stdout (see docs/transcript-json.md).
    #[arg(long)]
    pub json: bool,
    /// Personal data in the transcript.
    #[command(flatten)]
    pub pii: PiiArg,
    /// The whisper model.
    #[command(flatten)]
    pub model: ModelArg,
    /// whisper's decoding.
    #[command(flatten)]
    pub decode: DecodeArgs,
}

impl TranscribeArgs {
    /// The channel's name as the transcript JSON writes it.
    pub fn channel_name(&self) -> &'static str {
        match self.channel {
            Channel::Left => "left",
            Channel::Right => "right",
            Channel::Mix => "mix",
        }
    }
}

/// `transcribe`: each file's chosen channel through whisper, as text or JSON.
pub fn transcribe(args: TranscribeArgs) -> Result<ExitCode> {
    let files = expand_inputs(&args.inputs)?;
    let opts = args.decode.options(&args.language)?;
    let model = model::resolve_model(args.model.model.as_deref())?;
    let recognizer = load_recognizer(&model)?;
    for path in &files {
        let audio = audio::load(path, Some(audio::WHISPER_RATE))?;
        let samples = select_channel(&audio, args.channel, path)?;
        let mut transcript = recognizer.transcribe(&samples, &opts)?;
        let language = transcript.language.clone();
        let redactions = Redactor::new(args.pii.mode())
            .redact(&language, &mut [(Party::Unknown, &mut transcript)]);
        if args.json {
            let doc = callcoach::render::transcript_json(
                path,
                &audio,
                &model,
                args.channel_name(),
                &transcript,
                PiiNote {
                    mode: args.pii.mode(),
                    redactions: &redactions,
                },
            );
            println!("{}", serde_json::to_string(&doc)?);
        } else {
            print!("{}", callcoach::render::transcript_text(path, &transcript));
        }
    }
    Ok(ExitCode::SUCCESS)
}
