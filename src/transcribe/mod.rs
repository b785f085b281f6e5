//! Speech recognition with whisper.cpp (through whisper-rs).
//!
//! [`Recognizer`] loads a GGML model once ([`model`]) and transcribes any
//! number of channels with it. The data of a call flows one way through
//! the stages, one module each:
//!
//! 1. [`gate`]: the speech of each channel (energy, with Silero VAD if
//!    asked for); a silent channel never reaches whisper, which would
//!    invent words in silence.
//! 2. [`plan`]: the speech shared out among whisper runs side by side (or
//!    one run per call when [`lanes`] limit the runs going at once).
//! 3. [`decode`]: one whisper run per piece, its 30 s encoder window
//!    shortened by [`window`]; [`words`] times its tokens as words by DTW
//!    alignment and drops the words whisper placed where the channel holds
//!    no speech (listed as
//!    [`NoSpeech`](crate::transcript::DropReason::NoSpeech); a confident
//!    word the alignment put just beside its speech is moved onto it
//!    instead).
//! 4. [`guard`]: repetition loops (the same phrase over and over, see
//!    [`find_loops`] and [`compression_ratio`]) are decoded again without
//!    the previous text as prompt and with temperature fallback; what still
//!    loops is dropped and listed in [`Transcript::dropped`].
//!
//! The library prints nothing: timings go to the `log` facade at info level
//! under [`PROFILE_TARGET`].

use std::path::{Path, PathBuf};

use crate::transcript::Transcript;
use decode::{Decoder, FIRST_PASS};
use gate::{Silero, Speech, VadError};
use lanes::Lanes;
use model::Model;
use plan::Plan;

pub mod decode;
pub mod gate;
pub mod guard;
pub mod lanes;
pub mod model;
pub mod plan;
pub mod window;
pub mod words;

pub use guard::{
    compression_ratio, find_loops, COMPRESSION_RATIO_THRESHOLD, LOOP_MAX_WORDS, LOOP_MIN_REPEATS,
    LOOP_MIN_WORDS,
};
pub use model::ModelShape;

/// The `log` target of the profiling lines (docs/performance.md): the
/// speech found in each channel, the plan of whisper runs, and each run's
/// audio length, windows, tokens and time, at info level.
pub const PROFILE_TARGET: &str = "callcoach::profile";

/// Why speech recognition failed. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// The model file is missing.
    #[error("model file {} not found: run `callcoach model fetch {}` (or pass --model PATH)", .0.display(), crate::model::fetch_name(.0))]
    ModelMissing(PathBuf),
    /// The model file is not a GGML whisper model.
    #[error("{path}: not a whisper GGML model ({why})")]
    BadModel {
        /// The model path.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The model file's GGML header is missing or wrong (the model layer's
    /// reader, [`crate::model::HParams::read_path`], names the file).
    #[error("not a whisper GGML model: {0}")]
    NotGgml(crate::model::ModelError),
    /// The Silero VAD file could not be used.
    #[error("{}: speech detection failed: {why}", .path.display())]
    Vad {
        /// The VAD model path.
        path: PathBuf,
        /// What went wrong.
        #[source]
        why: VadError,
    },
    /// whisper.cpp failed.
    #[error("whisper failed on {path}: {why}")]
    Whisper {
        /// The model or audio path concerned.
        path: PathBuf,
        /// whisper.cpp's complaint.
        why: String,
    },
}

/// Options of one transcription.
#[derive(Debug, Clone)]
pub struct Options {
    /// Language code ("de", "en"), or `None` to detect it.
    pub language: Option<String>,
    /// Threads for whisper.cpp.
    pub threads: usize,
    /// Beam width; 1 means greedy decoding.
    pub beam_size: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            language: None,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            beam_size: 1,
        }
    }
}

