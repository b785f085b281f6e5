//! The worker pool: N threads share one loaded model.
//!
//! Workers take the next call from a shared index (an `AtomicUsize` over the
//! job list) and score it with the shared [`Scorer`]; whisper.cpp's context
//! is read-only and each transcription creates its own state, so one model
//! load serves every worker. Stage changes and results go over an mpsc
//! channel to the calling thread, which alone writes files and draws
//! progress.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use crate::scorecard::series::CallSeries;
use crate::scorecard::{ScoreOptions, Scorecard, Scorer};

/// One call for the pool.
#[derive(Debug, Clone)]
pub struct Job {
    /// The recording.
    pub path: PathBuf,
    /// How to read it.
    pub opts: ScoreOptions,
}

/// A scored call: the scorecard and the time series its page draws.
#[derive(Debug)]
pub struct Scored {
    /// The scorecard.
    pub card: Scorecard,
    /// Pitch, loudness and rate over time (for `--html`).
    pub series: CallSeries,
}

/// What the workers report.
#[derive(Debug)]
pub enum Event {
    /// Worker `worker` started stage `stage` of job `job`.
    Stage {
        /// Worker index.
        worker: usize,
        /// Job index.
        job: usize,
        /// Stage name (decode, transcribe, structure, voice, findings).
        stage: String,
    },
    /// Job `job` is done.
    Done {
        /// Worker index.
        worker: usize,
        /// Job index.
        job: usize,
        /// The scored call, or the one-line reason it failed.
        result: Result<Box<Scored>, String>,
        /// Wall time (s).
        elapsed_s: f64,
    },
}

/// Scores `jobs` with `workers` threads, handing every event to `on_event`
/// on the calling thread. When `on_event` returns `false` the workers take
/// no new job and the pool ends after the running ones. A panic while
/// scoring a call becomes that call's failure.
pub fn run_pool(
    scorer: &Scorer,
    jobs: &[Job],
    workers: usize,
    mut on_event: impl FnMut(Event) -> bool,
) {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for worker in 0..workers.clamp(1, jobs.len().max(1)) {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            s.spawn(move || loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let job = next.fetch_add(1, Ordering::Relaxed);
                let Some(j) = jobs.get(job) else { break };
                let t0 = Instant::now();
                let mut report = |stage: &str| {
                    let _ = tx.send(Event::Stage {
                        worker,
                        job,
                        stage: stage.to_string(),
                    });
                };
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    scorer.score_for_report(&j.path, &j.opts, &mut report)
                }));
                let result = match result {
                    Ok(Ok((card, series))) => Ok(Box::new(Scored { card, series })),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err(format!(
                        "{}: internal error while scoring (a bug: please report it)",
                        j.path.display()
                    )),
                };
                let _ = tx.send(Event::Done {
                    worker,
                    job,
                    result,
                    elapsed_s: t0.elapsed().as_secs_f64(),
                });
            });
        }
        drop(tx);
        for event in rx {
            if !on_event(event) {
                stop.store(true, Ordering::Relaxed);
            }
        }
    });
}
