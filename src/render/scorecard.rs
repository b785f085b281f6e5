//! The scorecard for the terminal: a call summary, one row per mistake,
//! then evidence and a tip for each flagged mistake, then the follow-ups.
//! Colour only when asked for (a TTY without `NO_COLOR`).

use std::fmt::Write;

use crate::findings::{Finding, Verdict};
use crate::scorecard::Scorecard;

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

    fn verdict(&self, v: Verdict) -> String {
        match v {
            Verdict::Ok => self.paint("32", "ok     "),
            Verdict::Watch => self.paint("33", "watch  "),
            Verdict::Problem => self.paint("1;31", "problem"),
        }
    }
}

/// `m:ss.s` from milliseconds.
pub(crate) fn clock(ms: u64) -> String {
    format!("{}:{:04.1}", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
}

fn opt(v: Option<f64>, digits: usize, unit: &str) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.digits$}{unit}"))
}

/// The key figure of a finding: its first measured metric and threshold.
pub(crate) fn key_figure(f: &Finding) -> String {
    f.metrics.iter().find(|m| m.value.is_some()).map_or_else(
        || "not measurable in this call".to_string(),
        |m| {
            let v = m.value.unwrap_or_default();
            let cmp = if m.good > m.threshold { "≤" } else { "≥" };
            format!(
                "{} {} (problem {cmp} {})",
                m.name,
                trim(v),
                trim(m.threshold)
            )
        },
    )
}

/// A number with at most two decimals, trailing zeros removed.
fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Renders a scorecard as terminal text.
pub fn scorecard_text(card: &Scorecard, style: Style) -> String {
    let mut out = String::new();
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
        "  Overall score: {}/100",
        style.paint("1", &card.overall_score.to_string())
    );
    let _ = writeln!(
        out,
        "  Talk share agent {:.0} % · agent {} words/min · pitch variation {} · {} turns · median response {}",
        s.agent_talk_share * 100.0,
        opt(s.agent_wpm, 0, ""),
        opt(card.voice.agent.f0_std_semitones, 1, " st"),
        s.turns,
        opt(s.latency_median_s, 2, " s"),
    );
    out.push('\n');
    let _ = writeln!(
        out,
        "  {:<2} {:<44} {:>5}  {:<7}  key figure",
        "#", "mistake", "score", "verdict"
    );
    for (i, f) in card.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:<2} {:<44} {:>5}  {}  {}",
            i + 1,
            f.title,
            f.score,
            style.verdict(f.verdict),
            key_figure(f)
        );
    }
    for f in card.findings.iter().filter(|f| f.verdict != Verdict::Ok) {
        let _ = writeln!(
            out,
            "\n  {} — {} ({}/100)",
            style.paint("1", &f.title),
            style.verdict(f.verdict).trim_end(),
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
                let _ = writeln!(out, "                   “{}”", ellipsis(q, 110));
            }
        }
        let _ = writeln!(out, "    {} {}", style.paint("36", "Tip:"), f.tip);
    }
    if !card.follow_ups.is_empty() {
        let _ = writeln!(
            out,
            "\n  {}",
            style.paint("1", "Follow-ups promised (keep them):")
        );
        for f in &card.follow_ups {
            let _ = writeln!(
                out,
                "    {}  “{}”",
                clock(f.start_ms),
                ellipsis(&f.quote, 100)
            );
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
