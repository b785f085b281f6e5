//! Speech recognition with whisper.cpp (through whisper-rs).
//!
//! [`Recognizer`] loads a GGML model once and transcribes any number of
//! channels with it. Word times come from whisper.cpp's DTW token alignment
//! (the cross-attention heads of the model's alignment preset, as in
//! openai-whisper's `word_timestamps`), so they follow the audio instead of
//! being spread evenly over a segment.
//!
//! Two guards keep whisper's hallucinations out of the transcript:
//!
//! * Repetition loops (the same phrase over and over, see [`find_loops`] and
//!   [`compression_ratio`]) are decoded again without the previous text as
//!   prompt and with temperature fallback; what still loops is dropped and
//!   listed in [`Transcript::dropped`].
//! * Words placed where the channel holds no speech (noise, silence) are
//!   dropped (listed as [`DropReason::NoSpeech`]); a confident word the
//!   alignment put just beside its speech is moved onto it instead.

use std::fs::File;
use std::io::{Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use flate2::write::ZlibEncoder;
use flate2::Compression;

use whisper_rs::{
    DtwMode, DtwModelPreset, DtwParameters, FullParams, SamplingStrategy, WhisperContext,
    WhisperContextParameters,
};

use crate::audio::WHISPER_RATE;
use crate::transcript::{DropReason, DroppedSpan, Segment, Transcript, Word};
use crate::vad::{Chunk, Silero, Speech};
use lanes::Lanes;

pub mod lanes;
pub mod plan;
pub mod window;

/// Set this environment variable to have every whisper run print its audio
/// length, windows, tokens and time on stderr (docs/performance.md).
pub const PROFILE_ENV: &str = "CALLCOACH_PROFILE";

/// GGML magic number, read as a little-endian u32 (`lmgg` on disk).
const GGML_MAGIC: u32 = 0x6767_6d6c;

/// A channel whose loudest 30 ms frame stays below this level (dBFS) holds
/// no speech and is not sent to whisper, which would invent words in silence.
const SILENCE_DBFS: f32 = -50.0;

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
    /// The Silero VAD file could not be used.
    #[error("{}: speech detection failed: {why}", .path.display())]
    Vad {
        /// The VAD model path.
        path: PathBuf,
        /// What went wrong.
        why: String,
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

/// The hyper-parameters at the head of a GGML whisper file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelShape {
    /// Vocabulary size: 51864 for English-only models, 51865+ multilingual.
    pub n_vocab: i32,
    /// Encoder width (384 tiny, 512 base, 768 small, 1024 medium, 1280 large).
    pub n_audio_state: i32,
    /// Encoder layers.
    pub n_audio_layer: i32,
    /// Decoder layers.
    pub n_text_layer: i32,
    /// Mel bands (80, or 128 for large-v3).
    pub n_mels: i32,
}

impl ModelShape {
    /// Reads and checks the header of a GGML whisper model.
    pub fn read(path: &Path) -> Result<Self, TranscribeError> {
        let mut file = File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => TranscribeError::ModelMissing(path.to_path_buf()),
            _ => bad_model(path, e.to_string()),
        })?;
        let mut head = [0u8; 48];
        file.read_exact(&mut head)
            .map_err(|_| bad_model(path, "file too short".into()))?;
        let int = |i: usize| i32::from_le_bytes(head[4 * i..4 * i + 4].try_into().unwrap());
        if int(0) as u32 != GGML_MAGIC {
            return Err(bad_model(path, "wrong magic number".into()));
        }
        Ok(ModelShape {
            n_vocab: int(1),
            n_audio_state: int(3),
            n_audio_layer: int(5),
            n_text_layer: int(9),
            n_mels: int(10),
        })
    }

    /// Whether the model knows languages other than English.
    pub fn multilingual(&self) -> bool {
        self.n_vocab >= 51865
    }

    /// The DTW alignment-head preset for this model size, if one is known.
    pub fn dtw_preset(&self) -> Option<DtwModelPreset> {
        use DtwModelPreset::*;
        let ml = self.multilingual();
        Some(match (self.n_audio_state, self.n_text_layer, ml) {
            (384, _, false) => TinyEn,
            (384, _, true) => Tiny,
            (512, _, false) => BaseEn,
            (512, _, true) => Base,
            (768, _, false) => SmallEn,
            (768, _, true) => Small,
            (1024, _, false) => MediumEn,
            (1024, _, true) => Medium,
            (1280, 4, _) => LargeV3Turbo,
            (1280, _, _) if self.n_mels == 128 => LargeV3,
            (1280, _, _) => LargeV2,
            _ => return None,
        })
    }
}

fn bad_model(path: &Path, why: String) -> TranscribeError {
    TranscribeError::BadModel {
        path: path.to_path_buf(),
        why,
    }
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
    ctx: WhisperContext,
    path: PathBuf,
    shape: ModelShape,
    vad: Option<Silero>,
    /// Whisper runs allowed at once among the threads sharing this
    /// recognizer; `None`: no limit, and a call's speech is shared out
    /// among one run per thread ([`plan`]).
    lanes: Option<Lanes>,
}

