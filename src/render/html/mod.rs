//! HTML pages of the visual report (docs/html-report.md): self-contained
//! (inline CSS, hand-written SVG, a few lines of inline JavaScript; no
//! network), readable offline and printable.
//!
//! [`call_page`] draws one call, [`index_page`] a batch. Like every
//! renderer they compute nothing: the scorecard, the time series
//! ([`crate::scorecard::series`]) and the per-agent spread
//! ([`crate::report::agent_spreads`]) arrive measured.
//!
//! The inline script seeks the page's player when a timestamp or a point of
//! a chart is clicked, sorts tables, and with the URL fragment `#selftest`
//! checks itself (clicks the first transcript timestamp and the middle of
//! the timeline, records the player's `currentTime`, the sizes of the main
//! elements and any script error in `<pre id="selftest-result">`) for the
//! browser tests.

mod charts;
mod index;
mod page;

pub use index::index_page;
pub use page::call_page;

use crate::findings::{FindingId, Verdict};
use crate::output::CallRow;

/// The page's stylesheet, inlined.
const CSS: &str = include_str!("report.css");
/// The page's script, inlined.
const JS: &str = include_str!("report.js");

/// How a page plays its call.
#[derive(Debug, Clone, PartialEq)]
pub enum AudioRef {
    /// A 16-bit PCM WAV inside the page (base64 data URI).
    Embedded {
        /// The WAV file, base64.
        base64: String,
    },
    /// The recording beside the page, by relative URL.
    Linked {
        /// URL relative to the page's directory.
        href: String,
    },
}

/// One call of the batch index.
#[derive(Debug, Clone)]
pub struct IndexEntry<'a> {
    /// The call's summary row.
    pub row: &'a CallRow,
    /// URL of its page relative to the index, when it has one.
    pub page: Option<String>,
}

/// One finding's scores for one agent.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingSpread {
    /// The finding.
    pub id: FindingId,
    /// Mean score.
    pub mean: Option<f64>,
    /// Lowest score.
    pub min: Option<u8>,
    /// Highest score.
    pub max: Option<u8>,
    /// Every scored call's score and verdict.
    pub scores: Vec<(u8, String)>,
}

/// One agent's scores per finding over the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSpread {
    /// Agent id.
    pub agent: String,
    /// Scored calls.
    pub calls: usize,
    /// The eight findings, in the seed's order.
    pub findings: Vec<FindingSpread>,
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// CSS class of a verdict.
pub(crate) fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "v-ok",
        Verdict::Watch => "v-watch",
        Verdict::Problem => "v-problem",
        Verdict::NotMeasured => "v-none",
    }
}

/// CSS class of a verdict written as in the JSON ("ok", "watch", "problem").
pub(crate) fn verdict_class_str(v: &str) -> &'static str {
    match v {
        "ok" => "v-ok",
        "watch" => "v-watch",
        "problem" => "v-problem",
        _ => "v-none",
    }
}

/// Short English label of a finding (the index mixes languages).
pub(crate) fn finding_label(id: FindingId) -> &'static str {
    match id {
        FindingId::Monotone => "Monotone",
        FindingId::Apathetic => "Apathetic",
        FindingId::Impatient => "Impatient",
        FindingId::Greeting => "Greeting",
        FindingId::Rushed => "Rushed",
        FindingId::Unclear => "Unclear",
        FindingId::TooFast => "Too fast",
        FindingId::NoEmpathy => "No empathy",
    }
}

/// The document around `body`, in language `lang`: head with the inline
/// stylesheet, the body, the inline script.
pub(crate) fn document(lang: &str, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"callcoach {}\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{body}\
         <pre id=\"selftest-result\" hidden></pre>\n<script>\n{JS}</script>\n</body>\n</html>\n",
        esc(lang),
        env!("CARGO_PKG_VERSION"),
        esc(title)
    )
}

/// `m:ss.s` from seconds.
pub(crate) fn clock_s(t: f64) -> String {
    super::clock((t.max(0.0) * 1000.0).round() as u64)
}

/// A timestamp link that seeks the player to `t` seconds.
pub(crate) fn ts_link(t: f64, label: &str) -> String {
    format!(
        "<a class=\"ts\" href=\"#t={t:.3}\" data-t=\"{t:.3}\">{}</a>",
        esc(label)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">Tom's & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom&#39;s &amp; co&lt;/a&gt;"
        );
    }

    #[test]
    fn timestamps_carry_seconds_for_the_player() {
        assert_eq!(
            ts_link(12.3456, "0:12.3"),
            "<a class=\"ts\" href=\"#t=12.346\" data-t=\"12.346\">0:12.3</a>"
        );
    }
}
