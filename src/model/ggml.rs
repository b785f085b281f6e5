//! whisper.cpp's GGML model format: the one reader of its header
//! ([`HParams::read`], [`read_magic`]) and the writer fed from a
//! CTranslate2 Whisper model ([`write_ggml`]).
//!
//! The output follows whisper.cpp's `models/convert-pt-to-ggml.py` byte for
//! byte: magic `0x67676d6c`, eleven `i32` hyper-parameters, the mel filter
//! bank, the BPE vocabulary, then every tensor of OpenAI's PyTorch state dict
//! (order: see [`plan`]), each as `n_dims, name length, type, dims (reversed),
//! name, data`. As that script does, 1-D tensors, the conv biases (reshaped to
//! `(n_state, 1)`) and both positional embeddings are written as f32, every
//! other matrix as f16.
//!
//! CTranslate2 fuses attention projections: self-attention `linear_0` stacks
//! query, key and value along the rows, cross-attention `linear_1` stacks key
//! and value. They are split by row ranges while streaming. Whisper's key
//! projections have no bias; CTranslate2 stores zeros there, and dropping them
//! is exact anyway (a per-query constant added to every attention logit
//! cancels in the softmax).
//!
//! Tensor data is streamed in 1 MiB chunks, so memory stays bounded by the
//! chunk buffers, the vocabulary and the mel filters (about 2 MB), never by
//! the model size.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;

use half::f16;

use super::assets::Assets;
use super::ct2::{Ct2Model, DType, Variable};
use super::error::ModelError;

/// The GGML magic, `lmgg` on disk.
pub const GGML_MAGIC: u32 = 0x6767_6d6c;

/// Bytes of the header: the magic and the eleven `i32` hyper-parameters.
pub const HEADER_LEN: usize = 48;

/// Vocabulary size of the multilingual Whisper models (large-v3: 51866);
/// English-only models have 51864.
pub const MULTILINGUAL_N_VOCAB: usize = 51865;

/// whisper.cpp's hyper-parameter block, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HParams {
    /// Vocabulary size (token embedding rows).
    pub n_vocab: usize,
    /// Encoder positions (1500).
    pub n_audio_ctx: usize,
    /// Encoder width.
    pub n_audio_state: usize,
    /// Encoder attention heads.
    pub n_audio_head: usize,
    /// Encoder blocks.
    pub n_audio_layer: usize,
    /// Decoder positions (448).
    pub n_text_ctx: usize,
    /// Decoder width.
    pub n_text_state: usize,
    /// Decoder attention heads.
    pub n_text_head: usize,
    /// Decoder blocks.
    pub n_text_layer: usize,
    /// Mel bands of the input (80, or 128 for large-v3).
    pub n_mels: usize,
    /// 1: matrices stored as f16.
    pub ftype: usize,
}

