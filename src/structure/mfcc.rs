//! Short-time voice features for speaker clustering: MFCCs and F0.
//!
//! MFCCs follow Davis & Mermelstein (1980): pre-emphasis, Hamming window,
//! power spectrum, triangular mel filterbank, log, DCT-II. The filterbank is
//! limited to the telephone band (default 200–3800 Hz) so that wideband and
//! narrowband recordings give comparable coefficients.
//!
//! F0 is the voice features' tracker ([`crate::features::pitch::track`],
//! Boersma 1993 as Praat's "To Pitch (ac)", with its default settings),
//! read at each frame's centre, so that the clustering and the voice report
//! hear the same pitch.
//!
//! One FFT plan is made per analyser and all buffers are reused across
//! frames.

use crate::features::pitch::{self, PitchParams};
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};
use std::sync::Arc;

/// Number of cepstral coefficients kept (c0..c12).
pub const N_MFCC: usize = 13;

/// Features of one analysis frame.
#[derive(Debug, Clone, Copy)]
pub struct FrameFeatures {
    /// c0..c12; c0 carries loudness and is usually left out of speaker models.
    pub mfcc: [f32; N_MFCC],
    /// Fundamental frequency in Hz, `None` when the frame is unvoiced.
    pub f0: Option<f32>,
}

/// Frame-by-frame MFCC and F0 analyser; frame `i` is centred at `i * hop`.
pub struct FrameAnalyzer {
    sample_rate: u32,
    frame_len: usize,
    hop: usize,
    fft: Arc<dyn Fft<f32>>,
    hamming: Vec<f32>,
    /// Per mel filter: first FFT bin and weights from there.
    mel: Vec<(usize, Vec<f32>)>,
    dct: Vec<[f32; N_MFCC]>,
    buf: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    frame: Vec<f32>,
    power: Vec<f32>,
    logmel: Vec<f32>,
}

fn hz_to_mel(hz: f32) -> f32 {
    2595.0 * (1.0 + hz / 700.0).log10()
}

fn mel_to_hz(mel: f32) -> f32 {
    700.0 * (10f32.powf(mel / 2595.0) - 1.0)
}

impl FrameAnalyzer {
    /// Analyser with 25 ms frames, the given hop and 24 mel filters over
    /// 200–3800 Hz (capped at Nyquist).
    pub fn new(sample_rate: u32, hop: usize) -> Self {
        let sr = sample_rate as f32;
        let frame_len = ((0.025 * sr) as usize).max(16);
        // Zero padded to twice the frame and up to a power of two: bins of
        // 16 Hz at 16 kHz resolve the narrow low mel filters.
        let fft_len = (2 * frame_len).next_power_of_two();
        let mut planner = FftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(fft_len);
        let scratch_len = fft.get_inplace_scratch_len();
        let n = frame_len as f32;
        let hamming: Vec<f32> = (0..frame_len)
            .map(|i| 0.54 - 0.46 * (2.0 * std::f32::consts::PI * i as f32 / (n - 1.0)).cos())
            .collect();

        let n_filters = 24;
        let lo = 200.0f32;
        let hi = 3800.0f32.min(sr / 2.0 - 50.0);
        let (mlo, mhi) = (hz_to_mel(lo), hz_to_mel(hi));
        let edges: Vec<f32> = (0..n_filters + 2)
            .map(|k| mel_to_hz(mlo + (mhi - mlo) * k as f32 / (n_filters + 1) as f32))
            .collect();
        let bin_hz = sr / fft_len as f32;
        let mel = (0..n_filters)
            .map(|m| {
                let (l, c, r) = (edges[m], edges[m + 1], edges[m + 2]);
                let first = (l / bin_hz).ceil() as usize;
                let last = ((r / bin_hz).floor() as usize).min(fft_len / 2);
                let w = (first..=last)
                    .map(|b| {
                        let f = b as f32 * bin_hz;
                        if f <= c {
                            ((f - l) / (c - l)).max(0.0)
                        } else {
                            ((r - f) / (r - c)).max(0.0)
                        }
                    })
                    .collect();
                (first, w)
            })
            .collect();
        let dct = (0..n_filters)
            .map(|m| {
                let mut row = [0f32; N_MFCC];
                for (k, v) in row.iter_mut().enumerate() {
                    *v = (std::f32::consts::PI * k as f32 * (m as f32 + 0.5) / n_filters as f32)
                        .cos();
                }
                row
            })
            .collect();
        Self {
            sample_rate,
            frame_len,
            hop,
            fft,
            hamming,
            mel,
            dct,
            buf: vec![Complex::default(); fft_len],
            scratch: vec![Complex::default(); scratch_len],
            frame: vec![0.0; frame_len],
            power: vec![0.0; fft_len / 2 + 1],
            logmel: vec![0.0; n_filters],
        }
    }