/// A loaded whisper model, shareable between threads.
pub struct Recognizer {
    model: Model,
    /// The Silero VAD that joins the energy test of the [`gate`]; `None`:
    /// energy alone.
    vad: Option<Silero>,
    /// Whisper runs allowed at once among the threads sharing this
    /// recognizer; `None`: no limit, and a call's speech is shared out
    /// among one run per thread ([`plan`]).
    lanes: Option<Lanes>,
}

impl Recognizer {
    /// Loads a GGML model, with DTW word alignment when its size is known.
    /// Speech is found by energy alone until [`Recognizer::set_vad`] adds
    /// Silero VAD.
    pub fn load(path: &Path) -> Result<Self, TranscribeError> {
        Ok(Recognizer {
            model: Model::load(path)?,
            vad: None,
            lanes: None,
        })
    }

    /// Lets at most `n` whisper runs go at once, whatever the number of
    /// threads calling this recognizer (`batch`; see [`lanes`]). Each call
    /// is then decoded in one run, its channels one after the other, with
    /// all of [`Options::threads`].
    pub fn set_lanes(&mut self, n: usize) {
        self.lanes = Some(Lanes::new(n));
    }

    /// The Silero VAD that finds the speech sent to whisper, if any (see
    /// [`gate`]).
    pub fn vad(&self) -> Option<&Silero> {
        self.vad.as_ref()
    }

    /// Uses `vad` (or, with `None`, energy alone) to find speech.
    pub fn set_vad(&mut self, vad: Option<Silero>) {
        self.vad = vad;
    }

    /// The model file this recognizer was loaded from.
    pub fn path(&self) -> &Path {
        &self.model.path
    }

    /// The model's hyper-parameters.
    pub fn shape(&self) -> ModelShape {
        self.model.shape
    }

    /// Transcribes 16 kHz mono samples.
    ///
    /// A channel without speech (see [`gate::SILENCE_DBFS`]) gives an empty
    /// transcript instead of whisper's hallucinations.
    pub fn transcribe(
        &self,
        samples: &[f32],
        opts: &Options,
    ) -> Result<Transcript, TranscribeError> {
        let mut t = self.transcribe_channels(&[samples], opts)?;
        Ok(t.remove(0))
    }

    /// Transcribes the channels of one call (16 kHz each), one transcript
    /// per channel, times on each channel's timeline.
    ///
    /// Only speech goes to whisper ([`gate`]). The threads are shared
    /// out among runs side by side, one thread each, and the speech among
    /// the runs, a long channel cut at a pause where that evens them out
    /// ([`plan`], docs/performance.md); with lanes set
    /// ([`Recognizer::set_lanes`]) the call is decoded in one run with all
    /// the threads, once a lane is free. Without a language and with more
    /// than one piece, it is detected once on the first channel's speech and
    /// used for all: the parties of a call speak one language.
    pub fn transcribe_channels(
        &self,
        channels: &[&[f32]],
        opts: &Options,
    ) -> Result<Vec<Transcript>, TranscribeError> {
        self.transcribe_channels_beside(channels, opts, || ())
            .map(|(t, ())| t)
    }

