//! The output directory: one file per call, written atomically.
//!
//! `DIR/calls/<name>.json` is the scorecard (docs/scorecard.md) with one
//! extra key, `"batch"` ([`CallMeta`]); `DIR/calls/<name>.error.json` records
//! a call that failed (`{"batch": …, "error": "…"}`); where each file goes is
//! [`crate::output::layout`]. Every file is written to `<file>.tmp-<pid>` and
//! renamed into place ([`write_atomic`]), so after a crash or Ctrl-C only
//! temporary files can be partial; [`remove_stale_temps`] deletes them at the
//! next start.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::output::layout::{calls_dir, error_path, scorecard_path};
use crate::output::write_atomic;

/// What a batch run records about one call beside its scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallMeta {
    /// Output name (`calls/<name>.json`).
    pub name: String,
    /// Path relative to the common input root.
    pub file: String,
    /// Absolute path of the recording when it was scored.
    pub source: String,
    /// Agent id (manifest, else `--agent-pattern`, else "unknown").
    pub agent: String,
    /// Call id from the manifest.
    pub call_id: Option<String>,
    /// Date from the manifest.
    pub date: Option<String>,
    /// Length of the recording (s), when its header could be read.
    pub duration_s: Option<f64>,
    /// Wall time spent scoring it (s).
    pub elapsed_s: f64,
    /// What the result depends on; a re-run skips the call when it matches.
    pub fingerprint: Fingerprint,
}

/// Everything a scorecard depends on besides the program version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Model file name, size and modification time (`ggml-base.bin:147951465:1732300000`).
    pub model: String,
    /// SHA-256 (hex) of the effective profile and analysis parameters.
    pub profile: String,
    /// The per-call options: language, agent channel, speakers, decoding.
    pub options: String,
    /// Size of the recording (bytes): a replaced recording is scored again.
    pub input_size: u64,
}

/// A call as found in an output directory.
#[derive(Debug, Clone)]
pub enum Stored {
    /// Scored: the scorecard JSON (with its `batch` key).
    Scored(CallMeta, Value),
    /// Failed, with the reason.
    Failed(CallMeta, String),
}

impl Stored {
    /// The call's batch record.
    pub fn meta(&self) -> &CallMeta {
        match self {
            Stored::Scored(m, _) | Stored::Failed(m, _) => m,
        }
    }
}

/// Deletes temporary files (`*.tmp-<pid>`) left in `DIR` and `DIR/calls` by
/// an interrupted run; returns how many.
pub fn remove_stale_temps(out: &Path) -> usize {
    let mut n = 0;
    for dir in [out.to_path_buf(), calls_dir(out)] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().contains(".tmp-")
                && std::fs::remove_file(e.path()).is_ok()
            {
                n += 1;
            }
        }
    }
    n
}

/// Saves a scored call: the scorecard JSON plus its `batch` key; removes an
/// older failure record of the same call.
pub fn save_scored(out: &Path, meta: &CallMeta, mut card: Value) -> std::io::Result<Value> {
    card["batch"] = serde_json::to_value(meta).expect("serialisable");
    let bytes = serde_json::to_vec_pretty(&card).expect("serialisable");
    write_atomic(&scorecard_path(out, &meta.name), &bytes)?;
    remove_if_present(&error_path(out, &meta.name))?;
    Ok(card)
}

/// Saves a failed call's record; removes an older scorecard of the same call
/// (it no longer matches what was asked).
pub fn save_failed(out: &Path, meta: &CallMeta, error: &str) -> std::io::Result<()> {
    let doc = serde_json::json!({ "batch": meta, "error": error });
    let bytes = serde_json::to_vec_pretty(&doc).expect("serialisable");
    write_atomic(&error_path(out, &meta.name), &bytes)?;
    remove_if_present(&scorecard_path(out, &meta.name))
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Reads a call's stored result, if any: the scorecard when present and
/// readable, else the failure record.
pub fn read_call(out: &Path, name: &str) -> Option<Stored> {
    read_scorecard(&scorecard_path(out, name)).or_else(|| read_error(&error_path(out, name)))
}

fn read_scorecard(path: &Path) -> Option<Stored> {
    let card: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let meta: CallMeta = serde_json::from_value(card.get("batch")?.clone()).ok()?;
    Some(Stored::Scored(meta, card))
}

fn read_error(path: &Path) -> Option<Stored> {
    let doc: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let meta: CallMeta = serde_json::from_value(doc.get("batch")?.clone()).ok()?;
    let error = doc.get("error")?.as_str()?.to_string();
    Some(Stored::Failed(meta, error))
}

/// Every call stored in an output directory, by name; a scorecard wins over
/// a failure record of the same name.
pub fn read_all(out: &Path) -> std::io::Result<Vec<Stored>> {
    let mut names: Vec<String> = std::fs::read_dir(calls_dir(out))?
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            let stem = n.strip_suffix(".json")?;
            Some(stem.strip_suffix(".error").unwrap_or(stem).to_string())
        })
        .collect();
    names.sort();
    names.dedup();
    Ok(names.iter().filter_map(|n| read_call(out, n)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(name: &str) -> CallMeta {
        CallMeta {
            name: name.into(),
            file: format!("{name}.wav"),
            source: format!("/x/{name}.wav"),
            agent: "anna".into(),
            call_id: None,
            date: None,
            duration_s: Some(3.0),
            elapsed_s: 1.0,
            fingerprint: Fingerprint {
                model: "m".into(),
                profile: "p".into(),
                options: "o".into(),
                input_size: 1,
            },
        }
    }

    #[test]
    fn a_failure_replaces_a_scorecard_and_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(calls_dir(dir.path())).unwrap();
        save_scored(
            dir.path(),
            &meta("a"),
            serde_json::json!({"overall_score": 80}),
        )
        .unwrap();
        assert!(matches!(
            read_call(dir.path(), "a"),
            Some(Stored::Scored(..))
        ));
        save_failed(dir.path(), &meta("a"), "a.wav: bad").unwrap();
        assert!(
            matches!(read_call(dir.path(), "a"), Some(Stored::Failed(_, e)) if e == "a.wav: bad")
        );
        assert!(!scorecard_path(dir.path(), "a").exists());
        std::fs::write(calls_dir(dir.path()).join("b.json.tmp-99"), b"{").unwrap();
        assert_eq!(remove_stale_temps(dir.path()), 1);
        assert_eq!(read_all(dir.path()).unwrap().len(), 1);
    }
}
