//! Speech activity from a level track: one mechanism in three steps.
//!
//! 1. **Levels**: one level in dB per frame ([`super::levels`], or Praat's
//!    intensity contour).
//! 2. **Threshold rule** ([`LevelRule`]): a frame is speech when its level
//!    is above a threshold set from the track's own distribution: within
//!    `range_db` of a loud level (a high quantile), optionally at least a
//!    margin above a noise floor (a low quantile) and never more than a
//!    headroom below the loud level; optionally with hysteresis
//!    (double-threshold endpointing, Lamel et al. 1981): runs above the
//!    threshold extend while the level stays within `hysteresis_db` below it.
//! 3. **Runs** ([`RunRule`]): interior gaps shorter than a minimum are
//!    bridged and runs shorter than a minimum are dropped, in an order the
//!    caller picks, with lengths in seconds on the frames' clock
//!    ([`FrameClock`]).
//!
//! Callers may combine the frames of step 2 with other evidence (a neural
//! voice detector, a crosstalk test) before step 3. All quantiles are
//! Hyndman & Fan (1996) type 7 ([`super::stats`]).

use super::stats::{quantile_sorted, sorted};
use std::ops::Range;

/// A threshold rule on frame levels (see module docs). The threshold is
/// `max(loud − range_db, floor + margin)`, then at most `loud − headroom`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelRule {
    /// Quantile of the levels taken as the loud level (0.95, 0.99; 1.0 is
    /// the loudest frame).
    pub loud_quantile: f64,
    /// Speech lies within this many dB below the loud level.
    pub range_db: f64,
    /// Noise floor test: (quantile of the levels, margin in dB); speech is
    /// also more than the margin above that quantile. `None`: no floor test.
    pub floor: Option<(f64, f64)>,
    /// The threshold never rises above `loud − headroom_db`: a channel that
    /// is speech nearly throughout has its "floor" in the speech.
    pub headroom_db: Option<f64>,
    /// Runs above the threshold extend both ways while the level stays
    /// above `threshold − hysteresis_db`; 0 for none.
    pub hysteresis_db: f64,
}

/// The levels a [`LevelRule`] found in a track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// The loud level (dB): the `loud_quantile` of the levels.
    pub loud_db: f64,
    /// The speech threshold (dB): frames above it are speech.
    pub threshold_db: f64,
}

impl LevelRule {
    /// The loud level and threshold of `levels`; `None` when there are none.
    pub fn threshold<T: Copy + Into<f64>>(&self, levels: &[T]) -> Option<Threshold> {
        let s = sorted(levels);
        let loud = quantile_sorted(&s, self.loud_quantile)?;
        let mut thr = loud - self.range_db;
        if let Some((q, margin)) = self.floor {
            thr = thr.max(quantile_sorted(&s, q)? + margin);
        }
        if let Some(h) = self.headroom_db {
            thr = thr.min(loud - h);
        }
        Some(Threshold {
            loud_db: loud,
            threshold_db: thr,
        })
    }

    /// Speech flag per frame: above the threshold, with hysteresis.
    pub fn frames<T: Copy + Into<f64>>(&self, levels: &[T]) -> Vec<bool> {
        match self.threshold(levels) {
            Some(t) => self.frames_at(levels, t.threshold_db),
            None => Vec::new(),
        }
    }

    /// Speech flag per frame against a given threshold (dB), with this
    /// rule's hysteresis: runs above it are extended forwards, then
    /// backwards, while the level stays above `threshold − hysteresis_db`.
    pub fn frames_at<T: Copy + Into<f64>>(&self, levels: &[T], threshold_db: f64) -> Vec<bool> {
        let mut v: Vec<bool> = levels.iter().map(|&l| l.into() > threshold_db).collect();
        if self.hysteresis_db <= 0.0 {
            return v;
        }
        let low = threshold_db - self.hysteresis_db;
        let above_low = |i: usize| levels[i].into() > low;
        let n = v.len();
        for i in 1..n {
            if v[i - 1] && !v[i] && above_low(i) {
                v[i] = true;
            }
        }
        for i in (0..n.saturating_sub(1)).rev() {
            if v[i + 1] && !v[i] && above_low(i) {
                v[i] = true;
            }
        }
        v
    }
}

