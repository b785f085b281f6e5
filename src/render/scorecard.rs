//! The scorecard for the terminal: a call summary, one row per mistake,
//! then evidence and a tip for each flagged mistake, then the follow-ups.
//! Colour only when the caller asks for it ([`Style`]).

use std::fmt::Write;

use crate::findings::{Finding, Metric, Verdict, NOT_MEASURED};
use crate::redact::{count_by_kind, PiiMode};
use crate::scorecard::Scorecard;
use crate::wording::Wording;

use super::clock;

/// ANSI styling, or none: the caller decides (the command line from
/// `--color`, the terminal and `NO_COLOR`).
#[derive(Debug, Clone, Copy)]
pub struct Style {
    colour: bool,
}

impl Style {
    /// Colour on when `colour` is true.
    pub fn new(colour: bool) -> Self {
        Style { colour }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A verdict's name in the call's language, padded to `width`
    /// characters before it is painted.
    fn verdict(&self, v: Verdict, words: &Wording, width: usize) -> String {
        let code = match v {
            Verdict::Ok => "32",
            Verdict::Watch => "33",
            Verdict::Problem => "1;31",
            Verdict::NotMeasured => "2",
        };
        self.paint(code, &format!("{:<width$}", words.verdict(v)))
    }
}

/// `v` with `digits` decimals and `unit`, or the language's "n/a".
fn opt(words: &Wording, v: Option<f64>, digits: usize, unit: &str) -> String {
    match v {
        Some(v) => format!("{}{unit}", words.num(v, digits)),
        None => words.label("not_available").to_string(),
    }
}

/// The key figure of a finding in words: its lowest-rated measured metric
/// (the one that pulls the score down most; the first on a tie, so an `ok`
/// finding shows its headline metric) against its problem line, "pitch
/// variation 3.4 st, monotone at ≤ 1 st". When more than one metric is
/// measured and some are past their problem line, it says how many
/// ("1 of 5 signs"): a finding that averages its signs may stay `ok` with
/// one of them past the line (docs/scorecard.md). A finding that measured
/// nothing says why.
pub(crate) fn key_figure(f: &Finding, words: &Wording) -> String {
    let measured: Vec<&Metric> = f.metrics.iter().filter(|m| m.value.is_some()).collect();
    let worst = measured.iter().min_by(|a, b| {
        let (a, b) = (a.rating.unwrap_or(100.0), b.rating.unwrap_or(100.0));
        a.total_cmp(&b)
    });
    let Some(m) = worst else {
        let reason = f
            .metrics
            .iter()
            .find_map(|m| m.reason.as_deref())
            .unwrap_or(NOT_MEASURED);
        return words.label_with(
            "not_measured_because",
            &[("reason", words.reason(reason).to_string())],
        );
    };
    let value = m.value.unwrap_or_default();
    let cmp = if m.good > m.threshold { "≤" } else { "≥" };
    let mut line = words.label_with(
        "key_figure_line",
        &[
            ("metric", words.metric(&m.name, value)),
            ("sign", words.sign(f.id.as_str()).to_string()),
            ("cmp", cmp.to_string()),
            ("limit", words.metric_limit(&m.name, m.threshold)),
        ],
    );
    let past = measured.iter().filter(|m| m.rating == Some(0.0)).count();
    if past > 0 && measured.len() > 1 {
        let signs = words.label_with(
            "signs",
            &[
                ("past", past.to_string()),
                ("n", measured.len().to_string()),
            ],
        );
        line.push_str(&format!(" ({signs})"));
    }
    line
}

/// A finding's score, or "–" when it measured nothing.
pub(crate) fn score_text(f: &Finding) -> String {
    f.score.map_or_else(|| "–".to_string(), |s| s.to_string())
}

/// Renders a scorecard as terminal text.
pub fn scorecard_text(card: &Scorecard, style: Style) -> String {
    let mut out = String::new();
    let words = Wording::builtin(&card.language);
    write_header(&mut out, card, style, words);
    out.push('\n');
    write_table(&mut out, card, style, words);
    write_flagged(&mut out, card, style, words);
    write_reaction(&mut out, card, style, words);
    write_follow_ups(&mut out, card, style, words);
    out
}

/// The caller's reaction: one line per escalation, then the end against
/// the start (or why it was not measured).
fn write_reaction(out: &mut String, card: &Scorecard, style: Style, words: &Wording) {
    let _ = writeln!(
        out,
        "\n  {}",
        style.paint("1", words.label("reaction_heading"))
    );
    for line in super::reaction::reaction_lines(&card.customer_reaction, words) {
        let _ = writeln!(out, "    {line}");
    }
}

/// The call's line (file, length, language, layout), the overall score, the
/// summary figures and, when the roles are uncertain, a warning.
fn write_header(out: &mut String, card: &Scorecard, style: Style, words: &Wording) {
    let s = &card.structure.figures;
    let layout = if card.channels == 2 { "stereo" } else { "mono" };
    let _ = writeln!(
        out,
        "{}  ({}, {}, {layout}, {} Hz {})",
        style.paint("1", &card.file),
        clock(card.duration_ms),
        card.language,
        card.sample_rate_hz,
        card.encoding
    );
    let _ = writeln!(
        out,
        "  {}: {}/100",
        words.label("overall_score"),
        style.paint("1", &card.overall_score.to_string())
    );
    let summary = words.label_with(
        "summary",
        &[
            ("talk_share", words.num(s.agent_talk_share * 100.0, 0)),
            ("wpm", opt(words, s.agent_wpm, 0, "")),
            (
                "f0_sd",
                opt(
                    words,
                    card.voice.agent.f0_std_semitones,
                    1,
                    &format!(" {}", words.label("semitones")),
                ),
            ),
            ("turns", s.turns.to_string()),
            ("latency", opt(words, s.latency_median_s, 2, " s")),
        ],
    );
    let _ = writeln!(out, "  {summary}");
    write_pii(out, card, style, words);
    if let Some(r) = card.structure.roles.as_ref().filter(|r| !r.confident) {
        let c = words.num(r.confidence, 2);
        let _ = writeln!(
            out,
            "  {}",
            style.paint(
                "33",
                &words.label_with("roles_uncertain", &[("confidence", c)])
            )
        );
    }
}

/// What was done with personal data: how many stretches were redacted and
/// of which kinds, or a warning that it was kept; nothing for a redacted
/// call without any.
fn write_pii(out: &mut String, card: &Scorecard, style: Style, words: &Wording) {
    let Some(line) = pii_line(card, words) else {
        return;
    };
    let line = match card.pii {
        PiiMode::Kept => style.paint("33", &line),
        PiiMode::Redacted => line,
    };
    let _ = writeln!(out, "  {line}");
}

/// The line on personal data of the terminal and HTML cards (see
/// `write_pii`).
pub(crate) fn pii_line(card: &Scorecard, words: &Wording) -> Option<String> {
    Some(match card.pii {
        PiiMode::Kept => words.label("pii_kept").to_string(),
        PiiMode::Redacted if card.redactions.is_empty() => return None,
        PiiMode::Redacted => words.label_with(
            "pii_redacted",
            &[("kinds", count_by_kind(&card.redactions))],
        ),
    })
}

/// The table of the eight findings: number, title, score, verdict, key
/// figure. Column widths come from the longest title and verdict name, so
/// that long German titles keep the table aligned.
fn write_table(out: &mut String, card: &Scorecard, style: Style, words: &Wording) {
    let (mistake, score, verdict) = (
        words.label("mistake"),
        words.label("score"),
        words.label("verdict"),
    );
    let title_w = card
        .findings
        .iter()
        .map(|f| f.title.chars().count())
        .chain([mistake.chars().count()])
        .max()
        .unwrap_or(0);
    let verdict_w = [
        Verdict::NotMeasured,
        Verdict::Ok,
        Verdict::Watch,
        Verdict::Problem,
    ]
    .iter()
    .map(|&v| words.verdict(v).chars().count())
    .chain([verdict.chars().count()])
    .max()
    .unwrap_or(0);
    let score_w = score.chars().count().max(5);
    let _ = writeln!(
        out,
        "  {:<2} {mistake:<title_w$} {score:>score_w$}  {verdict:<verdict_w$}  {}",
        "#",
        words.label("key_figure")
    );
    for (i, f) in card.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:<2} {:<title_w$} {:>score_w$}  {}  {}",
            i + 1,
            f.title,
            score_text(f),
            style.verdict(f.verdict, words, verdict_w),
            key_figure(f, words)
        );
    }
}

