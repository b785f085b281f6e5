//! `devices` and `record`: the microphones, and a recording made from one
//! (optionally scored). [`InputArgs`] is where `record` and `live` take
//! their audio from.

use std::path::PathBuf;
use std::process::ExitCode;

use callcoach::model;

use super::common::{CallArgs, DecodeArgs, EmbedArg, ModelArg, Result};
use super::score::{score, ScoreArgs};
use super::term::Term;

/// Where `record` and `live` take their audio from.
#[derive(clap::Args)]
pub struct InputArgs {
    /// Input device: its id or (part of) its name as `callcoach devices` lists it [default: the system default].
    #[arg(long, short, value_name = "NAME", conflicts_with = "replay")]
    pub device: Option<String>,
    /// Sample rate to ask the device for [default: the device's].
    #[arg(long, value_name = "HZ")]
    pub rate: Option<u32>,
    /// Channels to ask the device for [default: the device's].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=2))]
    pub channels: Option<u16>,
    /// Replay a WAV file as if it were the microphone (tests, demos, machines without one).
    #[arg(long, value_name = "FILE.wav")]
    pub replay: Option<PathBuf>,
    /// Pace of --replay relative to real time; 0 replays as fast as possible.
    #[arg(long, default_value_t = 1.0, value_name = "X", requires = "replay")]
    pub speed: f64,
}

impl InputArgs {
    /// The source these flags name: a device, or a file replayed.
    pub fn spec(&self) -> callcoach::capture::SourceSpec {
        use callcoach::capture::SourceSpec;
        match &self.replay {
            Some(path) => SourceSpec::Replay {
                path: path.clone(),
                speed: self.speed.max(0.0),
            },
            None => SourceSpec::Device {
                name: self.device.clone(),
                rate: self.rate,
                channels: self.channels,
            },
        }
    }
}

/// Arguments of `record`.
#[derive(clap::Args)]
pub struct RecordArgs {
    /// The WAV file to write (16-bit PCM).
    #[arg(value_name = "OUT.wav")]
    pub output: PathBuf,
    /// Where the audio comes from.
    #[command(flatten)]
    pub input: InputArgs,
    /// Stop after this many seconds [default: at Ctrl-C].
    #[arg(long, value_name = "N")]
    pub seconds: Option<f64>,
    /// Overwrite OUT.wav if it exists.
    #[arg(long)]
    pub force: bool,
    /// Score the recording when it stops (the same scorecard as `score`).
    #[arg(long)]
    pub score: bool,
    /// With --score: print the scorecard as JSON.
    #[arg(long, requires = "score")]
    pub json: bool,
    /// How to read each call.
    #[command(flatten)]
    pub call: CallArgs,
    /// The whisper model.
    #[command(flatten)]
    pub model: ModelArg,
    /// whisper's decoding.
    #[command(flatten)]
    pub decode: DecodeArgs,
}

/// `devices`: the input devices, the default marked with `*`.
pub fn devices(json: bool) -> Result<ExitCode> {
    let list = callcoach::capture::device::list()?;
    if json {
        println!("{}", serde_json::to_string(&list)?);
    } else {
        for d in &list {
            let config = match (d.default_rate, d.default_channels) {
                (Some(r), Some(c)) => format!("  ({r} Hz, {c} ch)"),
                _ => String::new(),
            };
            let mark = if d.is_default { "*" } else { " " };
            println!("{mark} {}  {}{config}", d.id, d.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `record`: capture into OUT.wav with a level meter on stderr, then
/// optionally score it.
/// The meter redraws one line when stderr is a terminal (`term`).
pub fn record(args: RecordArgs, term: &Term) -> Result<ExitCode> {
    use callcoach::capture::{recorder, stop};
    use std::io::Write;
    stop::install();
    if args.score {
        // A missing model must stop us before the recording, not after it.
        model::resolve_model(args.model.model.as_deref())?;
    }
    // Checked before the device opens (the recorder checks again, atomically).
    if args.output.exists() && !args.force {
        return Err(recorder::RecordError::Exists(args.output.clone()).into());
    }
    let mut source = args.input.spec().open()?;
    eprintln!(
        "recording from {} ({} Hz, {} ch) into {}; Ctrl-C stops",
        source.name(),
        source.rate(),
        source.channels(),
        args.output.display()
    );
    let tty = term.stderr_tty;
    let mut last_draw = std::time::Instant::now();
    let mut last_second = 0u64;
    let mut second_peak = f64::NEG_INFINITY;
    let mut second_clipped = false;
    let opts = recorder::RecordOptions {
        max_seconds: args.seconds,
        force: args.force,
        ..Default::default()
    };
    let summary = recorder::record(source.as_mut(), &args.output, &opts, |level| {
        if tty {
            if last_draw.elapsed().as_millis() >= 100 || level.clipped {
                last_draw = std::time::Instant::now();
                eprint!("\r\x1b[2K{}", callcoach::render::meter_line(level));
                let _ = std::io::stderr().flush();
            }
        } else {
            // Not a terminal: one line per second, for logs, with that
            // second's peak and clipping.
            second_peak = second_peak.max(level.peak_dbfs);
            second_clipped |= level.clipped;
            if level.elapsed_s as u64 > last_second {
                last_second = level.elapsed_s as u64;
                let summary = recorder::Level {
                    peak_dbfs: second_peak,
                    clipped: second_clipped,
                    ..*level
                };
                eprintln!("{}", callcoach::render::meter_line(&summary));
                second_peak = f64::NEG_INFINITY;
                second_clipped = false;
            }
        }
    });
    if tty {
        eprintln!();
    }
    let summary = summary?;
    eprintln!(
        "saved {}: {:.2} s, {} Hz, {} ch, peak {:.1} dBFS, {} clipped samples",
        summary.path.display(),
        summary.duration_s,
        summary.rate,
        summary.channels,
        summary.peak_dbfs,
        summary.clipped_samples
    );
    if summary.lost_blocks > 0 {
        log::warn!(
            "{} audio blocks from the device were lost because writing fell behind; the recording has gaps",
            summary.lost_blocks
        );
    }
    if !args.score {
        return Ok(ExitCode::SUCCESS);
    }
    score(
        ScoreArgs {
            inputs: vec![args.output],
            call: args.call,
            json: args.json,
            html: None,
            embed: EmbedArg {
                embed_audio_max_s: callcoach::report::EMBED_AUDIO_MAX_S,
            },
            model: args.model,
            decode: args.decode,
        },
        false,
        term,
    )
}
