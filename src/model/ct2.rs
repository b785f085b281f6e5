//! Reader for CTranslate2 `model.bin` files (the format of faster-whisper).
//!
//! Layout (little-endian), as written by CTranslate2's `ModelSpec.save`,
//! binary version 6: `u32` binary version, string spec name, `u32` spec
//! revision, `u32` variable count, then per variable a string name, `u8` rank,
//! rank × `u32` dims, `u8` dtype, `u32` byte count and the raw data; finally a
//! `u32` alias count and (alias, target) string pairs. A string is a `u16`
//! length that counts a trailing NUL, followed by the bytes.
//!
//! [`Ct2Model::open`] indexes the file in one pass, seeking over the tensor
//! data, so opening costs a few kilobytes of memory whatever the model size;
//! tensor bytes are then streamed on demand with [`Ct2Model::stream`].

use std::collections::HashMap;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;

use super::error::ModelError;
use super::multipart::{self, MultiPartReader};

/// The only CTranslate2 binary version this reader understands.
pub const SUPPORTED_BINARY_VERSION: u32 = 6;

/// Size of the chunks in which tensor data is streamed.
const CHUNK: usize = 1 << 20;

/// Element type of a CTranslate2 variable (CTranslate2's `DataType` codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// code 0
    F32,
    /// code 1
    I8,
    /// code 2
    I16,
    /// code 3
    I32,
    /// code 4
    F16,
    /// code 5
    BF16,
}

impl DType {
    /// Decodes CTranslate2's dtype byte.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::BF16,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }

    /// Lower-case name for messages.
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
        }
    }
}

/// One variable of the model: its name, shape, type and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// CTranslate2 name, e.g. `encoder/layer_0/ffn/linear_0/weight`.
    pub name: String,
    /// Dimensions, slowest-varying first (PyTorch order); empty for scalars.
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// Offset of the first data byte in the (combined) stream.
    pub offset: u64,
    /// Number of data bytes.
    pub nbytes: u64,
}

impl Variable {
    /// Number of elements (1 for a scalar).
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// An indexed CTranslate2 model whose tensor data stays on disk.
#[derive(Debug)]
pub struct Ct2Model<R> {
    reader: R,
    label: String,
    /// Spec name, `WhisperSpec` for Whisper models.
    pub spec: String,
    /// Spec revision (3 for the Whisper files we convert).
    pub revision: u32,
    vars: Vec<Variable>,
    index: HashMap<String, usize>,
    aliases: HashMap<String, String>,
}

impl Ct2Model<BufReader<MultiPartReader>> {
    /// Opens a `model.bin` given as one file or as several parts that,
    /// concatenated in order, form the file. The parts are streamed as one
    /// reader; nothing is concatenated on disk.
    pub fn open(parts: &[PathBuf]) -> Result<Self, ModelError> {
        let label = multipart::label(parts);
        if parts.is_empty() {
            return Err(ModelError::format("(no input)", "no model.bin given"));
        }
        let reader = MultiPartReader::open(parts).map_err(|(p, e)| ModelError::io(&p, e))?;
        let len = reader.len();
        Self::from_reader(BufReader::with_capacity(64 << 10, reader), len, label)
    }
}

impl<R: Read + Seek> Ct2Model<R> {
    /// Indexes a model from any seekable reader of `len` bytes; `label` names
    /// the source in error messages.
    pub fn from_reader(reader: R, len: u64, label: String) -> Result<Self, ModelError> {
        let mut h = Header {
            r: reader,
            pos: 0,
            len,
            label: &label,
        };
        let version = h.u32("the binary version")?;
        if version != SUPPORTED_BINARY_VERSION {
            let detail = if version == 0x6767_6d6c {
                "this is already a whisper.cpp GGML file (starts with `lmgg`), not a CTranslate2 model.bin".to_string()
            } else {
                format!(
                    "not a CTranslate2 model.bin: binary version {version} (0x{version:08x}), expected {SUPPORTED_BINARY_VERSION}"
                )
            };
            return Err(ModelError::BadMagic {
                file: label.clone(),
                detail,
            });
        }
        let spec = h.string("the spec name")?;
        if spec != "WhisperSpec" {
            return Err(ModelError::BadMagic {
                file: label.clone(),
                detail: format!(
                    "model spec `{spec}`, expected `WhisperSpec` (not a Whisper model)"
                ),
            });
        }
        let revision = h.u32("the spec revision")?;
        let count = h.u32("the variable count")? as usize;
        // Each variable needs at least 8 header bytes; reject absurd counts
        // before allocating.
        if count as u64 * 8 > len {
            return Err(ModelError::Truncated {
                file: label.clone(),
                detail: format!("announces {count} variables but has only {len} bytes"),
            });
        }
        let mut vars = Vec::with_capacity(count);
        let mut index = HashMap::with_capacity(count);
        for i in 0..count {
            let v = h.variable(&format!("variable {} of {count}", i + 1))?;
            if index.insert(v.name.clone(), vars.len()).is_some() {
                return Err(ModelError::format(
                    &label,
                    format!("variable `{}` appears twice", v.name),
                ));
            }
            vars.push(v);
        }
        let n_alias = h.u32("the alias count")? as usize;
        if n_alias as u64 * 4 > len {
            return Err(ModelError::Truncated {
                file: label.clone(),
                detail: format!("announces {n_alias} aliases"),
            });
        }
        let mut aliases = HashMap::with_capacity(n_alias);
        for i in 0..n_alias {
            let alias = h.string(&format!("alias {} of {n_alias}", i + 1))?;
            let target = h.string(&format!("the target of alias `{alias}`"))?;
            aliases.insert(alias, target);
        }
        if h.pos != len {
            return Err(ModelError::format(
                &label,
                format!(
                    "{} unexpected bytes after the alias table (parts in the wrong order, or a part given twice?)",
                    len - h.pos
                ),
            ));
        }
        Ok(Self {
            reader: h.r,
            label,
            spec,
            revision,
            vars,
            index,
            aliases,
        })
    }

