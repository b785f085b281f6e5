//! The phrase lists and limits of redaction, per language
//! (`src/data/pii.{en,de}.toml`).
//!
//! What counts as a cue ("card number", "Geburtsdatum"), which words may
//! sit inside a spoken number, which words make a number a price or a time,
//! and the limits (digits, windows) are data, so that QA teams can tune
//! them without touching code. Phrases are kept as lowercase word lists,
//! split the way [`detect`](super::detect) splits whisper's words.

use std::sync::OnceLock;

use serde::Deserialize;

use super::Kind;

/// The embedded English rules.
pub const PII_EN: &str = include_str!("../data/pii.en.toml");
/// The embedded German rules.
pub const PII_DE: &str = include_str!("../data/pii.de.toml");

/// A phrase as the words it matches: lowercase, edge punctuation removed.
pub type Phrase = Vec<String>;

/// Redaction rules of one language.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Language code of the phrases ("en", "de").
    pub language: String,
    /// The limits.
    pub limits: Limits,
    /// Cue phrases and the kind each announces.
    pub cues: Vec<(Kind, Phrase)>,
    /// Lead-ins of a name ("my name is").
    pub name_intro: Vec<Phrase>,
    /// Titles before a name ("Mr", "Frau").
    pub name_titles: Vec<Phrase>,
    /// Questions for a name; the other party's answer holds it.
    pub name_questions: Vec<Phrase>,
    /// Phrases right after a name ("speaking").
    pub name_before: Vec<Phrase>,
    /// Words skipped between a lead-in and the name.
    pub name_skip: Vec<String>,
    /// Capitalised words that are never a name.
    pub name_stop: Vec<String>,
    /// Words (and phrases) that may sit inside a spoken number.
    pub filler: Vec<Phrase>,
    /// Words that make the number before them a price, time or quantity.
    pub units: Vec<String>,
    /// Words between the parts of a date ("of", "the").
    pub date_filler: Vec<String>,
    /// Month names, January first.
    pub months: Vec<String>,
    /// Street suffixes.
    pub street: Vec<String>,
    /// The spoken "@".
    pub email_at: Vec<String>,
    /// The spoken ".".
    pub email_dot: Vec<String>,
    /// Spoken joiners of an address's local part ("underscore").
    pub email_join: Vec<String>,
    /// Top-level domains.
    pub tlds: Vec<String>,
}

