//! Speech activity from frame energy, with crosstalk rejection for stereo calls.
//!
//! Frames are 20 ms windows every 10 ms (frame `i` centred at `i * 10 ms + 5 ms`).
//! A frame is speech when its level is above an adaptive threshold: the higher of
//! (noise floor + `vad_floor_margin_db`) and (loud level − `vad_dynamic_range_db`),
//! where the noise floor is the 5th and the loud level the 95th percentile of the
//! channel's frame levels; runs are extended while the level stays within
//! `vad_hysteresis_db` below the threshold. Runs shorter than `min_speech_s` are dropped and gaps
//! shorter than `hangover_s` are filled (hangover smoothing, as in G.729 Annex B
//! style VADs).
//!
//! Crosstalk (echo, bleed of the other party into a channel) is rejected by a
//! level comparison between the two channels at the same frame. The coupling
//! `g` from channel B into channel A is estimated as the 10th percentile of
//! `L_A − L_B` over frames where B is clearly speaking: where A only carries
//! B's bleed this difference is the bleed gain, and where A also speaks it is
//! larger. A frame counts as A's speech only if A is speech by energy AND
//! `L_A ≥ L_B + clamp(g + bleed_margin_db, −30, −6)`, i.e. A's level is not
//! explained by B's bleed.

use super::StructureParams;

/// Frame hop in seconds used by every stage of the structure analysis.
pub const HOP_S: f64 = 0.010;

/// A time span in seconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Start in seconds from the start of the recording.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
}

impl Interval {
    /// Length in seconds.
    pub fn duration(&self) -> f64 {
        (self.end_s - self.start_s).max(0.0)
    }

    /// Length of the intersection with `other` in seconds.
    pub fn overlap(&self, other: &Interval) -> f64 {
        (self.end_s.min(other.end_s) - self.start_s.max(other.start_s)).max(0.0)
    }
}