    /// The label used in messages: the file, or the parts joined with ` + `.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// All variables in file order (aliases not included).
    pub fn variables(&self) -> &[Variable] {
        &self.vars
    }

    /// The alias table: alias name → target name.
    pub fn aliases(&self) -> &HashMap<String, String> {
        &self.aliases
    }

    /// Looks a variable up by name, following aliases (chains included).
    pub fn get(&self, name: &str) -> Option<&Variable> {
        let mut name = name;
        // An alias chain longer than the table must loop.
        for _ in 0..=self.aliases.len() {
            if let Some(&i) = self.index.get(name) {
                return Some(&self.vars[i]);
            }
            name = self.aliases.get(name)?;
        }
        None
    }

    /// Like [`Ct2Model::get`], but a missing variable is a
    /// [`ModelError::MissingTensor`].
    pub fn require(&self, name: &str) -> Result<&Variable, ModelError> {
        self.get(name).ok_or_else(|| ModelError::MissingTensor {
            file: self.label.clone(),
            name: name.to_string(),
        })
    }

    /// Reads an integer scalar such as `encoder/num_heads` (stored as int8,
    /// int16 or int32 depending on the converter version).
    pub fn int_scalar(&mut self, name: &str) -> Result<i64, ModelError> {
        let v = self.require(name)?.clone();
        if v.numel() != 1 {
            return Err(ModelError::format(
                &self.label,
                format!("`{name}` should be a scalar, has shape {:?}", v.shape),
            ));
        }
        let mut b = Vec::with_capacity(4);
        self.stream(v.offset, v.nbytes, |c| {
            b.extend_from_slice(c);
            Ok(())
        })?;
        Ok(match v.dtype {
            DType::I8 => b[0] as i8 as i64,
            DType::I16 => i16::from_le_bytes([b[0], b[1]]) as i64,
            DType::I32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            other => {
                return Err(ModelError::format(
                    &self.label,
                    format!("`{name}` should be an integer, is {}", other.name()),
                ))
            }
        })
    }

    /// Streams `len` bytes starting at stream offset `start` to `sink` in
    /// chunks of at most 1 MiB, so memory stays bounded whatever the tensor.
    pub fn stream(
        &mut self,
        start: u64,
        len: u64,
        mut sink: impl FnMut(&[u8]) -> Result<(), ModelError>,
    ) -> Result<(), ModelError> {
        let label = &self.label;
        let io = |e: std::io::Error| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                ModelError::Truncated {
                    file: label.clone(),
                    detail: format!("tensor data at offset {start} ends early"),
                }
            } else {
                ModelError::Io {
                    file: label.clone(),
                    source: e,
                }
            }
        };
        self.reader.seek(SeekFrom::Start(start)).map_err(io)?;
        let mut buf = vec![0u8; CHUNK.min(len as usize)];
        let mut left = len;
        while left > 0 {
            let n = (left as usize).min(buf.len());
            self.reader.read_exact(&mut buf[..n]).map_err(io)?;
            sink(&buf[..n])?;
            left -= n as u64;
        }
        Ok(())
    }
}

/// Sequential header reader that tracks its position and turns a short read
/// into a [`ModelError::Truncated`] saying what was being read.
struct Header<'a, R> {
    r: R,
    pos: u64,
    len: u64,
    label: &'a str,
}

