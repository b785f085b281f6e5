//! The float32 tensors callcoach keeps in the safetensors format (the GE2E
//! speaker encoder's weights converted from PyTorch, [`super::ge2e`]),
//! written and read with Hugging Face's `safetensors` crate.
//!
//! A safetensors file is an 8-byte little-endian header length `n`, `n`
//! bytes of JSON (an object: for each tensor `{"dtype", "shape",
//! "data_offsets": [begin, end]}`, offsets into the data that follows, plus
//! an optional `__metadata__` object of strings), then the data.
//!
//! [`to_bytes`] writes what `write_safetensors` in
//! `scripts/ge2e_reference.py` writes (Python's `json.dumps` with compact
//! separators) for ASCII names, as the GE2E names are: tensors sorted by
//! name, keys in the order `dtype`, `shape`, `data_offsets`, the header
//! padded with spaces to a multiple of 8, no `__metadata__`. A name outside
//! ASCII is stored as UTF-8 where Python writes `\u` escapes: the same
//! JSON string in other bytes.
//!
//! [`read`] and [`parse`] are bounded: the file at most [`MAX_FILE_BYTES`]
//! (checked before reading), and the crate checks that the header lies
//! inside the file and that the tensors, each of the size its shape says,
//! cover the data exactly, without gaps or overlaps; so nothing is
//! allocated beyond the bytes present. Only F32 tensors are read.

use std::borrow::Cow;
use std::path::Path;

use ::safetensors::{Dtype, SafeTensorError, SafeTensors, View};

use super::error::ModelError;

/// The largest safetensors file [`read`] loads (the GE2E weights are 5.7 MB).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// One float32 tensor: its name, its shape (outermost dimension first) and
/// its values in row-major (C) order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// The name, e.g. `lstm.weight_ih_l0` (PyTorch's state-dict key).
    pub name: String,
    /// The shape, outermost first; empty for a scalar.
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values, row-major.
    pub data: Vec<f32>,
}

impl Tensor {
    /// The number of values the shape calls for (`None` on overflow).
    pub fn numel(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
    }
}

/// A [`Tensor`] as the crate's writer sees it: F32, little-endian bytes.
impl View for &Tensor {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.data.iter().flat_map(|v| v.to_le_bytes()).collect())
    }

    fn data_len(&self) -> usize {
        4 * self.data.len()
    }
}

/// The safetensors file of `tensors` (sorted by name in the file, whatever
/// their order here). `label` names the file being written, for errors:
/// two tensors of the same name, or data that does not fit a shape.
pub fn to_bytes(tensors: &[Tensor], label: &str) -> Result<Vec<u8>, ModelError> {
    let mut names: Vec<&str> = tensors.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(ModelError::format(
            label,
            format!("two tensors named `{}`", w[0].escape_debug()),
        ));
    }
    if let Some(t) = tensors.iter().find(|t| t.numel() != Some(t.data.len())) {
        return Err(ModelError::format(
            label,
            format!(
                "tensor `{}` of shape {:?} has {} values",
                t.name.escape_debug(),
                t.shape,
                t.data.len()
            ),
        ));
    }
    ::safetensors::serialize(tensors.iter().map(|t| (t.name.as_str(), t)), None)
        .map_err(|e| ModelError::format(label, format!("not written as safetensors: {e}")))
}

/// Reads the float32 tensors of the safetensors file `path`, sorted by
/// name. The file must be at most [`MAX_FILE_BYTES`] (checked before
/// reading); see [`parse`] for what else is checked.
pub fn read(path: &Path) -> Result<Vec<Tensor>, ModelError> {
    let bytes = super::read_model_file(path, MAX_FILE_BYTES, "a safetensors file")?;
    parse(&bytes, &path.display().to_string())
}