/// Times of a regular frame track: frame `i` is centred at
/// `first_centre_s + i·step_s`; the boundary between two frames lies
/// halfway between their centres, the first frame starts at 0 and the last
/// one ends at `end_s` (as Praat's "To TextGrid (silences)" places them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameClock {
    /// Centre of frame 0 in seconds.
    pub first_centre_s: f64,
    /// Time between frame centres in seconds.
    pub step_s: f64,
    /// End of the last frame in seconds.
    pub end_s: f64,
}

impl FrameClock {
    /// Frames of `step_s` seconds starting at 0 (frame `i` covers
    /// `i·step .. (i+1)·step`), `n` of them.
    pub fn contiguous(step_s: f64, n: usize) -> Self {
        Self {
            first_centre_s: 0.5 * step_s,
            step_s,
            end_s: n as f64 * step_s,
        }
    }

    /// Start of frame `i` of `n` in seconds (`i = n`: the end of the track).
    pub fn boundary(&self, i: usize, n: usize) -> f64 {
        if i == 0 {
            0.0
        } else if i >= n {
            self.end_s
        } else {
            (self.first_centre_s + i as f64 * self.step_s) - 0.5 * self.step_s
        }
    }

    /// Span of frames `r` (of `n`) in seconds.
    pub fn seconds(&self, r: &Range<usize>, n: usize) -> (f64, f64) {
        (self.boundary(r.start, n), self.boundary(r.end, n))
    }
}

/// Which of the two run rules applies first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Drop short runs, then bridge short gaps (hangover smoothing).
    DropThenBridge,
    /// Bridge short gaps, then drop short runs (Praat's silences).
    BridgeThenDrop,
}

/// How speech runs are cleaned up (see module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunRule {
    /// Interior gaps (between two runs) shorter than this (s) are bridged.
    pub bridge_gaps_under_s: f64,
    /// Runs shorter than this (s) are dropped.
    pub drop_runs_under_s: f64,
    /// Which rule applies first.
    pub order: Order,
}

/// Lengths within this of a minimum count as equal to it (s): frame
/// boundaries are sums of floats, and a run of exactly the minimum length
/// must not fall below it by rounding. Far below one sample at 16 kHz.
const LENGTH_TOLERANCE_S: f64 = 1e-6;

impl RunRule {
    /// Applies the rule to `frames` (speech flags on `clock`) in place.
    pub fn apply(&self, frames: &mut [bool], clock: &FrameClock) {
        match self.order {
            Order::DropThenBridge => {
                self.drop_short_runs(frames, clock);
                self.bridge_short_gaps(frames, clock);
            }
            Order::BridgeThenDrop => {
                self.bridge_short_gaps(frames, clock);
                self.drop_short_runs(frames, clock);
            }
        }
    }

    fn drop_short_runs(&self, frames: &mut [bool], clock: &FrameClock) {
        let n = frames.len();
        for r in runs(frames, true) {
            let (a, b) = clock.seconds(&r, n);
            if b - a < self.drop_runs_under_s - LENGTH_TOLERANCE_S {
                frames[r].fill(false);
            }
        }
    }

    fn bridge_short_gaps(&self, frames: &mut [bool], clock: &FrameClock) {
        let n = frames.len();
        for r in runs(frames, false) {
            let interior = r.start > 0 && r.end < n;
            let (a, b) = clock.seconds(&r, n);
            if interior && b - a < self.bridge_gaps_under_s - LENGTH_TOLERANCE_S {
                frames[r].fill(true);
            }
        }
    }
}

/// The maximal runs of frames equal to `value`, in order.
pub fn runs(frames: &[bool], value: bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        if frames[i] == value {
            let s = i;
            while i < frames.len() && frames[i] == value {
                i += 1;
            }
            out.push(s..i);
        } else {
            i += 1;
        }
    }
    out
}

