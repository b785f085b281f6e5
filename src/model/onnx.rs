//! Just enough of the ONNX file format to take the weights out of a model:
//! the graph's initializers (name, shape, data type, raw bytes).
//!
//! An ONNX file is a protocol-buffers message (`ModelProto`, onnx.proto3):
//! field 7 is the graph, whose field 5 holds the initializers
//! (`TensorProto`: 1 dims, 2 data_type, 8 name, 9 raw_data, 4 float_data).
//! Nodes (graph field 1) may carry subgraphs in their attributes (field 5,
//! `AttributeProto` field 6 `g`), which are searched too. Everything else is
//! skipped by wire type. Reading is bounded by the input: every length is
//! checked against the bytes left before it is used.

use super::error::ModelError;

/// ONNX `TensorProto.DataType` of 32-bit floats.
pub const FLOAT: i64 = 1;

/// One initializer (a constant tensor) of an ONNX graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Initializer {
    /// Its name (for exported PyTorch models, the state-dict key).
    pub name: String,
    /// The shape, outermost dimension first.
    pub dims: Vec<i64>,
    /// ONNX data type id (1 = float).
    pub data_type: i64,
    /// Little-endian data: `raw_data`, or `float_data` re-encoded.
    pub data: Vec<u8>,
}

impl Initializer {
    /// The values as `f32`, when the tensor is a float tensor whose data
    /// length matches its shape.
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        let n: i64 = self.dims.iter().product();
        if self.data_type != FLOAT || self.data.len() as i64 != n * 4 {
            return None;
        }
        Some(
            self.data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

/// All initializers of the ONNX model in `bytes`, main graph first, then
/// those of subgraphs in the order met. `label` names the file in errors.
pub fn initializers(bytes: &[u8], label: &str) -> Result<Vec<Initializer>, ModelError> {
    let bad = |why: &str| ModelError::format(label, format!("not a valid ONNX model: {why}"));
    let mut out = Vec::new();
    let mut found_graph = false;
    for field in Fields::new(bytes) {
        let (number, value) = field.map_err(&bad)?;
        if let (7, Value::Bytes(graph)) = (number, value) {
            found_graph = true;
            read_graph(graph, &mut out, 0).map_err(&bad)?;
        }
    }
    if !found_graph {
        return Err(bad("no graph"));
    }
    Ok(out)
}

/// Subgraphs nest only a few levels in real models; deeper input is hostile.
const MAX_DEPTH: usize = 16;

fn read_graph(graph: &[u8], out: &mut Vec<Initializer>, depth: usize) -> Result<(), &'static str> {
    if depth > MAX_DEPTH {
        return Err("subgraphs nested too deeply");
    }
    for field in Fields::new(graph) {
        match field? {
            (5, Value::Bytes(t)) => out.push(read_tensor(t)?),
            (1, Value::Bytes(node)) => {
                for f in Fields::new(node) {
                    if let (5, Value::Bytes(attr)) = f? {
                        for a in Fields::new(attr) {
                            if let (6, Value::Bytes(sub)) = a? {
                                read_graph(sub, out, depth + 1)?;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn read_tensor(t: &[u8]) -> Result<Initializer, &'static str> {
    let mut init = Initializer {
        name: String::new(),
        dims: Vec::new(),
        data_type: 0,
        data: Vec::new(),
    };
    let mut floats = Vec::new();
    for field in Fields::new(t) {
        match field? {
            (1, Value::Varint(d)) => init.dims.push(d as i64),
            (1, Value::Bytes(packed)) => {
                let mut at = 0;
                while at < packed.len() {
                    init.dims.push(varint(packed, &mut at)? as i64);
                }
            }
            (2, Value::Varint(d)) => init.data_type = d as i64,
            (8, Value::Bytes(name)) => {
                init.name = String::from_utf8_lossy(name).into_owned();
            }
            (9, Value::Bytes(raw)) => init.data = raw.to_vec(),
            (4, Value::Bytes(packed)) => floats.extend_from_slice(packed),
            (4, Value::Fixed32(v)) => floats.extend_from_slice(&v),
            _ => {}
        }
    }
    if init.data.is_empty() && !floats.is_empty() {
        init.data = floats;
    }
    if init.dims.iter().any(|&d| d < 0) {
        return Err("negative tensor dimension");
    }
    Ok(init)
}

/// A protocol-buffers field value.
enum Value<'a> {
    Varint(u64),
    Fixed64,
    Fixed32([u8; 4]),
    Bytes(&'a [u8]),
}

/// Iterates over the fields of one message: (field number, value).
struct Fields<'a> {
    buf: &'a [u8],
    at: usize,
    failed: bool,
}

impl<'a> Fields<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Fields {
            buf,
            at: 0,
            failed: false,
        }
    }

    fn next_field(&mut self) -> Result<(u64, Value<'a>), &'static str> {
        let key = varint(self.buf, &mut self.at)?;
        let left = self.buf.len() - self.at;
        let value = match key & 7 {
            0 => Value::Varint(varint(self.buf, &mut self.at)?),
            1 if left >= 8 => {
                self.at += 8;
                Value::Fixed64
            }
            2 => {
                let len = varint(self.buf, &mut self.at)?;
                let left = (self.buf.len() - self.at) as u64;
                if len > left {
                    return Err("a field runs past the end of the file (truncated?)");
                }
                let start = self.at;
                self.at += len as usize;
                Value::Bytes(&self.buf[start..self.at])
            }
            5 if left >= 4 => {
                let b = &self.buf[self.at..self.at + 4];
                self.at += 4;
                Value::Fixed32([b[0], b[1], b[2], b[3]])
            }
            1 | 5 => return Err("a field runs past the end of the file (truncated?)"),
            _ => return Err("unknown protocol-buffers wire type"),
        };
        Ok((key >> 3, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Value<'a>), &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.at >= self.buf.len() {
            return None;
        }
        let r = self.next_field();
        self.failed = r.is_err();
        Some(r)
    }
}

/// Reads a base-128 varint at `*at`.
fn varint(buf: &[u8], at: &mut usize) -> Result<u64, &'static str> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let &b = buf
            .get(*at)
            .ok_or("a number runs past the end (truncated?)")?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err("a number longer than 10 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put_varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn put_bytes(out: &mut Vec<u8>, field: u64, b: &[u8]) {
        put_varint(out, field << 3 | 2);
        put_varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }

    fn tensor(name: &str, dims: &[u64], values: &[f32]) -> Vec<u8> {
        let mut t = Vec::new();
        for &d in dims {
            put_varint(&mut t, 1 << 3);
            put_varint(&mut t, d);
        }
        put_varint(&mut t, 2 << 3);
        put_varint(&mut t, 1);
        put_bytes(&mut t, 8, name.as_bytes());
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        put_bytes(&mut t, 9, &raw);
        t
    }

    #[test]
    fn reads_initializers_of_the_graph_and_its_subgraphs() {
        let mut sub = Vec::new();
        put_bytes(&mut sub, 5, &tensor("inner", &[1], &[3.0]));
        let mut attr = Vec::new();
        put_bytes(&mut attr, 6, &sub);
        let mut node = Vec::new();
        put_bytes(&mut node, 5, &attr);
        let mut graph = Vec::new();
        put_bytes(&mut graph, 1, &node);
        put_bytes(&mut graph, 5, &tensor("w", &[2, 1], &[1.0, -2.5]));
        let mut model = Vec::new();
        put_varint(&mut model, 1 << 3); // ir_version
        put_varint(&mut model, 8);
        put_bytes(&mut model, 7, &graph);

        let inits = initializers(&model, "m.onnx").unwrap();
        let names: Vec<&str> = inits.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["inner", "w"]);
        assert_eq!(inits[1].dims, [2, 1]);
        assert_eq!(inits[1].to_f32().unwrap(), [1.0, -2.5]);
    }

    #[test]
    fn truncated_or_foreign_input_is_a_one_line_error() {
        let mut graph = Vec::new();
        put_bytes(&mut graph, 5, &tensor("w", &[2], &[1.0, 2.0]));
        let mut model = Vec::new();
        put_bytes(&mut model, 7, &graph);
        for cut in 1..model.len() {
            let e = initializers(&model[..cut], "m.onnx")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("m.onnx: not a valid ONNX model"), "{e}");
        }
        let e = initializers(b"RIFF....WAVE", "x.wav")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.wav: not a valid ONNX model"), "{e}");
    }
}
