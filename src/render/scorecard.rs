//! The scorecard for the terminal: a call summary, one row per mistake,
//! then evidence and a tip for each flagged mistake, then the follow-ups.
//! Colour only when asked for (a TTY without `NO_COLOR`).

use std::fmt::Write;

use crate::findings::{Finding, Verdict};
use crate::scorecard::Scorecard;
use crate::wording::Wording;

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    colour: bool,
}

impl Style {
    /// Colour on when `colour` is true.
    pub fn new(colour: bool) -> Self {
        Style { colour }
    }

    /// Colour if stdout is a terminal and `NO_COLOR` is unset or empty.
    pub fn for_stdout() -> Self {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style::new(std::io::stdout().is_terminal() && !no_color)
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
        };
        self.paint(code, &format!("{:<width$}", words.verdict(v)))
    }
}

/// `m:ss.s` from milliseconds.
pub(crate) fn clock(ms: u64) -> String {
    format!("{}:{:04.1}", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
}

/// `v` with `digits` decimals and `unit`, or the language's "n/a".
fn opt(words: &Wording, v: Option<f64>, digits: usize, unit: &str) -> String {
    match v {
        Some(v) => format!("{}{unit}", words.num(v, digits)),
        None => words.label("not_available").to_string(),
    }
}

/// The key figure of a finding: its lowest-rated measured metric (the one
/// that pulls the score down most; the first on a tie, so an `ok` finding
/// shows its headline metric) and that metric's threshold.
pub(crate) fn key_figure(f: &Finding, words: &Wording) -> String {
    let measured = f.metrics.iter().filter(|m| m.value.is_some());
    let worst = measured.min_by(|a, b| {
        let (a, b) = (a.rating.unwrap_or(100.0), b.rating.unwrap_or(100.0));
        a.total_cmp(&b)
    });
    worst.map_or_else(
        || words.label("not_measurable").to_string(),
        |m| {
            let v = m.value.unwrap_or_default();
            let cmp = if m.good > m.threshold { "≤" } else { "≥" };
            let limit = words.label_with(
                "problem_at",
                &[
                    ("cmp", cmp.to_string()),
                    ("threshold", words.short(m.threshold)),
                ],
            );
            format!("{} {} ({limit})", m.name, words.short(v))
        },
    )
}

/// Renders a scorecard as terminal text.
pub fn scorecard_text(card: &Scorecard, style: Style) -> String {
    let mut out = String::new();
    let words = Wording::builtin(&card.language);
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
    out.push('\n');
    // Column widths from the longest title and verdict name, so that long
    // German titles keep the table aligned.
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
    let verdict_w = [Verdict::Ok, Verdict::Watch, Verdict::Problem]
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
            f.score,
            style.verdict(f.verdict, words, verdict_w),
            key_figure(f, words)
        );
    }
    for f in card.findings.iter().filter(|f| f.verdict != Verdict::Ok) {
        let _ = writeln!(
            out,
            "\n  {} — {} ({}/100)",
            style.paint("1", &f.title),
            style.verdict(f.verdict, words, 0),
            f.score
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
    if !card.follow_ups.is_empty() {
        let _ = writeln!(out, "\n  {}", style.paint("1", words.label("follow_ups")));
        for f in &card.follow_ups {
            let q = words.label_with("quote", &[("text", ellipsis(&f.quote, 100))]);
            let _ = writeln!(out, "    {}  {q}", clock(f.start_ms));
        }
    }
    out
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
