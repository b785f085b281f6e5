//! A minimal writer and reader of the safetensors format, float32 only.
//!
//! A safetensors file is an 8-byte little-endian header length `n`, `n`
//! bytes of JSON (an object: for each tensor `{"dtype", "shape",
//! "data_offsets": [begin, end]}`, offsets into the data that follows, plus
//! an optional `__metadata__` object of strings), then the data. callcoach
//! keeps the weights it converts from PyTorch files in this form (the GE2E
//! speaker encoder, [`super::ge2e`]).
//!
//! [`to_bytes`] writes exactly what `write_safetensors` in
//! `scripts/ge2e_reference.py` writes (Python's `json.dumps` with compact
//! separators): tensors sorted by name, keys in the order `dtype`, `shape`,
//! `data_offsets`, names escaped as Python escapes them (`ensure_ascii`),
//! the header padded with spaces to a multiple of 8, no `__metadata__`.
//! For ASCII names that is also serde_json's compact output.
//!
//! [`read`] and [`parse`] are bounded: the file at most [`MAX_FILE_BYTES`],
//! the header at most [`MAX_HEADER_BYTES`] and inside the file, every tensor
//! F32 with offsets inside the data, of the size its shape says, and no two
//! tensors overlapping, so nothing is allocated beyond the bytes present.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::error::ModelError;

/// The largest safetensors file [`read`] loads (the GE2E weights are 5.7 MB).
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// The largest JSON header read (the GE2E header is 1.2 kB).
pub const MAX_HEADER_BYTES: u64 = 1 << 20;
/// Dimensions a tensor may have.
pub const MAX_DIMS: usize = 8;

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
        numel(&self.shape)
    }
}

fn numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

