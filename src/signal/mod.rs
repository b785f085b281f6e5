//! Signal primitives shared by the analyses: one way each to measure frame
//! levels ([`levels`]), to take quantiles and medians ([`stats`], Hyndman &
//! Fan 1996 type 7) and to find speech activity in a level track
//! ([`activity`]: threshold rule, then gap bridging and short-run dropping).
//! The structure analysis, the voice features, the speech gate before
//! whisper and the calibration configure these rather than keep their own.

pub mod activity;
pub mod levels;
pub mod stats;