impl HParams {
    /// Derives the hyper-parameters from the tensors' shapes and the
    /// `num_heads` scalars of a CTranslate2 Whisper model.
    pub fn from_ct2<R: Read + Seek>(m: &mut Ct2Model<R>) -> Result<Self, ModelError> {
        let label = m.label().to_string();
        let shape = |m: &Ct2Model<R>, name: &str, rank: usize| -> Result<Vec<usize>, ModelError> {
            let v = m.require(name)?;
            if v.shape.len() != rank {
                return Err(ModelError::format(
                    &label,
                    format!("`{name}` has shape {:?}, expected rank {rank}", v.shape),
                ));
            }
            Ok(v.shape.clone())
        };
        let emb = shape(m, "decoder/embeddings/weight", 2)?;
        let enc_pos = shape(m, "encoder/position_encodings/encodings", 2)?;
        let dec_pos = shape(m, "decoder/position_encodings/encodings", 2)?;
        let conv1 = shape(m, "encoder/conv1/weight", 3)?;
        let count_layers = |m: &Ct2Model<R>, side: &str| {
            (0..)
                .take_while(|i| {
                    m.get(&format!("{side}/layer_{i}/ffn/linear_0/weight"))
                        .is_some()
                })
                .count()
        };
        let n_audio_layer = count_layers(m, "encoder");
        let n_text_layer = count_layers(m, "decoder");
        let heads = |m: &mut Ct2Model<R>, name: &str| -> Result<usize, ModelError> {
            let h = m.int_scalar(name)?;
            if h <= 0 {
                return Err(ModelError::format(m.label(), format!("`{name}` is {h}")));
            }
            Ok(h as usize)
        };
        let hp = HParams {
            n_vocab: emb[0],
            n_audio_ctx: enc_pos[0],
            n_audio_state: enc_pos[1],
            n_audio_head: heads(m, "encoder/num_heads")?,
            n_audio_layer,
            n_text_ctx: dec_pos[0],
            n_text_state: dec_pos[1],
            n_text_head: heads(m, "decoder/num_heads")?,
            n_text_layer,
            n_mels: conv1[1],
            ftype: 1,
        };
        if n_audio_layer == 0 || n_text_layer == 0 {
            return Err(ModelError::MissingTensor {
                file: label,
                name: format!(
                    "{}/layer_0/ffn/linear_0/weight",
                    if n_audio_layer == 0 {
                        "encoder"
                    } else {
                        "decoder"
                    }
                ),
            });
        }
        if emb[1] != hp.n_text_state || conv1[0] != hp.n_audio_state {
            return Err(ModelError::format(
                &label,
                format!("inconsistent widths: embeddings {emb:?}, decoder positions {dec_pos:?}, conv1 {conv1:?}"),
            ));
        }
        Ok(hp)
    }

    /// True for multilingual models (n_vocab ≥ 51865), which use the
    /// multilingual tokenizer; English-only models use GPT-2's.
    pub fn is_multilingual(&self) -> bool {
        self.n_vocab >= MULTILINGUAL_N_VOCAB
    }

    /// Reads the header at the start of a GGML whisper model from `r`
    /// (`label` names the file in errors): the magic ([`read_magic`]), then
    /// eleven little-endian `i32` in field order. Refused: fewer than
    /// [`HEADER_LEN`] bytes ([`ModelError::Truncated`]), another magic
    /// ([`ModelError::BadMagic`]), a negative hyper-parameter. Nothing else
    /// is checked: the values are whatever the file says.
    pub fn read(r: &mut impl Read, label: &str) -> Result<Self, ModelError> {
        read_magic(r, label)?;
        let mut b = [0u8; HEADER_LEN - 4];
        let n = read_up_to(r, &mut b).map_err(|e| ModelError::io(Path::new(label), e))?;
        if n < b.len() {
            return Err(ModelError::Truncated {
                file: label.to_string(),
                detail: format!(
                    "{} bytes, too short for a GGML whisper header ({HEADER_LEN})",
                    4 + n
                ),
            });
        }
        let mut v = [0usize; 11];
        for (i, (out, c)) in v.iter_mut().zip(b.chunks_exact(4)).enumerate() {
            let x = i32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            *out = usize::try_from(x).map_err(|_| {
                ModelError::format(label, format!("hyper-parameter {i} of the header is {x}"))
            })?;
        }
        let [n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype] =
            v;
        Ok(HParams {
            n_vocab,
            n_audio_ctx,
            n_audio_state,
            n_audio_head,
            n_audio_layer,
            n_text_ctx,
            n_text_state,
            n_text_head,
            n_text_layer,
            n_mels,
            ftype,
        })
    }

    /// [`HParams::read`] on the file `path`; a file that does not exist is
    /// [`ModelError::Missing`] (whose message names the fetch to run).
    pub fn read_path(path: &Path) -> Result<Self, ModelError> {
        let mut f = open(path)?;
        Self::read(&mut f, &path.display().to_string())
    }