impl<R: Read + Seek> Header<'_, R> {
    /// One variable's header (name, rank, shape, dtype code, byte count),
    /// checked against its shape and the data left, and its data skipped;
    /// `what` ("variable 3 of 245") names it until its name is read.
    fn variable(&mut self, what: &str) -> Result<Variable, ModelError> {
        let name = self.string(&format!("the name of {what}"))?;
        let rank = self.u8(&format!("the rank of `{name}`"))? as usize;
        let mut shape = Vec::with_capacity(rank);
        for _ in 0..rank {
            shape.push(self.u32(&format!("the shape of `{name}`"))? as usize);
        }
        let code = self.u8(&format!("the dtype of `{name}`"))?;
        let dtype = DType::from_code(code).ok_or_else(|| {
            ModelError::format(
                self.label,
                format!("variable `{name}` has unknown dtype code {code}"),
            )
        })?;
        let nbytes = self.u32(&format!("the byte count of `{name}`"))? as u64;
        let expected = shape.iter().product::<usize>() as u64 * dtype.size() as u64;
        if nbytes != expected {
            return Err(ModelError::format(
                self.label,
                format!(
                    "variable `{name}` {shape:?} {} holds {nbytes} bytes, its shape needs {expected}",
                    dtype.name()
                ),
            ));
        }
        let (offset, len) = (self.pos, self.len);
        if offset + nbytes > len {
            return Err(ModelError::Truncated {
                file: self.label.to_string(),
                detail: format!(
                    "variable `{name}` needs {nbytes} bytes at offset {offset}, but the data ends at {len}"
                ),
            });
        }
        self.skip(nbytes)?;
        Ok(Variable {
            name,
            shape,
            dtype,
            offset,
            nbytes,
        })
    }

    fn bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N], ModelError> {
        let mut b = [0u8; N];
        self.exact(&mut b, what)?;
        Ok(b)
    }

    fn exact(&mut self, b: &mut [u8], what: &str) -> Result<(), ModelError> {
        if self.pos + b.len() as u64 > self.len {
            return Err(self.truncated(what));
        }
        self.r.read_exact(b).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                self.truncated(what)
            } else {
                ModelError::Io {
                    file: self.label.to_string(),
                    source: e,
                }
            }
        })?;
        self.pos += b.len() as u64;
        Ok(())
    }

    fn truncated(&self, what: &str) -> ModelError {
        ModelError::Truncated {
            file: self.label.to_string(),
            detail: format!("ends at byte {} while reading {what}", self.len),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8, ModelError> {
        Ok(self.bytes::<1>(what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.bytes::<4>(what)?))
    }

    fn string(&mut self, what: &str) -> Result<String, ModelError> {
        let n = u16::from_le_bytes(self.bytes::<2>(what)?) as usize;
        let mut b = vec![0u8; n];
        self.exact(&mut b, what)?;
        if b.last() == Some(&0) {
            b.pop();
        }
        String::from_utf8(b)
            .map_err(|_| ModelError::format(self.label, format!("{what} is not UTF-8")))
    }

    fn skip(&mut self, n: u64) -> Result<(), ModelError> {
        self.r
            .seek(SeekFrom::Current(n as i64))
            .map_err(|e| ModelError::Io {
                file: self.label.to_string(),
                source: e,
            })?;
        self.pos += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    fn tiny_file() -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&6u32.to_le_bytes());
        string(&mut f, "WhisperSpec");
        f.extend_from_slice(&3u32.to_le_bytes());
        f.extend_from_slice(&2u32.to_le_bytes());
        string(&mut f, "a/weight");
        f.push(2);
        f.extend_from_slice(&2u32.to_le_bytes());
        f.extend_from_slice(&3u32.to_le_bytes());
        f.push(0);
        f.extend_from_slice(&24u32.to_le_bytes());
        for v in 0..6 {
            f.extend_from_slice(&(v as f32).to_le_bytes());
        }
        string(&mut f, "a/num_heads");
        f.push(0);
        f.push(2);
        f.extend_from_slice(&2u32.to_le_bytes());
        f.extend_from_slice(&7i16.to_le_bytes());
        f.extend_from_slice(&1u32.to_le_bytes());
        string(&mut f, "b/weight");
        string(&mut f, "a/weight");
        f
    }

    #[test]
    fn indexes_resolves_aliases_and_streams() {
        let f = tiny_file();
        let len = f.len() as u64;
        let mut m = Ct2Model::from_reader(Cursor::new(f), len, "mem".into()).unwrap();
        assert_eq!(m.variables().len(), 2);
        let w = m.get("b/weight").unwrap().clone();
        assert_eq!(w.name, "a/weight");
        assert_eq!(w.shape, vec![2, 3]);
        assert_eq!(m.int_scalar("a/num_heads").unwrap(), 7);
        let mut got = Vec::new();
        m.stream(w.offset + 4, 8, |c| {
            got.extend_from_slice(c);
            Ok(())
        })
        .unwrap();
        assert_eq!(got[..4], 1f32.to_le_bytes());
        assert_eq!(got[4..], 2f32.to_le_bytes());
    }

    #[test]
    fn every_truncation_point_is_an_error_not_a_panic() {
        let f = tiny_file();
        for cut in 0..f.len() {
            let part = f[..cut].to_vec();
            let err = Ct2Model::from_reader(Cursor::new(part), cut as u64, "cut.bin".into())
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("cut.bin: "), "{err}");
        }
    }
}
