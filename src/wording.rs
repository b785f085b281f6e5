//! The words of the reports in the call's language: labels, verdict names
//! and the evidence sentences, from `src/data/wording.{en,de}.toml`.
//!
//! A German call gets a German scorecard throughout, not German titles and
//! tips between English labels. The texts are data, so QA teams can reword
//! them without touching code; a sentence is a template whose `{name}`
//! placeholders are filled with values already formatted for the language
//! (decimal comma in German).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The embedded English wording.
pub const WORDING_EN: &str = include_str!("data/wording.en.toml");
/// The embedded German wording.
pub const WORDING_DE: &str = include_str!("data/wording.de.toml");

/// The report texts of one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    /// Language code of the texts ("en", "de").
    language: String,
    /// Decimal separator ("." or ",").
    decimal: String,
    /// Display names of the verdicts, keyed `ok`, `watch`, `problem`.
    verdict: BTreeMap<String, String>,
    /// Labels and headings, keyed by name.
    label: BTreeMap<String, String>,
    /// Evidence sentences (templates), keyed by evidence kind.
    evidence: BTreeMap<String, String>,
    /// Headings, captions and chart labels of the HTML page.
    page: BTreeMap<String, String>,
    /// How a metric is named on the card, by metric name.
    metric: BTreeMap<String, MetricWords>,
    /// What a finding's problem line is called ("monotone", "too fast"),
    /// by finding id.
    sign: BTreeMap<String, String>,
    /// Why a metric could not be measured, by reason key (the `reason` of
    /// a metric in the JSON).
    reason: BTreeMap<String, String>,
}

/// A metric's name and unit on the card: "pitch variation 3.4 st".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricWords {
    /// Name in words ("pitch variation").
    name: String,
    /// Unit after the number ("st", "%"); none when empty.
    #[serde(default)]
    unit: String,
    /// Factor from the JSON value to the shown one (100 for a share in %).
    #[serde(default = "one")]
    scale: f64,
    /// Decimals shown.
    #[serde(default = "one_digit")]
    digits: usize,
}

fn one() -> f64 {
    1.0
}

fn one_digit() -> usize {
    1
}

impl Wording {
    /// The embedded wording for a language code: German for "de…", else
    /// English. Parsed once per process.
    pub fn builtin(language: &str) -> &'static Wording {
        static EN: OnceLock<Wording> = OnceLock::new();
        static DE: OnceLock<Wording> = OnceLock::new();
        let (cell, text) = if language.starts_with("de") {
            (&DE, WORDING_DE)
        } else {
            (&EN, WORDING_EN)
        };
        cell.get_or_init(|| toml::from_str(text).expect("embedded wording parses (unit-tested)"))
    }

    /// A label or heading; the key itself if the file lacks it.
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.label.get(key).map_or(key, String::as_str)
    }

    /// A label template with its placeholders filled.
    pub fn label_with(&self, key: &str, args: &[(&str, String)]) -> String {
        fill(self.label(key), args)
    }

    /// A text of the HTML page (plain text: escape it); the key itself if
    /// the file lacks it.
    pub fn page<'a>(&'a self, key: &'a str) -> &'a str {
        self.page.get(key).map_or(key, String::as_str)
    }

    /// A page template with its placeholders filled.
    pub fn page_with(&self, key: &str, args: &[(&str, String)]) -> String {
        fill(self.page(key), args)
    }

    /// The display name of a verdict, given by its key (`ok`, `watch`,
    /// `problem`, `not_measured`): a `findings::Verdict` converts into its
    /// key. The key itself if the file lacks it.
    pub fn verdict(&self, v: impl Into<&'static str>) -> &str {
        let key = v.into();
        self.verdict.get(key).map_or(key, String::as_str)
    }

    /// A metric's value in words: "pitch variation 3.4 st". A metric the
    /// file does not name is shown by its key.
    pub fn metric(&self, name: &str, value: f64) -> String {
        match self.metric.get(name) {
            Some(m) => format!("{} {}", m.name, self.amount(m, value)),
            None => format!("{name} {}", self.short(value)),
        }
    }

    /// A limit of metric `name` with its unit, without the name and
    /// without trailing zeros: "1 st", "300 words/min".
    pub fn metric_limit(&self, name: &str, value: f64) -> String {
        match self.metric.get(name) {
            Some(m) => {
                let v = self.short(value * m.scale);
                if m.unit.is_empty() {
                    v
                } else {
                    format!("{v} {}", m.unit)
                }
            }
            None => self.short(value),
        }
    }

    fn amount(&self, m: &MetricWords, value: f64) -> String {
        let v = self.num(value * m.scale, m.digits);
        if m.unit.is_empty() {
            v
        } else {
            format!("{v} {}", m.unit)
        }
    }

    /// The name of a finding's problem ("monotone"), by finding id.
    pub fn sign<'a>(&'a self, finding: &'a str) -> &'a str {
        self.sign.get(finding).map_or(finding, String::as_str)
    }

    /// Why a metric was not measured, in words, by reason key.
    pub fn reason<'a>(&'a self, key: &'a str) -> &'a str {
        self.reason.get(key).map_or(key, String::as_str)
    }

    /// The evidence sentence of `kind` with its placeholders filled.
    pub fn evidence(&self, kind: &str, args: &[(&str, String)]) -> String {
        fill(self.evidence.get(kind).map_or(kind, String::as_str), args)
    }

    /// `value` with `digits` decimals and this language's separator
    /// (never "-0": a value that rounds to zero has no sign).
    pub fn num(&self, value: f64, digits: usize) -> String {
        self.localise(&format!("{value:.digits$}"))
    }

    /// `value` with at most two decimals, trailing zeros removed (`0.53`,
    /// `8`), in this language's format.
    pub fn short(&self, value: f64) -> String {
        let s = format!("{value:.2}");
        self.localise(s.trim_end_matches('0').trim_end_matches('.'))
    }

    /// A formatted number with this language's separator and without the
    /// sign of a negative zero.
    fn localise(&self, number: &str) -> String {
        let digits = number.strip_prefix('-').unwrap_or(number);
        let number = if digits.chars().all(|c| c == '0' || c == '.') {
            digits
        } else {
            number
        };
        number.replace('.', &self.decimal)
    }

    /// The language code of this wording ("de", "en"), for `<html lang>`.
    pub fn language(&self) -> &str {
        &self.language
    }
}

