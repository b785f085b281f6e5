//! The agent's opening turn and its parts.
//!
//! The opening runs from the agent's first speech until the customer first
//! speaks after it, capped at `opening_cap_s`. Its words are matched against
//! the `[greeting]` phrase lists: salutation, company (markers or configured
//! company names), the agent's name, an offer of help, and old-fashioned
//! formulas. Seed 003 (point 4) names the long, stilted opening
//! "Herzlich willkommen bei Grumps + Söhne, mein Name ist Sonja
//! Müller-Lüdenscheid, was kann ich für Sie tun?" as a mistake: it is flagged
//! by its formulas and by `too_long` (duration or word count over the limits).

use super::activity::Interval;
use super::phrases::{find_phrases, normalize, PhraseLists};
use super::{Speaker, SpeakerWord, StructureParams};
use serde::{Deserialize, Serialize};

/// The agent's opening turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Greeting {
    /// Whether the agent speaks at all.
    pub present: bool,
    /// Start of the opening (s).
    pub start_s: f64,
    /// End of the agent's last speech in the opening window (s).
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

/// Finds and describes the agent's opening.
pub fn analyze_opening(
    agent: &[Interval],
    customer: &[Interval],
    words: &[SpeakerWord],
    phrases: &PhraseLists,
    params: &StructureParams,
) -> Greeting {
    let first_word = words
        .iter()
        .filter(|w| w.speaker == Speaker::Agent)
        .map(|w| w.start_ms as f64 / 1000.0)
        .fold(f64::INFINITY, f64::min);
    let first_speech = agent.first().map_or(f64::INFINITY, |i| i.start_s);
    let start = first_speech.min(first_word);
    if !start.is_finite() {
        return Greeting {
            present: false,
            start_s: 0.0,
            end_s: 0.0,
            duration_s: 0.0,
            word_count: 0,
            text: String::new(),
            has_salutation: false,
            has_company: false,
            has_agent_name: false,
            has_offer_of_help: false,
            old_fashioned: Vec::new(),
            too_long: false,
        };
    }
    let customer_first = customer
        .iter()
        .map(|i| i.start_s)
        .find(|&s| s > start)
        .unwrap_or(f64::INFINITY);
    let window_end = customer_first.min(start + params.opening_cap_s);
    let speech_end = agent
        .iter()
        .filter(|i| i.start_s < window_end)
        .map(|i| i.end_s.min(window_end))
        .fold(start, f64::max);
    let opening: Vec<&SpeakerWord> = words
        .iter()
        .filter(|w| {
            let mid = (w.start_ms + w.end_ms) as f64 / 2000.0;
            w.speaker == Speaker::Agent && mid >= start - 0.05 && mid < window_end
        })
        .collect();
    let word_end = opening
        .iter()
        .map(|w| w.end_ms as f64 / 1000.0)
        .fold(start, f64::max)
        .min(window_end);
    let end = speech_end.max(word_end);
    let text: Vec<&str> = opening.iter().map(|w| w.text.trim()).collect();
    let text = text.join(" ");
    let norm = normalize(&text);
    let g = &phrases.greeting;
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
