//! Streaming, band-limited sample-rate conversion.
//!
//! Decoders push interleaved blocks; [`StreamResampler`] de-interleaves them
//! and runs them through rubato's synchronous FFT resampler, which low-pass
//! filters before decimating (no aliasing) and never drops or repeats samples.
//! The output is allocated once, at its final size, from the frame count in
//! the WAV header.

use rubato::{FftFixedIn, Resampler};

/// Why resampling failed (rubato refused the rates or a block).
#[derive(Debug, thiserror::Error)]
pub enum ResampleError {
    /// A rate of 0 Hz.
    #[error("cannot convert {from} Hz to {to} Hz: rates must be above 0 Hz")]
    ZeroRate {
        /// Input rate (Hz).
        from: u32,
        /// Output rate (Hz).
        to: u32,
    },
    /// No resampler from `from` Hz to `to` Hz could be built.
    #[error("cannot convert {from} Hz to {to} Hz: {source}")]
    Build {
        /// Input rate (Hz).
        from: u32,
        /// Output rate (Hz).
        to: u32,
        /// rubato's reason.
        source: rubato::ResamplerConstructionError,
    },
    /// A block could not be converted.
    #[error("{0}")]
    Process(#[from] rubato::ResampleError),
}

/// Input frames per resampler call, roughly.
const CHUNK: usize = 1024;

/// An input chunk size near [`CHUNK`] that keeps rubato's FFT sizes even.
///
/// rubato reports the FFT resampler's delay as `fft_size_out / 2`; with an
/// odd output FFT size that is half a sample off, which misaligns the whole
/// output (48 kHz to 16 kHz, for one). An even number of "units" of
/// `in_rate / gcd` frames makes both FFT sizes even.
fn chunk_size(in_rate: usize, out_rate: usize) -> usize {
    let unit = in_rate / gcd(in_rate, out_rate);
    let units = CHUNK.div_ceil(unit).next_multiple_of(2);
    unit * units
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

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
    ) -> Result<Self, ResampleError> {
        let ratio = f64::from(out_rate) / f64::from(in_rate);
        let expected_out = (frames_hint as f64 * ratio).round() as usize;
        let engine = if in_rate == 0 || out_rate == 0 {
            return Err(ResampleError::ZeroRate {
                from: in_rate,
                to: out_rate,
            });
        } else if in_rate == out_rate {
            None
        } else {
            let (rin, rout) = (in_rate as usize, out_rate as usize);
            let chunk = chunk_size(rin, rout);
            let resampler =
                FftFixedIn::<f32>::new(rin, rout, chunk, 1, channels).map_err(|source| {
                    ResampleError::Build {
                        from: in_rate,
                        to: out_rate,
                        source,
                    }
                })?;
            let buffer = resampler.output_buffer_allocate(true);
            let skip = resampler.output_delay();
            Some(Engine {
                resampler,
                pending: vec![Vec::with_capacity(chunk); channels],
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
    pub fn push_interleaved(&mut self, samples: &[f32]) -> Result<(), ResampleError> {
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
            if engine.pending[0].len() == engine.resampler.input_frames_next() {
                engine.run(&mut self.out, false)?;
            }
        }
        Ok(())
    }

    /// Flushes the resampler and returns the channels at the output rate.
    pub fn finish(mut self) -> Result<Vec<Vec<f32>>, ResampleError> {
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
    fn run(&mut self, out: &mut [Vec<f32>], partial: bool) -> Result<(), ResampleError> {
        let (_, produced) = if partial {
            // rubato reads an empty channel as "inactive": pass None instead.
            let input = (!self.pending[0].is_empty()).then_some(self.pending.as_slice());
            self.resampler
                .process_partial_into_buffer(input, &mut self.buffer, None)
        } else {
            self.resampler
                .process_into_buffer(&self.pending, &mut self.buffer, None)
        }?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_length_follows_the_rate_ratio() {
        for (rin, rout, n) in [
            (8000, 16000, 3000),
            (44100, 16000, 44100),
            (16000, 16000, 77),
        ] {
            let mut s = StreamResampler::new(rin, rout, 2, n).unwrap();
            let x: Vec<f32> = (0..2 * n).map(|i| (i as f32 * 0.01).sin()).collect();
            s.push_interleaved(&x).unwrap();
            let out = s.finish().unwrap();
            let want = (n as f64 * f64::from(rout) / f64::from(rin)).round() as usize;
            assert_eq!(out[0].len(), want);
            assert_eq!(out[1].len(), want);
        }
    }

    #[test]
    fn an_impossible_rate_is_a_one_line_error_naming_both_rates() {
        let e = StreamResampler::new(0, 16000, 1, 10)
            .err()
            .expect("0 Hz fails");
        let text = e.to_string();
        assert!(
            text.starts_with("cannot convert 0 Hz to 16000 Hz: "),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }
}
