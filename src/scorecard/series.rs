//! Time series of one call for the visual report: the agent's pitch
//! contour, loudness per party and the agent's speaking rate over time.
//!
//! They are measured data of the call, like the scorecard, so they live
//! beside it, below the renderers that draw them ([`crate::render::html`])
//! and the report that writes the page ([`crate::report`]).
//!
//! They are reduced from the per-frame voice tracks (10 ms, Praat-style; see
//! [`crate::features`]) to at most [`MAX_POINTS`] points so that a page stays
//! small whatever the call's length. They are not part of the JSON scorecard:
//! the scorer hands them over beside it ([`crate::scorecard::Scorer::score_for_report`]).

use crate::features::{energy_mean_db, speech_floor_db, Frame, Interval, VoiceReport};

/// Most points per track: a chart 1000 units wide needs no more.
pub const MAX_POINTS: usize = 1200;
/// Shortest bin (s): 5 pitch frames, enough for a median.
pub const MIN_BIN_S: f64 = 0.05;
/// Window of the speaking-rate curve (s): long enough for ~20 syllables at a
/// normal rate, short enough to show a rushed minute.
pub const RATE_WINDOW_S: f64 = 8.0;
/// A window with less agent speech than this (s) gives no rate point.
pub const RATE_MIN_SPEECH_S: f64 = 2.0;
/// Shortest loudness bin (s): a syllable or two, so that the curve shows
/// phrases rather than every syllable's rise and fall.
pub const LEVEL_BIN_S: f64 = 0.3;
/// dB re Praat's reference (full scale = 93.98 dB) minus this gives dBFS.
pub const PRAAT_FULL_SCALE_DB: f64 = 93.98;

/// Values at regular times: point `i` stands for `start_s + i·step_s`;
/// `None` where there is nothing to show (no voice, no speech).
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// Time of the first point (s).
    pub start_s: f64,
    /// Time between points (s).
    pub step_s: f64,
    /// The values.
    pub values: Vec<Option<f64>>,
}

impl Track {
    /// (time, value) of the points that have a value.
    pub fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (self.start_s + i as f64 * self.step_s, v)))
    }

    /// Smallest and largest value, if any.
    pub fn range(&self) -> Option<(f64, f64)> {
        self.points().fold(None, |r, (_, v)| match r {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
    }
}

/// The agent's pitch: contour, median and the variability band.
#[derive(Debug, Clone, PartialEq)]
pub struct PitchSeries {
    /// Median F0 of the voiced frames per bin (Hz).
    pub contour_hz: Track,
    /// Median F0 of the whole call (Hz), as in the scorecard.
    pub median_hz: Option<f64>,
    /// median · 2^(±SD/12): one standard deviation of the semitone values
    /// (the monotone finding's key figure) either side of the median (Hz).
    pub band_hz: Option<(f64, f64)>,
}

/// Everything the per-call page draws over time, beside the scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSeries {
    /// Length of the call (s).
    pub duration_s: f64,
    /// The agent's pitch.
    pub agent_pitch: PitchSeries,
    /// The agent's loudness (dBFS, energy mean of the frames inside the
    /// agent's speech per bin of at least [`LEVEL_BIN_S`]).
    pub agent_level_dbfs: Track,
    /// The customer's loudness (dBFS), when the customer was analysed.
    pub customer_level_dbfs: Option<Track>,
    /// The agent's articulation rate (syllables per second of speech) in a
    /// [`RATE_WINDOW_S`] window centred on each point.
    pub agent_rate_syl_per_s: Track,
}

/// The bin width for a call of `duration_s`: at least [`MIN_BIN_S`], at most
/// [`MAX_POINTS`] bins, a whole number of 10 ms frames.
pub fn bin_width(duration_s: f64) -> f64 {
    let w = (duration_s / MAX_POINTS as f64).max(MIN_BIN_S);
    (w * 100.0).ceil() / 100.0
}

impl CallSeries {
    /// Builds the series from the agent's (and customer's) voice reports,
    /// which must carry their per-frame tracks (`keep_frames`); a report
    /// without frames gives empty tracks.
    pub fn from_voices(
        duration_s: f64,
        agent: &VoiceReport,
        customer: Option<&VoiceReport>,
    ) -> CallSeries {
        let bin = bin_width(duration_s);
        let n = (duration_s / bin).ceil().max(1.0) as usize;
        let frames: &[Frame] = agent.frames.as_deref().unwrap_or(&[]);
        let level_bin = bin.max(LEVEL_BIN_S);
        let level_n = (duration_s / level_bin).ceil().max(1.0) as usize;
        let level = |v: &VoiceReport| {
            level_track(
                v.frames.as_deref().unwrap_or(&[]),
                &v.speech,
                level_bin,
                level_n,
            )
        };
        let band = agent
            .f0_median_hz
            .zip(agent.f0_std_semitones)
            .map(|(m, sd)| (m * 2f64.powf(-sd / 12.0), m * 2f64.powf(sd / 12.0)));
        CallSeries {
            duration_s,
            agent_pitch: PitchSeries {
                contour_hz: pitch_track(frames, bin, n),
                median_hz: agent.f0_median_hz,
                band_hz: band,
            },
            agent_level_dbfs: level(agent),
            customer_level_dbfs: customer.filter(|c| c.frames.is_some()).map(level),
            agent_rate_syl_per_s: rate_track(&agent.nuclei_s, &agent.speech, duration_s),
        }
    }
}

/// Bin index of time `t`.
fn bin_of(t: f64, bin: f64, n: usize) -> Option<usize> {
    (t >= 0.0).then(|| ((t / bin) as usize).min(n - 1))
}

