//! Where whisper should listen: the speech spans of one channel.
//!
//! whisper.cpp's encoder costs the same for a 30 s window of silence as for
//! one of speech, and in a stereo call each channel is silent (or carries
//! the other party's quiet crosstalk) while the other party talks. So only
//! speech is sent to whisper, found by two tests that must both hold:
//!
//! * **Silero VAD** (v6.2, run by whisper.cpp, `models/ggml-silero-vad.bin`
//!   from `callcoach model fetch silero-vad`; opt-in, see below): a neural speech probability
//!   per 32 ms window, with the hysteresis of Silero's own
//!   `get_speech_timestamps` (speech starts at p ≥ 0.5 and lasts while
//!   p ≥ 0.35). It rejects line noise, hum and music that are loud but not
//!   speech.
//! * **Energy**: the 10 ms frame is within [`GATE_RANGE_DB`] of the
//!   channel's loud level (its 95th-percentile frame). Silero hears speech
//!   at any level, so this test is what leaves out the other party's bleed
//!   (typically 25-40 dB down).
//!
//! By default the energy test alone decides: on the real calls Silero left
//! out only 0.4-8 s of the energy gate's 100-155 s per channel, and whisper
//! then took longer (docs/performance.md). The caller adds Silero by
//! handing a [`Silero`] file to the recognizer
//! ([`super::Recognizer::set_vad`]). The speech runs are merged across gaps
//! under 1 s and padded by 0.2 s; the resulting spans, joined with 0.3 s of
//! silence ([`Chunk`]), are what whisper hears, and [`Chunk::to_channel_ms`]
//! maps its times back.
//!
//! Two more level tests belong to the gate: a channel whose loudest frame
//! is near silence is not sent to whisper at all ([`channel_speech`]), and
//! the 10 ms `speech_mask` tells the decoder which of whisper's words lie
//! on speech.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::TranscribeError;
use crate::audio::WHISPER_RATE;
use crate::signal::activity::LevelRule;
use crate::signal::levels::{self, Framing};

/// File name of the Silero VAD model in the models directory.
pub const VAD_MODEL_FILE: &str = "ggml-silero-vad.bin";

/// A channel whose loudest 30 ms frame stays below this level (dBFS) holds
/// no speech and is not sent to whisper, which would invent words in silence.
pub const SILENCE_DBFS: f32 = -50.0;

/// Speech is kept only where it is within this many dB of the channel's
/// loud level (its 95th-percentile 10 ms frame).
pub const GATE_RANGE_DB: f32 = 20.0;
/// Speech runs closer than this are merged (10 ms frames: 1 s).
const MERGE_FRAMES: usize = 100;
/// Speech runs are widened by this on each side (10 ms frames: 0.2 s).
const PAD_FRAMES: usize = 20;
/// Above this share of speech, the whole channel goes to whisper.
pub const WHOLE_SHARE: f64 = 0.85;
/// Silence put between the spans of one chunk (samples at 16 kHz: 0.3 s).
pub const CHUNK_GAP: usize = 4_800;
/// 10 ms frames.
const FRAME_MS: usize = 10;
/// Silero's window at 16 kHz (samples).
const SILERO_WINDOW: usize = 512;
/// Silero's speech thresholds (`get_speech_timestamps`: threshold and
/// `neg_threshold = threshold - 0.15`).
const SILERO_ON: f32 = 0.5;
const SILERO_OFF: f32 = 0.35;

/// Why Silero VAD could not judge a channel (the caller names the file).
#[derive(Debug, thiserror::Error)]
pub enum VadError {
    /// whisper.cpp takes the model path as a C string of UTF-8.
    #[error("the path is not UTF-8")]
    PathNotUtf8,
    /// whisper.cpp could not load the file as a Silero VAD model.
    #[error("whisper.cpp could not load it: {0}")]
    Load(whisper_rs::WhisperError),
    /// The model loaded but failed on the samples.
    #[error("speech detection failed: {0}")]
    Detect(whisper_rs::WhisperError),
}

/// A Silero VAD model file, loaded afresh for each channel (885 kB, a few
/// milliseconds), so that channels can be processed on different threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Silero {
    path: PathBuf,
}

impl Silero {
    /// Uses the Silero GGML file at `path` (checked when first run).
    pub fn new(path: &Path) -> Self {
        Silero {
            path: path.to_path_buf(),
        }
    }

