//! What a batch run tells its caller while it scores: the [`Progress`]
//! trait, called on the thread that runs [`super::score_pending`]. The
//! library decides nothing about showing it; the command line draws bars or
//! prints lines on stderr, a test may count the calls, [`Silent`] drops
//! them.

/// A note about the run, not about one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice<'a> {
    /// `skipped` of the run's `calls` were scored before with the same
    /// model, profile and options.
    Skipped {
        /// Calls skipped.
        skipped: usize,
        /// Calls in the run.
        calls: usize,
    },
    /// The first call that split a mono recording without the speaker
    /// model ([`crate::scorecard::Scorer::speaker_model_notice`]); the
    /// text says how to get it.
    SpeakerModel(&'a str),
}

/// A call that a worker finished.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finished<'a> {
    /// The worker (0-based).
    pub worker: usize,
    /// The call's path relative to its input.
    pub file: &'a str,
    /// Its overall score, or the one-line reason it failed.
    pub outcome: Result<u8, &'a str>,
    /// Audio of the call (s).
    pub audio_s: f64,
    /// Wall time it took (s).
    pub elapsed_s: f64,
}

/// Receives a batch run's events; every method has an empty default.
pub trait Progress {
    /// Scoring starts: `calls` calls holding `audio_s` seconds of audio (as
    /// far as known beforehand) on `workers` workers.
    fn start(&mut self, workers: usize, calls: usize, audio_s: f64) {
        let _ = (workers, calls, audio_s);
    }

    /// Worker `worker` is at `stage` (decode, transcribe, …) of `file`.
    fn stage(&mut self, worker: usize, file: &str, stage: &str) {
        let _ = (worker, file, stage);
    }

    /// A worker finished a call.
    fn finished(&mut self, call: Finished<'_>) {
        let _ = call;
    }

    /// A note about the run.
    fn notice(&mut self, notice: Notice<'_>) {
        let _ = notice;
    }

    /// Scoring ended (also after a write error stopped it).
    fn end(&mut self) {}
}

/// Shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {}
