//! The team distribution `callcoach calibrate` prints: one row per band,
//! as a table for people or JSON for tools.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::findings::calibrate::{short, MetricRecord};
use crate::findings::Profile;

/// The rows of a calibrated profile: (finding.key, record, calibrated
/// good, calibrated bad), in key order.
fn rows(profile: &Profile) -> Vec<(&str, &MetricRecord, f64, f64)> {
    let Some(record) = &profile.calibration else {
        return Vec::new();
    };
    record
        .metrics
        .iter()
        .filter_map(|(key, m)| {
            let (finding, metric) = key.split_once('.')?;
            let t = profile.findings.get(finding)?.metrics.get(metric)?;
            Some((key.as_str(), m, t.good, t.bad))
        })
        .collect()
}

/// The distribution of every calibrated metric as a table: n, p5, p25,
/// median, p75, p95, the default band and the written band; `!` marks a
/// metric on which most of the team's calls rate below 50 by default.
pub fn calibration_text(profile: &Profile) -> String {
    let mut out = String::new();
    let rows = rows(profile);
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(6).max(6);
    let _ = writeln!(
        out,
        "  {:width$}  {:>4}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>17}  {:>17}",
        "metric", "n", "p5", "p25", "median", "p75", "p95", "default good→bad", "team good→bad"
    );
    for (key, m, good, bad) in &rows {
        let band = |g: f64, b: f64| format!("{} → {}", short(g), short(b));
        let _ = writeln!(
            out,
            "{} {key:width$}  {:>4}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>17}  {:>17}",
            if m.team_outside { "!" } else { " " },
            m.n,
            short(m.p5),
            short(m.p25),
            short(m.median),
            short(m.p75),
            short(m.p95),
            band(m.default_good, m.default_bad),
            band(*good, *bad),
        );
    }
    if rows.iter().any(|r| r.1.team_outside) {
        out.push_str(
            "\n! most of the team's calls rate below 50 on the default band: a team-wide\n  \
             sign of that mistake, worth a look before the new band hides it.\n",
        );
    }
    if let Some(r) = &profile.calibration {
        let missing: Vec<String> = rows
            .iter()
            .filter(|row| row.1.n < r.calls)
            .map(|row| format!("{} {} of {}", row.0, row.1.n, r.calls))
            .collect();
        if !missing.is_empty() {
            let _ = writeln!(
                out,
                "\nn counts the calls with a value; not measured in the others (null in their scorecards): {}.",
                missing.join(", ")
            );
        }
        let _ = writeln!(out, "\n{}.", r.note);
    }
    out
}

/// The same as JSON: the calibration's note and options, and per metric
/// its distribution, the default and the written band.
pub fn calibration_json(profile: &Profile) -> Value {
    let metrics: Vec<Value> = rows(profile)
        .into_iter()
        .map(|(key, m, good, bad)| {
            json!({
                "metric": key,
                "n": m.n,
                "p5": m.p5,
                "p25": m.p25,
                "median": m.median,
                "p75": m.p75,
                "p95": m.p95,
                "default": { "good": m.default_good, "bad": m.default_bad },
                "team": { "good": good, "bad": bad },
                "team_weight": m.team_weight,
                "capped": m.capped,
                "team_outside": m.team_outside,
            })
        })
        .collect();
    let record = profile.calibration.as_ref();
    json!({
        "calls": record.map_or(0, |r| r.calls),
        "note": record.map(|r| r.note.clone()),
        "options": record.map(|r| r.options),
        "metrics": metrics,
    })
}
