//! Signal-processing building blocks shared by the voice features: Praat-style
//! frame placement, windows, a planned short-time Fourier transform (STFT)
//! whose FFT plans and buffers are made once and reused, a planned
//! autocorrelator, windowed-sinc interpolation and Brent maximisation.
//!
//! Everything here is deterministic and allocation-free in the hot loops: the
//! structs own their scratch buffers, and callers reuse the structs across
//! frames.

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};
use std::f64::consts::PI;
use std::sync::Arc;

/// Frame grid of a short-term analysis, placed as Praat's
/// `Sampled_shortTermAnalysis` does: as many frames as fit in the signal,
/// centred symmetrically, so that frame times agree with Praat's to the sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameGrid {
    /// Number of frames (0 when the signal is shorter than one window).
    pub count: usize,
    /// Time of the first frame's centre in seconds.
    pub first_time_s: f64,
    /// Distance between frame centres in seconds.
    pub step_s: f64,
}

impl FrameGrid {
    /// Fits frames of `window_s` seconds every `step_s` seconds into `n_samples`
    /// samples at `rate` Hz.
    pub fn fit(n_samples: usize, rate: u32, window_s: f64, step_s: f64) -> Self {
        // The float operations follow Praat's order, so that frame centres
        // fall on the same side of sample boundaries as Praat's.
        let dx = 1.0 / rate as f64;
        let x1 = 0.5 * dx;
        let duration = dx * n_samples as f64;
        if window_s > duration || step_s <= 0.0 {
            return Self {
                count: 0,
                first_time_s: 0.0,
                step_s,
            };
        }
        let count = ((duration - window_s) / step_s).floor() as usize + 1;
        let mid = x1 - 0.5 * dx + 0.5 * duration;
        let first_time_s = mid - 0.5 * (count as f64 * step_s) + 0.5 * step_s;
        Self {
            count,
            first_time_s,
            step_s,
        }
    }

    /// Centre time of frame `i` in seconds.
    pub fn time(&self, i: usize) -> f64 {
        self.first_time_s + i as f64 * self.step_s
    }

    /// Index of the frame whose centre is nearest to `t` (clamped).
    pub fn nearest(&self, t: f64) -> usize {
        if self.count == 0 {
            return 0;
        }
        let i = ((t - self.first_time_s) / self.step_s).round();
        (i.max(0.0) as usize).min(self.count - 1)
    }
}

/// Hann window of Praat's pitch analysis: `0.5 - 0.5 cos(2 pi i / (n + 1))`,
/// i = 1..n, which is zero just outside the window on both sides.
pub fn hann_praat(n: usize) -> Vec<f64> {
    (1..=n)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / (n as f64 + 1.0)).cos())
        .collect()
}

/// Periodic Hann window of length `n` for spectral analysis.
pub fn hann(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos())
        .collect()
}

/// Modified Bessel function of the first kind, order 0 (power series), used
/// for the Kaiser window of Praat's intensity analysis.
pub fn bessel_i0(x: f64) -> f64 {
    let q = 0.25 * x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1.0;
    while term > 1e-12 * sum {
        term *= q / (k * k);
        sum += term;
        k += 1.0;
    }
    sum
}

/// The FFT length to use for at least `min` points: the smallest 2^k, 3·2^k,
/// 5·2^k or 9·2^k not below it. These sizes run nearly as fast per point as
/// powers of two in rustfft, and save up to half of the work when `min` lies
/// just above a power of two (a 43 ms pitch window needs 1026 points: 1152,
/// not 2048).
pub fn fft_len_at_least(min: usize) -> usize {
    [1, 3, 5, 9]
        .iter()
        .map(|&m| {
            let mut n = m;
            while n < min {
                n *= 2;
            }
            n
        })
        .min()
        .unwrap_or(min)
}

/// Planned autocorrelation of real frames through the FFT (Wiener–Khinchin):
/// the inverse FFT of the power spectrum. Two real frames are transformed at
/// once as the real and imaginary parts of one complex FFT, so each pair of
/// frames costs one forward and one inverse transform. The transforms run in
/// f32, which gives twice the SIMD lanes of f64; the pitch tests show Praat's
/// track (computed in f64) still reproduced frame by frame.
pub struct AutoCorrelator {
    n: usize,
    fwd: Arc<dyn Fft<f32>>,
    inv: Arc<dyn Fft<f32>>,
    buf: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

impl AutoCorrelator {
    /// Plans FFTs of length `n` (zero padding included) and allocates buffers.
    pub fn new(n: usize) -> Self {
        let mut planner = FftPlanner::new();
        let fwd = planner.plan_fft_forward(n);
        let inv = planner.plan_fft_inverse(n);
        let scratch_len = fwd
            .get_inplace_scratch_len()
            .max(inv.get_inplace_scratch_len());
        Self {
            n,
            fwd,
            inv,
            buf: vec![Complex::new(0.0, 0.0); n],
            scratch: vec![Complex::new(0.0, 0.0); scratch_len],
        }
    }

