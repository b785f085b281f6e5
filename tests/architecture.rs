//! The architecture in docs/architecture.md holds in the code.
//!
//! The doc lists the layers (a numbered line each, its top-level modules in
//! backticks, lowest first) and has a table with a row for every module
//! (the module path in backticks in the second column). These tests read
//! both and check that:
//!
//! * the table names exactly the modules under `src/` (a file `a/b.rs` or
//!   `a/b/mod.rs` is module `a::b`; `lib.rs` and `main.rs` are the crate
//!   roots), so a new file means a new row;
//! * every top-level module is in exactly one layer;
//! * no module imports from a layer above its own;
//! * no circle: no two top-level modules, and no two submodules of one
//!   module, import each other, directly or round a loop.
//!
//! Imports are read from the code as text: every `crate::`, `super::` and
//! `callcoach::` path outside `//` comments, brace groups included
//! (`use crate::{a, b::c}`), mapped to the longest module path it starts
//! with. A `super::` inside an inline `mod tests` is read as if it were at
//! file level; it then names the file's parent, which a submodule may always
//! use, so that reading never reports a false import.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const DOC: &str = "docs/architecture.md";

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The modules under `src/`, by path (`findings::calibrate`), with their
/// files; the crate roots `lib.rs` and `main.rs` are left out.
fn src_modules() -> BTreeMap<String, PathBuf> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut modules = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let mut parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        if parts == ["lib"] || parts == ["main"] {
            continue;
        }
        modules.insert(parts.join("::"), file);
    }
    modules
}

/// The doc's layers, lowest first: the names in backticks of each numbered
/// line of the "Who may import whom" section.
fn doc_layers(doc: &str) -> Vec<Vec<String>> {
    section(doc, "## Who may import whom")
        .lines()
        .filter(|l| {
            let digits = l.chars().take_while(char::is_ascii_digit).count();
            digits > 0 && l[digits..].starts_with(". ")
        })
        .map(backticked)
        .collect()
}

/// The modules of the doc's table: the second column of each row of the
/// "Stages and modules" section, in backticks.
fn doc_table(doc: &str) -> Vec<String> {
    section(doc, "## Stages and modules")
        .lines()
        .filter(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(2))
        .filter_map(|cell| {
            let cell = cell.trim();
            cell.strip_prefix('`')
                .and_then(|c| c.strip_suffix('`'))
                .map(str::to_string)
        })
        .collect()
}

/// The text of a `## ` section, up to the next one.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(heading)
        .unwrap_or_else(|| panic!("{DOC} has no section {heading:?}"));
    let body = &doc[start + heading.len()..];
    body.find("\n## ").map_or(body, |end| &body[..end])
}

/// The words in backticks in a line.
fn backticked(line: &str) -> Vec<String> {
    line.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The code of a file with `//` comments (doc comments included) removed.
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths a piece of code names after `prefix::` (one of `crate`,
/// `super`, `callcoach`), brace groups expanded: `crate::{a, b::c}` gives
/// `a` and `b::c`. Each path is returned with its prefix's segments
/// (`super::super::x` as `["super", "super", "x"]`).
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for prefix in ["crate::", "super::", "callcoach::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(prefix) {
            let at = from + i;
            from = at + prefix.len();
            if (at > 0 && is_ident(bytes[at - 1] as char))
                || (at > 1 && &bytes[at - 2..at] == b"::")
            {
                continue; // part of a longer path: `super::super::`, `x::crate::`
            }
            let head = prefix.trim_end_matches("::").to_string();
            expand(&code[from..], vec![head], &mut out);
        }
    }
    out
}

/// Reads one path (or brace group) at the start of `rest`, after the
/// segments `base`, into `out`.
fn expand(rest: &str, base: Vec<String>, out: &mut Vec<Vec<String>>) {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    expand(&group[start..i], base.clone(), out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&group[start..i], base.clone(), out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return;
    }
    let ident: String = rest.chars().take_while(|&c| is_ident(c)).collect();
    if ident.is_empty() {
        out.push(base);
        return;
    }
    let mut path = base;
    path.push(ident.clone());
    match rest[ident.len()..].strip_prefix("::") {
        Some(after) => expand(after, path, out),
        None => out.push(path),
    }
}

/// The module `path` (segments, prefix first) refers to from module `from`,
/// or `None` when it names no module of the crate (a std path in a string,
/// a crate root item).
fn resolve(path: &[String], from: &str, modules: &BTreeMap<String, PathBuf>) -> Option<String> {
    let mut segs: Vec<String> = match path[0].as_str() {
        // The binary's `crate::` is main.rs, whose modules are `cli::…`;
        // the library's is lib.rs. Both name the same module tree here.
        "crate" | "callcoach" => Vec::new(),
        // `super` is the parent of the file's module.
        _ => {
            let mut parent: Vec<String> = from.split("::").map(str::to_string).collect();
            parent.pop();
            parent
        }
    };
    for seg in &path[1..] {
        if seg == "super" {
            segs.pop();
        } else {
            segs.push(seg.clone());
        }
    }
    (1..=segs.len())
        .rev()
        .map(|n| segs[..n].join("::"))
        .find(|m| modules.contains_key(m))
}

/// Whether one of two module paths contains the other.
fn nested(a: &str, b: &str) -> bool {
    a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"))
}

/// The top-level module of a module path.
fn top(module: &str) -> &str {
    module
        .split("::")
        .next()
        .expect("a module path has a segment")
}

