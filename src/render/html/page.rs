//! The page of one call: header with the player, the eight-row scorecard
//! with evidence and tips, the timeline, the caller's reaction, pitch, loudness and speaking-rate
//! charts, the transcript by speaker, the follow-ups.

use std::fmt::Write;

use super::charts::{linear_ticks, timeline, Line, LineChart, Rule};
use super::{clock_s, document, esc, ts_link, verdict_class, AudioRef};
use crate::findings::{Finding, FindingId, Verdict};
use crate::render::reaction::reaction_lines;
use crate::render::scorecard::{key_figure, pii_line, score_text};
use crate::scorecard::series::CallSeries;
use crate::scorecard::Scorecard;
use crate::structure::{Speaker, SpeakerWord};
use crate::transcript::redaction_token;
use crate::wording::Wording;

/// A new transcript paragraph starts after a silence this long (s).
const PARAGRAPH_GAP_S: f64 = 2.0;

/// The HTML page of one scored call.
///
/// Its words are in the call's language ([`Wording`]).
pub fn call_page(card: &Scorecard, series: &CallSeries, audio: &AudioRef) -> String {
    let words = Wording::builtin(&card.language);
    let page = |key| esc(words.page(key));
    let mut body = String::new();
    body.push_str(&header(card, audio));
    body.push_str("<main>\n");
    body.push_str(&scorecard_section(card));
    let _ = writeln!(
        body,
        "<section id=\"timeline\"><h2>{}</h2><p class=\"hint\">{}</p>\n{}\
         <p class=\"legend-row\"><span class=\"key agent\"></span>{} \
         <span class=\"key customer\"></span>{} \
         <span class=\"key overtalk\"></span>{} <span class=\"key silence\"></span>{} \
         <span class=\"key greeting\"></span>{} <span class=\"key v-problem\"></span>{} \
         <span class=\"key baseline\"></span>{} <span class=\"key tense\"></span>{} \
         <span class=\"key escalation\"></span>{}</p></section>",
        page("timeline"),
        page("timeline_hint"),
        timeline(card),
        page("legend_agent"),
        page("legend_customer"),
        page("legend_overtalk"),
        page("legend_silence"),
        page("legend_greeting"),
        page("legend_evidence"),
        page("legend_baseline"),
        page("legend_tense"),
        page("legend_escalation"),
    );
    body.push_str(&reaction_section(card));
    body.push_str(&pitch_section(card, series));
    body.push_str(&loudness_section(card, series));
    body.push_str(&rate_section(card, series));
    body.push_str(&transcript_section(card));
    body.push_str(&follow_ups(card));
    body.push_str("</main>\n");
    let footer = words.page_with(
        "footer",
        &[
            ("version", card.callcoach_version.to_string()),
            ("schema", card.schema_version.to_string()),
            ("model", file_name(&card.model)),
            ("profile", card.profile.clone()),
        ],
    );
    let _ = writeln!(body, "<footer>{}</footer>", esc(&footer));
    document(
        words.language(),
        &format!("{} – callcoach", file_name(&card.file)),
        &body,
    )
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

fn header(card: &Scorecard, audio: &AudioRef) -> String {
    let words = Wording::builtin(&card.language);
    let layout = if card.channels == 2 { "stereo" } else { "mono" };
    let (src, preload) = match audio {
        AudioRef::Embedded { base64 } => (format!("data:audio/wav;base64,{base64}"), "auto"),
        AudioRef::Linked { href } => (esc(href), "metadata"),
    };
    let flagged = card.findings.iter().filter(|f| f.verdict.flagged()).count();
    format!(
        "<header id=\"head\">\n<div class=\"title\"><h1>{}</h1>\
         <p class=\"meta\">{} · {} · {layout} · {} Hz {} · {}</p>{}</div>\n\
         <div class=\"overall\" title=\"{}\"><span>{}</span><small>/100</small></div>\n\
         <audio id=\"player\" controls preload=\"{preload}\" src=\"{src}\"></audio>\n</header>\n",
        esc(&file_name(&card.file)),
        clock_s(card.duration_ms as f64 / 1000.0),
        esc(&card.language),
        card.sample_rate_hz,
        esc(&card.encoding),
        esc(&words.page_with("flagged", &[("n", flagged.to_string())])),
        pii_line(card, words).map_or_else(String::new, |l| format!(
            "<p class=\"meta pii\">{}</p>",
            esc(&l)
        )),
        esc(words.label("overall_score")),
        card.overall_score
    )
}

fn scorecard_section(card: &Scorecard) -> String {
    let words = Wording::builtin(&card.language);
    let page = |key| esc(words.page(key));
    let mut out = format!(
        "<section id=\"scorecard\"><h2>{}</h2>\n<table class=\"card\">\
         <thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th></tr></thead><tbody>\n",
        page("scorecard"),
        page("col_mistake"),
        page("col_score"),
        page("col_verdict"),
        page("col_key_figure"),
        page("col_tip"),
    );
    for (i, f) in card.findings.iter().enumerate() {
        let vc = verdict_class(f.verdict);
        let tip = if !f.verdict.flagged() {
            String::from("<span class=\"muted\">—</span>")
        } else {
            esc(&f.tip)
        };
        let _ = writeln!(
            out,
            "<tr class=\"{vc}\" id=\"f-{}\"><td>{}</td><td>{}</td>\
             <td class=\"score\"><span class=\"bar\"><span class=\"fill {vc}\" style=\"width:{}%\"></span></span>{}</td>\
             <td><span class=\"pill {vc}\">{}</span></td><td class=\"figure\">{}</td><td class=\"tip\">{tip}</td></tr>",
            f.id.as_str(),
            i + 1,
            esc(&f.title),
            f.score.unwrap_or(0),
            score_text(f),
            esc(words.verdict(f.verdict)),
            esc(&key_figure(f, words)),
        );
    }
    out.push_str("</tbody></table>\n");
    let flagged: Vec<&Finding> = card
        .findings
        .iter()
        .filter(|f| f.verdict.flagged() && !f.evidence.is_empty())
        .collect();
    if !flagged.is_empty() {
        let _ = writeln!(out, "<div class=\"evidence\"><h3>{}</h3>", page("evidence"));
        for f in flagged {
            let _ = write!(
                out,
                "<div class=\"ev {}\"><h4>{} <span class=\"pill {}\">{}</span></h4><ul>",
                verdict_class(f.verdict),
                esc(&f.title),
                verdict_class(f.verdict),
                score_text(f)
            );
            for e in &f.evidence {
                let (a, b) = (e.start_ms as f64 / 1000.0, e.end_ms as f64 / 1000.0);
                let quote = e
                    .quote
                    .as_ref()
                    .map(|q| format!(" <q>{}</q>", esc(q)))
                    .unwrap_or_default();
                let _ = write!(
                    out,
                    "<li>{} {}{quote}</li>",
                    ts_link(a, &format!("{}–{}", clock_s(a), clock_s(b))),
                    esc(&e.what)
                );
            }
            out.push_str("</ul></div>\n");
        }
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
    out
}

/// `v` with `digits` decimals in the call's language, or its "n/a".
fn opt(words: &Wording, v: Option<f64>, digits: usize) -> String {
    v.map_or_else(
        || words.label("not_available").to_string(),
        |v| words.num(v, digits),
    )
}

/// The metric `name` of finding `id`, if measured.
fn metric(card: &Scorecard, id: FindingId, name: &str) -> Option<(f64, f64)> {
    card.findings
        .iter()
        .find(|f| f.id == id)?
        .metrics
        .iter()
        .find(|m| m.name == name)
        .map(|m| (m.threshold, m.good))
}

fn pitch_section(card: &Scorecard, s: &CallSeries) -> String {
    let words = Wording::builtin(&card.language);
    let p = &s.agent_pitch;
    let mut out = format!(
        "<section id=\"pitch\"><h2>{}</h2>\n",
        esc(words.page("pitch"))
    );
    let Some((lo, hi)) = p.contour_hz.range() else {
        let _ = writeln!(
            out,
            "<p class=\"muted\">{}</p></section>",
            esc(words.page("no_pitch"))
        );
        return out;
    };
    let (mut lo, mut hi) = (lo, hi);
    if let Some((a, b)) = p.band_hz {
        lo = lo.min(a);
        hi = hi.max(b);
    }
    let (lo, hi) = ((lo * 0.9).max(50.0), (hi * 1.1).min(800.0));
    let ticks: Vec<f64> = [
        50.0, 75.0, 100.0, 125.0, 150.0, 200.0, 250.0, 300.0, 400.0, 500.0, 600.0, 800.0,
    ]
    .into_iter()
    .filter(|t| *t >= lo && *t <= hi)
    .collect();
    let sd = card.voice.agent.f0_std_semitones;
    let chart = LineChart {
        id: "pitch-svg",
        label: words.page("pitch_chart"),
        unit: "Hz",
        dur: s.duration_s,
        range: (lo, hi),
        log: true,
        ticks,
        lines: vec![Line {
            class: "agent",
            label: words.page("pitch_line"),
            track: &p.contour_hz,
        }],
        band: p.band_hz.map(|(a, b)| {
            let label = words.page_with(
                "pitch_band",
                &[
                    ("sd", words.num(sd.unwrap_or_default(), 1)),
                    ("low", words.num(a, 0)),
                    ("high", words.num(b, 0)),
                ],
            );
            (a, b, label)
        }),
        rules: p
            .median_hz
            .map(|m| Rule {
                class: "median",
                value: m,
                label: words.page_with("pitch_median", &[("hz", words.num(m, 0))]),
            })
            .into_iter()
            .collect(),
    };
    out.push_str(&chart.svg());
    let caption = words.page_with("pitch_caption", &[("sd", opt(words, sd, 1))]);
    let _ = writeln!(out, "<p class=\"caption\">{}</p></section>", esc(&caption));
    out
}

fn loudness_section(card: &Scorecard, s: &CallSeries) -> String {
    let words = Wording::builtin(&card.language);
    let mut out = format!(
        "<section id=\"loudness\"><h2>{}</h2>\n",
        esc(words.page("loudness"))
    );
    let mut lines = vec![Line {
        class: "agent",
        label: words.page("line_agent"),
        track: &s.agent_level_dbfs,
    }];
    if let Some(c) = &s.customer_level_dbfs {
        lines.push(Line {
            class: "customer",
            label: words.page("line_customer"),
            track: c,
        });
    }
    let (mut lo, mut hi) = (-60.0f64, -10.0f64);
    for l in &lines {
        if let Some((a, b)) = l.track.range() {
            lo = lo.min((a / 10.0).floor() * 10.0);
            hi = hi.max((b / 10.0).ceil() * 10.0);
        }
    }
    let rules = metric(card, FindingId::Apathetic, "speech_level_dbfs")
        .map(|threshold| good_and_bad_rules(words, threshold, "loudness", 0))
        .unwrap_or_default();
    let chart = LineChart {
        id: "loudness-svg",
        label: words.page("loudness_chart"),
        unit: "dBFS",
        dur: s.duration_s,
        range: (lo, hi),
        log: false,
        ticks: linear_ticks(lo, hi, 6),
        lines,
        band: None,
        rules,
    };
    out.push_str(&chart.svg());
    let _ = writeln!(
        out,
        "<p class=\"caption\">{}</p></section>",
        esc(words.page("loudness_caption"))
    );
    out
}

/// The two horizontal rules of a profile threshold `(bad, good)`: where
/// "good" starts and where the mistake is rated 0, labelled by the page
/// texts `{prefix}_good` and `{prefix}_bad`, whose `{value}` is the
/// threshold with `digits` decimals.
fn good_and_bad_rules(
    words: &Wording,
    (bad, good): (f64, f64),
    prefix: &str,
    digits: usize,
) -> Vec<Rule> {
    let label = |key: &str, v: f64| {
        words.page_with(
            &format!("{prefix}_{key}"),
            &[("value", words.num(v, digits))],
        )
    };
    vec![
        Rule {
            class: "good",
            value: good,
            label: label("good", good),
        },
        Rule {
            class: "bad",
            value: bad,
            label: label("bad", bad),
        },
    ]
}

fn rate_section(card: &Scorecard, s: &CallSeries) -> String {
    let words = Wording::builtin(&card.language);
    let mut out = format!(
        "<section id=\"rate\"><h2>{}</h2>\n",
        esc(words.page("rate"))
    );
    let (mut lo, mut hi) = (0.0f64, 8.0f64);
    if let Some((_, b)) = s.agent_rate_syl_per_s.range() {
        hi = hi.max(b.ceil());
    }
    let rules = metric(card, FindingId::TooFast, "articulation_rate_syl_per_s")
        .map(|(bad, good)| {
            hi = hi.max(bad.ceil() + 1.0);
            lo = lo.min(good);
            good_and_bad_rules(words, (bad, good), "rate", 1)
        })
        .unwrap_or_default();
    let chart = LineChart {
        id: "rate-svg",
        label: words.page("rate_chart"),
        unit: words.page("rate_unit"),
        dur: s.duration_s,
        range: (lo, hi),
        log: false,
        ticks: linear_ticks(lo, hi, 5),
        lines: vec![Line {
            class: "agent",
            label: words.page("rate_line"),
            track: &s.agent_rate_syl_per_s,
        }],
        band: None,
        rules,
    };
    out.push_str(&chart.svg());
    let caption = words.page_with(
        "rate_caption",
        &[
            (
                "window",
                words.num(crate::scorecard::series::RATE_WINDOW_S, 0),
            ),
            ("wpm", opt(words, card.structure.figures.agent_wpm, 0)),
        ],
    );
    let _ = writeln!(out, "<p class=\"caption\">{}</p></section>", esc(&caption));
    out
}

/// Consecutive words of one speaker, split at long silences.
fn paragraphs(words: &[SpeakerWord]) -> Vec<&[SpeakerWord]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=words.len() {
        let split = i == words.len()
            || words[i].speaker != words[i - 1].speaker
            || (words[i].start_ms as f64 - words[i - 1].end_ms as f64) / 1000.0 > PARAGRAPH_GAP_S;
        if split {
            if i > start {
                out.push(&words[start..i]);
            }
            start = i;
        }
    }
    out
}

fn transcript_section(card: &Scorecard) -> String {
    let wording = Wording::builtin(&card.language);
    let page = |key| esc(wording.page(key));
    let mut out = format!(
        "<section id=\"transcript\"><h2>{}</h2>\n",
        page("transcript")
    );
    let words = &card.structure.words;
    if words.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">{}</p></section>", page("no_words"));
        return out;
    }
    // Evidence spans of flagged findings, with what they show; a span of
    // half the call or more (a figure of the whole call) marks no words.
    let spans: Vec<(u64, u64, Verdict, String)> = card
        .findings
        .iter()
        .filter(|f| f.verdict.flagged())
        .flat_map(|f| {
            let local = |e: &&crate::findings::Evidence| {
                e.end_ms.saturating_sub(e.start_ms) * 2 < card.duration_ms
            };
            f.evidence.iter().filter(local).map(move |e| {
                (
                    e.start_ms,
                    e.end_ms,
                    f.verdict,
                    format!("{}: {}", f.title, e.what),
                )
            })
        })
        .collect();
    let g = &card.structure.greeting;
    let (g0, g1) = ((g.start_s * 1000.0) as u64, (g.end_s * 1000.0) as u64);
    out.push_str("<div class=\"utterances\">\n");
    for para in paragraphs(words) {
        let who = para[0].speaker;
        let (class, name) = match who {
            Speaker::Agent => ("agent", page("agent")),
            Speaker::Customer => ("customer", page("customer")),
        };
        let t = para[0].start_ms as f64 / 1000.0;
        let _ = write!(
            out,
            "<p class=\"utt {class}\">{} <b>{name}</b> ",
            ts_link(t, &clock_s(t))
        );
        for (k, w) in para.iter().enumerate() {
            // A run of one redaction token reads once.
            let token = redaction_token(&w.text);
            if token.is_some() && k > 0 && redaction_token(&para[k - 1].text) == token {
                continue;
            }
            let text = esc(w.text.trim());
            let hits: Vec<&(u64, u64, Verdict, String)> = spans
                .iter()
                .filter(|s| w.start_ms < s.1 && w.end_ms > s.0)
                .collect();
            let in_greeting =
                g.present && who == Speaker::Agent && w.start_ms < g1 && w.end_ms > g0;
            if let Some(worst) = hits.iter().map(|s| s.2).max() {
                let title: Vec<&str> = hits.iter().map(|s| s.3.as_str()).collect();
                let _ = write!(
                    out,
                    "<mark class=\"{}\" title=\"{}\">{text}</mark> ",
                    verdict_class(worst),
                    esc(&title.join("; "))
                );
            } else if in_greeting {
                let _ = write!(
                    out,
                    "<span class=\"greet\" title=\"{}\">{text}</span> ",
                    page("greeting")
                );
            } else {
                let _ = write!(out, "{text} ");
            }
        }
        out.push_str("</p>\n");
    }
    let _ = writeln!(
        out,
        "</div><p class=\"caption\">{}</p></section>",
        page("transcript_caption")
    );
    out
}

