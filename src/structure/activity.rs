//! Speech activity from frame energy, with crosstalk rejection for stereo calls.
//!
//! This configures the one speech-activity mechanism of
//! [`crate::signal::activity`] ([`level_rule`], [`run_rule`]) and adds the
//! crosstalk test between the threshold rule and the run rule.
//!
//! Frames are 20 ms windows every 10 ms (frame `i` centred at `i * 10 ms + 5 ms`).
//! A frame is speech when its level is above an adaptive threshold: the higher of
//! (noise floor + `vad_floor_margin_db`) and (loud level − `vad_dynamic_range_db`),
//! where the noise floor is the 5th and the loud level the 95th percentile of the
//! channel's frame levels (Hyndman & Fan type 7, [`crate::signal::stats`]); runs are extended while the level stays within
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
use crate::signal::activity::{runs, FrameClock, LevelRule, Order, RunRule};
use crate::signal::levels::{self, Framing};
use crate::signal::stats;

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

/// Frame levels in dB (full scale) of one channel: 20 ms windows every
/// 10 ms ([`Framing::WINDOW_20MS_HOP_10MS`]), frame `i` standing for
/// `i·10 ms .. (i+1)·10 ms`.
pub fn frame_levels_db(signal: &[f32], sample_rate: u32) -> Vec<f32> {
    levels::frame_levels_db(signal, sample_rate, Framing::WINDOW_20MS_HOP_10MS)
}

/// The threshold rule of the structure analysis (see module docs): the
/// higher of floor (5th percentile) + `vad_floor_margin_db` and loud level
/// (95th percentile) − `vad_dynamic_range_db`, with `vad_hysteresis_db` of
/// hysteresis.
pub fn level_rule(params: &StructureParams) -> LevelRule {
    LevelRule {
        loud_quantile: 0.95,
        range_db: params.vad_dynamic_range_db as f64,
        floor: Some((0.05, params.vad_floor_margin_db as f64)),
        headroom_db: None,
        hysteresis_db: params.vad_hysteresis_db as f64,
    }
}

/// The run rule of the structure analysis: runs shorter than
/// `min_speech_s` are dropped, then interior gaps shorter than `hangover_s`
/// filled.
pub fn run_rule(params: &StructureParams) -> RunRule {
    RunRule {
        bridge_gaps_under_s: params.hangover_s,
        drop_runs_under_s: params.min_speech_s,
        order: Order::DropThenBridge,
    }
}

/// The energy threshold of a channel (see module docs); -120 dB (digital
/// silence) when there are no frames.
pub fn speech_threshold_db(levels: &[f32], params: &StructureParams) -> f32 {
    level_rule(params)
        .threshold(levels)
        .map_or(-120.0, |t| t.threshold_db as f32)
}

/// Raw (unsmoothed) speech decision per frame by energy alone, with
/// hysteresis: runs above the threshold are extended both ways while the
/// level stays above `threshold − vad_hysteresis_db` (double-threshold
/// endpointing, Lamel et al. 1981), so that soft onsets and word tails are
/// kept.
pub fn energy_speech(levels: &[f32], params: &StructureParams) -> Vec<bool> {
    level_rule(params).frames(levels)
}

/// Drops speech runs shorter than `min_speech_s`, then fills gaps shorter
/// than `hangover_s` ([`run_rule`]).
pub fn smooth(frames: &mut [bool], params: &StructureParams) {
    let clock = FrameClock::contiguous(HOP_S, frames.len());
    run_rule(params).apply(frames, &clock);
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
/// `dst − src`, Hyndman & Fan type 7, over frames where `src` is at least
/// 10 dB above its threshold).
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
    stats::quantile(&d, 0.10).map(|q| q as f32)
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
    runs(frames, true)
        .into_iter()
        .map(|r| Interval {
            start_s: r.start as f64 * HOP_S,
            end_s: r.end as f64 * HOP_S,
        })
        .collect()
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
