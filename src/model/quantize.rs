//! q8_0 quantization of a GGML whisper model, as whisper.cpp's `quantize`
//! tool writes it (`examples/common-ggml.cpp`, `ggml_common_quantize_0`).
//!
//! Every 2-D f16 matrix (attention, MLP, token embedding) becomes blocks of
//! 32 values: an f16 scale `d = max|x| / 127` and 32 signed bytes
//! `round(x / d)` (`quantize_row_q8_0_ref` in ggml-quants.c), 34 bytes per
//! 32 values instead of 64. The conv weights (3-D), biases, norms and the
//! positional embeddings keep their type. The header's `ftype` becomes
//! 2007 (GGML_QNT_VERSION 2 × 1000 + GGML_FTYPE_MOSTLY_Q8_0 7). Matrix
//! products over int8 blocks move half the bytes of f16, which is what
//! whisper.cpp's CPU kernels are bound by.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use half::f16;

use super::atomic::AtomicFile;
use super::error::ModelError;
use super::ggml::GGML_MAGIC;
use super::manifest::{check_digest, ManifestEntry};

/// ggml's tensor type ids.
const TYPE_F32: i32 = 0;
const TYPE_F16: i32 = 1;
const TYPE_Q8_0: i32 = 8;
/// Values per q8_0 block.
const QK8_0: usize = 32;
/// The longest tensor name read (whisper.cpp's are under 64 bytes).
const MAX_NAME: usize = 1024;
/// The `ftype` of a q8_0 model file.
pub const FTYPE_Q8_0: i32 = 2007;

/// What [`quantize_q8_0`] wrote.
#[derive(Debug, Clone)]
pub struct QuantizeSummary {
    /// Tensors read.
    pub tensors: usize,
    /// Tensors stored as q8_0.
    pub quantized: usize,
    /// Size of the written file in bytes.
    pub size: u64,
    /// Its lower-case hex SHA-256.
    pub sha256: String,
}