    /// The Silero file [`VAD_MODEL_FILE`] in the folder of the whisper
    /// model at `model`, where `callcoach model fetch silero-vad` puts it.
    pub fn beside(model: &Path) -> Silero {
        let dir = model.parent().unwrap_or(Path::new("."));
        Silero::new(&dir.join(VAD_MODEL_FILE))
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Speech probability per 32 ms window (512 samples at 16 kHz).
    pub fn probabilities(&self, samples: &[f32]) -> Result<Vec<f32>, VadError> {
        let path = self.path.to_str().ok_or(VadError::PathNotUtf8)?;
        // whisper.cpp's log lines go to the `log` crate, not to stderr.
        whisper_rs::install_logging_hooks();
        let mut params = whisper_rs::WhisperVadContextParams::new();
        params.set_n_threads(1);
        let mut ctx = whisper_rs::WhisperVadContext::new(path, params).map_err(VadError::Load)?;
        ctx.detect_speech(samples).map_err(VadError::Detect)?;
        Ok(ctx.probabilities().to_vec())
    }

    /// Silero's speech decision (its own hysteresis) per 10 ms frame of
    /// `samples` (16 kHz mono): `frames` flags, frame `i` covering
    /// `i·10 ms .. (i+1)·10 ms`. The mono diarization uses it to tell
    /// speech from beeps, clicks and line noise (see
    /// [`crate::structure::activity::mono_activity_voiced`]).
    pub fn speech_frames(&self, samples: &[f32], frames: usize) -> Result<Vec<bool>, VadError> {
        let probs = self.probabilities(samples)?;
        Ok(silero_frames(&probs, frames))
    }
}

/// One 10 ms speech flag per frame from Silero probabilities, with Silero's
/// hysteresis.
fn silero_frames(probs: &[f32], frames: usize) -> Vec<bool> {
    let per_window = SILERO_WINDOW as f64 / (WHISPER_RATE as f64 * FRAME_MS as f64 / 1000.0);
    let mut on = false;
    let speech: Vec<bool> = probs
        .iter()
        .map(|&p| {
            on = if on { p >= SILERO_OFF } else { p >= SILERO_ON };
            on
        })
        .collect();
    (0..frames)
        .map(|f| {
            let w = (f as f64 / per_window) as usize;
            speech
                .get(w.min(speech.len().saturating_sub(1)))
                .copied()
                .unwrap_or(false)
        })
        .collect()
}

/// Level in dB of consecutive 10 ms frames ([`signal::levels`], the
/// crate's one level function).
pub fn frame_levels_db(samples: &[f32]) -> Vec<f32> {
    levels::frame_levels_db(samples, WHISPER_RATE, Framing::CONTIGUOUS_10MS)
}

/// The energy test: frames within [`GATE_RANGE_DB`] of the loud level and
/// 8 dB above the noise floor (10th percentile), but never more than 6 dB
/// below the loud level: a channel that is speech nearly throughout has its
/// "floor" in the speech.
fn loud_frames(db: &[f32]) -> Vec<bool> {
    LevelRule {
        loud_quantile: 0.95,
        range_db: GATE_RANGE_DB as f64,
        floor: Some((0.10, 8.0)),
        headroom_db: Some(6.0),
        hysteresis_db: 0.0,
    }
    .frames(db)
}

/// How the speech of a channel was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detector {
    /// Silero VAD and the energy test.
    Silero,
    /// The energy test alone (no Silero file).
    Energy,
}

/// The speech of one channel, in samples, and how it was found.
#[derive(Debug, Clone)]
pub struct Speech {
    /// Sample ranges, sorted, not overlapping.
    pub spans: Vec<Range<usize>>,
    /// Which detector found them.
    pub detector: Detector,
    /// Length of the channel in samples.
    pub len: usize,
}

impl Speech {
    /// Finds the speech of `samples` (16 kHz mono). A Silero failure (a bad
    /// model file) is an error (the caller names the file): silently falling
    /// back would change results without a word.
    pub fn find(samples: &[f32], silero: Option<&Silero>) -> Result<Speech, VadError> {
        let levels = frame_levels_db(samples);
        let mut flags = loud_frames(&levels);
        let detector = match silero {
            Some(s) => {
                let probs = s.probabilities(samples)?;
                let voiced = silero_frames(&probs, flags.len());
                flags.iter_mut().zip(voiced).for_each(|(f, v)| *f &= v);
                Detector::Silero
            }
            None => Detector::Energy,
        };
        let spans = spans_from_frames(&flags, samples.len());
        Ok(Speech {
            spans,
            detector,
            len: samples.len(),
        })
    }

