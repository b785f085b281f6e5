//! Silero VAD (v6.2, MIT) in whisper.cpp's GGML voice-activity format.
//!
//! whisper.cpp 1.8 runs Silero VAD itself (`whisper_vad_init_from_file_with_params`)
//! from a small GGML file. That file is not on any registry reachable here,
//! but PyPI's `silero-vad` wheel ships the same weights as ONNX
//! (`silero_vad/data/silero_vad_op18_ifless.onnx`): its initializers carry
//! the PyTorch state-dict names. [`convert`] writes them in the layout that
//! whisper.cpp's `models/convert-silero-vad-to-ggml.py` writes, which
//! reproduces whisper.cpp's reference file byte for byte (885,098 bytes,
//! sha256 `2aa269b7…f7fb6987`, pinned in `models/manifest.json`).
//!
//! Layout (little-endian i32 unless noted): magic `ggml`, the model type
//! `silero-16k` (length, bytes), version 6.2.0, window 512, context 64, four
//! encoder layers with (in, out, kernel) each, LSTM input and hidden size,
//! final conv in and out; then each tensor: dims, name length, type (0 f32,
//! 1 f16), the dims innermost first (size-1 dims squeezed, except for the
//! STFT basis), the name, the data. Conv weights and the STFT basis are f16.

use std::path::Path;

use half::f16;

use super::atomic::AtomicFile;
use super::error::ModelError;
use super::manifest::{check_digest, ManifestEntry};
use super::onnx::{self, Initializer};

/// The GGML magic, `ggml` read as a little-endian u32.
const MAGIC: u32 = 0x6767_6d6c;
/// The Silero release whose weights the file holds (the version whisper.cpp's
/// reference file records; PyPI's 6.2.3 ships the same 16 kHz weights).
const VERSION: [i32; 3] = [6, 2, 0];
/// Samples per VAD window at 16 kHz, and context samples carried over.
const WINDOW: i32 = 512;
const CONTEXT: i32 = 64;
/// (in, out, kernel) of the four encoder convolutions.
const ENCODER: [[i32; 3]; 4] = [[129, 128, 3], [128, 64, 3], [64, 64, 3], [64, 128, 3]];
/// LSTM input and hidden size, final conv in and out.
const DECODER: [i32; 4] = [128, 128, 128, 1];
/// The input file's name for the 16 kHz weights carries this prefix; the
/// GGML file prefixes it with `_` (the name of the PyTorch attribute).
const PREFIX: &str = "model.";

/// The tensors of the 16 kHz model in file order.
fn tensor_names() -> Vec<String> {
    let mut names = Vec::with_capacity(15);
    for i in 0..ENCODER.len() {
        names.push(format!("model.encoder.{i}.reparam_conv.weight"));
        names.push(format!("model.encoder.{i}.reparam_conv.bias"));
    }
    for p in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
        names.push(format!("model.decoder.rnn.{p}"));
    }
    names.push("model.decoder.decoder.2.weight".into());
    names.push("model.decoder.decoder.2.bias".into());
    names.push("model.stft.forward_basis_buffer".into());
    names
}

/// What [`convert`] wrote.
#[derive(Debug, Clone)]
pub struct SileroSummary {
    /// Tensors written.
    pub tensors: usize,
    /// Size of the file in bytes.
    pub size: u64,
    /// Its lower-case hex SHA-256.
    pub sha256: String,
}

