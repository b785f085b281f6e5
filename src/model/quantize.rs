//! q8_0 quantization of a GGML whisper model, as whisper.cpp's `quantize`
//! tool writes it (`examples/quantize/quantize.cpp` and
//! `ggml_common_quantize_0` in `examples/common-ggml.cpp`).
//!
//! Every 2-D f16 matrix (attention, MLP, token embedding) becomes blocks of
//! 32 values: an f16 scale `d = max|x| / 127` and 32 signed bytes
//! `round(x / d)`, 34 bytes per 32 values instead of 64. The conv weights
//! (3-D), biases, norms and the positional embeddings keep their type. The
//! header's `ftype` becomes 2007 (GGML_QNT_VERSION 2 × 1000 +
//! GGML_FTYPE_MOSTLY_Q8_0 7). Matrix products over int8 blocks move half
//! the bytes of f16, which is what whisper.cpp's CPU kernels are bound by.
//!
//! The blocks are computed by ggml itself: `ggml_quantize_chunk` of the
//! ggml linked for whisper.cpp (through whisper-rs's `raw-api`), the call
//! whisper.cpp's tool makes (for q8_0 it runs `quantize_row_q8_0_ref`).
//! Only the walk over the file (header, vocabulary, tensor records) is
//! ours: whisper.cpp ships it as an example program, not as a library
//! function. The output is byte-identical to that program's: for
//! `ggml-base.bin`, whisper.cpp's `quantize` (built from its examples
//! against the same ggml) and `callcoach model quantize` both write the
//! 81,768,585 bytes of SHA-256 `78d71c3a…4eec2a`, the `base-q8_0` entry of
//! `models/manifest.json`.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use half::f16;
use whisper_rs::whisper_rs_sys::{ggml_quantize_chunk, ggml_type_GGML_TYPE_Q8_0};

use super::atomic::AtomicFile;
use super::error::ModelError;
use super::ggml::HParams;
use super::manifest::{check_digest, ManifestEntry};

/// ggml's tensor type ids.
const TYPE_F32: i32 = 0;
const TYPE_F16: i32 = 1;
const TYPE_Q8_0: i32 = 8;
/// Values per q8_0 block, and bytes per block (an f16 scale, 32 int8).
const QK8_0: usize = 32;
const BLOCK_Q8_0: usize = 2 + QK8_0;
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
    let file = File::open(src).map_err(|e| ModelError::io(src, e))?;
    let file_len = file.metadata().map_err(|e| ModelError::io(src, e))?.len();
    let mut copier = Copier {
        r: BufReader::with_capacity(1 << 20, file),
        src,
        dest,
        label: src.display().to_string(),
        file_len,
    };
    let mut out = AtomicFile::create(dest)?;
    copier.header(out.writer())?;
    let (tensors, quantized) = copier.tensors(out.writer())?;
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

/// The reading side of one quantization: the input, its name and size,
/// and the output's name for errors.
struct Copier<'a, R> {
    r: R,
    src: &'a Path,
    dest: &'a Path,
    label: String,
    file_len: u64,
}

/// One tensor record's header: `n_dims, name length, type, dims, name`.
struct TensorHeader {
    ttype: i32,
    dims: Vec<usize>,
    name: String,
}

impl TensorHeader {
    fn write(&self, w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(&(self.dims.len() as i32).to_le_bytes())?;
        w.write_all(&(self.name.len() as i32).to_le_bytes())?;
        w.write_all(&self.ttype.to_le_bytes())?;
        for d in &self.dims {
            w.write_all(&(*d as i32).to_le_bytes())?;
        }
        w.write_all(self.name.as_bytes())
    }
}

