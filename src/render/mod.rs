//! Renderers: turn pipeline results into text for people, JSON for tools
//! and HTML pages ([`html`]).
//! They compute nothing; everything they show was measured upstream.

mod calibration;
pub mod html;
mod live;
mod reaction;
mod scorecard;
mod structure;
mod transcript;

pub use calibration::{calibration_json, calibration_text};
pub use live::{meter_line, reading_line, words_line};
pub use scorecard::{scorecard_text, Style};
pub use structure::structure_text;
pub use transcript::{transcript_json, transcript_text, voice_text, PiiNote, TRANSCRIPT_SCHEMA};

/// `m:ss.s` from milliseconds: how every renderer writes a time in the call.
pub(crate) fn clock(ms: u64) -> String {
    format!("{}:{:04.1}", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
}