/// Median voiced F0 per bin.
fn pitch_track(frames: &[Frame], bin: f64, n: usize) -> Track {
    let mut per_bin: Vec<Vec<f64>> = vec![Vec::new(); n];
    for f in frames {
        if let (Some(f0), Some(i)) = (f.f0_hz, bin_of(f.time_s, bin, n)) {
            per_bin[i].push(f64::from(f0));
        }
    }
    let values = per_bin
        .into_iter()
        .map(|mut v| {
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            let m = v.len() / 2;
            Some(if v.len() % 2 == 1 {
                v[m]
            } else {
                (v[m - 1] + v[m]) / 2.0
            })
        })
        .collect();
    Track {
        start_s: bin / 2.0,
        step_s: bin,
        values,
    }
}

/// Energy mean per bin of the frames inside `speech` and not far below the
/// loudest speech, in dBFS.
fn level_track(frames: &[Frame], speech: &[Interval], bin: f64, n: usize) -> Track {
    let floor = speech_floor_db(frames.iter().map(|f| f64::from(f.intensity_db)));
    let mut per_bin: Vec<Vec<f64>> = vec![Vec::new(); n];
    for f in frames {
        let db = f64::from(f.intensity_db);
        let in_speech = speech.iter().any(|s| s.contains(f.time_s));
        if let (true, Some(i)) = (db > floor && in_speech, bin_of(f.time_s, bin, n)) {
            per_bin[i].push(db);
        }
    }
    Track {
        start_s: bin / 2.0,
        step_s: bin,
        values: per_bin
            .into_iter()
            .map(|dbs| energy_mean_db(dbs).map(|db| db - PRAAT_FULL_SCALE_DB))
            .collect(),
    }
}

/// Articulation rate (de Jong & Wempe 2009: syllable nuclei per second of
/// phonation) in a sliding window of [`RATE_WINDOW_S`], one point per step
/// (1 s, or longer for calls over 20 minutes).
fn rate_track(nuclei_s: &[f64], speech: &[Interval], duration_s: f64) -> Track {
    let step = (duration_s / MAX_POINTS as f64).max(1.0).ceil();
    let n = (duration_s / step).floor() as usize + 1;
    let half = RATE_WINDOW_S / 2.0;
    let values = (0..n)
        .map(|i| {
            let c = i as f64 * step;
            let (a, b) = (c - half, c + half);
            let speech_s: f64 = speech
                .iter()
                .map(|s| {
                    let (s0, s1) = (s.start_ms as f64 / 1000.0, s.end_ms as f64 / 1000.0);
                    (s1.min(b) - s0.max(a)).max(0.0)
                })
                .sum();
            let count = nuclei_s.iter().filter(|&&t| t >= a && t < b).count();
            (speech_s >= RATE_MIN_SPEECH_S).then(|| count as f64 / speech_s)
        })
        .collect();
    Track {
        start_s: 0.0,
        step_s: step,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(t: f64, f0: Option<f32>, db: f32) -> Frame {
        Frame {
            time_s: t,
            f0_hz: f0,
            intensity_db: db,
        }
    }

    #[test]
    fn bins_stay_under_the_point_limit() {
        assert_eq!(bin_width(30.0), MIN_BIN_S);
        let w = bin_width(3600.0);
        assert!((3600.0 / w) as usize <= MAX_POINTS, "{w}");
    }

    #[test]
    fn pitch_is_the_median_of_voiced_frames_per_bin() {
        // Bin 0 (0–50 ms): 100, 110, 200 Hz voiced, one unvoiced → 110.
        let frames = [
            frame(0.005, Some(100.0), 60.0),
            frame(0.015, Some(200.0), 60.0),
            frame(0.025, Some(110.0), 60.0),
            frame(0.035, None, 60.0),
            frame(0.065, None, 60.0),
        ];
        let t = pitch_track(&frames, 0.05, 2);
        assert_eq!(t.values, vec![Some(110.0), None]);
    }

    #[test]
    fn level_is_the_energy_mean_in_dbfs_and_skips_silence() {
        // Two frames at 60 and 70 dB: energy mean 10·log10((1e6 + 1e7)/2) =
        // 67.404 dB → -26.576 dBFS; the -300 dB frame (digital silence) is
        // below the speech floor and leaves bin 1 empty; the 80 dB frame at
        // 0.12 s is outside the speech and leaves bin 2 empty.
        let frames = [
            frame(0.01, None, 60.0),
            frame(0.02, None, 70.0),
            frame(0.06, None, -300.0),
            frame(0.12, None, 80.0),
        ];
        let speech = [Interval {
            start_ms: 0,
            end_ms: 100,
        }];
        let t = level_track(&frames, &speech, 0.05, 3);
        let v = t.values[0].unwrap();
        assert!((v - (67.40363 - PRAAT_FULL_SCALE_DB)).abs() < 1e-4, "{v}");
        assert_eq!(t.values[1..], [None, None]);
    }

    #[test]
    fn rate_counts_nuclei_per_second_of_speech_in_the_window() {
        // Speech 0–10 s with a nucleus every 0.25 s (4 syl/s); the window at
        // 5 s (1–9 s) holds 8 s of speech and 32 nuclei → 4.0.
        let nuclei: Vec<f64> = (0..40).map(|i| i as f64 * 0.25).collect();
        let speech = [Interval {
            start_ms: 0,
            end_ms: 10_000,
        }];
        let t = rate_track(&nuclei, &speech, 20.0);
        assert_eq!(t.step_s, 1.0);
        assert!((t.values[5].unwrap() - 4.0).abs() < 1e-9);
        // At 18 s the window (14–22 s) has no speech.
        assert_eq!(t.values[18], None);
    }
}
