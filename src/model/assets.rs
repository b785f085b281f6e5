//! The non-weight parts of a whisper.cpp model file, taken from the
//! `openai-whisper` source distribution: the mel filter bank
//! (`whisper/assets/mel_filters.npz`, arrays `mel_80` and `mel_128`) and the
//! byte-level BPE vocabularies (`multilingual.tiktoken`, `gpt2.tiktoken`).
//!
//! These are the same files whisper.cpp's own `convert-pt-to-ggml.py` embeds.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use base64::Engine;

use super::error::ModelError;
use super::npy::{self, Array};

const MEL_MEMBER: &str = "whisper/assets/mel_filters.npz";
const MULTI_MEMBER: &str = "whisper/assets/multilingual.tiktoken";
const GPT2_MEMBER: &str = "whisper/assets/gpt2.tiktoken";

/// Mel filters and vocabularies needed to write a GGML whisper file.
#[derive(Debug, Clone)]
pub struct Assets {
    label: String,
    mel_npz: Vec<u8>,
    multilingual: Vec<Vec<u8>>,
    gpt2: Vec<Vec<u8>>,
}

impl Assets {
    /// Reads the three asset files out of an `openai-whisper` sdist
    /// (`openai_whisper-VERSION.tar.gz`), streaming through the archive once.
    pub fn from_sdist(path: &Path) -> Result<Self, ModelError> {
        let label = path.display().to_string();
        let file = File::open(path).map_err(|e| ModelError::io(path, e))?;
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let bad =
            |e: std::io::Error| ModelError::format(&label, format!("not a readable .tar.gz: {e}"));
        let (mut mel, mut multi, mut gpt2) = (None, None, None);
        for entry in tar.entries().map_err(bad)? {
            let mut entry = entry.map_err(bad)?;
            let name = entry.path().map_err(bad)?.to_string_lossy().into_owned();
            let slot = if name.ends_with(MEL_MEMBER) {
                &mut mel
            } else if name.ends_with(MULTI_MEMBER) {
                &mut multi
            } else if name.ends_with(GPT2_MEMBER) {
                &mut gpt2
            } else {
                continue;
            };
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).map_err(bad)?;
            *slot = Some(buf);
        }
        let need = |v: Option<Vec<u8>>, member: &str| {
            v.ok_or_else(|| ModelError::MissingMember {
                archive: label.clone(),
                member: member.to_string(),
            })
        };
        let mel_npz = need(mel, MEL_MEMBER)?;
        let multilingual = parse_tiktoken(
            &need(multi, MULTI_MEMBER)?,
            &format!("{label}:{MULTI_MEMBER}"),
        )?;
        let gpt2 = parse_tiktoken(&need(gpt2, GPT2_MEMBER)?, &format!("{label}:{GPT2_MEMBER}"))?;
        Ok(Self {
            label,
            mel_npz,
            multilingual,
            gpt2,
        })
    }

    /// Builds assets from parts already in memory (for tests and for users
    /// with a checkout of openai-whisper).
    pub fn from_parts(
        label: String,
        mel_npz: Vec<u8>,
        multilingual: Vec<Vec<u8>>,
        gpt2: Vec<Vec<u8>>,
    ) -> Self {
        Self {
            label,
            mel_npz,
            multilingual,
            gpt2,
        }
    }

    /// The mel filter bank for `n_mels` bands (80 for all models up to
    /// large-v2, 128 for large-v3): shape `(n_mels, 201)`.
    pub fn mel_filters(&self, n_mels: usize) -> Result<Array, ModelError> {
        let a = npy::npz_array(
            &self.mel_npz,
            &format!("mel_{n_mels}"),
            &format!("{}:{MEL_MEMBER}", self.label),
        )?;
        if a.shape.len() != 2 || a.shape[0] != n_mels {
            return Err(ModelError::format(
                &self.label,
                format!(
                    "mel_{n_mels} has shape {:?}, expected ({n_mels}, n_fft)",
                    a.shape
                ),
            ));
        }
        Ok(a)
    }

    /// The BPE tokens in rank order: the multilingual vocabulary (50257
    /// tokens) or GPT-2's (50256) for English-only models.
    pub fn vocabulary(&self, multilingual: bool) -> &[Vec<u8>] {
        if multilingual {
            &self.multilingual
        } else {
            &self.gpt2
        }
    }
}

/// Parses a `.tiktoken` file: one token per line, `BASE64 RANK`. Returns the
/// token bytes ordered by rank; ranks must be exactly `0..n`.
pub fn parse_tiktoken(text: &[u8], label: &str) -> Result<Vec<Vec<u8>>, ModelError> {
    let text =
        std::str::from_utf8(text).map_err(|_| ModelError::format(label, "not UTF-8 text"))?;
    let mut ranked: Vec<(usize, Vec<u8>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || ModelError::format(label, format!("line {}: expected `BASE64 RANK`", i + 1));
        let (tok, rank) = line.split_once(' ').ok_or_else(bad)?;
        let rank: usize = rank.trim().parse().map_err(|_| bad())?;
        // Python's lenient b64decode, which the reference converter uses,
        // accepts the lone `=` of multilingual.tiktoken's last token as the
        // empty string: strip padding and decode unpadded.
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(tok.trim_end_matches('='))
            .map_err(|_| bad())?;
        ranked.push((rank, bytes));
    }
    ranked.sort_by_key(|(r, _)| *r);
    if let Some((i, (r, _))) = ranked.iter().enumerate().find(|(i, (r, _))| i != r) {
        return Err(ModelError::format(
            label,
            format!("ranks are not 0..n: position {i} has rank {r}"),
        ));
    }
    Ok(ranked.into_iter().map(|(_, b)| b).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiktoken_is_ordered_by_rank() {
        let v = parse_tiktoken(b"IQ== 1\nIA== 0\n\n= 2\n", "t").unwrap();
        assert_eq!(v, vec![b" ".to_vec(), b"!".to_vec(), Vec::new()]);
        assert!(parse_tiktoken(b"IQ== 2\n", "t")
            .unwrap_err()
            .to_string()
            .contains("rank"));
        assert!(parse_tiktoken(b"!!!\n", "t").is_err());
    }
}