impl<R: Read> Copier<'_, R> {
    fn rerr(&self, e: std::io::Error) -> ModelError {
        ModelError::io(self.src, e)
    }

    fn werr(&self, e: std::io::Error) -> ModelError {
        ModelError::io(self.dest, e)
    }

    /// Copies the header (with the q8_0 `ftype`), the mel filters and the
    /// vocabulary. Only f16 models (`ftype` 1) are quantized.
    fn header(&mut self, w: &mut impl Write) -> Result<(), ModelError> {
        let mut hp = HParams::read(&mut self.r, &self.label)?;
        if hp.ftype != 1 {
            return Err(ModelError::format(
                &self.label,
                format!(
                    "ftype {} (only f16 models, ftype 1, are quantized)",
                    hp.ftype
                ),
            ));
        }
        hp.ftype = FTYPE_Q8_0 as usize;
        w.write_all(&hp.to_bytes()).map_err(|e| self.werr(e))?;
        let n_mel = self.count_to(w)?;
        let n_fft = self.count_to(w)?;
        self.copy_to(w, n_mel * n_fft * 4)?;
        for _ in 0..self.count_to(w)? {
            let len = self.count_to(w)?;
            self.copy_to(w, len)?;
        }
        Ok(())
    }

    /// Copies the tensor records to the end of the input, the 2-D f16
    /// matrices as q8_0: the number of tensors and of those quantized.
    fn tensors(&mut self, w: &mut impl Write) -> Result<(usize, usize), ModelError> {
        let (mut tensors, mut quantized) = (0, 0);
        let (mut data, mut values, mut blocks) = (Vec::new(), Vec::new(), Vec::new());
        while let Some(mut t) = self.tensor_header()? {
            let size = if t.ttype == TYPE_F32 { 4 } else { 2 };
            // Checked against the file before anything is allocated.
            let bytes = t
                .dims
                .iter()
                .try_fold(size, |n: usize, &d| n.checked_mul(d))
                .filter(|&b| b as u64 <= self.file_len)
                .ok_or_else(|| {
                    ModelError::format(
                        &self.label,
                        format!(
                            "tensor `{}` of {:?} is larger than the file",
                            t.name.escape_debug(),
                            t.dims
                        ),
                    )
                })?;
            data.resize(bytes, 0);
            self.r.read_exact(&mut data).map_err(|e| self.rerr(e))?;
            let quantize = t.ttype == TYPE_F16
                && t.dims.len() == 2
                && t.dims[0] % QK8_0 == 0
                && !skipped(&t.name);
            if quantize {
                t.ttype = TYPE_Q8_0;
                quantize_rows(&data, t.dims[0], &mut values, &mut blocks);
                quantized += 1;
            }
            t.write(w).map_err(|e| self.werr(e))?;
            w.write_all(if quantize { &blocks } else { &data })
                .map_err(|e| self.werr(e))?;
            tensors += 1;
        }
        if tensors == 0 {
            return Err(ModelError::format(&self.label, "no tensors"));
        }
        Ok((tensors, quantized))
    }

    /// The next tensor record's header, `None` at the end of the input.
    /// Refused: other than 1 to 4 dimensions, a name longer than
    /// [`MAX_NAME`], a type other than f32 or f16.
    fn tensor_header(&mut self) -> Result<Option<TensorHeader>, ModelError> {
        let n_dims = match read_i32(&mut self.r) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(self.rerr(e)),
        };
        if !(1..=4).contains(&n_dims) {
            return Err(ModelError::format(
                &self.label,
                format!("tensor with {n_dims} dimensions"),
            ));
        }
        let name_len = self.count()?;
        let ttype = read_i32(&mut self.r).map_err(|e| self.rerr(e))?;
        let dims = (0..n_dims)
            .map(|_| self.count())
            .collect::<Result<Vec<_>, _>>()?;
        if name_len > MAX_NAME {
            return Err(ModelError::format(
                &self.label,
                format!("tensor name of {name_len} bytes (at most {MAX_NAME})"),
            ));
        }
        let mut name = vec![0u8; name_len];
        self.r.read_exact(&mut name).map_err(|e| self.rerr(e))?;
        let name = String::from_utf8_lossy(&name).into_owned();
        if ttype != TYPE_F32 && ttype != TYPE_F16 {
            return Err(ModelError::format(
                &self.label,
                format!(
                    "tensor `{}` has type {ttype} (only f32/f16 are read)",
                    name.escape_debug()
                ),
            ));
        }
        Ok(Some(TensorHeader { ttype, dims, name }))
    }

    /// A non-negative count or size, bounded so that a corrupt file cannot
    /// ask for absurd allocations.
    fn count(&mut self) -> Result<usize, ModelError> {
        let v = read_i32(&mut self.r)
            .map_err(|e| ModelError::format(&self.label, format!("truncated: {e}")))?;
        if !(0..=(1 << 28)).contains(&v) {
            return Err(ModelError::format(
                &self.label,
                format!("implausible size {v} in the header"),
            ));
        }
        Ok(v as usize)
    }

    /// [`Copier::count`], also written to `w`.
    fn count_to(&mut self, w: &mut impl Write) -> Result<usize, ModelError> {
        let n = self.count()?;
        w.write_all(&(n as i32).to_le_bytes())
            .map_err(|e| self.werr(e))?;
        Ok(n)
    }

    /// Copies the next `n` bytes of the input to `w`.
    fn copy_to(&mut self, w: &mut impl Write, n: usize) -> Result<(), ModelError> {
        let copied =
            std::io::copy(&mut (&mut self.r).take(n as u64), w).map_err(|e| self.rerr(e))?;
        if copied < n as u64 {
            return Err(self.rerr(std::io::ErrorKind::UnexpectedEof.into()));
        }
        Ok(())
    }
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

