//! Words as they come: whisper on sliding windows, on a worker thread.
//!
//! Every `hop_s` of audio the last `window_s` (mono, resampled to 16 kHz)
//! go to the worker; the words it finds that start after the last word
//! already shown are passed back with times on the stream's clock. A window
//! is handed over only when whisper is idle: when it is still busy with the
//! previous one the new window is skipped and counted, which is how the
//! caller learns (and says) that the machine does not keep up.

use crate::redact::{numbers, Party, Redactor};
use crate::transcribe::{Options, Recognizer, TranscribeError};
use crate::transcript::Word;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};

/// A window waiting for whisper: 16 kHz mono and its start on the stream's clock.
struct Job {
    samples: Vec<f32>,
    start_ms: u64,
    /// The stream's last window: nothing is held back for a next one.
    last: bool,
}

/// What the worker sends back for one window.
pub struct WindowWords {
    /// New words, times on the stream's clock.
    pub words: Vec<Word>,
    /// Seconds of audio in the window.
    pub audio_s: f64,
    /// Seconds whisper took.
    pub took_s: f64,
}

/// The caller's side: feeds windows, collects words.
pub struct WordFeed {
    rate: u32,
    window: Vec<f32>,
    window_len: usize,
    hop_len: usize,
    since_hop: usize,
    frames: u64,
    jobs: SyncSender<Job>,
    results: Receiver<Result<WindowWords, TranscribeError>>,
    /// Windows skipped because whisper was still busy.
    pub skipped: usize,
    /// Windows sent.
    pub sent: usize,
}

/// Starts the worker inside `scope` and returns the feed. Each window's
/// words are redacted by `redactor` (the whole window read together)
/// before the new ones are passed back.
pub fn start<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    recognizer: &'env Recognizer,
    opts: Options,
    redactor: Redactor,
    rate: u32,
    window_s: f64,
    hop_s: f64,
) -> WordFeed {
    let (jobs, job_rx) = sync_channel::<Job>(0);
    let (result_tx, results) = sync_channel(16);
    scope.spawn(move || {
        let mut shown_until_ms = 0u64;
        for job in job_rx {
            let started = std::time::Instant::now();
            let out = recognizer.transcribe(&job.samples, &opts).map(|mut t| {
                let language = t.language.clone();
                redactor.redact(&language, &mut [(Party::Unknown, &mut t)]);
                let mut words: Vec<Word> = t
                    .words()
                    .map(|w| Word {
                        start_ms: w.start_ms + job.start_ms,
                        end_ms: w.end_ms + job.start_ms,
                        ..w.clone()
                    })
                    .filter(|w| w.start_ms >= shown_until_ms)
                    .collect();
                if !job.last {
                    // Digits or letters at the window's end may be the
                    // start of a number or a spelling that the next
                    // window hears whole: they wait for it.
                    let keep = words.len()
                        - words
                            .iter()
                            .rev()
                            .take_while(|w| may_go_on(&w.text))
                            .count();
                    words.truncate(keep);
                }
                if let Some(last) = words.last() {
                    shown_until_ms = last.end_ms;
                }
                WindowWords {
                    words,
                    audio_s: job.samples.len() as f64 / 16_000.0,
                    took_s: started.elapsed().as_secs_f64(),
                }
            });
            if result_tx.send(out).is_err() {
                break;
            }
        }
    });
    WordFeed {
        rate,
        window: Vec::new(),
        window_len: (window_s * f64::from(rate)) as usize,
        hop_len: (hop_s * f64::from(rate)) as usize,
        since_hop: 0,
        frames: 0,
        jobs,
        results,
        skipped: 0,
        sent: 0,
    }
}

impl WordFeed {
    /// Adds mono samples; hands a window to whisper every hop.
    pub fn push(&mut self, mono: &[f32]) {
        self.window.extend_from_slice(mono);
        self.frames += mono.len() as u64;
        self.since_hop += mono.len();
        if self.window.len() > self.window_len {
            let cut = self.window.len() - self.window_len;
            self.window.drain(..cut);
        }
        if self.since_hop >= self.hop_len {
            self.since_hop = 0;
            self.send();
        }
    }

    /// Sends the current window, unless whisper is busy.
    pub fn send(&mut self) {
        if let Some(job) = self.job(false) {
            match self.jobs.try_send(job) {
                Ok(()) => self.sent += 1,
                Err(TrySendError::Full(_)) => self.skipped += 1,
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
    }

    /// The current window as a job for whisper.
    fn job(&self, last: bool) -> Option<Job> {
        let start_frame = self.frames - self.window.len() as u64;
        let samples = crate::audio::resample_mono(&self.window, self.rate, 16_000).ok()?;
        Some(Job {
            samples,
            start_ms: start_frame * 1000 / u64::from(self.rate),
            last,
        })
    }

    /// Results that have arrived, without waiting.
    pub fn ready(&self) -> Vec<Result<WindowWords, TranscribeError>> {
        self.results.try_iter().collect()
    }

    /// Sends the last window (waiting for whisper to take it), stops
    /// feeding and waits for the results still being worked on.
    pub fn finish(mut self) -> Vec<Result<WindowWords, TranscribeError>> {
        if let Some(job) = self.job(true) {
            if self.jobs.send(job).is_ok() {
                self.sent += 1;
            }
        }
        drop(self.jobs);
        self.results.iter().collect()
    }
}

/// Whether a word may belong to a number or a spelling that goes on after
/// it: digits or a number word ("4111", "oh", "double"), or one letter.
fn may_go_on(text: &str) -> bool {
    let letters = text.trim_matches(|c: char| c.is_ascii_punctuation());
    numbers::word_pieces(text).is_some() || letters.chars().count() == 1
}

#[cfg(test)]
mod tests {
    use super::may_go_on;

    #[test]
    fn digits_number_words_and_single_letters_may_go_on() {
        for w in [
            "4111",
            "0...1...6",
            "oh",
            "double",
            "zwo",
            "neunundachtzig",
            "C,",
            "l.",
        ] {
            assert!(may_go_on(w), "{w}");
        }
        for w in ["card", "number?", "Thank", "37.80", "[card]"] {
            assert!(!may_go_on(w), "{w}");
        }
    }
}