/// Writes the q8_0 form of the f16 GGML model `src` to `dest`, atomically
/// (a temporary file renamed into place: an interrupted run leaves no
/// half-written model). With `expect`, the result must have its size and
/// SHA-256, or nothing is written.
pub fn quantize_q8_0(
    src: &Path,
    dest: &Path,
    expect: Option<&ManifestEntry>,
) -> Result<QuantizeSummary, ModelError> {
    let label = src.display().to_string();
    let file = File::open(src).map_err(|e| ModelError::io(src, e))?;
    let file_len = file.metadata().map_err(|e| ModelError::io(src, e))?.len();
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut out = AtomicFile::create(dest)?;
    let rerr = |e: std::io::Error| ModelError::io(src, e);
    let werr = |e: std::io::Error| ModelError::io(dest, e);

    // Header: magic, 11 hyper-parameters (the last is ftype), mel filters,
    // vocabulary: copied, with the new ftype.
    let magic = read_u32(&mut r).map_err(rerr)?;
    if magic != GGML_MAGIC {
        return Err(ModelError::format(
            &label,
            "not a GGML whisper model (bad magic)",
        ));
    }
    let mut hparams = [0i32; 11];
    for h in &mut hparams {
        *h = read_i32(&mut r).map_err(rerr)?;
    }
    if hparams[10] != 1 {
        return Err(ModelError::format(
            &label,
            format!(
                "ftype {} (only f16 models, ftype 1, are quantized)",
                hparams[10]
            ),
        ));
    }
    hparams[10] = FTYPE_Q8_0;
    let w = out.writer();
    w.write_all(&magic.to_le_bytes()).map_err(werr)?;
    for h in hparams {
        w.write_all(&h.to_le_bytes()).map_err(werr)?;
    }
    let n_mel = read_count(&mut r, &label)?;
    let n_fft = read_count(&mut r, &label)?;
    w.write_all(&(n_mel as i32).to_le_bytes()).map_err(werr)?;
    w.write_all(&(n_fft as i32).to_le_bytes()).map_err(werr)?;
    copy(&mut r, w, n_mel * n_fft * 4).map_err(rerr)?;
    let n_vocab = read_count(&mut r, &label)?;
    w.write_all(&(n_vocab as i32).to_le_bytes()).map_err(werr)?;
    for _ in 0..n_vocab {
        let len = read_count(&mut r, &label)?;
        w.write_all(&(len as i32).to_le_bytes()).map_err(werr)?;
        copy(&mut r, w, len).map_err(rerr)?;
    }

    // Tensors until the end of the file.
    let (mut tensors, mut quantized) = (0, 0);
    let mut data = Vec::new();
    let mut blocks = Vec::new();
    loop {
        let n_dims = match read_i32(&mut r) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(rerr(e)),
        };
        if !(1..=4).contains(&n_dims) {
            return Err(ModelError::format(
                &label,
                format!("tensor with {n_dims} dimensions"),
            ));
        }
        let name_len = read_count(&mut r, &label)?;
        let ttype = read_i32(&mut r).map_err(rerr)?;
        let mut dims = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            dims.push(read_count(&mut r, &label)?);
        }
        if name_len > MAX_NAME {
            return Err(ModelError::format(
                &label,
                format!("tensor name of {name_len} bytes (at most {MAX_NAME})"),
            ));
        }
        let mut name = vec![0u8; name_len];
        r.read_exact(&mut name).map_err(rerr)?;
        let name = String::from_utf8_lossy(&name).into_owned();
        let elements = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let size = match ttype {
            TYPE_F32 => 4,
            TYPE_F16 => 2,
            t => {
                return Err(ModelError::format(
                    &label,
                    format!(
                        "tensor `{}` has type {t} (only f32/f16 are read)",
                        name.escape_debug()
                    ),
                ))
            }
        };
        // Checked against the file before anything is allocated.
        let bytes = elements
            .and_then(|n| n.checked_mul(size))
            .filter(|&b| b as u64 <= file_len)
            .ok_or_else(|| {
                ModelError::format(
                    &label,
                    format!(
                        "tensor `{}` of {dims:?} is larger than the file",
                        name.escape_debug()
                    ),
                )
            })?;
        data.resize(bytes, 0);
        r.read_exact(&mut data).map_err(rerr)?;
        let quantize = ttype == TYPE_F16 && n_dims == 2 && dims[0] % QK8_0 == 0 && !skipped(&name);
        let w = out.writer();
        w.write_all(&n_dims.to_le_bytes()).map_err(werr)?;
        w.write_all(&(name_len as i32).to_le_bytes())
            .map_err(werr)?;
        let out_type = if quantize { TYPE_Q8_0 } else { ttype };
        w.write_all(&out_type.to_le_bytes()).map_err(werr)?;
        for d in &dims {
            w.write_all(&(*d as i32).to_le_bytes()).map_err(werr)?;
        }
        w.write_all(name.as_bytes()).map_err(werr)?;
        if quantize {
            blocks.clear();
            for block in data.chunks_exact(2 * QK8_0) {
                let mut x = [0f32; QK8_0];
                for (v, b) in x.iter_mut().zip(block.chunks_exact(2)) {
                    *v = f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32();
                }
                quantize_block(&x, &mut blocks);
            }
            w.write_all(&blocks).map_err(werr)?;
            quantized += 1;
        } else {
            w.write_all(&data).map_err(werr)?;
        }
        tensors += 1;
    }
    if tensors == 0 {
        return Err(ModelError::format(&label, "no tensors"));
    }
    if let Some(entry) = expect {
        let (size, sha256) = out.digest();
        check_digest(dest, size, &sha256, entry)?;
    }
    let (size, sha256) = out.commit()?;
    Ok(QuantizeSummary {
        tensors,
        quantized,
        size,
        sha256,
    })
}

/// The 2-D tensors whisper.cpp's quantize leaves alone (f32 in its files).
fn skipped(name: &str) -> bool {
    matches!(
        name,
        "encoder.conv1.bias"
            | "encoder.conv2.bias"
            | "encoder.positional_embedding"
            | "decoder.positional_embedding"
    )
}

/// Appends one q8_0 block of `x` to `out`, as ggml's
/// `quantize_row_q8_0_ref`: the scale from the block's largest magnitude,
/// values multiplied by the f32 inverse scale and rounded half away from
/// zero, the scale stored as f16.
fn quantize_block(x: &[f32; QK8_0], out: &mut Vec<u8>) {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    out.extend_from_slice(&f16::from_f32(d).to_bits().to_le_bytes());
    out.extend(x.iter().map(|v| (v * id).round() as i8 as u8));
}

