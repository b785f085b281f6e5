//! Batch scoring: a day's recordings in, per-call and per-agent results out
//! (docs/batch.md).
//!
//! [`prepare`] turns the inputs into calls ([`plan`]), applies the shard
//! ([`shard`]) and the manifest ([`manifest`]) and marks the calls already
//! scored with the same model, profile and options; [`score_pending`] scores
//! the rest on a pool of workers sharing one model ([`run`]) and stores each
//! result atomically ([`store`]); [`write_summary`] and [`merge`] write the
//! tables ([`summary`]). [`progress`] is how a run reports what it does;
//! showing it is the caller's job.

pub mod manifest;
pub mod plan;
pub mod progress;
pub mod run;
pub mod shard;
pub mod store;
pub mod summary;

use std::path::{Path, PathBuf};

use regex::Regex;
use sha2::{Digest, Sha256};

use crate::findings::Profile;
use crate::output::{layout, CallRow};
use crate::report::HtmlOptions;
use crate::scorecard::{ScoreOptions, Scorer};
use crate::structure::{Channel, StructureParams};
use manifest::Manifest;
use plan::Input;
use progress::{Finished, Notice, Progress};
use shard::Shard;
use store::{CallMeta, Fingerprint, Stored};

/// The default `--agent-pattern`: the agent id is the file name up to its
/// first `_` or `-` (`anna_2024-05-02_0931.wav` → `anna`).
pub const DEFAULT_AGENT_PATTERN: &str = r"(?P<agent>[^/_-]+)[_-][^/]*$";

/// Memory one worker needs with the base model (MB): whisper state, audio
/// and features of a 10-minute call; the model itself is shared.
pub const WORKER_MEMORY_MB: u64 = 400;

/// Why a batch could not run.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Bad arguments, manifest or inputs: nothing was scored (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// Results could not be written.
    #[error("{0}")]
    Io(String),
}

/// What a batch run is asked to do.
#[derive(Debug, Clone)]
pub struct BatchConfig {
    /// Files, directories and globs.
    pub inputs: Vec<PathBuf>,
    /// Output directory.
    pub out: PathBuf,
    /// Manifest CSV.
    pub manifest: Option<PathBuf>,
    /// Agent id from the input's relative path (group `agent`, else group 1,
    /// else the whole match).
    pub agent_pattern: Regex,
    /// This machine's share of the inputs.
    pub shard: Option<Shard>,
    /// Score again even when a matching scorecard exists.
    pub force: bool,
    /// Per-call options from the command line (the manifest overrides them).
    pub base: ScoreOptions,
    /// The model's fingerprint ([`model_fingerprint`]).
    pub model_fingerprint: String,
    /// The profile's fingerprint ([`profile_fingerprint`]).
    pub profile_fingerprint: String,
    /// `--html`: a page per call (`calls/<name>.html`) and `index.html`.
    pub html: Option<HtmlOptions>,
}

/// One call of the batch, ready to score or already done.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The input.
    pub input: Input,
    /// Its batch record (elapsed time filled in when scored).
    pub meta: CallMeta,
    /// How to read it.
    pub opts: ScoreOptions,
    /// Already scored with the same fingerprint: nothing to do.
    pub done: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStats {
    /// Calls in this run (this shard).
    pub calls: usize,
    /// Scored now.
    pub scored: usize,
    /// Skipped: scored before with the same fingerprint.
    pub skipped: usize,
    /// Failed now.
    pub failed: usize,
    /// Audio scored now (s).
    pub audio_s: f64,
    /// Wall time of the scoring (s).
    pub wall_s: f64,
}

/// Threads of one whisper run in a batch unless `--threads` says otherwise.
/// Two threads per run hold half the whisper states that one thread per
/// run does, so `batch --jobs 2` stays under 600 MB (the batch memory aim), at some cost
/// in speed. On this project's 2 cores (docs/performance.md, "Batch"):
///
/// | calls | 2 threads per run | 1 thread per run (`--threads 1`) |
/// |---|---|---|
/// | the three real calls (12.7 audio min) | 12.1 audio min per wall min, 451 MB | 12.4, 698 MB |
/// | the ten fixture calls (39.2 audio min) | 12.5, 550 MB | 15.1, 805 MB |
pub const RUN_THREADS: usize = 2;