    /// The header as written: the magic and the eleven values as `i32`.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..4].copy_from_slice(&GGML_MAGIC.to_le_bytes());
        for (c, v) in b[4..].chunks_exact_mut(4).zip(self.as_array()) {
            c.copy_from_slice(&(v as i32).to_le_bytes());
        }
        b
    }

    fn as_array(&self) -> [usize; 11] {
        [
            self.n_vocab,
            self.n_audio_ctx,
            self.n_audio_state,
            self.n_audio_head,
            self.n_audio_layer,
            self.n_text_ctx,
            self.n_text_state,
            self.n_text_head,
            self.n_text_layer,
            self.n_mels,
            self.ftype,
        ]
    }
}

/// Reads the 4-byte magic every GGML file starts with (whisper models and
/// the Silero detector alike) and checks it is [`GGML_MAGIC`]: fewer bytes
/// are [`ModelError::Truncated`], another value [`ModelError::BadMagic`].
pub fn read_magic(r: &mut impl Read, label: &str) -> Result<(), ModelError> {
    let mut b = [0u8; 4];
    let n = read_up_to(r, &mut b).map_err(|e| ModelError::io(Path::new(label), e))?;
    if n < 4 {
        return Err(ModelError::Truncated {
            file: label.to_string(),
            detail: format!("{n} bytes, too short for a GGML model"),
        });
    }
    let magic = u32::from_le_bytes(b);
    if magic != GGML_MAGIC {
        return Err(ModelError::BadMagic {
            file: label.to_string(),
            detail: format!(
                "0x{magic:08x}, expected 0x{GGML_MAGIC:08x} (`lmgg`): not a whisper.cpp GGML model"
            ),
        });
    }
    Ok(())
}

/// Checks that the file `path` starts with [`GGML_MAGIC`] ([`read_magic`]);
/// a file that does not exist is [`ModelError::Missing`].
pub fn check_magic(path: &Path) -> Result<(), ModelError> {
    read_magic(&mut open(path)?, &path.display().to_string())
}

fn open(path: &Path) -> Result<File, ModelError> {
    File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ModelError::Missing(path.to_path_buf()),
        _ => ModelError::io(path, e),
    })
}

