//! The transcript as terminal text and as JSON (docs/transcript-json.md).

use std::fmt::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::audio::Audio;
use crate::transcript::Transcript;

/// Identifies the transcript JSON layout; bumped on incompatible changes.
pub const TRANSCRIPT_SCHEMA: &str = "callcoach.transcript/1";

/// The transcript of one file as the documented JSON object.
pub fn transcript_json(
    path: &Path,
    audio: &Audio,
    model: &Path,
    channel: &str,
    transcript: &Transcript,
) -> Value {
    json!({
        "schema": TRANSCRIPT_SCHEMA,
        "file": path.display().to_string(),
        "duration_ms": (audio.duration_s() * 1000.0).round() as u64,
        "channels": audio.channels.len(),
        "channel": channel,
        "model": model.display().to_string(),
        "language": transcript.language,
        "text": transcript.text(),
        "segments": transcript.segments,
    })
}

/// The transcript of one file as readable lines: `[mm:ss.s] text`.
pub fn transcript_text(path: &Path, transcript: &Transcript) -> String {
    let mut out = format!("{} ({})\n", path.display(), transcript.language);
    if transcript.segments.is_empty() {
        out.push_str("  (no speech)\n");
    }
    for seg in &transcript.segments {
        let _ = writeln!(out, "  [{}] {}", clock(seg.start_ms), seg.text);
    }
    out
}

/// Formats milliseconds as `m:ss.s`.
fn clock(ms: u64) -> String {
    format!("{}:{:04.1}", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
}
