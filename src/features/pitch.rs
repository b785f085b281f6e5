//! Fundamental frequency (F0) by the autocorrelation method of Boersma (1993),
//! "Accurate short-term analysis of the fundamental frequency and the
//! harmonics-to-noise ratio of a sampled sound", IFA Proceedings 17, as
//! implemented by Praat's "To Pitch (ac)".
//!
//! Per frame: the local mean is removed, a Hann window of three periods of the
//! pitch floor is applied, the autocorrelation is computed with the FFT and
//! divided by the window's own autocorrelation. Local maxima above half the
//! voicing threshold become candidates (parabolic first guess, strength by
//! sin(x)/x interpolation, then refined by Brent maximisation of the
//! sinc-interpolated autocorrelation). An unvoiced candidate is always
//! present, whose strength grows as the frame's peak falls below the silence
//! threshold. A Viterbi path search with octave cost, octave-jump cost and
//! voiced/unvoiced transition cost picks one candidate per frame.

use super::dsp::{
    brent_maximize, fft_len_at_least, hann_praat, sinc_interp_symmetric, AutoCorrelator, FrameGrid,
};
use crate::signal::stats::quantile_sorted;
use serde::{Deserialize, Serialize};

/// Parameters of the pitch analysis; the defaults are Praat's standard
/// settings of "To Pitch (ac)" with a 10 ms step, 75 Hz floor, 600 Hz ceiling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PitchParams {
    /// Time between frames in seconds.
    pub time_step_s: f64,
    /// Lowest F0 searched for (Hz); sets the window length (3 periods).
    pub floor_hz: f64,
    /// Highest F0 accepted (Hz); higher candidates count as unvoiced.
    pub ceiling_hz: f64,
    /// Window length in periods of the floor (3 for the Hann window).
    pub periods_per_window: f64,
    /// Most candidates kept per frame (the unvoiced one included).
    pub max_candidates: usize,
    /// Frames whose peak is below this fraction of the global peak lean to unvoiced.
    pub silence_threshold: f64,
    /// Normalised autocorrelation a candidate needs to beat the unvoiced one.
    pub voicing_threshold: f64,
    /// Favour for higher candidates, per octave (against sub-octave errors).
    pub octave_cost: f64,
    /// Cost of an octave jump between consecutive voiced frames.
    pub octave_jump_cost: f64,
    /// Cost of a voiced/unvoiced transition.
    pub voiced_unvoiced_cost: f64,
    /// Second pass with a speaker-adapted range (De Looze & Hirst 2008;
    /// Hirst 2011): the path search is run again with the range narrowed to
    /// [floor factor × 1st quartile, ceiling factor × 3rd quartile] of the
    /// first pass's F0. This removes the spurious voiced stretches far from
    /// the speaker's range that band-limited (8 kHz) audio produces.
    pub adaptive_range: bool,
    /// Factor on the first pass's 1st quartile giving the adapted floor.
    pub adaptive_floor_factor: f64,
    /// Factor on the first pass's 3rd quartile giving the adapted ceiling.
    pub adaptive_ceiling_factor: f64,
    /// Time step of the first pass (s) when `adaptive_range` is set; it only
    /// has to give the quartiles, so a coarser step saves most of its cost.
    pub adaptive_first_step_s: f64,
}

impl Default for PitchParams {
    fn default() -> Self {
        Self {
            time_step_s: 0.01,
            floor_hz: 75.0,
            ceiling_hz: 600.0,
            periods_per_window: 3.0,
            max_candidates: 15,
            silence_threshold: 0.03,
            voicing_threshold: 0.45,
            octave_cost: 0.01,
            octave_jump_cost: 0.35,
            voiced_unvoiced_cost: 0.14,
            adaptive_range: true,
            adaptive_floor_factor: 0.75,
            adaptive_ceiling_factor: 1.5,
            adaptive_first_step_s: 0.03,
        }
    }
}

/// A pitch contour: one entry per frame, `None` where the frame is unvoiced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PitchTrack {
    /// Frame centre times in seconds.
    pub times: Vec<f64>,
    /// F0 in Hz per frame, `None` when unvoiced.
    pub f0: Vec<Option<f32>>,
    /// Time step between frames in seconds.
    pub time_step_s: f64,
}

