//! What a calibrated profile records about where its bands came from: the
//! `[calibration]` table of a profile written by `callcoach calibrate`, and
//! the options of the rule that wrote it.
//!
//! The profile carries the record ([`super::profile::Profile::calibration`])
//! and the calibration fills it ([`super::calibrate`]); it sits in a module of
//! its own so that both can use it and neither imports the other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Fewest calls with a value for a band to move.
pub const MIN_CALLS: usize = 5;

/// How far calibration follows the team (docs/calibration.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrateOptions {
    /// Percentile of the team's values that becomes `good` (50: the median),
    /// counted in the metric's bad direction.
    pub good_percentile: f64,
    /// Percentile of the team's values, in the bad direction, that becomes
    /// `bad` (95: one call in twenty is beyond it).
    pub bad_percentile: f64,
    /// The default band counts as this many calls: with n calls a band moves
    /// n / (n + prior_calls) of the way toward the team.
    pub prior_calls: f64,
    /// Fewest calls with a value for a band to move ([`MIN_CALLS`]).
    pub min_calls: usize,
    /// The most an end of a band may move, as a fraction of the default
    /// band's width.
    pub max_shift: f64,
}

impl Default for CalibrateOptions {
    fn default() -> Self {
        CalibrateOptions {
            good_percentile: 50.0,
            bad_percentile: 95.0,
            prior_calls: 20.0,
            min_calls: MIN_CALLS,
            max_shift: 0.5,
        }
    }
}

impl CalibrateOptions {
    /// Checks the options; the message names the option.
    pub fn check(&self) -> Result<(), OptionsError> {
        let pct = 0.0..=100.0;
        if !pct.contains(&self.good_percentile) || !pct.contains(&self.bad_percentile) {
            return Err(OptionsError::PercentileRange);
        }
        if self.good_percentile >= self.bad_percentile {
            return Err(OptionsError::PercentileOrder);
        }
        if !(self.prior_calls >= 0.0 && self.prior_calls.is_finite()) {
            return Err(OptionsError::PriorCalls);
        }
        if !(0.0..=1.0).contains(&self.max_shift) {
            return Err(OptionsError::MaxShift);
        }
        Ok(())
    }
}

/// Why [`CalibrateOptions`] cannot be used: one line naming the option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// A percentile outside 0..100.
    #[error("--good-percentile and --bad-percentile must lie in 0..100")]
    PercentileRange,
    /// The good percentile is not below the bad one.
    #[error("--good-percentile must be below --bad-percentile")]
    PercentileOrder,
    /// A negative or infinite prior weight.
    #[error("--prior-calls must be 0 or more")]
    PriorCalls,
    /// A shift limit outside 0..1.
    #[error("--max-shift must lie in 0..1")]
    MaxShift,
}

/// What one band was calibrated from: the team's distribution, the
/// default it replaced and how far it moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRecord {
    /// Calls with a value.
    pub n: usize,
    /// 5th percentile of the team's values.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// The default band's `good`.
    pub default_good: f64,
    /// The default band's `bad`.
    pub default_bad: f64,
    /// The team's `good`: its good percentile, in the bad direction.
    pub team_good: f64,
    /// The team's `bad`: its bad percentile, in the bad direction.
    pub team_bad: f64,
    /// How far the band moved toward the team: n / (n + prior), 0 below
    /// the minimum number of calls.
    pub team_weight: f64,
    /// Whether the cap (max_shift) stopped an end.
    pub capped: bool,
    /// Whether most of the team's calls rate below 50 on the default band
    /// (with at least the minimum number of calls): a team-wide sign of the
    /// mistake, worth a look on its own.
    pub team_outside: bool,
}

/// Where a calibrated profile's bands came from: the `[calibration]`
/// table of the written profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationRecord {
    /// Scorecards read.
    pub calls: usize,
    /// What happened, in one sentence.
    pub note: String,
    /// The rule's parameters.
    pub options: CalibrateOptions,
    /// Per band, keyed `finding.metric_key` (for example
    /// `too_fast.agent_wpm_en`).
    pub metrics: BTreeMap<String, MetricRecord>,
}