impl Recognizer {
    /// Loads a GGML model, with DTW word alignment when its size is known.
    pub fn load(path: &Path) -> Result<Self, TranscribeError> {
        let shape = ModelShape::read(path)?;
        whisper_rs::install_logging_hooks();
        let mut params = WhisperContextParameters::default();
        if let Some(model_preset) = shape.dtw_preset() {
            params.dtw_parameters(DtwParameters {
                mode: DtwMode::ModelPreset { model_preset },
                ..DtwParameters::default()
            });
        }
        let ctx = WhisperContext::new_with_params(path, params)
            .map_err(|e| bad_model(path, format!("whisper.cpp could not load it: {e}")))?;
        let vad = Silero::from_env(path);
        Ok(Recognizer {
            ctx,
            path: path.to_path_buf(),
            shape,
            vad,
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
    /// [`crate::vad`]).
    pub fn vad(&self) -> Option<&Silero> {
        self.vad.as_ref()
    }

    /// Uses `vad` (or, with `None`, energy alone) to find speech.
    pub fn set_vad(&mut self, vad: Option<Silero>) {
        self.vad = vad;
    }

    /// The model file this recognizer was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The model's hyper-parameters.
    pub fn shape(&self) -> ModelShape {
        self.shape
    }

    /// Transcribes 16 kHz mono samples.
    ///
    /// A channel without speech (see [`SILENCE_DBFS`]) gives an empty
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
    /// Only speech goes to whisper ([`crate::vad`]). The threads are shared
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
            .map(|samples| self.speech(samples))
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
        if std::env::var_os(PROFILE_ENV).is_some() {
            eprintln!("callcoach profile: {}", plan.describe());
        }
        let mut opts = opts.clone();
        if opts.language.is_none() && self.shape.multilingual() && plan.pieces() > 1 {
            let first = speech.iter().zip(channels).find_map(|(s, samples)| {
                s.as_ref()
                    .filter(|s| !s.spans.is_empty())
                    .map(|s| s.chunk().join(samples))
            });
            if let Some(joined) = first {
                opts.language = Some(self.detect_language(&joined, opts.threads)?);
            }
        }
        let per_run = Options {
            threads: plan.threads,
            ..opts.clone()
        };
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
                                    self.decode_chunk(samples, &p.chunk, per_run, FIRST_PASS)?;
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
        let mut transcripts = Vec::with_capacity(channels.len());
        for (t, samples) in out.into_iter().zip(channels) {
            let mut t = t.unwrap_or_else(|| Transcript {
                language: opts.language.clone().unwrap_or_else(|| "en".into()),
                segments: Vec::new(),
                dropped: Vec::new(),
            });
            self.redecode_loops(samples, &opts, &mut t)?;
            transcripts.push(t);
        }
        Ok((transcripts, worked))
    }

    /// The speech of `samples`, or `None` for a channel without any (see
    /// [`SILENCE_DBFS`]).
    fn speech(&self, samples: &[f32]) -> Result<Option<Speech>, TranscribeError> {
        if peak_frame_dbfs(samples) < SILENCE_DBFS {
            return Ok(None);
        }
        let started = std::time::Instant::now();
        let speech =
            Speech::find(samples, self.vad.as_ref()).map_err(|why| TranscribeError::Vad {
                path: self
                    .vad
                    .as_ref()
                    .map(|v| v.path().to_path_buf())
                    .unwrap_or_default(),
                why,
            })?;
        if std::env::var_os(PROFILE_ENV).is_some() {
            eprintln!(
                "callcoach profile: {:.1} s of {:.1} s is speech ({:?}, found in {:.2} s)",
                speech.seconds(),
                samples.len() as f64 / f64::from(WHISPER_RATE),
                speech.detector,
                started.elapsed().as_secs_f64(),
            );
        }
        Ok(Some(speech))
    }

    /// whisper's language for the first 30 s of `samples` (one encoder pass).
    fn detect_language(&self, samples: &[f32], threads: usize) -> Result<String, TranscribeError> {
        let werr = |e: whisper_rs::WhisperError| TranscribeError::Whisper {
            path: self.path.clone(),
            why: e.to_string(),
        };
        let _lane = self.lanes.as_ref().map(Lanes::take);
        let mut state = self.ctx.create_state().map_err(werr)?;
        state.pcm_to_mel(samples, threads.max(1)).map_err(werr)?;
        let (id, _) = state.lang_detect(0, threads.max(1)).map_err(werr)?;
        Ok(whisper_rs::get_lang_str(id).unwrap_or("en").to_string())
    }

    /// One decoding pass over `speech`, the speech of `samples` (see
    /// [`Recognizer::speech`]), as [`Recognizer::decode_chunk`] does it. A
    /// channel without speech gives an empty transcript instead of
    /// whisper's hallucinations.
    fn decode_speech(
        &self,
        samples: &[f32],
        speech: Option<Speech>,
        opts: &Options,
        pass: Pass,
    ) -> Result<Transcript, TranscribeError> {
        match speech {
            Some(speech) if !speech.spans.is_empty() => {
                self.decode_chunk(samples, &speech.chunk(), opts, pass)
            }
            _ => Ok(Transcript {
                language: opts.language.clone().unwrap_or_else(|| "en".into()),
                segments: Vec::new(),
                dropped: Vec::new(),
            }),
        }
    }

    /// One decoding pass over `chunk`, speech of `samples`: words without
    /// speech dropped, times on the timeline of `samples`.
    fn decode_chunk(
        &self,
        samples: &[f32],
        chunk: &Chunk,
        opts: &Options,
        pass: Pass,
    ) -> Result<Transcript, TranscribeError> {
        let mut t = self.transcribe_all(&chunk.join(samples), opts, pass)?;
        let map = |ms: u64| chunk.to_channel_ms(ms);
        for seg in &mut t.segments {
            seg.start_ms = map(seg.start_ms);
            seg.end_ms = map(seg.end_ms);
            for w in &mut seg.words {
                w.start_ms = map(w.start_ms);
                w.end_ms = map(w.end_ms).max(w.start_ms);
            }
        }
        for d in &mut t.dropped {
            d.start_ms = map(d.start_ms);
            d.end_ms = map(d.end_ms).max(d.start_ms);
        }
        Ok(t)
    }

    /// Finds repetition loops in `t` and decodes their audio again.
    ///
    /// Each run of segments with looped words is decoded again with the
    /// [`RETRY_PASSES`] in turn; the first retry without a loop replaces
    /// the run. Where every retry loops, the run keeps its first-pass words
    /// less the looped ones. Either way, a segment of the replacement whose
    /// words fail openai-whisper's log-probability test
    /// ([`LOGPROB_THOLD`], see [`mean_log_probability`]) goes too. What is
    /// dropped is listed in `t.dropped` as [`DropReason::RepetitionLoop`].
    fn redecode_loops(
        &self,
        samples: &[f32],
        opts: &Options,
        t: &mut Transcript,
    ) -> Result<(), TranscribeError> {
        let runs = looped_segment_runs(&t.segments);
        if runs.is_empty() {
            return Ok(());
        }
        let first_looped = looped_words(&t.segments);
        // The retry keeps the language of the whole channel: a short span
        // may be detected as another one.
        let opts = Options {
            language: Some(t.language.clone()),
            ..opts.clone()
        };
        let per_ms = WHISPER_RATE as u64 / 1000;
        let mut segments = Vec::with_capacity(t.segments.len());
        let mut next = 0;
        for run in runs {
            segments.extend_from_slice(&t.segments[next..run.start]);
            next = run.end;
            let first = &t.segments[run.clone()];
            let start_ms = first.iter().map(segment_start_ms).min().unwrap_or(0);
            let end_ms = first.iter().map(segment_end_ms).max().unwrap_or(0);
            let a = ((start_ms * per_ms) as usize).min(samples.len());
            let b = ((end_ms * per_ms) as usize).clamp(a, samples.len());
            let mut replacement = None;
            for pass in RETRY_PASSES {
                let part = &samples[a..b];
                let mut r = self.decode_speech(part, self.speech(part)?, &opts, pass)?;
                shift(&mut r, start_ms);
                if !looped_words(&r.segments).iter().flatten().any(|&l| l) {
                    replacement = Some(r);
                    break;
                }
            }
            let (mut r, looped) = match replacement {
                Some(r) => {
                    let none = r.segments.iter().map(|s| vec![false; s.words.len()]);
                    let looped: Vec<Vec<bool>> = none.collect();
                    // The retry's own spans replace the first pass's.
                    t.dropped
                        .retain(|d| d.end_ms <= start_ms || d.start_ms >= end_ms);
                    (r, looped)
                }
                None => {
                    let r = Transcript {
                        language: t.language.clone(),
                        segments: first.to_vec(),
                        dropped: Vec::new(),
                    };
                    (r, first_looped[run].to_vec())
                }
            };
            let unreliable: Vec<Vec<bool>> = r
                .segments
                .iter()
                .zip(looped)
                .map(|(seg, mut flags)| {
                    if mean_log_probability(seg) < f64::from(LOGPROB_THOLD) {
                        flags.iter_mut().for_each(|f| *f = true);
                    }
                    flags
                })
                .collect();
            drop_words(&mut r, &unreliable, DropReason::RepetitionLoop);
            segments.append(&mut r.segments);
            t.dropped.append(&mut r.dropped);
        }
        segments.extend_from_slice(&t.segments[next..]);
        t.segments = segments;
        t.dropped.sort_by_key(|d| (d.start_ms, d.end_ms));
        Ok(())
    }

    /// Runs whisper over all of `samples` (no gating).
    fn transcribe_all(
        &self,
        samples: &[f32],
        opts: &Options,
        pass: Pass,
    ) -> Result<Transcript, TranscribeError> {
        // An English-only model (tiny.en, base.en, …) knows one language;
        // asking it to detect one gives nonsense ids.
        let requested = match self.shape.multilingual() {
            true => opts.language.clone(),
            false => Some("en".to_string()),
        };
        let fallback_lang = requested.clone().unwrap_or_else(|| "en".into());
        let werr = |e: whisper_rs::WhisperError| TranscribeError::Whisper {
            path: self.path.clone(),
            why: e.to_string(),
        };
        // Taken before the state is made, given back after it is freed.
        let _lane = self.lanes.as_ref().map(Lanes::take);
        let mut state = self.ctx.create_state().map_err(werr)?;
        let strategy = if opts.beam_size > 1 {
            SamplingStrategy::BeamSearch {
                beam_size: opts.beam_size as i32,
                patience: -1.0,
            }
        } else {
            SamplingStrategy::Greedy { best_of: 1 }
        };
        let mut params = FullParams::new(strategy);
        params.set_n_threads(opts.threads as i32);
        params.set_language(Some(requested.as_deref().unwrap_or("auto")));
        params.set_token_timestamps(true);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        params.set_suppress_nst(true);
        // openai-whisper's fallback settings (whisper.cpp's defaults, spelt
        // out): a window is decoded again 0.2 hotter when its tokens repeat
        // (entropy below 2.4) or its mean log probability is below -1.0.
        params.set_temperature(pass.temperature);
        params.set_temperature_inc(TEMPERATURE_INC);
        params.set_entropy_thold(ENTROPY_THOLD);
        params.set_logprob_thold(LOGPROB_THOLD);
        params.set_n_max_text_ctx(if pass.condition { PROMPT_TOKENS } else { 0 });
        // Alive until `state.full` below has returned (window.rs).
        let cap = window::TimestampCap::new(&self.ctx);
        cap.install(&mut params);
        let started = std::time::Instant::now();
        state.full(params, samples).map_err(werr)?;
        if std::env::var_os(PROFILE_ENV).is_some() {
            // Profiling aid (docs/performance.md): one line per whisper run.
            let tokens: i32 = state.as_iter().map(|s| s.n_tokens()).sum();
            eprintln!(
                "callcoach profile: whisper {:.1} s of audio ({} windows of 30 s), {} segments, {tokens} tokens, {:.2} s",
                samples.len() as f64 / f64::from(WHISPER_RATE),
                samples.len().div_ceil(WHISPER_RATE as usize * 30),
                state.full_n_segments(),
                started.elapsed().as_secs_f64()
            );
        }

        let language = whisper_rs::get_lang_str(state.full_lang_id_from_state())
            .map(str::to_string)
            .unwrap_or(fallback_lang);
        let eot = self.ctx.token_eot();
        let speech = speech_mask(samples);
        let mut segments = Vec::new();
        for seg in state.as_iter() {
            let text = seg.to_str_lossy().map_err(werr)?.trim().to_string();
            let start_ms = cs_to_ms(seg.start_timestamp());
            let end_ms = cs_to_ms(seg.end_timestamp());
            let mut tokens = Vec::new();
            for i in 0..seg.n_tokens() {
                let Some(tok) = seg.get_token(i) else {
                    continue;
                };
                if tok.token_id() >= eot {
                    continue; // special and timestamp tokens
                }
                let data = tok.token_data();
                tokens.push(Token {
                    bytes: tok.to_bytes().map_err(werr)?.to_vec(),
                    t_ms: cs_to_ms(data.t_dtw),
                    p: data.p,
                });
            }
            let words = words_from_tokens(&tokens, start_ms, end_ms, &speech);
            segments.push(Segment {
                start_ms,
                end_ms,
                text,
                words,
            });
        }
        let mut t = Transcript {
            language,
            segments,
            dropped: Vec::new(),
        };
        drop_unvoiced_words(&mut t, &speech);
        Ok(t)
    }
}

/// One decoding pass: how whisper.cpp is prompted and sampled.
#[derive(Debug, Clone, Copy)]
struct Pass {
    /// Decode each 30 s window with the text of the windows before as
    /// prompt (openai-whisper's `condition_on_previous_text`). Without it a
    /// loop cannot feed itself from window to window. (whisper.cpp's
    /// `no_context` only clears the prompt left by an earlier call;
    /// `n_max_text_ctx = 0` is what turns conditioning off.)
    condition: bool,
    /// The temperature the fallback starts from.
    temperature: f32,
}

/// At most this many tokens of the text before are a window's prompt
/// (whisper.cpp's `n_max_text_ctx`; openai-whisper and whisper.cpp's default
/// take up to 224, half the decoder's context). Every window decodes its
/// prompt before its first token: with 64, the agent channel of
/// autorepair-40 decodes 10 % faster (15.5 s against 13.9 s at one thread),
/// and its WER against the f16 beam-5 transcript is 6.1 % against 4.9 %
/// (49: 9.6 % against 9.8 %); the clips, one window each, do not change
/// (docs/performance.md).
const PROMPT_TOKENS: i32 = 64;

/// The first pass: greedy (or beam), conditioned on the previous text.
const FIRST_PASS: Pass = Pass {
    condition: true,
    temperature: 0.0,
};

/// The passes a looped span is decoded with again, in order, until one does
/// not loop: without the previous text as prompt (openai-whisper's advice
/// against failure loops, `condition_on_previous_text=False`), from
/// temperature 0 with the per-window fallback of [`TEMPERATURE_INC`].
///
/// One pass: each further pass costs another decode of the span, and
/// hotter starts only invented text on samples/07-de-unclear.wav (from 0.4:
/// "Ich will ja nicht so weit hin, dass ich nicht so weit hin, …"; from
/// 0.6: mixed-script gibberish at a mean word probability of 0.06).
const RETRY_PASSES: [Pass; 1] = [Pass {
    condition: false,
    temperature: 0.0,
}];

/// Temperature step of the fallback (openai-whisper: 0.0, 0.2, …, 1.0).
const TEMPERATURE_INC: f32 = 0.2;
/// whisper.cpp's stand-in for openai-whisper's compression-ratio test: the
/// entropy of the last 32 tokens of a window.
const ENTROPY_THOLD: f32 = 2.4;
/// openai-whisper's `logprob_threshold`.
const LOGPROB_THOLD: f32 = -1.0;

/// openai-whisper's `compression_ratio_threshold`: text whose zlib-compressed
/// size is less than 1/2.4 of its size repeats itself.
pub const COMPRESSION_RATIO_THRESHOLD: f64 = 2.4;
/// A phrase repeated this many times in a row is a loop.
pub const LOOP_MIN_REPEATS: usize = 3;
/// Shortest looped phrase in words: a single repeated word ("no no no",
/// "ja ja ja") is ordinary speech.
pub const LOOP_MIN_WORDS: usize = 2;
/// Longest looped phrase looked for, in words.
pub const LOOP_MAX_WORDS: usize = 30;

/// openai-whisper's compression ratio of a text: its length in bytes over
/// the length of its zlib-compressed bytes (`transcribe.py`,
/// `compression_ratio_threshold=2.4`). Ordinary text scores about 1–2;
/// a loop scores higher the longer it runs. Short texts score below 1.
pub fn compression_ratio(text: &str) -> f64 {
    if text.is_empty() {
        return 0.0;
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let compressed = z
        .write_all(text.as_bytes())
        .and_then(|()| z.finish())
        .map_or(usize::MAX, |c| c.len());
    text.len() as f64 / compressed.max(1) as f64
}

/// A word as the loop test compares it: lower case, letters and digits only.
fn loop_key(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Repetition loops in a word sequence (words normalised alike: the
/// transcriber compares them lower case, letters and digits only).
///
/// A loop is a phrase of [`LOOP_MIN_WORDS`]..=[`LOOP_MAX_WORDS`] words that
/// is not itself a repetition of a shorter phrase, said at least
/// [`LOOP_MIN_REPEATS`] times in a row; the range covers all its copies and
/// a trailing partial copy. This is the word-level form of the failure
/// openai-whisper (`transcribe.py`) catches with its compression-ratio
/// test: whisper conditioned on its own output keeps repeating it.
/// Returns disjoint ranges in ascending order.
pub fn find_loops<S: AsRef<str>>(words: &[S]) -> Vec<Range<usize>> {
    let w: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
    let n = w.len();
    let mut loops = Vec::new();
    let mut i = 0;
    while i < n {
        let mut best: Option<usize> = None;
        for k in LOOP_MIN_WORDS..=LOOP_MAX_WORDS {
            if i + LOOP_MIN_REPEATS * k > n {
                break;
            }
            let phrase = &w[i..i + k];
            if !is_primitive(phrase) {
                continue;
            }
            let mut copies = 1;
            while i + (copies + 1) * k <= n && w[i + copies * k..i + (copies + 1) * k] == *phrase {
                copies += 1;
            }
            if copies < LOOP_MIN_REPEATS {
                continue;
            }
            let mut len = copies * k;
            while i + len < n && w[i + len] == phrase[len % k] {
                len += 1;
            }
            if best.is_none_or(|b| len > b) {
                best = Some(len);
            }
        }
        match best {
            Some(len) => {
                loops.push(i..i + len);
                i += len;
            }
            None => i += 1,
        }
    }
    loops
}

/// Whether a phrase is not a shorter phrase repeated ("a b a b" is not).
fn is_primitive(phrase: &[&str]) -> bool {
    let k = phrase.len();
    !(1..k).any(|d| k.is_multiple_of(d) && (d..k).all(|j| phrase[j] == phrase[j - d]))
}

/// Per segment and word: whether the word belongs to a repetition loop,
/// found by [`find_loops`] across segments, or lies in a segment whose text
/// fails openai-whisper's compression-ratio test
/// ([`COMPRESSION_RATIO_THRESHOLD`]).
fn looped_words(segments: &[Segment]) -> Vec<Vec<bool>> {
    let mut looped: Vec<Vec<bool>> = segments
        .iter()
        .map(|s| {
            let squashed = compression_ratio(&s.text) > COMPRESSION_RATIO_THRESHOLD;
            vec![squashed; s.words.len()]
        })
        .collect();
    let mut at = Vec::new();
    let mut keys = Vec::new();
    for (si, seg) in segments.iter().enumerate() {
        for (wi, word) in seg.words.iter().enumerate() {
            let key = loop_key(&word.text);
            if !key.is_empty() {
                at.push((si, wi));
                keys.push(key);
            }
        }
    }
    for range in find_loops(&keys) {
        for &(si, wi) in &at[range] {
            looped[si][wi] = true;
        }
    }
    looped
}

/// Runs of consecutive segments that hold looped words, as index ranges.
fn looped_segment_runs(segments: &[Segment]) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for (si, l) in looped_words(segments).iter().enumerate() {
        if !l.iter().any(|&x| x) {
            continue;
        }
        match runs.last_mut() {
            Some(r) if r.end == si => r.end = si + 1,
            _ => runs.push(si..si + 1),
        }
    }
    runs
}

/// Removes the words flagged in `drop` (per segment and word) from `t`,
/// lists each run of consecutive dropped words in `t.dropped` with
/// `reason`, rewrites the text of changed segments and removes the segments
/// this leaves without words.
fn drop_words(t: &mut Transcript, drop: &[Vec<bool>], reason: DropReason) {
    let mut open: Option<DroppedSpan> = None;
    let mut emptied = Vec::with_capacity(t.segments.len());
    for (seg, flags) in t.segments.iter_mut().zip(drop) {
        if !flags.iter().any(|&d| d) {
            if !seg.words.is_empty() {
                t.dropped.extend(open.take());
            }
            emptied.push(false);
            continue;
        }
        let mut kept = Vec::with_capacity(seg.words.len());
        for (w, &d) in seg.words.drain(..).zip(flags) {
            if !d {
                t.dropped.extend(open.take());
                kept.push(w);
                continue;
            }
            match &mut open {
                Some(span) => span.end_ms = span.end_ms.max(w.end_ms),
                None => {
                    open = Some(DroppedSpan {
                        start_ms: w.start_ms,
                        end_ms: w.end_ms,
                        reason,
                    })
                }
            }
        }
        emptied.push(kept.is_empty());
        seg.text = kept
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        seg.words = kept;
    }
    t.dropped.extend(open);
    let mut emptied = emptied.into_iter();
    t.segments.retain(|_| !emptied.next().unwrap_or(false));
}

/// Start of a segment or of its first word, whichever is earlier.
fn segment_start_ms(seg: &Segment) -> u64 {
    seg.words
        .iter()
        .map(|w| w.start_ms)
        .fold(seg.start_ms, u64::min)
}

/// End of a segment or of its last word, whichever is later.
fn segment_end_ms(seg: &Segment) -> u64 {
    seg.words
        .iter()
        .map(|w| w.end_ms)
        .fold(seg.end_ms, u64::max)
}

/// The mean natural log of a segment's word probabilities (0 without
/// words): the word-level form of openai-whisper's `avg_logprob`, which
/// `transcribe.py` holds against `logprob_threshold=-1.0`.
fn mean_log_probability(seg: &Segment) -> f64 {
    if seg.words.is_empty() {
        return 0.0;
    }
    let sum: f64 = seg
        .words
        .iter()
        .map(|w| f64::from(w.probability).max(1e-6).ln())
        .sum();
    sum / seg.words.len() as f64
}

/// Moves every time of `t` later by `ms`.
fn shift(t: &mut Transcript, ms: u64) {
    for seg in &mut t.segments {
        seg.start_ms += ms;
        seg.end_ms += ms;
        for w in &mut seg.words {
            w.start_ms += ms;
            w.end_ms += ms;
        }
    }
    for d in &mut t.dropped {
        d.start_ms += ms;
        d.end_ms += ms;
    }
}

/// An unvoiced word this close to a voiced word of its segment (ms) is a
/// real word the DTW alignment put into the pause next to it: it is moved
/// onto that word's edge instead of being dropped.
const SNAP_MAX_MS: u64 = 1_000;

/// Drops the words whisper placed where `speech` (one flag per 10 ms frame)
/// has no speech frame: in noise or silence whisper invents words ("Thank
/// you.", "Untertitel …"), often with high probability. A segment with
/// no voiced word goes entirely; an unvoiced word within [`SNAP_MAX_MS`] of
/// a voiced word of its segment is kept and moved onto that word's edge
/// (the DTW alignment misplaces single words into the pause next to their
/// speech). Dropped runs are listed in `t.dropped` as
/// [`DropReason::NoSpeech`].
fn drop_unvoiced_words(t: &mut Transcript, speech: &[bool]) {
    let mut drop = Vec::with_capacity(t.segments.len());
    for seg in &mut t.segments {
        let words = &mut seg.words;
        let voiced: Vec<bool> = words
            .iter()
            .map(|w| has_speech(w.start_ms, w.end_ms, speech))
            .collect();
        let mut flags = vec![false; words.len()];
        for i in (0..words.len()).filter(|&i| !voiced[i]) {
            let (start, end) = (words[i].start_ms, words[i].end_ms);
            // (distance, edge) of the nearest voiced word after and before.
            let next = (i + 1..words.len())
                .find(|&j| voiced[j])
                .map(|j| (words[j].start_ms.saturating_sub(end), words[j].start_ms));
            let prev = (0..i)
                .rev()
                .find(|&j| voiced[j])
                .map(|j| (start.saturating_sub(words[j].end_ms), words[j].end_ms));
            let snap = [next, prev]
                .into_iter()
                .flatten()
                .filter(|&(distance, _)| distance <= SNAP_MAX_MS)
                .min_by_key(|&(distance, _)| distance);
            match snap {
                Some((_, edge)) => {
                    words[i].start_ms = edge;
                    words[i].end_ms = edge;
                }
                None => flags[i] = true,
            }
        }
        drop.push(flags);
    }
    drop_words(t, &drop, DropReason::NoSpeech);
}

/// Whether `[start, end)` holds a speech frame; a word of no length is
/// looked up in the frame at its start.
fn has_speech(start: u64, end: u64, speech: &[bool]) -> bool {
    let a = (start / MASK_FRAME_MS) as usize;
    let b = ((end.div_ceil(MASK_FRAME_MS)) as usize).max(a + 1);
    speech
        .get(a.min(speech.len())..b.min(speech.len()))
        .is_some_and(|f| f.iter().any(|&s| s))
}

/// Converts whisper's centisecond timestamps to milliseconds.
fn cs_to_ms(cs: i64) -> u64 {
    (cs.max(0) as u64) * 10
}

/// One text token with its DTW time and probability.
#[derive(Debug, Clone)]
struct Token {
    bytes: Vec<u8>,
    /// whisper.cpp's DTW time for the token: where the alignment path leaves
    /// it, i.e. (approximately) the end of the token in the audio.
    t_ms: u64,
    p: f32,
}

impl Token {
    /// Punctuation-only tokens carry no sound of their own.
    fn is_punctuation(&self) -> bool {
        self.bytes
            .iter()
            .all(|b| b.is_ascii_punctuation() || *b == b' ')
    }
}

/// Joins BPE tokens into timed words.
///
/// A token that begins with a space starts a new word; punctuation attaches
/// to the word before it. A word ends at the DTW time of its last sounding
/// token and starts where the previous word ended (the first word of a
/// segment at the segment start). Each span is then trimmed to the speech it
/// contains (`speech`, one flag per 10 ms frame), so that pauses before and
/// after a word do not count as part of it.
fn words_from_tokens(tokens: &[Token], seg_start: u64, seg_end: u64, speech: &[bool]) -> Vec<Word> {
    let mut groups: Vec<Vec<&Token>> = Vec::new();
    for tok in tokens {
        let starts_word = tok.bytes.first() == Some(&b' ') && !tok.is_punctuation();
        match groups.last_mut() {
            Some(g) if !starts_word => g.push(tok),
            _ => groups.push(vec![tok]),
        }
    }
    let mut words = Vec::with_capacity(groups.len());
    let mut prev_end = seg_start;
    for g in &groups {
        let bytes: Vec<u8> = g.iter().flat_map(|t| t.bytes.iter().copied()).collect();
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        let sounding = g.iter().rev().find(|t| !t.is_punctuation());
        let Some(last) = sounding else { continue };
        if text.is_empty() {
            continue;
        }
        let end = last.t_ms.clamp(prev_end, seg_end.max(prev_end));
        let (start_ms, end_ms) = trim_to_speech(prev_end, end, speech);
        prev_end = end;
        let probability = g.iter().map(|t| t.p).sum::<f32>() / g.len() as f32;
        words.push(Word {
            text,
            start_ms,
            end_ms,
            probability,
        });
    }
    words
}

/// Frame length of the speech mask used to trim word spans.
const MASK_FRAME_MS: u64 = 10;

/// Narrows `[start, end)` to its first and last speech frame; a span
/// without any speech frame is left as it is.
fn trim_to_speech(start: u64, end: u64, speech: &[bool]) -> (u64, u64) {
    let (a, b) = (
        (start / MASK_FRAME_MS) as usize,
        (end / MASK_FRAME_MS) as usize,
    );
    let frames = speech.get(a..b.min(speech.len())).unwrap_or(&[]);
    match (
        frames.iter().position(|&s| s),
        frames.iter().rposition(|&s| s),
    ) {
        (Some(first), Some(last)) => (
            start.max((a + first) as u64 * MASK_FRAME_MS),
            end.min((a + last + 1) as u64 * MASK_FRAME_MS),
        ),
        _ => (start, end),
    }
}

/// A 10 ms speech mask: frames within 35 dB of the loudest frame and 8 dB
/// above the noise floor (the 10th percentile of frame levels).
fn speech_mask(samples: &[f32]) -> Vec<bool> {
    // 10 ms frames, as MASK_FRAME_MS.
    let db = crate::vad::frame_levels_db(samples);
    let mut sorted = db.clone();
    sorted.sort_by(f32::total_cmp);
    let (Some(&peak), Some(&floor)) = (sorted.last(), sorted.get(sorted.len() / 10)) else {
        return Vec::new();
    };
    let threshold = (peak - 35.0).max(floor + 8.0);
    db.iter().map(|&d| d > threshold).collect()
}

/// The level of the loudest 30 ms frame, in dBFS (RMS).
fn peak_frame_dbfs(samples: &[f32]) -> f32 {
    let frame = (WHISPER_RATE as usize * 30) / 1000;
    let peak_ms = samples
        .chunks(frame)
        .map(|c| c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32)
        .fold(0.0f32, f32::max);
    10.0 * peak_ms.max(1e-12).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        text.split_whitespace().map(loop_key).collect()
    }

    #[test]
    fn a_phrase_said_three_times_in_a_row_is_a_loop() {
        let w = keys(
            "und das ist ein sehr leckeres Problem. Es ist ein sehr leckeres Problem. \
             Es ist ein sehr leckeres Problem. Es ist ein",
        );
        // The loop starts where the repetition does ("ist ein … Es" ×3) and
        // takes the trailing partial copy along.
        assert_eq!(find_loops(&w), vec![2..w.len()]);
        let w = keys("thank you thank you thank you for calling");
        assert_eq!(find_loops(&w), vec![0..6]);
        // Two loops, and ordinary words between them.
        let w = keys("a b a b a b so then c d e c d e c d e");
        assert_eq!(find_loops(&w), vec![0..6, 8..17]);
    }

    #[test]
    fn ordinary_repetitions_are_not_loops() {
        for text in [
            "no no I did not say that",
            "it was very very expensive",
            // One word over and over is a speaker, not a loop (n >= 2).
            "ja ja ja ja ja ja ja ja",
            "no no no no no no",
            // Twice is not three times.
            "thank you thank you bye",
            "Sie haben vier fünf sieben vier fünf sieben gesagt",
            "and so my fellow Americans ask not what your country can do for you \
             ask what you can do for your country",
        ] {
            assert!(find_loops(&keys(text)).is_empty(), "{text}");
        }
        // Case and punctuation do not hide a loop.
        let w = keys("Sehr gern. sehr gern, SEHR GERN!");
        assert_eq!(find_loops(&w), vec![0..6]);
    }

    #[test]
    fn compression_ratio_flags_repeated_text_as_openai_whisper_does() {
        let ordinary = "And so my fellow Americans, ask not what your country can do \
                        for you, ask what you can do for your country.";
        assert!(compression_ratio(ordinary) < COMPRESSION_RATIO_THRESHOLD);
        let looped = "Es ist ein sehr leckeres Problem. ".repeat(6);
        assert!(compression_ratio(&looped) > COMPRESSION_RATIO_THRESHOLD);
        // One word over and over: no n-gram loop, but it does not compress
        // like speech.
        let the = "the ".repeat(40);
        assert!(find_loops(&keys(&the)).is_empty());
        assert!(compression_ratio(&the) > 5.0);
        assert_eq!(compression_ratio(""), 0.0);
    }

    fn segment(words: &[(&str, u64, u64, f32)]) -> Segment {
        let words: Vec<Word> = words
            .iter()
            .map(|&(text, start_ms, end_ms, probability)| Word {
                text: text.into(),
                start_ms,
                end_ms,
                probability,
            })
            .collect();
        Segment {
            start_ms: words.first().map_or(0, |w| w.start_ms),
            end_ms: words.last().map_or(0, |w| w.end_ms),
            text: words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            words,
        }
    }

    #[test]
    fn loops_are_found_across_segments_and_dropped_as_one_span() {
        let mut t = Transcript {
            language: "de".into(),
            segments: vec![
                segment(&[("Guten", 0, 300, 0.9), ("Tag.", 300, 600, 0.9)]),
                segment(&[("Sehr", 1000, 1200, 0.9), ("gern.", 1200, 1500, 0.9)]),
                segment(&[("Sehr", 2000, 2200, 0.9), ("gern.", 2200, 2500, 0.9)]),
                segment(&[("Sehr", 3000, 3200, 0.9), ("gern.", 3200, 3500, 0.9)]),
                segment(&[("Tschüss.", 4000, 4400, 0.9)]),
            ],
            dropped: Vec::new(),
        };
        assert_eq!(looped_segment_runs(&t.segments), vec![1..4]);
        let looped = looped_words(&t.segments);
        assert_eq!(looped[0], [false, false]);
        assert_eq!(looped[2], [true, true]);
        drop_words(&mut t, &looped, DropReason::RepetitionLoop);
        assert_eq!(t.text(), "Guten Tag. Tschüss.");
        assert_eq!(
            t.dropped,
            [DroppedSpan {
                start_ms: 1000,
                end_ms: 3500,
                reason: DropReason::RepetitionLoop
            }]
        );
        let json = serde_json::to_value(&t.dropped).unwrap();
        assert_eq!(json[0]["reason"], "repetition loop");
    }

    #[test]
    fn words_without_speech_are_dropped_or_moved_onto_their_speech() {
        // Speech 1.0–2.0 s and 5.0–6.0 s (10 ms frames).
        let mut speech = vec![false; 800];
        speech[100..200].fill(true);
        speech[500..600].fill(true);
        let mut t = Transcript {
            language: "en".into(),
            segments: vec![
                // "And" aligned into the pause 0.3 s before its speech.
                segment(&[("And", 700, 700, 0.9), ("so", 1000, 1400, 0.9)]),
                // A whole segment in the silence between: invented.
                segment(&[("Thank", 3000, 3200, 0.9), ("you.", 3200, 3400, 0.9)]),
                // A word 1.5 s after the speech of its segment: invented.
                segment(&[("yes", 5200, 5900, 0.9), ("bye", 7400, 7600, 0.3)]),
            ],
            dropped: Vec::new(),
        };
        drop_unvoiced_words(&mut t, &speech);
        assert_eq!(t.text(), "And so yes");
        let and = &t.segments[0].words[0];
        assert_eq!((and.start_ms, and.end_ms), (1000, 1000));
        let spans: Vec<(u64, u64)> = t.dropped.iter().map(|d| (d.start_ms, d.end_ms)).collect();
        assert_eq!(spans, [(3000, 3400), (7400, 7600)]);
        assert!(t.dropped.iter().all(|d| d.reason == DropReason::NoSpeech));
    }

    #[test]
    fn log_probability_test_uses_the_mean_log_of_word_probabilities() {
        let sure = segment(&[("ja", 0, 100, 0.9), ("genau", 100, 200, 0.8)]);
        let garbage = segment(&[("onao", 0, 100, 0.05), ("fryte", 100, 200, 0.2)]);
        assert!(mean_log_probability(&sure) > f64::from(LOGPROB_THOLD));
        assert!(mean_log_probability(&garbage) < f64::from(LOGPROB_THOLD));
    }
}
