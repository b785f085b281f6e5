//! Audio in: WAV files decoded to f32 channels, optionally resampled.
//!
//! Call recorders write many WAV flavours. This module reads 8/16/24/32-bit
//! integer PCM and 32-bit float through [hound], and G.711 μ-law and A-law
//! (format tags 7 and 6, which hound does not read) through [`g711`]. Stereo
//! stays two channels: recorders put agent and customer on separate channels.
//!
//! Decoding streams: samples are read in blocks and pushed through the
//! band-limited resampler ([`resample`]) as they come, so the whole recording
//! is held in memory once, as the output.

pub(crate) mod g711;
mod resample;
pub(crate) mod riff;

pub use resample::ResampleError;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The sample rate whisper works at, and the rate the pipeline analyses at.
pub const WHISPER_RATE: u32 = 16_000;

/// Lowest sample rate accepted (narrow-band telephone audio).
pub const MIN_RATE: u32 = 8_000;
/// Highest sample rate accepted.
pub const MAX_RATE: u32 = 192_000;

/// Frames decoded per block while streaming a file.
const BLOCK_FRAMES: usize = 16_384;

/// Decoded audio: one `Vec<f32>` per channel, samples in [-1, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Samples per second of every channel.
    pub sample_rate: u32,
    /// The channels, each the same length (0 = left, 1 = right).
    pub channels: Vec<Vec<f32>>,
}

impl Audio {
    /// Number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate)
    }

    /// The mean of all channels: a mono mix.
    pub fn mix(&self) -> Vec<f32> {
        match self.channels.as_slice() {
            [only] => only.clone(),
            chans => {
                let n = chans.len() as f32;
                (0..self.frames())
                    .map(|i| chans.iter().map(|c| c[i]).sum::<f32>() / n)
                    .collect()
            }
        }
    }
}

/// What the file holds, as its header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Integer PCM of the given bit depth.
    Pcm(u16),
    /// IEEE float, 32 bit.
    Float32,
    /// G.711 μ-law, 8 bit per sample.
    MuLaw,
    /// G.711 A-law, 8 bit per sample.
    ALaw,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Encoding::Pcm(bits) => write!(f, "{bits}-bit PCM"),
            Encoding::Float32 => f.write_str("32-bit float"),
            Encoding::MuLaw => f.write_str("G.711 mu-law"),
            Encoding::ALaw => f.write_str("G.711 A-law"),
        }
    }
}

/// A WAV file's format, read from its header without decoding samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavInfo {
    /// Sample encoding.
    pub encoding: Encoding,
    /// Number of channels.
    pub channels: u16,
    /// Samples per second.
    pub sample_rate: u32,
    /// Frames in the data chunk.
    pub frames: u64,
}

impl WavInfo {
    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate)
    }
}

/// Why a file could not be read. Its `Display` is one line that names the file.
#[derive(Debug)]
pub struct AudioError {
    /// The file concerned.
    pub path: PathBuf,
    /// What is wrong with it.
    pub kind: AudioErrorKind,
}

/// The problem behind an [`AudioError`].
#[derive(Debug, thiserror::Error)]
pub enum AudioErrorKind {
    /// The file could not be opened or read.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// Not a RIFF/WAVE file at all.
    #[error("not a WAV file (no RIFF/WAVE header)")]
    NotWav,
    /// A WAV file whose structure is broken.
    #[error("corrupt WAV: {0}")]
    Corrupt(String),
    /// The data chunk ends before its declared length.
    #[error("truncated WAV: the file ends inside the audio data")]
    Truncated,
    /// A valid WAV file of a kind callcoach does not read.
    #[error("unsupported WAV: {0}")]
    Unsupported(String),
    /// A valid WAV file without samples.
    #[error("empty WAV: it holds no audio samples")]
    Empty,
    /// The resampler could not be built or failed.
    #[error("resampling failed: {0}")]
    Resample(#[from] ResampleError),
}

impl fmt::Display for AudioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.kind)
    }
}

impl std::error::Error for AudioError {}

impl AudioError {
    fn new(path: &Path, kind: impl Into<AudioErrorKind>) -> Self {
        AudioError {
            path: path.to_path_buf(),
            kind: kind.into(),
        }
    }
}

