//! Which of the two voices of a mono call is the agent.
//!
//! The diarization separates two voices; it cannot tell who is who. Two
//! pieces of evidence decide, in this order:
//!
//! 1. **The opening formula.** Each voice's words in its opening (from its
//!    first word, [`super::StructureParams::opening_cap_s`] long) are
//!    matched against the `[greeting]` phrases only an agent says: company
//!    markers ("thank you for calling", "willkommen bei"), the configured
//!    company names, and offers of help ("how can I help", "was kann ich für
//!    Sie tun"). The voice with more of them is the agent. Salutations and
//!    name introductions ("my name is", "mein Name ist") are left out: callers
//!    greet and give their name too.
//! 2. **The first speaker** (`agent_speaks_first`, the usual inbound call),
//!    when no formula decides (no words, or as many on both sides).
//!
//! `--agent-speaks-first` overrides both
//! ([`super::StructureParams::agent_role_fixed`]).
//!
//! The choice and its reason are recorded in
//! [`super::Diarization::agent_reason`].

use super::activity::Interval;
use super::assign::assign_words;
use super::phrases::{find_phrases, normalize, PhraseLists};
use super::{Speaker, StructureParams, TaggedWord};

/// The roles of the two voices.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleChoice {
    /// True when the voice taken for the agent by the first-speaker rule is
    /// the customer: swap the two.
    pub swap: bool,
    /// Why, in words (recorded in the scorecard).
    pub reason: String,
}

/// The agent formulas of `phrases` found in the opening of `speaker`'s
/// words (see the module docs).
fn formulas(
    words: &[super::SpeakerWord],
    speaker: Speaker,
    phrases: &PhraseLists,
    params: &StructureParams,
) -> Vec<String> {
    let own: Vec<&super::SpeakerWord> = words.iter().filter(|w| w.speaker == speaker).collect();
    let Some(first) = own.iter().map(|w| w.start_ms).min() else {
        return Vec::new();
    };
    let cap_ms = (params.opening_cap_s * 1000.0) as u64;
    let text: Vec<&str> = own
        .iter()
        .filter(|w| w.start_ms < first + cap_ms)
        .map(|w| w.text.trim())
        .collect();
    let norm = normalize(&text.join(" "));
    let g = &phrases.greeting;
    let mut found = find_phrases(&norm, &g.company);
    found.extend(find_phrases(&norm, &g.company_names));
    found.extend(find_phrases(&norm, &g.offer_help));
    found
}

/// Decides the roles of the two voices of a mono call, given their speech
/// as the first-speaker rule assigned it (`agent`, `customer`) and the
/// call's untagged words.
pub fn choose(
    agent: &[Interval],
    customer: &[Interval],
    words: &[TaggedWord],
    phrases: &PhraseLists,
    params: &StructureParams,
    agent_speaks_first: bool,
) -> RoleChoice {
    let assigned = assign_words(words, agent, customer);
    let a = formulas(&assigned, Speaker::Agent, phrases, params);
    let c = formulas(&assigned, Speaker::Customer, phrases, params);
    let quote = |f: &[String]| {
        f.iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rule = if agent_speaks_first {
        "the first speaker"
    } else {
        "the second speaker (the agent does not speak first)"
    };
    if params.agent_role_fixed {
        return RoleChoice {
            swap: false,
            reason: format!("{rule}, as --agent-speaks-first sets"),
        };
    }
    if a.len() > c.len() {
        RoleChoice {
            swap: false,
            reason: format!("opening formula {} in the opening of {rule}", quote(&a)),
        }
    } else if c.len() > a.len() {
        RoleChoice {
            swap: true,
            reason: format!(
                "opening formula {} in the opening of the other voice, not {rule}",
                quote(&c)
            ),
        }
    } else if words.is_empty() {
        RoleChoice {
            swap: false,
            reason: format!("{rule} (no words to look for an opening formula)"),
        }
    } else {
        RoleChoice {
            swap: false,
            reason: format!("{rule} (no opening formula decides)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Word;

    fn words(text: &str, start_s: f64, end_s: f64) -> Vec<TaggedWord> {
        let w: Vec<&str> = text.split_whitespace().collect();
        let step = (end_s - start_s) / w.len() as f64;
        w.iter()
            .enumerate()
            .map(|(i, t)| TaggedWord {
                word: Word {
                    text: t.to_string(),
                    start_ms: ((start_s + i as f64 * step) * 1000.0) as u64,
                    end_ms: ((start_s + (i + 1) as f64 * step) * 1000.0) as u64,
                    probability: 1.0,
                },
                speaker: None,
            })
            .collect()
    }

    fn iv(start_s: f64, end_s: f64) -> Interval {
        Interval { start_s, end_s }
    }

    #[test]
    fn the_voice_with_the_company_greeting_is_the_agent() {
        let p = PhraseLists::builtin("en");
        let params = StructureParams::default();
        // The caller says "Hello?" first; the other voice greets.
        let (first, second) = (vec![iv(0.0, 1.0), iv(9.0, 12.0)], vec![iv(1.5, 8.0)]);
        let mut w = words("Hello?", 0.0, 1.0);
        w.extend(words(
            "Thank you for calling Platinum Motors, how can I help you today?",
            1.5,
            8.0,
        ));
        w.extend(words("Hi, my name is Bob, my car makes a noise", 9.0, 12.0));
        let r = choose(&first, &second, &w, &p, &params, true);
        assert!(r.swap, "{r:?}");
        assert!(
            r.reason.contains("\"thank you for calling\""),
            "{}",
            r.reason
        );
        assert!(r.reason.contains("\"how can i help\""), "{}", r.reason);
        // The same with the roles the right way round already: no swap.
        let r = choose(&second, &first, &w, &p, &params, true);
        assert!(!r.swap && r.reason.starts_with("opening formula"), "{r:?}");
    }

    #[test]
    fn without_a_formula_the_first_speaker_rule_stays() {
        let p = PhraseLists::builtin("de");
        let params = StructureParams::default();
        let (first, second) = (vec![iv(0.0, 2.0)], vec![iv(2.5, 5.0)]);
        // "mein Name ist" on both sides: a name is no evidence.
        let mut w = words("Hallo, mein Name ist Meier", 0.0, 2.0);
        w.extend(words("Guten Tag, mein Name ist Schulz", 2.5, 5.0));
        let r = choose(&first, &second, &w, &p, &params, true);
        assert!(!r.swap, "{r:?}");
        assert_eq!(r.reason, "the first speaker (no opening formula decides)");
        let r = choose(&first, &second, &[], &p, &params, false);
        assert!(!r.swap, "{r:?}");
        assert!(r.reason.contains("no words"), "{}", r.reason);
        // German formula on the second voice.
        let w = words("Willkommen bei Grumps, was kann ich für Sie tun?", 2.5, 5.0);
        let r = choose(&first, &second, &w, &p, &params, true);
        assert!(r.swap, "{r:?}");
    }
}
