//! The bound of every input, checked before anything is allocated for it.
//!
//! callcoach reads files from call recorders, profiles and manifests from
//! users, and models from package registries. A header that claims more
//! than the file holds, a 10 GB file named `.wav`, or a profile that is
//! really a log file must end in a one-line error, not in a huge
//! allocation. The bounds are far above anything real (a call centre's
//! longest call is an hour or two; a profile is a few kB).

use std::io::Read;
use std::path::Path;

/// The longest call read (s): 4 hours.
pub const MAX_CALL_S: u64 = 4 * 3600;
/// The largest `fmt ` chunk read (bytes); real ones are 16-40.
pub const MAX_FMT_CHUNK: u32 = 4096;
/// Channels accepted in a WAV file: mono or stereo.
pub const MAX_CHANNELS: u16 = 2;
/// The largest profile TOML file read (bytes). (The phrase lists are
/// compiled in: no phrase file is read at run time.)
pub const MAX_TOML_BYTES: u64 = 1 << 20;
/// The largest batch manifest CSV read (bytes).
pub const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// Reads the UTF-8 text file `path` if it is at most `max` bytes, checked
/// on its size before reading (and again while reading, for a file that
/// grows or lies about its size).
pub fn read_text(path: &Path, max: u64) -> std::io::Result<String> {
    let bytes = read_bounded(
        path,
        max,
        |e| e,
        |len| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{len} bytes, more than the {max} this file may have"),
            )
        },
    )?;
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// Reads the file `path` if it is at most `max` bytes, checked on its size
/// before reading (and again while reading, for a file that grows or lies
/// about its size). `io` turns a read error into `E`, `too_large` a size.
pub fn read_bounded<E>(
    path: &Path,
    max: u64,
    io: impl Fn(std::io::Error) -> E,
    too_large: impl Fn(u64) -> E,
) -> Result<Vec<u8>, E> {
    let file = std::fs::File::open(path).map_err(&io)?;
    let len = file.metadata().map_err(&io)?.len();
    if len > max {
        return Err(too_large(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max + 1).read_to_end(&mut bytes).map_err(&io)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_bound_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.toml");
        let f = std::fs::File::create(&p).unwrap();
        // Sparse: 10 GB claimed, nothing written.
        f.set_len(10 << 30).unwrap();
        let e = read_text(&p, MAX_TOML_BYTES).unwrap_err().to_string();
        assert_eq!(
            e,
            "10737418240 bytes, more than the 1048576 this file may have"
        );
        std::fs::write(&p, "a = 1\n").unwrap();
        assert_eq!(read_text(&p, MAX_TOML_BYTES).unwrap(), "a = 1\n");
    }
}
