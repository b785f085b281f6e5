//! The guard against whisper's repetition loops.
//!
//! whisper conditioned on its own output can say the same phrase over and
//! over. [`find_loops`] finds such loops in the words and
//! [`compression_ratio`] in a segment's text (openai-whisper's test); the
//! looped spans are decoded again without the previous text as prompt and
//! with temperature fallback (`redecode_loops`). What still loops is
//! dropped and listed in [`Transcript::dropped`].

use std::io::Write;
use std::ops::Range;

use flate2::write::ZlibEncoder;
use flate2::Compression;

use super::decode::{Decoder, Pass, LOGPROB_THOLD};
use super::gate::{self, Silero};
use super::words::drop_words;
use super::{Options, TranscribeError};
use crate::audio::WHISPER_RATE;
use crate::transcript::{DropReason, Segment, Transcript};

/// The passes a looped span is decoded with again, in order, until one does
/// not loop: without the previous text as prompt (openai-whisper's advice
/// against failure loops, `condition_on_previous_text=False`), from
/// temperature 0 with the per-window fallback of [`super::decode::TEMPERATURE_INC`].
///
/// One pass: each further pass costs another decode of the span, and
/// hotter starts only invented text on samples/07-de-unclear.wav (from 0.4:
/// "Ich will ja nicht so weit hin, dass ich nicht so weit hin, …"; from
/// 0.6: mixed-script gibberish at a mean word probability of 0.06).
const RETRY_PASSES: [Pass; 1] = [Pass {
    condition: false,
    temperature: 0.0,
}];

/// openai-whisper's `compression_ratio_threshold`: text whose zlib-compressed
/// size is less than 1/2.4 of its size repeats itself.
pub const COMPRESSION_RATIO_THRESHOLD: f64 = 2.4;
/// A phrase repeated this many times in a row is a loop.
pub const LOOP_MIN_REPEATS: usize = 3;
/// Shortest looped phrase in words: a single repeated word ("no no no",
/// "ja ja ja") is ordinary speech.
pub const LOOP_MIN_WORDS: usize = 2;
/// Longest looped phrase looked for, in words.
pub const LOOP_MAX_WORDS: usize = 30;

/// Finds repetition loops in `t`, the transcript of `samples`, and decodes
/// their audio again (its speech found anew, with `silero` if given).
///
/// Each run of segments with looped words is decoded again with the
/// [`RETRY_PASSES`] in turn; the first retry without a loop replaces
/// the run. Where every retry loops, the run keeps its first-pass words
/// less the looped ones. Either way, a segment of the replacement whose
/// words fail openai-whisper's log-probability test
/// ([`LOGPROB_THOLD`], see [`mean_log_probability`]) goes too. What is
/// dropped is listed in `t.dropped` as [`DropReason::RepetitionLoop`].
pub(super) fn redecode_loops(
    decoder: Decoder<'_>,
    silero: Option<&Silero>,
    samples: &[f32],
    opts: &Options,
    t: &mut Transcript,
) -> Result<(), TranscribeError> {
    let runs = looped_segment_runs(&t.segments);
    if runs.is_empty() {
        return Ok(());
    }
    let first_looped = looped_words(&t.segments);
    // The retry keeps the language of the whole channel: a short span
    // may be detected as another one.
    let opts = Options {
        language: Some(t.language.clone()),
        ..opts.clone()
    };
    let mut segments = Vec::with_capacity(t.segments.len());
    let mut next = 0;
    for run in runs {
        segments.extend_from_slice(&t.segments[next..run.start]);
        next = run.end;
        let first = &t.segments[run.clone()];
        let start_ms = first.iter().map(segment_start_ms).min().unwrap_or(0);
        let end_ms = first.iter().map(segment_end_ms).max().unwrap_or(0);
        let retried = retry(decoder, silero, samples, start_ms..end_ms, &opts)?;
        let (mut r, looped) = match retried {
            Some(r) => {
                let none = r.segments.iter().map(|s| vec![false; s.words.len()]);
                let looped: Vec<Vec<bool>> = none.collect();
                // The retry's own spans replace the first pass's.
                t.dropped
                    .retain(|d| d.end_ms <= start_ms || d.start_ms >= end_ms);
                (r, looped)
            }
            None => {
                let r = Transcript {
                    language: t.language.clone(),
                    segments: first.to_vec(),
                    dropped: Vec::new(),
                };
                (r, first_looped[run].to_vec())
            }
        };
        drop_unreliable(&mut r, looped);
        segments.append(&mut r.segments);
        t.dropped.append(&mut r.dropped);
    }
    segments.extend_from_slice(&t.segments[next..]);
    t.segments = segments;
    t.dropped.sort_by_key(|d| (d.start_ms, d.end_ms));
    Ok(())
}

