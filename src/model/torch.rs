//! The float32 tensors of a PyTorch checkpoint in the legacy (pre-1.6,
//! non-zip) `torch.save` format, read by a small, bounded pickle machine.
//!
//! Resemblyzer's GE2E speaker encoder (`resemblyzer/pretrained.pt` in the
//! PyPI wheel) is such a file. Rather than run Python's unpickler (which can
//! call anything) or depend on torch, this module implements the few
//! opcodes `torch.save` writes with pickle protocol 2 and builds only the
//! objects a state dict is made of.
//!
//! The file is five pickles in a row: the magic number
//! (`0x1950a86a20f9469cfc6c`), the format version (1001), a `sys_info` dict
//! (byte order and type sizes), the saved object, and the list of storage
//! keys; then, for each key in that order, a little-endian i64 element count
//! and the storage's data (`count × 4` bytes for float32).
//!
//! In the saved object a tensor is `torch._utils._rebuild_tensor_v2(storage,
//! offset, size, stride, requires_grad, backward_hooks)` (REDUCE), where the
//! storage is a persistent id (BINPERSID) `('storage', torch.FloatStorage,
//! key, location, numel, None)`; a state dict is a `collections.OrderedDict`
//! (REDUCE of an empty tuple, with its `_metadata` set by BUILD, which is
//! ignored).
//!
//! Supported opcodes: PROTO (≤ 2), STOP, MARK, EMPTY_DICT, EMPTY_LIST,
//! EMPTY_TUPLE, TUPLE, TUPLE1, TUPLE2, TUPLE3, BINPUT, LONG_BINPUT, BINGET,
//! LONG_BINGET, BINUNICODE, BININT, BININT1, BININT2, LONG1, BINFLOAT, NONE,
//! NEWTRUE, NEWFALSE, GLOBAL, REDUCE, BUILD, BINPERSID, SETITEM, SETITEMS,
//! APPEND, APPENDS. GLOBAL may only name `collections.OrderedDict`,
//! `torch._utils._rebuild_tensor_v2` and `torch.*Storage`; REDUCE may only
//! call the first two. Anything else (another opcode, another global, a
//! zip-format checkpoint, a storage that is not float32, a non-contiguous
//! tensor) is refused with a one-line error that names it.
//!
//! Bounds, all checked before anything is allocated: the file at most
//! [`MAX_FILE_BYTES`]; every length (strings, storages) against the bytes
//! actually left; strings at most 64 kB, integers at most 16 bytes, memo
//! indices below 2^20, the stack 65,536 deep with 256 nested marks, 2^20
//! objects and container entries per pickle, tensors of at most 8
//! dimensions lying inside their storage, and the tensors returned at most
//! twice the file's size in all (state dicts may alias a storage; this
//! bounds what a file of many tensors over one storage can make us copy).
//!
//! Why not a crate. `serde-pickle` (1.2) stops at the first storage: it
//! refuses the BINPERSID opcode (persistent ids are among its documented
//! unsupported features), and a REDUCE of a global it does not know, such
//! as `torch._utils._rebuild_tensor_v2`, `collections.OrderedDict` or
//! `torch.FloatStorage`, gives an opaque object or its bare argument tuple
//! without the callable's name, so a tensor cannot be told from a dict and
//! the storage class is lost. `repugnant-pickle` (0.0.1) loads PyTorch
//! files only from the zip format (≥ 1.6), not this legacy one, and brings
//! its own zip, nom and anyhow. Either way the storage layout after the
//! pickles, the offsets and the bounds above would remain ours, and a
//! crate could replace only the opcode machine below, were it to read
//! these files at all.

use std::collections::HashMap;
use std::path::Path;

use super::error::ModelError;
use super::safetensors::Tensor;

/// The largest checkpoint [`read_state_dict`] loads (Resemblyzer's is 17 MB).
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// `torch.serialization.MAGIC_NUMBER`, the first pickle of a legacy file.
pub const LEGACY_MAGIC: i128 = 0x1950_a86a_20f9_469c_fc6c;
/// `torch.serialization.PROTOCOL_VERSION`, the second pickle.
pub const LEGACY_VERSION: i128 = 1001;

/// Objects (and container entries) one pickle may make.
const MAX_OBJECTS: usize = 1 << 20;
/// Values on the pickle stack.
const MAX_STACK: usize = 1 << 16;
/// Nested MARKs.
const MAX_MARKS: usize = 256;
/// Memo indices (BINPUT) must be below this.
const MAX_MEMO: u32 = 1 << 20;
/// The longest string (BINUNICODE) read, and the longest GLOBAL line.
const MAX_STRING: usize = 64 << 10;
const MAX_GLOBAL_LINE: usize = 256;
/// The longest LONG1 integer, in bytes (the magic number takes 10).
const MAX_LONG_BYTES: usize = 16;
/// Dimensions a tensor may have.
const MAX_DIMS: usize = 8;

/// Reads the state dict of the legacy PyTorch checkpoint `path`: the
/// `model_state` (or `state_dict`) entry of the saved dict, or the saved
/// dict itself, as float32 tensors in the dict's order. The file must be at
/// most [`MAX_FILE_BYTES`] (checked before reading); see [`parse_state_dict`].
pub fn read_state_dict(path: &Path) -> Result<Vec<Tensor>, ModelError> {
    let bytes = super::read_model_file(path, MAX_FILE_BYTES, "a PyTorch checkpoint")?;
    parse_state_dict(&bytes, &path.display().to_string())
}

/// The state dict of the legacy PyTorch checkpoint in `bytes` (see
/// [`read_state_dict`]); `label` names the file in errors. Each tensor is
/// copied out of its storage honouring its offset; it must be contiguous
/// and lie inside its storage, and every value of the state dict must be a
/// float32 tensor.
pub fn parse_state_dict(bytes: &[u8], label: &str) -> Result<Vec<Tensor>, ModelError> {
    read_legacy(bytes).map_err(|f| f.into_error(label))
}

