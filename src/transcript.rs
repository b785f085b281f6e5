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
        join_words(self.segments.iter().map(|s| s.text.trim()))
    }
}

/// Words (or texts) joined by spaces as a reader reads them: a run of one
/// redaction token (`[card] [card], [card].`, one per redacted word with
/// the word's own closing punctuation, see `crate::redact`) is shown once,
/// with the punctuation of its last word: `[card].`.
pub fn join_words<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    // The token of the last word written, and where that word starts.
    let mut last: Option<(&str, usize)> = None;
    for w in words {
        let w = w.trim();
        if w.is_empty() {
            continue;
        }
        let token = redaction_token(w);
        match (last, token) {
            (Some((prev, at)), Some(t)) if prev == t => out.truncate(at),
            _ => {
                if !out.is_empty() {
                    out.push(' ');
                }
            }
        }
        last = token.map(|t| (t, out.len()));
        out.push_str(w);
    }
    out
}

/// The redaction token a word is (`[card]` of `[card],`), if it has that
/// shape: `[`, lowercase letters and underscores, `]`, then only closing
/// punctuation.
pub fn redaction_token(w: &str) -> Option<&str> {
    let w = w.trim();
    let core = w.trim_end_matches(|c: char| c.is_ascii_punctuation() && c != ']');
    let inner = core.strip_prefix('[')?.strip_suffix(']')?;
    (!inner.is_empty() && inner.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .then_some(core)
}

/// The punctuation that closes a word (`.` of `1111.`, `?!` of `so?!`):
/// a redacted word keeps it after its token, so clause edges stay where
/// they were.
pub fn closing_punctuation(w: &str) -> &str {
    let core = w.trim_end_matches(|c: char| c.is_ascii_punctuation());
    &w[core.len()..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_words_shows_a_run_of_one_token_once() {
        let words = [
            "card", "[card]", "[card],", "[card].", "then", "[cvv]", "[phone]",
        ];
        assert_eq!(join_words(words), "card [card]. then [cvv] [phone]");
        assert_eq!(closing_punctuation("1111.\""), ".\"");
        assert_eq!(closing_punctuation("S-I-T-I-L-L-E."), ".");
        // Ordinary repeats and whisper's own tags are kept as said.
        assert_eq!(
            join_words(["no", "no", " ", "[BLANK_AUDIO]", "[BLANK_AUDIO]"]),
            "no no [BLANK_AUDIO] [BLANK_AUDIO]"
        );
    }
}
