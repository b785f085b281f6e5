//! Recording a [`Source`] into a 16-bit PCM WAV file, written as it goes.
//!
//! The header's sizes are brought up to date every second (hound's
//! `flush`), so a crash or a kill loses at most the last second; a file
//! killed before its first flush has sizes of 0, which `audio::load` reads
//! to the end of the file. A normal stop or Ctrl-C finishes the header.

use super::{stop, CaptureError, Source};
use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Samples at or above this magnitude count as clipped (−0.01 dBFS).
pub const CLIP_LEVEL: f32 = 0.999;

/// How to record.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    /// Stop after this many seconds (`None`: until the source ends or Ctrl-C).
    pub max_seconds: Option<f64>,
    /// Replace an existing file instead of refusing.
    pub force: bool,
    /// Seconds between header updates (at most this much is lost on a kill).
    pub flush_every_s: f64,
}

impl Default for RecordOptions {
    fn default() -> Self {
        Self {
            max_seconds: None,
            force: false,
            flush_every_s: 1.0,
        }
    }
}

/// The level of the block just recorded, for a meter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Seconds recorded so far.
    pub elapsed_s: f64,
    /// Peak of the block in dBFS (−inf for digital silence).
    pub peak_dbfs: f64,
    /// Whether the block has clipped samples.
    pub clipped: bool,
    /// Clipped samples so far.
    pub clipped_total: u64,
}

/// Why the recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// `--seconds` reached.
    Duration,
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// The source ended (a replayed file).
    SourceEnded,
}

/// What was recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecordSummary {
    /// The WAV file written.
    pub path: PathBuf,
    /// Sample rate in Hz.
    pub rate: u32,
    /// Channels.
    pub channels: u16,
    /// Frames written.
    pub frames: u64,
    /// Seconds written.
    pub duration_s: f64,
    /// Highest peak in dBFS.
    pub peak_dbfs: f64,
    /// Samples at or above the clipping level.
    pub clipped_samples: u64,
    /// Why it stopped.
    pub stopped_by: StopReason,
}

/// Why a recording failed. `Display` is one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The output exists and `force` is off.
    #[error("{0}: already exists; choose another name or pass --force to overwrite it")]
    Exists(PathBuf),
    /// The output could not be created or written.
    #[error("{0}: cannot write: {1}")]
    Write(PathBuf, String),
    /// The source failed; what was recorded until then is kept.
    #[error("{error} (the {saved_s:.1} s recorded until then are kept in {path})")]
    Capture {
        /// The capture problem.
        error: CaptureError,
        /// The file holding what was recorded.
        path: PathBuf,
        /// Seconds kept.
        saved_s: f64,
    },
}

/// Records `source` into `out` until it ends, `max_seconds` pass or a stop
/// is requested (Ctrl-C); `on_level` sees every block's level.
pub fn record(
    source: &mut dyn Source,
    out: &Path,
    opts: &RecordOptions,
    mut on_level: impl FnMut(&Level),
) -> Result<RecordSummary, RecordError> {
    let write_err =
        |e: &dyn std::fmt::Display| RecordError::Write(out.to_path_buf(), e.to_string());
    let file = open_output(out, opts.force)?;
    let spec = hound::WavSpec {
        channels: source.channels(),
        sample_rate: source.rate(),
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut wav = hound::WavWriter::new(BufWriter::new(file), spec).map_err(|e| write_err(&e))?;
    let channels = u64::from(source.channels().max(1));
    let rate = f64::from(source.rate());
    let max_frames = opts.max_seconds.map(|s| (s * rate).round() as u64);
    let flush_frames = ((opts.flush_every_s * rate) as u64).max(1);
    let (mut frames, mut since_flush, mut peak, mut clipped_total) = (0u64, 0u64, 0f32, 0u64);
    let stopped_by = loop {
        if stop::requested() {
            break StopReason::Interrupted;
        }
        if max_frames.is_some_and(|m| frames >= m) {
            break StopReason::Duration;
        }
        let block = match source.read() {
            Ok(Some(b)) => b,
            Ok(None) => break StopReason::SourceEnded,
            Err(error) => {
                wav.finalize().map_err(|e| write_err(&e))?;
                return Err(RecordError::Capture {
                    error,
                    path: out.to_path_buf(),
                    saved_s: frames as f64 / rate,
                });
            }
        };
        // Whole frames only, and no further than --seconds.
        let mut take = block.len() as u64 / channels;
        if let Some(m) = max_frames {
            take = take.min(m - frames);
        }
        let block = &block[..(take * channels) as usize];
        let mut block_peak = 0f32;
        let mut block_clipped = 0u64;
        for &x in block {
            let a = x.abs();
            block_peak = block_peak.max(a);
            block_clipped += u64::from(a >= CLIP_LEVEL);
            let v = (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
            wav.write_sample(v).map_err(|e| write_err(&e))?;
        }
        frames += take;
        since_flush += take;
        peak = peak.max(block_peak);
        clipped_total += block_clipped;
        if since_flush >= flush_frames {
            wav.flush().map_err(|e| write_err(&e))?;
            since_flush = 0;
        }
        on_level(&Level {
            elapsed_s: frames as f64 / rate,
            peak_dbfs: dbfs(block_peak),
            clipped: block_clipped > 0,
            clipped_total,
        });
    };
    wav.finalize().map_err(|e| write_err(&e))?;
    Ok(RecordSummary {
        path: out.to_path_buf(),
        rate: source.rate(),
        channels: source.channels(),
        frames,
        duration_s: frames as f64 / rate,
        peak_dbfs: dbfs(peak),
        clipped_samples: clipped_total,
        stopped_by,
    })
}

/// Creates the output: refuses an existing file unless `force`.
fn open_output(out: &Path, force: bool) -> Result<File, RecordError> {
    let mut o = OpenOptions::new();
    o.write(true).read(true);
    if force {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    o.open(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => RecordError::Exists(out.to_path_buf()),
        _ => RecordError::Write(out.to_path_buf(), e.to_string()),
    })
}

/// A linear magnitude in dBFS.
pub fn dbfs(x: f32) -> f64 {
    20.0 * f64::from(x).log10()
}
