//! A team's history of scored calls: an embedded SQLite database
//! (rusqlite with its bundled SQLite, so nothing needs installing) that
//! records each scored call once, keeps earlier versions of a re-scored
//! call, and survives several writers at once.
//!
//! * **One row per call and scoring.** A call is known by the SHA-256 of
//!   its audio and the key of the options and profile it was scored with.
//!   Recording the same scorecard again adds nothing ([`Recorded::Unchanged`]);
//!   a different scorecard for the same key replaces the current row and
//!   keeps the earlier one, marked with the row that replaced it
//!   ([`Recorded::Replaced`]).
//! * **Several writers.** The database runs in WAL mode with a busy timeout,
//!   and each call is one `IMMEDIATE` transaction, so two batches writing to
//!   one database wait for each other instead of losing a call.
//! * **Versioned schema.** `PRAGMA user_version` holds the schema version;
//!   opening an older database applies the missing [`MIGRATIONS`] in one
//!   transaction. A database from a newer callcoach, or a file that is not
//!   a callcoach history, is refused with a one-line error and left as it
//!   is.

pub mod date;
pub mod import;
pub mod report;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

pub use date::{call_date, CallDate, DateSource};
pub use import::{import_dir, ImportCounts, ImportError};
pub use report::{Period, Report, ReportQuery};

/// The schema version this build writes.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// The schema, one step per version: `MIGRATIONS[i]` takes a database from
/// version `i` to `i + 1`.
pub const MIGRATIONS: [&str; 2] = [
    // 1: calls and their findings.
    "CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        audio_sha256 TEXT NOT NULL,
        options_key TEXT NOT NULL,
        card_sha256 TEXT NOT NULL,
        agent TEXT NOT NULL,
        call_id TEXT,
        call_date TEXT NOT NULL,
        date_source TEXT NOT NULL,
        duration_s REAL,
        language TEXT,
        profile TEXT,
        overall INTEGER,
        scorecard_path TEXT,
        recorded_at TEXT NOT NULL,
        replaced_by INTEGER REFERENCES calls(id)
     );
     CREATE UNIQUE INDEX calls_current ON calls(audio_sha256, options_key)
        WHERE replaced_by IS NULL;
     CREATE TABLE findings (
        call INTEGER NOT NULL REFERENCES calls(id),
        finding TEXT NOT NULL,
        score INTEGER,
        verdict TEXT NOT NULL,
        PRIMARY KEY (call, finding)
     );",
    // 2: the caller's escalations per call, and the index the per-agent,
    // per-period reports read.
    "ALTER TABLE calls ADD COLUMN escalations INTEGER;
     CREATE INDEX calls_agent_date ON calls(agent, call_date)
        WHERE replaced_by IS NULL;",
];

/// How long a writer waits for another's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A history database that could not be used. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Written by a newer callcoach: this one does not know its schema.
    #[error("{0}: history database version {1} is newer than this callcoach knows ({2}); use a newer callcoach (the file was left as it is)")]
    Newer(PathBuf, usize, usize),
    /// Not a callcoach history (another SQLite file, or not SQLite at all).
    #[error("{0}: not a callcoach history database ({1}); give a new path or the right file (the file was left as it is)")]
    NotHistory(PathBuf, String),
    /// SQLite failed (disk full, read-only, locked past the timeout, …).
    #[error("{0}: history database: {1}")]
    Sqlite(PathBuf, String),
}

/// One scored call, as the history records it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// SHA-256 of the recording's bytes (hex).
    pub audio_sha256: String,
    /// The options and profile it was scored with (batch's options
    /// fingerprint and the profile's).
    pub options_key: String,
    /// SHA-256 of the scorecard JSON (hex): a re-scored call differs here.
    pub card_sha256: String,
    /// Agent id.
    pub agent: String,
    /// Call id (manifest), if any.
    pub call_id: Option<String>,
    /// The call's date and its source.
    pub date: CallDate,
    /// Length (s).
    pub duration_s: Option<f64>,
    /// Language of the call.
    pub language: Option<String>,
    /// Profile name.
    pub profile: Option<String>,
    /// Overall score.
    pub overall: Option<u8>,
    /// The caller's escalations (`None`: reaction not measured).
    pub escalations: Option<u32>,
    /// Where the scorecard JSON is.
    pub scorecard_path: Option<String>,
    /// (finding id, score, verdict) of the eight findings.
    pub findings: Vec<(String, Option<u8>, String)>,
}