/// Why reading failed: the data ran out, or something is not supported.
#[derive(Debug)]
enum Fail {
    Truncated(String),
    Bad(String),
}

impl Fail {
    fn into_error(self, label: &str) -> ModelError {
        match self {
            Fail::Truncated(detail) => ModelError::Truncated {
                file: label.to_string(),
                detail,
            },
            Fail::Bad(detail) => ModelError::format(label, detail),
        }
    }
}

fn bad<T>(why: impl Into<String>) -> Result<T, Fail> {
    Err(Fail::Bad(why.into()))
}

/// An object of the pickle machine; containers hold ids into the arena, so
/// a memoized container that is filled later is seen filled, as in Python.
#[derive(Debug, Clone)]
enum Obj {
    None,
    Bool(bool),
    Int(i128),
    /// A float (optimizer settings); its value is never needed.
    Float,
    Str(String),
    Tuple(Vec<usize>),
    List(Vec<usize>),
    /// A dict or OrderedDict, in insertion order.
    Dict(Vec<(usize, usize)>),
    Global(Global),
    Storage(Storage),
    Tensor(TensorRef),
}

/// The globals a state dict refers to.
#[derive(Debug, Clone, PartialEq)]
enum Global {
    OrderedDict,
    RebuildTensorV2,
    /// `torch.FloatStorage`, `torch.HalfStorage`, …: the name.
    Storage(String),
}

#[derive(Debug, Clone)]
struct Storage {
    key: String,
    numel: u64,
}

#[derive(Debug, Clone)]
struct TensorRef {
    storage: Storage,
    offset: u64,
    shape: Vec<u64>,
    stride: Vec<u64>,
}

/// One unpickled object graph.
struct Pickle {
    objs: Vec<Obj>,
    root: usize,
}

impl Pickle {
    fn get(&self, id: usize) -> &Obj {
        &self.objs[id]
    }

    /// The value of the string key `key` in the dict `id`.
    fn dict_get(&self, id: usize, key: &str) -> Option<usize> {
        match self.get(id) {
            Obj::Dict(items) => items
                .iter()
                .find(|(k, _)| matches!(self.get(*k), Obj::Str(s) if s == key))
                .map(|&(_, v)| v),
            _ => None,
        }
    }
}

/// The five pickles of a legacy checkpoint (magic, version, `sys_info`,
/// the saved object, the storage keys), then its state dict's tensors.
fn read_legacy(bytes: &[u8]) -> Result<Vec<Tensor>, Fail> {
    if bytes.starts_with(b"PK\x03\x04") {
        return bad(
            "a zip-format PyTorch checkpoint (torch ≥ 1.6): only the legacy format is read",
        );
    }
    let mut pos = 0;
    let magic = Machine::run(bytes, &mut pos, false)?;
    if !matches!(magic.get(magic.root), Obj::Int(LEGACY_MAGIC)) {
        return bad("not a legacy PyTorch checkpoint (no torch magic number)");
    }
    let version = Machine::run(bytes, &mut pos, false)?;
    match version.get(version.root) {
        Obj::Int(LEGACY_VERSION) => {}
        Obj::Int(v) => {
            return bad(format!(
                "PyTorch format version {v} (only {LEGACY_VERSION} is read)"
            ))
        }
        _ => return bad("the format version is not an integer"),
    }
    let sys_info = Machine::run(bytes, &mut pos, false)?;
    if let Some(le) = sys_info.dict_get(sys_info.root, "little_endian") {
        if matches!(sys_info.get(le), Obj::Bool(false)) {
            return bad("saved on a big-endian machine (only little-endian data is read)");
        }
    }
    let object = Machine::run(bytes, &mut pos, true)?;
    let keys = Machine::run(bytes, &mut pos, false)?;
    let tensors = state_dict(&object)?;
    let storages = locate_storages(bytes, pos, &keys, &tensors)?;
    copy_tensors(bytes, &tensors, &storages)
}

/// The entries of the saved object's state dict (its `model_state` or
/// `state_dict` entry, or the object itself), in order: every key a
/// string, every value a tensor.
fn state_dict(object: &Pickle) -> Result<Vec<(&String, &TensorRef)>, Fail> {
    let root = object.root;
    let dict = object
        .dict_get(root, "model_state")
        .or_else(|| object.dict_get(root, "state_dict"))
        .unwrap_or(root);
    let Obj::Dict(items) = object.get(dict) else {
        return bad("the saved object is not a dict of tensors");
    };
    let mut tensors = Vec::with_capacity(items.len());
    for &(k, v) in items {
        let Obj::Str(name) = object.get(k) else {
            return bad("a state-dict key is not a string");
        };
        let Obj::Tensor(t) = object.get(v) else {
            return bad(format!(
                "state-dict entry `{}` is not a tensor",
                name.escape_debug()
            ));
        };
        tensors.push((name, t));
    }
    Ok(tensors)
}

/// By storage key: its first data byte and its count of values, `None`
/// while not found in the file.
type StorageSpans<'a> = HashMap<&'a str, Option<(usize, u64)>>;