    /// Seconds of speech found.
    pub fn seconds(&self) -> f64 {
        self.spans.iter().map(|r| r.len()).sum::<usize>() as f64 / f64::from(WHISPER_RATE)
    }

    /// The middle of each pause between two spans (channel samples): the
    /// places where the speech may be cut into pieces decoded apart
    /// ([`super::plan`]), since no word runs across them.
    pub fn pauses(&self) -> impl Iterator<Item = usize> + '_ {
        self.spans.windows(2).map(|w| (w[0].end + w[1].start) / 2)
    }

    /// All spans as one [`Chunk`]: the speech whisper hears, in time order.
    /// whisper.cpp moves its 30 s window along the joined signal by itself,
    /// each window starting where the last complete segment ended, with
    /// the text before as prompt. (Cutting the speech into separate
    /// one-window chunks instead cost accuracy, see docs/performance.md.)
    /// When the speech covers more than [`WHOLE_SHARE`] of the channel, the
    /// whole channel is the chunk: cutting out a few pauses saves little and
    /// only moves whisper's windows.
    #[allow(clippy::single_range_in_vec_init)] // one span: the whole channel
    pub fn chunk(&self) -> Chunk {
        let kept: usize = self.spans.iter().map(|r| r.len()).sum();
        if kept as f64 > self.len as f64 * WHOLE_SHARE {
            return Chunk {
                spans: vec![0..self.len],
            };
        }
        Chunk {
            spans: self.spans.clone(),
        }
    }
}

/// Speech runs of 10 ms `flags`, merged across gaps under [`MERGE_FRAMES`],
/// padded by [`PAD_FRAMES`], as sample ranges within `n` samples.
fn spans_from_frames(flags: &[bool], n: usize) -> Vec<Range<usize>> {
    let frame = WHISPER_RATE as usize * FRAME_MS / 1000;
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, _) in flags.iter().enumerate().filter(|(_, &f)| f) {
        match runs.last_mut() {
            Some((_, end)) if i <= *end + MERGE_FRAMES => *end = i + 1,
            _ => runs.push((i, i + 1)),
        }
    }
    let mut spans: Vec<Range<usize>> = Vec::with_capacity(runs.len());
    for (a, b) in runs {
        let start = (a.saturating_sub(PAD_FRAMES) * frame).min(n);
        let end = ((b + PAD_FRAMES) * frame).min(n);
        // Padding may reach into the previous span: start after it.
        let start = spans.last().map_or(start, |s| start.max(s.end));
        if end > start {
            spans.push(start..end);
        }
    }
    spans
}

/// Speech spans of one channel that go to whisper together, joined with
/// [`CHUNK_GAP`] of silence after each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chunk {
    /// Sample ranges of the channel, in time order.
    pub spans: Vec<Range<usize>>,
}

impl Chunk {
    /// Length of the joined signal in samples.
    pub fn len(&self) -> usize {
        self.spans.iter().map(|s| s.len() + CHUNK_GAP).sum()
    }

    /// True when the chunk holds no span.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The signal whisper hears: each span of `channel`, then silence.
    pub fn join(&self, channel: &[f32]) -> Vec<f32> {
        let mut joined = Vec::with_capacity(self.len());
        for s in &self.spans {
            joined.extend_from_slice(&channel[s.clone()]);
            joined.resize(joined.len() + CHUNK_GAP, 0.0);
        }
        joined
    }

    /// Samples of the joined signal that come from before channel sample
    /// `at` (its spans' parts before `at`, and the gaps after whole spans).
    pub fn joined_before(&self, at: usize) -> usize {
        self.spans
            .iter()
            .map(|s| match s.end <= at {
                true => s.len() + CHUNK_GAP,
                false => at.saturating_sub(s.start),
            })
            .sum()
    }

    /// The chunk cut at channel sample `at`: the speech before it and the
    /// speech from it on (a span across `at` is cut in two).
    pub fn split_at(&self, at: usize) -> (Chunk, Chunk) {
        let (mut before, mut after) = (Chunk::default(), Chunk::default());
        for s in &self.spans {
            if s.start < at {
                before.spans.push(s.start..s.end.min(at));
            }
            if s.end > at {
                after.spans.push(s.start.max(at)..s.end);
            }
        }
        (before, after)
    }

