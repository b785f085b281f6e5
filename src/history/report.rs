//! Trends from the history: per agent and period (day, week or month), the
//! calls scored, each finding's mean score and share of `problem`
//! verdicts, and the change of the mean from the agent's previous period;
//! for the team, the most common mistake of each period.
//!
//! Only current rows count (a re-scored call's earlier versions do not).
//! A finding's mean is over the calls that measured it (a `not_measured`
//! finding has no score); its problem share is over all the period's calls.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;

use super::{History, HistoryError};

/// The length of a report's periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Calendar days.
    Day,
    /// Weeks from Monday (ISO 8601).
    Week,
    /// Calendar months.
    Month,
}

impl Period {
    /// The SQL expression of a call's period start (`YYYY-MM-DD`) from its
    /// `call_date`.
    fn start_sql(self) -> &'static str {
        match self {
            Period::Day => "substr(c.call_date, 1, 10)",
            Period::Week => {
                "date(substr(c.call_date, 1, 10), '-' || ((CAST(strftime('%w', substr(c.call_date, 1, 10)) AS INTEGER) + 6) % 7) || ' days')"
            }
            Period::Month => "substr(c.call_date, 1, 7) || '-01'",
        }
    }
}

/// Which calls a report covers.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// One agent only.
    pub agent: Option<String>,
    /// From this date on (`YYYY-MM-DD`, inclusive).
    pub since: Option<String>,
    /// Up to this date (`YYYY-MM-DD`, inclusive).
    pub until: Option<String>,
    /// The periods.
    pub period: Period,
}

/// One finding in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingFigures {
    /// Mean score of the calls that measured it; `None` when none did.
    pub mean_score: Option<f64>,
    /// Share of the period's calls with the verdict `problem`.
    pub problem_share: f64,
    /// `mean_score` minus the agent's previous period's (`None` for the
    /// first period or when either is missing).
    pub change: Option<f64>,
}

/// One agent's period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFigures {
    /// First day of the period.
    pub start: String,
    /// Calls scored.
    pub calls: usize,
    /// Per finding id.
    pub findings: BTreeMap<String, FindingFigures>,
}

/// One agent's periods, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentTrend {
    /// Agent id.
    pub agent: String,
    /// The periods with calls.
    pub periods: Vec<PeriodFigures>,
}

/// The team in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamPeriod {
    /// First day of the period.
    pub start: String,
    /// Calls scored by all agents.
    pub calls: usize,
    /// The finding rated `problem` in most calls; `None` without problems.
    pub most_common_problem: Option<String>,
}

/// A history report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Per agent, by agent id.
    pub agents: Vec<AgentTrend>,
    /// The team per period.
    pub team: Vec<TeamPeriod>,
}

impl History {
    /// The report for `query`.
    pub fn report(&self, query: &ReportQuery) -> Result<Report, HistoryError> {
        let sql = format!(
            "SELECT c.agent, {start} AS start, f.finding, COUNT(*), AVG(f.score),
                    SUM(f.verdict = 'problem')
             FROM calls c JOIN findings f ON f.call = c.id
             WHERE c.replaced_by IS NULL
               AND (?1 IS NULL OR c.agent = ?1)
               AND (?2 IS NULL OR substr(c.call_date, 1, 10) >= ?2)
               AND (?3 IS NULL OR substr(c.call_date, 1, 10) <= ?3)
             GROUP BY c.agent, start, f.finding
             ORDER BY c.agent, start, f.finding",
            start = query.period.start_sql()
        );
        let err = |e| self.err(e);
        let mut stmt = self.conn.prepare(&sql).map_err(err)?;
        let rows = stmt
            .query_map(params![query.agent, query.since, query.until], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)? as usize,
                    r.get::<_, Option<f64>>(4)?,
                    r.get::<_, i64>(5)? as usize,
                ))
            })
            .map_err(err)?;
        // agent -> period start -> (calls, finding -> (mean, problems)).
        type Cells = BTreeMap<String, (Option<f64>, usize)>;
        let mut grid: BTreeMap<String, BTreeMap<String, (usize, Cells)>> = BTreeMap::new();
        for row in rows {
            let (agent, start, finding, calls, mean, problems) = row.map_err(err)?;
            let cell = grid.entry(agent).or_default().entry(start).or_default();
            cell.0 = cell.0.max(calls);
            cell.1.insert(finding, (mean, problems));
        }
        let mut team: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
        let agents = grid
            .into_iter()
            .map(|(agent, periods)| {
                let mut previous: Option<BTreeMap<String, FindingFigures>> = None;
                let periods = periods
                    .into_iter()
                    .map(|(start, (calls, cells))| {
                        let t = team.entry(start.clone()).or_default();
                        t.0 += calls;
                        let findings: BTreeMap<String, FindingFigures> = cells
                            .into_iter()
                            .map(|(id, (mean, problems))| {
                                *t.1.entry(id.clone()).or_default() += problems;
                                let before = previous
                                    .as_ref()
                                    .and_then(|p| p.get(&id))
                                    .and_then(|f| f.mean_score);
                                let change = mean.zip(before).map(|(m, b)| m - b);
                                let figures = FindingFigures {
                                    mean_score: mean,
                                    problem_share: problems as f64 / calls.max(1) as f64,
                                    change,
                                };
                                (id, figures)
                            })
                            .collect();
                        previous = Some(findings.clone());
                        PeriodFigures {
                            start,
                            calls,
                            findings,
                        }
                    })
                    .collect();
                AgentTrend { agent, periods }
            })
            .collect();
        let team = team
            .into_iter()
            .map(|(start, (calls, problems))| TeamPeriod {
                start,
                calls,
                most_common_problem: problems
                    .into_iter()
                    .filter(|(_, n)| *n > 0)
                    .max_by_key(|(_, n)| *n)
                    .map(|(id, _)| id),
            })
            .collect();
        Ok(Report { agents, team })
    }
}