/// Where each storage the `tensors` use lies in `bytes`: `(start, count)`
/// by key, `None` for one the file lacks. The storages follow the last
/// pickle (which ends at `pos`) in the order of the key list `keys`, each
/// an i64 count and `count` float32 values, and must end with the file.
fn locate_storages<'a>(
    bytes: &[u8],
    mut pos: usize,
    keys: &Pickle,
    tensors: &[(&String, &'a TensorRef)],
) -> Result<StorageSpans<'a>, Fail> {
    let Obj::List(key_ids) = keys.get(keys.root) else {
        return bad("the storage keys are not a list");
    };
    let mut wanted: StorageSpans = tensors
        .iter()
        .map(|(_, t)| (t.storage.key.as_str(), None))
        .collect();
    for &id in key_ids {
        let Obj::Str(key) = keys.get(id) else {
            return bad("a storage key is not a string");
        };
        let count = read_i64(bytes, &mut pos).ok_or_else(|| {
            Fail::Truncated(format!(
                "the file ends before storage `{}`",
                key.escape_debug()
            ))
        })?;
        let len = u64::try_from(count)
            .ok()
            .and_then(|n| n.checked_mul(4))
            .filter(|&b| b <= (bytes.len() - pos) as u64)
            .ok_or_else(|| {
                Fail::Truncated(format!(
                    "storage `{}` of {count} values is larger than the {} bytes left",
                    key.escape_debug(),
                    bytes.len() - pos
                ))
            })?;
        if let Some(slot) = wanted.get_mut(key.as_str()) {
            if slot.is_some() {
                return bad(format!("storage `{}` is stored twice", key.escape_debug()));
            }
            *slot = Some((pos, count as u64));
        }
        pos += len as usize;
    }
    if pos != bytes.len() {
        return bad(format!(
            "{} bytes after the last storage",
            bytes.len() - pos
        ));
    }
    Ok(wanted)
}

/// Each tensor copied out of its storage (located by [`locate_storages`]),
/// honouring its offset: it must be contiguous and lie inside its storage,
/// and the tensors together may hold at most twice the file's size.
fn copy_tensors(
    bytes: &[u8],
    tensors: &[(&String, &TensorRef)],
    storages: &StorageSpans,
) -> Result<Vec<Tensor>, Fail> {
    let budget = bytes.len() as u64 / 2;
    let mut copied = 0u64;
    let mut out = Vec::with_capacity(tensors.len());
    for &(name, t) in tensors {
        let shown = name.escape_debug();
        let Some((start, count)) = storages[t.storage.key.as_str()] else {
            return bad(format!(
                "tensor `{shown}`: storage `{}` is not in the file",
                t.storage.key.escape_debug()
            ));
        };
        if count != t.storage.numel {
            return bad(format!(
                "tensor `{shown}`: storage `{}` holds {count} values, its reference says {}",
                t.storage.key.escape_debug(),
                t.storage.numel
            ));
        }
        if !contiguous(&t.shape, &t.stride) {
            return bad(format!(
                "tensor `{shown}` of shape {:?} has strides {:?}: only contiguous tensors are read",
                t.shape, t.stride
            ));
        }
        let numel = t.shape.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
        let end = numel.and_then(|n| n.checked_add(t.offset));
        let Some((numel, _)) = numel.zip(end).filter(|&(_, e)| e <= count) else {
            return bad(format!(
                "tensor `{shown}` of shape {:?} at offset {} lies outside its storage of {count} values",
                t.shape, t.offset
            ));
        };
        copied += numel;
        if copied > budget {
            return bad(
                "the tensors together hold more than twice the file's size (aliased storages)",
            );
        }
        let from = start + 4 * t.offset as usize;
        let data = bytes[from..from + 4 * numel as usize]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        out.push(Tensor {
            name: name.clone(),
            shape: t.shape.iter().map(|&d| d as usize).collect(),
            data,
        });
    }
    Ok(out)
}

/// PyTorch's `is_contiguous`: strides of size-1 dimensions do not matter.
fn contiguous(shape: &[u64], stride: &[u64]) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut expected = 1u64;
    for (&d, &s) in shape.iter().zip(stride).rev() {
        if d != 1 {
            if s != expected {
                return false;
            }
            expected = expected.saturating_mul(d);
        }
    }
    true
}

fn read_i64(bytes: &[u8], pos: &mut usize) -> Option<i64> {
    let b = bytes.get(*pos..*pos + 8)?;
    *pos += 8;
    Some(i64::from_le_bytes(b.try_into().ok()?))
}

/// The pickle machine for one pickle.
struct Machine<'a> {
    bytes: &'a [u8],
    pos: usize,
    objs: Vec<Obj>,
    stack: Vec<usize>,
    marks: Vec<usize>,
    memo: HashMap<u32, usize>,
    /// Strings by content: equal strings are one object (they are
    /// immutable), so a dict key is found by its id.
    strings: HashMap<&'a str, usize>,
    /// (dict, string key) → index of its entry.
    dict_keys: HashMap<(usize, usize), usize>,
    /// Objects and container entries made so far.
    made: usize,
    /// Whether BINPERSID (a storage reference) may occur.
    persistent: bool,
}

impl<'a> Machine<'a> {
    /// Runs the pickle starting at `*pos` up to its STOP, leaving `*pos`
    /// after it.
    fn run(bytes: &'a [u8], pos: &mut usize, persistent: bool) -> Result<Pickle, Fail> {
        let mut m = Machine {
            bytes,
            pos: *pos,
            objs: Vec::new(),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            strings: HashMap::new(),
            dict_keys: HashMap::new(),
            made: 0,
            persistent,
        };
        let root = m.exec()?;
        *pos = m.pos;
        Ok(Pickle { objs: m.objs, root })
    }