    /// [`Recognizer::transcribe_channels`], and `work` done on the thread
    /// of the first whisper run to finish: runs side by side rarely end
    /// together, and the core of the first would otherwise wait for the
    /// others. `score` measures the voice of a stereo call there, which
    /// needs no transcript. Without speech to decode, `work` runs on the
    /// calling thread. A failed run returns its error; `work` may then not
    /// have run.
    pub fn transcribe_channels_beside<R: Send>(
        &self,
        channels: &[&[f32]],
        opts: &Options,
        work: impl FnOnce() -> R + Send,
    ) -> Result<(Vec<Transcript>, R), TranscribeError> {
        let speech = channels
            .iter()
            .map(|samples| gate::channel_speech(samples, self.vad.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        let max_runs = if self.lanes.is_some() {
            1
        } else {
            opts.threads
        };
        let plan = plan::plan(
            &speech.iter().map(Option::as_ref).collect::<Vec<_>>(),
            opts.threads,
            max_runs,
        );
        log::info!(target: PROFILE_TARGET, "{}", plan.describe());
        let mut opts = opts.clone();
        if opts.language.is_none() && self.model.shape.multilingual() && plan.pieces() > 1 {
            opts.language = self.call_language(channels, &speech, opts.threads)?;
        }
        let (decoded, worked) = self.decode_plan(channels, &plan, &opts, work)?;
        let mut transcripts = Vec::with_capacity(channels.len());
        for (t, samples) in decoded.into_iter().zip(channels) {
            let mut t = t.unwrap_or_else(|| decode::empty_transcript(&opts));
            guard::redecode_loops(self.decoder(), self.vad.as_ref(), samples, &opts, &mut t)?;
            transcripts.push(t);
        }
        Ok((transcripts, worked))
    }

    /// What a decoding needs of this recognizer.
    fn decoder(&self) -> Decoder<'_> {
        Decoder {
            model: &self.model,
            lanes: self.lanes.as_ref(),
        }
    }

    /// The language of a call: whisper's guess on the speech of its first
    /// channel that has any (`None` without speech).
    fn call_language(
        &self,
        channels: &[&[f32]],
        speech: &[Option<Speech>],
        threads: usize,
    ) -> Result<Option<String>, TranscribeError> {
        let first = speech.iter().zip(channels).find_map(|(s, samples)| {
            s.as_ref()
                .filter(|s| !s.spans.is_empty())
                .map(|s| s.chunk().join(samples))
        });
        first
            .map(|joined| self.decoder().detect_language(&joined, threads))
            .transpose()
    }

    /// Decodes the pieces of `plan`, each run on a thread of its own with
    /// [`Plan::threads`] threads, and does `work` on the thread of the
    /// first run to finish (or here, without runs). Returns per channel its
    /// pieces joined in time order (`None` for a channel without any), and
    /// what `work` returned.
    fn decode_plan<R: Send>(
        &self,
        channels: &[&[f32]],
        plan: &Plan,
        opts: &Options,
        work: impl FnOnce() -> R + Send,
    ) -> Result<(Vec<Option<Transcript>>, R), TranscribeError> {
        let per_run = Options {
            threads: plan.threads,
            ..opts.clone()
        };
        let decoder = self.decoder();
        // The first run to finish takes `work` out and does it.
        let work = std::sync::Mutex::new(Some(work));
        let done = std::sync::Mutex::new(None);
        let decoded = std::thread::scope(|scope| {
            let runs: Vec<_> = plan
                .runs
                .iter()
                .map(|pieces| {
                    let (per_run, work, done) = (&per_run, &work, &done);
                    scope.spawn(move || {
                        let decoded = pieces
                            .iter()
                            .map(|p| {
                                let samples = channels[p.channel];
                                let t =
                                    decoder.decode_chunk(samples, &p.chunk, per_run, FIRST_PASS)?;
                                Ok((p.channel, t))
                            })
                            .collect::<Result<Vec<_>, TranscribeError>>();
                        let mine = work.lock().unwrap_or_else(|e| e.into_inner()).take();
                        if let Some(work) = mine {
                            let r = work();
                            *done.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                        }
                        decoded
                    })
                })
                .collect();
            runs.into_iter()
                .map(|run| run.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect::<Result<Vec<_>, _>>()
        })?;
        let worked = match done.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(r) => r,
            None => {
                let work = work.into_inner().unwrap_or_else(|e| e.into_inner());
                work.expect("work is taken only by a run that also stores its result")()
            }
        };
        let mut out: Vec<Option<Transcript>> = vec![None; channels.len()];
        // Runs in order hold each channel's pieces in time order.
        for (channel, piece) in decoded.into_iter().flatten() {
            match &mut out[channel] {
                Some(t) => {
                    t.segments.extend(piece.segments);
                    t.dropped.extend(piece.dropped);
                }
                slot => *slot = Some(piece),
            }
        }
        Ok((out, worked))
    }
}