/// Fills `b` from `r` as far as `r` goes: the number of bytes read, less
/// than `b.len()` only at the end of the input.
fn read_up_to(r: &mut impl Read, b: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < b.len() {
        match r.read(&mut b[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// One output tensor: its GGML name, where its data comes from and how it is
/// stored.
#[derive(Debug, Clone)]
pub struct PlannedTensor {
    /// PyTorch state-dict name, e.g. `encoder.blocks.0.attn.query.weight`.
    pub name: String,
    /// The CTranslate2 variable (aliases resolved).
    pub source: Variable,
    /// Rows `(first, count)` of a fused source; `None` for all of it.
    pub rows: Option<(usize, usize)>,
    /// Output shape, slowest-varying first (written reversed).
    pub shape: Vec<usize>,
    /// Stored as f32 (else f16).
    pub f32: bool,
}

/// What [`write_ggml`] wrote.
#[derive(Debug, Clone)]
pub struct WriteSummary {
    /// The hyper-parameters written.
    pub hparams: HParams,
    /// Number of tensors written (245 for base).
    pub n_tensors: usize,
    /// Number of vocabulary entries written.
    pub n_vocab_tokens: usize,
}

/// Lists the output tensors in the order that reproduces the reference
/// conversion recorded in `models/manifest.json` (size of the official
/// ggml-base.bin, SHA-256 checked): encoder (positional embedding, convs,
/// blocks, `ln_post`), then decoder (token embedding, positional embedding,
/// blocks, `ln`); within a block self-attention (query, key, value, out),
/// its norm, cross-attention and its norm (decoder), then `mlp_ln` before
/// `mlp.0`, `mlp.2`. whisper.cpp looks tensors up by name, so the order only
/// matters for byte-identical output. Each tensor is mapped to its
/// CTranslate2 source. Fails on a missing tensor, and on any CTranslate2
/// tensor the plan does not use (so no weight is dropped silently).
pub fn plan<R: Read + Seek>(
    m: &Ct2Model<R>,
    hp: &HParams,
) -> Result<Vec<PlannedTensor>, ModelError> {
    let mut p = Planner {
        m,
        out: Vec::new(),
        used: HashSet::new(),
    };
    p.whole(
        "encoder.positional_embedding",
        "encoder/position_encodings/encodings",
    )?;
    for conv in ["conv1", "conv2"] {
        p.whole(
            &format!("encoder.{conv}.weight"),
            &format!("encoder/{conv}/weight"),
        )?;
        p.whole(
            &format!("encoder.{conv}.bias"),
            &format!("encoder/{conv}/bias"),
        )?;
    }
    for i in 0..hp.n_audio_layer {
        let (o, s) = (format!("encoder.blocks.{i}"), format!("encoder/layer_{i}"));
        p.self_attention(&o, &s, hp.n_audio_state)?;
        p.mlp(&o, &s)?;
    }
    p.norm("encoder.ln_post", "encoder/layer_norm")?;
    p.whole(
        "decoder.token_embedding.weight",
        "decoder/embeddings/weight",
    )?;
    p.whole(
        "decoder.positional_embedding",
        "decoder/position_encodings/encodings",
    )?;
    for i in 0..hp.n_text_layer {
        let (o, s) = (format!("decoder.blocks.{i}"), format!("decoder/layer_{i}"));
        p.self_attention(&o, &s, hp.n_text_state)?;
        p.cross_attention(&o, &s, hp.n_text_state)?;
        p.mlp(&o, &s)?;
    }
    p.norm("decoder.ln", "decoder/layer_norm")?;

    // Every non-scalar variable must have been used.
    for v in m.variables() {
        if !v.shape.is_empty() && !p.used.contains(&v.name) {
            return Err(ModelError::UnknownTensor {
                file: m.label().to_string(),
                name: v.name.clone(),
            });
        }
    }
    Ok(p.out)
}

struct Planner<'a, R> {
    m: &'a Ct2Model<R>,
    out: Vec<PlannedTensor>,
    used: HashSet<String>,
}

impl<R: Read + Seek> Planner<'_, R> {
    fn push(
        &mut self,
        name: &str,
        src: &str,
        rows: Option<(usize, usize)>,
    ) -> Result<(), ModelError> {
        let v = self.m.require(src)?.clone();
        if !matches!(v.dtype, DType::F16 | DType::F32) {
            return Err(ModelError::format(
                self.m.label(),
                format!(
                    "tensor `{}` is {}: only float16/float32 models can be converted (not quantized ones)",
                    v.name,
                    v.dtype.name()
                ),
            ));
        }
        let mut shape = v.shape.clone();
        if let Some((first, count)) = rows {
            if shape.is_empty() || first + count > shape[0] {
                return Err(ModelError::format(
                    self.m.label(),
                    format!(
                        "`{}` has shape {:?}, too small to hold rows {first}..{}",
                        v.name,
                        v.shape,
                        first + count
                    ),
                ));
            }
            shape[0] = count;
        }
        // As convert-pt-to-ggml.py: squeeze, then reshape conv biases to (n, 1).
        shape.retain(|&d| d != 1);
        let conv_bias = name == "encoder.conv1.bias" || name == "encoder.conv2.bias";
        if conv_bias {
            shape.push(1);
        }
        let f32 = shape.len() < 2 || conv_bias || name.ends_with("positional_embedding");
        self.used.insert(v.name.clone());
        self.out.push(PlannedTensor {
            name: name.to_string(),
            source: v,
            rows,
            shape,
            f32,
        });
        Ok(())
    }

    fn whole(&mut self, name: &str, src: &str) -> Result<(), ModelError> {
        self.push(name, src, None)
    }

    fn linear(&mut self, name: &str, src: &str) -> Result<(), ModelError> {
        self.whole(&format!("{name}.weight"), &format!("{src}/weight"))?;
        self.whole(&format!("{name}.bias"), &format!("{src}/bias"))
    }

    fn norm(&mut self, name: &str, src: &str) -> Result<(), ModelError> {
        self.whole(&format!("{name}.weight"), &format!("{src}/gamma"))?;
        self.whole(&format!("{name}.bias"), &format!("{src}/beta"))
    }

    /// Writes `query, key, value` from a source whose rows stack `parts`
    /// blocks of `d` rows, the first of them at block `first_block`.
    fn split(
        &mut self,
        out: &str,
        src: &str,
        d: usize,
        blocks: &[(&str, usize)],
    ) -> Result<(), ModelError> {
        let w = self.m.require(&format!("{src}/weight"))?;
        let n_blocks = blocks.iter().map(|b| b.1).max().unwrap_or(0) + 1;
        if w.shape.first() != Some(&(n_blocks * d)) {
            return Err(ModelError::format(
                self.m.label(),
                format!(
                    "fused projection `{}` has shape {:?}, expected {} rows",
                    w.name,
                    w.shape,
                    n_blocks * d
                ),
            ));
        }
        for &(part, block) in blocks {
            let rows = Some((block * d, d));
            self.push(
                &format!("{out}.{part}.weight"),
                &format!("{src}/weight"),
                rows,
            )?;
            if part != "key" {
                self.push(&format!("{out}.{part}.bias"), &format!("{src}/bias"), rows)?;
            }
        }
        Ok(())
    }

    fn self_attention(&mut self, o: &str, s: &str, d: usize) -> Result<(), ModelError> {
        let attn = format!("{o}.attn");
        self.split(
            &attn,
            &format!("{s}/self_attention/linear_0"),
            d,
            &[("query", 0), ("key", 1), ("value", 2)],
        )?;
        self.linear(
            &format!("{attn}.out"),
            &format!("{s}/self_attention/linear_1"),
        )?;
        self.norm(
            &format!("{o}.attn_ln"),
            &format!("{s}/self_attention/layer_norm"),
        )
    }

    fn cross_attention(&mut self, o: &str, s: &str, d: usize) -> Result<(), ModelError> {
        let attn = format!("{o}.cross_attn");
        self.linear(&format!("{attn}.query"), &format!("{s}/attention/linear_0"))?;
        self.split(
            &attn,
            &format!("{s}/attention/linear_1"),
            d,
            &[("key", 0), ("value", 1)],
        )?;
        self.linear(&format!("{attn}.out"), &format!("{s}/attention/linear_2"))?;
        self.norm(
            &format!("{o}.cross_attn_ln"),
            &format!("{s}/attention/layer_norm"),
        )
    }

    fn mlp(&mut self, o: &str, s: &str) -> Result<(), ModelError> {
        self.norm(&format!("{o}.mlp_ln"), &format!("{s}/ffn/layer_norm"))?;
        self.linear(&format!("{o}.mlp.0"), &format!("{s}/ffn/linear_0"))?;
        self.linear(&format!("{o}.mlp.2"), &format!("{s}/ffn/linear_1"))
    }
}

/// Converts a CTranslate2 Whisper model to whisper.cpp's GGML format, writing
/// to `out` (labelled `out_label` in errors). Tensor data is streamed.
pub fn write_ggml<R: Read + Seek, W: Write>(
    m: &mut Ct2Model<R>,
    assets: &Assets,
    out: &mut W,
    out_label: &str,
) -> Result<WriteSummary, ModelError> {
    let hp = HParams::from_ct2(m)?;
    let tensors = plan(m, &hp)?;
    let mel = assets.mel_filters(hp.n_mels)?;
    let vocab = assets.vocabulary(hp.is_multilingual());

    let werr = |e: std::io::Error| ModelError::Io {
        file: out_label.to_string(),
        source: e,
    };
    let w = |out: &mut W, b: &[u8]| out.write_all(b).map_err(werr);
    let i32b = |v: usize| (v as i32).to_le_bytes();

    w(out, &hp.to_bytes())?;
    w(out, &i32b(mel.shape[0]))?;
    w(out, &i32b(mel.shape[1]))?;
    let mel_bytes: Vec<u8> = mel.data.iter().flat_map(|v| v.to_le_bytes()).collect();
    w(out, &mel_bytes)?;
    w(out, &i32b(vocab.len()))?;
    for tok in vocab {
        w(out, &i32b(tok.len()))?;
        w(out, tok)?;
    }

    let mut conv = Vec::new();
    for t in &tensors {
        w(out, &i32b(t.shape.len()))?;
        w(out, &i32b(t.name.len()))?;
        w(out, &i32b(if t.f32 { 0 } else { 1 }))?;
        for d in t.shape.iter().rev() {
            w(out, &i32b(*d))?;
        }
        w(out, t.name.as_bytes())?;

        let src = &t.source;
        let row_bytes = if src.shape.is_empty() {
            0
        } else {
            src.nbytes / src.shape[0] as u64
        };
        let (start, len) = match t.rows {
            Some((first, count)) => (
                src.offset + first as u64 * row_bytes,
                count as u64 * row_bytes,
            ),
            None => (src.offset, src.nbytes),
        };
        let (from, to_f32) = (src.dtype, t.f32);
        m.stream(start, len, |chunk| {
            let bytes: &[u8] = match (from, to_f32) {
                (DType::F16, false) | (DType::F32, true) => chunk,
                (DType::F16, true) => {
                    conv.clear();
                    conv.extend(chunk.chunks_exact(2).flat_map(|c| {
                        f16::from_bits(u16::from_le_bytes([c[0], c[1]]))
                            .to_f32()
                            .to_le_bytes()
                    }));
                    &conv
                }
                _ => {
                    conv.clear();
                    conv.extend(chunk.chunks_exact(4).flat_map(|c| {
                        f16::from_f32(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                            .to_bits()
                            .to_le_bytes()
                    }));
                    &conv
                }
            };
            out.write_all(bytes).map_err(werr)
        })?;
    }
    Ok(WriteSummary {
        hparams: hp,
        n_tensors: tensors.len(),
        n_vocab_tokens: vocab.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: HParams = HParams {
        n_vocab: 51865,
        n_audio_ctx: 1500,
        n_audio_state: 512,
        n_audio_head: 8,
        n_audio_layer: 6,
        n_text_ctx: 448,
        n_text_state: 512,
        n_text_head: 8,
        n_text_layer: 6,
        n_mels: 80,
        ftype: 1,
    };

    #[test]
    fn the_header_reads_back_what_is_written() {
        let bytes = BASE.to_bytes();
        assert_eq!(&bytes[..4], b"lmgg");
        assert_eq!(&bytes[4..8], &51865i32.to_le_bytes());
        assert_eq!(&bytes[44..], &1i32.to_le_bytes());
        let mut more = bytes.to_vec();
        more.extend_from_slice(b"rest of the file");
        assert_eq!(HParams::read(&mut more.as_slice(), "m.bin").unwrap(), BASE);
    }

    #[test]
    fn short_foreign_or_negative_headers_are_refused_in_one_line() {
        let mut negative = BASE.to_bytes();
        negative[8..12].copy_from_slice(&(-3i32).to_le_bytes());
        for (bytes, want) in [
            (b"lm".to_vec(), "m.bin: truncated: 2 bytes, too short for a GGML model"),
            (
                BASE.to_bytes()[..20].to_vec(),
                "m.bin: truncated: 20 bytes, too short for a GGML whisper header (48)",
            ),
            (
                b"RIFF\0\0\0\0".to_vec(),
                "m.bin: bad magic: 0x46464952, expected 0x67676d6c (`lmgg`): not a whisper.cpp GGML model",
            ),
            (
                negative.to_vec(),
                "m.bin: hyper-parameter 1 of the header is -3",
            ),
        ] {
            let e = HParams::read(&mut bytes.as_slice(), "m.bin").unwrap_err();
            assert_eq!(e.to_string(), want);
        }
    }

    #[test]
    fn a_missing_file_is_the_missing_model_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ggml-base.bin");
        assert!(matches!(HParams::read_path(&p), Err(ModelError::Missing(m)) if m == p));
        assert!(matches!(check_magic(&p), Err(ModelError::Missing(_))));
        std::fs::write(&p, BASE.to_bytes()).unwrap();
        assert_eq!(HParams::read_path(&p).unwrap(), BASE);
        check_magic(&p).unwrap();
    }
}
