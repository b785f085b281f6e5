//! The layout of a `batch` output directory (docs/batch.md): what is
//! where, for the batch runner that writes it and the report that links
//! its pages.
//!
//! `DIR/calls/<name>.json` is a call's scorecard, `<name>.error.json` the
//! record of a call that failed, `<name>.html` its page; the tables and
//! `index.html` are in `DIR`.

use std::path::{Path, PathBuf};

/// `DIR/calls`.
pub fn calls_dir(out: &Path) -> PathBuf {
    out.join("calls")
}

/// Path of a call's scorecard.
pub fn scorecard_path(out: &Path, name: &str) -> PathBuf {
    calls_dir(out).join(format!("{name}.json"))
}

/// Path of a call's page (`--html`, docs/html-report.md).
pub fn page_path(out: &Path, name: &str) -> PathBuf {
    calls_dir(out).join(format!("{name}.html"))
}

/// Path of a call's failure record.
pub fn error_path(out: &Path, name: &str) -> PathBuf {
    calls_dir(out).join(format!("{name}.error.json"))
}
