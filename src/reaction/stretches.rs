//! The caller's speech cut into stretches, and the voice figures of a
//! stretch (or of several pooled) from the per-frame tracks of
//! [`crate::features`]: no new measurement, only the frames, syllable nuclei
//! and speech activity the rest of the pipeline made.

use serde::{Deserialize, Serialize};

use crate::features::{energy_mean_db, f0_statistics, intensity::FULL_SCALE_DB, Frame};
use crate::structure::{Interval, Speaker, Turn};

/// Time of one frame of the voice tracks (s): Praat's 10 ms step.
const FRAME_S: f64 = 0.01;

/// A stretch of the caller's speech: one turn, or a piece of a long one.
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    /// Start of its first speech (s).
    pub start_s: f64,
    /// End of its last speech (s).
    pub end_s: f64,
    /// The caller's speech inside it.
    pub speech: Vec<Interval>,
}

impl Cut {
    /// Seconds of speech.
    pub fn speech_s(&self) -> f64 {
        self.speech.iter().map(Interval::duration).sum()
    }
}

/// The caller's turns cut into stretches of at most `max_speech_s` of
/// speech: the speech of each customer turn (`speech` inside the turn), a
/// long turn cut where the speech reaches the limit (a single speech run
/// longer than that is cut inside).
pub fn cut(turns: &[Turn], speech: &[Interval], max_speech_s: f64) -> Vec<Cut> {
    let mut cuts = Vec::new();
    for turn in turns.iter().filter(|t| t.speaker == Speaker::Customer) {
        let mut current: Vec<Interval> = Vec::new();
        let mut have = 0.0;
        for s in speech {
            let (a, b) = (s.start_s.max(turn.start_s), s.end_s.min(turn.end_s));
            let mut a = a;
            while b - a > 1e-9 {
                let take = (b - a).min(max_speech_s - have);
                current.push(Interval {
                    start_s: a,
                    end_s: a + take,
                });
                have += take;
                a += take;
                if have >= max_speech_s - 1e-9 {
                    cuts.push(close(std::mem::take(&mut current)));
                    have = 0.0;
                }
            }
        }
        if !current.is_empty() {
            cuts.push(close(current));
        }
    }
    cuts
}

fn close(speech: Vec<Interval>) -> Cut {
    Cut {
        start_s: speech.first().map_or(0.0, |s| s.start_s),
        end_s: speech.last().map_or(0.0, |s| s.end_s),
        speech,
    }
}

/// The caller's voice over some speech: what a stretch, the baseline or the
/// call's end is compared by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceFigures {
    /// Seconds of speech measured.
    pub speech_s: f64,
    /// Energy mean of the speech frames (dBFS; frames far below the loudest
    /// speech left out, as in the voice figures).
    pub level_dbfs: Option<f64>,
    /// Median F0 of the voiced frames (Hz); `None` with too little voicing.
    pub f0_median_hz: Option<f64>,
    /// 5–95 % range of F0 (semitones).
    pub f0_range_semitones: Option<f64>,
    /// Syllable nuclei per second of speech (de Jong & Wempe 2009's
    /// articulation rate).
    pub rate_syl_per_s: Option<f64>,
}

/// The caller's per-frame tracks that every stretch is measured from.
pub struct Tracks<'a> {
    /// The frames (10 ms, in time order).
    pub frames: &'a [Frame],
    /// Syllable nuclei (s, in time order).
    pub nuclei_s: &'a [f64],
    /// Frames at or below this level (dB) are edge silence, not voice
    /// ([`crate::features::speech_floor_db`] of the caller's channel).
    pub floor_db: f64,
    /// Least voiced time (s) for the pitch figures.
    pub min_voiced_s: f64,
}

