//! The batch's tables: `summary.csv` (a row per call), `agents.csv` (a row
//! per agent) and `summary.json` (both). Rows are built from the stored call
//! files, so a re-run, a resumed run and `callcoach merge` all produce the
//! same tables from the same calls. Rows are sorted by call name; numbers
//! are formatted with fixed decimals, so equal inputs give equal bytes.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::store::Stored;
use crate::findings::FindingId;
use crate::output::{write_atomic, CallRow, FindingCell};

/// The row of a stored call.
pub fn call_row(s: &Stored) -> CallRow {
    let m = s.meta();
    let mut row = CallRow {
        name: m.name.clone(),
        file: m.file.clone(),
        agent: m.agent.clone(),
        call_id: m.call_id.clone(),
        date: m.date.clone(),
        language: None,
        duration_s: m.duration_s,
        overall: None,
        findings: Vec::new(),
        agent_wpm: None,
        agent_talk_share: None,
        escalations: None,
        customer_trend: None,
        error: None,
    };
    match s {
        Stored::Failed(_, e) => row.error = Some(e.clone()),
        Stored::Scored(_, card) => {
            row.language = card["language"].as_str().map(str::to_string);
            if let Some(ms) = card["duration_ms"].as_f64() {
                row.duration_s = Some(ms / 1000.0);
            }
            row.overall = card["overall_score"].as_u64().map(|v| v.min(100) as u8);
            let figures = &card["structure"]["figures"];
            row.agent_wpm = figures["agent_wpm"].as_f64();
            row.agent_talk_share = figures["agent_talk_share"].as_f64();
            let reaction = &card["customer_reaction"];
            if reaction["status"] == "measured" {
                row.escalations = reaction["escalations"].as_array().map(Vec::len);
                row.customer_trend = reaction["start_vs_end"]["trend"]
                    .as_str()
                    .map(str::to_string);
            }
            let found: &[Value] = card["findings"].as_array().map_or(&[], Vec::as_slice);
            for id in FindingId::ALL {
                if let Some(f) = found.iter().find(|f| f["id"] == id.as_str()) {
                    row.findings.push(FindingCell {
                        id: id.as_str(),
                        score: f["score"].as_u64().map(|v| v.min(100) as u8),
                        verdict: f["verdict"].as_str().unwrap_or("").to_string(),
                    });
                }
            }
        }
    }
    row
}

/// One agent's aggregates over the calls of the batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRow {
    /// Agent id.
    pub agent: String,
    /// Calls in the batch.
    pub calls: usize,
    /// Calls scored.
    pub scored: usize,
    /// Calls that failed.
    pub failed: usize,
    /// Audio of the scored calls (minutes).
    pub audio_min: f64,
    /// Mean overall score of the scored calls.
    pub mean_overall: Option<f64>,
    /// Per finding: mean score and share of scored calls with verdict `problem`.
    pub findings: Vec<AgentFinding>,
    /// Mean agent words per minute.
    pub mean_wpm: Option<f64>,
    /// Mean agent talk share.
    pub mean_talk_share: Option<f64>,
    /// Scored calls whose customer reaction was measured.
    pub reaction_measured: usize,
    /// The caller's escalations over those calls.
    pub escalations: usize,
    /// Those calls with at least one escalation.
    pub calls_with_escalation: usize,
}

