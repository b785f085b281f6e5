//! Syllable nuclei after de Jong & Wempe (2009), "Praat script to detect
//! syllable nuclei and measure speech rate automatically", Behavior Research
//! Methods 41(2): peaks of the intensity contour that are above a threshold
//! relative to the 0.99 quantile, that stand at least `min_dip_db` above the
//! dip between them and the next peak, that lie in speech, and that are voiced.

use super::activity::Activity;
use super::intensity::IntensityTrack;
use super::pitch::PitchTrack;

/// Settings of the nucleus detection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyllableParams {
    /// Peak threshold relative to the 0.99 intensity quantile (dB, negative).
    pub silence_db: f64,
    /// Least dip (dB) between a peak and the next for the peak to count.
    pub min_dip_db: f64,
    /// How far (s) from a peak a voiced pitch frame may lie for the peak to
    /// count as voiced.
    pub voicing_tolerance_s: f64,
}

/// Times (s) of the syllable nuclei.
pub fn nuclei(
    intensity: &IntensityTrack,
    pitch: &PitchTrack,
    activity: &Activity,
    p: &SyllableParams,
) -> Vec<f64> {
    let db = &intensity.db;
    if db.len() < 3 {
        return Vec::new();
    }
    let min = db.iter().copied().fold(f64::INFINITY, f64::min);
    let threshold = (activity.q99_db + p.silence_db).max(min);
    // Local maxima above the threshold, refined by a parabola through three frames.
    let mut peaks: Vec<(usize, f64, f64)> = Vec::new(); // (frame, time, dB)
    for i in 1..db.len() - 1 {
        if db[i] > db[i - 1] && db[i] >= db[i + 1] {
            let d = 0.5 * (db[i + 1] - db[i - 1]);
            let d2 = 2.0 * db[i] - db[i - 1] - db[i + 1];
            let (off, val) = if d2 > 0.0 {
                (d / d2, db[i] + 0.5 * d * d / d2)
            } else {
                (0.0, db[i])
            };
            if val > threshold {
                peaks.push((i, intensity.times[i] + off * intensity.time_step_s, val));
            }
        }
    }
    let mut out = Vec::new();
    for (k, &(i, t, v)) in peaks.iter().enumerate() {
        // Dip between this peak and the next one (or the end of the track).
        let j = peaks.get(k + 1).map(|p| p.0).unwrap_or(db.len() - 1);
        let dip = db[i..=j].iter().copied().fold(f64::INFINITY, f64::min);
        if v - dip <= p.min_dip_db {
            continue;
        }
        if !activity.speech.iter().any(|s| s.contains(t)) {
            continue;
        }
        if voiced_near(pitch, t, p.voicing_tolerance_s) {
            out.push(t);
        }
    }
    out
}

fn voiced_near(pitch: &PitchTrack, t: f64, tol: f64) -> bool {
    if pitch.is_empty() {
        return false;
    }
    let step = pitch.time_step_s;
    let reach = (tol / step).round() as i64;
    let centre = ((t - pitch.times[0]) / step).round() as i64;
    (centre - reach..=centre + reach)
        .filter(|&k| k >= 0 && (k as usize) < pitch.f0.len())
        .any(|k| pitch.f0[k as usize].is_some())
}