/// Resamples one mono block from `from` Hz to `to` Hz with the same
/// band-limited resampler the loader uses (for live capture).
pub fn resample_mono(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, ResampleError> {
    let mut r = resample::StreamResampler::new(from, to, 1, samples.len())?;
    r.push_interleaved(samples)?;
    Ok(r.finish()?.swap_remove(0))
}

/// Reads a WAV file's format from its header, checking it is one we decode.
pub fn probe(path: &Path) -> Result<WavInfo, AudioError> {
    let file = File::open(path).map_err(|e| AudioError::new(path, e))?;
    let header =
        riff::read_header(&mut BufReader::new(file)).map_err(|k| AudioError::new(path, k))?;
    Ok(header.info)
}

/// Decodes a WAV file to f32 channels, resampled to `target_rate` if given.
///
/// `None` keeps the file's own rate. Resampling uses a band-limited
/// (anti-aliasing) FFT resampler; samples are never dropped or repeated.
pub fn load(path: &Path, target_rate: Option<u32>) -> Result<Audio, AudioError> {
    let err = |k: AudioErrorKind| AudioError::new(path, k);
    let file = File::open(path).map_err(|e| err(e.into()))?;
    let mut reader = BufReader::new(file);
    let header = riff::read_header(&mut reader).map_err(err)?;
    let info = header.info;
    let out_rate = target_rate.unwrap_or(info.sample_rate);
    let mut sink = resample::StreamResampler::new(
        info.sample_rate,
        out_rate,
        usize::from(info.channels),
        info.frames as usize,
    )
    .map_err(|e| err(AudioErrorKind::Resample(e)))?;

    reader
        .seek(SeekFrom::Start(header.data_offset))
        .map_err(|e| err(e.into()))?;
    match info.encoding {
        Encoding::MuLaw | Encoding::ALaw => {
            decode_g711(&mut reader, &info, &mut sink).map_err(err)?;
        }
        Encoding::Pcm(_) | Encoding::Float32 => {
            let data = std::io::Cursor::new(header.canonical()).chain(reader.take(header.data_len));
            decode_hound(data, &info, &mut sink).map_err(err)?;
        }
    }
    let channels = sink
        .finish()
        .map_err(|e| err(AudioErrorKind::Resample(e)))?;
    Ok(Audio {
        sample_rate: out_rate,
        channels,
    })
}

/// Streams G.711 bytes from `reader` (positioned at the data) into `sink`.
fn decode_g711(
    reader: &mut impl Read,
    info: &WavInfo,
    sink: &mut resample::StreamResampler,
) -> Result<(), AudioErrorKind> {
    let table = match info.encoding {
        Encoding::MuLaw => g711::MULAW_TABLE.as_slice(),
        _ => g711::ALAW_TABLE.as_slice(),
    };
    let chans = usize::from(info.channels);
    let mut remaining = info.frames as usize * chans;
    let mut bytes = vec![0u8; BLOCK_FRAMES * chans];
    let mut block = Vec::with_capacity(BLOCK_FRAMES * chans);
    while remaining > 0 {
        let n = remaining.min(bytes.len());
        reader
            .read_exact(&mut bytes[..n])
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => AudioErrorKind::Truncated,
                _ => AudioErrorKind::Io(e),
            })?;
        block.clear();
        block.extend(bytes[..n].iter().map(|&b| table[usize::from(b)]));
        sink.push_interleaved(&block)
            .map_err(AudioErrorKind::Resample)?;
        remaining -= n;
    }
    Ok(())
}

/// Streams PCM or float samples through hound into `sink`.
fn decode_hound<R: Read>(
    reader: R,
    info: &WavInfo,
    sink: &mut resample::StreamResampler,
) -> Result<(), AudioErrorKind> {
    let mut wav = hound::WavReader::new(reader).map_err(hound_error)?;
    let chans = usize::from(info.channels);
    let mut block = Vec::with_capacity(BLOCK_FRAMES * chans);
    match info.encoding {
        Encoding::Float32 => {
            for s in wav.samples::<f32>() {
                block.push(s.map_err(hound_error)?);
                if block.len() == block.capacity() {
                    sink.push_interleaved(&block)
                        .map_err(AudioErrorKind::Resample)?;
                    block.clear();
                }
            }
        }
        Encoding::Pcm(bits) => {
            let scale = 1.0 / (1u64 << (bits - 1)) as f32;
            for s in wav.samples::<i32>() {
                block.push(s.map_err(hound_error)? as f32 * scale);
                if block.len() == block.capacity() {
                    sink.push_interleaved(&block)
                        .map_err(AudioErrorKind::Resample)?;
                    block.clear();
                }
            }
        }
        Encoding::MuLaw | Encoding::ALaw => unreachable!("G.711 is decoded by decode_g711"),
    }
    if block.len() % chans != 0 {
        return Err(AudioErrorKind::Truncated);
    }
    sink.push_interleaved(&block)
        .map_err(AudioErrorKind::Resample)
}

/// Maps hound's errors to ours, telling truncation apart from corruption.
fn hound_error(e: hound::Error) -> AudioErrorKind {
    match e {
        hound::Error::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioErrorKind::Truncated
        }
        hound::Error::IoError(io) => AudioErrorKind::Io(io),
        hound::Error::FormatError(msg) => AudioErrorKind::Corrupt(msg.to_string()),
        hound::Error::TooWide => AudioErrorKind::Unsupported("sample width over 32 bits".into()),
        hound::Error::UnfinishedSample => AudioErrorKind::Truncated,
        hound::Error::Unsupported => AudioErrorKind::Unsupported("format hound cannot read".into()),
        hound::Error::InvalidSampleFormat => {
            AudioErrorKind::Unsupported("invalid sample format".into())
        }
    }
}