/// The whole mechanism: levels → `rule` → `runs`; speech flags per frame.
pub fn detect<T: Copy + Into<f64>>(
    levels: &[T],
    rule: &LevelRule,
    run_rule: &RunRule,
    clock: &FrameClock,
) -> Vec<bool> {
    let mut v = rule.frames(levels);
    run_rule.apply(&mut v, clock);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_takes_the_higher_of_range_and_floor_then_the_headroom() {
        // 100 levels -60..=39 dB: type 7 quantiles 0.95 -> 34.05, 0.10 -> -50.1.
        let l: Vec<f64> = (0..100).map(|i| i as f64 - 60.0).collect();
        let mut r = LevelRule {
            loud_quantile: 0.95,
            range_db: 20.0,
            floor: Some((0.10, 8.0)),
            headroom_db: None,
            hysteresis_db: 0.0,
        };
        let t = r.threshold(&l).unwrap();
        assert!((t.loud_db - 34.05).abs() < 1e-9);
        assert!((t.threshold_db - 14.05).abs() < 1e-9);
        // A floor margin of 70 dB would put the threshold at 19.9; a
        // headroom of 6 dB caps it at 28.05 only when it is higher.
        r.floor = Some((0.10, 70.0));
        assert!((r.threshold(&l).unwrap().threshold_db - 19.9).abs() < 1e-9);
        r.floor = Some((0.10, 90.0));
        r.headroom_db = Some(6.0);
        assert!((r.threshold(&l).unwrap().threshold_db - 28.05).abs() < 1e-9);
        assert_eq!(r.threshold::<f64>(&[]), None);
    }

    #[test]
    fn hysteresis_extends_runs_while_the_level_stays_near_the_threshold() {
        let r = LevelRule {
            loud_quantile: 1.0,
            range_db: 100.0,
            floor: None,
            headroom_db: None,
            hysteresis_db: 6.0,
        };
        let l = [-40.0f32, -25.0, -15.0, -5.0, -15.0, -25.0, -15.0];
        assert_eq!(
            r.frames_at(&l, -10.0),
            [false, false, true, true, true, false, false]
        );
    }

    #[test]
    fn runs_are_bridged_and_dropped_in_the_chosen_order() {
        let clock = FrameClock::contiguous(0.01, 0);
        // 10 off, 30 on, 10 off (0.1 s gap), 30 on, 50 off, 2 on, 20 off.
        let mut f = vec![false; 10];
        f.extend([true; 30]);
        f.extend([false; 10]);
        f.extend([true; 30]);
        f.extend([false; 50]);
        f.extend([true; 2]);
        f.extend([false; 20]);
        let clock = FrameClock {
            end_s: f.len() as f64 * 0.01,
            ..clock
        };
        let rule = RunRule {
            bridge_gaps_under_s: 0.25,
            drop_runs_under_s: 0.08,
            order: Order::DropThenBridge,
        };
        let mut a = f.clone();
        rule.apply(&mut a, &clock);
        assert_eq!(runs(&a, true), vec![10..80]);
        // Bridging first joins nothing more here, but a 2-frame run between
        // two gaps under the bridge length survives when bridged first.
        let mut g = vec![true; 20];
        g.extend([false; 10]);
        g.extend([true; 2]);
        g.extend([false; 10]);
        g.extend([true; 20]);
        let clock = FrameClock::contiguous(0.01, g.len());
        let mut first_drop = g.clone();
        rule.apply(&mut first_drop, &clock);
        // Dropped (0.02 s < 0.08 s), leaving a 0.22 s gap: bridged.
        assert_eq!(runs(&first_drop, true), vec![0..62]);
        let bridge_first = RunRule {
            order: Order::BridgeThenDrop,
            bridge_gaps_under_s: 0.1,
            ..rule
        };
        let mut h = g.clone();
        bridge_first.apply(&mut h, &clock);
        // Gaps of exactly 0.1 s are not shorter than 0.1 s: kept; then the
        // 2-frame run is dropped.
        assert_eq!(runs(&h, true), vec![0..20, 42..62]);
    }

    #[test]
    fn the_clock_places_boundaries_halfway_between_centres() {
        let c = FrameClock {
            first_centre_s: 0.064,
            step_s: 0.01,
            end_s: 1.0,
        };
        assert_eq!(c.boundary(0, 10), 0.0);
        assert!((c.boundary(3, 10) - 0.089).abs() < 1e-12);
        assert_eq!(c.boundary(10, 10), 1.0);
    }
}
