//! Writing a file atomically: into a temporary file beside it, synced to
//! disk, then renamed over it. A reader, or a run after a crash, sees the
//! old file (or none) or the complete new one, never a part; a write that
//! fails removes its temporary file.
//!
//! [`write_atomic`] writes bytes held in memory; [`AtomicFile`] is the same
//! as a [`Write`]r, for files written piece by piece. The model converter
//! builds its hashing writer on it (`crate::model::atomic`). This is the
//! crate's one atomic writer.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temporary file [`write_atomic`] writes before the rename:
/// `<path>.tmp-<pid>`, beside `path` (a rename is atomic only within one
/// file system). `batch` removes such leftovers of a killed run by the
/// `.tmp-` in their names.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    PathBuf::from(tmp)
}

/// Checks that `path` can be written atomically (it is no directory, and
/// its directory accepts a file) before the work that makes it is done:
/// creates and removes the temporary file beside it.
pub fn check_writable(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    let probe = temp_path(path);
    File::create(&probe)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file beside it
/// ([`temp_path`]), flushed to disk, then renamed over `path`. The directory
/// must exist. The error is the bare I/O error; callers name the file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit().map_err(|e| e.source)
}

/// A file being written under a temporary name beside its destination,
/// renamed into place by [`AtomicFile::commit`]. Dropped without a commit
/// (an error on the way), it removes the temporary file.
///
/// Writes go straight to the file: wrap it in a `BufWriter` for many small
/// writes.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<File>,
}

/// Why [`AtomicFile::commit`] failed, with the file concerned: the
/// temporary file when syncing it failed, the destination when the rename
/// did. The temporary file is removed.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct CommitError {
    /// The file the failed operation was on.
    pub path: PathBuf,
    /// What went wrong.
    pub source: io::Error,
}

impl AtomicFile {
    /// Starts writing `dest` through [`temp_path`]`(dest)`; `dest`'s
    /// directory must exist.
    pub fn create(dest: &Path) -> io::Result<Self> {
        Self::create_as(dest, temp_path(dest))
    }

    /// Starts writing `dest` through the temporary file `tmp`, for callers
    /// with their own naming. `tmp` must be in `dest`'s directory.
    pub fn create_as(dest: &Path, tmp: PathBuf) -> io::Result<Self> {
        let file = File::create(&tmp)?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            file: Some(file),
        })
    }

    /// The temporary path (for messages).
    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    /// Syncs the file to disk and renames it into place.
    pub fn commit(mut self) -> Result<(), CommitError> {
        let file = self.file.take().expect("commit once");
        let fail = |path: &Path, source| CommitError {
            path: path.to_path_buf(),
            source,
        };
        let result = file
            .sync_all()
            .map_err(|e| fail(&self.tmp, e))
            .and_then(|()| {
                drop(file);
                std::fs::rename(&self.tmp, &self.dest).map_err(|e| fail(&self.dest, e))
            });
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result
    }

    fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("file present until commit")
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_the_file_whole_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_unfinished_file_is_removed_and_the_old_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"old").unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"half").unwrap();
        assert!(temp_path(&path).exists());
        drop(f);
        assert!(!temp_path(&path).exists());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
    }

    #[test]
    fn a_failed_rename_names_the_destination_and_removes_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        // A directory with a file in it cannot be replaced by a file.
        let dest = dir.path().join("d");
        std::fs::create_dir(&dest).unwrap();
        std::fs::write(dest.join("x"), b"x").unwrap();
        let tmp = dir.path().join("d.part");
        let f = AtomicFile::create_as(&dest, tmp.clone()).unwrap();
        let e = f.commit().unwrap_err();
        assert_eq!(e.path, dest);
        assert!(!tmp.exists());
        assert!(write_atomic(&dir.path().join("no/such/dir"), b"x").is_err());
    }
}
