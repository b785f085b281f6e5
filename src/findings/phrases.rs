//! Phrase lists of the scoring stage and matching them in timed words.
//!
//! The lists live in the `[scoring]` table of `src/data/phrases.{de,en}.toml`
//! beside the call-structure lists: acknowledgements, impatience phrases,
//! empathy phrases, know-it-all phrases, the customer's problem markers and
//! the agent's promises (follow-ups). Matching is case-insensitive on whole
//! words with punctuation removed, like the structure stage's.
//!
//! # Entries and context rules
//!
//! An entry of any list is either a plain string (the phrase, matched
//! wherever it occurs) or a table ([`Phrase`]) with the phrase and optional
//! context rules, all on normalised words of the same speaker:
//!
//! | key | meaning |
//! |---|---|
//! | `phrase` | the words to find |
//! | `unless_before` | not counted when one of these phrases comes right before it |
//! | `unless_after` | not counted when one of these phrases comes right after it |
//! | `needs_before` | counted only when one of these phrases comes right before it |
//! | `needs_after` | counted only when one of these phrases comes right after it |
//! | `starts_clause` | counted only at the start of a clause |
//! | `ends_clause` | counted only at the end of a clause |
//! | `fires`, `quiet` | example sentences: one where the entry must count, one ordinary sentence with its key words where the list must stay silent |
//!
//! A clause starts or ends at the edge of the word run, at a word whose text
//! ends in punctuation (`, . ; : ! ? …`) and at a pause of at least
//! [`CLAUSE_PAUSE_MS`] between two words. The `impatience` and `know_it_all`
//! entries of the built-in files all carry `fires` and `quiet` examples; a
//! unit test runs every example through [`find_timed`].

use serde::Deserialize;

use crate::structure::phrases::{normalize, PHRASES_DE, PHRASES_EN};
use crate::transcript::join_words;

/// A pause between two words of at least this many ms ends a clause.
pub const CLAUSE_PAUSE_MS: u64 = 1000;

/// One entry of a scoring list: a phrase with optional context rules and
/// examples (see the module doc). A plain string in the TOML file is a
/// phrase without rules.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "Entry")]
pub struct Phrase {
    /// The words to find ("as i said").
    pub phrase: String,
    /// Not counted when one of these comes right before the phrase.
    pub unless_before: Vec<String>,
    /// Not counted when one of these comes right after the phrase.
    pub unless_after: Vec<String>,
    /// When not empty: counted only when one of these comes right before.
    pub needs_before: Vec<String>,
    /// When not empty: counted only when one of these comes right after.
    pub needs_after: Vec<String>,
    /// Counted only when the phrase starts a clause.
    pub starts_clause: bool,
    /// Counted only when the phrase ends a clause.
    pub ends_clause: bool,
    /// An example sentence in which the entry must count once.
    pub fires: Option<String>,
    /// An ordinary sentence sharing the key words in which the list must
    /// find nothing.
    pub quiet: Option<String>,
}

impl From<&str> for Phrase {
    fn from(phrase: &str) -> Self {
        Self {
            phrase: phrase.to_string(),
            ..Self::default()
        }
    }
}

impl From<String> for Phrase {
    fn from(phrase: String) -> Self {
        Self {
            phrase,
            ..Self::default()
        }
    }
}

/// How an entry may be written in the file: a string or a table.
#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Plain(String),
    Table(Rules),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    phrase: String,
    #[serde(default)]
    unless_before: Vec<String>,
    #[serde(default)]
    unless_after: Vec<String>,
    #[serde(default)]
    needs_before: Vec<String>,
    #[serde(default)]
    needs_after: Vec<String>,
    #[serde(default)]
    starts_clause: bool,
    #[serde(default)]
    ends_clause: bool,
    fires: Option<String>,
    quiet: Option<String>,
}

impl From<Entry> for Phrase {
    fn from(e: Entry) -> Self {
        match e {
            Entry::Plain(p) => p.into(),
            Entry::Table(r) => Self {
                phrase: r.phrase,
                unless_before: r.unless_before,
                unless_after: r.unless_after,
                needs_before: r.needs_before,
                needs_after: r.needs_after,
                starts_clause: r.starts_clause,
                ends_clause: r.ends_clause,
                fires: r.fires,
                quiet: r.quiet,
            },
        }
    }
}