    /// Features of every frame of `signal` (frame `i` centred at
    /// `(i + ½)·hop`); F0 from the pitch track at the frame's centre.
    pub fn analyze(&mut self, signal: &[f32]) -> Vec<FrameFeatures> {
        let n_frames = signal.len().div_ceil(self.hop.max(1));
        let f0 = pitch::track(signal, self.sample_rate, &PitchParams::default());
        let rate = self.sample_rate as f64;
        (0..n_frames)
            .map(|i| {
                let centre = (i * self.hop + self.hop / 2) as isize;
                let start = centre - (self.frame_len / 2) as isize;
                for (j, v) in self.frame.iter_mut().enumerate() {
                    let idx = start + j as isize;
                    *v = if idx >= 0 && (idx as usize) < signal.len() {
                        signal[idx as usize]
                    } else {
                        0.0
                    };
                }
                let mfcc = self.mfcc_of_frame();
                let f0 = f0.at(centre as f64 / rate);
                FrameFeatures { mfcc, f0 }
            })
            .collect()
    }

    fn mfcc_of_frame(&mut self) -> [f32; N_MFCC] {
        for c in self.buf.iter_mut() {
            *c = Complex::default();
        }
        let mut prev = 0.0f32;
        for (j, &x) in self.frame.iter().enumerate() {
            let pre = x - 0.97 * prev;
            prev = x;
            self.buf[j] = Complex::new(pre * self.hamming[j], 0.0);
        }
        self.fft
            .process_with_scratch(&mut self.buf, &mut self.scratch);
        for (k, p) in self.power.iter_mut().enumerate() {
            *p = self.buf[k].norm_sqr();
        }
        for (m, (first, w)) in self.mel.iter().enumerate() {
            let e: f32 = w
                .iter()
                .enumerate()
                .map(|(j, wj)| wj * self.power[first + j])
                .sum();
            self.logmel[m] = (e + 1e-10).ln();
        }
        let mut out = [0f32; N_MFCC];
        for (m, row) in self.dct.iter().enumerate() {
            for k in 0..N_MFCC {
                out[k] += row[k] * self.logmel[m];
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f0_of_a_harmonic_tone() {
        // A 180 Hz tone with harmonics: F0 must come out at 180 Hz (±1 %).
        let sr = 16000;
        let sig: Vec<f32> = (0..sr)
            .map(|i| {
                let t = i as f32 / sr as f32;
                (1..5)
                    .map(|h| (2.0 * std::f32::consts::PI * 180.0 * h as f32 * t).sin() / h as f32)
                    .sum::<f32>()
                    * 0.2
            })
            .collect();
        let mut a = FrameAnalyzer::new(sr as u32, 160);
        let feats = a.analyze(&sig);
        let f0s: Vec<f32> = feats[10..90].iter().filter_map(|f| f.f0).collect();
        assert_eq!(f0s.len(), 80);
        for f in f0s {
            assert!((f - 180.0).abs() < 1.8, "f0 {f}");
        }
    }
}
