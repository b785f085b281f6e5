//! Inputs → the sorted, de-duplicated list of calls, each with a unique name.
//!
//! An input is a file, a directory (searched recursively for `.wav` files,
//! hidden entries skipped) or a glob with `*` and `?` in any path component
//! (for shells that did not expand it, and for quoting it on purpose).
//! Every call's name, used for its output files, is its path relative to
//! the common root of all inputs, without `.wav`, with `/` replaced by `__`:
//! two `call1.wav` in different folders do not overwrite each other.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::shard::fnv1a64;
use super::BatchError;

/// One recording to score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Absolute path.
    pub path: PathBuf,
    /// Path relative to the common input root, with `/` separators.
    pub rel: String,
    /// Unique name for the output files (`calls/<name>.json`).
    pub name: String,
}

/// Expands `inputs` into calls. A directory or glob that yields no file is
/// a usage error; a named file that does not exist is kept (it fails when
/// scored and is reported in the summary).
pub fn plan(inputs: &[PathBuf]) -> Result<Vec<Input>, BatchError> {
    let mut files = Vec::new();
    for input in inputs {
        let text = input.to_string_lossy();
        if input.is_dir() {
            let before = files.len();
            walk(input, &mut files)?;
            if files.len() == before {
                return Err(BatchError::Usage(format!(
                    "{}: no .wav files in this directory (searched recursively)",
                    input.display()
                )));
            }
        } else if has_wildcard(&text) && !input.exists() {
            let before = files.len();
            for m in glob(input) {
                if m.is_dir() {
                    walk(&m, &mut files)?;
                } else if m.is_file() {
                    files.push(m);
                }
            }
            if files.len() == before {
                return Err(BatchError::Usage(format!("{text}: no file matches")));
            }
        } else {
            files.push(input.clone());
        }
    }
    if files.is_empty() {
        return Err(BatchError::Usage(
            "no inputs: name files, directories or globs".into(),
        ));
    }
    let mut abs: Vec<PathBuf> = files
        .iter()
        .map(|f| std::fs::canonicalize(f).or_else(|_| std::path::absolute(f)))
        .collect::<Result<_, _>>()
        .map_err(|e| BatchError::Usage(format!("cannot resolve an input path: {e}")))?;
    abs.sort();
    abs.dedup();
    let root = common_dir(&abs);
    let rels: Vec<String> = abs
        .iter()
        .map(|p| {
            let r = p.strip_prefix(&root).unwrap_or(p);
            r.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    let names = unique_names(&rels);
    Ok(abs
        .into_iter()
        .zip(rels)
        .zip(names)
        .map(|((path, rel), name)| Input { path, rel, name })
        .collect())
}

/// Output names for relative paths: extension dropped, `/` → `__`, other
/// characters outside `[A-Za-z0-9._-]` → `_`; a name that still collides (or
/// ends in `.error`, the failure files' suffix) gets `-` and 8 hex digits of
/// the FNV-1a hash of its relative path.
pub fn unique_names(rels: &[String]) -> Vec<String> {
    let base: Vec<String> = rels.iter().map(|r| sanitise(r)).collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for b in &base {
        *seen.entry(b.as_str()).or_default() += 1;
    }
    base.iter()
        .zip(rels)
        .map(|(b, r)| {
            if seen[b.as_str()] > 1 || b.ends_with(".error") || b.is_empty() {
                format!("{b}-{:08x}", fnv1a64(r.as_bytes()) as u32)
            } else {
                b.clone()
            }
        })
        .collect()
}

fn sanitise(rel: &str) -> String {
    let stem = match rel.rfind('.') {
        Some(i) if rel[i..].eq_ignore_ascii_case(".wav") => &rel[..i],
        _ => rel,
    };
    stem.replace('/', "__")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The deepest directory holding every path.
fn common_dir(paths: &[PathBuf]) -> PathBuf {
    let mut root = paths
        .first()
        .and_then(|p| p.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    for p in paths {
        while !p.starts_with(&root) {
            if !root.pop() {
                break;
            }
        }
    }
    root
}

/// Every `.wav` file under `dir`, recursively, in name order; hidden entries
/// (names starting with `.`) are skipped.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), BatchError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| BatchError::Usage(format!("{}: cannot list directory: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wav")) {
            out.push(p);
        }
    }
    Ok(())
}

fn has_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

/// Paths matching a pattern with `*` and `?` in any component (no `**`;
/// directories found are searched recursively by the caller instead).
pub fn glob(pattern: &Path) -> Vec<PathBuf> {
    let mut current = vec![PathBuf::new()];
    for comp in pattern.components() {
        let text = comp.as_os_str().to_string_lossy();
        let mut next = Vec::new();
        match comp {
            Component::Normal(_) if has_wildcard(&text) => {
                for base in &current {
                    let dir = if base.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        base.as_path()
                    };
                    let Ok(entries) = std::fs::read_dir(dir) else {
                        continue;
                    };
                    let mut names: Vec<String> = entries
                        .filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| !n.starts_with('.') || text.starts_with('.'))
                        .filter(|n| wildcard_match(&text, n))
                        .collect();
                    names.sort();
                    next.extend(names.into_iter().map(|n| base.join(n)));
                }
            }
            _ => next.extend(current.iter().map(|b| b.join(comp.as_os_str()))),
        }
        current = next;
    }
    current.retain(|p| p.exists());
    current
}

/// Whether `name` matches `pattern`: `*` any run of characters, `?` one
/// character, anything else itself (greedy matching with backtracking to
/// the last `*`).
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_the_shell() {
        assert!(wildcard_match("*.wav", "call.wav"));
        assert!(wildcard_match("c?ll*.wav", "call-01.wav"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(!wildcard_match("*.wav", "call.wav.txt"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(!wildcard_match("a*b*c", "axxbyy"));
    }

    #[test]
    fn names_are_unique_and_readable() {
        let rels: Vec<String> = [
            "mon/a.wav",
            "tue/a.wav",
            "b c.WAV",
            "b_c.wav",
            "x.error.wav",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let names = unique_names(&rels);
        assert_eq!(names[0], "mon__a");
        assert_eq!(names[1], "tue__a");
        assert!(names[2].starts_with("b_c-") && names[3].starts_with("b_c-"));
        assert_ne!(names[2], names[3]);
        assert!(names[4].starts_with("x.error-"));
    }

    #[test]
    fn plan_walks_directories_globs_and_deduplicates() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("mon/x")).unwrap();
        std::fs::create_dir_all(d.join("tue")).unwrap();
        for f in [
            "mon/a.wav",
            "mon/x/b.WAV",
            "mon/notes.txt",
            "tue/a.wav",
            "tue/.hidden.wav",
        ] {
            std::fs::write(d.join(f), b"").unwrap();
        }
        let got = plan(&[d.join("mon"), d.join("t*/*.wav"), d.join("mon/a.wav")]).unwrap();
        let rels: Vec<&str> = got.iter().map(|i| i.rel.as_str()).collect();
        assert_eq!(rels, ["mon/a.wav", "mon/x/b.WAV", "tue/a.wav"]);
        let names: Vec<&str> = got.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["mon__a", "mon__x__b", "tue__a"]);
        assert!(matches!(
            plan(&[d.join("z*.wav")]),
            Err(BatchError::Usage(_))
        ));
    }
}
