//! whisper's tokens as timed words, and the words that lie on no speech.
//!
//! whisper.cpp's DTW token alignment (the cross-attention heads of the
//! model's alignment preset, as in openai-whisper's `word_timestamps`)
//! gives each token a time, so word times follow the audio instead of being
//! spread evenly over a segment. The 10 ms speech mask of the run's audio
//! (`gate::speech_mask`) then trims each word to its speech, and
//! drops the words whisper placed in noise or silence.

use super::gate::MASK_FRAME_MS;
use crate::transcript::{join_words, DropReason, DroppedSpan, Transcript, Word};

/// One text token with its DTW time and probability.
#[derive(Debug, Clone)]
pub(super) struct Token {
    /// The token's bytes (a word starts with a space).
    pub(super) bytes: Vec<u8>,
    /// whisper.cpp's DTW time for the token: where the alignment path leaves
    /// it, i.e. (approximately) the end of the token in the audio.
    pub(super) t_ms: u64,
    /// whisper's probability of the token.
    pub(super) p: f32,
}

impl Token {
    /// Punctuation-only tokens carry no sound of their own.
    fn is_punctuation(&self) -> bool {
        self.bytes
            .iter()
            .all(|b| b.is_ascii_punctuation() || *b == b' ')
    }
}

/// Joins BPE tokens into timed words.
///
/// A token that begins with a space starts a new word; punctuation attaches
/// to the word before it. A word ends at the DTW time of its last sounding
/// token and starts where the previous word ended (the first word of a
/// segment at the segment start). Each span is then trimmed to the speech it
/// contains (`speech`, one flag per 10 ms frame), so that pauses before and
/// after a word do not count as part of it.
pub(super) fn words_from_tokens(
    tokens: &[Token],
    seg_start: u64,
    seg_end: u64,
    speech: &[bool],
) -> Vec<Word> {
    let mut groups: Vec<Vec<&Token>> = Vec::new();
    for tok in tokens {
        let starts_word = tok.bytes.first() == Some(&b' ') && !tok.is_punctuation();
        match groups.last_mut() {
            Some(g) if !starts_word => g.push(tok),
            _ => groups.push(vec![tok]),
        }
    }
    let mut words = Vec::with_capacity(groups.len());
    let mut prev_end = seg_start;
    for g in &groups {
        let bytes: Vec<u8> = g.iter().flat_map(|t| t.bytes.iter().copied()).collect();
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        let sounding = g.iter().rev().find(|t| !t.is_punctuation());
        let Some(last) = sounding else { continue };
        if text.is_empty() {
            continue;
        }
        let end = last.t_ms.clamp(prev_end, seg_end.max(prev_end));
        let (start_ms, end_ms) = trim_to_speech(prev_end, end, speech);
        prev_end = end;
        let probability = g.iter().map(|t| t.p).sum::<f32>() / g.len() as f32;
        words.push(Word {
            text,
            start_ms,
            end_ms,
            probability,
        });
    }
    words
}

/// Narrows `[start, end)` to its first and last speech frame; a span
/// without any speech frame is left as it is.
fn trim_to_speech(start: u64, end: u64, speech: &[bool]) -> (u64, u64) {
    let (a, b) = (
        (start / MASK_FRAME_MS) as usize,
        (end / MASK_FRAME_MS) as usize,
    );
    let frames = speech.get(a..b.min(speech.len())).unwrap_or(&[]);
    match (
        frames.iter().position(|&s| s),
        frames.iter().rposition(|&s| s),
    ) {
        (Some(first), Some(last)) => (
            start.max((a + first) as u64 * MASK_FRAME_MS),
            end.min((a + last + 1) as u64 * MASK_FRAME_MS),
        ),
        _ => (start, end),
    }
}

/// An unvoiced word this close to a voiced word of its segment (ms) is a
/// real word the DTW alignment put into the pause next to it: it is moved
/// onto that word's edge instead of being dropped.
const SNAP_MAX_MS: u64 = 1_000;

/// Drops the words whisper placed where `speech` (one flag per 10 ms frame)
/// has no speech frame: in noise or silence whisper invents words ("Thank
/// you.", "Untertitel …"), often with high probability. A segment with
/// no voiced word goes entirely; an unvoiced word within [`SNAP_MAX_MS`] of
/// a voiced word of its segment is kept and moved onto that word's edge
/// (the DTW alignment misplaces single words into the pause next to their
/// speech). Dropped runs are listed in `t.dropped` as
/// [`DropReason::NoSpeech`].
pub(super) fn drop_unvoiced_words(t: &mut Transcript, speech: &[bool]) {
    let mut drop = Vec::with_capacity(t.segments.len());
    for seg in &mut t.segments {
        let words = &mut seg.words;
        let voiced: Vec<bool> = words
            .iter()
            .map(|w| has_speech(w.start_ms, w.end_ms, speech))
            .collect();
        let mut flags = vec![false; words.len()];
        for i in (0..words.len()).filter(|&i| !voiced[i]) {
            let (start, end) = (words[i].start_ms, words[i].end_ms);
            // (distance, edge) of the nearest voiced word after and before.
            let next = (i + 1..words.len())
                .find(|&j| voiced[j])
                .map(|j| (words[j].start_ms.saturating_sub(end), words[j].start_ms));
            let prev = (0..i)
                .rev()
                .find(|&j| voiced[j])
                .map(|j| (start.saturating_sub(words[j].end_ms), words[j].end_ms));
            let snap = [next, prev]
                .into_iter()
                .flatten()
                .filter(|&(distance, _)| distance <= SNAP_MAX_MS)
                .min_by_key(|&(distance, _)| distance);
            match snap {
                Some((_, edge)) => {
                    words[i].start_ms = edge;
                    words[i].end_ms = edge;
                }
                None => flags[i] = true,
            }
        }
        drop.push(flags);
    }
    drop_words(t, &drop, DropReason::NoSpeech);
}

