//! `redact`: the call with its personal data silenced (docs/privacy.md).

use std::path::PathBuf;
use std::process::ExitCode;

use callcoach::model;
use callcoach::output::atomic::check_writable;
use callcoach::redact::audio::{write_redacted, Fill};
use callcoach::redact::{count_by_kind, PiiMode};
use callcoach::scorecard::Scorer;

use super::common::{load_recognizer, CallArgs, DecodeArgs, ModelArg, PiiChoice, Result};

/// Arguments of `redact`.
#[derive(clap::Args)]
pub struct RedactArgs {
    /// The call.
    #[arg(value_name = "CALL.wav")]
    pub input: PathBuf,
    /// Where to write the redacted call: the same WAV format, every byte
    /// outside the redacted spans as in CALL.wav.
    #[arg(long, short, value_name = "OUT.wav")]
    pub output: PathBuf,
    /// Cover the spans with a 1 kHz tone instead of silence.
    #[arg(long)]
    pub tone: bool,
    /// Print the redactions as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// How to read the call.
    #[command(flatten)]
    pub call: CallArgs,
    /// The whisper model.
    #[command(flatten)]
    pub model: ModelArg,
    /// whisper's decoding.
    #[command(flatten)]
    pub decode: DecodeArgs,
}

/// `redact`: scores the call to find its personal data (the same spans as
/// its scorecard's `redactions`), then writes OUT.wav with each span
/// silenced on the speaker's channel.
pub fn redact(args: RedactArgs) -> Result<ExitCode> {
    if args.call.pii.pii == PiiChoice::Keep {
        return Err("redact: --pii keep would redact nothing; leave it out".into());
    }
    if same_file(&args.input, &args.output) {
        return Err(format!(
            "{}: the output would overwrite the call; give another --output",
            args.output.display()
        )
        .into());
    }
    check_writable(&args.output)
        .map_err(|e| format!("{}: cannot write: {e}", args.output.display()))?;
    let model = model::resolve_model(args.model.model.as_deref())?;
    let recognizer = load_recognizer(&model)?;
    let (profile, profile_name) = args.call.profile()?;
    let mut scorer = Scorer::new(&recognizer, profile, profile_name);
    args.call.apply_roles(&mut scorer);
    let mut opts = args.call.options(&args.decode)?;
    opts.pii = PiiMode::Redacted;
    let card = scorer.score(&args.input, &opts)?;
    let fill = if args.tone { Fill::Tone } else { Fill::Silence };
    write_redacted(&args.input, &args.output, &card.audio_spans(), fill)?;
    if args.json {
        let doc = serde_json::json!({
            "file": args.input.display().to_string(),
            "output": args.output.display().to_string(),
            "fill": if args.tone { "tone" } else { "silence" },
            "pii": card.pii,
            "redactions": card.redactions,
        });
        println!("{}", serde_json::to_string(&doc)?);
    } else {
        let silenced_ms: u64 = card.redactions.iter().map(|r| r.end_ms - r.start_ms).sum();
        let kinds = count_by_kind(&card.redactions);
        println!(
            "{}: {}, {:.1} s {}",
            args.output.display(),
            if kinds.is_empty() {
                "nothing to redact".to_string()
            } else {
                format!("redacted {kinds}")
            },
            silenced_ms as f64 / 1000.0,
            if args.tone {
                "covered by a tone"
            } else {
                "silenced"
            },
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `a` and `b` name the same file (the same path, or one that
/// resolves to the same place).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}