/// Converts the Silero ONNX model at `onnx_path` into whisper.cpp's GGML VAD
/// file `dest`, atomically. With `expect`, the result must match its size
/// and SHA-256, or nothing is written.
pub fn convert(
    onnx_path: &Path,
    dest: &Path,
    expect: Option<&ManifestEntry>,
) -> Result<SileroSummary, ModelError> {
    let label = onnx_path.display().to_string();
    let meta = std::fs::metadata(onnx_path).map_err(|e| ModelError::io(onnx_path, e))?;
    if meta.len() > MAX_ONNX_BYTES {
        return Err(ModelError::format(
            &label,
            format!(
                "{} bytes: too large for a Silero VAD model (at most {MAX_ONNX_BYTES})",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(onnx_path).map_err(|e| ModelError::io(onnx_path, e))?;
    let inits = onnx::initializers(&bytes, &label)?;
    let file = to_ggml(&inits, &label)?;
    let mut out = AtomicFile::create(dest)?;
    std::io::Write::write_all(out.writer(), &file).map_err(|e| ModelError::io(dest, e))?;
    let (size, sha256) = out.digest();
    if let Some(entry) = expect {
        check_digest(dest, size, &sha256, entry)?;
    }
    out.commit()?;
    Ok(SileroSummary {
        tensors: tensor_names().len(),
        size,
        sha256,
    })
}

/// The Silero ONNX files on PyPI are under 3 MB; anything far larger is not one.
const MAX_ONNX_BYTES: u64 = 64 << 20;

/// The GGML VAD file for the 16 kHz weights among `inits`.
pub fn to_ggml(inits: &[Initializer], label: &str) -> Result<Vec<u8>, ModelError> {
    let mut out = Vec::with_capacity(900_000);
    let put = |out: &mut Vec<u8>, v: i32| out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(&MAGIC.to_le_bytes());
    let kind = b"silero-16k";
    put(&mut out, kind.len() as i32);
    out.extend_from_slice(kind);
    VERSION.iter().for_each(|&v| put(&mut out, v));
    for v in [WINDOW, CONTEXT, ENCODER.len() as i32] {
        put(&mut out, v);
    }
    ENCODER.iter().flatten().for_each(|&v| put(&mut out, v));
    DECODER.iter().for_each(|&v| put(&mut out, v));

    for name in tensor_names() {
        let init = inits.iter().find(|i| i.name == name).ok_or_else(|| {
            ModelError::format(label, format!("no tensor `{name}`: not a Silero VAD model"))
        })?;
        let values = init.to_f32().ok_or_else(|| {
            ModelError::format(
                label,
                format!("tensor `{name}` is not float32 of its shape"),
            )
        })?;
        let stft = name.ends_with("forward_basis_buffer");
        // Innermost first; the STFT basis keeps all three dims, the rest
        // are squeezed as the reference converter's `squeeze()` does.
        let dims: Vec<i32> = init
            .dims
            .iter()
            .rev()
            .filter(|&&d| stft || d != 1)
            .map(|&d| d as i32)
            .collect();
        let conv_weight = name.ends_with("weight")
            && (name.contains("encoder") || name.contains("decoder.decoder.2"));
        let half = stft || conv_weight;
        let ggml_name = format!("_{PREFIX}{}", &name[PREFIX.len()..]);
        put(&mut out, dims.len() as i32);
        put(&mut out, ggml_name.len() as i32);
        put(&mut out, i32::from(half));
        dims.iter().for_each(|&d| put(&mut out, d));
        out.extend_from_slice(ggml_name.as_bytes());
        for v in values {
            if half {
                out.extend_from_slice(&f16::from_f32(v).to_le_bytes());
            } else {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init(name: &str, dims: &[i64]) -> Initializer {
        let n: i64 = dims.iter().product();
        Initializer {
            name: name.into(),
            dims: dims.to_vec(),
            data_type: onnx::FLOAT,
            data: (0..n).flat_map(|i| (i as f32).to_le_bytes()).collect(),
        }
    }

    fn silero_shapes() -> Vec<Initializer> {
        let mut v = Vec::new();
        for (i, [cin, cout, k]) in ENCODER.iter().enumerate() {
            let (cin, cout, k) = (*cin as i64, *cout as i64, *k as i64);
            v.push(init(
                &format!("model.encoder.{i}.reparam_conv.weight"),
                &[cout, cin, k],
            ));
            v.push(init(
                &format!("model.encoder.{i}.reparam_conv.bias"),
                &[cout],
            ));
        }
        for p in ["weight_ih", "weight_hh"] {
            v.push(init(&format!("model.decoder.rnn.{p}"), &[512, 128]));
        }
        for p in ["bias_ih", "bias_hh"] {
            v.push(init(&format!("model.decoder.rnn.{p}"), &[512]));
        }
        v.push(init("model.decoder.decoder.2.weight", &[1, 128, 1]));
        v.push(init("model.decoder.decoder.2.bias", &[1]));
        v.push(init("model.stft.forward_basis_buffer", &[258, 1, 256]));
        v
    }

    #[test]
    fn writes_the_reference_layout_and_size() {
        // 885,098 bytes is the size of whisper.cpp's reference file; the
        // sha256 against the real weights is checked by `model fetch`.
        let out = to_ggml(&silero_shapes(), "t").unwrap();
        assert_eq!(out.len(), 885_098);
        assert_eq!(&out[..4], b"lmgg");
        // The final bias squeezes to no dims; the STFT basis keeps three.
        let needle = b"_model.decoder.decoder.2.bias";
        let at = out.windows(needle.len()).position(|w| w == needle).unwrap();
        assert_eq!(&out[at - 12..at - 8], &0i32.to_le_bytes());
    }

    #[test]
    fn a_model_without_silero_tensors_is_refused_by_name() {
        let mut inits = silero_shapes();
        inits.retain(|i| !i.name.contains("rnn.weight_hh"));
        let e = to_ggml(&inits, "x.onnx").unwrap_err().to_string();
        assert_eq!(
            e,
            "x.onnx: no tensor `model.decoder.rnn.weight_hh`: not a Silero VAD model"
        );
    }
}
