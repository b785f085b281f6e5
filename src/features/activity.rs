//! Speech activity and pauses from the intensity contour, as in de Jong &
//! Wempe (2009) and Praat's "To TextGrid (silences)": frames louder than the
//! 0.99 quantile of the intensity plus the (negative) silence threshold are
//! sounding; silent stretches shorter than the minimum pause are bridged, and
//! sounding stretches shorter than the minimum sounding time are dropped.
//! This is a parameterisation of the one speech-activity mechanism,
//! [`crate::signal::activity`].

use super::intensity::IntensityTrack;
use crate::signal::{
    self,
    activity::{runs, FrameClock, LevelRule, Order, RunRule},
};
use serde::Serialize;

/// A time interval in milliseconds (speech segment or pause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Interval {
    /// Start in milliseconds from the beginning of the channel.
    pub start_ms: u64,
    /// End in milliseconds from the beginning of the channel.
    pub end_ms: u64,
}

impl Interval {
    /// Length in seconds.
    pub fn duration_s(&self) -> f64 {
        (self.end_ms.saturating_sub(self.start_ms)) as f64 / 1000.0
    }

    /// True when `t` (seconds) lies inside the interval.
    pub fn contains(&self, t: f64) -> bool {
        let ms = t * 1000.0;
        ms >= self.start_ms as f64 && ms < self.end_ms as f64
    }
}

/// Result of the activity detection.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// Sounding (speech) intervals.
    pub speech: Vec<Interval>,
    /// Silent intervals of at least the minimum pause between two speech intervals.
    pub pauses: Vec<Interval>,
    /// Absolute intensity threshold used (dB): 0.99 quantile + silence threshold.
    pub threshold_db: f64,
    /// 0.99 quantile of the intensity (dB), a robust maximum.
    pub q99_db: f64,
}

/// Settings of the activity detection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivityParams {
    /// Silence threshold relative to the 0.99 quantile (dB, negative).
    pub silence_db: f64,
    /// Shortest silence that counts as a pause (s).
    pub min_pause_s: f64,
    /// Shortest sounding stretch kept as speech (s).
    pub min_sounding_s: f64,
}

/// The threshold rule of de Jong & Wempe: sounding within `-silence_db`
/// of the 0.99 quantile of the intensity.
pub fn level_rule(p: &ActivityParams) -> LevelRule {
    LevelRule {
        loud_quantile: 0.99,
        range_db: -p.silence_db,
        floor: None,
        headroom_db: None,
        hysteresis_db: 0.0,
    }
}

/// The run rule of Praat's "To TextGrid (silences)": interior silences
/// shorter than the minimum pause are bridged, then sounding stretches
/// shorter than the minimum sounding time dropped.
pub fn run_rule(p: &ActivityParams) -> RunRule {
    RunRule {
        bridge_gaps_under_s: p.min_pause_s,
        drop_runs_under_s: p.min_sounding_s,
        order: Order::BridgeThenDrop,
    }
}

/// Splits the channel into speech and pauses from its intensity contour,
/// with the one speech-activity mechanism ([`crate::signal::activity`])
/// under [`level_rule`] and [`run_rule`]; frame boundaries lie halfway
/// between frame centres, the first at 0 and the last at `duration_s`.
pub fn detect(track: &IntensityTrack, duration_s: f64, p: &ActivityParams) -> Activity {
    let rule = level_rule(p);
    let Some(t) = rule.threshold(&track.db) else {
        return Activity {
            speech: Vec::new(),
            pauses: Vec::new(),
            threshold_db: p.silence_db,
            q99_db: 0.0,
        };
    };
    let clock = FrameClock {
        first_centre_s: track.times[0],
        step_s: track.time_step_s,
        end_s: duration_s,
    };
    let frames = signal::activity::detect(&track.db, &rule, &run_rule(p), &clock);
    let n = frames.len();
    let to_iv = |r: &std::ops::Range<usize>| {
        let (a, b) = clock.seconds(r, n);
        Interval {
            start_ms: (a * 1000.0).round() as u64,
            end_ms: (b * 1000.0).round() as u64,
        }
    };
    let speech = runs(&frames, true).iter().map(to_iv).collect();
    // Silences between two speech runs; after bridging they are all at
    // least the minimum pause long.
    let pauses = runs(&frames, false)
        .iter()
        .filter(|r| r.start > 0 && r.end < n)
        .map(to_iv)
        .collect();
    Activity {
        speech,
        pauses,
        threshold_db: t.threshold_db,
        q99_db: t.loud_db,
    }
}