/// One finding's aggregate for an agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentFinding {
    /// Finding id.
    pub id: &'static str,
    /// Mean score over the scored calls.
    pub mean_score: Option<f64>,
    /// Share (0..1) of scored calls where it is a problem.
    pub problem_share: Option<f64>,
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Per-agent aggregates, sorted by agent id.
pub fn agents(rows: &[CallRow]) -> Vec<AgentRow> {
    let mut by: BTreeMap<&str, Vec<&CallRow>> = BTreeMap::new();
    for r in rows {
        by.entry(r.agent.as_str()).or_default().push(r);
    }
    by.into_iter()
        .map(|(agent, calls)| {
            let ok: Vec<&CallRow> = calls.iter().copied().filter(|r| r.scored()).collect();
            let findings = FindingId::ALL
                .iter()
                .map(|&id| {
                    let cells: Vec<&FindingCell> =
                        ok.iter().filter_map(|r| r.finding(id)).collect();
                    AgentFinding {
                        id: id.as_str(),
                        mean_score: mean(cells.iter().filter_map(|c| c.score).map(f64::from)),
                        problem_share: mean(cells.iter().filter(|c| c.score.is_some()).map(|c| {
                            if c.verdict == "problem" {
                                1.0
                            } else {
                                0.0
                            }
                        })),
                    }
                })
                .collect();
            AgentRow {
                agent: agent.to_string(),
                calls: calls.len(),
                scored: ok.len(),
                failed: calls.len() - ok.len(),
                // `+ 0.0`: an empty f64 sum is -0.0.
                audio_min: ok.iter().filter_map(|r| r.duration_s).sum::<f64>() / 60.0 + 0.0,
                mean_overall: mean(ok.iter().filter_map(|r| r.overall.map(f64::from))),
                findings,
                mean_wpm: mean(ok.iter().filter_map(|r| r.agent_wpm)),
                mean_talk_share: mean(ok.iter().filter_map(|r| r.agent_talk_share)),
                reaction_measured: ok.iter().filter(|r| r.escalations.is_some()).count(),
                escalations: ok.iter().filter_map(|r| r.escalations).sum(),
                calls_with_escalation: ok.iter().filter(|r| r.escalations > Some(0)).count(),
            }
        })
        .collect()
}

/// A text cell made safe for spreadsheets: a text that a spreadsheet would
/// run as a formula (one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return; file and agent names come from call recorders and
/// users) gets a single quote before it, as OWASP's "CSV Injection" page
/// recommends. Numbers (`-0.5`, `+3`) are left as they are. Quoting for
/// CSV is the writer's job ([`table`]).
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = s.parse::<f64>().is_ok_and(f64::is_finite)
        && s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
    if formula && !number {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(String::new, |v| format!("{v:.decimals$}"))
}

/// A CSV table (RFC 4180, LF line ends) of `header` and `rows`, every cell
/// [`neutralise`]d; the `csv` crate quotes a cell only when it holds a
/// comma, quote or line break.
fn table(header: &[String], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for record in std::iter::once(header.to_vec()).chain(rows) {
        w.write_record(record.iter().map(|f| neutralise(f).into_owned()))
            .expect("writing to memory cannot fail");
    }
    let bytes = w.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("UTF-8 cells give UTF-8")
}