/// The caller's reaction in the terminal card's lines.
fn reaction_section(card: &Scorecard) -> String {
    let words = Wording::builtin(&card.language);
    let mut out = format!(
        "<section id=\"reaction\"><h2>{}</h2><ul>\n",
        esc(words.label("reaction_heading"))
    );
    for line in reaction_lines(&card.customer_reaction, words) {
        let _ = writeln!(out, "<li>{}</li>", esc(&line));
    }
    out.push_str("</ul></section>\n");
    out
}

fn follow_ups(card: &Scorecard) -> String {
    if card.follow_ups.is_empty() {
        return String::new();
    }
    let words = Wording::builtin(&card.language);
    let mut out = format!(
        "<section id=\"follow-ups\"><h2>{}</h2><ul>\n",
        esc(words.page("follow_ups"))
    );
    for f in &card.follow_ups {
        let t = f.start_ms as f64 / 1000.0;
        let _ = writeln!(
            out,
            "<li>{} <q>{}</q></li>",
            ts_link(t, &clock_s(t)),
            esc(&f.quote)
        );
    }
    out.push_str("</ul></section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, start_ms: u64, end_ms: u64, speaker: Speaker) -> SpeakerWord {
        SpeakerWord {
            text: text.into(),
            start_ms,
            end_ms,
            speaker,
            from_hint: true,
        }
    }

    #[test]
    fn paragraphs_split_at_speaker_changes_and_long_silences() {
        let words = [
            w("Hello", 0, 400, Speaker::Agent),
            w("there", 450, 800, Speaker::Agent),
            w("Hi", 1000, 1200, Speaker::Customer),
            w("So", 3500, 3700, Speaker::Customer),
            w("Right", 3800, 4000, Speaker::Agent),
        ];
        let p = paragraphs(&words);
        let sizes: Vec<usize> = p.iter().map(|p| p.len()).collect();
        assert_eq!(sizes, vec![2, 1, 1, 1]);
    }
}
