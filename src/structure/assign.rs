//! Assigning transcript words to speakers by time.
//!
//! A word with a speaker hint (stereo calls transcribed per channel) keeps it.
//! Any other word goes to the speaker whose speech intervals overlap the word's
//! span most; a word that overlaps neither goes to the speaker with the nearest
//! speech interval (the agent when there is no speech at all).

use super::activity::Interval;
use super::{Speaker, SpeakerWord, TaggedWord};

fn overlap_with(iv: &[Interval], w: &Interval) -> f64 {
    iv.iter().map(|i| i.overlap(w)).sum()
}

fn distance_to(iv: &[Interval], w: &Interval) -> f64 {
    iv.iter()
        .map(|i| {
            if i.end_s < w.start_s {
                w.start_s - i.end_s
            } else if i.start_s > w.end_s {
                i.start_s - w.end_s
            } else {
                0.0
            }
        })
        .fold(f64::INFINITY, f64::min)
}

/// How far (s) a word may lie from its party's speech and still be kept:
/// DTW word times are good to about a frame or two of whisper's 20 ms
/// encoder steps, plus the VAD's own edge uncertainty.
pub const SPEECH_TOLERANCE_S: f64 = 0.3;

/// Splits `words` into those that fall where their party speaks and those
/// that do not. A word heard where its party has no speech activity (within
/// [`SPEECH_TOLERANCE_S`]) is whisper's invention: a hallucination in
/// silence or line noise, or the other party's crosstalk. A tagged word is
/// checked against its own party's speech, an untagged one (mono) against
/// either party's.
pub fn split_by_speech(
    words: &[TaggedWord],
    agent: &[Interval],
    customer: &[Interval],
) -> (Vec<TaggedWord>, Vec<TaggedWord>) {
    let near = |iv: &[Interval], w: &crate::transcript::Word| {
        let span = Interval {
            start_s: w.start_ms as f64 / 1000.0 - SPEECH_TOLERANCE_S,
            end_s: w.end_ms.max(w.start_ms) as f64 / 1000.0 + SPEECH_TOLERANCE_S,
        };
        iv.iter().any(|i| i.overlap(&span) > 0.0)
    };
    words.iter().cloned().partition(|tw| match tw.speaker {
        Some(Speaker::Agent) => near(agent, &tw.word),
        Some(Speaker::Customer) => near(customer, &tw.word),
        None => near(agent, &tw.word) || near(customer, &tw.word),
    })
}

/// Words with their speaker, in the order given.
pub fn assign_words(
    words: &[TaggedWord],
    agent: &[Interval],
    customer: &[Interval],
) -> Vec<SpeakerWord> {
    words
        .iter()
        .map(|tw| {
            let w = &tw.word;
            let span = Interval {
                start_s: w.start_ms as f64 / 1000.0,
                end_s: w.end_ms.max(w.start_ms) as f64 / 1000.0,
            };
            let (speaker, from_hint) = match tw.speaker {
                Some(s) => (s, true),
                None => {
                    let (oa, oc) = (overlap_with(agent, &span), overlap_with(customer, &span));
                    let customer_wins = oc > oa
                        || (oc == oa && distance_to(customer, &span) < distance_to(agent, &span));
                    let s = if customer_wins {
                        Speaker::Customer
                    } else {
                        Speaker::Agent
                    };
                    (s, false)
                }
            };
            SpeakerWord {
                text: w.text.clone(),
                start_ms: w.start_ms,
                end_ms: w.end_ms,
                speaker,
                from_hint,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Word;

    fn word(text: &str, start_ms: u64, end_ms: u64, speaker: Option<Speaker>) -> TaggedWord {
        TaggedWord {
            word: Word {
                text: text.into(),
                start_ms,
                end_ms,
                probability: 0.9,
            },
            speaker,
        }
    }

    #[test]
    fn words_where_their_party_is_silent_are_dropped() {
        let agent = [Interval {
            start_s: 1.0,
            end_s: 3.0,
        }];
        let customer = [Interval {
            start_s: 5.0,
            end_s: 7.0,
        }];
        let words = [
            word("hello", 1100, 1500, Some(Speaker::Agent)),
            // The agent channel "hears" the customer's word: crosstalk.
            word("yes", 5200, 5500, Some(Speaker::Customer)),
            word("yes", 5200, 5500, Some(Speaker::Agent)),
            // Within the tolerance of the agent's speech end.
            word("there", 3000, 3200, Some(Speaker::Agent)),
            // Noise-only span: nobody speaks at 10 s.
            word("thanks", 10_000, 10_400, None),
            word("okay", 6000, 6300, None),
        ];
        let (kept, dropped) = split_by_speech(&words, &agent, &customer);
        let texts = |v: &[TaggedWord]| v.iter().map(|w| w.word.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&kept), ["hello", "yes", "there", "okay"]);
        assert_eq!(texts(&dropped), ["yes", "thanks"]);
        assert_eq!(dropped[0].speaker, Some(Speaker::Agent));
    }
}
