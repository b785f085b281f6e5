//! Audio capture: the microphone through cpal, or a WAV file replayed as if
//! it were one.
//!
//! Everything downstream (`record`, `live`) reads from a [`Source`]: blocks
//! of interleaved f32 samples at a fixed rate and channel count. The replay
//! source exists so that the tests (and CI machines, which have no sound
//! card) drive exactly the code a microphone drives.

pub mod device;
mod quiet;
pub mod recorder;
pub mod replay;
pub mod stop;

use std::path::PathBuf;

/// A stream of audio blocks: a microphone or a replayed file.
pub trait Source {
    /// Samples per second of every channel.
    fn rate(&self) -> u32;
    /// Channels per frame (samples are interleaved).
    fn channels(&self) -> u16;
    /// What the audio comes from, for messages.
    fn name(&self) -> &str;
    /// The next block of interleaved samples in [-1, 1], waiting for it if
    /// need be; `Ok(None)` when the source has ended (a replayed file).
    fn read(&mut self) -> Result<Option<Vec<f32>>, CaptureError>;
    /// Blocks lost so far because the reader fell behind (a device keeps
    /// delivering and cannot wait).
    fn lost_blocks(&self) -> usize {
        0
    }
}

/// Where to take audio from.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    /// An input device: `None` for the system default, or (part of) its name.
    Device {
        /// Name or part of it; `None` for the default input device.
        name: Option<String>,
        /// Requested sample rate (the device's default if `None`).
        rate: Option<u32>,
        /// Requested channel count (the device's default if `None`).
        channels: Option<u16>,
    },
    /// A WAV file replayed in blocks, at `speed` times real time (0: as fast
    /// as it can be read).
    Replay {
        /// The file to replay.
        path: PathBuf,
        /// Pace relative to real time; 0 for no pacing.
        speed: f64,
    },
}

impl SourceSpec {
    /// Opens the source.
    pub fn open(&self) -> Result<Box<dyn Source>, CaptureError> {
        match self {
            SourceSpec::Device {
                name,
                rate,
                channels,
            } => Ok(Box::new(device::DeviceSource::open(
                name.as_deref(),
                *rate,
                *channels,
            )?)),
            SourceSpec::Replay { path, speed } => {
                Ok(Box::new(replay::ReplaySource::open(path, *speed)?))
            }
        }
    }
}

/// Why audio could not be captured. `Display` is one line.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The system has no audio input at all (typical of servers and CI).
    #[error("no audio input device found (no sound card, or ALSA cannot open one); connect a microphone, or replay a file with --replay FILE.wav")]
    NoDevice,
    /// No input device matches the requested name.
    #[error("no input device matches {wanted:?}; available: {available}")]
    DeviceNotFound {
        /// The name asked for.
        wanted: String,
        /// The devices there are, comma-separated.
        available: String,
    },
    /// The device refused the configuration or the stream.
    #[error("audio device {device}: {message}")]
    Device {
        /// The device's name.
        device: String,
        /// What went wrong.
        message: String,
    },
    /// The device stopped delivering audio.
    #[error("audio device {0}: no audio for 2 s (unplugged or stalled?)")]
    Stalled(String),
    /// The file to replay could not be read.
    #[error(transparent)]
    Replay(#[from] crate::audio::AudioError),
}
