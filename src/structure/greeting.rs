//! The agent's opening turn and its parts.
//!
//! The opening is the agent's first utterance that holds words: a click,
//! a breath or a back-channel ("mhm", "ja") before it is not the opening,
//! and neither is speech whose words speech recognition did not find. It
//! starts at that utterance's first word and runs until the customer's
//! first turn after it (a back-channel of the customer does not end it),
//! capped at `opening_cap_s`. When the agent says no words before the cap
//! or the call ends, no opening is found ([`Greeting::present`] is false)
//! and the greeting finding says so instead of rating an empty opening.
//!
//! Its words are matched against the `[greeting]` phrase lists: salutation,
//! company (markers or configured company names), the agent's name, an
//! offer of help, and old-fashioned formulas. Seed 003 (point 4) names the
//! long, stilted opening "Herzlich willkommen bei Grumps + Söhne, mein Name
//! ist Sonja Müller-Lüdenscheid, was kann ich für Sie tun?" as a mistake:
//! length and formulas together (the rule is the `[greeting]` band of the
//! scoring profile).

use super::activity::Interval;
use super::phrases::{find_phrases, normalize, PhraseLists};
use super::turns::Turn;
use super::{Speaker, SpeakerWord, StructureParams};
use crate::transcript::join_words;
use serde::{Deserialize, Serialize};

/// The agent's opening turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Greeting {
    /// Whether an opening was found: the agent says words (other than
    /// back-channels) before the call ends. When false the other fields
    /// are empty and nothing about the greeting was measured.
    pub present: bool,
    /// Start of the opening: its first word (s).
    pub start_s: f64,
    /// End of the agent's last word or speech in the opening window (s).
    pub end_s: f64,
    /// `end_s − start_s`.
    pub duration_s: f64,
    /// Agent words in the opening.
    pub word_count: usize,
    /// The opening's text.
    pub text: String,
    /// A salutation is present.
    pub has_salutation: bool,
    /// The company is named.
    pub has_company: bool,
    /// The agent gives a name.
    pub has_agent_name: bool,
    /// The agent offers help.
    pub has_offer_of_help: bool,
    /// Old-fashioned formulas found (from the phrase list).
    pub old_fashioned: Vec<String>,
    /// Longer than `opening_long_s` or more words than `opening_long_words`.
    pub too_long: bool,
}

/// Words closer than this (ms) belong to one utterance: a pause under
/// 0.7 s is a pause inside an utterance, not between two (Heldner & Edlund
/// 2010 find within-speaker pauses mostly under 1 s).
const UTTERANCE_GAP_MS: u64 = 700;

/// Whether `w` is a word that can open a greeting: it has letters or
/// digits and is no back-channel of the `backchannels` list.
fn holds_words(w: &SpeakerWord, backchannels: &[String]) -> bool {
    let norm = normalize(&w.text);
    !norm.is_empty() && !norm.iter().all(|t| backchannels.contains(t))
}

