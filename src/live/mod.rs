//! Live coaching from the voice alone: rolling figures over the last few
//! seconds and short hints when a profile threshold is crossed.
//!
//! [`Coach`] keeps a window (default 10 s) of the mono mix. Every update
//! interval (default 0.25 s of audio) it runs the same voice analysis as a
//! scorecard ([`crate::features::analyze_channel`]) on the window and rates
//! four figures with the profile's thresholds: articulation rate (too fast),
//! F0 variability (monotone), speech level (apathetic) and breathing pauses
//! per minute of speech (rushed). A figure rated below the profile's
//! `verdict.ok_from` gives its finding's `hint` from the tips file.

pub mod words;

use crate::features::{analyze_channel, intensity::FULL_SCALE_DB, FeatureParams};
use crate::findings::{rate, FindingId, Profile, Tips};
use serde::Serialize;
use std::collections::VecDeque;
use std::time::Instant;

/// Window and pace of the rolling analysis.
#[derive(Debug, Clone)]
pub struct LiveParams {
    /// Seconds of audio analysed at each update.
    pub window_s: f64,
    /// Seconds of audio between updates.
    pub update_s: f64,
    /// Speech (phonation) needed in the window before the syllable rate is
    /// judged; the pause rate needs twice as much.
    pub min_speech_s: f64,
    /// Language of the thresholds and hints ("en", "de").
    pub language: String,
}

impl Default for LiveParams {
    fn default() -> Self {
        Self {
            window_s: 10.0,
            update_s: 0.25,
            min_speech_s: 2.0,
            language: "en".into(),
        }
    }
}

/// One figure that crossed its threshold, with what to say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hint {
    /// The finding it warns of.
    pub finding: FindingId,
    /// The metric (profile name).
    pub metric: &'static str,
    /// Its rolling value.
    pub value: f64,
    /// Its rating 0..100 against the profile.
    pub rating: f64,
    /// What to show ("slower").
    pub text: String,
}

/// The rolling figures at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// Seconds of audio consumed so far (the window's end).
    pub t_s: f64,
    /// Seconds of speech (phonation) in the window.
    pub speech_s: f64,
    /// Syllables per second of phonation time.
    pub articulation_rate_syl_per_s: Option<f64>,
    /// F0 standard deviation in semitones.
    pub f0_std_semitones: Option<f64>,
    /// Mean speech level in dBFS.
    pub level_dbfs: Option<f64>,
    /// Breathing pauses (≥ 0.25 s) per minute of speech.
    pub pauses_per_min: Option<f64>,
    /// Figures past their threshold, worst first.
    pub hints: Vec<Hint>,
    /// Wall time of the analysis of this update, in ms.
    pub analysis_ms: f64,
}

/// The rolling coach: feed it blocks, get a [`Reading`] per update.
pub struct Coach {
    rate: u32,
    channels: usize,
    params: LiveParams,
    features: FeatureParams,
    profile: Profile,
    tips: Tips,
    window: VecDeque<f32>,
    window_len: usize,
    update_len: usize,
    since_update: usize,
    frames: u64,
}

impl Coach {
    /// A coach for audio at `rate` Hz with `channels` interleaved channels.
    pub fn new(rate: u32, channels: u16, params: LiveParams, profile: Profile) -> Self {
        let window_len = (params.window_s * f64::from(rate)).round() as usize;
        let update_len = ((params.update_s * f64::from(rate)).round() as usize).max(1);
        Self {
            rate,
            channels: usize::from(channels.max(1)),
            tips: Tips::builtin(&params.language),
            params,
            features: FeatureParams::default(),
            profile,
            window: VecDeque::with_capacity(window_len + update_len),
            window_len,
            update_len,
            since_update: 0,
            frames: 0,
        }
    }

    /// Adds a block of interleaved samples; returns a reading each time an
    /// update interval has passed.
    pub fn push(&mut self, interleaved: &[f32]) -> Option<Reading> {
        let ch = self.channels;
        for frame in interleaved.chunks_exact(ch) {
            self.window.push_back(frame.iter().sum::<f32>() / ch as f32);
        }
        let added = interleaved.len() / ch;
        self.frames += added as u64;
        self.since_update += added;
        while self.window.len() > self.window_len {
            self.window.pop_front();
        }
        if self.since_update < self.update_len {
            return None;
        }
        self.since_update = 0;
        Some(self.reading())
    }

    /// Analyses the current window.
    pub fn reading(&mut self) -> Reading {
        let started = Instant::now();
        let samples = self.window.make_contiguous();
        let v = analyze_channel(samples, self.rate, &self.features);
        let enough_speech = v.phonation_time_s >= self.params.min_speech_s;
        let articulation = v.articulation_rate_syl_per_s.filter(|_| enough_speech);
        // A pause rate needs more speech than a syllable rate: one pause in
        // 2 s of speech would read as 30 per minute.
        let pauses_per_min = (v.phonation_time_s >= 2.0 * self.params.min_speech_s)
            .then(|| v.pauses.len() as f64 / (v.phonation_time_s / 60.0));
        // Pitch spread needs about a second of voiced frames to mean anything.
        let f0_std = v
            .f0_std_semitones
            .filter(|_| v.voiced_fraction * v.duration_s >= 1.0);
        let level = v
            .intensity_mean_db
            .filter(|_| v.phonation_time_s >= 0.5)
            .map(|d| d - FULL_SCALE_DB);
        let figures = [
            (
                FindingId::TooFast,
                "articulation_rate_syl_per_s",
                articulation,
            ),
            (FindingId::Monotone, "f0_std_semitones", f0_std),
            (FindingId::Apathetic, "speech_level_dbfs", level),
            (FindingId::Rushed, "pauses_per_min", pauses_per_min),
        ];
        let mut hints: Vec<Hint> = figures
            .iter()
            .filter_map(|&(id, metric, value)| self.hint(id, metric, value?))
            .collect();
        hints.sort_by(|a, b| a.rating.total_cmp(&b.rating));
        Reading {
            t_s: self.frames as f64 / f64::from(self.rate),
            speech_s: v.phonation_time_s,
            articulation_rate_syl_per_s: articulation,
            f0_std_semitones: f0_std,
            level_dbfs: level,
            pauses_per_min,
            hints,
            analysis_ms: started.elapsed().as_secs_f64() * 1000.0,
        }
    }

    /// The hint for one figure, when its rating is below the "ok" band.
    fn hint(&self, id: FindingId, metric: &'static str, value: f64) -> Option<Hint> {
        let t = self
            .profile
            .finding(id)
            .threshold(metric, &self.params.language)?;
        let rating = rate(value, t.good, t.bad);
        if rating >= f64::from(self.profile.verdict.ok_from) {
            return None;
        }
        Some(Hint {
            finding: id,
            metric,
            value,
            rating,
            text: self.tips.hint(id)?.to_string(),
        })
    }
}
