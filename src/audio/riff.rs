//! A minimal RIFF/WAVE header reader.
//!
//! hound reads PCM and float WAV files but rejects G.711, so we read the
//! header ourselves: to learn the format of every file up front (for clear
//! errors), and to find the data chunk of μ-law and A-law files. Chunks other
//! than `fmt ` and `data` (LIST, bext, fact, …) are skipped.

use std::io::{Read, Seek, SeekFrom};

use super::{AudioErrorKind, Encoding, WavInfo, MAX_RATE, MIN_RATE};
use crate::limits::{MAX_CALL_S, MAX_CHANNELS, MAX_FMT_CHUNK};

/// WAVE format tags (the `wFormatTag` of the `fmt ` chunk).
const TAG_PCM: u16 = 1;
const TAG_FLOAT: u16 = 3;
const TAG_ALAW: u16 = 6;
const TAG_MULAW: u16 = 7;
const TAG_EXTENSIBLE: u16 = 0xFFFE;

/// The parsed header: the format and where the samples start.
#[derive(Debug, Clone)]
pub struct Header {
    /// Format, channel count, rate and length.
    pub info: WavInfo,
    /// Byte offset of the first sample.
    pub data_offset: u64,
    /// Length of the sample data in bytes (whole frames).
    pub data_len: u64,
    /// The body of the `fmt ` chunk, as found.
    pub fmt_chunk: Vec<u8>,
}

impl Header {
    /// A canonical header (RIFF, `fmt `, `data`) for the same samples.
    ///
    /// hound mis-skips odd-sized chunks and trips over some recorders'
    /// chunk layouts, so it is given this header followed by the data alone.
    pub fn canonical(&self) -> Vec<u8> {
        let fmt_len = self.fmt_chunk.len() as u32;
        let data_len = self.data_len as u32;
        let mut h = Vec::with_capacity(28 + self.fmt_chunk.len());
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&(4 + 8 + fmt_len + 8 + data_len).to_le_bytes());
        h.extend_from_slice(b"WAVEfmt ");
        h.extend_from_slice(&fmt_len.to_le_bytes());
        h.extend_from_slice(&self.fmt_chunk);
        h.extend_from_slice(b"data");
        h.extend_from_slice(&data_len.to_le_bytes());
        h
    }
}

/// Reads the RIFF header, the `fmt ` chunk and the position of `data`.
pub fn read_header<R: Read + Seek>(r: &mut R) -> Result<Header, AudioErrorKind> {
    let file_len = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut riff = [0u8; 12];
    if file_len < 12 {
        return Err(if file_len == 0 {
            AudioErrorKind::Empty
        } else {
            AudioErrorKind::NotWav
        });
    }
    r.read_exact(&mut riff)?;
    if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
        return Err(AudioErrorKind::NotWav);
    }

    let mut fmt: Option<(Encoding, u16, u32, u16)> = None;
    let mut fmt_chunk = Vec::new();
    let mut pos = 12u64;
    loop {
        if pos + 8 > file_len {
            return Err(match fmt {
                None => AudioErrorKind::Corrupt("no fmt chunk".into()),
                Some(_) => AudioErrorKind::Empty,
            });
        }
        let mut head = [0u8; 8];
        r.read_exact(&mut head)?;
        let id = [head[0], head[1], head[2], head[3]];
        let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        pos += 8;
        match &id {
            b"fmt " => {
                if size < 16 || pos + u64::from(size) > file_len {
                    return Err(AudioErrorKind::Corrupt("fmt chunk too short".into()));
                }
                if size > MAX_FMT_CHUNK {
                    return Err(AudioErrorKind::Corrupt(format!(
                        "fmt chunk of {size} bytes (at most {MAX_FMT_CHUNK})"
                    )));
                }
                let mut buf = vec![0u8; size as usize];
                r.read_exact(&mut buf)?;
                fmt = Some(parse_fmt(&buf)?);
                fmt_chunk = buf;
            }
            b"data" => {
                let (encoding, channels, sample_rate, block_align) = fmt
                    .ok_or_else(|| AudioErrorKind::Corrupt("data chunk before fmt chunk".into()))?;
                let available = file_len - pos;
                // Recorders that stream write 0 or 0xFFFFFFFF until they
                // finish (hound writes 0 until its first flush), and a
                // recording killed before that leaves it so: then the data
                // runs to the end of the file, whole frames only.
                let declared = match size {
                    0 | 0xFFFF_FFFF => available,
                    n => u64::from(n),
                };
                if declared > available {
                    return Err(AudioErrorKind::Truncated);
                }
                let frames = declared / u64::from(block_align);
                if frames == 0 {
                    return Err(AudioErrorKind::Empty);
                }
                let seconds = frames / u64::from(sample_rate);
                if seconds > MAX_CALL_S {
                    return Err(unsupported(format!(
                        "{:.1} hours of audio (callcoach reads calls of up to {} hours)",
                        seconds as f64 / 3600.0,
                        MAX_CALL_S / 3600
                    )));
                }
                return Ok(Header {
                    info: WavInfo {
                        encoding,
                        channels,
                        sample_rate,
                        frames,
                    },
                    data_offset: pos,
                    data_len: frames * u64::from(block_align),
                    fmt_chunk,
                });
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        pos += u64::from(size) + u64::from(size & 1);
        r.seek(SeekFrom::Start(pos))?;
    }
}

/// Parses a `fmt ` chunk body into (encoding, channels, rate, block align).
fn parse_fmt(b: &[u8]) -> Result<(Encoding, u16, u32, u16), AudioErrorKind> {
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let mut tag = u16_at(0);
    let channels = u16_at(2);
    let sample_rate = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    let block_align = u16_at(12);
    let mut bits = u16_at(14);
    if tag == TAG_EXTENSIBLE {
        if b.len() < 26 {
            return Err(AudioErrorKind::Corrupt(
                "extensible fmt chunk too short".into(),
            ));
        }
        // wValidBitsPerSample, then the channel mask, then the sub-format GUID,
        // whose first two bytes are the ordinary format tag.
        let valid = u16_at(18);
        if valid != 0 {
            bits = valid;
        }
        tag = u16_at(24);
    }
    let encoding = match (tag, bits) {
        (TAG_PCM, 8 | 16 | 24 | 32) => Encoding::Pcm(bits),
        (TAG_FLOAT, 32) => Encoding::Float32,
        (TAG_MULAW, 8) => Encoding::MuLaw,
        (TAG_ALAW, 8) => Encoding::ALaw,
        (TAG_PCM, _) => return Err(unsupported(format!("{bits}-bit PCM"))),
        (TAG_FLOAT, _) => return Err(unsupported(format!("{bits}-bit float"))),
        (other, _) => {
            return Err(unsupported(format!(
                "format tag {other} (callcoach reads PCM, float, mu-law and A-law)"
            )))
        }
    };
    if channels == 0 || block_align == 0 {
        return Err(AudioErrorKind::Corrupt(
            "zero channels or block size".into(),
        ));
    }
    if channels > MAX_CHANNELS {
        return Err(unsupported(format!(
            "{channels} channels (callcoach reads mono or stereo)"
        )));
    }
    if !(MIN_RATE..=MAX_RATE).contains(&sample_rate) {
        return Err(unsupported(format!(
            "sample rate {sample_rate} Hz (callcoach reads {MIN_RATE} to {MAX_RATE} Hz)"
        )));
    }
    Ok((encoding, channels, sample_rate, block_align))
}

fn unsupported(what: String) -> AudioErrorKind {
    AudioErrorKind::Unsupported(what)
}