/// Whether `[start, end)` holds a speech frame; a word of no length is
/// looked up in the frame at its start.
fn has_speech(start: u64, end: u64, speech: &[bool]) -> bool {
    let a = (start / MASK_FRAME_MS) as usize;
    let b = ((end.div_ceil(MASK_FRAME_MS)) as usize).max(a + 1);
    speech
        .get(a.min(speech.len())..b.min(speech.len()))
        .is_some_and(|f| f.iter().any(|&s| s))
}

/// Removes the words flagged in `drop` (per segment and word) from `t`,
/// lists each run of consecutive dropped words in `t.dropped` with
/// `reason`, rewrites the text of changed segments and removes the segments
/// this leaves without words.
pub(super) fn drop_words(t: &mut Transcript, drop: &[Vec<bool>], reason: DropReason) {
    let mut open: Option<DroppedSpan> = None;
    let mut emptied = Vec::with_capacity(t.segments.len());
    for (seg, flags) in t.segments.iter_mut().zip(drop) {
        if !flags.iter().any(|&d| d) {
            if !seg.words.is_empty() {
                t.dropped.extend(open.take());
            }
            emptied.push(false);
            continue;
        }
        let mut kept = Vec::with_capacity(seg.words.len());
        for (w, &d) in seg.words.drain(..).zip(flags) {
            if !d {
                t.dropped.extend(open.take());
                kept.push(w);
                continue;
            }
            match &mut open {
                Some(span) => span.end_ms = span.end_ms.max(w.end_ms),
                None => {
                    open = Some(DroppedSpan {
                        start_ms: w.start_ms,
                        end_ms: w.end_ms,
                        reason,
                    })
                }
            }
        }
        emptied.push(kept.is_empty());
        seg.text = join_words(kept.iter().map(|w| w.text.as_str()));
        seg.words = kept;
    }
    t.dropped.extend(open);
    let mut emptied = emptied.into_iter();
    t.segments.retain(|_| !emptied.next().unwrap_or(false));
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::transcript::Segment;

    /// A segment of `(text, start ms, end ms, probability)` words.
    pub(crate) fn segment(words: &[(&str, u64, u64, f32)]) -> Segment {
        let words: Vec<Word> = words
            .iter()
            .map(|&(text, start_ms, end_ms, probability)| Word {
                text: text.into(),
                start_ms,
                end_ms,
                probability,
            })
            .collect();
        Segment {
            start_ms: words.first().map_or(0, |w| w.start_ms),
            end_ms: words.last().map_or(0, |w| w.end_ms),
            text: words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            words,
        }
    }

    #[test]
    fn words_without_speech_are_dropped_or_moved_onto_their_speech() {
        // Speech 1.0–2.0 s and 5.0–6.0 s (10 ms frames).
        let mut speech = vec![false; 800];
        speech[100..200].fill(true);
        speech[500..600].fill(true);
        let mut t = Transcript {
            language: "en".into(),
            segments: vec![
                // "And" aligned into the pause 0.3 s before its speech.
                segment(&[("And", 700, 700, 0.9), ("so", 1000, 1400, 0.9)]),
                // A whole segment in the silence between: invented.
                segment(&[("Thank", 3000, 3200, 0.9), ("you.", 3200, 3400, 0.9)]),
                // A word 1.5 s after the speech of its segment: invented.
                segment(&[("yes", 5200, 5900, 0.9), ("bye", 7400, 7600, 0.3)]),
            ],
            dropped: Vec::new(),
        };
        drop_unvoiced_words(&mut t, &speech);
        assert_eq!(t.text(), "And so yes");
        let and = &t.segments[0].words[0];
        assert_eq!((and.start_ms, and.end_ms), (1000, 1000));
        let spans: Vec<(u64, u64)> = t.dropped.iter().map(|d| (d.start_ms, d.end_ms)).collect();
        assert_eq!(spans, [(3000, 3400), (7400, 7600)]);
        assert!(t.dropped.iter().all(|d| d.reason == DropReason::NoSpeech));
    }
}