    /// FFT length.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: an autocorrelator has a positive FFT length.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Autocorrelations (unnormalised, lags 0..out.len()) of frames `a` and `b`
    /// (each at most `len()` samples, zero padded). `b` may be empty.
    pub fn pair(&mut self, a: &[f64], b: &[f64], out_a: &mut [f64], out_b: &mut [f64]) {
        let n = self.n;
        let used = a.len().max(b.len()).min(n);
        for (k, c) in self.buf[..used].iter_mut().enumerate() {
            *c = Complex::new(
                a.get(k).map_or(0.0, |&v| v as f32),
                b.get(k).map_or(0.0, |&v| v as f32),
            );
        }
        self.buf[used..].fill(Complex::new(0.0, 0.0));
        self.fwd
            .process_with_scratch(&mut self.buf, &mut self.scratch);
        // Split the two spectra and form |A|^2 + i |B|^2 in place, k and n-k
        // together. With z = Z[k] and w = Z[n-k]: A = (z + conj w) / 2 and
        // B = (z - conj w) / 2i, so |A|^2 = ((zr+wr)^2 + (zi-wi)^2) / 4 and
        // |B|^2 = ((zi+wi)^2 + (zr-wr)^2) / 4.
        let power = |z: Complex<f32>, w: Complex<f32>| {
            let (sr, di) = (z.re + w.re, z.im - w.im);
            let (si, dr) = (z.im + w.im, z.re - w.re);
            Complex::new(0.25 * (sr * sr + di * di), 0.25 * (si * si + dr * dr))
        };
        let z0 = self.buf[0];
        self.buf[0] = Complex::new(z0.re * z0.re, z0.im * z0.im);
        // lo = Z[0..m], hi = Z[m..n]; Z[n-k] for k = 1..m runs backwards
        // through hi, after its first element when n is even (Z[n/2] pairs
        // with itself).
        let m = n.div_ceil(2);
        let even = n.is_multiple_of(2);
        let (lo, hi) = self.buf.split_at_mut(m);
        for (z, w) in lo[1..].iter_mut().zip(hi[even as usize..].iter_mut().rev()) {
            let v = power(*z, *w);
            *z = v;
            *w = v;
        }
        if even && n > 0 {
            let z = self.buf[m];
            self.buf[m] = power(z, z);
        }
        self.inv
            .process_with_scratch(&mut self.buf, &mut self.scratch);
        for (o, c) in out_a.iter_mut().zip(&self.buf) {
            *o = c.re as f64;
        }
        for (o, c) in out_b.iter_mut().zip(&self.buf) {
            *o = c.im as f64;
        }
    }
}

/// Planned short-time Fourier transform of real frames with a periodic Hann
/// window: plan, window and buffers are made once; `power` reuses them.
pub struct Stft {
    len: usize,
    window: Vec<f64>,
    fft: Arc<dyn Fft<f64>>,
    buf: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    power: Vec<f64>,
}

impl Stft {
    /// Plans an STFT over frames of `len` samples (FFT length = `len`).
    pub fn new(len: usize) -> Self {
        let mut planner = FftPlanner::new();
        let fft = planner.plan_fft_forward(len);
        let scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
        Self {
            len,
            window: hann(len),
            fft,
            buf: vec![Complex::new(0.0, 0.0); len],
            scratch,
            power: vec![0.0; len / 2 + 1],
        }
    }