/// Sets `out` to the q8_0 blocks of the f16 row-major matrix `f16_bytes`,
/// whose rows hold `n_per_row` values (a multiple of 32), by ggml's
/// `ggml_quantize_chunk` on the values widened to f32 in `values`.
fn quantize_rows(f16_bytes: &[u8], n_per_row: usize, values: &mut Vec<f32>, out: &mut Vec<u8>) {
    assert!(
        n_per_row.is_multiple_of(QK8_0),
        "rows of {n_per_row} values"
    );
    values.clear();
    values.extend(
        f16_bytes
            .chunks_exact(2)
            .map(|b| f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()),
    );
    let nrows = values.len().checked_div(n_per_row).unwrap_or(0);
    out.clear();
    out.resize(nrows * n_per_row / QK8_0 * BLOCK_Q8_0, 0);
    // SAFETY: `values` holds `nrows * n_per_row` f32 and `out` the bytes of
    // as many q8_0 blocks; `n_per_row` is a multiple of the block size
    // (ggml asserts it), q8_0 takes no importance matrix (null), and the
    // call writes only `out` and returns the bytes written.
    let written = unsafe {
        ggml_quantize_chunk(
            ggml_type_GGML_TYPE_Q8_0,
            values.as_ptr(),
            out.as_mut_ptr().cast(),
            0,
            nrows as i64,
            n_per_row as i64,
            std::ptr::null(),
        )
    };
    assert_eq!(
        written,
        out.len(),
        "ggml_quantize_chunk wrote {written} bytes"
    );
}

