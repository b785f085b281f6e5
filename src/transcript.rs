//! Transcript types: what speech recognition hands to the later stages.
//!
//! Times are integer milliseconds from the start of the recording, so that
//! every later stage (call structure, findings, renderers) speaks the same unit.

use serde::{Deserialize, Serialize};

/// One recognised word with its timing and whisper's confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    /// The word as whisper wrote it, trimmed of surrounding spaces.
    pub text: String,
    /// Start of the word in ms (DTW-aligned token time).
    pub start_ms: u64,
    /// End of the word in ms.
    pub end_ms: u64,
    /// Mean token probability of the word, 0..1.
    pub probability: f32,
}

/// One decoded segment (roughly a phrase or sentence) and its words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start of the segment in ms.
    pub start_ms: u64,
    /// End of the segment in ms.
    pub end_ms: u64,
    /// Segment text as whisper produced it.
    pub text: String,
    /// The words of the segment, in order.
    pub words: Vec<Word>,
}

/// The transcript of one audio channel (or of a mono mix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Language code used or detected ("de", "en", …).
    pub language: String,
    /// Segments in time order.
    pub segments: Vec<Segment>,
    /// Stretches whose decoded words were removed as unreliable (see
    /// [`DropReason`]), in time order. Missing in older data: empty.
    #[serde(default)]
    pub dropped: Vec<DroppedSpan>,
}

/// Why speech recognition removed the words of a stretch of audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DropReason {
    /// whisper repeated the same phrase over and over (a decoding failure),
    /// also when decoded again.
    #[serde(rename = "repetition loop")]
    RepetitionLoop,
    /// The words lay where the channel has no speech (noise or silence):
    /// whisper invented them.
    #[serde(rename = "no speech")]
    NoSpeech,
}

/// A stretch of the channel whose words were dropped, and why.
///
/// The words are gone from [`Transcript::words`]; the span says where the
/// transcript is silent because speech recognition failed there, not
/// because nobody spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedSpan {
    /// Start of the dropped words in ms.
    pub start_ms: u64,
    /// End of the dropped words in ms.
    pub end_ms: u64,
    /// Why they were dropped.
    pub reason: DropReason,
}

impl Transcript {
    /// All words of the transcript in time order.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.segments.iter().flat_map(|s| s.words.iter())
    }

    /// The full text, segments joined by single spaces.
    pub fn text(&self) -> String {
        let parts: Vec<&str> = self.segments.iter().map(|s| s.text.trim()).collect();
        parts.join(" ")
    }
}