/// The first of the [`RETRY_PASSES`] over the channel span `span_ms` of
/// `samples` that does not loop, its times on the channel's timeline;
/// `None` when every retry loops.
fn retry(
    decoder: Decoder<'_>,
    silero: Option<&Silero>,
    samples: &[f32],
    span_ms: Range<u64>,
    opts: &Options,
) -> Result<Option<Transcript>, TranscribeError> {
    let per_ms = WHISPER_RATE as u64 / 1000;
    let a = ((span_ms.start * per_ms) as usize).min(samples.len());
    let b = ((span_ms.end * per_ms) as usize).clamp(a, samples.len());
    for pass in RETRY_PASSES {
        let part = &samples[a..b];
        let speech = gate::channel_speech(part, silero)?;
        let mut r = decoder.decode_speech(part, speech, opts, pass)?;
        shift(&mut r, span_ms.start);
        if !looped_words(&r.segments).iter().flatten().any(|&l| l) {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

/// Drops from `r` the words flagged in `looped` and every word of a segment
/// that fails the log-probability test ([`LOGPROB_THOLD`]), as
/// [`DropReason::RepetitionLoop`].
fn drop_unreliable(r: &mut Transcript, looped: Vec<Vec<bool>>) {
    let unreliable: Vec<Vec<bool>> = r
        .segments
        .iter()
        .zip(looped)
        .map(|(seg, mut flags)| {
            if mean_log_probability(seg) < f64::from(LOGPROB_THOLD) {
                flags.iter_mut().for_each(|f| *f = true);
            }
            flags
        })
        .collect();
    drop_words(r, &unreliable, DropReason::RepetitionLoop);
}

/// openai-whisper's compression ratio of a text: its length in bytes over
/// the length of its zlib-compressed bytes (`transcribe.py`,
/// `compression_ratio_threshold=2.4`). Ordinary text scores about 1–2;
/// a loop scores higher the longer it runs. Short texts score below 1.
pub fn compression_ratio(text: &str) -> f64 {
    if text.is_empty() {
        return 0.0;
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let compressed = z
        .write_all(text.as_bytes())
        .and_then(|()| z.finish())
        .map_or(usize::MAX, |c| c.len());
    text.len() as f64 / compressed.max(1) as f64
}

/// A word as the loop test compares it: lower case, letters and digits only.
fn loop_key(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Repetition loops in a word sequence (words normalised alike: the
/// transcriber compares them lower case, letters and digits only).
///
/// A loop is a phrase of [`LOOP_MIN_WORDS`]..=[`LOOP_MAX_WORDS`] words that
/// is not itself a repetition of a shorter phrase, said at least
/// [`LOOP_MIN_REPEATS`] times in a row; the range covers all its copies and
/// a trailing partial copy. This is the word-level form of the failure
/// openai-whisper (`transcribe.py`) catches with its compression-ratio
/// test: whisper conditioned on its own output keeps repeating it.
/// Returns disjoint ranges in ascending order.
pub fn find_loops<S: AsRef<str>>(words: &[S]) -> Vec<Range<usize>> {
    let w: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
    let n = w.len();
    let mut loops = Vec::new();
    let mut i = 0;
    while i < n {
        let mut best: Option<usize> = None;
        for k in LOOP_MIN_WORDS..=LOOP_MAX_WORDS {
            if i + LOOP_MIN_REPEATS * k > n {
                break;
            }
            let phrase = &w[i..i + k];
            if !is_primitive(phrase) {
                continue;
            }
            let mut copies = 1;
            while i + (copies + 1) * k <= n && w[i + copies * k..i + (copies + 1) * k] == *phrase {
                copies += 1;
            }
            if copies < LOOP_MIN_REPEATS {
                continue;
            }
            let mut len = copies * k;
            while i + len < n && w[i + len] == phrase[len % k] {
                len += 1;
            }
            if best.is_none_or(|b| len > b) {
                best = Some(len);
            }
        }
        match best {
            Some(len) => {
                loops.push(i..i + len);
                i += len;
            }
            None => i += 1,
        }
    }
    loops
}

/// Whether a phrase is not a shorter phrase repeated ("a b a b" is not).
fn is_primitive(phrase: &[&str]) -> bool {
    let k = phrase.len();
    !(1..k).any(|d| k.is_multiple_of(d) && (d..k).all(|j| phrase[j] == phrase[j - d]))
}

/// Per segment and word: whether the word belongs to a repetition loop,
/// found by [`find_loops`] across segments, or lies in a segment whose text
/// fails openai-whisper's compression-ratio test
/// ([`COMPRESSION_RATIO_THRESHOLD`]).
fn looped_words(segments: &[Segment]) -> Vec<Vec<bool>> {
    let mut looped: Vec<Vec<bool>> = segments
        .iter()
        .map(|s| {
            let squashed = compression_ratio(&s.text) > COMPRESSION_RATIO_THRESHOLD;
            vec![squashed; s.words.len()]
        })
        .collect();
    let mut at = Vec::new();
    let mut keys = Vec::new();
    for (si, seg) in segments.iter().enumerate() {
        for (wi, word) in seg.words.iter().enumerate() {
            let key = loop_key(&word.text);
            if !key.is_empty() {
                at.push((si, wi));
                keys.push(key);
            }
        }
    }
    for range in find_loops(&keys) {
        for &(si, wi) in &at[range] {
            looped[si][wi] = true;
        }
    }
    looped
}

/// Runs of consecutive segments that hold looped words, as index ranges.
fn looped_segment_runs(segments: &[Segment]) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for (si, l) in looped_words(segments).iter().enumerate() {
        if !l.iter().any(|&x| x) {
            continue;
        }
        match runs.last_mut() {
            Some(r) if r.end == si => r.end = si + 1,
            _ => runs.push(si..si + 1),
        }
    }
    runs
}

/// Start of a segment or of its first word, whichever is earlier.
fn segment_start_ms(seg: &Segment) -> u64 {
    seg.words
        .iter()
        .map(|w| w.start_ms)
        .fold(seg.start_ms, u64::min)
}

/// End of a segment or of its last word, whichever is later.
fn segment_end_ms(seg: &Segment) -> u64 {
    seg.words
        .iter()
        .map(|w| w.end_ms)
        .fold(seg.end_ms, u64::max)
}

/// The mean natural log of a segment's word probabilities (0 without
/// words): the word-level form of openai-whisper's `avg_logprob`, which
/// `transcribe.py` holds against `logprob_threshold=-1.0`.
fn mean_log_probability(seg: &Segment) -> f64 {
    if seg.words.is_empty() {
        return 0.0;
    }
    let sum: f64 = seg
        .words
        .iter()
        .map(|w| f64::from(w.probability).max(1e-6).ln())
        .sum();
    sum / seg.words.len() as f64
}

/// Moves every time of `t` later by `ms`.
fn shift(t: &mut Transcript, ms: u64) {
    for seg in &mut t.segments {
        seg.start_ms += ms;
        seg.end_ms += ms;
        for w in &mut seg.words {
            w.start_ms += ms;
            w.end_ms += ms;
        }
    }
    for d in &mut t.dropped {
        d.start_ms += ms;
        d.end_ms += ms;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcribe::words::tests::segment;
    use crate::transcript::DroppedSpan;

    fn keys(text: &str) -> Vec<String> {
        text.split_whitespace().map(loop_key).collect()
    }

    #[test]
    fn a_phrase_said_three_times_in_a_row_is_a_loop() {
        let w = keys(
            "und das ist ein sehr leckeres Problem. Es ist ein sehr leckeres Problem. \
             Es ist ein sehr leckeres Problem. Es ist ein",
        );
        // The loop starts where the repetition does ("ist ein … Es" ×3) and
        // takes the trailing partial copy along.
        assert_eq!(find_loops(&w), vec![2..w.len()]);
        let w = keys("thank you thank you thank you for calling");
        assert_eq!(find_loops(&w), vec![0..6]);
        // Two loops, and ordinary words between them.
        let w = keys("a b a b a b so then c d e c d e c d e");
        assert_eq!(find_loops(&w), vec![0..6, 8..17]);
    }

    #[test]
    fn ordinary_repetitions_are_not_loops() {
        for text in [
            "no no I did not say that",
            "it was very very expensive",
            // One word over and over is a speaker, not a loop (n >= 2).
            "ja ja ja ja ja ja ja ja",
            "no no no no no no",
            // Twice is not three times.
            "thank you thank you bye",
            "Sie haben vier fünf sieben vier fünf sieben gesagt",
            "and so my fellow Americans ask not what your country can do for you \
             ask what you can do for your country",
        ] {
            assert!(find_loops(&keys(text)).is_empty(), "{text}");
        }
        // Case and punctuation do not hide a loop.
        let w = keys("Sehr gern. sehr gern, SEHR GERN!");
        assert_eq!(find_loops(&w), vec![0..6]);
    }

    #[test]
    fn compression_ratio_flags_repeated_text_as_openai_whisper_does() {
        let ordinary = "And so my fellow Americans, ask not what your country can do \
                        for you, ask what you can do for your country.";
        assert!(compression_ratio(ordinary) < COMPRESSION_RATIO_THRESHOLD);
        let looped = "Es ist ein sehr leckeres Problem. ".repeat(6);
        assert!(compression_ratio(&looped) > COMPRESSION_RATIO_THRESHOLD);
        // One word over and over: no n-gram loop, but it does not compress
        // like speech.
        let the = "the ".repeat(40);
        assert!(find_loops(&keys(&the)).is_empty());
        assert!(compression_ratio(&the) > 5.0);
        assert_eq!(compression_ratio(""), 0.0);
    }

    #[test]
    fn loops_are_found_across_segments_and_dropped_as_one_span() {
        let mut t = Transcript {
            language: "de".into(),
            segments: vec![
                segment(&[("Guten", 0, 300, 0.9), ("Tag.", 300, 600, 0.9)]),
                segment(&[("Sehr", 1000, 1200, 0.9), ("gern.", 1200, 1500, 0.9)]),
                segment(&[("Sehr", 2000, 2200, 0.9), ("gern.", 2200, 2500, 0.9)]),
                segment(&[("Sehr", 3000, 3200, 0.9), ("gern.", 3200, 3500, 0.9)]),
                segment(&[("Tschüss.", 4000, 4400, 0.9)]),
            ],
            dropped: Vec::new(),
        };
        assert_eq!(looped_segment_runs(&t.segments), vec![1..4]);
        let looped = looped_words(&t.segments);
        assert_eq!(looped[0], [false, false]);
        assert_eq!(looped[2], [true, true]);
        drop_words(&mut t, &looped, DropReason::RepetitionLoop);
        assert_eq!(t.text(), "Guten Tag. Tschüss.");
        assert_eq!(
            t.dropped,
            [DroppedSpan {
                start_ms: 1000,
                end_ms: 3500,
                reason: DropReason::RepetitionLoop
            }]
        );
        let json = serde_json::to_value(&t.dropped).unwrap();
        assert_eq!(json[0]["reason"], "repetition loop");
    }

    #[test]
    fn log_probability_test_uses_the_mean_log_of_word_probabilities() {
        let sure = segment(&[("ja", 0, 100, 0.9), ("genau", 100, 200, 0.8)]);
        let garbage = segment(&[("onao", 0, 100, 0.05), ("fryte", 100, 200, 0.2)]);
        assert!(mean_log_probability(&sure) > f64::from(LOGPROB_THOLD));
        assert!(mean_log_probability(&garbage) < f64::from(LOGPROB_THOLD));
    }
}
