//! Speech activity and pauses from the intensity contour, as in de Jong &
//! Wempe (2009) and Praat's "To TextGrid (silences)": frames louder than the
//! 0.99 quantile of the intensity plus the (negative) silence threshold are
//! sounding; silent stretches shorter than the minimum pause are bridged, and
//! sounding stretches shorter than the minimum sounding time are dropped.

use super::dsp::quantile_sorted;
use super::intensity::IntensityTrack;
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

/// Splits the channel into speech and pauses from its intensity contour.
pub fn detect(track: &IntensityTrack, duration_s: f64, p: &ActivityParams) -> Activity {
    let mut sorted: Vec<f64> = track.db.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let q99 = quantile_sorted(&sorted, 0.99).unwrap_or(0.0);
    let threshold = q99 + p.silence_db;
    if track.is_empty() {
        return Activity {
            speech: Vec::new(),
            pauses: Vec::new(),
            threshold_db: threshold,
            q99_db: q99,
        };
    }
    // Runs of equal state, with boundaries halfway between frames.
    let half = 0.5 * track.time_step_s;
    let mut runs: Vec<(f64, f64, bool)> = Vec::new();
    for (i, &db) in track.db.iter().enumerate() {
        let s = db >= threshold;
        let start = if i == 0 { 0.0 } else { track.times[i] - half };
        match runs.last_mut() {
            Some(last) if last.2 == s => {}
            _ => {
                if let Some(last) = runs.last_mut() {
                    last.1 = start;
                }
                runs.push((start, duration_s, s));
            }
        }
    }
    // Bridge short interior silences, then drop short sounding runs.
    let merge = |runs: Vec<(f64, f64, bool)>| -> Vec<(f64, f64, bool)> {
        let mut out: Vec<(f64, f64, bool)> = Vec::new();
        for r in runs {
            match out.last_mut() {
                Some(last) if last.2 == r.2 => last.1 = r.1,
                _ => out.push(r),
            }
        }
        out
    };
    let n = runs.len();
    for (k, r) in runs.iter_mut().enumerate() {
        if !r.2 && k > 0 && k + 1 < n && r.1 - r.0 < p.min_pause_s {
            r.2 = true;
        }
    }
    let mut runs = merge(runs);
    for r in runs.iter_mut() {
        if r.2 && r.1 - r.0 < p.min_sounding_s {
            r.2 = false;
        }
    }
    runs = merge(runs);
    let to_iv = |r: &(f64, f64, bool)| Interval {
        start_ms: (r.0 * 1000.0).round() as u64,
        end_ms: (r.1 * 1000.0).round() as u64,
    };
    let speech: Vec<Interval> = runs.iter().filter(|r| r.2).map(to_iv).collect();
    let n = runs.len();
    let pauses = runs
        .iter()
        .enumerate()
        .filter(|(k, r)| !r.2 && *k > 0 && *k + 1 < n && r.1 - r.0 >= p.min_pause_s)
        .map(|(_, r)| to_iv(r))
        .collect();
    Activity {
        speech,
        pauses,
        threshold_db: threshold,
        q99_db: q99,
    }
}