/// How a batch lays its whisper work on the cores: `runs` whisper runs at
/// once (the recognizer's lanes, [`crate::transcribe::lanes`]), `threads`
/// each. The jobs share the runs: a call waits for a free run while the
/// others decode, and reads its audio and measures its voice meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunShare {
    /// Whisper runs at once.
    pub runs: usize,
    /// Threads of each run.
    pub threads: usize,
}

impl RunShare {
    /// [`RUN_THREADS`] (or `threads`) per run, as many runs as the cores
    /// hold, but no more than `jobs`.
    pub fn new(jobs: usize, threads: Option<usize>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::for_cores(cores, jobs, threads)
    }

    fn for_cores(cores: usize, jobs: usize, threads: Option<usize>) -> Self {
        let threads = threads.unwrap_or(RUN_THREADS.min(cores)).max(1);
        RunShare {
            runs: (cores / threads).clamp(1, jobs.max(1)),
            threads,
        }
    }
}

/// Makes glibc give freed memory back to the system at once: blocks of
/// 1 MiB and more are mapped on their own and unmapped when freed, and the
/// heap is trimmed past 1 MiB of free space. Without it, the buffers that
/// each whisper run allocates and frees (a few MB to tens of MB) stay in
/// the heap of the worker thread that freed them, one heap per worker:
/// `batch --jobs 2` on the three real calls peaked at 652 MB, with it at
/// 480 MB, as fast (docs/performance.md, "Batch"). No effect elsewhere than
/// glibc.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before the
    // worker threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 20);
    }
}

/// Default worker count: the cores, but no more than available memory
/// allows at [`WORKER_MEMORY_MB`] per worker; at least 1.
pub fn default_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let by_memory = available_memory_mb().map_or(usize::MAX, |mb| (mb / WORKER_MEMORY_MB) as usize);
    cores.min(by_memory).max(1)
}

/// `MemAvailable` from /proc/meminfo (Linux), in MB.
fn available_memory_mb() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Model fingerprint: file name, size and modification time of the whisper
/// model and, when there is one beside it, of the speaker model that splits
/// mono calls (cheap; a re-downloaded or converted model, or fetching the
/// speaker model, changes it).
pub fn model_fingerprint(path: &Path) -> String {
    let speaker = crate::structure::ge2e::SpeakerModel::beside(path)
        .map(|m| format!("+{}", file_fingerprint(m.path())))
        .unwrap_or_default();
    format!("{}{speaker}", file_fingerprint(path))
}

/// File name, size and modification time.
fn file_fingerprint(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = std::fs::metadata(path).ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let mtime = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    format!("{name}:{size}:{mtime}")
}

