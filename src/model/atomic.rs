//! Writing a file atomically (temporary file in the same directory, then
//! rename) while hashing what is written.
//!
//! A reader never sees a half-written model: either the old file (or none) or
//! the complete new one. The SHA-256 and size are computed on the fly, so the
//! result is verified without reading the file back.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::ModelError;

/// A file being written under a temporary name next to its final path. It is
/// removed on drop unless [`AtomicFile::commit`] renamed it into place.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    writer: Option<HashWriter<BufWriter<File>>>,
}

impl AtomicFile {
    /// Creates `.<name>.<pid>.tmp` in `dest`'s directory (creating the
    /// directory if needed).
    pub fn create(dest: &Path) -> Result<Self, ModelError> {
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| ModelError::io(&dir, e))?;
        let name = dest
            .file_name()
            .ok_or_else(|| ModelError::format(dest.display().to_string(), "not a file path"))?
            .to_string_lossy();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp).map_err(|e| ModelError::io(&tmp, e))?;
        Ok(Self {
            tmp,
            dest: dest.to_path_buf(),
            writer: Some(HashWriter::new(BufWriter::with_capacity(1 << 20, file))),
        })
    }

    /// The writer (hashing everything written).
    pub fn writer(&mut self) -> &mut HashWriter<BufWriter<File>> {
        self.writer.as_mut().expect("writer present until commit")
    }

    /// The temporary path (for messages).
    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    /// Size and lower-case hex SHA-256 of what has been written so far,
    /// without committing.
    pub fn digest(&self) -> (u64, String) {
        let w = self.writer.as_ref().expect("writer present until commit");
        (w.len, hex(&w.hasher.clone().finalize()))
    }

    /// Flushes, syncs and renames the file into place; returns its size and
    /// hex SHA-256.
    pub fn commit(mut self) -> Result<(u64, String), ModelError> {
        let w = self.writer.take().expect("commit once");
        let (len, digest) = (w.len, hex(&w.hasher.finalize()));
        let file = w
            .inner
            .into_inner()
            .map_err(|e| ModelError::io(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| ModelError::io(&self.tmp, e))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| ModelError::io(&self.dest, e))?;
        Ok((len, digest))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            self.writer = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A writer that passes bytes through while counting them and feeding SHA-256.
#[derive(Debug)]
pub struct HashWriter<W> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W> HashWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            len: 0,
        }
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