fn read_u32(r: &mut impl Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_i32(r: &mut impl Read) -> std::io::Result<i32> {
    read_u32(r).map(|v| v as i32)
}

/// A non-negative count or size, bounded so that a corrupt file cannot ask
/// for absurd allocations.
fn read_count(r: &mut impl Read, label: &str) -> Result<usize, ModelError> {
    let v = read_i32(r).map_err(|e| ModelError::format(label, format!("truncated: {e}")))?;
    if !(0..=(1 << 28)).contains(&v) {
        return Err(ModelError::format(
            label,
            format!("implausible size {v} in the header"),
        ));
    }
    Ok(v as usize)
}

fn copy(r: &mut impl Read, w: &mut impl Write, n: usize) -> std::io::Result<u64> {
    std::io::copy(&mut r.take(n as u64), w)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OOM_CD656774: [u8; 96] = [
        108, 109, 103, 103, 152, 202, 0, 0, 220, 5, 0, 0, 128, 1, 0, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1,
        192, 0, 0, 128, 1, 0, 0, 6, 0, 0, 0, 4, 0, 0, 0, 0, 246, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 128, 156, 15, 0, 0, 0, 0, 4,
        0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// A GGML header with f16 ftype, no mel filters, no vocabulary, then
    /// one tensor header with `dims` and a `name_len`-byte name.
    fn ggml_with_tensor(dims: &[i32], name_len: i32) -> Vec<u8> {
        let mut b = GGML_MAGIC.to_le_bytes().to_vec();
        let mut hparams = [0i32; 11];
        hparams[10] = 1;
        for v in hparams.into_iter().chain([0, 0, 0]) {
            b.extend_from_slice(&v.to_le_bytes()); // hparams, n_mel, n_fft, n_vocab
        }
        for v in [dims.len() as i32, name_len, TYPE_F16]
            .into_iter()
            .chain(dims.iter().copied())
        {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend(std::iter::repeat_n(b'x', name_len.clamp(0, 64) as usize));
        b
    }

    #[test]
    fn hostile_tensor_headers_are_refused_before_allocating() {
        // Found by fuzzing (scripts/fuzz.sh ggml): a name length of 2^28 and
        // dims whose product overflows were allocated (or wrapped) before
        // the read failed.
        let dir = tempfile::tempdir().unwrap();
        let (src, dest) = (dir.path().join("in.bin"), dir.path().join("out.bin"));
        for (bytes, want) in [
            (ggml_with_tensor(&[4], 1 << 28), "tensor name of 268435456 bytes (at most 1024)"),
            (
                ggml_with_tensor(&[1 << 28, 1 << 28, 1 << 28, 1 << 28], 8),
                "tensor `xxxxxxxx` of [268435456, 268435456, 268435456, 268435456] is larger than the file",
            ),
            (
                ggml_with_tensor(&[1 << 20, 64], 8),
                "tensor `xxxxxxxx` of [1048576, 64] is larger than the file",
            ),
            // The fuzzer's find (fuzz/artifacts/ggml/oom-cd656774…): an f32
            // tensor of 261,914,624 values, 1 GB, in a 96-byte file.
            (
                OOM_CD656774.to_vec(),
                r"tensor `\0\0\0\0\u{4}\0\0\0\0\0\0\0` of [261914624] is larger than the file",
            ),
        ] {
            std::fs::write(&src, &bytes).unwrap();
            let e = quantize_q8_0(&src, &dest, None).unwrap_err().to_string();
            assert_eq!(e, format!("{}: {want}", src.display()));
            assert!(!dest.exists());
        }
    }

    #[test]
    fn blocks_follow_ggml_reference_quantization() {
        let mut x = [0f32; QK8_0];
        for (i, v) in x.iter_mut().enumerate() {
            *v = (i as f32 - 16.0) / 8.0; // -2.0 ..= 1.875
        }
        let mut out = Vec::new();
        quantize_block(&x, &mut out);
        assert_eq!(out.len(), 34);
        let d = f16::from_bits(u16::from_le_bytes([out[0], out[1]])).to_f32();
        assert!((d - 2.0 / 127.0).abs() < 1e-5, "{d}");
        // -2.0 is the largest magnitude: -127; 0 stays 0; 1.0 is 63.5 -> 64
        // (half away from zero).
        assert_eq!(out[2] as i8, -127);
        assert_eq!(out[2 + 16] as i8, 0);
        assert_eq!(out[2 + 24] as i8, 64);
        // Decoded, every value is within half a step of the original.
        for (i, v) in x.iter().enumerate() {
            let back = f32::from(out[2 + i] as i8) * d;
            assert!((back - v).abs() <= d / 2.0 + 1e-6, "{i}: {back} vs {v}");
        }
        let mut zero = Vec::new();
        quantize_block(&[0.0; QK8_0], &mut zero);
        assert!(zero.iter().all(|&b| b == 0));
    }
}