/// Profile fingerprint: SHA-256 of the effective profile (defaults with the
/// user's file laid over them) and the analysis parameters, so an edit that
/// changes any threshold changes it, and renaming the file does not.
pub fn profile_fingerprint(profile: &Profile) -> String {
    let text = format!(
        "{profile:?}\n{:?}\n{:?}\n{}",
        crate::features::FeatureParams::default(),
        StructureParams::default(),
        crate::scorecard::SCHEMA_VERSION
    );
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn options_fingerprint(o: &ScoreOptions) -> String {
    format!(
        "language={};agent_channel={};speakers={};agent_speaks_first={};beam_size={};pii={:?}",
        o.language.as_deref().unwrap_or("auto"),
        match o.agent_channel {
            Channel::Left => "left",
            Channel::Right => "right",
        },
        o.speakers,
        o.agent_speaks_first,
        o.decode.beam_size,
        o.pii
    )
}

/// The agent id of an input: group `agent` of the pattern, else group 1,
/// else the whole match; "unknown" when it does not match.
pub fn agent_from_path(pattern: &Regex, rel: &str) -> String {
    let stem = match rel.rfind('.') {
        Some(i) if !rel[i..].contains('/') => &rel[..i],
        _ => rel,
    };
    pattern
        .captures(stem)
        .and_then(|c| c.name("agent").or_else(|| c.get(1)).or_else(|| c.get(0)))
        .map(|m| m.as_str().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Plans the batch: inputs (or the manifest's files when no input is
/// given), this shard's share, per-call options and which calls are done.
/// Creates the output directory and removes stale temporary files.
pub fn prepare(cfg: &BatchConfig) -> Result<Vec<Planned>, BatchError> {
    let manifest = cfg.manifest.as_deref().map(Manifest::load).transpose()?;
    let inputs = match (&manifest, cfg.inputs.is_empty()) {
        (Some(m), true) => m.files.clone(),
        _ => cfg.inputs.clone(),
    };
    let calls = plan::plan(&inputs)?;
    std::fs::create_dir_all(layout::calls_dir(&cfg.out)).map_err(|e| {
        BatchError::Usage(format!(
            "{}: cannot create the output directory: {e}",
            cfg.out.display()
        ))
    })?;
    store::remove_stale_temps(&cfg.out);
    let mut planned = Vec::new();
    for input in calls {
        if cfg.shard.is_some_and(|s| !s.takes(&input.rel)) {
            continue;
        }
        let entry = manifest
            .as_ref()
            .and_then(|m| m.lookup(&input.path))
            .cloned()
            .unwrap_or_default();
        let mut opts = cfg.base.clone();
        if let Some(l) = &entry.language {
            opts.language = (l != "auto").then(|| l.clone());
        }
        if let Some(c) = &entry.agent_channel {
            opts.agent_channel = if c == "right" {
                Channel::Right
            } else {
                Channel::Left
            };
        }
        if let Some(s) = entry.speakers {
            opts.speakers = s;
        }
        let fingerprint = Fingerprint {
            model: cfg.model_fingerprint.clone(),
            profile: cfg.profile_fingerprint.clone(),
            options: options_fingerprint(&opts),
            input_size: std::fs::metadata(&input.path).map_or(0, |m| m.len()),
        };
        let meta = CallMeta {
            name: input.name.clone(),
            file: input.rel.clone(),
            source: input.path.display().to_string(),
            agent: entry
                .agent
                .clone()
                .unwrap_or_else(|| agent_from_path(&cfg.agent_pattern, &input.rel)),
            call_id: entry.call_id.clone(),
            date: entry.date.clone(),
            duration_s: crate::audio::probe(&input.path)
                .ok()
                .map(|i| i.duration_s()),
            elapsed_s: 0.0,
            fingerprint,
        };
        let done = !cfg.force
            && matches!(store::read_call(&cfg.out, &input.name),
                Some(Stored::Scored(old, _)) if old.fingerprint == meta.fingerprint)
            && (cfg.html.is_none() || page_is_current(&cfg.out, &input.name));
        planned.push(Planned {
            input,
            meta,
            opts,
            done,
        });
    }
    Ok(planned)
}

/// Whether a call's page exists and is not older than its scorecard (the
/// page needs the time series of a scoring run, so a call scored without
/// `--html` is scored again to get one).
fn page_is_current(out: &Path, name: &str) -> bool {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (
        modified(layout::page_path(out, name)),
        modified(layout::scorecard_path(out, name)),
    ) {
        (Some(page), Some(card)) => page >= card,
        _ => false,
    }
}

/// Scores the calls of `planned` not yet done, `jobs` at a time, storing
/// each result (and with `html` its page) as it arrives; a call that fails
/// is recorded and the batch goes on. What happens is told to `progress`.
pub fn score_pending(
    scorer: &Scorer,
    out: &Path,
    planned: &mut [Planned],
    jobs: usize,
    progress: &mut dyn Progress,
    html: Option<&HtmlOptions>,
) -> Result<RunStats, BatchError> {
    let todo: Vec<usize> = (0..planned.len()).filter(|&i| !planned[i].done).collect();
    let work: Vec<run::Job> = todo
        .iter()
        .map(|&i| run::Job {
            path: planned[i].input.path.clone(),
            opts: planned[i].opts.clone(),
        })
        .collect();
    let audio_total: f64 = todo
        .iter()
        .filter_map(|&i| planned[i].meta.duration_s)
        .sum();
    let mut stats = RunStats {
        calls: planned.len(),
        skipped: planned.len() - todo.len(),
        ..RunStats::default()
    };
    progress.start(jobs.min(work.len()).max(1), work.len(), audio_total);
    if stats.skipped > 0 {
        progress.notice(Notice::Skipped {
            skipped: stats.skipped,
            calls: stats.calls,
        });
    }
    let t0 = std::time::Instant::now();
    let mut failure: Option<String> = None;
    let mut noticed = false;
    run::run_pool(scorer, &work, jobs, |event| match event {
        run::Event::Stage { worker, job, stage } => {
            progress.stage(worker, &planned[todo[job]].input.rel, &stage);
            true
        }
        run::Event::Done {
            worker,
            job,
            result,
            elapsed_s,
        } => {
            let p = &mut planned[todo[job]];
            p.meta.elapsed_s = (elapsed_s * 10.0).round() / 10.0;
            let (outcome, saved, audio_s) = match result {
                Ok(scored) => {
                    let card = &scored.card;
                    if let (false, Some(n)) = (noticed, scorer.speaker_model_notice(card)) {
                        progress.notice(Notice::SpeakerModel(&n));
                        noticed = true;
                    }
                    let audio_s = card.duration_ms as f64 / 1000.0;
                    p.meta.duration_s = Some(audio_s);
                    let outcome = Ok(card.overall_score);
                    let value = serde_json::to_value(card).expect("serialisable");
                    stats.scored += 1;
                    stats.audio_s += audio_s;
                    let saved = store::save_scored(out, &p.meta, value).map(|_| ());
                    if let (Ok(()), Some(opts)) = (&saved, html) {
                        let page = layout::page_path(out, &p.input.name);
                        if let Err(e) = crate::report::write_call_page(
                            &page,
                            card,
                            &scored.series,
                            &p.input.path,
                            opts,
                        ) {
                            failure = Some(e.to_string());
                            return false;
                        }
                    }
                    (outcome, saved, audio_s)
                }
                Err(why) => {
                    stats.failed += 1;
                    let saved = store::save_failed(out, &p.meta, &why);
                    (Err(why), saved, p.meta.duration_s.unwrap_or(0.0))
                }
            };
            progress.finished(Finished {
                worker,
                file: &p.input.rel,
                outcome: outcome.as_ref().copied().map_err(String::as_str),
                audio_s,
                elapsed_s,
            });
            if let Err(e) = saved {
                failure = Some(format!("{}: cannot write results: {e}", out.display()));
                return false;
            }
            true
        }
    });
    progress.end();
    stats.wall_s = t0.elapsed().as_secs_f64();
    match failure {
        Some(e) => Err(BatchError::Io(e)),
        None => Ok(stats),
    }
}

/// Writes summary.csv, agents.csv and summary.json for the calls of
/// `planned`, from their stored results. A call with no stored result (the
/// run was stopped before it) is left out.
pub fn write_summary(out: &Path, planned: &[Planned]) -> Result<Vec<CallRow>, BatchError> {
    let stored: Vec<Stored> = planned
        .iter()
        .filter_map(|p| store::read_call(out, &p.input.name))
        .collect();
    summary::write_tables(out, &stored)
        .map_err(|e| BatchError::Io(format!("{}: cannot write the summary: {e}", out.display())))
}

/// Joins the outputs of several batch runs (shards) into `out`: copies every
/// call file into `out/calls` and writes the tables over all of them. Shards
/// run with `--html` also bring their call pages (linked audio re-pointed)
/// and get one `index.html` over all calls. When two directories hold the
/// same call, a scorecard wins over a failure and otherwise the later
/// directory wins. Returns the rows and warnings.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<(Vec<CallRow>, Vec<String>), BatchError> {
    let mut all: std::collections::BTreeMap<String, (Stored, &Path)> = Default::default();
    let mut warnings = Vec::new();
    for dir in dirs {
        let calls = store::read_all(dir).map_err(|e| {
            BatchError::Usage(format!(
                "{}: not a batch output directory: {e}",
                dir.display()
            ))
        })?;
        for s in calls {
            let name = s.meta().name.clone();
            match all.get(&name) {
                Some((Stored::Scored(..), _)) if matches!(s, Stored::Failed(..)) => continue,
                Some((_, prev)) => warnings.push(format!(
                    "{name}: in {} and {}; keeping {}",
                    prev.display(),
                    dir.display(),
                    dir.display()
                )),
                None => {}
            }
            all.insert(name, (s, dir.as_path()));
        }
    }
    std::fs::create_dir_all(layout::calls_dir(out)).map_err(|e| {
        BatchError::Usage(format!(
            "{}: cannot create the output directory: {e}",
            out.display()
        ))
    })?;
    store::remove_stale_temps(out);
    let same = |a: &Path| std::fs::canonicalize(a).ok() == std::fs::canonicalize(out).ok();
    let io = |e: std::io::Error| BatchError::Io(format!("{}: cannot write: {e}", out.display()));
    let mut pages = 0;
    for (name, (stored, from)) in &all {
        let page = layout::page_path(from, name);
        let has_page = matches!(stored, Stored::Scored(..)) && page.exists();
        pages += usize::from(has_page);
        if same(from) {
            continue;
        }
        match stored {
            Stored::Scored(m, card) => {
                store::save_scored(out, m, card.clone()).map_err(io)?;
            }
            Stored::Failed(m, e) => store::save_failed(out, m, e).map_err(io)?,
        }
        let out_page = layout::page_path(out, name);
        if has_page {
            let copied = crate::report::copy_call_page(&page, &out_page);
            warnings.extend(copied.map_err(|e| BatchError::Io(e.to_string()))?);
        } else if out_page.exists() {
            // A page from an earlier run would contradict the kept result.
            std::fs::remove_file(&out_page).map_err(io)?;
        }
    }
    let stored: Vec<Stored> = all.into_values().map(|(s, _)| s).collect();
    let rows = summary::write_tables(out, &stored).map_err(io)?;
    // The shards of `batch --html` get one index over all their calls.
    if pages > 0 {
        crate::report::write_index(out, &rows).map_err(|e| BatchError::Io(e.to_string()))?;
    }
    Ok((rows, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids_come_from_the_file_name_by_default() {
        let re = Regex::new(DEFAULT_AGENT_PATTERN).unwrap();
        assert_eq!(agent_from_path(&re, "anna_2024-05-02_0931.wav"), "anna");
        assert_eq!(agent_from_path(&re, "mon/ben-0007.wav"), "ben");
        assert_eq!(agent_from_path(&re, "mon/call.wav"), "unknown");
        let folder = Regex::new(r"^([^/]+)/").unwrap();
        assert_eq!(agent_from_path(&folder, "carla/x.wav"), "carla");
    }

    #[test]
    fn whisper_runs_take_two_threads_each_and_no_more_runs_than_jobs() {
        let share = |cores, jobs, threads| {
            let s = RunShare::for_cores(cores, jobs, threads);
            (s.runs, s.threads)
        };
        assert_eq!(share(2, 2, None), (1, 2));
        assert_eq!(share(2, 1, None), (1, 2));
        assert_eq!(share(1, 2, None), (1, 1));
        assert_eq!(share(8, 8, None), (4, 2));
        assert_eq!(share(8, 3, None), (3, 2));
        assert_eq!(share(2, 2, Some(1)), (2, 1));
        assert_eq!(share(4, 2, Some(4)), (1, 4));
        assert_eq!(share(4, 2, Some(8)), (1, 8));
    }
}