/// Every flagged finding (watch or problem) with its evidence (when, what
/// was said) and its tip.
fn write_flagged(out: &mut String, card: &Scorecard, style: Style, words: &Wording) {
    for f in card.findings.iter().filter(|f| f.verdict.flagged()) {
        let _ = writeln!(
            out,
            "\n  {} — {} ({}/100)",
            style.paint("1", &f.title),
            style.verdict(f.verdict, words, 0),
            score_text(f)
        );
        for e in &f.evidence {
            let _ = writeln!(
                out,
                "    {}–{}  {}",
                clock(e.start_ms),
                clock(e.end_ms),
                e.what
            );
            if let Some(q) = &e.quote {
                let q = words.label_with("quote", &[("text", ellipsis(q, 110))]);
                let _ = writeln!(out, "                   {q}");
            }
        }
        let _ = writeln!(
            out,
            "    {} {}",
            style.paint("36", words.label("tip")),
            f.tip
        );
    }
}

/// The promises the agent made (call-backs and the like), with when.
fn write_follow_ups(out: &mut String, card: &Scorecard, style: Style, words: &Wording) {
    if card.follow_ups.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n  {}", style.paint("1", words.label("follow_ups")));
    for f in &card.follow_ups {
        let q = words.label_with("quote", &[("text", ellipsis(&f.quote, 100))]);
        let _ = writeln!(out, "    {}  {q}", clock(f.start_ms));
    }
}