/// The scoring stage's phrase lists for one language.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ScoringPhrases {
    /// Short signals of listening: "I see", "verstehe", "mhm".
    pub acknowledgements: Vec<Phrase>,
    /// Impatience: "as I said", "wie gesagt", "kommen Sie zum Punkt".
    pub impatience: Vec<Phrase>,
    /// Empathy: "I'm sorry", "das tut mir leid", "ich verstehe Ihren Ärger".
    pub empathy: Vec<Phrase>,
    /// Know-it-all: "you did it wrong", "das ist doch ganz einfach".
    pub know_it_all: Vec<Phrase>,
    /// Customer describes a problem: "doesn't work", "funktioniert nicht".
    pub problem: Vec<Phrase>,
    /// Agent promises: "I'll call you back", "ich rufe Sie zurück".
    pub follow_up: Vec<Phrase>,
    /// Customer escalation: "I want to speak to your manager",
    /// "Ihren Vorgesetzten", "kündigen" (a signal of [`crate::reaction`]).
    pub escalation: Vec<Phrase>,
}

#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    scoring: ScoringPhrases,
}

impl ScoringPhrases {
    /// Parses the `[scoring]` table from phrase-file TOML (other tables are
    /// ignored).
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str::<File>(text).map(|f| f.scoring)
    }

    /// The embedded lists for a language code; other codes get both languages.
    pub fn builtin(language: &str) -> Self {
        let parse = |text: &str| Self::from_toml(text).unwrap_or_default();
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
            de.escalation.extend(en.escalation);
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
    /// The clause that holds the matched words, as spoken
    /// ([`clause_quote`]).
    pub quote: String,
}

/// Whether a clause ends after word `i` (and the next one starts a clause).
fn clause_break_after<W: TimedText>(words: &[W], i: usize) -> bool {
    let Some(next) = words.get(i + 1) else {
        return true;
    };
    let w = &words[i];
    let text = w
        .text()
        .trim_end_matches(['"', '\'', '“', '”', '»', '«', ')']);
    text.ends_with([',', '.', ';', ':', '!', '?', '…'])
        || next.start_ms().saturating_sub(w.end_ms()) >= CLAUSE_PAUSE_MS
}

/// Most words in an evidence quote: a clause or two, read at a glance.
pub const MAX_QUOTE_WORDS: usize = 25;

/// The quote of words `first..=last` of `words`: from the start of the
/// clause that holds `first` to the end of the clause that holds `last`
/// (clause edges as [`clause_break_after`] finds them: punctuation, or a
/// pause of [`CLAUSE_PAUSE_MS`]), at most [`MAX_QUOTE_WORDS`] words. A
/// quote cut short ends in "…"; one whose clause starts too far back to fit
/// begins at `first` with "…", so a quote never starts mid-clause unmarked.
pub fn clause_quote<W: TimedText>(words: &[W], first: usize, last: usize) -> String {
    if words.is_empty() {
        return String::new();
    }
    let last = last.min(words.len().saturating_sub(1));
    let first = first.min(last);
    let mut a = first;
    while a > 0 && !clause_break_after(words, a - 1) && last + 2 - a <= MAX_QUOTE_WORDS {
        a -= 1;
    }
    let mid_clause = a > 0 && !clause_break_after(words, a - 1);
    if mid_clause {
        a = first;
    }
    let mut b = last;
    while b + 1 < words.len() && !clause_break_after(words, b) && b + 2 - a <= MAX_QUOTE_WORDS {
        b += 1;
    }
    let end = (b + 1).min(a + MAX_QUOTE_WORDS);
    // A word of whisper's may hold more than one ("first $1.30"): the cap
    // counts what a reader counts.
    let text: Vec<&str> = words[a..end]
        .iter()
        .flat_map(|w| w.text().split_whitespace())
        .collect();
    let cut = text.len() > MAX_QUOTE_WORDS;
    let mut quote = join_words(text[..text.len().min(MAX_QUOTE_WORDS)].iter().copied());
    if mid_clause {
        quote.insert_str(0, "… ");
    }
    if cut || (end < words.len() && !clause_break_after(words, end - 1)) {
        quote.push_str(" …");
    }
    quote
}

