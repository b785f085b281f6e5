//! Renderers: turn pipeline results into text for people and JSON for tools.
//! They compute nothing; everything they show was measured upstream.

mod scorecard;
mod transcript;

pub use scorecard::{scorecard_text, Style};
pub use transcript::{transcript_json, transcript_text, TRANSCRIPT_SCHEMA};
