//! Minimal reader for NumPy `.npy` arrays and `.npz` archives.
//!
//! Implements the NumPy format specification (`numpy.lib.format`, versions
//! 1.0–3.0): the magic `\x93NUMPY`, a version, a little-endian header length
//! (`u16` in 1.0, `u32` later), a Python-literal header dict with `descr`,
//! `fortran_order` and `shape`, then the raw data. Only what the converter
//! needs is supported: C-order little-endian `float32` (`<f4`) and `float64`
//! (`<f8`, converted to f32). An `.npz` is a zip of `.npy` files.

use std::io::{Cursor, Read};

use super::error::ModelError;

/// A 2-D (or any-rank) float32 array in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// Dimensions, slowest-varying first.
    pub shape: Vec<usize>,
    /// Elements in C (row-major) order.
    pub data: Vec<f32>,
}

/// Parses one `.npy` file held in memory; `label` names it in errors.
pub fn parse_npy(bytes: &[u8], label: &str) -> Result<Array, ModelError> {
    let bad = |d: &str| ModelError::format(label, format!("npy: {d}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(ModelError::BadMagic {
            file: label.to_string(),
            detail: "not a NumPy .npy array (no `\\x93NUMPY` signature)".into(),
        });
    }
    let major = bytes[6];
    let (hlen, hstart) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(ModelError::Truncated {
                    file: label.into(),
                    detail: "npy header length".into(),
                });
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return Err(bad(&format!("unsupported format version {v}"))),
    };
    let header = bytes
        .get(hstart..hstart + hlen)
        .ok_or_else(|| ModelError::Truncated {
            file: label.into(),
            detail: "npy header".into(),
        })?;
    let header = std::str::from_utf8(header).map_err(|_| bad("header is not text"))?;
    let descr = dict_value(header, "descr").ok_or_else(|| bad("header lacks `descr`"))?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    let fortran =
        dict_value(header, "fortran_order").ok_or_else(|| bad("header lacks `fortran_order`"))?;
    if fortran != "False" {
        return Err(bad("Fortran-order arrays are not supported"));
    }
    let shape_s = dict_value(header, "shape").ok_or_else(|| bad("header lacks `shape`"))?;
    let shape: Vec<usize> = shape_s
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(&format!("bad shape `{shape_s}`")))
        })
        .collect::<Result<_, _>>()?;
    let n: usize = shape.iter().product();
    let body = &bytes[hstart + hlen..];
    let width = match descr {
        "<f4" => 4,
        "<f8" => 8,
        d => return Err(bad(&format!("dtype `{d}` not supported (need <f4 or <f8)"))),
    };
    if body.len() < n * width {
        return Err(ModelError::Truncated {
            file: label.into(),
            detail: format!(
                "npy data: {} bytes for {n} elements of {width} bytes",
                body.len()
            ),
        });
    }
    let data = if width == 4 {
        body[..n * 4]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    } else {
        body[..n * 8]
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
            .collect()
    };
    Ok(Array { shape, data })
}

/// Reads array `name` (without the `.npy` suffix) from an `.npz` held in
/// memory.
pub fn npz_array(npz: &[u8], name: &str, label: &str) -> Result<Array, ModelError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(npz))
        .map_err(|e| ModelError::format(label, format!("not a valid .npz (zip) archive: {e}")))?;
    let member = format!("{name}.npy");
    let mut f = zip
        .by_name(&member)
        .map_err(|_| ModelError::MissingMember {
            archive: label.to_string(),
            member: member.clone(),
        })?;
    let mut bytes = Vec::with_capacity(f.size() as usize);
    f.read_to_end(&mut bytes)
        .map_err(|e| ModelError::format(label, format!("{member}: {e}")))?;
    parse_npy(&bytes, &format!("{label}:{member}"))
}

/// The raw text of `key`'s value in a Python dict literal like
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (80, 201), }`.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[at + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else if let Some(q) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') {
        rest[1..].find(q)? + 2
    } else {
        rest.find([',', '}'])?
    };
    Some(rest[..end].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, data: &[u8]) -> Vec<u8> {
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(header.len() as u16).to_le_bytes());
        b.extend_from_slice(header.as_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn parses_c_order_float32() {
        let data: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let a = parse_npy(
            &npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
                &data,
            ),
            "t.npy",
        )
        .unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn rejects_other_dtypes_and_short_data() {
        let e = parse_npy(
            &npy(
                "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }",
                &[0; 4],
            ),
            "t.npy",
        );
        assert!(e.unwrap_err().to_string().contains("<i4"));
        let e = parse_npy(
            &npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (9,), }",
                &[0; 4],
            ),
            "t.npy",
        );
        assert!(e.unwrap_err().to_string().starts_with("t.npy: truncated"));
        assert!(parse_npy(b"PK\x03\x04rest....", "t.npy").is_err());
    }
}
