//! The manifest: a CSV file mapping recordings to agent, call id, date,
//! language, agent channel and speakers.
//!
//! RFC 4180 CSV with a header row: fields separated by commas, a field in
//! double quotes may hold commas, line breaks and doubled quotes (`""`).
//! Columns are found by name (case-insensitive, any order; unknown columns
//! are ignored): `file` (required), `agent`, `call_id`, `date`, `language`,
//! `agent_channel`, `speakers`. An empty cell means "not given": the
//! command-line value applies. A relative `file` is relative to the
//! manifest's directory; a row also matches an input by bare file name when
//! that name is unique in the manifest.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::BatchError;

/// What the manifest says about one recording.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// Agent id.
    pub agent: Option<String>,
    /// The call's id in the telephony system.
    pub call_id: Option<String>,
    /// Date of the call (kept as written).
    pub date: Option<String>,
    /// Language code or `auto`.
    pub language: Option<String>,
    /// `left` or `right`.
    pub agent_channel: Option<String>,
    /// 1 or 2.
    pub speakers: Option<u8>,
}

/// A loaded manifest.
#[derive(Debug, Default)]
pub struct Manifest {
    /// The files in row order, resolved against the manifest's directory.
    pub files: Vec<PathBuf>,
    by_path: HashMap<PathBuf, Entry>,
    by_name: HashMap<String, Option<Entry>>,
}

impl Manifest {
    /// Reads and checks a manifest; any problem is a usage error naming the
    /// file and line.
    pub fn load(path: &Path) -> Result<Self, BatchError> {
        let text =
            crate::limits::read_text(path, crate::limits::MAX_MANIFEST_BYTES).map_err(|e| {
                BatchError::Usage(format!("{}: cannot read manifest: {e}", path.display()))
            })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base).map_err(|e| BatchError::Usage(format!("{}: {e}", path.display())))
    }

    /// Parses manifest text; relative file paths are taken against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self, String> {
        let rows = parse_csv(text.trim_start_matches('\u{feff}'))?;
        let Some((header, body)) = rows.split_first() else {
            return Err("empty manifest: it needs a header row with a `file` column".into());
        };
        let col = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        };
        let file_col =
            col(&["file", "path", "filename"]).ok_or("the header row has no `file` column")?;
        let cols = [
            col(&["agent", "agent_id"]),
            col(&["call_id", "call"]),
            col(&["date"]),
            col(&["language", "lang"]),
            col(&["agent_channel", "channel"]),
            col(&["speakers"]),
        ];
        let mut m = Manifest::default();
        for (i, row) in body.iter().enumerate() {
            let line = i + 2;
            let cell = |c: Option<usize>| {
                c.and_then(|c| row.get(c))
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            };
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let file = cell(Some(file_col)).ok_or(format!("row {line}: empty `file`"))?;
            let entry = Entry {
                agent: cell(cols[0]),
                call_id: cell(cols[1]),
                date: cell(cols[2]),
                language: cell(cols[3]).map(|l| l.to_ascii_lowercase()),
                agent_channel: cell(cols[4]).map(|l| l.to_ascii_lowercase()),
                speakers: cell(cols[5])
                    .map(|s| match s.as_str() {
                        "1" => Ok(1),
                        "2" => Ok(2),
                        _ => Err(format!("row {line}: speakers must be 1 or 2, not {s}")),
                    })
                    .transpose()?,
            };
            if let Some(l) = &entry.language {
                if l != "auto" && !(l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase())) {
                    return Err(format!(
                        "row {line}: language must be a two-letter code or auto, not {l}"
                    ));
                }
            }
            if let Some(c) = &entry.agent_channel {
                if c != "left" && c != "right" {
                    return Err(format!(
                        "row {line}: agent_channel must be left or right, not {c}"
                    ));
                }
            }
            let path = base.join(&file);
            let key = std::fs::canonicalize(&path)
                .or_else(|_| std::path::absolute(&path))
                .map_err(|e| format!("row {line}: {file}: {e}"))?;
            let name = key
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            m.by_name
                .entry(name)
                .and_modify(|e| *e = None)
                .or_insert_with(|| Some(entry.clone()));
            if m.by_path.insert(key, entry).is_some() {
                return Err(format!("row {line}: {file} is listed twice"));
            }
            m.files.push(path);
        }
        Ok(m)
    }

    /// The entry for an input (absolute path): by path, else by unique file name.
    pub fn lookup(&self, path: &Path) -> Option<&Entry> {
        self.by_path.get(path).or_else(|| {
            let name = path.file_name()?.to_string_lossy();
            self.by_name.get(name.as_ref())?.as_ref()
        })
    }
}

/// Splits RFC 4180 CSV text into rows of fields (CRLF or LF line ends).
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut quoted = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            '"' => return Err(format!("line {line}: a quote inside an unquoted field")),
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                line += 1;
                any = false;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {line}: a quoted field is not closed"));
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_may_be_quoted_with_commas_quotes_and_line_breaks() {
        let rows = parse_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n1,,3").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], ["x, y", "say \"hi\"", "two\nlines"]);
        assert_eq!(rows[2], ["1", "", "3"]);
        assert!(parse_csv("a,\"b\n").is_err());
        assert!(parse_csv("a,b\"c\n").is_err());
    }

    #[test]
    fn manifest_rows_match_by_path_and_by_unique_name() {
        let base = Path::new("/calls");
        let m = Manifest::parse(
            "File,Agent,date,language,agent_channel,notes\n\
             mon/a.wav,anna,2024-05-02,DE,right,\"late, angry\"\n\
             tue/b.wav,,,,,\n",
            base,
        )
        .unwrap();
        let a = m.lookup(Path::new("/calls/mon/a.wav")).unwrap();
        assert_eq!(a.agent.as_deref(), Some("anna"));
        assert_eq!(a.language.as_deref(), Some("de"));
        assert_eq!(a.agent_channel.as_deref(), Some("right"));
        assert_eq!(m.lookup(Path::new("/elsewhere/b.wav")).unwrap().agent, None);
        assert!(m.lookup(Path::new("/calls/c.wav")).is_none());
        assert!(Manifest::parse("agent\nx\n", base).is_err());
        assert!(Manifest::parse("file,language\na.wav,german\n", base).is_err());
        assert!(Manifest::parse("file,speakers\na.wav,3\n", base).is_err());
    }
}