    /// A time in the joined signal (ms) as a time in the channel (ms); a
    /// time in an inserted gap goes to the end of the span before it.
    pub fn to_channel_ms(&self, ms: u64) -> u64 {
        let per_ms = (WHISPER_RATE / 1000) as usize;
        let mut c = ms as usize * per_ms;
        let mut last_end = 0;
        for s in &self.spans {
            if c < s.len() {
                return ((s.start + c) / per_ms) as u64;
            }
            if c < s.len() + CHUNK_GAP {
                return (s.end / per_ms) as u64;
            }
            c -= s.len() + CHUNK_GAP;
            last_end = s.end;
        }
        (last_end / per_ms) as u64
    }
}

/// The speech of one channel (16 kHz mono) as whisper should hear it, or
/// `None` for a channel without any: one whose loudest 30 ms frame stays
/// below [`SILENCE_DBFS`]. `silero`, when given, joins the energy test
/// ([`Speech::find`]); its failure names its file.
pub fn channel_speech(
    samples: &[f32],
    silero: Option<&Silero>,
) -> Result<Option<Speech>, TranscribeError> {
    if peak_frame_dbfs(samples) < SILENCE_DBFS {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let speech = Speech::find(samples, silero).map_err(|why| TranscribeError::Vad {
        path: silero.map(|v| v.path().to_path_buf()).unwrap_or_default(),
        why,
    })?;
    log::info!(
        target: super::PROFILE_TARGET,
        "{:.1} s of {:.1} s is speech ({:?}, found in {:.2} s)",
        speech.seconds(),
        samples.len() as f64 / f64::from(WHISPER_RATE),
        speech.detector,
        started.elapsed().as_secs_f64(),
    );
    Ok(Some(speech))
}

/// Frame length of the [`speech_mask`].
pub(super) const MASK_FRAME_MS: u64 = 10;

/// A 10 ms speech mask: frames within 35 dB of the loudest frame and 8 dB
/// above the noise floor (the 10th percentile of frame levels).
pub(super) fn speech_mask(samples: &[f32]) -> Vec<bool> {
    // 10 ms frames, as MASK_FRAME_MS.
    LevelRule {
        loud_quantile: 1.0,
        range_db: 35.0,
        floor: Some((0.10, 8.0)),
        headroom_db: None,
        hysteresis_db: 0.0,
    }
    .frames(&frame_levels_db(samples))
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
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    const RATE: usize = WHISPER_RATE as usize;

    /// A tone burst channel: `bursts` of (start s, end s) at 0.3 amplitude,
    /// silence (-80 dB noise) elsewhere.
    fn bursts(total_s: f64, bursts: &[(f64, f64)]) -> Vec<f32> {
        let n = (total_s * RATE as f64) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / RATE as f64;
                let on = bursts.iter().any(|&(a, b)| t >= a && t < b);
                let x = (t * 2.0 * std::f64::consts::PI * 220.0).sin() as f32;
                if on {
                    0.3 * x
                } else {
                    1e-4 * x
                }
            })
            .collect()
    }

    #[test]
    fn energy_spans_are_merged_and_padded() {
        let ch = bursts(100.0, &[(1.0, 3.0), (3.5, 5.0), (10.0, 25.0), (40.0, 55.0)]);
        let speech = Speech::find(&ch, None).unwrap();
        assert_eq!(speech.detector, Detector::Energy);
        // 1-3 and 3.5-5 merge (gap 0.5 s < 1 s); each span padded by 0.2 s.
        let secs: Vec<(f64, f64)> = speech
            .spans
            .iter()
            .map(|r| (r.start as f64 / RATE as f64, r.end as f64 / RATE as f64))
            .collect();
        assert_eq!(secs.len(), 3, "{secs:?}");
        assert!(
            (secs[0].0 - 0.8).abs() < 0.02 && (secs[0].1 - 5.2).abs() < 0.02,
            "{secs:?}"
        );
        assert!(
            (secs[1].0 - 9.8).abs() < 0.02 && (secs[1].1 - 25.2).abs() < 0.02,
            "{secs:?}"
        );
        assert!(
            (secs[2].0 - 39.8).abs() < 0.02 && (secs[2].1 - 55.2).abs() < 0.02,
            "{secs:?}"
        );
        assert_eq!(speech.chunk().spans, speech.spans);
        // Speech over 85 % of the channel: all of it goes to whisper.
        let dense = bursts(10.0, &[(0.5, 4.0), (4.5, 9.8)]);
        let speech = Speech::find(&dense, None).unwrap();
        assert_eq!(speech.chunk().spans, vec![0..dense.len()]);
    }

    #[test]
    fn a_channel_that_is_speech_throughout_is_kept_whole() {
        // No quiet floor: the floor test must not reject the speech itself.
        let ch = bursts(60.0, &[(0.0, 60.0)]);
        let speech = Speech::find(&ch, None).unwrap();
        assert_eq!(speech.spans, vec![0..ch.len()]);
    }

    #[test]
    fn chunk_times_map_back_to_the_channel() {
        let c = Chunk {
            spans: vec![RATE..2 * RATE, 10 * RATE..12 * RATE],
        };
        assert_eq!(c.len(), 3 * RATE + 2 * CHUNK_GAP);
        assert_eq!(c.to_channel_ms(0), 1_000);
        assert_eq!(c.to_channel_ms(500), 1_500);
        assert_eq!(c.to_channel_ms(1_100), 2_000); // in the gap
        assert_eq!(c.to_channel_ms(1_300), 10_000);
        assert_eq!(c.to_channel_ms(2_300), 11_000);
        assert_eq!(c.to_channel_ms(9_999), 12_000);
        let joined = c.join(&vec![1.0; 13 * RATE]);
        assert_eq!(joined.len(), c.len());
        assert_eq!(joined[RATE], 0.0);
    }

    #[test]
    fn chunks_split_at_a_channel_sample() {
        let c = Chunk {
            spans: vec![RATE..2 * RATE, 10 * RATE..12 * RATE],
        };
        // In the pause: the spans go whole to either side.
        let (a, b) = c.split_at(5 * RATE);
        assert_eq!(a.spans, vec![RATE..2 * RATE]);
        assert_eq!(b.spans, vec![10 * RATE..12 * RATE]);
        assert_eq!(c.joined_before(5 * RATE), a.len());
        // Inside a span: it is cut there.
        let (a, b) = c.split_at(11 * RATE);
        assert_eq!(a.spans, vec![RATE..2 * RATE, 10 * RATE..11 * RATE]);
        assert_eq!(b.spans, vec![11 * RATE..12 * RATE]);
        assert_eq!(c.joined_before(11 * RATE), 2 * RATE + CHUNK_GAP);
        assert_eq!(c.joined_before(0), 0);
        assert_eq!(c.joined_before(usize::MAX), c.len());
        let speech = Speech {
            spans: c.spans.clone(),
            detector: Detector::Energy,
            len: 13 * RATE,
        };
        assert_eq!(speech.pauses().collect::<Vec<_>>(), vec![6 * RATE]);
    }

    #[test]
    fn a_silent_channel_has_no_speech_and_a_bad_silero_file_is_named() {
        // All below SILENCE_DBFS (-80 dB): never sent to whisper, Silero
        // not even loaded.
        let quiet = bursts(2.0, &[]);
        let missing = Silero::new(Path::new("/nonexistent/ggml-silero-vad.bin"));
        assert!(channel_speech(&quiet, Some(&missing)).unwrap().is_none());
        // A loud channel runs Silero; the failure names the file.
        let loud = bursts(2.0, &[(0.5, 1.5)]);
        let err = channel_speech(&loud, Some(&missing)).unwrap_err();
        assert!(
            matches!(
                &err,
                TranscribeError::Vad { path, why: VadError::Load(_) } if path == missing.path()
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().starts_with(
                "/nonexistent/ggml-silero-vad.bin: speech detection failed: \
                 whisper.cpp could not load it: "
            ),
            "{err}"
        );
    }

    #[test]
    fn silero_hysteresis_holds_speech_between_thresholds() {
        let probs = [0.1, 0.6, 0.4, 0.36, 0.3, 0.45, 0.9];
        let frames = silero_frames(&probs, probs.len() * 32 / 10);
        let per_window = |w: usize| frames[w * 32 / 10 + 1];
        let got: Vec<bool> = (0..probs.len()).map(per_window).collect();
        assert_eq!(got, [false, true, true, true, false, false, true]);
    }
}
