//! Hand-written SVG charts sharing one time axis: the call's timeline and
//! line charts of the time series. Every chart is 1000 units wide with its
//! plot between [`X0`] and [`X1`]; the `seek` class and the `data-*`
//! attributes let the inline script turn a click into a time.

use std::fmt::Write;

use super::{clock_s, esc};
use crate::reaction::CustomerReaction;
use crate::render::reaction::{act_words, escalation_line, not_measured_reason};
use crate::scorecard::series::Track;
use crate::scorecard::Scorecard;
use crate::structure::Speaker;
use crate::wording::Wording;

/// viewBox width.
const W: f64 = 1000.0;
/// Left edge of the plot (labels to its left).
const X0: f64 = 78.0;
/// Right edge of the plot.
const X1: f64 = 988.0;
/// Height of the time axis under a plot.
const AXIS_H: f64 = 22.0;

/// Maps seconds to x.
#[derive(Debug, Clone, Copy)]
struct TimeScale {
    dur: f64,
}

impl TimeScale {
    fn new(dur: f64) -> Self {
        TimeScale {
            dur: dur.max(0.001),
        }
    }

    fn x(&self, t: f64) -> f64 {
        X0 + (t / self.dur).clamp(0.0, 1.0) * (X1 - X0)
    }
}

/// Opening tag of a seekable chart `h` units high.
fn svg_open(id: &str, label: &str, h: f64, dur: f64) -> String {
    format!(
        "<svg id=\"{id}\" class=\"chart seek\" viewBox=\"0 0 {W} {h}\" role=\"img\" \
         aria-label=\"{}\" data-w=\"{W}\" data-x0=\"{X0}\" data-x1=\"{X1}\" data-dur=\"{dur:.3}\">\n",
        esc(label)
    )
}

/// The plot's background (the selftest clicks its middle) and the playhead.
fn plot_area(top: f64, bottom: f64) -> String {
    format!(
        "<rect class=\"plot\" x=\"{X0}\" y=\"{top}\" width=\"{:.1}\" height=\"{:.1}\"/>\n",
        X1 - X0,
        bottom - top
    )
}

fn playhead(top: f64, bottom: f64) -> String {
    format!("<line class=\"playhead\" x1=\"{X0}\" x2=\"{X0}\" y1=\"{top}\" y2=\"{bottom}\"/>\n")
}

/// Tick spacing (s) giving at most 12 ticks.
fn time_step(dur: f64) -> f64 {
    const STEPS: [f64; 13] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
    ];
    STEPS
        .into_iter()
        .find(|s| dur / s <= 12.0)
        .unwrap_or(7200.0)
}

/// The time axis at `y` with grid lines up to `top`.
fn time_axis(ts: TimeScale, top: f64, y: f64) -> String {
    let mut out = String::new();
    let step = time_step(ts.dur);
    let mut t = 0.0;
    while t <= ts.dur + 1e-9 {
        let x = ts.x(t);
        let label = if step >= 60.0 {
            format!("{}:{:02}", (t / 60.0) as u64, (t % 60.0) as u64)
        } else {
            format!("{}:{:02}", (t / 60.0) as u64, (t % 60.0).round() as u64)
        };
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{y}\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            y + 14.0
        );
        t += step;
    }
    out
}

/// Middle of the timeline's reaction lane.
const REACTION_Y: f64 = 172.0;
/// Height of a [`reaction_lane`]'s stretch marks.
const STRETCH_H: f64 = 12.0;
/// Height of an escalation's band in the reaction lane.
const BAND_H: f64 = 20.0;