/// The limits of redaction (each key is explained in `pii.en.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// A run of at least this many digits is always redacted.
    pub always_digits: usize,
    /// A run of at least this many digits is redacted after a cue.
    pub cued_digits: usize,
    /// How far back (ms) a cue counts.
    pub cue_window_ms: u64,
    /// How far back (words) a cue counts.
    pub cue_window_words: usize,
    /// A longer pause (ms) between two digits ends a run.
    pub run_gap_ms: u64,
    /// The most words of a name.
    pub name_max_words: usize,
    /// The fewest single letters that make a spelling.
    pub spelled_min_letters: usize,
    /// The most words of an address after an address cue.
    pub address_max_words: usize,
    /// The fewest repeated digits that make a read-back.
    pub readback_min_digits: usize,
    /// A full date (day, month, year) without a cue is a date of birth
    /// when its year is before this one.
    pub birth_year_before: u32,
    /// Whether one-word cues and street suffixes also match a compound's end.
    pub compound_cues: bool,
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    language: String,
    limits: Limits,
    cues: CueFile,
    names: NameFile,
    words: WordFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CueFile {
    card: Vec<String>,
    cvv: Vec<String>,
    iban: Vec<String>,
    phone: Vec<String>,
    email: Vec<String>,
    birth_date: Vec<String>,
    zip: Vec<String>,
    address: Vec<String>,
    number: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameFile {
    intro: Vec<String>,
    titles: Vec<String>,
    questions: Vec<String>,
    before: Vec<String>,
    skip: Vec<String>,
    stop: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WordFile {
    filler: Vec<String>,
    units: Vec<String>,
    date_filler: Vec<String>,
    months: Vec<String>,
    street: Vec<String>,
    email_at: Vec<String>,
    email_dot: Vec<String>,
    email_join: Vec<String>,
    tlds: Vec<String>,
}

/// A word as rules and detection compare it: lowercase, without the
/// punctuation at its edges ("Number?" → "number", "a.m." → "a.m").
pub fn norm(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

fn phrase(text: &str) -> Phrase {
    text.split_whitespace()
        .map(norm)
        .filter(|w| !w.is_empty())
        .collect()
}

fn phrases(list: &[String]) -> Vec<Phrase> {
    list.iter()
        .map(|p| phrase(p))
        .filter(|p| !p.is_empty())
        .collect()
}

fn words(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|w| norm(w))
        .filter(|w| !w.is_empty())
        .collect()
}

impl Rules {
    /// The built-in rules for `language` ("de…" German, anything else
    /// English). Parsed once per process.
    pub fn builtin(language: &str) -> &'static Rules {
        static EN: OnceLock<Rules> = OnceLock::new();
        static DE: OnceLock<Rules> = OnceLock::new();
        let (cell, text) = if language.starts_with("de") {
            (&DE, PII_DE)
        } else {
            (&EN, PII_EN)
        };
        cell.get_or_init(|| Rules::from_toml(text).expect("embedded rules parse (unit-tested)"))
    }

    /// Rules from the text of a `pii.*.toml` file.
    pub fn from_toml(text: &str) -> Result<Rules, toml::de::Error> {
        let f: File = toml::from_str(text)?;
        let c = &f.cues;
        let cues = [
            (Kind::Card, &c.card),
            (Kind::Cvv, &c.cvv),
            (Kind::Iban, &c.iban),
            (Kind::Phone, &c.phone),
            (Kind::Email, &c.email),
            (Kind::BirthDate, &c.birth_date),
            (Kind::Zip, &c.zip),
            (Kind::Address, &c.address),
            (Kind::Number, &c.number),
        ]
        .into_iter()
        .flat_map(|(kind, list)| phrases(list).into_iter().map(move |p| (kind, p)))
        .collect();
        Ok(Rules {
            language: f.language,
            limits: f.limits,
            cues,
            name_intro: phrases(&f.names.intro),
            name_titles: phrases(&f.names.titles),
            name_questions: phrases(&f.names.questions),
            name_before: phrases(&f.names.before),
            name_skip: words(&f.names.skip),
            name_stop: words(&f.names.stop),
            filler: phrases(&f.words.filler),
            units: words(&f.words.units),
            date_filler: words(&f.words.date_filler),
            months: words(&f.words.months),
            street: words(&f.words.street),
            email_at: words(&f.words.email_at),
            email_dot: words(&f.words.email_dot),
            email_join: words(&f.words.email_join),
            tlds: words(&f.words.tlds),
        })
    }

    /// The month (1–12) a word names, if any.
    pub fn month(&self, word: &str) -> Option<usize> {
        self.months.iter().position(|m| m == word).map(|i| i + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_files_parse_with_every_list_filled() {
        for (text, lang) in [(PII_EN, "en"), (PII_DE, "de")] {
            let r = Rules::from_toml(text).unwrap_or_else(|e| panic!("pii.{lang}.toml: {e}"));
            assert_eq!(r.language, lang);
            for kind in [
                Kind::Card,
                Kind::Cvv,
                Kind::Iban,
                Kind::Phone,
                Kind::BirthDate,
            ] {
                assert!(
                    r.cues.iter().any(|(k, _)| *k == kind),
                    "{lang}: no {kind:?} cue"
                );
            }
            assert_eq!(r.months.len(), 12, "{lang}");
            assert!(r.limits.always_digits > r.limits.cued_digits);
            assert!(!r.filler.is_empty() && !r.units.is_empty() && !r.tlds.is_empty());
            assert!(!r.name_intro.is_empty() && !r.name_stop.is_empty());
        }
    }

    #[test]
    fn builtin_picks_the_language() {
        assert_eq!(Rules::builtin("de-DE").language, "de");
        assert_eq!(Rules::builtin("en").language, "en");
        assert_eq!(Rules::builtin("fr").language, "en");
        assert_eq!(Rules::builtin("de").month("märz"), Some(3));
        let card_number: Phrase = vec!["card".into(), "number".into()];
        assert!(Rules::builtin("en")
            .cues
            .contains(&(Kind::Card, card_number)));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let bad = PII_EN.replace("always_digits", "allways_digits");
        assert!(Rules::from_toml(&bad).is_err());
    }

    #[test]
    fn norm_strips_edges_and_case() {
        assert_eq!(norm("Number?"), "number");
        assert_eq!(norm("a.m."), "a.m");
        assert_eq!(norm("E-Mail,"), "e-mail");
        assert_eq!(norm("..."), "");
    }
}
