//! The batch index: totals, per-agent charts (mean score per mistake and
//! the spread of the calls) and a sortable table of the calls, each row
//! linking to the call's page.

use std::fmt::Write;

use super::{clock_s, document, esc, finding_label, verdict_class_str, AgentSpread, IndexEntry};
use crate::findings::FindingId;

/// The batch's `index.html`.
pub fn index_page(entries: &[IndexEntry], agents: &[AgentSpread]) -> String {
    let scored = entries.iter().filter(|e| e.row.scored()).count();
    let audio_min: f64 = entries
        .iter()
        .filter(|e| e.row.scored())
        .filter_map(|e| e.row.duration_s)
        .sum::<f64>()
        / 60.0;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<header id=\"head\"><div class=\"title\"><h1>Batch report</h1>\
         <p class=\"meta\">{} calls · {scored} scored · {} failed · {audio_min:.1} audio minutes · {} agents</p></div></header>\n<main>",
        entries.len(),
        entries.len() - scored,
        agents.len()
    );
    body.push_str("<section id=\"agents\"><h2>Agents</h2>\n<p class=\"hint\">Per mistake: each dot is a call (coloured by its verdict), the grey bar spans the lowest to the highest score, the black tick and number are the mean. 100 = no sign of the mistake.</p>\n<div class=\"agent-grid\">\n");
    for a in agents {
        body.push_str(&agent_chart(a));
    }
    body.push_str("</div></section>\n");
    body.push_str(&calls_table(entries));
    body.push_str("</main>\n");
    let _ = writeln!(
        body,
        "<footer>callcoach {} · made offline; this page loads nothing from the network.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    document("en", "Batch report – callcoach", &body)
}

/// One agent's small-multiple: a row per mistake on a 0–100 scale.
fn agent_chart(a: &AgentSpread) -> String {
    const X0: f64 = 92.0;
    const X1: f64 = 380.0;
    const ROW: f64 = 22.0;
    const TOP: f64 = 10.0;
    let h = TOP + ROW * a.findings.len() as f64 + 22.0;
    let x = |s: f64| X0 + s / 100.0 * (X1 - X0);
    let mut out = format!(
        "<figure class=\"agent\"><figcaption><b>{}</b> · {} scored call{}</figcaption>\n\
         <svg class=\"chart agent-chart\" viewBox=\"0 0 420 {h}\" role=\"img\" aria-label=\"Scores of agent {}\">\n",
        esc(&a.agent),
        a.calls,
        if a.calls == 1 { "" } else { "s" },
        esc(&a.agent)
    );
    let bottom = TOP + ROW * a.findings.len() as f64;
    for s in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{TOP}\" y2=\"{bottom}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.0}\" text-anchor=\"middle\">{s}</text>",
            x(s),
            x(s),
            x(s),
            bottom + 14.0
        );
    }
    for (i, f) in a.findings.iter().enumerate() {
        let y = TOP + ROW * (i as f64 + 0.5);
        let _ = writeln!(
            out,
            "<text class=\"lane\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            X0 - 6.0,
            y + 4.0,
            finding_label(f.id)
        );
        if let (Some(lo), Some(hi)) = (f.min, f.max) {
            let _ = writeln!(
                out,
                "<rect class=\"spread\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\"><title>{} – {}</title></rect>",
                x(f64::from(lo)),
                y - 3.0,
                (x(f64::from(hi)) - x(f64::from(lo))).max(1.0),
                lo,
                hi
            );
        }
        for (score, verdict) in &f.scores {
            let _ = writeln!(
                out,
                "<circle class=\"dot {}\" cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\"><title>{score} ({})</title></circle>",
                verdict_class_str(verdict),
                x(f64::from(*score)),
                esc(verdict)
            );
        }
        if let Some(m) = f.mean {
            let _ = writeln!(
                out,
                "<line class=\"mean\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
                 <text class=\"mean-label\" x=\"{:.1}\" y=\"{:.1}\">{m:.0}</text>",
                x(m),
                x(m),
                y - 8.0,
                y + 8.0,
                x(m) + 4.0,
                y - 4.0
            );
        }
    }
    out.push_str("</svg></figure>\n");
    out
}