/// The timeline: agent and customer lanes (turns tinted, speech solid),
/// overtalk, silences/holds, the greeting, the evidence of flagged
/// findings as clickable markers, and the customer's reaction
/// ([`reaction_lane`]).
pub(crate) fn timeline(card: &Scorecard) -> String {
    let s = &card.structure;
    let words = Wording::builtin(&card.language);
    let span = |key: &str, a: f64, b: f64| {
        words.page_with(key, &[("from", clock_s(a)), ("to", clock_s(b))])
    };
    let ts = TimeScale::new(card.duration_ms as f64 / 1000.0);
    let lanes = [
        ("agent", 36.0),
        ("customer", 66.0),
        ("lane_overtalk", 96.0),
        ("lane_silence", 120.0),
        ("lane_evidence", 144.0),
        ("lane_reaction", REACTION_Y),
    ];
    let bottom = REACTION_Y + BAND_H / 2.0 + 4.0;
    let h = bottom + AXIS_H;
    let mut out = svg_open("timeline-svg", words.page("timeline_label"), h, ts.dur);
    out.push_str(&plot_area(8.0, bottom));
    for (key, y) in lanes {
        let _ = writeln!(
            out,
            "<text class=\"lane\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            X0 - 6.0,
            y + 4.0,
            esc(words.page(key))
        );
    }
    out.push_str(&time_axis(ts, 8.0, bottom));
    let rect = |out: &mut String, class: &str, a: f64, b: f64, y: f64, hh: f64, title: &str| {
        let (xa, xb) = (ts.x(a), ts.x(b));
        let _ = writeln!(
            out,
            "<rect class=\"{class}\" x=\"{xa:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{hh}\"><title>{}</title></rect>",
            y - hh / 2.0,
            (xb - xa).max(1.0),
            esc(title)
        );
    };
    for t in &s.turns {
        let (class, y) = match t.speaker {
            Speaker::Agent => ("turn agent", 36.0),
            Speaker::Customer => ("turn customer", 66.0),
        };
        let who = match t.speaker {
            Speaker::Agent => words.page("agent"),
            Speaker::Customer => words.page("customer"),
        };
        let title = words.page_with(
            "turn",
            &[
                ("who", who.to_string()),
                ("from", clock_s(t.start_s)),
                ("to", clock_s(t.end_s)),
            ],
        );
        rect(&mut out, class, t.start_s, t.end_s, y, 24.0, &title);
    }
    for (ivs, class, y) in [
        (&s.agent_speech, "speech agent", 36.0),
        (&s.customer_speech, "speech customer", 66.0),
    ] {
        for i in ivs {
            rect(
                &mut out,
                class,
                i.start_s,
                i.end_s,
                y,
                14.0,
                words.page("speech"),
            );
        }
    }
    for i in &s.overlaps {
        let title = span("overtalk_span", i.start_s, i.end_s);
        rect(&mut out, "overtalk", i.start_s, i.end_s, 96.0, 12.0, &title);
    }
    for i in &s.figures.interruption_spans {
        let x = ts.x(i.start_s);
        let _ = writeln!(
            out,
            "<path class=\"interrupt\" d=\"M{x:.1} 86 l-5 -7 h10 z\"><title>{}</title></path>",
            esc(&words.page_with("interrupts", &[("at", clock_s(i.start_s))]))
        );
    }
    for i in &s.figures.hold_spans {
        let title = span("silence_span", i.start_s, i.end_s);
        rect(&mut out, "silence", i.start_s, i.end_s, 120.0, 12.0, &title);
    }
    let g = &s.greeting;
    if g.present {
        let (xa, xb) = (ts.x(g.start_s), ts.x(g.end_s).max(ts.x(g.start_s) + 2.0));
        let _ = writeln!(
            out,
            "<g class=\"greeting\" data-t=\"{:.3}\"><path d=\"M{xa:.1} 24 V20 H{xb:.1} V24\"/>\
             <text x=\"{xa:.1}\" y=\"16\">{}</text><title>{}</title></g>",
            g.start_s,
            esc(&words.page_with(
                "greeting_marker",
                &[("seconds", words.num(g.duration_s, 1))]
            )),
            esc(&g.text)
        );
    }
    for f in card.findings.iter().filter(|f| f.verdict.flagged()) {
        for e in &f.evidence {
            let t = e.start_ms as f64 / 1000.0;
            let x = ts.x(t);
            let _ = writeln!(
                out,
                "<g class=\"marker {}\" data-t=\"{t:.3}\"><path d=\"M{x:.1} 137 l6 7 l-6 7 l-6 -7 z\"/>\
                 <title>{} {}: {}</title></g>",
                super::verdict_class(f.verdict),
                clock_s(t),
                esc(&f.title),
                esc(&e.what)
            );
        }
    }
    out.push_str(&reaction_lane(&card.customer_reaction, ts, words));
    out.push_str(&playhead(8.0, bottom));
    out.push_str("</svg>\n");
    out
}

