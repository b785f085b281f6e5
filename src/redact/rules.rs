//! The phrase lists and limits of redaction, per language
//! (`src/data/pii.{en,de}.toml`).

/// Redaction rules of one language.
#[derive(Debug, Clone, Default)]
pub struct Rules {}

impl Rules {
    /// The built-in rules for `language` ("de" or anything else: English).
    pub fn builtin(language: &str) -> &'static Rules {
        let _ = language;
        static EMPTY: Rules = Rules {};
        &EMPTY
    }
}