    /// Frame length in samples.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: an STFT has a positive frame length.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Power spectrum (bins 0..=len/2) of the windowed frame starting at
    /// `start` in `x` (zero padded past the end), with the frame's mean removed.
    pub fn power(&mut self, x: &[f32], start: usize) -> &[f64] {
        let end = (start + self.len).min(x.len());
        let seg = if start < end { &x[start..end] } else { &[][..] };
        let mean = if seg.is_empty() {
            0.0
        } else {
            seg.iter().map(|&v| v as f64).sum::<f64>() / seg.len() as f64
        };
        for (i, c) in self.buf.iter_mut().enumerate() {
            let v = seg.get(i).map(|&v| v as f64 - mean).unwrap_or(0.0);
            *c = Complex::new(v * self.window[i], 0.0);
        }
        self.fft
            .process_with_scratch(&mut self.buf, &mut self.scratch);
        for (p, c) in self.power.iter_mut().zip(self.buf.iter()) {
            *p = c.norm_sqr();
        }
        &self.power
    }
}

/// Value at real position `x` of a sequence that is symmetric around 0
/// (`y[-i] = y[i]`, stored for i = 0..=ixmax), by sin(x)/x interpolation with
/// a raised-cosine taper over at most `depth` samples on each side, as in
/// Praat's `NUM_interpolate_sinc` (the depth shrinks near the ends).
pub fn sinc_interp_symmetric(y: &[f64], x: f64, depth: usize) -> f64 {
    let ixmax = y.len() as i64 - 1;
    let at = |i: i64| y[i.unsigned_abs() as usize];
    if x >= ixmax as f64 {
        return at(ixmax);
    }
    if x <= -(ixmax as f64) {
        return at(-ixmax);
    }
    let midleft = x.floor() as i64;
    if x == midleft as f64 {
        return at(midleft);
    }
    let midright = midleft + 1;
    let mut depth = depth as i64;
    depth = depth.min(midleft + ixmax + 1).min(ixmax - midleft);
    if depth <= 0 {
        return at((x + 0.5).floor() as i64);
    }
    if depth == 1 {
        return at(midleft) + (x - midleft as f64) * (at(midright) - at(midleft));
    }
    // Both halves have `depth` taps: left at distances x - ix for ix =
    // midleft down to midright - depth, right at ix - x for ix = midright up
    // to midleft + depth. Each tap is sin(a)/a times a Hann weight
    // (1 + cos(a / width)) / 2, with a stepping by pi: sin(a) only changes
    // sign and the cosine follows a rotation recurrence. The two halves run
    // in one loop so that their recurrences overlap in the pipeline.
    let frac = x - midleft as f64;
    let half_sin = 0.5 * (PI * frac).sin(); // sin(pi (1 - frac)) is the same
    let half = |a0: f64, width: f64| {
        let (s0, c0) = (a0 / width).sin_cos();
        let (sd, cd) = (PI / width).sin_cos();
        (a0, c0, s0, cd, sd)
    };
    let depth_f = depth as f64;
    let (mut al, mut cl, mut sl, cdl, sdl) = half(PI * frac, frac + depth_f);
    let (mut ar, mut cr, mut sr, cdr, sdr) = half(PI * (1.0 - frac), depth_f + 1.0 - frac);
    let (mut sum_l, mut sum_r) = (0.0, 0.0);
    let mut sign = half_sin;
    for k in 0..depth {
        sum_l += at(midleft - k) * sign / al * (1.0 + cl);
        sum_r += at(midright + k) * sign / ar * (1.0 + cr);
        al += PI;
        ar += PI;
        let c = cl * cdl - sl * sdl;
        sl = cl * sdl + sl * cdl;
        cl = c;
        let c = cr * cdr - sr * sdr;
        sr = cr * sdr + sr * cdr;
        cr = c;
        sign = -sign;
    }
    sum_l + sum_r
}

/// Maximises `f` on `[a, b]` by Brent's method (golden section with parabolic
/// steps; Brent 1973, ch. 5), starting from `x0` (a good first guess, e.g. a
/// parabolic estimate, saves most evaluations). Returns `(x, f(x))`; stops
/// when the bracket is narrower than about `tol`.
pub fn brent_maximize(
    f: impl Fn(f64) -> f64,
    mut a: f64,
    mut b: f64,
    x0: Option<f64>,
    tol: f64,
) -> (f64, f64) {
    const GOLD: f64 = 0.381_966_011_250_105_1;
    let g = |x: f64| -f(x);
    let mut x = match x0 {
        Some(x0) if x0 > a && x0 < b => x0,
        _ => a + GOLD * (b - a),
    };
    let (mut w, mut v) = (x, x);
    let mut fx = g(x);
    let (mut fw, mut fv) = (fx, fx);
    let mut d: f64 = 0.0;
    let mut e: f64 = 0.0;
    for _ in 0..60 {
        let xm = 0.5 * (a + b);
        let tol1 = tol + 1e-12 * x.abs();
        let tol2 = 2.0 * tol1;
        if (x - xm).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden = true;
        if e.abs() > tol1 {
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            let etemp = e;
            e = d;
            if p.abs() < (0.5 * q * etemp).abs() && p > q * (a - x) && p < q * (b - x) {
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = if xm >= x { tol1 } else { -tol1 };
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= xm { a - x } else { b - x };
            d = GOLD * e;
        }
        let u = if d.abs() >= tol1 {
            x + d
        } else {
            x + if d >= 0.0 { tol1 } else { -tol1 }
        };
        let fu = g(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if fu <= fv || v == x || v == w {
                v = u;
                fv = fu;
            }
        }
    }
    (x, -fx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fft_lengths_are_smooth_and_close() {
        assert_eq!(fft_len_at_least(1024), 1024);
        assert_eq!(fft_len_at_least(1026), 1152);
        assert_eq!(fft_len_at_least(1100), 1152);
        assert_eq!(fft_len_at_least(1), 1);
    }

    #[test]
    fn autocorrelation_matches_direct_sum() {
        let a: Vec<f64> = (0..50).map(|i| ((i * 7 % 13) as f64) - 6.0).collect();
        let b: Vec<f64> = (0..40).map(|i| ((i * 5 % 11) as f64) - 5.0).collect();
        for n in [128usize, 135] {
            let mut ac = AutoCorrelator::new(n);
            let (mut ra, mut rb) = (vec![0.0; 30], vec![0.0; 30]);
            ac.pair(&a, &b, &mut ra, &mut rb);
            let direct = |x: &[f64], lag: usize| -> f64 {
                (0..x.len() - lag).map(|i| x[i] * x[i + lag]).sum()
            };
            let (ea, eb) = (direct(&a, 0), direct(&b, 0));
            for lag in 0..30 {
                // The inverse FFT is unnormalised: a factor n. The f32
                // transforms err by about 1e-7 of the energy (lag 0).
                let nf = n as f64;
                assert!((ra[lag] / nf - direct(&a, lag)).abs() < 1e-5 * ea, "{n}");
                assert!((rb[lag] / nf - direct(&b, lag)).abs() < 1e-5 * eb, "{n}");
            }
        }
    }

    #[test]
    fn sinc_interpolation_recovers_a_sampled_cosine() {
        // A slow cosine sampled at integers, symmetric around 0.
        let y: Vec<f64> = (0..200).map(|i| (0.05 * i as f64).cos()).collect();
        let v = sinc_interp_symmetric(&y, 40.3, 70);
        assert!((v - (0.05f64 * 40.3).cos()).abs() < 1e-3);
    }

    #[test]
    fn sinc_interpolation_matches_its_direct_formula() {
        // Praat's NUM_interpolate_sinc written out tap by tap, with the
        // signal mirrored around index 0 and a Hann taper per half.
        let y: Vec<f64> = (0..120)
            .map(|i| ((i * 37 % 17) as f64) / 17.0 - 0.4)
            .collect();
        for (x, depth) in [(40.3f64, 70usize), (5.71, 30), (60.02, 30), (2.5, 70)] {
            let ml = x.floor() as i64;
            let depth = (depth as i64).min(ml + 120).min(119 - ml);
            let (wl, wr) = (
                x - (ml + 1 - depth) as f64 + 1.0,
                (ml + depth) as f64 - x + 1.0,
            );
            let direct: f64 = (ml + 1 - depth..=ml + depth)
                .map(|i| {
                    let d = x - i as f64;
                    let w = if i <= ml { wl } else { wr };
                    let a = PI * d;
                    y[i.unsigned_abs() as usize] * a.sin() / a * 0.5 * (1.0 + (a / w).cos())
                })
                .sum();
            let v = sinc_interp_symmetric(&y, x, depth as usize);
            assert!((v - direct).abs() < 1e-12, "x = {x}: {v} vs {direct}");
        }
    }

    #[test]
    fn brent_finds_parabola_top() {
        let (x, fx) = brent_maximize(|x| 3.0 - (x - 1.234).powi(2), 0.0, 2.0, None, 1e-9);
        assert!((x - 1.234).abs() < 1e-6 && (fx - 3.0).abs() < 1e-9);
    }

    #[test]
    fn frame_grid_is_centred() {
        let g = FrameGrid::fit(16000, 16000, 0.04, 0.01);
        assert_eq!(g.count, 97);
        assert!((g.time(0) + g.time(g.count - 1) - 1.0).abs() < 1e-12);
    }
}