/// Every import between two modules, neither inside the other:
/// (importer, imported) → the file that imports.
fn imports() -> BTreeMap<(String, String), PathBuf> {
    let modules = src_modules();
    let mut edges = BTreeMap::new();
    for (module, file) in &modules {
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for path in paths(&code(&text)) {
            if let Some(target) = resolve(&path, module, &modules) {
                if !nested(module, &target) {
                    edges.insert((module.clone(), target), file.clone());
                }
            }
        }
    }
    edges
}

#[test]
fn the_doc_names_every_module_and_only_modules_that_exist() {
    let doc = fs::read_to_string(root().join(DOC)).expect("docs/architecture.md");
    let table = doc_table(&doc);
    let named: BTreeSet<String> = table.iter().cloned().collect();
    assert_eq!(named.len(), table.len(), "{DOC}: a module has two rows");
    let modules: BTreeSet<String> = src_modules().into_keys().collect();
    // Sanity: the table was found and read.
    assert!(
        named.len() > 50,
        "{DOC}: only {} table rows read",
        named.len()
    );
    let missing: Vec<_> = modules.difference(&named).collect();
    let stale: Vec<_> = named.difference(&modules).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "{DOC}, table of modules: add a row for {missing:?}; no module {stale:?} under src/"
    );
}

#[test]
fn every_top_level_module_is_in_one_layer() {
    let doc = fs::read_to_string(root().join(DOC)).expect("docs/architecture.md");
    let layers = doc_layers(&doc);
    assert!(
        layers.len() >= 5,
        "{DOC}: only {} layers read",
        layers.len()
    );
    let mut layer_of = BTreeMap::new();
    for (i, names) in layers.iter().enumerate() {
        for name in names {
            assert!(
                !name.contains("::"),
                "{DOC}: a layer names `{name}`, not a top-level module"
            );
            let before = layer_of.insert(name.clone(), i + 1);
            assert!(before.is_none(), "{DOC}: `{name}` is in two layers");
        }
    }
    // Every written top-level module has its place, and every module a
    // layer names is written.
    let tops: BTreeSet<String> = src_modules().keys().map(|m| top(m).to_string()).collect();
    let homeless: Vec<_> = tops.iter().filter(|m| !layer_of.contains_key(*m)).collect();
    assert!(homeless.is_empty(), "{DOC}: put {homeless:?} in a layer");
    let unwritten: Vec<_> = layer_of.keys().filter(|m| !tops.contains(*m)).collect();
    assert!(
        unwritten.is_empty(),
        "{DOC}: a layer names {unwritten:?}, which no file under src/ is"
    );
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let doc = fs::read_to_string(root().join(DOC)).expect("docs/architecture.md");
    let mut layer_of = BTreeMap::new();
    for (i, names) in doc_layers(&doc).into_iter().enumerate() {
        for name in names {
            layer_of.insert(name, i + 1);
        }
    }
    let layer = |m: &str| {
        *layer_of
            .get(top(m))
            .unwrap_or_else(|| panic!("{DOC}: `{}` is in no layer", top(m)))
    };
    let edges = imports();
    // Sanity: the reader finds imports (the pipeline has dozens).
    assert!(edges.len() > 50, "only {} imports read", edges.len());
    let upward: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| layer(to) > layer(from))
        .map(|((from, to), file)| {
            format!(
                "{}: `{from}` (layer {}) imports `{to}` (layer {})",
                file.strip_prefix(root()).unwrap_or(file).display(),
                layer(from),
                layer(to)
            )
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports point up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_modules_import_each_other() {
    // Each import between modules neither inside the other, lifted to the
    // two siblings under their common parent: `findings::calibrate` →
    // `findings::profile` stays as it is, `findings::detect` → `wording`
    // becomes `findings` → `wording`.
    let mut siblings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in imports().into_keys() {
        let (f, t): (Vec<&str>, Vec<&str>) = (from.split("::").collect(), to.split("::").collect());
        let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
        siblings
            .entry(f[..=common].join("::"))
            .or_default()
            .insert(t[..=common].join("::"));
    }
    let mut circles = Vec::new();
    for start in siblings.keys() {
        // Depth-first from `start`, keeping the way back to report the loop.
        let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut stack = vec![start.as_str()];
        while let Some(at) = stack.pop() {
            for next in siblings.get(at).into_iter().flatten() {
                if next == start {
                    // The way from `start` to `at`, then back to `start`.
                    let mut lap = vec![start.as_str()];
                    let mut back = at;
                    while back != start {
                        lap.insert(1, back);
                        back = came_from[back];
                    }
                    lap.push(start);
                    circles.push(lap.join(" → "));
                    stack.clear();
                    break;
                }
                if !came_from.contains_key(next.as_str()) {
                    came_from.insert(next, at);
                    stack.push(next);
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules import each other:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_import_reader_reads_groups_and_super() {
    let found = paths("use crate::{a::B, c::{self, d::E}};\nlet x = super::super::f::g();");
    let text: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        text,
        [
            "crate::a::B",
            "crate::c::self",
            "crate::c::d::E",
            "super::super::f::g"
        ]
    );
    let modules: BTreeMap<String, PathBuf> = ["a", "f", "x::f", "x::y", "x::y::z"]
        .into_iter()
        .map(|m| (m.to_string(), PathBuf::new()))
        .collect();
    let from = "x::y::z";
    let resolved: Vec<_> = found.iter().map(|p| resolve(p, from, &modules)).collect();
    // `super` of `x::y::z` is `x::y`, `super::super` is `x`: `x::f`, not `f`.
    assert_eq!(
        resolved,
        [Some("a".into()), None, None, Some("x::f".into())]
    );
    assert_eq!(
        code("let a = 1; // crate::b\n//! crate::c"),
        "let a = 1; \n"
    );
}
