//! Phrase lists (German and English) from `src/data/phrases.{de,en}.toml`.
//!
//! Each stage owns one TOML table in the same files; this module reads the
//! `[greeting]`, `[questions]` and `[roles]` tables and ignores the others. Matching
//! ([`normalize`], [`find_phrases`]) is case-insensitive on whole words with
//! punctuation removed, so "Was kann ich für Sie tun?" matches
//! "was kann ich für sie tun".

use serde::Deserialize;

/// Embedded German phrase lists.
pub const PHRASES_DE: &str = include_str!("../data/phrases.de.toml");
/// Embedded English phrase lists.
pub const PHRASES_EN: &str = include_str!("../data/phrases.en.toml");

/// Parts of an agent's opening and old-fashioned formulas.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct GreetingPhrases {
    /// "Guten Tag", "hello", …
    pub salutations: Vec<String>,
    /// Markers that name the company ("willkommen bei", "thank you for calling").
    pub company: Vec<String>,
    /// Company names of the deployment.
    pub company_names: Vec<String>,
    /// Markers that introduce the agent's name ("mein Name ist").
    pub agent_name: Vec<String>,
    /// Offers of help ("was kann ich für Sie tun").
    pub offer_help: Vec<String>,
    /// Stilted formulas to flag (seed 003, point 4).
    pub old_fashioned: Vec<String>,
    /// Back-channels ("mhm", "ja"): an agent utterance of these words
    /// alone is no opening.
    pub backchannels: Vec<String>,
}

/// Markers of questions for transcripts without question marks.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct QuestionPhrases {
    /// Words or phrases that open a question.
    pub starters: Vec<String>,
}

/// Phrases that tell the agent from the caller (`[roles]`), looked for in
/// each voice's words over the whole call ([`super::role`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RolePhrases {
    /// What agents say: company greeting, offers of help and options,
    /// "let me check", asking for the caller's details, "is there anything else".
    pub agent: Vec<String>,
    /// What callers say: "I'd like to", "I was wondering", "my order", "ich möchte".
    pub caller: Vec<String>,
}

/// The phrase lists the structure stage uses.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PhraseLists {
    /// `[greeting]` table.
    pub greeting: GreetingPhrases,
    /// `[questions]` table.
    pub questions: QuestionPhrases,
    /// `[roles]` table.
    pub roles: RolePhrases,
}

impl PhraseLists {
    /// Parses phrase lists from TOML (unknown tables are ignored).
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The embedded lists for a language code ("de…", "en…"); any other code
    /// gets German and English together.
    pub fn builtin(language: &str) -> Self {
        let de = || Self::from_toml(PHRASES_DE).unwrap_or_default();
        let en = || Self::from_toml(PHRASES_EN).unwrap_or_default();
        let lang = language.to_ascii_lowercase();
        if lang.starts_with("de") {
            de()
        } else if lang.starts_with("en") {
            en()
        } else {
            de().merged(&en())
        }
    }

    /// Both lists joined.
    pub fn merged(mut self, other: &PhraseLists) -> Self {
        let g = &mut self.greeting;
        let o = &other.greeting;
        g.salutations.extend(o.salutations.iter().cloned());
        g.company.extend(o.company.iter().cloned());
        g.company_names.extend(o.company_names.iter().cloned());
        g.agent_name.extend(o.agent_name.iter().cloned());
        g.offer_help.extend(o.offer_help.iter().cloned());
        g.old_fashioned.extend(o.old_fashioned.iter().cloned());
        g.backchannels.extend(o.backchannels.iter().cloned());
        self.questions
            .starters
            .extend(other.questions.starters.iter().cloned());
        self.roles.agent.extend(other.roles.agent.iter().cloned());
        self.roles.caller.extend(other.roles.caller.iter().cloned());
        self
    }
}

/// Lower-case words of `text` with punctuation removed ("+" and "&" kept as words).
pub fn normalize(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| {
            c.is_whitespace()
                || (c.is_ascii_punctuation() && c != '\'' && c != '+' && c != '&')
                || c == '„'
                || c == '“'
                || c == '”'
                || c == '…'
        })
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('\'').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The phrases of `list` that occur as whole-word sequences in `words`
/// (already normalised), in list order, without repeats.
pub fn find_phrases(words: &[String], list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in list {
        let pw = normalize(p);
        if pw.is_empty() || pw.len() > words.len() {
            continue;
        }
        if words.windows(pw.len()).any(|w| w == pw.as_slice()) && !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

/// True when `words` begin with one of the phrases of `list`.
pub fn starts_with_any(words: &[String], list: &[String]) -> bool {
    list.iter().any(|p| {
        let pw = normalize(p);
        !pw.is_empty() && words.len() >= pw.len() && words[..pw.len()] == pw[..]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lists_parse_and_are_filled() {
        for text in [PHRASES_DE, PHRASES_EN] {
            let p = PhraseLists::from_toml(text).expect("phrase file parses");
            assert!(!p.greeting.salutations.is_empty());
            assert!(!p.greeting.old_fashioned.is_empty());
            assert!(!p.questions.starters.is_empty());
            assert!(p.roles.agent.len() >= 10 && p.roles.caller.len() >= 10);
            // No phrase inside another of its own list, nor on both lists:
            // a cue would count twice or for both sides.
            let r = &p.roles;
            for (list, other) in [(&r.agent, &r.caller), (&r.caller, &r.agent)] {
                for a in list {
                    let aw = normalize(a);
                    assert!(!other.contains(a), "{a} on both lists");
                    for b in list.iter().filter(|b| *b != a) {
                        let bw = normalize(b);
                        let inside =
                            bw.len() > aw.len() && bw.windows(aw.len()).any(|w| w == aw.as_slice());
                        assert!(!inside, "{a:?} inside {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn matching_ignores_case_and_punctuation() {
        let w = normalize("Herzlich willkommen bei Grumps + Söhne, mein Name ist Sonja Müller-Lüdenscheid, was kann ich für Sie tun?");
        let p = PhraseLists::builtin("de");
        let found = find_phrases(&w, &p.greeting.old_fashioned);
        assert!(found.contains(&"herzlich willkommen".to_string()));
        assert!(found.contains(&"mein name ist".to_string()));
        assert!(found.contains(&"was kann ich für sie tun".to_string()));
        assert!(!found.contains(&"sie sprechen mit".to_string()));
    }
}