/// The customer-reaction lane of the timeline: each escalation as a band
/// across its span (its tooltip the terminal's line for it) with the
/// agent's acts before it as ticks, each judged stretch of the caller's
/// speech as a mark (`baseline`, `tense` or plain); a track that was not
/// measured says why.
fn reaction_lane(r: &CustomerReaction, ts: TimeScale, words: &Wording) -> String {
    let mut out = String::new();
    let y = REACTION_Y;
    if let Some(reason) = not_measured_reason(r, words) {
        let _ = writeln!(
            out,
            "<text class=\"reaction-none\" x=\"{:.0}\" y=\"{:.1}\">{}</text>",
            X0 + 6.0,
            y + 4.0,
            esc(&words.page_with("reaction_not_measured", &[("reason", reason.into())]))
        );
        return out;
    }
    let ms = |t: u64| t as f64 / 1000.0;
    for e in &r.escalations {
        let (xa, xb) = (ts.x(ms(e.start_ms)), ts.x(ms(e.end_ms)));
        let _ = writeln!(
            out,
            "<rect class=\"escalation\" data-t=\"{:.3}\" x=\"{xa:.1}\" y=\"{:.1}\" width=\"{:.1}\" \
             height=\"{BAND_H}\"><title>{}</title></rect>",
            ms(e.start_ms),
            y - BAND_H / 2.0,
            (xb - xa).max(1.0),
            esc(&escalation_line(e, words))
        );
        for a in &e.after {
            let x = ts.x(ms(a.start_ms));
            let _ = writeln!(
                out,
                "<line class=\"act\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\">\
                 <title>{}</title></line>",
                y - BAND_H / 2.0 - 4.0,
                y - BAND_H / 2.0 + 4.0,
                esc(&act_words(a, words))
            );
        }
    }
    for s in &r.stretches {
        let (class, key) = if s.baseline {
            ("stretch baseline", "reaction_baseline_span")
        } else if s.tense {
            ("stretch tense", "reaction_tense_span")
        } else {
            ("stretch", "reaction_stretch_span")
        };
        let (a, b) = (ms(s.start_ms), ms(s.end_ms));
        let (xa, xb) = (ts.x(a), ts.x(b));
        let _ = writeln!(
            out,
            "<rect class=\"{class}\" x=\"{xa:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{STRETCH_H}\">\
             <title>{}</title></rect>",
            y - STRETCH_H / 2.0,
            (xb - xa).max(1.0),
            esc(&words.page_with(key, &[("from", clock_s(a)), ("to", clock_s(b))]))
        );
    }
    out
}

/// One line of a line chart.
pub(crate) struct Line<'a> {
    /// CSS class (its colour).
    pub class: &'a str,
    /// Legend text.
    pub label: &'a str,
    /// The values.
    pub track: &'a Track,
}

/// A dashed reference line.
pub(crate) struct Rule {
    /// CSS class.
    pub class: &'static str,
    /// Value.
    pub value: f64,
    /// Label at its right end.
    pub label: String,
}

/// A line chart over the call's time.
pub(crate) struct LineChart<'a> {
    /// Element id.
    pub id: &'a str,
    /// Accessible label.
    pub label: &'a str,
    /// Unit on the y axis.
    pub unit: &'a str,
    /// Call length (s).
    pub dur: f64,
    /// y range (low, high).
    pub range: (f64, f64),
    /// Logarithmic y axis (pitch: equal steps are equal semitones).
    pub log: bool,
    /// y ticks.
    pub ticks: Vec<f64>,
    /// The lines.
    pub lines: Vec<Line<'a>>,
    /// A shaded band (low, high) with its label.
    pub band: Option<(f64, f64, String)>,
    /// Reference lines.
    pub rules: Vec<Rule>,
}