    fn exec(&mut self) -> Result<usize, Fail> {
        loop {
            let at = self.pos;
            let op = self.take(1, "an opcode")?[0];
            match op {
                0x80 => {
                    let proto = self.take(1, "PROTO")?[0];
                    if proto > 2 {
                        return bad(format!(
                            "pickle protocol {proto} at byte {at} (only protocol 2, PyTorch's legacy format, is read)"
                        ));
                    }
                }
                b'.' => {
                    if self.stack.len() != 1 || !self.marks.is_empty() {
                        return bad(format!("STOP at byte {at} with {} values on the stack", self.stack.len()));
                    }
                    return Ok(self.stack[0]);
                }
                b'(' => {
                    if self.marks.len() >= MAX_MARKS {
                        return bad(format!("more than {MAX_MARKS} nested MARKs"));
                    }
                    self.marks.push(self.stack.len());
                }
                b'}' => self.push_new(Obj::Dict(Vec::new()))?,
                b']' => self.push_new(Obj::List(Vec::new()))?,
                b')' => self.push_new(Obj::Tuple(Vec::new()))?,
                b't' => {
                    let items = self.pop_mark(at)?;
                    self.push_new(Obj::Tuple(items))?;
                }
                0x85..=0x87 => self.tuple_n(usize::from(op - 0x84), at)?,
                b'q' => {
                    let i = self.take(1, "BINPUT")?[0];
                    self.put(u32::from(i), at)?;
                }
                b'r' => {
                    let i = self.u32("LONG_BINPUT")?;
                    self.put(i, at)?;
                }
                b'h' => {
                    let i = self.take(1, "BINGET")?[0];
                    self.get(u32::from(i), at)?;
                }
                b'j' => {
                    let i = self.u32("LONG_BINGET")?;
                    self.get(i, at)?;
                }
                b'X' => self.unicode(at)?,
                b'J' => {
                    let b = self.take(4, "BININT")?;
                    let v = i32::from_le_bytes(b.try_into().expect("4 bytes"));
                    self.push_new(Obj::Int(i128::from(v)))?;
                }
                b'K' => {
                    let v = self.take(1, "BININT1")?[0];
                    self.push_new(Obj::Int(i128::from(v)))?;
                }
                b'M' => {
                    let b = self.take(2, "BININT2")?;
                    let v = u16::from_le_bytes([b[0], b[1]]);
                    self.push_new(Obj::Int(i128::from(v)))?;
                }
                0x8a => self.long1(at)?,
                b'G' => {
                    self.take(8, "BINFLOAT")?;
                    self.push_new(Obj::Float)?;
                }
                b'N' => self.push_new(Obj::None)?,
                0x88 => self.push_new(Obj::Bool(true))?,
                0x89 => self.push_new(Obj::Bool(false))?,
                b'c' => self.global(at)?,
                b'R' => {
                    let args = self.pop(at)?;
                    let f = self.pop(at)?;
                    let obj = self.reduce(f, args, at)?;
                    self.push_new(obj)?;
                }
                b'b' => self.build(at)?,
                b'Q' => {
                    if !self.persistent {
                        return bad(format!("BINPERSID at byte {at} outside the saved object"));
                    }
                    let pid = self.pop(at)?;
                    let s = self.storage(pid, at)?;
                    self.push_new(Obj::Storage(s))?;
                }
                b's' => {
                    let v = self.pop(at)?;
                    let k = self.pop(at)?;
                    let d = *self.top(at)?;
                    self.set_items(d, vec![k, v], at)?;
                }
                b'u' => {
                    let items = self.pop_mark(at)?;
                    let d = *self.top(at)?;
                    self.set_items(d, items, at)?;
                }
                b'a' => {
                    let v = self.pop(at)?;
                    let l = *self.top(at)?;
                    self.append(l, vec![v], at)?;
                }
                b'e' => {
                    let items = self.pop_mark(at)?;
                    let l = *self.top(at)?;
                    self.append(l, items, at)?;
                }
                other => {
                    return bad(format!(
                        "pickle opcode 0x{other:02x} at byte {at} is not one PyTorch's legacy format uses; refused"
                    ))
                }
            }
        }
    }

    /// TUPLE1, TUPLE2, TUPLE3: the top `n` values as a tuple.
    fn tuple_n(&mut self, n: usize, at: usize) -> Result<(), Fail> {
        if self.stack.len() < n + self.floor() {
            return bad(format!("TUPLE{n} at byte {at} on a stack of fewer values"));
        }
        let items = self.stack.split_off(self.stack.len() - n);
        self.count(n)?;
        self.push_new(Obj::Tuple(items))
    }

    /// BUILD: setting a dict's attributes (an OrderedDict's `_metadata`),
    /// which are not needed and dropped; BUILD of anything else is refused.
    fn build(&mut self, at: usize) -> Result<(), Fail> {
        let state = self.pop(at)?;
        let inst = *self.top(at)?;
        let ok = matches!(self.objs[inst], Obj::Dict(_))
            && matches!(self.objs[state], Obj::Dict(_) | Obj::None);
        if !ok {
            return bad(format!(
                "BUILD at byte {at} of something other than a dict's attributes"
            ));
        }
        Ok(())
    }

    /// BINUNICODE: a UTF-8 string of at most [`MAX_STRING`] bytes; equal
    /// strings share one object.
    fn unicode(&mut self, at: usize) -> Result<(), Fail> {
        let n = self.u32("BINUNICODE")? as usize;
        if n > MAX_STRING {
            return bad(format!(
                "a string of {n} bytes at byte {at} (at most {MAX_STRING})"
            ));
        }
        let b = self.take(n, "a string")?;
        let s = std::str::from_utf8(b)
            .map_err(|_| Fail::Bad(format!("a string at byte {at} is not UTF-8")))?;
        match self.strings.get(s) {
            Some(&id) => self.push(id)?,
            None => {
                self.push_new(Obj::Str(s.to_string()))?;
                self.strings.insert(s, self.objs.len() - 1);
            }
        }
        Ok(())
    }

    /// LONG1: a little-endian two's-complement integer of at most
    /// [`MAX_LONG_BYTES`] bytes.
    fn long1(&mut self, at: usize) -> Result<(), Fail> {
        let n = usize::from(self.take(1, "LONG1")?[0]);
        if n > MAX_LONG_BYTES {
            return bad(format!(
                "an integer of {n} bytes at byte {at} (at most {MAX_LONG_BYTES})"
            ));
        }
        let b = self.take(n, "LONG1")?;
        let mut v: i128 = 0;
        for (i, &byte) in b.iter().enumerate() {
            v |= i128::from(byte) << (8 * i);
        }
        // Two's complement of n bytes: sign-extend.
        if n > 0 && n < MAX_LONG_BYTES && b[n - 1] & 0x80 != 0 {
            v -= 1i128 << (8 * n);
        }
        self.push_new(Obj::Int(v))
    }