/// Finds and describes the agent's opening (see the module docs).
pub fn analyze_opening(
    agent: &[Interval],
    turns: &[Turn],
    words: &[SpeakerWord],
    phrases: &PhraseLists,
    params: &StructureParams,
) -> Greeting {
    let g = &phrases.greeting;
    let backchannels: Vec<String> = g.backchannels.iter().flat_map(|b| normalize(b)).collect();
    let mut agent_words: Vec<&SpeakerWord> = words
        .iter()
        .filter(|w| w.speaker == Speaker::Agent)
        .collect();
    agent_words.sort_by_key(|w| w.start_ms);
    let Some(mut at) = agent_words
        .iter()
        .position(|w| holds_words(w, &backchannels))
    else {
        return Greeting::default();
    };
    // The utterance that holds it starts with the words right before it
    // ("Okay, I'm here": the opening starts at "Okay").
    while at > 0 && agent_words[at].start_ms < agent_words[at - 1].end_ms + UTTERANCE_GAP_MS {
        at -= 1;
    }
    let first = agent_words[at];
    let first_s = first.start_ms as f64 / 1000.0;
    // The agent's speech run that carries the first word, when the word
    // lies in one: whisper's word start can be late by a syllable.
    let start = agent
        .iter()
        .find(|i| i.start_s <= first_s && i.end_s > first_s && first_s - i.start_s < 1.0)
        .map_or(first_s, |i| i.start_s);
    let customer_turn = turns
        .iter()
        .filter(|t| t.speaker == Speaker::Customer)
        .map(|t| t.start_s)
        .find(|&s| s > first_s);
    let window_end = customer_turn
        .unwrap_or(f64::INFINITY)
        .min(start + params.opening_cap_s);
    let speech_end = agent
        .iter()
        .filter(|i| i.end_s > start && i.start_s < window_end)
        .map(|i| i.end_s.min(window_end))
        .fold(start, f64::max);
    let opening: Vec<&SpeakerWord> = agent_words
        .iter()
        .copied()
        .filter(|w| {
            let mid = (w.start_ms + w.end_ms) as f64 / 2000.0;
            w.start_ms >= first.start_ms && mid < window_end
        })
        .collect();
    let word_end = opening
        .iter()
        .map(|w| w.end_ms as f64 / 1000.0)
        .fold(start, f64::max)
        .min(window_end);
    let end = speech_end.max(word_end);
    let text = join_words(opening.iter().map(|w| w.text.as_str()));
    let norm = normalize(&text);
    let has = |list: &[String]| !find_phrases(&norm, list).is_empty();
    let duration_s = end - start;
    let word_count = opening
        .iter()
        .filter(|w| !normalize(&w.text).is_empty())
        .count();
    Greeting {
        present: true,
        start_s: start,
        end_s: end,
        duration_s,
        word_count,
        has_salutation: has(&g.salutations),
        has_company: has(&g.company) || has(&g.company_names),
        has_agent_name: has(&g.agent_name),
        has_offer_of_help: has(&g.offer_help),
        old_fashioned: find_phrases(&norm, &g.old_fashioned),
        too_long: duration_s > params.opening_long_s || word_count > params.opening_long_words,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(start_s: f64, end_s: f64) -> Interval {
        Interval { start_s, end_s }
    }

    fn turn(speaker: Speaker, start_s: f64, end_s: f64) -> Turn {
        Turn {
            speaker,
            start_s,
            end_s,
        }
    }

    /// The words of `text`, spread evenly over `start_s..end_s`.
    fn said(speaker: Speaker, text: &str, start_s: f64, end_s: f64) -> Vec<SpeakerWord> {
        let w: Vec<&str> = text.split_whitespace().collect();
        let step = (end_s - start_s) / w.len() as f64;
        w.iter()
            .enumerate()
            .map(|(i, t)| SpeakerWord {
                text: t.to_string(),
                start_ms: ((start_s + i as f64 * step) * 1000.0) as u64,
                end_ms: ((start_s + (i + 1) as f64 * step) * 1000.0) as u64,
                speaker,
                from_hint: true,
            })
            .collect()
    }

    #[test]
    fn a_blip_a_back_channel_or_the_customer_first_is_no_opening() {
        let p = PhraseLists::builtin("en");
        let params = StructureParams::default();
        // A 0.25 s click on the agent's line, the customer says hello, the
        // agent says "mhm", then greets; the customer's turn follows.
        let agent = [iv(0.2, 0.45), iv(1.3, 1.6), iv(2.5, 4.4)];
        let turns = [
            turn(Speaker::Agent, 0.2, 0.45),
            turn(Speaker::Customer, 0.6, 1.2),
            turn(Speaker::Agent, 1.3, 4.4),
            turn(Speaker::Customer, 5.1, 20.0),
        ];
        let mut words = said(Speaker::Customer, "Hello?", 0.6, 1.2);
        words.extend(said(Speaker::Agent, "Mhm.", 1.3, 1.6));
        words.extend(said(
            Speaker::Agent,
            "Hi, customer service, how can I help you?",
            2.5,
            4.4,
        ));
        words.extend(said(Speaker::Customer, "My car makes a noise", 5.1, 7.0));
        let g = analyze_opening(&agent, &turns, &words, &p, &params);
        assert!(g.present);
        assert_eq!(g.text, "Hi, customer service, how can I help you?");
        assert_eq!((g.start_s, g.end_s, g.word_count), (2.5, 4.4, 8));
        assert!(g.has_offer_of_help && g.old_fashioned.is_empty());
        // No agent words at all: no opening, nothing measured.
        let customer_only: Vec<SpeakerWord> = words
            .iter()
            .filter(|w| w.speaker == Speaker::Customer)
            .cloned()
            .collect();
        let g = analyze_opening(&agent, &turns, &customer_only, &p, &params);
        assert!(!g.present && g.word_count == 0 && g.text.is_empty());
    }

    #[test]
    fn the_opening_starts_with_its_utterance_and_runs_to_the_customers_turn() {
        let p = PhraseLists::builtin("en");
        let params = StructureParams::default();
        let agent = [iv(0.0, 2.0), iv(2.4, 5.0)];
        // A customer back-channel inside the agent's turn does not end it.
        let turns = [
            turn(Speaker::Agent, 0.0, 5.0),
            turn(Speaker::Customer, 5.5, 9.0),
        ];
        let mut words = said(Speaker::Agent, "Okay, I'm here.", 0.0, 2.0);
        words.extend(said(
            Speaker::Agent,
            "What can I do for you today?",
            2.4,
            5.0,
        ));
        words.extend(said(
            Speaker::Customer,
            "Hi, I'd like to buy a phone",
            5.5,
            9.0,
        ));
        let g = analyze_opening(&agent, &turns, &words, &p, &params);
        assert!(g.text.starts_with("Okay, I'm here."), "{}", g.text);
        assert_eq!((g.start_s, g.end_s, g.word_count), (0.0, 5.0, 10));
        assert_eq!(
            g.old_fashioned,
            vec!["what can i do for you today".to_string()]
        );
    }
}