/// What recording a call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A call not seen before with these options: a new row.
    Added,
    /// The same scorecard was recorded before: nothing changed.
    Unchanged,
    /// The call was re-scored: a new current row; the earlier one is kept.
    Replaced,
}

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl History {
    /// Opens (or creates) the database at `path` and brings its schema up
    /// to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let sqlite = |e: rusqlite::Error| classify(path, e);
        let conn = Connection::open(path).map_err(sqlite)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
            .map_err(sqlite)?
            .try_into()
            .unwrap_or(usize::MAX);
        if version > SCHEMA_VERSION {
            return Err(HistoryError::Newer(path.into(), version, SCHEMA_VERSION));
        }
        if version == 0 && has_tables(&conn).map_err(sqlite)? {
            return Err(HistoryError::NotHistory(
                path.into(),
                "it holds other tables".into(),
            ));
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite)?;
        let mut history = History {
            conn,
            path: path.into(),
        };
        history.migrate_to(SCHEMA_VERSION)?;
        Ok(history)
    }

    /// The database's schema version.
    pub fn version(&self) -> Result<usize, HistoryError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
            .map(|v| v as usize)
            .map_err(|e| self.err(e))
    }

    /// Applies the migrations from the database's version up to `target`
    /// in one transaction (tests build old versions with it).
    pub fn migrate_to(&mut self, target: usize) -> Result<(), HistoryError> {
        let from = self.version()?;
        if from >= target {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |e: rusqlite::Error| classify(&path, e);
        let tx = self.begin()?;
        // Another writer may have migrated while this one waited.
        let now: usize = tx
            .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
            .map_err(err)? as usize;
        for step in MIGRATIONS.iter().take(target).skip(now) {
            tx.execute_batch(step).map_err(err)?;
        }
        tx.pragma_update(None, "user_version", target as i64)
            .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Records one scored call in one transaction (see the module docs).
    pub fn record(&mut self, call: &CallRecord) -> Result<Recorded, HistoryError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| classify(&path, e);
        let tx = self.begin()?;
        let current: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, card_sha256 FROM calls
                 WHERE audio_sha256 = ?1 AND options_key = ?2 AND replaced_by IS NULL",
                params![call.audio_sha256, call.options_key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?;
        if let Some((_, card)) = &current {
            if *card == call.card_sha256 {
                return Ok(Recorded::Unchanged);
            }
        }
        if let Some((old, _)) = current {
            // Free the current slot of the unique index (pointing at itself
            // keeps the foreign key valid); it points at the new row below,
            // in the same transaction.
            tx.execute("UPDATE calls SET replaced_by = id WHERE id = ?1", [old])
                .map_err(err)?;
        }
        tx.execute(
            "INSERT INTO calls (audio_sha256, options_key, card_sha256, agent, call_id,
                call_date, date_source, duration_s, language, profile, overall,
                scorecard_path, escalations, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![
                call.audio_sha256,
                call.options_key,
                call.card_sha256,
                call.agent,
                call.call_id,
                call.date.value,
                call.date.source.as_str(),
                call.duration_s,
                call.language,
                call.profile,
                call.overall,
                call.scorecard_path,
                call.escalations,
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        for (finding, score, verdict) in &call.findings {
            tx.execute(
                "INSERT INTO findings (call, finding, score, verdict) VALUES (?1, ?2, ?3, ?4)",
                params![id, finding, score, verdict],
            )
            .map_err(err)?;
        }
        let outcome = match current {
            Some((old, _)) => {
                tx.execute(
                    "UPDATE calls SET replaced_by = ?1 WHERE id = ?2",
                    params![id, old],
                )
                .map_err(err)?;
                Recorded::Replaced
            }
            None => Recorded::Added,
        };
        tx.commit().map_err(err)?;
        Ok(outcome)
    }

    /// A write transaction that takes the database's write lock at once
    /// (`IMMEDIATE`), waiting up to the busy timeout for another writer.
    fn begin(&mut self) -> Result<rusqlite::Transaction<'_>, HistoryError> {
        let path = self.path.clone();
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(&path, e))
    }

    /// Number of current calls (re-scored versions not counted).
    pub fn current_calls(&self) -> Result<usize, HistoryError> {
        self.count("SELECT COUNT(*) FROM calls WHERE replaced_by IS NULL")
    }

    /// Number of rows, earlier versions of re-scored calls included.
    pub fn all_rows(&self) -> Result<usize, HistoryError> {
        self.count("SELECT COUNT(*) FROM calls")
    }

    fn count(&self, sql: &str) -> Result<usize, HistoryError> {
        self.conn
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> HistoryError {
        classify(&self.path, e)
    }
}

/// Whether the database holds any table (a fresh file holds none).
fn has_tables(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// A SQLite error as a history error: "not a database" is a wrong file,
/// everything else SQLite's own message.
fn classify(path: &Path, e: rusqlite::Error) -> HistoryError {
    let not_db = matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase)
    );
    let line = e
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if not_db {
        HistoryError::NotHistory(path.into(), line)
    } else {
        HistoryError::Sqlite(path.into(), line)
    }
}

#[cfg(test)]
mod tests;