    /// GLOBAL: one of the globals a state dict uses ([`Global`]), anything
    /// else refused by name.
    fn global(&mut self, at: usize) -> Result<(), Fail> {
        let module = self.line(at)?;
        let name = self.line(at)?;
        let g = match (module, name) {
            ("collections", "OrderedDict") => Global::OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2") => Global::RebuildTensorV2,
            ("torch", s) if s.ends_with("Storage") => Global::Storage(s.to_string()),
            (m, n) => {
                return bad(format!(
                    "GLOBAL {}.{} at byte {at}: not one a PyTorch state dict uses; refused",
                    m.escape_debug(),
                    n.escape_debug()
                ))
            }
        };
        self.push_new(Obj::Global(g))
    }

    /// The next `n` bytes, or a truncation error naming `what`.
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Fail> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(Fail::Truncated(format!(
                "the file ends inside {what} at byte {}",
                self.pos
            )));
        };
        let b = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(b)
    }

    fn u32(&mut self, what: &str) -> Result<u32, Fail> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes(b.try_into().expect("4 bytes")))
    }

    /// A GLOBAL line (up to `\n`), ASCII.
    fn line(&mut self, at: usize) -> Result<&'a str, Fail> {
        let rest = &self.bytes[self.pos..];
        let window = &rest[..rest.len().min(MAX_GLOBAL_LINE + 1)];
        let Some(n) = window.iter().position(|&b| b == b'\n') else {
            if rest.len() <= MAX_GLOBAL_LINE {
                return Err(Fail::Truncated(format!(
                    "the file ends inside GLOBAL at byte {at}"
                )));
            }
            return bad(format!(
                "GLOBAL at byte {at}: a name longer than {MAX_GLOBAL_LINE} bytes"
            ));
        };
        let s = std::str::from_utf8(&rest[..n])
            .ok()
            .filter(|s| s.is_ascii())
            .ok_or_else(|| Fail::Bad(format!("GLOBAL at byte {at}: not an ASCII name")))?;
        self.pos += n + 1;
        Ok(s)
    }

    /// Counts `n` objects or entries against [`MAX_OBJECTS`].
    fn count(&mut self, n: usize) -> Result<(), Fail> {
        self.made += n;
        if self.made > MAX_OBJECTS {
            return bad(format!("more than {MAX_OBJECTS} objects in one pickle"));
        }
        Ok(())
    }

    fn push_new(&mut self, obj: Obj) -> Result<(), Fail> {
        self.count(1)?;
        self.objs.push(obj);
        self.push(self.objs.len() - 1)
    }

    fn push(&mut self, id: usize) -> Result<(), Fail> {
        if self.stack.len() >= MAX_STACK {
            return bad(format!("more than {MAX_STACK} values on the pickle stack"));
        }
        self.stack.push(id);
        Ok(())
    }

    /// The stack index below which the innermost MARK's values lie.
    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self, at: usize) -> Result<usize, Fail> {
        if self.stack.len() <= self.floor() {
            return bad(format!("opcode at byte {at} pops an empty stack"));
        }
        Ok(self.stack.pop().expect("checked"))
    }

    fn top(&self, at: usize) -> Result<&usize, Fail> {
        if self.stack.len() <= self.floor() {
            return bad(format!(
                "opcode at byte {at} needs a value on an empty stack"
            ));
        }
        Ok(self.stack.last().expect("checked"))
    }

    fn pop_mark(&mut self, at: usize) -> Result<Vec<usize>, Fail> {
        let Some(mark) = self.marks.pop() else {
            return bad(format!("opcode at byte {at} needs a MARK"));
        };
        Ok(self.stack.split_off(mark))
    }

    fn put(&mut self, i: u32, at: usize) -> Result<(), Fail> {
        if i >= MAX_MEMO {
            return bad(format!(
                "memo index {i} at byte {at} (at most {})",
                MAX_MEMO - 1
            ));
        }
        let id = *self.top(at)?;
        self.count(1)?;
        self.memo.insert(i, id);
        Ok(())
    }

    fn get(&mut self, i: u32, at: usize) -> Result<(), Fail> {
        let id = *self
            .memo
            .get(&i)
            .ok_or_else(|| Fail::Bad(format!("memo index {i} at byte {at} was never set")))?;
        self.push(id)
    }

    fn set_items(&mut self, dict: usize, items: Vec<usize>, at: usize) -> Result<(), Fail> {
        if !items.len().is_multiple_of(2) {
            return bad(format!(
                "SETITEMS at byte {at} with an odd number of values"
            ));
        }
        self.count(items.len() / 2)?;
        let pairs: Vec<(usize, usize, bool)> = items
            .chunks_exact(2)
            .map(|kv| (kv[0], kv[1], matches!(self.objs[kv[0]], Obj::Str(_))))
            .collect();
        let Obj::Dict(entries) = &mut self.objs[dict] else {
            return bad(format!(
                "SETITEM at byte {at} on something that is not a dict"
            ));
        };
        for (k, v, string_key) in pairs {
            // A string key set twice replaces its value, as in Python
            // (strings are interned: equal strings are one object).
            match self.dict_keys.get(&(dict, k)) {
                Some(&i) if string_key => entries[i].1 = v,
                _ => {
                    if string_key {
                        self.dict_keys.insert((dict, k), entries.len());
                    }
                    entries.push((k, v));
                }
            }
        }
        Ok(())
    }

    fn append(&mut self, list: usize, items: Vec<usize>, at: usize) -> Result<(), Fail> {
        self.count(items.len())?;
        let Obj::List(l) = &mut self.objs[list] else {
            return bad(format!(
                "APPEND at byte {at} on something that is not a list"
            ));
        };
        l.extend(items);
        Ok(())
    }

    fn tuple(&self, id: usize) -> Option<&[usize]> {
        match &self.objs[id] {
            Obj::Tuple(items) => Some(items),
            _ => None,
        }
    }

    fn int(&self, id: usize) -> Option<i128> {
        match self.objs[id] {
            Obj::Int(v) => Some(v),
            _ => None,
        }
    }

    /// A tuple of non-negative integers (a size or a stride).
    fn dims(&self, id: usize, what: &str, at: usize) -> Result<Vec<u64>, Fail> {
        let items = self
            .tuple(id)
            .ok_or_else(|| Fail::Bad(format!("tensor at byte {at}: the {what} is not a tuple")))?;
        if items.len() > MAX_DIMS {
            return bad(format!(
                "tensor at byte {at} with {} dimensions (at most {MAX_DIMS})",
                items.len()
            ));
        }
        items
            .iter()
            .map(|&i| {
                self.int(i)
                    .and_then(|v| u64::try_from(v).ok())
                    .ok_or_else(|| {
                        Fail::Bad(format!(
                            "tensor at byte {at}: a {what} entry is not a non-negative integer"
                        ))
                    })
            })
            .collect()
    }

    /// REDUCE: an empty OrderedDict, or a tensor.
    fn reduce(&self, f: usize, args: usize, at: usize) -> Result<Obj, Fail> {
        let Some(args) = self.tuple(args) else {
            return bad(format!("REDUCE at byte {at} without an argument tuple"));
        };
        match &self.objs[f] {
            Obj::Global(Global::OrderedDict) if args.is_empty() => Ok(Obj::Dict(Vec::new())),
            Obj::Global(Global::RebuildTensorV2) => {
                let [storage, offset, size, stride, requires_grad, _hooks] = args else {
                    return bad(format!(
                        "_rebuild_tensor_v2 at byte {at} with {} arguments (6 expected)",
                        args.len()
                    ));
                };
                let Obj::Storage(storage) = &self.objs[*storage] else {
                    return bad(format!("_rebuild_tensor_v2 at byte {at} without a storage"));
                };
                let offset = self
                    .int(*offset)
                    .and_then(|v| u64::try_from(v).ok())
                    .ok_or_else(|| {
                        Fail::Bad(format!(
                            "tensor at byte {at}: the offset is not a non-negative integer"
                        ))
                    })?;
                let shape = self.dims(*size, "size", at)?;
                let stride = self.dims(*stride, "stride", at)?;
                if shape.len() != stride.len() {
                    return bad(format!(
                        "tensor at byte {at}: {} sizes but {} strides",
                        shape.len(),
                        stride.len()
                    ));
                }
                if !matches!(self.objs[*requires_grad], Obj::Bool(_)) {
                    return bad(format!("tensor at byte {at}: requires_grad is not a bool"));
                }
                Ok(Obj::Tensor(TensorRef {
                    storage: storage.clone(),
                    offset,
                    shape,
                    stride,
                }))
            }
            Obj::Global(g) => bad(format!(
                "REDUCE at byte {at} of {g:?} with these arguments; refused"
            )),
            _ => bad(format!(
                "REDUCE at byte {at} of something that is not a known global"
            )),
        }
    }

    /// BINPERSID: `('storage', torch.FloatStorage, key, location, numel, None)`.
    fn storage(&self, pid: usize, at: usize) -> Result<Storage, Fail> {
        let refused = || {
            Fail::Bad(format!(
                "BINPERSID at byte {at}: not a PyTorch storage reference"
            ))
        };
        let items = self.tuple(pid).ok_or_else(refused)?;
        let [tag, kind, key, location, numel, view] = items else {
            return Err(refused());
        };
        if !matches!(&self.objs[*tag], Obj::Str(s) if s == "storage")
            || !matches!(self.objs[*location], Obj::Str(_))
            || !matches!(self.objs[*view], Obj::None)
        {
            return Err(refused());
        }
        match &self.objs[*kind] {
            Obj::Global(Global::Storage(s)) if s == "FloatStorage" => {}
            Obj::Global(Global::Storage(s)) => {
                return bad(format!(
                    "a torch.{} at byte {at}: only float32 storages (torch.FloatStorage) are read",
                    s.escape_debug()
                ))
            }
            _ => return Err(refused()),
        }
        let Obj::Str(key) = &self.objs[*key] else {
            return Err(refused());
        };
        let numel = self
            .int(*numel)
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(refused)?;
        Ok(Storage {
            key: key.clone(),
            numel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny legacy checkpoint, written without torch by this Python 3
    /// (fake `torch` modules, so that pickle writes the GLOBALs torch.save
    /// writes; protocol 2, storages as torch's legacy writer lays them out):
    ///
    /// ```text
    /// import collections, pickle, struct, sys, types, io
    /// torch = types.ModuleType("torch"); utils = types.ModuleType("torch._utils")
    /// sys.modules["torch"] = torch; sys.modules["torch._utils"] = utils
    /// class FloatStorage: pass
    /// FloatStorage.__module__ = "torch"; torch.FloatStorage = FloatStorage
    /// def _rebuild_tensor_v2(*a): pass
    /// _rebuild_tensor_v2.__module__ = "torch._utils"; utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    /// NUMEL = {"1": 8, "2": 2}
    /// class T:
    ///     def __init__(s, key, off, size, stride): s.a = (key, off, size, stride)
    ///     def __reduce__(s):
    ///         key, off, size, stride = s.a
    ///         return (_rebuild_tensor_v2, (("storage", FloatStorage, key, "cpu", NUMEL[key], None),
    ///                 off, size, stride, False, collections.OrderedDict()))
    /// class P(pickle.Pickler):
    ///     def persistent_id(s, o):
    ///         return o if isinstance(o, tuple) and o and o[0] == "storage" else None
    /// state = collections.OrderedDict()
    /// state["w"] = T("1", 0, (2, 3), (3, 1)); state["b"] = T("1", 6, (2,), (1,))
    /// state["s"] = T("2", 1, (1,), (1,))
    /// state._metadata = collections.OrderedDict([("", {"version": 1})])
    /// f = io.BytesIO()
    /// pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2); pickle.dump(1001, f, protocol=2)
    /// pickle.dump({"protocol_version": 1001, "little_endian": True,
    ///              "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
    /// P(f, protocol=2).dump({"step": 7, "model_state": state, "optimizer_state": {"lr": 0.5}})
    /// pickle.dump(["1", "2"], f, protocol=2)
    /// for vals in ([0.5, 1, 2, 3, 4, 5, -1, -2], [9, 10]):
    ///     f.write(struct.pack("<q", len(vals))); f.write(struct.pack("<%df" % len(vals), *vals))
    /// ```
    const TINY: &[u8] =
        b"\x80\x02\x8a\x0al\xfc\x9cF\xf9\x20j\xa8P\x19.\x80\x02M\xe9\x03.\x80\x02}q\x00(X\x10\
        \x00\x00\x00protocol_versionq\x01M\xe9\x03X\x0d\x00\x00\x00little_endianq\x02\x88X\x0a\
        \x00\x00\x00type_sizesq\x03}q\x04(X\x05\x00\x00\x00shortq\x05K\x02X\x03\x00\x00\x00int\
        q\x06K\x04X\x04\x00\x00\x00longq\x07K\x04uu.\x80\x02}q\x00(X\x04\x00\x00\x00stepq\x01K\
        \x07X\x0b\x00\x00\x00model_stateq\x02ccollections\x0aOrderedDict\x0aq\x03)Rq\x04(X\x01\
        \x00\x00\x00wq\x05ctorch._utils\x0a_rebuild_tensor_v2\x0aq\x06((X\x07\x00\x00\x00stora\
        geq\x07ctorch\x0aFloatStorage\x0aq\x08X\x01\x00\x00\x001q\x09X\x03\x00\x00\x00cpuq\x0a\
        K\x08Ntq\x0bQK\x00K\x02K\x03\x86q\x0cK\x03K\x01\x86q\x0d\x89h\x03)Rq\x0etq\x0fRq\x10X\
        \x01\x00\x00\x00bq\x11h\x06((h\x07h\x08h\x09h\x0aK\x08Ntq\x12QK\x06K\x02\x85q\x13K\x01\
        \x85q\x14\x89h\x03)Rq\x15tq\x16Rq\x17X\x01\x00\x00\x00sq\x18h\x06((h\x07h\x08X\x01\x00\
        \x00\x002q\x19h\x0aK\x02Ntq\x1aQK\x01h\x14h\x14\x89h\x03)Rq\x1btq\x1cRq\x1du}q\x1eX\
        \x09\x00\x00\x00_metadataq\x1fh\x03)Rq\x20X\x00\x00\x00\x00q!}q\"X\x07\x00\x00\x00vers\
        ionq#K\x01sssbX\x0f\x00\x00\x00optimizer_stateq$}q%X\x02\x00\x00\x00lrq&G?\xe0\x00\x00\
        \x00\x00\x00\x00su.\x80\x02]q\x00(X\x01\x00\x00\x001q\x01X\x01\x00\x00\x002q\x02e.\x08\
        \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00?\x00\x00\x80?\x00\x00\x00@\x00\x00@@\x00\x00\
        \x80@\x00\x00\xa0@\x00\x00\x80\xbf\x00\x00\x00\xc0\x02\x00\x00\x00\x00\x00\x00\x00\x00\
        \x00\x10A\x00\x00\x20A";

    /// Where storage `1`'s element count lies in [`TINY`] (the five pickles
    /// take bytes 0..571; `python3 -m pickletools` shows them).
    const STORAGE_1_COUNT: usize = TINY.len() - 56;

    fn parse(bytes: &[u8]) -> Result<Vec<Tensor>, String> {
        parse_state_dict(bytes, "t.pt").map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_state_dict_honouring_offsets() {
        let t = parse(TINY).unwrap();
        let got: Vec<_> = t
            .iter()
            .map(|t| (t.name.as_str(), t.shape.clone(), t.data.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("w", vec![2, 3], vec![0.5, 1.0, 2.0, 3.0, 4.0, 5.0]),
                ("b", vec![2], vec![-1.0, -2.0]),
                ("s", vec![1], vec![10.0]),
            ]
        );
    }

    #[test]
    fn every_truncation_is_a_one_line_error() {
        for n in 0..TINY.len() {
            let e = parse(&TINY[..n]).unwrap_err();
            assert!(e.starts_with("t.pt: "), "{n}: {e}");
            assert!(!e.contains('\n'), "{n}: {e}");
        }
        assert_eq!(
            parse(&TINY[..100]).unwrap_err(),
            "t.pt: truncated: the file ends inside a string at byte 100"
        );
        assert_eq!(
            parse(&TINY[..TINY.len() - 1]).unwrap_err(),
            "t.pt: truncated: storage `2` of 2 values is larger than the 7 bytes left"
        );
    }

    /// `TINY` with `from` replaced by `to` (once, at its only occurrence).
    fn patched(from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = TINY.windows(from.len()).position(|w| w == from).unwrap();
        assert!(
            TINY[at + 1..].windows(from.len()).all(|w| w != from),
            "ambiguous patch"
        );
        let mut b = TINY[..at].to_vec();
        b.extend_from_slice(to);
        b.extend_from_slice(&TINY[at + from.len()..]);
        b
    }

    #[test]
    fn hostile_or_unsupported_files_are_refused_by_name() {
        // A storage that claims more values than the file holds.
        let mut huge = TINY.to_vec();
        huge[STORAGE_1_COUNT..STORAGE_1_COUNT + 8].copy_from_slice(&(1i64 << 60).to_le_bytes());
        assert_eq!(
            parse(&huge).unwrap_err(),
            "t.pt: truncated: storage `1` of 1152921504606846976 values is larger than the 48 bytes left"
        );
        let mut neg = TINY.to_vec();
        neg[STORAGE_1_COUNT..STORAGE_1_COUNT + 8].copy_from_slice(&(-1i64).to_le_bytes());
        assert!(parse(&neg)
            .unwrap_err()
            .contains("storage `1` of -1 values"));
        // An unknown opcode.
        let mut op = TINY.to_vec();
        op[139] = b'S'; // STRING (protocol 0), where EMPTY_DICT was
        assert_eq!(
            parse(&op).unwrap_err(),
            "t.pt: pickle opcode 0x53 at byte 139 is not one PyTorch's legacy format uses; refused"
        );
        // A global that is not part of a state dict.
        let evil = patched(b"collections\nOrderedDict\n", b"posix\nsystem\n");
        assert_eq!(
            parse(&evil).unwrap_err(),
            "t.pt: GLOBAL posix.system at byte 174: not one a PyTorch state dict uses; refused"
        );
        // A half-precision storage.
        let half = patched(b"torch\nFloatStorage\n", b"torch\nHalfStorage\n");
        assert_eq!(
            parse(&half).unwrap_err(),
            "t.pt: a torch.HalfStorage at byte 310: only float32 storages (torch.FloatStorage) are read"
        );
        // A transposed (non-contiguous) tensor: `w` with strides (1, 2).
        let t = patched(b"K\x03K\x01\x86", b"K\x01K\x02\x86");
        assert_eq!(
            parse(&t).unwrap_err(),
            "t.pt: tensor `w` of shape [2, 3] has strides [1, 2]: only contiguous tensors are read"
        );
        // A zip checkpoint and a file that is not a pickle at all.
        assert!(parse(b"PK\x03\x04rest").unwrap_err().contains("zip-format"));
        assert_eq!(
            parse(b"\x80\x02K\x01.").unwrap_err(),
            "t.pt: not a legacy PyTorch checkpoint (no torch magic number)"
        );
        // Trailing bytes after the last storage.
        let mut tail = TINY.to_vec();
        tail.push(0);
        assert_eq!(
            parse(&tail).unwrap_err(),
            "t.pt: 1 bytes after the last storage"
        );
    }

    #[test]
    fn a_tensor_outside_its_storage_is_refused() {
        // `b` starts at offset 6 of storage `1` (8 values); at offset 7 its
        // two values would end past the storage.
        let past = patched(b"QK\x06", b"QK\x07");
        assert_eq!(
            parse(&past).unwrap_err(),
            "t.pt: tensor `b` of shape [2] at offset 7 lies outside its storage of 8 values"
        );
    }

    #[test]
    fn machine_bounds_hold() {
        let run = |b: &[u8]| {
            let mut pos = 0;
            Machine::run(b, &mut pos, false)
                .map(|_| ())
                .map_err(|f| f.into_error("p").to_string())
        };
        // Marks nested too deeply; the stack too deep; a huge string length.
        assert_eq!(
            run(&[b'('; 300]).unwrap_err(),
            "p: more than 256 nested MARKs"
        );
        let mut deep = vec![0x80, 2];
        deep.extend(std::iter::repeat_n(b'N', MAX_STACK + 1));
        assert_eq!(
            run(&deep).unwrap_err(),
            "p: more than 65536 values on the pickle stack"
        );
        assert_eq!(
            run(b"X\xff\xff\xff\xff").unwrap_err(),
            "p: a string of 4294967295 bytes at byte 0 (at most 65536)"
        );
        assert_eq!(
            run(b"X\x10\x00\x00\x00ab").unwrap_err(),
            "p: truncated: the file ends inside a string at byte 5"
        );
        // Objects without end: NONE, APPEND into a list over and over.
        let mut many = vec![b']'];
        for _ in 0..(MAX_OBJECTS / 2 + 1) {
            many.extend_from_slice(b"Na");
        }
        assert_eq!(
            run(&many).unwrap_err(),
            "p: more than 1048576 objects in one pickle"
        );
        assert_eq!(
            run(b"h\x05").unwrap_err(),
            "p: memo index 5 at byte 0 was never set"
        );
        assert_eq!(
            run(b"Nr\x00\x00\x00\x10").unwrap_err(),
            "p: memo index 268435456 at byte 1 (at most 1048575)"
        );
        assert_eq!(
            run(b"a").unwrap_err(),
            "p: opcode at byte 0 pops an empty stack"
        );
        assert_eq!(
            run(b"NN.").unwrap_err(),
            "p: STOP at byte 2 with 2 values on the stack"
        );
        assert_eq!(
            run(b"\x80\x04N.").unwrap_err(),
            "p: pickle protocol 4 at byte 0 (only protocol 2, PyTorch's legacy format, is read)"
        );
        assert_eq!(
            run(b"NQ.").unwrap_err(),
            "p: BINPERSID at byte 1 outside the saved object"
        );
        // A value under a MARK cannot be popped from inside it.
        assert_eq!(
            run(b"](a").unwrap_err(),
            "p: opcode at byte 2 pops an empty stack"
        );
        // A string key set twice (two equal strings) replaces its value.
        let mut pos = 0;
        let p = Machine::run(
            b"}(X\x01\x00\x00\x00aK\x01X\x01\x00\x00\x00aK\x02u.",
            &mut pos,
            false,
        )
        .unwrap();
        let Obj::Dict(items) = p.get(p.root) else {
            panic!()
        };
        assert_eq!(items.len(), 1);
        assert!(matches!(p.get(items[0].1), Obj::Int(2)));
        // Negative LONG1 and memo sharing (a list filled after BINPUT).
        let mut pos = 0;
        let p = Machine::run(b"\x8a\x02\x00\xff.", &mut pos, false).unwrap();
        assert!(matches!(p.get(p.root), Obj::Int(-256)));
        let mut pos = 0;
        let p = Machine::run(b"](]q\x00K\x01ah\x00e.", &mut pos, false).unwrap();
        let Obj::List(outer) = p.get(p.root) else {
            panic!()
        };
        assert_eq!(outer.len(), 2);
        assert_eq!(outer[0], outer[1]);
        assert!(matches!(p.get(outer[1]), Obj::List(inner) if inner.len() == 1));
    }
}
