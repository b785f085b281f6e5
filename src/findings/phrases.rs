//! Phrase lists of the scoring stage and matching them in timed words.
//!
//! The lists live in the `[scoring]` table of `src/data/phrases.{de,en}.toml`
//! beside the call-structure lists: acknowledgements, impatience phrases,
//! empathy phrases, know-it-all phrases, the customer's problem markers and
//! the agent's promises (follow-ups). Matching is case-insensitive on whole
//! words with punctuation removed, like the structure stage's.

use serde::Deserialize;

use crate::structure::phrases::{normalize, PHRASES_DE, PHRASES_EN};

/// The scoring stage's phrase lists for one language.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ScoringPhrases {
    /// Short signals of listening: "I see", "verstehe", "mhm".
    pub acknowledgements: Vec<String>,
    /// Impatience: "as I said", "wie gesagt", "kommen Sie zum Punkt".
    pub impatience: Vec<String>,
    /// Empathy: "I'm sorry", "das tut mir leid", "ich verstehe Ihren Ärger".
    pub empathy: Vec<String>,
    /// Know-it-all: "das ist falsch", "actually", "eigentlich ganz einfach".
    pub know_it_all: Vec<String>,
    /// Customer describes a problem: "doesn't work", "funktioniert nicht".
    pub problem: Vec<String>,
    /// Agent promises: "I'll call you back", "ich rufe Sie zurück".
    pub follow_up: Vec<String>,
}

#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    scoring: ScoringPhrases,
}

impl ScoringPhrases {
    /// The embedded lists for a language code; other codes get both languages.
    pub fn builtin(language: &str) -> Self {
        let parse = |text: &str| toml::from_str::<File>(text).map(|f| f.scoring).unwrap_or_default();
        if language.starts_with("de") {
            parse(PHRASES_DE)
        } else if language.starts_with("en") {
            parse(PHRASES_EN)
        } else {
            let mut de = parse(PHRASES_DE);
            let en = parse(PHRASES_EN);
            de.acknowledgements.extend(en.acknowledgements);
            de.impatience.extend(en.impatience);
            de.empathy.extend(en.empathy);
            de.know_it_all.extend(en.know_it_all);
            de.problem.extend(en.problem);
            de.follow_up.extend(en.follow_up);
            de
        }
    }
}

/// A word with its time, as the matcher needs it.
pub trait TimedText {
    /// The word's text.
    fn text(&self) -> &str;
    /// Start (ms).
    fn start_ms(&self) -> u64;
    /// End (ms).
    fn end_ms(&self) -> u64;
}

/// One phrase found in a run of words.
#[derive(Debug, Clone, PartialEq)]
pub struct PhraseHit {
    /// The list entry that matched.
    pub phrase: String,
    /// Start of the first matched word (ms).
    pub start_ms: u64,
    /// End of the last matched word (ms).
    pub end_ms: u64,
    /// The matched words as spoken, with a little context around them.
    pub quote: String,
}

/// Finds every occurrence of every phrase of `list` in `words` (in time
/// order). Overlapping hits of different phrases are all reported.
pub fn find_timed<W: TimedText>(words: &[W], list: &[String]) -> Vec<PhraseHit> {
    // One normalised token per word position (a word such as "don't" or
    // "Müller-Lüdenscheid" may normalise to several tokens).
    let mut tokens: Vec<(String, usize)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        for t in normalize(w.text()) {
            tokens.push((t, i));
        }
    }
    let mut hits = Vec::new();
    for phrase in list {
        let p = normalize(phrase);
        if p.is_empty() || p.len() > tokens.len() {
            continue;
        }
        for start in 0..=tokens.len() - p.len() {
            if tokens[start..start + p.len()].iter().map(|(t, _)| t).eq(p.iter()) {
                let (first, last) = (tokens[start].1, tokens[start + p.len() - 1].1);
                let ctx_a = first.saturating_sub(3);
                let ctx_b = (last + 4).min(words.len());
                let quote: Vec<&str> = words[ctx_a..ctx_b].iter().map(|w| w.text()).collect();
                hits.push(PhraseHit {
                    phrase: phrase.clone(),
                    start_ms: words[first].start_ms(),
                    end_ms: words[last].end_ms(),
                    quote: quote.join(" "),
                });
            }
        }
    }
    hits.sort_by_key(|h| h.start_ms);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    struct W(&'static str, u64);
    impl TimedText for W {
        fn text(&self) -> &str {
            self.0
        }
        fn start_ms(&self) -> u64 {
            self.1
        }
        fn end_ms(&self) -> u64 {
            self.1 + 200
        }
    }

    #[test]
    fn finds_phrases_across_words_case_and_punctuation_blind() {
        let words = [W("Ja,", 0), W("wie", 300), W("gesagt,", 500), W("das", 800), W("ist", 1000), W("falsch.", 1200)];
        let hits = find_timed(&words, &["wie gesagt".into(), "das ist falsch".into(), "nie".into()]);
        assert_eq!(hits.len(), 2);
        assert_eq!((hits[0].start_ms, hits[0].end_ms), (300, 700));
        assert_eq!(hits[1].phrase, "das ist falsch");
        assert_eq!((hits[1].start_ms, hits[1].end_ms), (800, 1400));
        assert!(hits[1].quote.contains("falsch."));
    }

    #[test]
    fn both_languages_have_every_list() {
        for lang in ["de", "en"] {
            let p = ScoringPhrases::builtin(lang);
            for (name, list) in [
                ("acknowledgements", &p.acknowledgements),
                ("impatience", &p.impatience),
                ("empathy", &p.empathy),
                ("know_it_all", &p.know_it_all),
                ("problem", &p.problem),
                ("follow_up", &p.follow_up),
            ] {
                assert!(list.len() >= 4, "{lang}: {name} has {} entries", list.len());
            }
        }
    }
}
