//! A call's row of the summary: who, when, the overall score, each
//! finding's score and verdict, the caller's reaction, or why the call
//! failed.
//!
//! `batch` builds the rows from its stored calls and writes them as
//! `summary.csv` and `summary.json`; the report's `index.html` draws them.

use serde::Serialize;

/// One call's line of the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRow {
    /// Output name.
    pub name: String,
    /// Path relative to the input root.
    pub file: String,
    /// Agent id.
    pub agent: String,
    /// Call id (manifest).
    pub call_id: Option<String>,
    /// Date (manifest).
    pub date: Option<String>,
    /// Language of the call (scored calls).
    pub language: Option<String>,
    /// Length (s).
    pub duration_s: Option<f64>,
    /// Overall score 0..100 (scored calls).
    pub overall: Option<u8>,
    /// Score and verdict of each finding, in the seed's order (scored calls).
    pub findings: Vec<FindingCell>,
    /// Agent words per minute of agent speech.
    pub agent_wpm: Option<f64>,
    /// Agent share of the talk time, 0..1.
    pub agent_talk_share: Option<f64>,
    /// The caller's escalations; `None` when the customer's reaction was
    /// not measured (or the call failed).
    pub escalations: Option<usize>,
    /// The caller's end against the start: `calmer`, `same` or `tenser`;
    /// `None` when not measured.
    pub customer_trend: Option<String>,
    /// Why the call could not be scored.
    pub error: Option<String>,
}

/// A finding's score and verdict in a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingCell {
    /// Finding id.
    pub id: &'static str,
    /// 0..100; `None` when the finding measured nothing.
    pub score: Option<u8>,
    /// ok, watch, problem or not_measured.
    pub verdict: String,
}

impl CallRow {
    /// Whether the call was scored.
    pub fn scored(&self) -> bool {
        self.error.is_none()
    }

    /// The cell of finding `id`, when the call has one. `id` is the
    /// finding's key (`too_fast`): a `findings::FindingId` converts into it,
    /// so this row, below `findings`, does not import it.
    pub fn finding(&self, id: impl Into<&'static str>) -> Option<&FindingCell> {
        let key = id.into();
        self.findings.iter().find(|f| f.id == key)
    }
}