impl PitchTrack {
    /// Number of frames.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// True when the track has no frames (signal shorter than one window).
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// F0 at time `t` from the nearest frame (`None` if unvoiced or outside).
    pub fn at(&self, t: f64) -> Option<f32> {
        if self.times.is_empty() {
            return None;
        }
        let i = ((t - self.times[0]) / self.time_step_s).round();
        if i < 0.0 || i as usize >= self.f0.len() {
            return None;
        }
        self.f0[i as usize]
    }

    /// The voiced F0 values in Hz.
    pub fn voiced(&self) -> impl Iterator<Item = f64> + '_ {
        self.f0.iter().flatten().map(|&f| f as f64)
    }
}

#[derive(Clone, Copy, Debug)]
struct Candidate {
    /// Frequency in Hz; 0 for the unvoiced candidate.
    freq: f64,
    strength: f64,
    /// Integer lag of the autocorrelation peak (for refinement).
    lag: usize,
    /// Parabolic estimate of the peak's lag (first guess of the refinement).
    lag_guess: f64,
}

impl Candidate {
    /// The unvoiced candidate every frame has.
    const UNVOICED: Self = Self {
        freq: 0.0,
        strength: 0.0,
        lag: 0,
        lag_guess: 0.0,
    };
}

/// Fixed quantities of one analysis, derived from the parameters and rate.
struct Setup {
    rate: f64,
    nsamp_window: usize,
    half_window: usize,
    nsamp_period: usize,
    half_period: usize,
    max_lag: usize,
    brent_ixmax: usize,
    window: Vec<f64>,
    window_r: Vec<f64>,
}

impl Setup {
    fn new(rate: u32, p: &PitchParams, fft_len: &mut usize) -> Option<Self> {
        let rate_f = rate as f64;
        let dt_window = p.periods_per_window / p.floor_hz;
        let half_window = ((dt_window * rate_f).floor() as usize / 2).checked_sub(1)?;
        if half_window < 2 {
            return None;
        }
        let nsamp_window = 2 * half_window;
        let nsamp_period = (rate_f / p.floor_hz).floor() as usize;
        let half_period = nsamp_period / 2 + 1;
        let max_lag =
            ((nsamp_window as f64 / p.periods_per_window).floor() as usize + 2).min(nsamp_window);
        let brent_ixmax = nsamp_window / 2;
        // Lags up to half the window without circular wrap-around.
        let n = fft_len_at_least((nsamp_window as f64 * 1.5).ceil() as usize);
        *fft_len = n;
        let window = hann_praat(nsamp_window);
        // Normalised autocorrelation of the window itself.
        let mut ac = AutoCorrelator::new(n);
        let mut wr = vec![0.0; nsamp_window];
        let mut dummy = [0.0; 0];
        ac.pair(&window, &[], &mut wr, &mut dummy);
        let w0 = wr[0];
        for v in wr.iter_mut() {
            *v /= w0;
        }
        Some(Self {
            rate: rate_f,
            nsamp_window,
            half_window,
            nsamp_period,
            half_period,
            max_lag,
            brent_ixmax,
            window,
            window_r: wr,
        })
    }
}

/// Computes the pitch track of a mono signal (samples in [-1, 1]) at `rate` Hz.
///
/// One pass uses the configured floor and ceiling; when `adaptive_range` is
/// set, a second pass runs with the speaker-adapted range (floor = 0.75 × Q1,
/// ceiling = min(1.5 × Q3, configured ceiling) of the first pass's voiced F0;
/// De Looze & Hirst 2008). Only the candidates on the final path are refined
/// by Brent maximisation (see [`refine_path`]). A signal shorter than one
/// analysis window (40 ms at a 75 Hz floor) gives an empty track.
pub fn track(samples: &[f32], rate: u32, params: &PitchParams) -> PitchTrack {
    let ceiling = params.ceiling_hz.min(0.5 * rate as f64);
    let one_pass = |p: &PitchParams| match Analysis::new(samples, rate, p) {
        Some(a) => {
            let path = viterbi(&a.frames, &a.intensities, p, ceiling);
            a.finish(samples, &path, ceiling)
        }
        None => empty_track(p),
    };
    if !params.adaptive_range {
        return one_pass(params);
    }
    // The first pass only has to give the quartiles: a coarser time step
    // (Praat's path costs are corrected for the step) does that at a
    // fraction of the cost.
    let first_params = PitchParams {
        time_step_s: params.time_step_s.max(params.adaptive_first_step_s),
        adaptive_range: false,
        ..params.clone()
    };
    let Some(a) = Analysis::new(samples, rate, &first_params) else {
        return empty_track(params);
    };
    let path = viterbi(&a.frames, &a.intensities, &first_params, ceiling);
    let min_voiced = (0.2 / first_params.time_step_s).ceil() as usize;
    let Some((floor, top)) = adapted_range(&a.frames, &path, params, ceiling, min_voiced) else {
        return one_pass(params);
    };
    // The adapted range sets a new window length: a fresh analysis, as
    // Praat's second "To Pitch (ac)" in Hirst's two-pass method.
    let second = PitchParams {
        floor_hz: floor,
        ceiling_hz: top,
        adaptive_range: false,
        ..params.clone()
    };
    match Analysis::new(samples, rate, &second) {
        Some(b) => {
            let path = viterbi(&b.frames, &b.intensities, &second, top);
            b.finish(samples, &path, top)
        }
        None => one_pass(params),
    }
}

