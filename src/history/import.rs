//! Recording the calls of `batch` output directories (a single run's, or
//! the merged output of sharded runs) in a history.
//!
//! Each scorecard in `DIR/calls/` carries batch's `"batch"` record: the
//! recording's path, agent, call id, manifest date and the fingerprint of
//! the model, profile and options. The call is known by the SHA-256 of its
//! recording when the recording can still be read, else by its path and
//! size (`path:<source>:<bytes>`, so that importing the same directory
//! again still adds nothing); the options key is the SHA-256 of the
//! fingerprint; the scorecard's hash leaves the batch record (with its
//! timing) out, so that only a changed scorecard counts as re-scored.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{call_date, CallRecord, History, HistoryError, Recorded};
use crate::model::atomic::hex;
use crate::model::manifest::sha256_file;
use crate::output::layout::calls_dir;

/// What importing found, per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// New calls.
    pub added: usize,
    /// Calls recorded before with the same scorecard.
    pub unchanged: usize,
    /// Re-scored calls (the earlier version kept).
    pub replaced: usize,
}

/// A batch output directory that could not be imported. One line.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The directory or a scorecard could not be read.
    #[error("{0}: cannot read: {1}")]
    Io(PathBuf, std::io::Error),
    /// A file in `calls/` is not a batch scorecard.
    #[error("{0}: not a callcoach batch scorecard: {1}")]
    NotScorecard(PathBuf, String),
    /// The directory has no `calls/` folder.
    #[error("{0}: not a callcoach batch output directory (no calls/ folder)")]
    NotBatch(PathBuf),
    /// The database failed.
    #[error(transparent)]
    History(#[from] HistoryError),
}

/// Records every scored call of the batch output directory `dir`.
pub fn import_dir(history: &mut History, dir: &Path) -> Result<ImportCounts, ImportError> {
    let calls = calls_dir(dir);
    if !calls.is_dir() {
        return Err(ImportError::NotBatch(dir.into()));
    }
    let io = |p: &Path, e| ImportError::Io(p.into(), e);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&calls)
        .map_err(|e| io(&calls, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.ends_with(".json") && !name.ends_with(".error.json") && !name.starts_with('.')
        })
        .collect();
    files.sort();
    let mut counts = ImportCounts::default();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| io(&file, e))?;
        let card: Value = serde_json::from_str(&text)
            .map_err(|e| ImportError::NotScorecard(file.clone(), e.to_string()))?;
        let record = record_of(&card, &file)
            .map_err(|what| ImportError::NotScorecard(file.clone(), what.into()))?;
        match history.record(&record)? {
            Recorded::Added => counts.added += 1,
            Recorded::Unchanged => counts.unchanged += 1,
            Recorded::Replaced => counts.replaced += 1,
        }
    }
    Ok(counts)
}

/// The history record of one batch scorecard stored at `path`.
pub fn record_of(card: &Value, path: &Path) -> Result<CallRecord, &'static str> {
    let meta = &card["batch"];
    let text = |v: &Value| v.as_str().map(str::to_string);
    let source = text(&meta["source"]).ok_or("no batch.source")?;
    let relative = text(&meta["file"]).ok_or("no batch.file")?;
    let agent = text(&meta["agent"]).ok_or("no batch.agent")?;
    let fp = &meta["fingerprint"];
    let options_key = hex(&Sha256::digest(
        format!(
            "{}\n{}\n{}",
            fp["model"].as_str().ok_or("no batch.fingerprint")?,
            fp["profile"].as_str().unwrap_or_default(),
            fp["options"].as_str().unwrap_or_default()
        )
        .as_bytes(),
    ));
    let mut bare = card.clone();
    if let Some(m) = bare.as_object_mut() {
        m.remove("batch");
    }
    let card_sha256 = hex(&Sha256::digest(
        serde_json::to_vec(&bare).map_err(|_| "unserialisable")?,
    ));
    let audio = Path::new(&source);
    let audio_sha256 = sha256_file(audio).ok().unwrap_or_else(|| {
        format!(
            "path:{source}:{}",
            fp["input_size"].as_u64().unwrap_or_default()
        )
    });
    let name = Path::new(&relative)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or(relative);
    let modified = std::fs::metadata(audio).and_then(|m| m.modified()).ok();
    let date = call_date(meta["date"].as_str(), &name, modified).ok_or("no date")?;
    let findings = card["findings"]
        .as_array()
        .ok_or("no findings")?
        .iter()
        .map(|f| {
            Ok((
                text(&f["id"]).ok_or("a finding without id")?,
                f["score"].as_u64().map(|s| s.min(100) as u8),
                text(&f["verdict"]).ok_or("a finding without verdict")?,
            ))
        })
        .collect::<Result<Vec<_>, &'static str>>()?;
    let reaction = &card["customer_reaction"];
    Ok(CallRecord {
        audio_sha256,
        options_key,
        card_sha256,
        agent,
        call_id: text(&meta["call_id"]),
        date,
        duration_s: card["duration_ms"].as_u64().map(|ms| ms as f64 / 1000.0),
        language: text(&card["language"]),
        profile: text(&card["profile"]),
        overall: card["overall_score"].as_u64().map(|s| s.min(100) as u8),
        escalations: (reaction["status"] == "measured")
            .then(|| reaction["escalations"].as_array().map(|a| a.len() as u32))
            .flatten(),
        scorecard_path: Some(path.display().to_string()),
        findings,
    })
}