fn read_i32(r: &mut impl Read) -> std::io::Result<i32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(i32::from_le_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::super::ggml::GGML_MAGIC;
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
        // Two rows of 32 values: -2.0 ..= 1.875, then all zero.
        let x: Vec<f32> = (0..QK8_0).map(|i| (i as f32 - 16.0) / 8.0).collect();
        let f16_bytes: Vec<u8> = x
            .iter()
            .chain(&[0.0; QK8_0])
            .flat_map(|v| f16::from_f32(*v).to_bits().to_le_bytes())
            .collect();
        let (mut values, mut out) = (Vec::new(), Vec::new());
        quantize_rows(&f16_bytes, QK8_0, &mut values, &mut out);
        assert_eq!(out.len(), 2 * BLOCK_Q8_0);
        let d = f16::from_bits(u16::from_le_bytes([out[0], out[1]])).to_f32();
        // f16 has 11 significant bits: 2/127 is stored within 2^-17.
        assert!((d - 2.0 / 127.0).abs() < 1e-5, "{d}");
        // -2.0 is the largest magnitude: -127; 0 stays 0; 1.0 is 63.5 -> 64
        // (roundf: half away from zero).
        assert_eq!(out[2] as i8, -127);
        assert_eq!(out[2 + 16] as i8, 0);
        assert_eq!(out[2 + 24] as i8, 64);
        // Decoded, every value is within half a step of the original (the
        // 1e-6 absorbs the f32 rounding of the product).
        for (i, v) in x.iter().enumerate() {
            let back = f32::from(out[2 + i] as i8) * d;
            assert!((back - v).abs() <= d / 2.0 + 1e-6, "{i}: {back} vs {v}");
        }
        // A zero block: scale 0, every value 0.
        assert!(out[BLOCK_Q8_0..].iter().all(|&b| b == 0));
    }

    #[test]
    fn a_tiny_model_is_quantized_and_its_header_copied() {
        // Header (ftype 1), 1 x 2 mel filters, a vocabulary of one token,
        // then a 32 x 1 f16 matrix (quantized), a 2-D conv bias (kept) and
        // a 1-D f32 norm (kept).
        let mut b = GGML_MAGIC.to_le_bytes().to_vec();
        let push = |b: &mut Vec<u8>, v: i32| b.extend_from_slice(&v.to_le_bytes());
        for v in [51865, 1500, 512, 8, 6, 448, 512, 8, 6, 80, 1] {
            push(&mut b, v);
        }
        for v in [1, 2] {
            push(&mut b, v);
        }
        b.extend_from_slice(&[0.5f32.to_le_bytes(), 0.25f32.to_le_bytes()].concat());
        push(&mut b, 1);
        push(&mut b, 2);
        b.extend_from_slice(b"hi");
        let header_end = b.len();
        let tensor = |b: &mut Vec<u8>, name: &str, ttype: i32, dims: &[i32], data: &[u8]| {
            for v in [dims.len() as i32, name.len() as i32, ttype] {
                push(b, v);
            }
            for &d in dims {
                push(b, d);
            }
            b.extend_from_slice(name.as_bytes());
            b.extend_from_slice(data);
        };
        let ones: Vec<u8> = (0..QK8_0)
            .flat_map(|_| f16::ONE.to_bits().to_le_bytes())
            .collect();
        tensor(&mut b, "w", TYPE_F16, &[32, 1], &ones);
        tensor(&mut b, "encoder.conv1.bias", TYPE_F16, &[1, 32], &ones);
        tensor(&mut b, "ln.weight", TYPE_F32, &[1], &1f32.to_le_bytes());
        let dir = tempfile::tempdir().unwrap();
        let (src, dest) = (dir.path().join("in.bin"), dir.path().join("out.bin"));
        std::fs::write(&src, &b).unwrap();
        let s = quantize_q8_0(&src, &dest, None).unwrap();
        assert_eq!((s.tensors, s.quantized), (3, 1));
        let out = std::fs::read(&dest).unwrap();
        let mut want = b[..header_end].to_vec();
        want[44..48].copy_from_slice(&FTYPE_Q8_0.to_le_bytes());
        // All ones: scale 1/127 (f16 0x2008), every value 127.
        let mut block = f16::from_f32(1.0 / 127.0).to_bits().to_le_bytes().to_vec();
        block.extend([127u8; QK8_0]);
        tensor(&mut want, "w", TYPE_Q8_0, &[32, 1], &block);
        tensor(&mut want, "encoder.conv1.bias", TYPE_F16, &[1, 32], &ones);
        tensor(&mut want, "ln.weight", TYPE_F32, &[1], &1f32.to_le_bytes());
        assert_eq!(out, want);
        assert_eq!(HParams::read_path(&dest).unwrap().ftype, 2007);
    }

    #[test]
    fn only_f16_ggml_models_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let (src, dest) = (dir.path().join("in.bin"), dir.path().join("out.bin"));
        let mut q8 = ggml_with_tensor(&[32], 1);
        q8[44..48].copy_from_slice(&FTYPE_Q8_0.to_le_bytes());
        for (bytes, want) in [
            (
                b"RIFF".to_vec(),
                "bad magic: 0x46464952, expected 0x67676d6c (`lmgg`): not a whisper.cpp GGML model",
            ),
            (q8, "ftype 2007 (only f16 models, ftype 1, are quantized)"),
        ] {
            std::fs::write(&src, &bytes).unwrap();
            let e = quantize_q8_0(&src, &dest, None).unwrap_err().to_string();
            assert_eq!(e, format!("{}: {want}", src.display()));
            assert!(!dest.exists());
        }
    }
}