/// The float32 tensors of the safetensors file in `bytes`, sorted by name
/// (`__metadata__` is ignored). `label` names the file in errors. Refused,
/// each with a one-line error: fewer than 8 bytes or a header longer than
/// the file ([`ModelError::Truncated`]), whatever the crate refuses (a
/// header that is not a JSON object of tensor entries, offsets that do not
/// match the shapes or do not cover the data exactly), a dtype other than
/// `F32`.
pub fn parse(bytes: &[u8], label: &str) -> Result<Vec<Tensor>, ModelError> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| match e {
        SafeTensorError::HeaderTooSmall | SafeTensorError::InvalidHeaderLength => {
            ModelError::Truncated {
                file: label.to_string(),
                detail: format!("{e} ({} bytes)", bytes.len()),
            }
        }
        e => ModelError::format(label, format!("not a valid safetensors file: {e}")),
    })?;
    let mut names = file.names();
    names.sort_unstable();
    names
        .into_iter()
        .map(|name| {
            let view = file.tensor(name).expect("a name the file lists");
            if view.dtype() != Dtype::F32 {
                return Err(ModelError::format(
                    label,
                    format!(
                        "tensor `{}` is {}: only F32 tensors are read",
                        name.escape_debug(),
                        view.dtype()
                    ),
                ));
            }
            Ok(Tensor {
                name: name.to_string(),
                shape: view.shape().to_vec(),
                data: view
                    .data()
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, shape: &[usize], first: f32) -> Tensor {
        let n: usize = shape.iter().product();
        Tensor {
            name: name.into(),
            shape: shape.to_vec(),
            data: (0..n).map(|i| first + i as f32).collect(),
        }
    }

    #[test]
    fn writes_sorted_compact_padded_and_reads_back() {
        let tensors = vec![t("b", &[2, 3], 1.0), t("a", &[1], -0.5), t("c", &[], 7.0)];
        let bytes = to_bytes(&tensors, "t").unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        assert_eq!(n % 8, 0);
        let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
        assert_eq!(
            header.trim_end(),
            r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2,3],"data_offsets":[4,28]},"c":{"dtype":"F32","shape":[],"data_offsets":[28,32]}}"#
        );
        assert_eq!(bytes.len(), 8 + n + 32);
        let back = parse(&bytes, "t").unwrap();
        let mut want = tensors.clone();
        want.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(back, want);
    }

    #[test]
    fn header_is_serde_jsons_compact_output_for_ascii_names() {
        use std::collections::BTreeMap;
        #[derive(serde::Serialize)]
        struct E {
            dtype: &'static str,
            shape: Vec<usize>,
            data_offsets: [usize; 2],
        }
        let tensors = vec![
            t("lstm.bias_ih_l0", &[4], 0.0),
            t("linear.weight", &[2, 2], 0.0),
        ];
        let bytes = to_bytes(&tensors, "t").unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut m = BTreeMap::new();
        m.insert(
            "linear.weight",
            E {
                dtype: "F32",
                shape: vec![2, 2],
                data_offsets: [0, 16],
            },
        );
        m.insert(
            "lstm.bias_ih_l0",
            E {
                dtype: "F32",
                shape: vec![4],
                data_offsets: [16, 32],
            },
        );
        let serde = serde_json::to_string(&m).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes[8..8 + n]).unwrap().trim_end(),
            serde
        );
    }

    #[test]
    fn names_outside_ascii_are_utf8_and_read_back() {
        let tensors = vec![t("é😀\u{1}", &[1], 3.0)];
        let bytes = to_bytes(&tensors, "t").unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
        assert!(header.starts_with(r#"{"é😀\u0001":"#), "{header}");
        assert_eq!(parse(&bytes, "t").unwrap(), tensors);
    }

    #[test]
    fn writer_refuses_duplicates_and_wrong_lengths() {
        let e = to_bytes(&[t("a", &[1], 0.0), t("a", &[2], 0.0)], "out.st").unwrap_err();
        assert_eq!(e.to_string(), "out.st: two tensors named `a`");
        let mut bad = t("w", &[2, 2], 0.0);
        bad.data.pop();
        let e = to_bytes(&[bad], "out.st").unwrap_err();
        assert_eq!(
            e.to_string(),
            "out.st: tensor `w` of shape [2, 2] has 3 values"
        );
    }

    /// A file with `header` as its JSON and `data_len` zero bytes of data.
    fn file(header: &str, data_len: usize) -> Vec<u8> {
        let mut b = (header.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(header.as_bytes());
        b.resize(b.len() + data_len, 0);
        b
    }

    #[test]
    fn hostile_files_are_refused_in_one_line() {
        let bad = "x.st: not a valid safetensors file: ";
        let cases: Vec<(Vec<u8>, String)> = vec![
            (
                vec![1, 2, 3],
                "x.st: truncated: header too small (3 bytes)".into(),
            ),
            (
                u64::MAX.to_le_bytes().to_vec(),
                format!("{bad}header too large"),
            ),
            (
                1000u64.to_le_bytes().to_vec(),
                "x.st: truncated: invalid header length (8 bytes)".into(),
            ),
            (
                file(
                    r#"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#,
                    4,
                ),
                "x.st: tensor `a` is F16: only F32 tensors are read".into(),
            ),
            (
                file(
                    r#"{"a":{"dtype":"F32","shape":[1000000000,1000000000,1000000000],"data_offsets":[0,4]}}"#,
                    4,
                ),
                format!("{bad}overflow computing buffer size from shape and/or element type"),
            ),
            (
                file(
                    r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4000000000]}}"#,
                    4,
                ),
                format!("{bad}invalid shape, data type, or offset for tensor"),
            ),
            (
                file(
                    r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                    8,
                ),
                format!("{bad}invalid offset for tensor `b`"),
            ),
            // Data the tensors do not cover.
            (
                file(
                    r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                    8,
                ),
                format!("{bad}incomplete metadata, file not fully covered"),
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(parse(&bytes, "x.st").unwrap_err().to_string(), want);
        }
        let e = parse(&file("[1,2]", 0), "x.st").unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{bad}invalid JSON in header: ")),
            "{e}"
        );
        let e = parse(&file(r#"{"a":{"dtype":"F32"}}"#, 0), "x.st")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing field `shape`"), "{e}");
        // Metadata is skipped.
        let ok = file(
            r#"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            4,
        );
        assert_eq!(parse(&ok, "x.st").unwrap(), vec![t("a", &[1], 0.0)]);
    }

    #[test]
    fn a_sparse_huge_file_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.safetensors");
        std::fs::File::create(&p)
            .unwrap()
            .set_len(10 << 30)
            .unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(
            e.ends_with("10737418240 bytes: too large for a safetensors file (at most 268435456)"),
            "{e}"
        );
    }
}
