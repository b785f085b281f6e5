//! Speech recognition with whisper.cpp (through whisper-rs).
//!
//! [`Recognizer`] loads a GGML model once and transcribes any number of
//! channels with it. Word times come from whisper.cpp's DTW token alignment
//! (the cross-attention heads of the model's alignment preset, as in
//! openai-whisper's `word_timestamps`), so they follow the audio instead of
//! being spread evenly over a segment.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use whisper_rs::{
    DtwMode, DtwModelPreset, DtwParameters, FullParams, SamplingStrategy, WhisperContext,
    WhisperContextParameters,
};

use crate::audio::WHISPER_RATE;
use crate::transcript::{Segment, Transcript, Word};

/// GGML magic number, read as a little-endian u32 (`lmgg` on disk).
const GGML_MAGIC: u32 = 0x6767_6d6c;

/// A channel whose loudest 30 ms frame stays below this level (dBFS) holds
/// no speech and is not sent to whisper, which would invent words in silence.
const SILENCE_DBFS: f32 = -50.0;

/// Why speech recognition failed. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// The model file is missing.
    #[error("model file {0} not found: run `callcoach model fetch base` (or pass --model PATH)")]
    ModelMissing(PathBuf),
    /// The model file is not a GGML whisper model.
    #[error("{path}: not a whisper GGML model ({why})")]
    BadModel {
        /// The model path.
        path: PathBuf,
        /// What is wrong.
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
        Ok(Recognizer {
            ctx,
            path: path.to_path_buf(),
            shape,
        })
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
        if peak_frame_dbfs(samples) < SILENCE_DBFS {
            return Ok(Transcript {
                language: opts.language.clone().unwrap_or_else(|| "en".into()),
                segments: Vec::new(),
            });
        }
        let condensed = Condensed::new(samples);
        let mut transcript = self.transcribe_all(condensed.samples(samples), opts)?;
        condensed.map_back(&mut transcript);
        Ok(transcript)
    }

    /// Runs whisper over all of `samples` (no gating).
    fn transcribe_all(
        &self,
        samples: &[f32],
        opts: &Options,
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
        state.full(params, samples).map_err(werr)?;

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
        Ok(Transcript { language, segments })
    }
}

/// Converts whisper's centisecond timestamps to milliseconds.
fn cs_to_ms(cs: i64) -> u64 {
    (cs.max(0) as u64) * 10
}

/// Speech is sent to whisper only where it is within this many dB of the
/// channel's loud level (its 95th-percentile 10 ms frame): quiet crosstalk
/// from the other party of a stereo call (typically 25-40 dB down) and
/// silence are left out.
const GATE_RANGE_DB: f32 = 20.0;
/// Gaps shorter than this between speech runs are kept (10 ms frames).
const GATE_MERGE_FRAMES: usize = 100;
/// Speech runs are widened by this on each side (10 ms frames).
const GATE_PAD_FRAMES: usize = 20;
/// Silence put between the kept spans (samples at 16 kHz: 0.3 s).
const GATE_GAP: usize = 4_800;
/// Gating is used only when it removes at least this share of the audio.
const GATE_MIN_SAVING: f64 = 0.15;

/// The speech spans of a channel, cut out and joined for whisper, with the
/// way back to the recording's timeline.
///
/// whisper.cpp spends the same encoder time on a 30 s window of silence as
/// on one of speech; in a stereo call each channel is silent while the other
/// party talks, so sending only the speech roughly halves the work.
struct Condensed {
    /// (start in the condensed signal, start in the original, length), samples.
    spans: Vec<(usize, usize, usize)>,
    /// The joined signal, or `None` when gating would save too little.
    joined: Option<Vec<f32>>,
}

