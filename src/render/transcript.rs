//! The transcript as terminal text and as JSON (docs/transcript-json.md).

use std::fmt::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::audio::Audio;
use crate::redact::{PiiMode, Redaction};
use crate::transcript::Transcript;

use super::clock;

/// Identifies the transcript JSON layout; bumped on incompatible changes.
pub const TRANSCRIPT_SCHEMA: &str = "callcoach.transcript/1";

/// What a transcript JSON object says about personal data: the mode and
/// the redacted stretches.
#[derive(Debug, Clone, Copy)]
pub struct PiiNote<'a> {
    /// Redacted or kept.
    pub mode: PiiMode,
    /// The redacted stretches (empty when kept).
    pub redactions: &'a [Redaction],
}

/// The transcript of one file as the documented JSON object.
pub fn transcript_json(
    path: &Path,
    audio: &Audio,
    model: &Path,
    channel: &str,
    transcript: &Transcript,
    pii: PiiNote,
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
        "dropped": transcript.dropped,
        "pii": pii.mode,
        "redactions": pii.redactions,
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

/// One channel's voice figures (the `analyze` JSON of a channel) as a line
/// block for the terminal.
pub fn voice_text(report: &Value) -> String {
    let num = |k: &str, digits: usize| {
        report[k]
            .as_f64()
            .map_or_else(|| "n/a".to_string(), |v| format!("{v:.digits$}"))
    };
    format!(
        "  {}: F0 median {} Hz, variability {} st (range {} st), voiced {}\n    \
         intensity {} dB ± {} dB, {} pauses, speech rate {} syl/s, articulation {} syl/s\n    \
         centroid {} Hz, energy above 2 kHz {}, tilt {} dB/oct, SNR {} dB, clipped {}",
        report["channel"].as_str().unwrap_or("?"),
        num("f0_median_hz", 0),
        num("f0_std_semitones", 2),
        num("f0_range_semitones", 1),
        num("voiced_fraction", 2),
        num("intensity_mean_db", 1),
        num("intensity_std_db", 1),
        report["pauses"].as_array().map_or(0, Vec::len),
        num("speech_rate_syl_per_s", 2),
        num("articulation_rate_syl_per_s", 2),
        num("spectral_centroid_hz", 0),
        num("hf_energy_ratio", 3),
        num("spectral_tilt_db_per_oct", 1),
        num("snr_db", 1),
        num("clipped_fraction", 4),
    )
}