/// Shortens text to `max` characters with an ellipsis.
fn ellipsis(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{FindingId, Metric};

    fn metric(name: &str, value: Option<f64>, good: f64, bad: f64) -> Metric {
        Metric {
            name: name.into(),
            value,
            threshold: bad,
            good,
            rating: value.map(|v| crate::findings::rate(v, good, bad)),
            reason: value.is_none().then(|| "no_customer".into()),
        }
    }

    fn finding(id: FindingId, verdict: Verdict, metrics: Vec<Metric>) -> Finding {
        Finding {
            id,
            title: String::new(),
            score: (verdict != Verdict::NotMeasured).then_some(80),
            verdict,
            metrics,
            evidence: Vec::new(),
            tip: String::new(),
        }
    }

    #[test]
    fn the_key_figure_names_the_metric_its_problem_line_and_the_signs_past_it() {
        let en = Wording::builtin("en");
        let f = finding(
            FindingId::Monotone,
            Verdict::Ok,
            vec![metric("f0_std_semitones", Some(3.43), 2.2, 1.0)],
        );
        assert_eq!(
            key_figure(&f, en),
            "pitch variation 3.4 st, monotone at ≤ 1 st"
        );
        // An ok finding with one of its signs past the problem line says so.
        let f = finding(
            FindingId::NoEmpathy,
            Verdict::Ok,
            vec![
                metric("agent_talk_share", Some(0.47), 0.65, 0.8),
                metric("longest_agent_monologue_s", Some(28.06), 12.0, 25.0),
                metric("agent_questions", Some(5.0), 2.0, 0.0),
                metric("know_it_all_phrases", Some(0.0), 0.0, 1.0),
            ],
        );
        assert_eq!(
            key_figure(&f, en),
            "longest monologue 28.1 s, know-it-all at ≥ 25 s (1 of 4 signs)"
        );
        let de = Wording::builtin("de");
        let f = finding(
            FindingId::Greeting,
            Verdict::NotMeasured,
            vec![metric("opening_s", None, 5.0, 8.0)],
        );
        assert_eq!(
            key_figure(&f, de),
            "nicht gemessen: kein Kunde in dieser Aufnahme"
        );
        assert_eq!(score_text(&f), "–");
    }
}