/// One pass with the floor and ceiling of `params` and no range adaptation:
/// Praat's "To Pitch (ac)" with the same settings.
pub fn single_pass(samples: &[f32], rate: u32, params: &PitchParams) -> PitchTrack {
    track(
        samples,
        rate,
        &PitchParams {
            adaptive_range: false,
            ..params.clone()
        },
    )
}

fn empty_track(params: &PitchParams) -> PitchTrack {
    PitchTrack {
        times: Vec::new(),
        f0: Vec::new(),
        time_step_s: params.time_step_s,
    }
}

/// The speaker-adapted (floor, ceiling) from the first path's voiced F0, or
/// `None` when fewer than `min_voiced` frames are voiced (too few to judge).
fn adapted_range(
    frames: &[Vec<Candidate>],
    path: &[usize],
    p: &PitchParams,
    ceiling: f64,
    min_voiced: usize,
) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = path
        .iter()
        .zip(frames)
        .map(|(&c, cands)| cands[c].freq)
        .filter(|&f| f > 0.0 && f < ceiling)
        .collect();
    if v.len() < min_voiced {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let q1 = quantile_sorted(&v, 0.25)?;
    let q3 = quantile_sorted(&v, 0.75)?;
    let floor = p.adaptive_floor_factor * q1;
    let top = (p.adaptive_ceiling_factor * q3).min(ceiling);
    (floor > 0.0 && floor < top).then_some((floor, top))
}

/// The candidates of every frame of one signal, before the path search.
struct Analysis {
    setup: Setup,
    fft_len: usize,
    times: Vec<f64>,
    frames: Vec<Vec<Candidate>>,
    /// Local peak over the global peak, per frame (for the silence threshold).
    intensities: Vec<f64>,
    time_step_s: f64,
}

impl Analysis {
    /// Frames the signal and lists each frame's candidates; `None` when the
    /// parameters are unusable or the signal is shorter than one window.
    fn new(samples: &[f32], rate: u32, params: &PitchParams) -> Option<Self> {
        if rate == 0 || params.floor_hz <= 0.0 || params.time_step_s <= 0.0 {
            return None;
        }
        let mut fft_len = 0;
        let setup = Setup::new(rate, params, &mut fft_len)?;
        let dt_window = params.periods_per_window / params.floor_hz;
        let grid = FrameGrid::fit(samples.len(), rate, dt_window, params.time_step_s);
        if grid.count == 0 {
            return None;
        }
        let times: Vec<f64> = (0..grid.count).map(|i| grid.time(i)).collect();
        let mut a = Self {
            setup,
            fft_len,
            frames: Vec::with_capacity(times.len()),
            intensities: Vec::with_capacity(times.len()),
            times,
            time_step_s: params.time_step_s,
        };

        // Global peak of the mean-removed signal, for the silence threshold.
        let mean = samples.iter().map(|&v| v as f64).sum::<f64>() / samples.len() as f64;
        let global_peak = samples
            .iter()
            .map(|&v| (v as f64 - mean).abs())
            .fold(0.0, f64::max);
        if global_peak == 0.0 {
            let unvoiced = vec![Candidate::UNVOICED];
            a.frames = vec![unvoiced; a.times.len()];
            a.intensities = vec![0.0; a.times.len()];
            return Some(a);
        }
        let max_cand = params
            .max_candidates
            .max((params.ceiling_hz / params.floor_hz).floor() as usize)
            .max(2);
        let mut acf = FrameAcf::new(&a.setup, a.fft_len);
        let count = a.times.len();
        let mut i = 0;
        while i < count {
            let j = (i + 1 < count).then_some(i + 1);
            let (peak_a, peak_b) =
                acf.compute(samples, &a.setup, a.times[i], j.map(|j| a.times[j]));
            let s = &a.setup;
            a.frames
                .push(candidates(&mut acf.r_a, peak_a, s, params, max_cand));
            a.intensities.push((peak_a / global_peak).min(1.0));
            if j.is_some() {
                a.frames
                    .push(candidates(&mut acf.r_b, peak_b, s, params, max_cand));
                a.intensities.push((peak_b / global_peak).min(1.0));
            }
            i += 2;
        }
        Some(a)
    }

