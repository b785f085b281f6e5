//! `live`: coaching from the microphone as the agent speaks: rolling voice
//! figures and hints, optionally the words.

use std::path::PathBuf;
use std::process::ExitCode;

use super::common::load_recognizer;
use callcoach::findings::Profile;
use callcoach::model;
use callcoach::redact::Redactor;
use callcoach::transcribe::TranscribeError;

use super::common::{DecodeArgs, ModelArg, PiiArg, Result};
use super::record::InputArgs;
use super::term::Term;

/// Arguments of `live`.
#[derive(clap::Args)]
pub struct LiveArgs {
    /// Where the audio comes from.
    #[command(flatten)]
    pub input: InputArgs,
    /// Scoring profile (TOML) whose thresholds trigger the hints.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Language of thresholds and hints: en or de.
    #[arg(long, short, default_value = "en", value_parser = ["en", "de"])]
    pub language: String,
    /// Seconds of audio in the rolling window.
    #[arg(long, default_value_t = 10.0, value_name = "S")]
    pub window: f64,
    /// Also show the words as they come (whisper on sliding windows), if the machine keeps up.
    #[arg(long)]
    pub transcribe: bool,
    /// One JSON object per update on stdout instead of the display line.
    #[arg(long)]
    pub json: bool,
    /// Personal data in the words shown.
    #[command(flatten)]
    pub pii: PiiArg,
    /// The whisper model.
    #[command(flatten)]
    pub model: ModelArg,
    /// whisper's decoding.
    #[command(flatten)]
    pub decode: DecodeArgs,
}

/// What `live --json` prints per line.
#[derive(serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum LiveEvent<'a> {
    /// Rolling figures and hints.
    Reading {
        #[serde(flatten)]
        reading: &'a callcoach::live::Reading,
        /// From the arrival of the newest block to the line being written (ms).
        latency_ms: f64,
    },
    /// Words recognised in the newest window.
    Words {
        words: &'a [callcoach::transcript::Word],
        /// Whether personal data in the words is redacted or kept.
        pii: callcoach::redact::PiiMode,
        /// Seconds whisper took for the window, and the window's length.
        took_s: f64,
        audio_s: f64,
    },
}

/// `live`: rolling voice figures and hints, optionally the words.
/// The figures redraw one line when stdout is a terminal (`term`).
pub fn live(args: LiveArgs, term: &Term) -> Result<ExitCode> {
    use callcoach::capture::stop;
    use callcoach::live::{words, Coach, LiveParams};
    use std::io::Write;
    stop::install();
    let profile = match &args.profile {
        Some(p) => Profile::load(p)?,
        None => Profile::default(),
    };
    let recognizer = if args.transcribe {
        let path = model::resolve_model(args.model.model.as_deref())?;
        Some(load_recognizer(&path)?)
    } else {
        None
    };
    let mut decode = args.decode.options(&args.language)?;
    // whisper and the voice analysis share the cores: leave one to the latter.
    if args.decode.threads.is_none() {
        decode.threads = decode.threads.saturating_sub(1).max(1);
    }
    let redactor = Redactor::new(args.pii.mode());
    let mut source = args.input.spec().open()?;
    let (rate, channels) = (source.rate(), source.channels());
    let params = LiveParams {
        window_s: args.window.max(1.0),
        language: args.language.clone(),
        ..Default::default()
    };
    let mut coach = Coach::new(rate, channels, params, profile);
    let tty = !args.json && term.stdout_tty;
    eprintln!(
        "coaching live from {} ({rate} Hz, {channels} ch); Ctrl-C stops",
        source.name()
    );
    let mut out = std::io::stdout().lock();
    let mut status = String::new();
    let result: Result<()> = std::thread::scope(|scope| {
        let mut feed = recognizer
            .as_ref()
            .map(|r| words::start(scope, r, decode.clone(), redactor, rate, 8.0, 4.0));
        let mut warned_slow = false;
        let show_words = |out: &mut std::io::StdoutLock,
                          got: Vec<std::result::Result<words::WindowWords, TranscribeError>>,
                          status: &str|
         -> Result<()> {
            for w in got {
                let w = w?;
                if w.words.is_empty() {
                    continue;
                }
                if args.json {
                    let e = LiveEvent::Words {
                        words: &w.words,
                        pii: redactor.mode,
                        took_s: w.took_s,
                        audio_s: w.audio_s,
                    };
                    writeln!(out, "{}", serde_json::to_string(&e)?)?;
                } else if tty {
                    write!(
                        out,
                        "\r\x1b[2K{}\n{status}",
                        callcoach::render::words_line(&w.words)
                    )?;
                } else {
                    writeln!(out, "{}", callcoach::render::words_line(&w.words))?;
                }
            }
            out.flush()?;
            Ok(())
        };
        loop {
            if stop::requested() {
                break;
            }
            let Some(block) = source.read()? else { break };
            let arrived = std::time::Instant::now();
            if let Some(feed) = feed.as_mut() {
                let ch = usize::from(channels.max(1));
                let mono: Vec<f32> = block
                    .chunks_exact(ch)
                    .map(|f| f.iter().sum::<f32>() / ch as f32)
                    .collect();
                feed.push(&mono);
                if feed.skipped > 0 && !warned_slow {
                    warned_slow = true;
                    eprintln!("{}note: whisper does not keep up with live audio on this machine; words are shown for every other window or less", if tty { "\r\x1b[2K" } else { "" });
                }
                show_words(&mut out, feed.ready(), &status)?;
            }
            let Some(reading) = coach.push(&block) else {
                continue;
            };
            let line = callcoach::render::reading_line(&reading);
            let latency_ms = arrived.elapsed().as_secs_f64() * 1000.0;
            if args.json {
                let e = LiveEvent::Reading {
                    reading: &reading,
                    latency_ms,
                };
                writeln!(out, "{}", serde_json::to_string(&e)?)?;
            } else if tty {
                write!(out, "\r\x1b[2K{line}")?;
            } else {
                writeln!(out, "{line}")?;
            }
            out.flush()?;
            status = line;
        }
        if let Some(feed) = feed {
            let skipped = feed.skipped;
            let sent = feed.sent + 1;
            show_words(&mut out, feed.finish(), &status)?;
            if skipped > 0 {
                eprintln!(
                    "{}note: whisper kept up with {sent} of {} windows",
                    if tty { "\n" } else { "" },
                    sent + skipped
                );
            }
        }
        Ok(())
    });
    if tty {
        println!();
    }
    result?;
    Ok(ExitCode::SUCCESS)
}
