//! A WAV file replayed block by block, as if a microphone delivered it.

use super::{CaptureError, Source};
use std::path::Path;
use std::time::{Duration, Instant};

/// Block length of the replay, like a sound card's period (20 ms).
const BLOCK_S: f64 = 0.02;

/// Replays a WAV file (any format `audio::load` reads, at its own rate and
/// channel count) in 20 ms blocks, paced at `speed` × real time.
pub struct ReplaySource {
    name: String,
    rate: u32,
    channels: u16,
    /// Interleaved samples of the whole file.
    samples: Vec<f32>,
    pos: usize,
    block: usize,
    speed: f64,
    start: Option<Instant>,
}

impl ReplaySource {
    /// Loads the file; `speed` 1 replays in real time, 0 without pauses.
    pub fn open(path: &Path, speed: f64) -> Result<Self, CaptureError> {
        let audio = crate::audio::load(path, None)?;
        let channels = audio.channels.len();
        let frames = audio.frames();
        let mut samples = Vec::with_capacity(frames * channels);
        for i in 0..frames {
            samples.extend(audio.channels.iter().map(|c| c[i]));
        }
        let block = ((f64::from(audio.sample_rate) * BLOCK_S).round() as usize).max(1) * channels;
        Ok(Self {
            name: path.display().to_string(),
            rate: audio.sample_rate,
            channels: channels as u16,
            samples,
            pos: 0,
            block,
            speed,
            start: None,
        })
    }
}

impl Source for ReplaySource {
    fn rate(&self) -> u32 {
        self.rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self) -> Result<Option<Vec<f32>>, CaptureError> {
        if self.pos >= self.samples.len() {
            return Ok(None);
        }
        let end = (self.pos + self.block).min(self.samples.len());
        if self.speed > 0.0 {
            // A device hands a block over once it has been captured: wait
            // until the block's end is due.
            let start = *self.start.get_or_insert_with(Instant::now);
            let frames_done = end / usize::from(self.channels);
            let due = frames_done as f64 / f64::from(self.rate) / self.speed;
            let wait = due - start.elapsed().as_secs_f64();
            if wait > 0.0 {
                std::thread::sleep(Duration::from_secs_f64(wait));
            }
        }
        let block = self.samples[self.pos..end].to_vec();
        self.pos = end;
        Ok(Some(block))
    }
}