impl Condensed {
    fn new(samples: &[f32]) -> Self {
        let frame = (WHISPER_RATE as u64 * MASK_FRAME_MS / 1000) as usize;
        let db = frame_levels_db(samples, frame);
        let mut sorted = db.clone();
        sorted.sort_by(f32::total_cmp);
        let loud = sorted.get(sorted.len() * 95 / 100).copied().unwrap_or(0.0);
        let floor = sorted.get(sorted.len() / 10).copied().unwrap_or(0.0);
        let threshold = (loud - GATE_RANGE_DB).max(floor + 8.0);
        // Runs of loud frames, merged across short gaps, padded.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (i, _) in db.iter().enumerate().filter(|(_, &d)| d > threshold) {
            match runs.last_mut() {
                Some((_, end)) if i <= *end + GATE_MERGE_FRAMES => *end = i + 1,
                _ => runs.push((i, i + 1)),
            }
        }
        let n = samples.len();
        let mut spans = Vec::with_capacity(runs.len());
        let mut at = 0;
        for (a, b) in runs {
            let start = (a.saturating_sub(GATE_PAD_FRAMES) * frame).min(n);
            let end = ((b + GATE_PAD_FRAMES) * frame).min(n);
            // Padding may reach into the previous span: start after it.
            let start = spans
                .last()
                .map_or(start, |&(_, s, l): &(usize, usize, usize)| start.max(s + l));
            if end > start {
                spans.push((at, start, end - start));
                at += end - start + GATE_GAP;
            }
        }
        let kept: usize = spans.iter().map(|s| s.2).sum();
        if spans.is_empty() || kept as f64 > n as f64 * (1.0 - GATE_MIN_SAVING) {
            return Condensed {
                spans: vec![(0, 0, n)],
                joined: None,
            };
        }
        let mut joined = Vec::with_capacity(at);
        for &(_, s, l) in &spans {
            joined.extend_from_slice(&samples[s..s + l]);
            joined.resize(joined.len() + GATE_GAP, 0.0);
        }
        Condensed {
            spans,
            joined: Some(joined),
        }
    }

    /// The signal to transcribe.
    fn samples<'a>(&'a self, original: &'a [f32]) -> &'a [f32] {
        self.joined.as_deref().unwrap_or(original)
    }

    /// A time in the joined signal as a time in the recording (ms); times in
    /// the inserted gaps go to the end of the span before them.
    fn to_original_ms(&self, ms: u64) -> u64 {
        let per_ms = (WHISPER_RATE / 1000) as usize;
        let c = ms as usize * per_ms;
        let idx = self
            .spans
            .partition_point(|&(cs, _, _)| cs <= c)
            .saturating_sub(1);
        let (cs, os, len) = self.spans[idx];
        ((os + (c - cs.min(c)).min(len)) / per_ms) as u64
    }

    /// Moves every time of `t` back onto the recording's timeline.
    fn map_back(&self, t: &mut Transcript) {
        if self.joined.is_none() {
            return;
        }
        for seg in &mut t.segments {
            seg.start_ms = self.to_original_ms(seg.start_ms);
            seg.end_ms = self.to_original_ms(seg.end_ms);
            for w in &mut seg.words {
                w.start_ms = self.to_original_ms(w.start_ms);
                w.end_ms = self.to_original_ms(w.end_ms).max(w.start_ms);
            }
        }
    }
}

/// RMS level in dB of consecutive frames of `frame` samples.
fn frame_levels_db(samples: &[f32], frame: usize) -> Vec<f32> {
    samples
        .chunks(frame)
        .map(|c| {
            10.0 * (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32)
                .max(1e-12)
                .log10()
        })
        .collect()
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
    let frame = (WHISPER_RATE as u64 * MASK_FRAME_MS / 1000) as usize;
    let db: Vec<f32> = samples
        .chunks(frame)
        .map(|c| {
            10.0 * (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32)
                .max(1e-12)
                .log10()
        })
        .collect();
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

    #[test]
    fn gating_keeps_speech_and_maps_times_back() {
        // 2 s silence, 1 s "speech", 5 s silence, 1 s speech, 3 s silence.
        let rate = WHISPER_RATE as usize;
        let mut x = vec![0.0f32; 12 * rate];
        for (a, b) in [(2, 3), (8, 9)] {
            for (i, s) in x[a * rate..b * rate].iter_mut().enumerate() {
                *s = 0.3 * (i as f32 * 0.05).sin();
            }
        }
        let c = Condensed::new(&x);
        let joined = c.joined.as_ref().expect("gating pays off here");
        // Each 1 s burst padded by 0.2 s each side, plus the 0.3 s gaps.
        assert_eq!(joined.len(), 2 * (rate + 2 * 3200) + 2 * GATE_GAP);
        // The start of the second burst in the joined signal maps to 8.0 s.
        let second = c.spans[1].0 as u64 / 16 + 200;
        assert_eq!(c.to_original_ms(second), 8000);
        assert_eq!(c.to_original_ms(200), 2000);
    }
}