impl Tracks<'_> {
    /// The figures of the caller's voice over `speech` (one stretch's, or
    /// several pooled).
    pub fn measure(&self, speech: &[Interval]) -> VoiceFigures {
        let mut f0 = Vec::new();
        let mut levels = Vec::new();
        let mut syllables = 0usize;
        for s in speech {
            for f in self.inside(s) {
                if let Some(hz) = f.f0_hz {
                    f0.push(f64::from(hz));
                }
                let db = f64::from(f.intensity_db);
                if db > self.floor_db {
                    levels.push(db);
                }
            }
            let (a, b) = (
                self.nuclei_s.partition_point(|&t| t < s.start_s),
                self.nuclei_s.partition_point(|&t| t < s.end_s),
            );
            syllables += b - a;
        }
        let speech_s: f64 = speech.iter().map(Interval::duration).sum();
        let pitch = (f0.len() as f64 * FRAME_S >= self.min_voiced_s)
            .then(|| f0_statistics(&f0))
            .flatten();
        VoiceFigures {
            speech_s,
            level_dbfs: energy_mean_db(levels).map(|db| db - FULL_SCALE_DB),
            f0_median_hz: pitch.map(|p| p.0),
            f0_range_semitones: pitch.map(|p| p.2),
            rate_syl_per_s: (speech_s > 0.0).then(|| syllables as f64 / speech_s),
        }
    }

    /// The frames whose time lies inside `s`.
    fn inside(&self, s: &Interval) -> &[Frame] {
        let a = self.frames.partition_point(|f| f.time_s < s.start_s);
        let b = self.frames.partition_point(|f| f.time_s < s.end_s);
        &self.frames[a..b.max(a)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(a: f64, b: f64) -> Interval {
        Interval {
            start_s: a,
            end_s: b,
        }
    }

    fn turn(speaker: Speaker, a: f64, b: f64) -> Turn {
        Turn {
            speaker,
            start_s: a,
            end_s: b,
        }
    }

    #[test]
    fn a_long_turn_is_cut_at_the_speech_limit() {
        // One customer turn 0–20 s with speech 0–5 and 6–16 s: 15 s of
        // speech in pieces of 8 s: 0–5 + 6–9, then 9–16. The agent's turn
        // is not the caller's.
        let turns = [
            turn(Speaker::Customer, 0.0, 20.0),
            turn(Speaker::Agent, 20.0, 30.0),
        ];
        let speech = [iv(0.0, 5.0), iv(6.0, 16.0), iv(21.0, 25.0)];
        let cuts = cut(&turns, &speech, 8.0);
        assert_eq!(cuts.len(), 2, "{cuts:?}");
        assert_eq!(cuts[0].speech, vec![iv(0.0, 5.0), iv(6.0, 9.0)]);
        assert!((cuts[0].speech_s() - 8.0).abs() < 1e-9);
        assert_eq!((cuts[1].start_s, cuts[1].end_s), (9.0, 16.0));
    }

    #[test]
    fn figures_come_from_the_frames_inside_the_speech() {
        // 1 s of frames: 0–0.5 s voiced at 100 Hz and 60 dB, 0.5–1 s at
        // 200 Hz and 70 dB; speech is 0–1 s, nuclei at 0.2, 0.4, 0.6, 0.8.
        let frames: Vec<Frame> = (0..100)
            .map(|i| {
                let t = i as f64 * 0.01 + 0.005;
                Frame {
                    time_s: t,
                    f0_hz: Some(if t < 0.5 { 100.0 } else { 200.0 }),
                    intensity_db: if t < 0.5 { 60.0 } else { 70.0 },
                }
            })
            .collect();
        let tracks = Tracks {
            frames: &frames,
            nuclei_s: &[0.2, 0.4, 0.6, 0.8, 1.5],
            floor_db: 20.0,
            min_voiced_s: 0.3,
        };
        let f = tracks.measure(&[iv(0.0, 1.0)]);
        assert_eq!(f.rate_syl_per_s, Some(4.0));
        // Energy mean of 50 frames at 60 dB and 50 at 70 dB: 67.40 dB.
        let level = f.level_dbfs.unwrap() + FULL_SCALE_DB;
        assert!((level - 67.4036).abs() < 1e-3, "{level}");
        // Median of 50 × 100 Hz and 50 × 200 Hz: 150 Hz; range 12 st.
        assert!((f.f0_median_hz.unwrap() - 150.0).abs() < 1e-9);
        assert!((f.f0_range_semitones.unwrap() - 12.0).abs() < 1e-9);
        // Too little voicing for pitch: 0.2 s.
        let short = tracks.measure(&[iv(0.0, 0.2)]);
        assert_eq!(short.f0_median_hz, None);
        assert!(short.level_dbfs.is_some());
    }
}