impl LineChart<'_> {
    /// Draws the chart.
    pub fn svg(&self) -> String {
        const TOP: f64 = 10.0;
        const BOTTOM: f64 = 170.0;
        let ts = TimeScale::new(self.dur);
        let (lo, hi) = self.range;
        let f = |v: f64| if self.log { v.max(1e-9).ln() } else { v };
        let (flo, fhi) = (f(lo), f(hi).max(f(lo) + 1e-9));
        let y = |v: f64| BOTTOM - ((f(v) - flo) / (fhi - flo)).clamp(0.0, 1.0) * (BOTTOM - TOP);
        let mut out = svg_open(self.id, self.label, BOTTOM + AXIS_H, ts.dur);
        out.push_str(&plot_area(TOP, BOTTOM));
        if let Some((a, b, label)) = &self.band {
            let _ = writeln!(
                out,
                "<rect class=\"band\" x=\"{X0}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
                y(*b),
                X1 - X0,
                (y(*a) - y(*b)).max(0.5),
                esc(label)
            );
        }
        for t in &self.ticks {
            let yy = y(*t);
            let _ = writeln!(
                out,
                "<line class=\"grid\" x1=\"{X0}\" x2=\"{X1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/>\
                 <text class=\"tick\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                X0 - 6.0,
                yy + 4.0,
                trim_num(*t)
            );
        }
        let _ = writeln!(
            out,
            "<text class=\"unit\" x=\"4\" y=\"{:.0}\">{}</text>",
            TOP + 4.0,
            esc(self.unit)
        );
        out.push_str(&time_axis(ts, TOP, BOTTOM));
        for r in &self.rules {
            let yy = y(r.value);
            let _ = writeln!(
                out,
                "<line class=\"rule {}\" x1=\"{X0}\" x2=\"{X1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/>\
                 <text class=\"rule-label {}\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                r.class,
                r.class,
                X1 - 4.0,
                yy - 4.0,
                esc(&r.label)
            );
        }
        for (k, line) in self.lines.iter().enumerate() {
            // A gap wider than two steps breaks the line (no voice, no speech).
            let mut d = String::new();
            let mut last: Option<f64> = None;
            for (t, v) in line.track.points() {
                let cmd = match last {
                    Some(p) if t - p <= 2.0 * line.track.step_s + 1e-9 => 'L',
                    _ => 'M',
                };
                let _ = write!(d, "{cmd}{:.1} {:.1}", ts.x(t), y(v));
                last = Some(t);
            }
            let _ = writeln!(
                out,
                "<path class=\"line {}\" d=\"{d}\"/>\
                 <text class=\"legend {}\" x=\"{:.0}\" y=\"{:.0}\">{}</text>",
                line.class,
                line.class,
                X0 + 8.0 + 150.0 * k as f64,
                TOP + 14.0,
                esc(line.label)
            );
        }
        out.push_str(&playhead(TOP, BOTTOM));
        out.push_str("</svg>\n");
        out
    }
}

/// A number without needless decimals (at most one).
fn trim_num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Up to `max` round ticks covering `lo..=hi`.
pub(crate) fn linear_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / max.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| span / s <= max as f64)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + 1e-9 {
        out.push(t + 0.0);
        t += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reaction_lane_bands_escalations_and_says_why_it_is_empty() {
        use crate::reaction::{ActKind, AgentAct, Change, Escalation, Signal, Status};
        let words = Wording::builtin("en");
        let ts = TimeScale::new(100.0);
        let none = reaction_lane(
            &CustomerReaction::not_measured("too_little_customer_speech"),
            ts,
            words,
        );
        assert!(
            none.contains(">reaction not measured: too little of the caller&#39;s speech"),
            "{none}"
        );
        let mut r = CustomerReaction::not_measured("x");
        r.status = Status::Measured;
        r.reason = None;
        r.escalations.push(Escalation {
            start_ms: 50_000,
            end_ms: 60_000,
            signals: vec![Signal::Level],
            peak: Change {
                level_db: Some(6.0),
                ..Change::default()
            },
            after: vec![AgentAct {
                kind: ActKind::BargeIn,
                start_ms: 45_000,
                end_ms: 46_000,
                finding: None,
                quote: None,
            }],
        });
        let lane = reaction_lane(&r, ts, words);
        // 50 s of 100 s: the middle of the plot, 91 units wide for 10 s.
        assert!(
            lane.contains(
                "<rect class=\"escalation\" data-t=\"50.000\" x=\"533.0\" y=\"162.0\" width=\"91.0\" height=\"20\">\
                 <title>0:50.0 caller&#39;s voice up 6 dB — after you interrupted at 0:45.0</title>"
            ),
            "{lane}"
        );
        assert!(
            lane.contains("<line class=\"act\" x1=\"487.5\" x2=\"487.5\""),
            "{lane}"
        );
    }

    #[test]
    fn time_ticks_stay_few() {
        assert_eq!(time_step(56.0), 5.0);
        assert_eq!(time_step(30.0), 5.0);
        assert_eq!(time_step(600.0), 60.0);
    }

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(
            linear_ticks(-60.0, -10.0, 6),
            vec![-60.0, -50.0, -40.0, -30.0, -20.0, -10.0]
        );
        assert_eq!(linear_ticks(0.0, 7.0, 5), vec![0.0, 2.0, 4.0, 6.0]);
    }
}