    /// The track along `path`, voiced where the chosen candidate lies in
    /// (0, `ceiling`), with the chosen candidates refined.
    fn finish(self, samples: &[f32], path: &[usize], ceiling: f64) -> PitchTrack {
        let in_range = |f: f64| f > 0.0 && f < ceiling;
        let chosen: Vec<Option<Candidate>> = path
            .iter()
            .zip(&self.frames)
            .map(|(&c, cands)| Some(cands[c]).filter(|c| in_range(c.freq)))
            .collect();
        let refined = refine_path(samples, &self.setup, self.fft_len, &self.times, chosen);
        let f0 = refined
            .into_iter()
            .map(|c| c.map(|c| c.freq).filter(|&f| in_range(f)).map(|f| f as f32))
            .collect();
        PitchTrack {
            times: self.times,
            f0,
            time_step_s: self.time_step_s,
        }
    }
}

/// Refines the chosen candidate of each voiced frame: Brent maximisation of
/// the sinc-interpolated (depth 70) autocorrelation around its integer lag,
/// as Praat does for every candidate. Doing it only on the path, after the
/// search, costs one more autocorrelation per voiced frame instead of a
/// Brent search per candidate (60 % of the analysis time before); the
/// search itself sees the first-guess strengths (sinc depth 30 at the
/// parabolic peak), which differ from the refined ones in the third decimal.
fn refine_path(
    samples: &[f32],
    s: &Setup,
    fft_len: usize,
    times: &[f64],
    mut chosen: Vec<Option<Candidate>>,
) -> Vec<Option<Candidate>> {
    let voiced: Vec<usize> = (0..chosen.len()).filter(|&k| chosen[k].is_some()).collect();
    let mut acf = FrameAcf::new(s, fft_len);
    for pair in voiced.chunks(2) {
        let second = pair.get(1).map(|&k| times[k]);
        let (peak_a, peak_b) = acf.compute(samples, s, times[pair[0]], second);
        let rs = [(&mut acf.r_a, peak_a), (&mut acf.r_b, peak_b)];
        for (&k, (r, peak)) in pair.iter().zip(rs) {
            if normalise(r, peak, s) {
                if let Some(c) = chosen[k].as_mut() {
                    refine(r, s, c);
                }
            }
        }
    }
    chosen
}

/// Windowed frames and their autocorrelations, two frames per FFT.
struct FrameAcf {
    ac: AutoCorrelator,
    buf_a: Vec<f64>,
    buf_b: Vec<f64>,
    r_a: Vec<f64>,
    r_b: Vec<f64>,
}

impl FrameAcf {
    fn new(s: &Setup, fft_len: usize) -> Self {
        Self {
            ac: AutoCorrelator::new(fft_len),
            buf_a: vec![0.0; s.nsamp_window],
            buf_b: vec![0.0; s.nsamp_window],
            r_a: vec![0.0; s.brent_ixmax + 1],
            r_b: vec![0.0; s.brent_ixmax + 1],
        }
    }

    /// Autocorrelations (unnormalised) of the frames at `ta` and, if given,
    /// `tb` into `r_a` and `r_b`; returns their local peaks.
    fn compute(&mut self, x: &[f32], s: &Setup, ta: f64, tb: Option<f64>) -> (f64, f64) {
        let peak_a = fill_frame(x, s, ta, &mut self.buf_a);
        let (peak_b, b): (f64, &[f64]) = match tb {
            Some(t) => (fill_frame(x, s, t, &mut self.buf_b), &self.buf_b),
            None => (0.0, &[]),
        };
        self.ac.pair(&self.buf_a, b, &mut self.r_a, &mut self.r_b);
        (peak_a, peak_b)
    }
}