fn calls_table(entries: &[IndexEntry]) -> String {
    let mut out = String::from(
        "<section id=\"calls\"><h2>Calls</h2><p class=\"hint\">Click a column header to sort.</p>\n\
         <table class=\"sortable calls\"><thead><tr><th data-type=\"text\">Call</th>\
         <th data-type=\"text\">Agent</th><th data-type=\"text\">Date</th><th data-type=\"text\">Lang</th>\
         <th data-type=\"num\">Length</th><th data-type=\"num\">Overall</th>",
    );
    for id in FindingId::ALL {
        let _ = write!(out, "<th data-type=\"num\">{}</th>", finding_label(id));
    }
    out.push_str(
        "<th data-type=\"num\">Words/min</th><th data-type=\"num\">Escalations</th>\
         <th data-type=\"text\">Caller ends</th><th data-type=\"text\">Status</th></tr></thead><tbody>\n",
    );
    for e in entries {
        let r = e.row;
        let name = match &e.page {
            Some(href) => format!("<a href=\"{}\">{}</a>", esc(href), esc(&r.name)),
            None => esc(&r.name),
        };
        let num = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.3}"));
        let _ = write!(
            out,
            "<tr><td data-v=\"{}\">{name}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td data-v=\"{}\">{}</td><td data-v=\"{}\" class=\"overall-cell\">{}</td>",
            esc(&r.name),
            esc(&r.agent),
            esc(r.date.as_deref().unwrap_or("")),
            esc(r.language.as_deref().unwrap_or("")),
            num(r.duration_s),
            r.duration_s.map(clock_s).unwrap_or_default(),
            r.overall.map(|v| v.to_string()).unwrap_or_default(),
            r.overall.map(|v| v.to_string()).unwrap_or_default()
        );
        for id in FindingId::ALL {
            match r.findings.iter().find(|f| f.id == id.as_str()) {
                Some(f) => {
                    let _ = write!(
                        out,
                        "<td data-v=\"{}\" class=\"cell {}\" title=\"{}\">{}</td>",
                        f.score.map(|s| s.to_string()).unwrap_or_default(),
                        verdict_class_str(&f.verdict),
                        esc(&f.verdict),
                        f.score.map_or_else(|| "–".to_string(), |s| s.to_string())
                    );
                }
                None => out.push_str("<td data-v=\"\"></td>"),
            }
        }
        let escalations = r.escalations.map(|n| n.to_string()).unwrap_or_default();
        let status = match &r.error {
            Some(e) => format!(
                "<span class=\"pill v-problem\" title=\"{}\">failed</span>",
                esc(e)
            ),
            None => "scored".to_string(),
        };
        let _ = writeln!(
            out,
            "<td data-v=\"{}\">{}</td><td data-v=\"{escalations}\">{escalations}</td>\
             <td>{}</td><td>{status}</td></tr>",
            num(r.agent_wpm),
            r.agent_wpm.map_or_else(String::new, |v| format!("{v:.0}")),
            esc(r.customer_trend.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody></table></section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::row::CallRow;

    #[test]
    fn hostile_file_and_agent_names_are_escaped_exactly() {
        let hostile = "=HYPERLINK(\"http---evil\";\"x\")<script>alert(1)</script>";
        let row = CallRow {
            name: hostile.into(),
            file: format!("{hostile}.wav"),
            agent: "\"><img src=x onerror=alert(1)>".into(),
            call_id: None,
            date: None,
            language: Some("en".into()),
            duration_s: Some(60.0),
            overall: None,
            findings: Vec::new(),
            agent_wpm: None,
            agent_talk_share: None,
            escalations: None,
            customer_trend: None,
            error: Some(format!("{hostile}.wav: not a WAV file")),
        };
        let entries = [IndexEntry {
            row: &row,
            page: None,
        }];
        let page = index_page(&entries, &[]);
        assert!(!page.contains("<script>alert"), "raw script in the page");
        assert!(!page.contains("<img src=x"), "raw img in the page");
        // The name is shown exactly, escaped (the HTML stays exact).
        assert!(page.contains(&esc(hostile)), "name not shown escaped");
        assert!(esc(hostile).contains("&lt;script&gt;") && esc(hostile).contains("&quot;"));
    }
}
