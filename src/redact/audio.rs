//! Redacted spans silenced (or covered by a tone) in a WAV file.
//! (Placeholder with the agreed signatures; replaced by the real module.)

use std::path::{Path, PathBuf};

/// One stretch to silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioSpan {
    /// Start in ms.
    pub start_ms: u64,
    /// End in ms.
    pub end_ms: u64,
    /// The channel, or `None` for every channel.
    pub channel: Option<usize>,
}

/// What covers a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fill {
    /// Digital silence.
    #[default]
    Silence,
    /// A 1 kHz tone.
    Tone,
}

/// The redacted file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{0}: {1}")]
pub struct RedactAudioError(PathBuf, String);

/// Writes `output`: `input` with every span covered by `fill`.
pub fn write_redacted(
    input: &Path,
    output: &Path,
    spans: &[AudioSpan],
    fill: Fill,
) -> Result<(), RedactAudioError> {
    let _ = (input, spans, fill);
    Err(RedactAudioError(output.into(), "not yet".into()))
}

/// The same on decoded channels.
pub fn silence(audio: &mut crate::audio::Audio, spans: &[AudioSpan], fill: Fill) {
    let _ = (audio, spans, fill);
}
