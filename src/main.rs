//! The `callcoach` command line: parses arguments and hands each
//! subcommand to its handler in [`cli`]. Results go to stdout, progress and
//! errors to stderr; every error is one line and a non-zero exit.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::analyze::{analyze, AnalyzeArgs};
use cli::batch::{batch, merge, BatchArgs, MergeArgs};
use cli::calibrate::{calibrate, CalibrateArgs};
use cli::history::{history, HistoryArgs};
use cli::live::{live, LiveArgs};
use cli::model::{model_command, ModelCommand};
use cli::record::{devices, record, RecordArgs};
use cli::redact::{redact, RedactArgs};
use cli::score::{score, ScoreArgs};
use cli::term::{ColorChoice, Term};
use cli::transcribe::{transcribe, TranscribeArgs};

/// Offline call-centre telephone quality coach.
#[derive(Parser)]
#[command(name = "callcoach", version, about, propagate_version = true)]
struct Cli {
    /// Colour: auto (on a terminal without NO_COLOR), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        hide_possible_values = true
    )]
    color: ColorChoice,
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
    /// Write a call with its personal data silenced (docs/privacy.md).
    Redact(RedactArgs),
    /// Score a day's recordings: a scorecard per call, summary and per-agent tables (docs/batch.md).
    Batch(BatchArgs),
    /// Join the output directories of batch shards into one summary.
    Merge(MergeArgs),
    /// Write a scoring profile fitted to a team's scorecards (docs/calibration.md).
    Calibrate(CalibrateArgs),
    /// A team's scored calls over weeks: record batch output, print trends (docs/history.md).
    History(HistoryArgs),
    /// List audio input devices; the default is marked with *.
    Devices {
        /// Print the list as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Record from the microphone into a WAV file, written as it goes (docs/live.md).
    Record(RecordArgs),
    /// Coach live from the microphone: rolling rate, melody and loudness with hints.
    Live(LiveArgs),
    /// Fetch, convert and list models (whisper, speech detector, speaker encoder).
    #[command(subcommand)]
    Model(ModelCommand),
}

fn main() -> ExitCode {
    reset_sigpipe();
    let cli = Cli::parse();
    let term = Term::detect(cli.color);
    cli::logger::init(term.stderr_color);
    let result = match cli.command {
        Command::Score(args) => score(args, false, &term),
        Command::Turns(args) => score(args, true, &term),
        Command::Analyze(args) => analyze(args),
        Command::Transcribe(args) => transcribe(args),
        Command::Redact(args) => redact(args),
        Command::Batch(args) => batch(args, &term),
        Command::Merge(args) => merge(args),
        Command::Calibrate(args) => calibrate(args),
        Command::History(args) => history(args),
        Command::Devices { json } => devices(json),
        Command::Record(args) => record(args, &term),
        Command::Live(args) => live(args, &term),
        Command::Model(cmd) => model_command(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            log::error!("{e}");
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