/// `summary.csv`: `name,file,agent,call_id,date,language,duration_s,overall`,
/// then `<finding>_score,<finding>_verdict` for the eight findings, then
/// `agent_wpm,agent_talk_share,escalations,customer_trend,status,error`.
pub fn summary_csv(rows: &[CallRow]) -> String {
    let mut header: Vec<String> = [
        "name",
        "file",
        "agent",
        "call_id",
        "date",
        "language",
        "duration_s",
        "overall",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for id in FindingId::ALL {
        header.push(format!("{}_score", id.as_str()));
        header.push(format!("{}_verdict", id.as_str()));
    }
    header.extend(
        [
            "agent_wpm",
            "agent_talk_share",
            "escalations",
            "customer_trend",
            "status",
            "error",
        ]
        .map(String::from),
    );
    let records = rows.iter().map(|r| {
        let mut f = vec![
            r.name.clone(),
            r.file.clone(),
            r.agent.clone(),
            r.call_id.clone().unwrap_or_default(),
            r.date.clone().unwrap_or_default(),
            r.language.clone().unwrap_or_default(),
            num(r.duration_s, 1),
            r.overall.map(|v| v.to_string()).unwrap_or_default(),
        ];
        for id in FindingId::ALL {
            let cell = r.finding(id);
            f.push(
                cell.and_then(|c| c.score)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            );
            f.push(cell.map(|c| c.verdict.clone()).unwrap_or_default());
        }
        f.push(num(r.agent_wpm, 0));
        f.push(num(r.agent_talk_share, 3));
        f.push(r.escalations.map(|n| n.to_string()).unwrap_or_default());
        f.push(r.customer_trend.clone().unwrap_or_default());
        f.push(if r.scored() { "scored" } else { "failed" }.into());
        f.push(r.error.clone().unwrap_or_default());
        f
    });
    table(&header, records)
}

/// `agents.csv`: `agent,calls,scored,failed,audio_min,mean_overall`, then
/// `<finding>_mean,<finding>_problem_share` for the eight findings, then
/// `mean_wpm,mean_talk_share,reaction_measured,escalations,calls_with_escalation`.
pub fn agents_csv(agents: &[AgentRow]) -> String {
    let mut header: Vec<String> = [
        "agent",
        "calls",
        "scored",
        "failed",
        "audio_min",
        "mean_overall",
    ]
    .map(String::from)
    .to_vec();
    for id in FindingId::ALL {
        header.push(format!("{}_mean", id.as_str()));
        header.push(format!("{}_problem_share", id.as_str()));
    }
    header.extend(
        [
            "mean_wpm",
            "mean_talk_share",
            "reaction_measured",
            "escalations",
            "calls_with_escalation",
        ]
        .map(String::from),
    );
    let records = agents.iter().map(|a| {
        let mut f = vec![
            a.agent.clone(),
            a.calls.to_string(),
            a.scored.to_string(),
            a.failed.to_string(),
            format!("{:.2}", a.audio_min),
            num(a.mean_overall, 1),
        ];
        for af in &a.findings {
            f.push(num(af.mean_score, 1));
            f.push(num(af.problem_share, 3));
        }
        f.push(num(a.mean_wpm, 0));
        f.push(num(a.mean_talk_share, 3));
        f.push(a.reaction_measured.to_string());
        f.push(a.escalations.to_string());
        f.push(a.calls_with_escalation.to_string());
        f
    });
    table(&header, records)
}

/// `summary.json`: totals, the agents and the calls.
pub fn summary_json(rows: &[CallRow], agents: &[AgentRow]) -> Value {
    let scored = rows.iter().filter(|r| r.scored()).count();
    serde_json::json!({
        "schema": "callcoach.batch/1",
        "calls": rows.len(),
        "scored": scored,
        "failed": rows.len() - scored,
        "audio_min": rows.iter().filter(|r| r.scored()).filter_map(|r| r.duration_s).sum::<f64>() / 60.0 + 0.0,
        "agents": agents,
        "rows": rows,
    })
}

/// Builds the rows of `stored` (sorted by name) and writes the three tables
/// into `out`, each atomically. Returns the rows.
pub fn write_tables(out: &Path, stored: &[Stored]) -> std::io::Result<Vec<CallRow>> {
    let mut rows: Vec<CallRow> = stored.iter().map(call_row).collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let agents = agents(&rows);
    write_atomic(&out.join("summary.csv"), summary_csv(&rows).as_bytes())?;
    write_atomic(&out.join("agents.csv"), agents_csv(&agents).as_bytes())?;
    let json = serde_json::to_vec_pretty(&summary_json(&rows, &agents)).expect("serialisable");
    write_atomic(&out.join("summary.json"), &json)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(agent: &str, overall: Option<u8>, monotone: &str) -> CallRow {
        CallRow {
            name: format!("{agent}-{overall:?}"),
            file: "f.wav".into(),
            agent: agent.into(),
            call_id: None,
            date: None,
            language: Some("en".into()),
            duration_s: Some(60.0),
            overall,
            findings: if overall.is_some() {
                vec![FindingCell {
                    id: "monotone",
                    score: Some(if monotone == "problem" { 20 } else { 90 }),
                    verdict: monotone.into(),
                }]
            } else {
                Vec::new()
            },
            agent_wpm: Some(150.0),
            agent_talk_share: Some(0.5),
            escalations: None,
            customer_trend: None,
            error: overall
                .is_none()
                .then(|| "x.wav: no speech, \"silent\"".to_string()),
        }
    }

    /// A spreadsheet reading `table`: its data records (RFC 4180).
    fn records(table: &str) -> Vec<Vec<String>> {
        csv::Reader::from_reader(table.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn formula_cells_are_neutralised_and_numbers_kept() {
        // OWASP "CSV Injection": cells starting with = + - @ tab CR.
        for hostile in [
            "=HYPERLINK(\"http---evil\";\"x\").wav",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(1+1)",
            "\t=1",
            "\r=1",
            "-inf",
        ] {
            let text = table(
                &["h".to_string()],
                std::iter::once(vec![hostile.to_string()]),
            );
            assert_eq!(records(&text), [[format!("'{hostile}")]], "{text}");
        }
        for number in ["-0.5", "+3", "-12", "0.125", "1e3"] {
            assert_eq!(neutralise(number), number);
        }
        let cells = ["a,b", "plain", "say \"hi\"", "", "=1"].map(String::from);
        assert_eq!(
            table(&cells, std::iter::empty()),
            "\"a,b\",plain,\"say \"\"hi\"\"\",,'=1\n"
        );
    }

    #[test]
    fn hostile_file_and_agent_names_cannot_become_formulas_in_either_table() {
        let mut r = row("=cmd|' /C calc'!A0", Some(70), "ok");
        r.name = "=HYPERLINK(\"http---evil\";\"x\")".into();
        r.file = "=HYPERLINK(\"http---evil\";\"x\").wav".into();
        let summary = summary_csv(std::slice::from_ref(&r));
        let agents_table = agents_csv(&agents(&[r]));
        for table in [summary, agents_table] {
            for record in records(&table) {
                for cell in record {
                    assert!(
                        !cell.starts_with(['=', '+', '@', '\t', '\r'])
                            && (!cell.starts_with('-') || cell.parse::<f64>().is_ok()),
                        "formula cell {cell:?} in {table}"
                    );
                }
            }
        }
    }

    #[test]
    fn agents_aggregate_scored_calls_and_count_failures() {
        let mut rows = [
            row("anna", Some(80), "problem"),
            row("anna", Some(60), "ok"),
            row("anna", None, ""),
            row("ben", Some(90), "ok"),
        ];
        rows[0].escalations = Some(2);
        rows[0].customer_trend = Some("tenser".into());
        rows[1].escalations = Some(0);
        rows[1].customer_trend = Some("same".into());
        let a = agents(&rows);
        assert_eq!(
            (
                a[0].reaction_measured,
                a[0].escalations,
                a[0].calls_with_escalation
            ),
            (2, 2, 1)
        );
        assert_eq!(
            (
                a[1].reaction_measured,
                a[1].escalations,
                a[1].calls_with_escalation
            ),
            (0, 0, 0)
        );
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].calls, a[0].scored, a[0].failed), (3, 2, 1));
        assert_eq!(a[0].mean_overall, Some(70.0));
        assert_eq!(a[0].findings[0].mean_score, Some(55.0));
        assert_eq!(a[0].findings[0].problem_share, Some(0.5));
        assert_eq!(a[0].findings[1].mean_score, None);
        assert!((a[0].audio_min - 2.0).abs() < 1e-9);
        let csv = summary_csv(&rows);
        assert!(
            csv.contains(",failed,\"x.wav: no speech, \"\"silent\"\"\"\n"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 5);
        // The reaction cells sit before the status; empty when not measured.
        assert!(csv.contains(",2,tenser,scored,\n"), "{csv}");
        assert!(csv.contains(",0,same,scored,\n"), "{csv}");
        assert!(csv.contains(",150,0.500,,,scored,\n"), "{csv}");
        assert!(agents_csv(&a).contains(",2,2,1\n"), "{}", agents_csv(&a));
        assert_eq!(agents_csv(&a).lines().count(), 3);
    }
}