/// Whether the normalised tokens right before `start` are one of `list`.
fn any_before(tokens: &[(String, usize)], start: usize, list: &[Vec<String>]) -> bool {
    list.iter().any(|p| {
        !p.is_empty()
            && p.len() <= start
            && tokens[start - p.len()..start]
                .iter()
                .map(|(t, _)| t)
                .eq(p.iter())
    })
}

/// Whether the normalised tokens from `end` on begin with one of `list`.
fn any_after(tokens: &[(String, usize)], end: usize, list: &[Vec<String>]) -> bool {
    list.iter().any(|p| {
        !p.is_empty()
            && end + p.len() <= tokens.len()
            && tokens[end..end + p.len()]
                .iter()
                .map(|(t, _)| t)
                .eq(p.iter())
    })
}

/// Finds every occurrence of every phrase of `list` in `words` (in time
/// order) that its context rules allow. A hit inside a longer one ("I'll
/// call you" inside "I'll call you back") is dropped: one spoken phrase
/// counts once.
pub fn find_timed<W: TimedText>(words: &[W], list: &[Phrase]) -> Vec<PhraseHit> {
    // One normalised token per word position (a word such as "don't" or
    // "Müller-Lüdenscheid" may normalise to several tokens).
    let mut tokens: Vec<(String, usize)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        for t in normalize(w.text()) {
            tokens.push((t, i));
        }
    }
    let norm_all = |l: &[String]| l.iter().map(|p| normalize(p)).collect::<Vec<_>>();
    let mut hits = Vec::new();
    for entry in list {
        let p = normalize(&entry.phrase);
        if p.is_empty() || p.len() > tokens.len() {
            continue;
        }
        let unless_before = norm_all(&entry.unless_before);
        let unless_after = norm_all(&entry.unless_after);
        let needs_before = norm_all(&entry.needs_before);
        let needs_after = norm_all(&entry.needs_after);
        for start in 0..=tokens.len() - p.len() {
            let end = start + p.len();
            if !tokens[start..end].iter().map(|(t, _)| t).eq(p.iter()) {
                continue;
            }
            let (first, last) = (tokens[start].1, tokens[end - 1].1);
            // A clause edge lies between words, never inside one.
            let starts_clause = (start == 0 || tokens[start - 1].1 != first)
                && (first == 0 || clause_break_after(words, first - 1));
            let ends_clause =
                tokens.get(end).is_none_or(|(_, i)| *i != last) && clause_break_after(words, last);
            let allowed = !any_before(&tokens, start, &unless_before)
                && !any_after(&tokens, end, &unless_after)
                && (needs_before.is_empty() || any_before(&tokens, start, &needs_before))
                && (needs_after.is_empty() || any_after(&tokens, end, &needs_after))
                && (!entry.starts_clause || starts_clause)
                && (!entry.ends_clause || ends_clause);
            if !allowed {
                continue;
            }
            hits.push(PhraseHit {
                phrase: entry.phrase.clone(),
                start_ms: words[first].start_ms(),
                end_ms: words[last].end_ms(),
                quote: clause_quote(words, first, last),
            });
        }
    }
    // Longest first at each start, then drop hits covered by a kept one.
    hits.sort_by_key(|h| (h.start_ms, std::cmp::Reverse(h.end_ms)));
    let mut kept: Vec<PhraseHit> = Vec::with_capacity(hits.len());
    for h in hits {
        let covered = kept
            .iter()
            .any(|k| k.start_ms <= h.start_ms && h.end_ms <= k.end_ms);
        if !covered {
            kept.push(h);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    struct W<'a>(&'a str, u64);
    impl TimedText for W<'_> {
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
        let words = [
            W("Ja,", 0),
            W("wie", 300),
            W("gesagt,", 500),
            W("das", 800),
            W("ist", 1000),
            W("falsch.", 1200),
        ];
        let hits = find_timed(
            &words,
            &["wie gesagt".into(), "das ist falsch".into(), "nie".into()],
        );
        assert_eq!(hits.len(), 2);
        assert_eq!((hits[0].start_ms, hits[0].end_ms), (300, 700));
        assert_eq!(hits[1].phrase, "das ist falsch");
        assert_eq!((hits[1].start_ms, hits[1].end_ms), (800, 1400));
        assert!(hits[1].quote.contains("falsch."));
    }

    /// Words of `text` 250 ms apart (no pause long enough to end a clause).
    fn spoken(text: &str) -> Vec<W<'_>> {
        text.split_whitespace()
            .enumerate()
            .map(|(i, t)| W(t, i as u64 * 250))
            .collect()
    }

    #[test]
    fn quotes_start_at_a_clause_and_hold_at_most_25_words() {
        let words = spoken(
            "The router seems to be faulty. I'll send you a new router tomorrow, \
             and you can return the old one.",
        );
        let hits = find_timed(&words, &["i'll send you".into()]);
        assert_eq!(hits[0].quote, "I'll send you a new router tomorrow,");
        // A quote inside a long run of words without punctuation: the clause
        // start is too far back, so it begins at the phrase, marked "…".
        let long: String = (0..40).map(|i| format!("w{i} ")).collect();
        let text = format!("{long}I'll send you the form now");
        let words = spoken(&text);
        let hits = find_timed(&words, &["i'll send you".into()]);
        let q = &hits[0].quote;
        assert!(q.starts_with("… I'll send you"), "{q}");
        assert!(q.split_whitespace().filter(|w| *w != "…").count() <= MAX_QUOTE_WORDS);
        // A whole monologue is cut after 25 words.
        let q = clause_quote(&words, 0, words.len() - 1);
        assert_eq!(q.split_whitespace().count(), MAX_QUOTE_WORDS + 1, "{q}");
        assert!(q.starts_with("w0 ") && q.ends_with(" …"), "{q}");
        // A pause of a second ends a clause as punctuation does.
        let words = [W("so", 0), W("yes", 300), W("we", 2000), W("can", 2300)];
        assert_eq!(clause_quote(&words, 3, 3), "we can");
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

    /// The words of `sentence`, 300 ms apart without pauses (so only
    /// punctuation marks clause edges).
    fn words(sentence: &str) -> Vec<W<'_>> {
        sentence
            .split_whitespace()
            .enumerate()
            .map(|(i, w)| W(w, i as u64 * 300))
            .collect()
    }

    #[test]
    fn plain_strings_and_rule_tables_both_parse() {
        let p = ScoringPhrases::from_toml(
            r#"
            [scoring]
            impatience = ["as i said", { phrase = "hurry up", unless_after = ["the"] }]
            know_it_all = ["that's wrong"]
            "#,
        )
        .unwrap();
        assert_eq!(p.impatience[0], Phrase::from("as i said"));
        assert_eq!(p.impatience[1].phrase, "hurry up");
        assert_eq!(p.impatience[1].unless_after, ["the"]);
        assert_eq!(p.know_it_all, [Phrase::from("that's wrong")]);
        // A misspelt rule is an error, not a silently ignored key.
        assert!(ScoringPhrases::from_toml(
            r#"scoring.impatience = [{ phrase = "x", unles_after = ["y"] }]"#
        )
        .is_err());
    }

    #[test]
    fn context_rules_decide_hits() {
        let hurry = [Phrase {
            unless_after: vec!["the".into()],
            ..Phrase::from("hurry up")
        }];
        assert_eq!(find_timed(&words("Hurry up, please."), &hurry).len(), 1);
        assert!(find_timed(&words("I'll hurry up the delivery."), &hurry).is_empty());

        let actually = Phrase {
            starts_clause: true,
            needs_after: vec!["that's not".into()],
            unless_after: vec!["that's not a problem".into()],
            ..Phrase::from("actually")
        };
        let list = [actually];
        assert_eq!(
            find_timed(&words("Well. Actually, that's not right."), &list).len(),
            1
        );
        assert!(find_timed(&words("Well actually that's not right."), &list).is_empty());
        assert!(find_timed(&words("Actually, that's not a problem."), &list).is_empty());
        assert!(find_timed(&words("Actually, you're right."), &list).is_empty());

        let punkt = Phrase {
            needs_before: vec!["kommen sie".into()],
            ends_clause: true,
            ..Phrase::from("zum punkt")
        };
        let list = [punkt];
        assert_eq!(find_timed(&words("Kommen Sie zum Punkt!"), &list).len(), 1);
        assert!(find_timed(&words("Gehen Sie zum Punkt."), &list).is_empty());
        assert!(find_timed(&words("Kommen Sie zum Punkt Konto."), &list).is_empty());
        // A pause of a second ends a clause without punctuation.
        let paused = [
            W("Kommen", 0),
            W("Sie", 300),
            W("zum", 600),
            W("Punkt", 900),
            W("Was", 2200),
        ];
        assert_eq!(find_timed(&paused, &list).len(), 1);
    }

    /// The phrase is one normalised word.
    fn single_word(p: &Phrase) -> bool {
        normalize(&p.phrase).len() == 1
    }

    /// The entry has at least one context rule.
    fn has_rules(p: &Phrase) -> bool {
        !(p.unless_before.is_empty()
            && p.unless_after.is_empty()
            && p.needs_before.is_empty()
            && p.needs_after.is_empty())
            || p.starts_clause
            || p.ends_clause
    }

    #[test]
    fn impatience_and_know_it_all_examples_fire_and_stay_quiet() {
        let mut checked = 0;
        for lang in ["de", "en"] {
            let p = ScoringPhrases::builtin(lang);
            for (name, list) in [
                ("impatience", &p.impatience),
                ("know_it_all", &p.know_it_all),
            ] {
                assert!(list.len() >= 8, "{lang} {name}: {} entries", list.len());
                for (i, entry) in list.iter().enumerate() {
                    let at = format!("{lang} {name} {:?}", entry.phrase);
                    assert!(
                        list[..i].iter().all(|e| e.phrase != entry.phrase),
                        "{at}: listed twice"
                    );
                    // A lone word needs context rules (seed 003: phrases, not words).
                    assert!(
                        !single_word(entry) || has_rules(entry),
                        "{at}: a single word needs a context rule"
                    );
                    let fires = entry.fires.as_deref().unwrap_or_default();
                    let quiet = entry.quiet.as_deref().unwrap_or_default();
                    assert!(!fires.trim().is_empty(), "{at}: no `fires` example");
                    assert!(!quiet.trim().is_empty(), "{at}: no `quiet` example");
                    let hits = find_timed(&words(fires), list);
                    let own = hits.iter().filter(|h| h.phrase == entry.phrase).count();
                    assert_eq!(own, 1, "{at}: `fires` example {fires:?} gave {hits:?}");
                    let hits = find_timed(&words(quiet), list);
                    assert!(
                        hits.is_empty(),
                        "{at}: `quiet` example {quiet:?} gave {hits:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked >= 40, "{checked} entries checked");
    }

    #[test]
    fn common_words_alone_raise_no_alarm() {
        let cases = [
            (
                "en",
                "Go ahead and listen to the message, they're in a hurry, so quickly check it.",
            ),
            ("en", "It's actually really easy to book online, right?"),
            (
                "en",
                "Obviously we'll refund you, and you should have it by Friday.",
            ),
            (
                "de",
                "Sie können sich das in Ruhe anhören, das geht eigentlich schnell.",
            ),
            (
                "de",
                "Das ist halt so, ich prüfe das nochmal. Sie müssen nur unterschreiben.",
            ),
            ("de", "Ja, ja genau das, die blaue Karte."),
        ];
        for (lang, text) in cases {
            let p = ScoringPhrases::builtin(lang);
            for list in [&p.impatience, &p.know_it_all] {
                let hits = find_timed(&words(text), list);
                assert!(hits.is_empty(), "{lang} {text:?}: {hits:?}");
            }
        }
    }
}
