//! Writing a model file atomically while hashing what is written: the
//! crate's atomic writer ([`crate::output::AtomicFile`]) under a buffer and
//! a SHA-256.
//!
//! A reader never sees a half-written model: either the old file (or none) or
//! the complete new one. The SHA-256 and size are computed on the fly, so the
//! result is verified without reading the file back.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::ModelError;
use crate::output;

/// The write buffer: the converters write tensors in many small pieces.
const BUFFER: usize = 1 << 20;

/// A model file being written under a temporary name next to its final
/// path, hashed as it goes. The temporary file is removed when this is
/// dropped without [`AtomicFile::commit`].
#[derive(Debug)]
pub struct AtomicFile {
    writer: HashWriter<BufWriter<output::AtomicFile>>,
}

impl AtomicFile {
    /// Creates `.<name>.<pid>.tmp` in `dest`'s directory (creating the
    /// directory if needed): hidden, so an interrupted download does not
    /// look like a model in `models/`.
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
        let file = output::AtomicFile::create_as(dest, tmp.clone())
            .map_err(|e| ModelError::io(&tmp, e))?;
        Ok(Self {
            writer: HashWriter::new(BufWriter::with_capacity(BUFFER, file)),
        })
    }

    /// The writer (hashing everything written).
    pub fn writer(&mut self) -> &mut HashWriter<BufWriter<output::AtomicFile>> {
        &mut self.writer
    }

    /// The temporary path (for messages).
    pub fn tmp_path(&self) -> &Path {
        self.writer.inner.get_ref().tmp_path()
    }

    /// Size and lower-case hex SHA-256 of what has been written so far,
    /// without committing.
    pub fn digest(&self) -> (u64, String) {
        let w = &self.writer;
        (w.len, hex(&w.hasher.clone().finalize()))
    }

    /// Flushes, syncs and renames the file into place; returns its size and
    /// hex SHA-256.
    pub fn commit(self) -> Result<(u64, String), ModelError> {
        let tmp = self.tmp_path().to_path_buf();
        let w = self.writer;
        let (len, digest) = (w.len, hex(&w.hasher.finalize()));
        let file = w
            .inner
            .into_inner()
            .map_err(|e| ModelError::io(&tmp, e.into_error()))?;
        file.commit()
            .map_err(|e| ModelError::io(&e.path, e.source))?;
        Ok((len, digest))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_with_size_and_sha256_and_cleans_up_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("sub/ggml-x.bin");
        let mut f = AtomicFile::create(&dest).unwrap();
        let tmp = f.tmp_path().to_path_buf();
        assert!(tmp
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".ggml-x.bin."));
        f.writer().write_all(b"ab").unwrap();
        f.writer().write_all(b"c").unwrap();
        let sha_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(f.digest(), (3, sha_abc.to_string()));
        assert_eq!(f.commit().unwrap(), (3, sha_abc.to_string()));
        assert_eq!(std::fs::read(&dest).unwrap(), b"abc");
        assert!(!tmp.exists());

        let mut g = AtomicFile::create(&dest).unwrap();
        g.writer().write_all(b"partial").unwrap();
        drop(g);
        assert!(!tmp.exists());
        assert_eq!(std::fs::read(&dest).unwrap(), b"abc");
    }
}
