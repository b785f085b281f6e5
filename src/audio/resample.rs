//! Streaming, band-limited sample-rate conversion.
//!
//! Decoders push interleaved blocks; [`StreamResampler`] de-interleaves them
//! and runs them through rubato's synchronous FFT resampler, which low-pass
//! filters before decimating (no aliasing) and never drops or repeats samples.
//! The output is allocated once, at its final size, from the frame count in
//! the WAV header.

use rubato::{FftFixedIn, Resampler};

/// Input frames per resampler call.
const CHUNK: usize = 1024;

/// Collects pushed samples into per-channel output at the target rate.
pub struct StreamResampler {
    channels: usize,
    /// `None` when input and output rates are equal.
    engine: Option<Engine>,
    out: Vec<Vec<f32>>,
    expected_out: usize,
}

struct Engine {
    resampler: FftFixedIn<f32>,
    /// De-interleaved input waiting for a full chunk.
    pending: Vec<Vec<f32>>,
    /// Reused output buffer of one call.
    buffer: Vec<Vec<f32>>,
    /// Output frames still to discard (the resampler's delay).
    skip: usize,
}

impl StreamResampler {
    /// Prepares conversion of `frames_hint` frames of `channels` channels.
    pub fn new(
        in_rate: u32,
        out_rate: u32,
        channels: usize,
        frames_hint: usize,
    ) -> Result<Self, String> {
        let ratio = f64::from(out_rate) / f64::from(in_rate);
        let expected_out = (frames_hint as f64 * ratio).round() as usize;
        let engine = if in_rate == out_rate {
            None
        } else {
            let resampler =
                FftFixedIn::<f32>::new(in_rate as usize, out_rate as usize, CHUNK, 2, channels)
                    .map_err(|e| e.to_string())?;
            let buffer = resampler.output_buffer_allocate(true);
            let skip = resampler.output_delay();
            Some(Engine {
                resampler,
                pending: vec![Vec::with_capacity(CHUNK); channels],
                buffer,
                skip,
            })
        };
        Ok(StreamResampler {
            channels,
            engine,
            out: vec![Vec::with_capacity(expected_out + 4 * CHUNK); channels],
            expected_out,
        })
    }

    /// Adds interleaved samples (a whole number of frames).
    pub fn push_interleaved(&mut self, samples: &[f32]) -> Result<(), String> {
        let chans = self.channels;
        let Some(engine) = self.engine.as_mut() else {
            for (c, out) in self.out.iter_mut().enumerate() {
                out.extend(samples.iter().skip(c).step_by(chans));
            }
            return Ok(());
        };
        for frame in samples.chunks_exact(chans) {
            for (pending, &s) in engine.pending.iter_mut().zip(frame) {
                pending.push(s);
            }
            if engine.pending[0].len() == CHUNK {
                engine.run(&mut self.out, false)?;
            }
        }
        Ok(())
    }

    /// Flushes the resampler and returns the channels at the output rate.
    pub fn finish(mut self) -> Result<Vec<Vec<f32>>, String> {
        if let Some(engine) = self.engine.as_mut() {
            // The last partial chunk, then zeros until the delayed tail is out.
            engine.run(&mut self.out, true)?;
            while self.out[0].len() < self.expected_out {
                engine.run(&mut self.out, true)?;
            }
            for ch in &mut self.out {
                ch.truncate(self.expected_out);
            }
        }
        Ok(self.out)
    }
}

impl Engine {
    /// Resamples the pending input (zero-padded when `partial`) into `out`.
    fn run(&mut self, out: &mut [Vec<f32>], partial: bool) -> Result<(), String> {
        let (_, produced) = if partial {
            self.resampler
                .process_partial_into_buffer(Some(&self.pending), &mut self.buffer, None)
        } else {
            self.resampler
                .process_into_buffer(&self.pending, &mut self.buffer, None)
        }
        .map_err(|e| e.to_string())?;
        for p in &mut self.pending {
            p.clear();
        }
        let skip = self.skip.min(produced);
        self.skip -= skip;
        for (o, b) in out.iter_mut().zip(&self.buffer) {
            o.extend_from_slice(&b[skip..produced]);
        }
        Ok(())
    }
}
