//! Frame levels: the mean-square level of short frames, in dB full scale.
//!
//! Frame `i` is centred at `(i + ½)·hop` and spans `window` samples around
//! that centre, cut at the ends of the signal (the first frames start at
//! sample 0). There are `⌈len / hop⌉` frames, so frame `i` stands for the
//! time `i·hop .. (i+1)·hop`. With `window = hop` the frames are the
//! consecutive, non-overlapping chunks of the signal; with `window = 2·hop`
//! each frame also sees half a hop on either side, which smooths the track.

/// Where the frames lie: the hop between frame centres and the window length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Framing {
    /// Time between frame centres in seconds.
    pub hop_s: f64,
    /// Window length in seconds.
    pub window_s: f64,
}

impl Framing {
    /// 20 ms windows every 10 ms: the structure analysis's speech activity
    /// (overlapping windows smooth the level track of 8 kHz telephone audio).
    pub const WINDOW_20MS_HOP_10MS: Framing = Framing {
        hop_s: 0.010,
        window_s: 0.020,
    };

    /// Consecutive 10 ms frames: where whisper listens (the speech spans and
    /// the speech mask of the transcription).
    pub const CONTIGUOUS_10MS: Framing = Framing {
        hop_s: 0.010,
        window_s: 0.010,
    };

    /// Hop and window in samples at `sample_rate` Hz (at least one sample each).
    pub fn samples(&self, sample_rate: u32) -> (usize, usize) {
        let hop = ((self.hop_s * sample_rate as f64).round() as usize).max(1);
        let win = ((self.window_s * sample_rate as f64).round() as usize).max(1);
        (hop, win)
    }
}

/// Level of every frame of `signal` (samples in [-1, 1] at `sample_rate`
/// Hz) in dB full scale: `10·log10(mean square + 10⁻¹²)`, so digital
/// silence reads −120 dB. See the module docs for where the frames lie.
pub fn frame_levels_db(signal: &[f32], sample_rate: u32, framing: Framing) -> Vec<f32> {
    let (hop, win) = framing.samples(sample_rate);
    let n = signal.len().div_ceil(hop);
    (0..n)
        .map(|i| {
            let centre = i * hop + hop / 2;
            let start = centre.saturating_sub(win / 2);
            let end = (start + win).min(signal.len());
            let seg = &signal[start.min(end)..end];
            let e = if seg.is_empty() {
                0.0
            } else {
                seg.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>() / seg.len() as f64
            };
            (10.0 * (e + 1e-12).log10()) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_frames_are_the_chunks_of_the_signal() {
        // 16 kHz: 160-sample frames. Two frames of a full-scale square wave
        // (mean square 1: 0 dB), one of amplitude 0.1 (-20 dB), a short
        // last frame of silence (-120 dB).
        let mut x: Vec<f32> = (0..320)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        x.extend((0..160).map(|i| if i % 2 == 0 { 0.1 } else { -0.1 }));
        x.extend([0.0; 40]);
        let l = frame_levels_db(&x, 16_000, Framing::CONTIGUOUS_10MS);
        assert_eq!(l.len(), 4);
        // f32 levels: 10 log10(1 + 1e-12) rounds to 0; -20 dB to 1e-5.
        for (got, want) in l.iter().zip([0.0, 0.0, -20.0, -120.0]) {
            assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        }
    }

    #[test]
    fn overlapping_windows_see_half_a_hop_either_side() {
        // 8 kHz: hop 80, window 160. Frame 1 spans samples 40..200: half
        // of it (40..120) full scale, half silent: mean square 0.5, -3.01 dB.
        let mut x = vec![0.0f32; 400];
        x[..120].iter_mut().for_each(|v| *v = 1.0);
        let l = frame_levels_db(&x, 8_000, Framing::WINDOW_20MS_HOP_10MS);
        assert_eq!(l.len(), 5);
        assert!((l[1] + 3.0103).abs() < 1e-3, "{}", l[1]);
        // Frame 0 starts at sample 0 (0..160): 120 of 160 loud, -1.249 dB.
        assert!((l[0] + 1.2494).abs() < 1e-3, "{}", l[0]);
    }
}
