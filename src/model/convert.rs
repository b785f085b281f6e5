//! One conversion: CTranslate2 `model.bin` (one file or ordered parts) →
//! whisper.cpp GGML file, written atomically and optionally checked against a
//! manifest entry before it is renamed into place.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::assets::Assets;
use super::atomic::AtomicFile;
use super::ct2::Ct2Model;
use super::error::ModelError;
use super::ggml::{write_ggml, HParams};
use super::manifest::{check_digest, ManifestEntry};

/// What a conversion produced.
#[derive(Debug, Clone)]
pub struct ConvertSummary {
    /// The written GGML file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its lower-case hex SHA-256.
    pub sha256: String,
    /// The hyper-parameters written.
    pub hparams: HParams,
    /// Number of tensors written.
    pub n_tensors: usize,
}

/// Converts `parts` (read as one stream) to `dest`. When `expect` is given,
/// the output must match its size and SHA-256, otherwise nothing is left at
/// `dest` and the mismatch is returned.
pub fn convert_to(
    parts: &[PathBuf],
    assets: &Assets,
    dest: &Path,
    expect: Option<&ManifestEntry>,
) -> Result<ConvertSummary, ModelError> {
    let mut model = Ct2Model::open(parts)?;
    let mut out = AtomicFile::create(dest)?;
    let label = dest.display().to_string();
    let summary = write_ggml(&mut model, assets, out.writer(), &label)?;
    out.writer().flush().map_err(|e| ModelError::io(dest, e))?;
    if let Some(entry) = expect {
        let (size, sha) = out.digest();
        check_digest(dest, size, &sha, entry)?;
    }
    let (size, sha256) = out.commit()?;
    Ok(ConvertSummary {
        path: dest.to_path_buf(),
        size,
        sha256,
        hparams: summary.hparams,
        n_tensors: summary.n_tensors,
    })
}
