//! `batch` and `merge`: a day's recordings scored into an output directory,
//! and the output directories of shards joined into one.

use std::path::PathBuf;
use std::process::ExitCode;

use super::common::load_recognizer;
use callcoach::model;
use callcoach::scorecard::Scorer;

use super::common::{exit_for, usage_error, CallArgs, DecodeArgs, EmbedArg, ModelArg, Result};
use super::progress::{Display, Mode};
use super::term::Term;

/// Arguments of `batch`.
#[derive(clap::Args)]
pub struct BatchArgs {
    /// WAV files, directories (searched recursively) or globs (`'calls/*.wav'`);
    /// may be left out with --manifest (its files are the inputs).
    #[arg(value_name = "INPUT", required_unless_present = "manifest")]
    pub inputs: Vec<PathBuf>,
    /// Output directory: calls/<name>.json, summary.csv, agents.csv, summary.json.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Calls scored at once, sharing one model; their whisper runs take turns, one per 2 cores [default: cores, limited by memory at ~400 MB each].
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// CSV with a header row: file, agent, call_id, date, language, agent_channel, speakers.
    #[arg(long, value_name = "CSV")]
    pub manifest: Option<PathBuf>,
    /// Regex giving the agent id from the file's relative path (group `agent`,
    /// else group 1) when the manifest does not; default: the file name up to its first _ or -.
    #[arg(long, value_name = "REGEX", default_value = callcoach::batch::DEFAULT_AGENT_PATTERN,
          value_parser = parse_regex, hide_default_value = true)]
    pub agent_pattern: regex::Regex,
    /// Score only shard K of N (1-based), for running N machines (docs/batch.md).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<callcoach::batch::shard::Shard>,
    /// Score again calls already scored with the same model and profile.
    #[arg(long)]
    pub force: bool,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also write the visual report: calls/<name>.html per call and index.html
    /// (docs/html-report.md).
    #[arg(long)]
    pub html: bool,
    /// How the HTML pages carry the audio.
    #[command(flatten)]
    pub embed: EmbedArg,
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

/// Arguments of `merge`.
#[derive(clap::Args)]
pub struct MergeArgs {
    /// Output directories of `callcoach batch` runs (e.g. one per shard).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where the joined calls and tables go (may be one of the DIRs).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
}

/// `batch`: plan, skip what is done, score the rest on `--jobs` workers
/// sharing one model, write the tables. Exit 0 when every call is scored,
/// 1 when some failed, 2 when the batch could not start. Progress goes to
/// stderr as `term` allows (bars on a terminal), the totals to stdout.
pub fn batch(args: BatchArgs, term: &Term) -> Result<ExitCode> {
    use callcoach::batch::{self, BatchConfig, BatchError};
    let mut base = match args.call.options(&args.decode) {
        Ok(o) => o,
        Err(e) => return usage_error(e),
    };
    let model = match model::resolve_model(args.model.model.as_deref()) {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let (profile, profile_name) = match args.call.profile() {
        Ok(p) => p,
        Err(e) => return usage_error(e),
    };
    let jobs = args.jobs.map_or_else(batch::default_jobs, usize::from);
    let share = batch::RunShare::new(jobs, args.decode.threads);
    base.decode.threads = share.threads;
    let cfg = BatchConfig {
        inputs: args.inputs,
        out: args.out,
        manifest: args.manifest,
        agent_pattern: args.agent_pattern,
        shard: args.shard,
        force: args.force,
        base,
        model_fingerprint: batch::model_fingerprint(&model),
        profile_fingerprint: batch::profile_fingerprint(&profile),
        html: args.html.then(|| callcoach::report::HtmlOptions {
            redacted_copy: true,
            ..args.embed.options()
        }),
    };
    let mut planned = match batch::prepare(&cfg) {
        Ok(p) => p,
        Err(BatchError::Usage(e)) => return usage_error(e),
        Err(e) => return Err(e.into()),
    };
    let mode = Mode::pick(args.quiet, term);
    let pending = planned.iter().filter(|p| !p.done).count();
    let stats = if pending > 0 {
        let mut recognizer = match load_recognizer(&model) {
            Ok(r) => r,
            Err(e) => return usage_error(e),
        };
        recognizer.set_lanes(share.runs);
        batch::return_freed_memory();
        let mut scorer = Scorer::new(&recognizer, profile, profile_name);
        args.call.apply_roles(&mut scorer);
        batch::score_pending(
            &scorer,
            &cfg.out,
            &mut planned,
            jobs,
            &mut Display::new(mode, term.stderr_color),
            cfg.html.as_ref(),
        )?
    } else {
        batch::RunStats {
            calls: planned.len(),
            skipped: planned.len(),
            ..Default::default()
        }
    };
    let rows = batch::write_summary(&cfg.out, &planned)?;
    if cfg.html.is_some() {
        callcoach::report::write_index(&cfg.out, &rows)?;
    }
    let failed = rows.iter().filter(|r| !r.scored()).count();
    let speed = if stats.wall_s > 0.0 {
        format!(
            ", {:.1} audio min in {:.1} wall min ({:.1}x real time, {} jobs)",
            stats.audio_s / 60.0,
            stats.wall_s / 60.0,
            stats.audio_s / stats.wall_s,
            jobs
        )
    } else {
        String::new()
    };
    println!(
        "{} calls{}: {} scored now, {} skipped (already scored), {} failed{speed}; summary in {}",
        stats.calls,
        cfg.shard
            .map(|s| format!(" (shard {s})"))
            .unwrap_or_default(),
        stats.scored,
        stats.skipped,
        failed,
        cfg.out.join("summary.csv").display()
    );
    Ok(exit_for(failed))
}

/// `merge`: joins shard outputs; exit 1 when the joined summary lists failures.
pub fn merge(args: MergeArgs) -> Result<ExitCode> {
    let (rows, warnings) = match callcoach::batch::merge(&args.dirs, &args.out) {
        Ok(r) => r,
        Err(callcoach::batch::BatchError::Usage(e)) => return usage_error(e),
        Err(e) => return Err(e.into()),
    };
    for w in warnings {
        log::warn!("{w}");
    }
    let failed = rows.iter().filter(|r| !r.scored()).count();
    println!(
        "{} calls merged: {} scored, {failed} failed; summary in {}",
        rows.len(),
        rows.len() - failed,
        args.out.join("summary.csv").display()
    );
    Ok(exit_for(failed))
}

fn parse_regex(s: &str) -> std::result::Result<regex::Regex, String> {
    regex::Regex::new(s).map_err(|e| e.to_string().lines().last().unwrap_or("").to_string())
}

fn parse_shard(s: &str) -> std::result::Result<callcoach::batch::shard::Shard, String> {
    s.parse()
}
