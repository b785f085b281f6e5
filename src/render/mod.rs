//! Renderers: turn pipeline results into text for people and JSON for tools.
//! They compute nothing; everything they show was measured upstream.

mod scorecard;
mod structure;
mod transcript;

pub use scorecard::{scorecard_text, Style};
pub use structure::structure_text;
pub use transcript::{transcript_json, transcript_text, voice_text, TRANSCRIPT_SCHEMA};
