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

/// Why a manifest was refused; one line, the line of the file it concerns
/// first (the caller puts the file's path before it).
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Quotes not as RFC 4180 has them (`"ab"c`, `a"b`, an unclosed quote).
    #[error("line {line}: {why}")]
    Quoting {
        /// Line of the file (1-based).
        line: u64,
        /// What is wrong.
        why: &'static str,
    },
    /// The CSV reader failed (a field that is not UTF-8, say).
    #[error("line {line}: {source}")]
    Csv {
        /// Line of the file (1-based).
        line: u64,
        /// The reader's error.
        source: csv::Error,
    },
    /// No header row.
    #[error("empty manifest: it needs a header row with a `file` column")]
    Empty,
    /// The header row names no `file` column.
    #[error("the header row has no `file` column")]
    NoFileColumn,
    /// A row with cells but no file.
    #[error("line {line}: empty `file`")]
    EmptyFile {
        /// Line of the file.
        line: u64,
    },
    /// A cell outside its column's values.
    #[error("line {line}: {column} must be {allowed}, not {value}")]
    BadValue {
        /// Line of the file.
        line: u64,
        /// The column.
        column: &'static str,
        /// What it may hold.
        allowed: &'static str,
        /// What it holds.
        value: String,
    },
    /// A file whose absolute path cannot be formed.
    #[error("line {line}: {file}: {source}")]
    Path {
        /// Line of the file.
        line: u64,
        /// The `file` cell.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The same recording on two rows.
    #[error("line {line}: {file} is listed twice")]
    Twice {
        /// Line of the second row.
        line: u64,
        /// The `file` cell.
        file: String,
    },
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
    pub fn parse(text: &str, base: &Path) -> Result<Self, ManifestError> {
        let rows = parse_csv(text.trim_start_matches('\u{feff}'))?;
        let Some(((_, header), body)) = rows.split_first() else {
            return Err(ManifestError::Empty);
        };
        let col = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        };
        let file_col = col(&["file", "path", "filename"]).ok_or(ManifestError::NoFileColumn)?;
        let cols = [
            col(&["agent", "agent_id"]),
            col(&["call_id", "call"]),
            col(&["date"]),
            col(&["language", "lang"]),
            col(&["agent_channel", "channel"]),
            col(&["speakers"]),
        ];
        let mut m = Manifest::default();
        for &(line, ref row) in body {
            let cell = |c: Option<usize>| {
                c.and_then(|c| row.get(c))
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            };
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let bad = |column, allowed, value: &str| ManifestError::BadValue {
                line,
                column,
                allowed,
                value: value.to_string(),
            };
            let file = cell(Some(file_col)).ok_or(ManifestError::EmptyFile { line })?;
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
                        _ => Err(bad("speakers", "1 or 2", &s)),
                    })
                    .transpose()?,
            };
            if let Some(l) = &entry.language {
                if l != "auto" && !(l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase())) {
                    return Err(bad("language", "a two-letter code or auto", l));
                }
            }
            if let Some(c) = &entry.agent_channel {
                if c != "left" && c != "right" {
                    return Err(bad("agent_channel", "left or right", c));
                }
            }
            let path = base.join(&file);
            let key = std::fs::canonicalize(&path)
                .or_else(|_| std::path::absolute(&path))
                .map_err(|source| ManifestError::Path {
                    line,
                    file: file.clone(),
                    source,
                })?;
            let name = key
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            m.by_name
                .entry(name)
                .and_modify(|e| *e = None)
                .or_insert_with(|| Some(entry.clone()));
            if m.by_path.insert(key, entry).is_some() {
                return Err(ManifestError::Twice { line, file });
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

/// Splits RFC 4180 CSV text into records of fields, each with the line it
/// starts on (CRLF or LF line ends; records may differ in length). The
/// `csv` crate reads them; it accepts stray quotes (`"ab"c` reads as
/// `abc`) and has no strict mode, so each record's raw text is checked
/// first ([`check_quoting`]) and bad quoting is refused.
pub fn parse_csv(text: &str) -> Result<Vec<(u64, Vec<String>)>, ManifestError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let start = reader.position().clone();
        let more = reader
            .read_record(&mut record)
            .map_err(|source| ManifestError::Csv {
                line: source.position().map_or(start.line(), |p| p.line()),
                source,
            })?;
        if !more {
            break;
        }
        let end = reader.position().byte() as usize;
        let raw = &text[start.byte() as usize..end];
        check_quoting(raw).map_err(|(offset, why)| ManifestError::Quoting {
            line: start.line() + offset,
            why,
        })?;
        // The reader's position may stop before the line end of the record
        // before (CRLF) or at blank lines the reader skips.
        let body = raw.trim_start_matches(['\r', '\n']);
        let line = start.line() + raw[..raw.len() - body.len()].matches('\n').count() as u64;
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}

/// Checks the quotes of one record's raw text as RFC 4180 has them: a
/// quote opens a field or is doubled inside a quoted field, and a closing
/// quote is followed by a comma or the line end. On a fault, returns the
/// line within the record (0 for its first) and what is wrong.
fn check_quoting(raw: &str) -> Result<(), (u64, &'static str)> {
    let mut chars = raw.chars().peekable();
    let (mut line, mut quoted, mut at_start) = (0, false, true);
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if quoted {
            if c == '"' && chars.next_if_eq(&'"').is_none() {
                quoted = false;
                if !matches!(chars.peek(), None | Some(',' | '\r' | '\n')) {
                    return Err((line, "text after the closing quote of a field"));
                }
            }
            continue;
        }
        match c {
            '"' if at_start => quoted = true,
            '"' => return Err((line, "a quote inside an unquoted field")),
            _ => {}
        }
        at_start = matches!(c, ',' | '\r' | '\n');
    }
    if quoted {
        return Err((line, "a quoted field is not closed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_may_be_quoted_with_commas_quotes_and_line_breaks() {
        let rows = parse_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n1,,3").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[1],
            (
                2,
                ["x, y", "say \"hi\"", "two\nlines"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert_eq!(rows[2], (4, ["1", "", "3"].map(String::from).to_vec()));
    }

    #[test]
    fn malformed_quoting_is_refused_with_its_line() {
        let err = |text: &str| parse_csv(text).unwrap_err().to_string();
        assert_eq!(
            err("file\n\"ab\"c\n"),
            "line 2: text after the closing quote of a field"
        );
        assert_eq!(
            err("file\nx\na,b\"c\n"),
            "line 3: a quote inside an unquoted field"
        );
        assert_eq!(err("a,\"b\n\nc"), "line 3: a quoted field is not closed");
        assert_eq!(
            err("file,notes\nx.wav,\"two\nlines\"!\n"),
            "line 3: text after the closing quote of a field"
        );
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
        assert_eq!(
            Manifest::parse("file,speakers\na.wav,3\n", base)
                .unwrap_err()
                .to_string(),
            "line 2: speakers must be 1 or 2, not 3"
        );
        assert_eq!(
            Manifest::parse("file\n\"a.wav\"x\n", base)
                .unwrap_err()
                .to_string(),
            "line 2: text after the closing quote of a field"
        );
    }
}