/// Replaces each `{name}` in `template` by its value in `args`; unknown
/// placeholders are left as they are.
pub fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after
            .find('}')
            .and_then(|close| Some((args.iter().find(|(k, _)| *k == &after[..close])?, close)));
        match value {
            Some(((_, v), close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The `{names}` in a template.
    fn placeholders(t: &str) -> BTreeSet<String> {
        t.split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
            .collect()
    }

    #[test]
    fn fill_replaces_known_names_and_keeps_the_rest() {
        let args = [("s", "2,5".to_string()), ("n", "3".to_string())];
        assert_eq!(fill("{s} s, {n} words", &args), "2,5 s, 3 words");
        assert_eq!(fill("{x} {s}", &args), "{x} 2,5");
        assert_eq!(fill("open { and {s}", &args), "open { and 2,5");
        assert_eq!(fill("no braces", &args), "no braces");
    }

    #[test]
    fn german_and_english_have_the_same_keys_and_placeholders() {
        let (en, de) = (Wording::builtin("en"), Wording::builtin("de"));
        for (name, a, b) in [
            ("verdict", &en.verdict, &de.verdict),
            ("label", &en.label, &de.label),
            ("evidence", &en.evidence, &de.evidence),
            ("page", &en.page, &de.page),
            ("sign", &en.sign, &de.sign),
            ("reason", &en.reason, &de.reason),
        ] {
            let keys_a: Vec<_> = a.keys().collect();
            let keys_b: Vec<_> = b.keys().collect();
            assert_eq!(keys_a, keys_b, "[{name}] keys differ");
            for (k, t) in a {
                assert_eq!(
                    placeholders(t),
                    placeholders(&b[k]),
                    "[{name}] {k}: placeholders differ"
                );
            }
        }
        assert_eq!(de.num(8.14, 1), "8,1");
        assert_eq!(en.num(8.14, 1), "8.1");
        assert_eq!(
            (de.short(0.5), en.short(200.0)),
            ("0,5".into(), "200".into())
        );
        assert_eq!(
            (en.num(-0.3, 0), de.num(-0.04, 1)),
            ("0".into(), "0,0".into())
        );
        assert_eq!(
            (en.num(-2.5, 1), de.short(-0.001)),
            ("-2.5".into(), "0".into())
        );
        assert_eq!((en.language(), de.language()), ("en", "de"));
        let (en_m, de_m): (Vec<_>, Vec<_>) =
            (en.metric.keys().collect(), de.metric.keys().collect());
        assert_eq!(en_m, de_m, "[metric] keys differ");
        // Every metric of the default profile is named in words on the card.
        // The profile file is read as plain TOML (a finding is a table with
        // `metrics`), so that this module needs nothing from `findings`.
        let profile: toml::Table =
            toml::from_str(include_str!("data/profile.toml")).expect("profile parses");
        let mut findings = 0;
        for (finding, section) in &profile {
            let Some(metrics) = section.get("metrics").and_then(toml::Value::as_table) else {
                continue;
            };
            findings += 1;
            for key in metrics.keys() {
                let name = key.trim_end_matches("_en").trim_end_matches("_de");
                assert!(
                    en.metric.contains_key(name),
                    "[metric] lacks {finding}.{name}"
                );
            }
            assert!(en.sign.contains_key(finding), "[sign] lacks {finding}");
        }
        // The eight findings and the customer reaction's bands.
        assert_eq!(findings, 9, "the profile's tables with metrics");
        assert_eq!(
            en.metric("f0_std_semitones", 3.43),
            "pitch variation 3.4 st"
        );
        assert_eq!(
            de.metric("low_confidence_share", 0.06),
            "schwer erkennbare Wörter 6 %"
        );
        assert_eq!(de.verdict("watch"), "Beobachten");
    }
}