/// Frame levels in dB (full scale) of one channel: 20 ms windows every 10 ms.
pub fn frame_levels_db(signal: &[f32], sample_rate: u32) -> Vec<f32> {
    let hop = ((HOP_S * sample_rate as f64).round() as usize).max(1);
    let win = 2 * hop;
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

/// Value at quantile `q` (0..1) of `v` (copied and sorted); -120 dB when empty.
pub fn quantile(v: &[f32], q: f64) -> f32 {
    if v.is_empty() {
        return -120.0;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    s[((s.len() - 1) as f64 * q).round() as usize]
}

/// The energy threshold of a channel (see module docs).
pub fn speech_threshold_db(levels: &[f32], params: &StructureParams) -> f32 {
    let floor = quantile(levels, 0.05);
    let loud = quantile(levels, 0.95);
    (floor + params.vad_floor_margin_db).max(loud - params.vad_dynamic_range_db)
}

/// Raw (unsmoothed) speech decision per frame by energy alone, with
/// hysteresis: runs above the threshold are extended both ways while the level
/// stays above `threshold − vad_hysteresis_db` (double-threshold endpointing,
/// Lamel et al. 1981), so that soft onsets and word tails are kept.
pub fn energy_speech(levels: &[f32], params: &StructureParams) -> Vec<bool> {
    let thr = speech_threshold_db(levels, params);
    let low = thr - params.vad_hysteresis_db;
    let mut v: Vec<bool> = levels.iter().map(|&l| l > thr).collect();
    let n = v.len();
    for i in 1..n {
        if v[i - 1] && !v[i] && levels[i] > low {
            v[i] = true;
        }
    }
    for i in (0..n.saturating_sub(1)).rev() {
        if v[i + 1] && !v[i] && levels[i] > low {
            v[i] = true;
        }
    }
    v
}

/// Drops speech runs shorter than `min_speech_s`, then fills gaps shorter
/// than `hangover_s`.
pub fn smooth(frames: &mut [bool], params: &StructureParams) {
    let min_run = (params.min_speech_s / HOP_S).round() as usize;
    let max_gap = (params.hangover_s / HOP_S).round() as usize;
    set_short_runs(frames, true, min_run, false);
    // Fill interior gaps only (not leading or trailing silence).
    let n = frames.len();
    let mut i = 0;
    while i < n {
        if !frames[i] {
            let s = i;
            while i < n && !frames[i] {
                i += 1;
            }
            if s > 0 && i < n && i - s < max_gap {
                frames[s..i].iter_mut().for_each(|f| *f = true);
            }
        } else {
            i += 1;
        }
    }
}

fn set_short_runs(frames: &mut [bool], value: bool, min_len: usize, to: bool) {
    let n = frames.len();
    let mut i = 0;
    while i < n {
        if frames[i] == value {
            let s = i;
            while i < n && frames[i] == value {
                i += 1;
            }
            if i - s < min_len {
                frames[s..i].iter_mut().for_each(|f| *f = to);
            }
        } else {
            i += 1;
        }
    }
}

/// Mono speech activity: energy decision and smoothing.
pub fn mono_activity(levels: &[f32], params: &StructureParams) -> Vec<bool> {
    let mut v = energy_speech(levels, params);
    smooth(&mut v, params);
    v
}

/// Mono speech activity where a neural speech detector has a say: a frame
/// is speech when the energy test passes and `voiced` (Silero VAD's
/// decision per 10 ms frame, [`crate::transcribe::gate::Silero::speech_frames`]) holds
/// too; then the same smoothing. Energy alone takes beeps, clicks and line
/// noise for speech; Silero alone hears the quiet bleed and breaths.
/// Frames past the end of `voiced` are not speech.
pub fn mono_activity_voiced(
    levels: &[f32],
    voiced: &[bool],
    params: &StructureParams,
) -> Vec<bool> {
    let mut v = energy_speech(levels, params);
    for (i, f) in v.iter_mut().enumerate() {
        *f &= voiced.get(i).copied().unwrap_or(false);
    }
    smooth(&mut v, params);
    v
}

/// Estimated bleed gain in dB from `src` into `dst` (10th percentile of
/// `dst − src` over frames where `src` is at least 10 dB above its threshold).
pub fn coupling_db(dst: &[f32], src: &[f32], src_thr: f32) -> Option<f32> {
    let d: Vec<f32> = dst
        .iter()
        .zip(src)
        .filter(|(_, &s)| s > src_thr + 10.0)
        .map(|(&a, &b)| a - b)
        .collect();
    if d.len() < 20 {
        return None;
    }
    Some(quantile(&d, 0.10))
}

/// Result of the stereo activity analysis.
#[derive(Debug, Clone)]
pub struct StereoActivity {
    /// Smoothed speech frames of channel 0 and channel 1.
    pub speech: [Vec<bool>; 2],
    /// Frames that passed the energy test but were rejected as bleed, per channel.
    pub bleed_frames: [usize; 2],
    /// Estimated coupling (dB) into channel 0 from 1, and into 1 from 0.
    pub coupling_db: [Option<f32>; 2],
}

/// Speech activity of two channels with crosstalk rejection (see module docs).
pub fn stereo_activity(levels: [&[f32]; 2], params: &StructureParams) -> StereoActivity {
    let n = levels[0].len().min(levels[1].len());
    let thr = [
        speech_threshold_db(levels[0], params),
        speech_threshold_db(levels[1], params),
    ];
    let coupling = [
        coupling_db(levels[0], levels[1], thr[1]),
        coupling_db(levels[1], levels[0], thr[0]),
    ];
    let energy = [
        energy_speech(levels[0], params),
        energy_speech(levels[1], params),
    ];
    let mut speech = [vec![false; n], vec![false; n]];
    let mut bleed_frames = [0usize; 2];
    for ch in 0..2 {
        let other = 1 - ch;
        let g = coupling[ch].unwrap_or(-60.0);
        let offset = (g + params.bleed_margin_db).clamp(-30.0, -6.0);
        for i in 0..n {
            let l = levels[ch][i];
            if !energy[ch][i] {
                continue;
            }
            if l >= levels[other][i] + offset {
                speech[ch][i] = true;
            } else {
                bleed_frames[ch] += 1;
            }
        }
        smooth(&mut speech[ch], params);
    }
    StereoActivity {
        speech,
        bleed_frames,
        coupling_db: coupling,
    }
}

/// Intervals of `true` runs of a frame track.
pub fn intervals(frames: &[bool]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        if frames[i] {
            let s = i;
            while i < frames.len() && frames[i] {
                i += 1;
            }
            out.push(Interval {
                start_s: s as f64 * HOP_S,
                end_s: i as f64 * HOP_S,
            });
        } else {
            i += 1;
        }
    }
    out
}

/// Total length of a set of intervals in seconds.
pub fn total(iv: &[Interval]) -> f64 {
    iv.iter().map(Interval::duration).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_smoothing() {
        let p = StructureParams::default();
        // 30 frames speech, 10 frames gap (100 ms < hangover), 30 frames speech, 2 frames blip.
        let mut f = vec![false; 10];
        f.extend(vec![true; 30]);
        f.extend(vec![false; 10]);
        f.extend(vec![true; 30]);
        f.extend(vec![false; 50]);
        f.extend(vec![true; 2]);
        f.extend(vec![false; 20]);
        smooth(&mut f, &p);
        let iv = intervals(&f);
        assert_eq!(iv.len(), 1);
        assert!((iv[0].start_s - 0.10).abs() < 1e-9 && (iv[0].end_s - 0.80).abs() < 1e-9);
    }
}
