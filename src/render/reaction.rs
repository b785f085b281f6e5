//! The customer's reaction in words: one line per escalation ("1:42.0
//! caller's voice up 5 dB and 3 st higher, talking over you — after you
//! interrupted at 1:38.0"), and the call's end against its start. The
//! terminal card and the HTML page both show these lines.

use crate::reaction::{ActKind, AgentAct, CustomerReaction, Escalation, Signal, Status};
use crate::wording::Wording;

use super::clock;

/// The lines of the reaction section: the escalations, then the end
/// against the start; or why the track was not measured.
pub(crate) fn reaction_lines(r: &CustomerReaction, words: &Wording) -> Vec<String> {
    if let Some(reason) = not_measured_reason(r, words) {
        return vec![words.label_with("reaction_not_measured", &[("reason", reason.into())])];
    }
    let mut lines: Vec<String> = r
        .escalations
        .iter()
        .map(|e| escalation_line(e, words))
        .collect();
    if lines.is_empty() {
        lines.push(words.label("reaction_none").to_string());
    }
    if let Some(t) = &r.start_vs_end {
        let key = format!("reaction_trend_{}", t.trend.as_str());
        lines.push(words.label(&key).to_string());
    }
    lines
}

/// Why the track was not measured, in words; `None` when it was.
pub(crate) fn not_measured_reason<'a>(
    r: &'a CustomerReaction,
    words: &'a Wording,
) -> Option<&'a str> {
    (r.status == Status::NotMeasured)
        .then(|| words.reason(r.reason.as_deref().unwrap_or("not_measured")))
}

/// One escalation: when, what rose, and what the agent did before it.
pub(crate) fn escalation_line(e: &Escalation, words: &Wording) -> String {
    let signals: Vec<String> = e
        .signals
        .iter()
        .filter_map(|&s| signal_words(s, e, words))
        .collect();
    let mut line = words.label_with(
        "reaction_escalation",
        &[
            ("at", clock(e.start_ms)),
            ("signals", join(&signals, words)),
        ],
    );
    if !e.after.is_empty() {
        let acts: Vec<String> = e.after.iter().map(|a| act_words(a, words)).collect();
        line.push_str(&words.label_with("reaction_after", &[("acts", join(&acts, words))]));
    }
    line
}

/// A signal in words, with its peak figure: "up 5 dB", "3 st higher".
fn signal_words(s: Signal, e: &Escalation, words: &Wording) -> Option<String> {
    let key = format!("reaction_signal_{}", s.as_str());
    let value = match s {
        Signal::BargeIn | Signal::Overtalk | Signal::Phrase => None,
        _ => Some(e.peak.value(s)?),
    };
    let value = value.map_or_else(String::new, |v| words.num(v, 0));
    Some(words.label_with(&key, &[("value", value)]))
}

/// What the agent did, in words, with when.
pub(crate) fn act_words(a: &AgentAct, words: &Wording) -> String {
    let secs = (a.end_ms.saturating_sub(a.start_ms)) as f64 / 1000.0;
    let what = match a.finding {
        Some(id) if a.kind == ActKind::Finding => words.sign(id.as_str()).to_string(),
        _ => String::new(),
    };
    words.label_with(
        &format!("reaction_act_{}", a.kind.as_str()),
        &[
            ("at", clock(a.start_ms)),
            ("secs", words.num(secs, 0)),
            ("quote", a.quote.clone().unwrap_or_default()),
            ("finding", what),
        ],
    )
}

/// "a, b and c" in the language's words.
fn join(items: &[String], words: &Wording) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} {} {last}", head.join(", "), words.label("and")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reaction::Change;

    #[test]
    fn an_escalation_reads_as_one_line_with_what_came_before() {
        let e = Escalation {
            start_ms: 102_000,
            end_ms: 110_000,
            signals: vec![Signal::Level, Signal::Pitch, Signal::Overtalk],
            peak: Change {
                level_db: Some(5.2),
                f0_semitones: Some(3.4),
                ..Change::default()
            },
            after: vec![AgentAct {
                kind: ActKind::BargeIn,
                start_ms: 98_000,
                end_ms: 99_500,
                finding: None,
                quote: None,
            }],
        };
        let en = escalation_line(&e, Wording::builtin("en"));
        assert_eq!(
            en,
            "1:42.0 caller's voice up 5 dB, 3 st higher and talking over you — after you interrupted at 1:38.0"
        );
        let de = escalation_line(&e, Wording::builtin("de"));
        assert!(
            de.starts_with("1:42.0 ") && de.contains("5 dB") && de.contains("1:38.0"),
            "{de}"
        );
    }
}