/// Copies the windowed, mean-removed frame centred at `t` into `out` and
/// returns its local absolute peak (over one floor period around the centre).
fn fill_frame(x: &[f32], s: &Setup, t: f64, out: &mut [f64]) -> f64 {
    let n = x.len() as i64;
    // 0-based index of the sample at or just left of t (sample k sits at (k + 0.5)/rate).
    let left = ((t - 0.5 / s.rate) / (1.0 / s.rate)).floor() as i64;
    let right = left + 1;
    let p = s.nsamp_period as i64;
    // Sum of x[lo..hi], zero outside the signal.
    let sum = |lo: i64, hi: i64| -> f64 {
        let (lo, hi) = (lo.clamp(0, n) as usize, hi.clamp(0, n) as usize);
        x[lo..hi.max(lo)].iter().map(|&v| v as f64).sum()
    };
    let local_mean = sum(right - p, left + p + 1) / (2 * p) as f64;
    let start = right - s.half_window as i64;
    let end = start + out.len() as i64;
    if start >= 0 && end <= n {
        let seg = &x[start as usize..end as usize];
        for ((o, &v), &w) in out.iter_mut().zip(seg).zip(&s.window) {
            *o = (v as f64 - local_mean) * w;
        }
    } else {
        for (j, o) in out.iter_mut().enumerate() {
            let k = start + j as i64;
            let v = if k >= 0 && k < n {
                x[k as usize] as f64
            } else {
                0.0
            };
            *o = (v - local_mean) * s.window[j];
        }
    }
    let lo = (s.half_window + 1).saturating_sub(s.half_period).max(1) - 1;
    let hi = (s.half_window + s.half_period).min(s.nsamp_window);
    out[lo..hi].iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Normalises the autocorrelation `r` in place: divides it by its value at
/// lag 0 and by the window's own autocorrelation. Returns false for a silent
/// frame (nothing to normalise).
fn normalise(r: &mut [f64], local_peak: f64, s: &Setup) -> bool {
    let r0 = r[0];
    if local_peak == 0.0 || r0 <= 0.0 {
        return false;
    }
    for (v, w) in r.iter_mut().zip(s.window_r.iter()).skip(1) {
        *v /= r0 * w;
    }
    r[0] = 1.0;
    true
}

/// Normalises the autocorrelation `r` in place and lists the frame's
/// candidates (first guesses: parabolic peak, sinc depth 30 strength).
fn candidates(
    r: &mut [f64],
    local_peak: f64,
    s: &Setup,
    p: &PitchParams,
    max_cand: usize,
) -> Vec<Candidate> {
    let mut cands = Vec::with_capacity(max_cand);
    cands.push(Candidate::UNVOICED);
    let mut scores = Vec::with_capacity(max_cand);
    scores.push(0.0);
    if !normalise(r, local_peak, s) {
        return cands;
    }
    let rate = s.rate;
    let top = s.max_lag.min(s.brent_ixmax);
    for i in 2..top {
        let (rm, rc, rp) = (r[i - 1], r[i], r[i + 1]);
        if !(rc > 0.5 * p.voicing_threshold && rc > rm && rc >= rp) {
            continue;
        }
        let dr = 0.5 * (rp - rm);
        let d2r = 2.0 * rc - rm - rp;
        let lag = i as f64 + dr / d2r;
        let freq = rate / lag;
        let mut strength = sinc_interp_symmetric(r, lag, 30);
        if strength > 1.0 {
            strength = 1.0 / strength;
        }
        let candidate = Candidate {
            freq,
            strength,
            lag: i,
            lag_guess: lag,
        };
        // Rank with the octave cost included; when full, replace the weakest
        // if this one beats it.
        let score = strength - p.octave_cost * (p.floor_hz / freq).log2();
        if cands.len() < max_cand {
            cands.push(candidate);
            scores.push(score);
            continue;
        }
        let (place, weakest) = scores
            .iter()
            .enumerate()
            .skip(1)
            .fold(
                (0, 2.0),
                |best, (k, &v)| if v < best.1 { (k, v) } else { best },
            );
        if place > 0 && score > weakest {
            cands[place] = candidate;
            scores[place] = score;
        }
    }
    cands
}

/// Refines one candidate against the normalised autocorrelation `r`: Brent
/// maximisation of its sinc interpolation (depth 70) within one lag of the
/// integer peak, as in Praat's "To Pitch (ac)".
fn refine(r: &[f64], s: &Setup, c: &mut Candidate) {
    let lag = c.lag as f64;
    let (x, y) = brent_maximize(
        |x| sinc_interp_symmetric(r, x, 70),
        lag - 1.0,
        lag + 1.0,
        Some(c.lag_guess),
        1e-5,
    );
    c.freq = s.rate / x;
    c.strength = if y > 1.0 { 1.0 / y } else { y };
}

/// Viterbi search for the best path through the candidates (Boersma 1993,
/// section 4), with Praat's time-step correction of the transition costs.
/// Candidates at or above `ceiling` count as unvoiced.
/// Returns the chosen candidate index per frame.
fn viterbi(
    frames: &[Vec<Candidate>],
    intensity: &[f64],
    p: &PitchParams,
    ceiling: f64,
) -> Vec<usize> {
    let n = frames.len();
    let correction = 0.01 / p.time_step_s;
    let jump_cost = p.octave_jump_cost * correction;
    let vuv_cost = p.voiced_unvoiced_cost * correction;
    let voiced = |f: f64| f > 0.0 && f < ceiling;
    let local = |k: usize| -> Vec<f64> {
        let unvoiced = if p.silence_threshold <= 0.0 {
            0.0
        } else {
            2.0 - intensity[k] / (p.silence_threshold / (1.0 + p.voicing_threshold))
        };
        let unvoiced = p.voicing_threshold + unvoiced.max(0.0);
        frames[k]
            .iter()
            .map(|c| {
                if voiced(c.freq) {
                    c.strength - p.octave_cost * (ceiling / c.freq).log2()
                } else {
                    unvoiced
                }
            })
            .collect()
    };
    let mut psi: Vec<Vec<usize>> = Vec::with_capacity(n);
    let mut prev = local(0);
    psi.push(vec![0; prev.len()]);
    for k in 1..n {
        let cur_local = local(k);
        let mut cur = vec![0.0; cur_local.len()];
        let mut back = vec![0usize; cur_local.len()];
        for (j, c2) in frames[k].iter().enumerate() {
            let v2 = voiced(c2.freq);
            let mut best = f64::NEG_INFINITY;
            let mut place = 0;
            for (i, c1) in frames[k - 1].iter().enumerate() {
                let v1 = voiced(c1.freq);
                let cost = match (v1, v2) {
                    (false, false) => 0.0,
                    (true, true) => jump_cost * (c1.freq / c2.freq).log2().abs(),
                    _ => vuv_cost,
                };
                let value = prev[i] - cost + cur_local[j];
                if value > best {
                    best = value;
                    place = i;
                }
            }
            cur[j] = best;
            back[j] = place;
        }
        psi.push(back);
        prev = cur;
    }
    let mut place = 0;
    for (j, &v) in prev.iter().enumerate() {
        if v > prev[place] {
            place = j;
        }
    }
    let mut path = vec![0; n];
    for k in (0..n).rev() {
        path[k] = place;
        place = psi[k][place];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pulse_train(f0: f64, rate: u32, secs: f64) -> Vec<f32> {
        // A sum of harmonics with falling amplitude: a crude voiced source.
        let n = (secs * rate as f64) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / rate as f64;
                (1..=8)
                    .map(|h| (2.0 * std::f64::consts::PI * f0 * h as f64 * t).sin() / h as f64)
                    .sum::<f64>() as f32
                    * 0.3
            })
            .collect()
    }

    #[test]
    fn finds_f0_of_harmonic_tone_at_16k_and_8k() {
        for rate in [16000, 8000] {
            let x = pulse_train(123.0, rate, 0.5);
            let t = track(&x, rate, &PitchParams::default());
            let voiced: Vec<f64> = t.voiced().collect();
            assert!(voiced.len() as f64 > 0.9 * t.len() as f64);
            for f in voiced {
                assert!((f - 123.0).abs() < 0.5, "{rate}: {f}");
            }
        }
    }

    #[test]
    fn silence_is_unvoiced_and_short_input_is_empty() {
        let t = track(&vec![0.0; 16000], 16000, &PitchParams::default());
        assert!(t.f0.iter().all(|f| f.is_none()));
        assert!(track(&[0.1; 100], 16000, &PitchParams::default()).is_empty());
    }
}