/// The safetensors file of `tensors` (sorted by name in the file, whatever
/// their order here). `label` names the file being written, for errors:
/// two tensors of the same name, or data that does not fit a shape.
pub fn to_bytes(tensors: &[Tensor], label: &str) -> Result<Vec<u8>, ModelError> {
    let mut sorted: Vec<&Tensor> = tensors.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(w) = sorted.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(ModelError::format(
            label,
            format!("two tensors named `{}`", w[0].name.escape_debug()),
        ));
    }
    let mut header = String::from("{");
    let mut pos = 0usize;
    for (i, t) in sorted.iter().enumerate() {
        if t.numel() != Some(t.data.len()) {
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
        let end = pos + 4 * t.data.len();
        if i > 0 {
            header.push(',');
        }
        push_json_string(&mut header, &t.name);
        let shape: Vec<String> = t.shape.iter().map(usize::to_string).collect();
        header.push_str(&format!(
            r#":{{"dtype":"F32","shape":[{}],"data_offsets":[{pos},{end}]}}"#,
            shape.join(",")
        ));
        pos = end;
    }
    header.push('}');
    while !header.len().is_multiple_of(8) {
        header.push(' ');
    }
    let mut out = Vec::with_capacity(8 + header.len() + pos);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for t in sorted {
        for v in &t.data {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    Ok(out)
}

/// Appends `s` as a JSON string the way Python's `json.dumps` writes it
/// (`ensure_ascii`): `"` and `\` escaped, `\n \r \t \b \f` short, every
/// other character outside space..`~` as `\uXXXX` (lower-case hex,
/// surrogate pairs above U+FFFF).
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Reads the float32 tensors of the safetensors file `path`, sorted by
/// name. The file must be at most [`MAX_FILE_BYTES`] (checked before
/// reading); see [`parse`] for what else is checked.
pub fn read(path: &Path) -> Result<Vec<Tensor>, ModelError> {
    let bytes = super::read_model_file(path, MAX_FILE_BYTES, "a safetensors file")?;
    parse(&bytes, &path.display().to_string())
}

/// One tensor's entry in the header.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [usize; 2],
}

/// The float32 tensors of the safetensors file in `bytes`, sorted by name
/// (`__metadata__` is ignored). `label` names the file in errors. Refused,
/// each with a one-line error: a header longer than [`MAX_HEADER_BYTES`] or
/// than the file, a header that is not a JSON object of tensor entries, a
/// dtype other than `F32`, more than [`MAX_DIMS`] dimensions, offsets
/// outside the data or not matching the shape, overlapping tensors.
pub fn parse(bytes: &[u8], label: &str) -> Result<Vec<Tensor>, ModelError> {
    let bad =
        |why: String| ModelError::format(label, format!("not a valid safetensors file: {why}"));
    if bytes.len() < 8 {
        return Err(ModelError::Truncated {
            file: label.to_string(),
            detail: format!("{} bytes, too short for a safetensors file", bytes.len()),
        });
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    if n > MAX_HEADER_BYTES {
        return Err(bad(format!(
            "header of {n} bytes (at most {MAX_HEADER_BYTES})"
        )));
    }
    let n = n as usize;
    if n > bytes.len() - 8 {
        return Err(ModelError::Truncated {
            file: label.to_string(),
            detail: format!("header of {n} bytes, but only {} follow", bytes.len() - 8),
        });
    }
    let (header, data) = bytes[8..].split_at(n);
    let map: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|e| bad(format!("header: {e}")))?;
    let mut spans = Vec::with_capacity(map.len());
    for (name, value) in map {
        if name == "__metadata__" {
            continue;
        }
        let shown = name.escape_debug().to_string();
        let e: Entry =
            serde_json::from_value(value).map_err(|e| bad(format!("tensor `{shown}`: {e}")))?;
        if e.dtype != "F32" {
            return Err(ModelError::format(
                label,
                format!(
                    "tensor `{shown}` is {}: only F32 tensors are read",
                    e.dtype.escape_debug()
                ),
            ));
        }
        if e.shape.len() > MAX_DIMS {
            return Err(bad(format!(
                "tensor `{shown}` has {} dimensions (at most {MAX_DIMS})",
                e.shape.len()
            )));
        }
        let [begin, end] = e.data_offsets;
        let want = numel(&e.shape).and_then(|n| n.checked_mul(4));
        if begin > end || end > data.len() || want != Some(end - begin) {
            return Err(bad(format!(
                "tensor `{shown}` of shape {:?} at bytes {begin}..{end} of {} bytes of data",
                e.shape,
                data.len()
            )));
        }
        spans.push((name, e.shape, begin, end));
    }
    // No two tensors share bytes: what is allocated below is at most the data.
    let mut by_offset: Vec<_> = spans.iter().map(|(n, _, b, e)| (*b, *e, n)).collect();
    by_offset.sort();
    if let Some(w) = by_offset.windows(2).find(|w| w[1].0 < w[0].1) {
        return Err(bad(format!(
            "tensors `{}` and `{}` overlap",
            w[0].2.escape_debug(),
            w[1].2.escape_debug()
        )));
    }
    Ok(spans
        .into_iter()
        .map(|(name, shape, begin, end)| Tensor {
            name,
            shape,
            data: data[begin..end]
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        })
        .collect())
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
    fn names_are_escaped_as_python_json_dumps_does() {
        // json.dumps({'a"\\\n\x7fé😀': 0}, separators=(',', ':'))
        let mut s = String::new();
        push_json_string(&mut s, "a\"\\\n\u{7f}é😀");
        assert_eq!(s, r#""a\"\\\n\u007f\u00e9\ud83d\ude00""#);
        let tensors = vec![t("é😀\u{1}", &[1], 3.0)];
        let back = parse(&to_bytes(&tensors, "t").unwrap(), "t").unwrap();
        assert_eq!(back, tensors);
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
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![1, 2, 3], "x.st: truncated: 3 bytes, too short for a safetensors file"),
            (
                u64::MAX.to_le_bytes().to_vec(),
                "x.st: not a valid safetensors file: header of 18446744073709551615 bytes (at most 1048576)",
            ),
            (
                1000u64.to_le_bytes().to_vec(),
                "x.st: truncated: header of 1000 bytes, but only 0 follow",
            ),
            (
                file(r#"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, 4),
                "x.st: tensor `a` is F16: only F32 tensors are read",
            ),
            (
                file(r#"{"a":{"dtype":"F32","shape":[1000000000,1000000000,1000000000],"data_offsets":[0,4]}}"#, 4),
                "x.st: not a valid safetensors file: tensor `a` of shape [1000000000, 1000000000, 1000000000] at bytes 0..4 of 4 bytes of data",
            ),
            (
                file(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4000000000]}}"#, 4),
                "x.st: not a valid safetensors file: tensor `a` of shape [1] at bytes 0..4000000000 of 4 bytes of data",
            ),
            (
                file(r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8),
                "x.st: not a valid safetensors file: tensors `a` and `b` overlap",
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(parse(&bytes, "x.st").unwrap_err().to_string(), want);
        }
        let e = parse(&file("[1,2]", 0), "x.st").unwrap_err().to_string();
        assert!(
            e.starts_with("x.st: not a valid safetensors file: header: "),
            "{e}"
        );
        let e = parse(&file(r#"{"a":{"dtype":"F32"}}"#, 0), "x.st")
            .unwrap_err()
            .to_string();
        assert!(e.contains("tensor `a`: missing field `shape`"), "{e}");
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
