//! The visual report (docs/html-report.md): one self-contained HTML page per
//! call and an `index.html` for a batch.
//!
//! This module decides and writes; [`crate::render::html`] only draws.
//! It picks how a page carries its audio (short calls embedded as a WAV
//! data URI, long ones linked by relative path), builds the per-agent
//! spread the index draws, and writes every page atomically (a temporary
//! file beside it, then a rename), naming the file in any error.

use std::io::Cursor;
use std::path::{Component, Path, PathBuf};

use base64::Engine;

use crate::findings::FindingId;
use crate::output::layout::calls_dir;
use crate::output::{atomic, write_atomic, CallRow};
use crate::redact::{self, audio::Fill, PiiMode};
use crate::render::html::{self, AgentSpread, AudioRef, FindingSpread, IndexEntry};
use crate::scorecard::series::CallSeries;
use crate::scorecard::Scorecard;

/// Calls up to this long (s) carry their audio inside the page; longer ones
/// link the recording by relative path. Five minutes of 8 kHz mono 16-bit
/// PCM is 4.8 MB, of 16 kHz stereo 19 MB, as base64 a third more.
pub const EMBED_AUDIO_MAX_S: f64 = 300.0;

/// How pages are made.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlOptions {
    /// Embed the audio of calls up to this long (s); link longer ones.
    pub embed_audio_max_s: f64,
    /// Write the redacted copy of the recording beside every page, also
    /// when the page embeds its audio (`batch --html`: the day's
    /// recordings to share without the personal data). A linked page
    /// always has one.
    pub redacted_copy: bool,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            embed_audio_max_s: EMBED_AUDIO_MAX_S,
            redacted_copy: false,
        }
    }
}

/// A page could not be made or written. One line, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot write the HTML report: {why}")]
pub struct ReportError {
    /// The page (or the directory it goes to).
    pub path: PathBuf,
    /// What went wrong.
    pub why: String,
}

impl ReportError {
    fn new(path: &Path, why: impl std::fmt::Display) -> Self {
        ReportError {
            path: path.to_path_buf(),
            why: why.to_string(),
        }
    }
}

/// Checks that `page` can be written (its directory exists and accepts a
/// file) before hours of scoring are spent: creates and removes a
/// temporary file beside it.
pub fn check_writable(page: &Path) -> Result<(), ReportError> {
    atomic::check_writable(page).map_err(|e| ReportError::new(page, e))
}

/// How the page at `page` plays `recording`, the call of `card`: embedded
/// when the call is at most `opts.embed_audio_max_s` long (re-encoded as
/// 16-bit PCM WAV at the file's own rate and channels, which every browser
/// plays, whatever the original encoding), else a link relative to the
/// page's directory. When the card's personal data is redacted the player
/// never gets the original: the embedded audio has the redactions
/// silenced, and a linked call links a redacted copy written beside the
/// page ([`redacted_audio_path`]).
pub fn audio_ref(
    recording: &Path,
    page: &Path,
    card: &Scorecard,
    opts: &HtmlOptions,
) -> Result<AudioRef, ReportError> {
    let redacted = card.pii == PiiMode::Redacted;
    if card.duration_ms as f64 / 1000.0 <= opts.embed_audio_max_s {
        if opts.redacted_copy {
            write_redacted_audio(page, card, recording)?;
        }
        let mut audio =
            crate::audio::load(recording, None).map_err(|e| ReportError::new(page, e))?;
        if redacted {
            redact::audio::silence(&mut audio, &card.audio_spans(), Fill::Silence);
        }
        let wav = pcm16_wav(&audio).map_err(|e| ReportError::new(page, e))?;
        return Ok(AudioRef::Embedded {
            base64: base64::engine::general_purpose::STANDARD.encode(wav),
        });
    }
    let linked = if redacted {
        write_redacted_audio(page, card, recording)?;
        redacted_audio_path(page)
    } else {
        recording.to_path_buf()
    };
    let dir = page.parent().unwrap_or(Path::new("."));
    Ok(AudioRef::Linked {
        href: relative_href(dir, &linked).map_err(|e| ReportError::new(page, e))?,
    })
}

/// Where the redacted copy of a linked call's recording goes: beside its
/// page, `<page name>.redacted.wav`.
pub fn redacted_audio_path(page: &Path) -> PathBuf {
    let mut name = page.file_stem().unwrap_or_default().to_os_string();
    name.push(REDACTED_AUDIO_SUFFIX);
    page.with_file_name(name)
}

/// The end of a redacted recording's file name (see [`redacted_audio_path`]).
pub const REDACTED_AUDIO_SUFFIX: &str = ".redacted.wav";

/// Writes the redacted copy of `recording` beside `page` (see
/// [`redacted_audio_path`]) when `card`'s personal data is redacted;
/// nothing when it is kept.
fn write_redacted_audio(
    page: &Path,
    card: &Scorecard,
    recording: &Path,
) -> Result<(), ReportError> {
    if card.pii == PiiMode::Kept {
        return Ok(());
    }
    let copy = redacted_audio_path(page);
    redact::audio::write_redacted(recording, &copy, &card.audio_spans(), Fill::Silence)
        .map_err(|e| ReportError::new(page, e))
}

/// 16-bit PCM WAV bytes of `audio` (samples clamped to [-1, 1]).
fn pcm16_wav(audio: &crate::audio::Audio) -> Result<Vec<u8>, hound::Error> {
    let spec = hound::WavSpec {
        channels: audio.channels.len() as u16,
        sample_rate: audio.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut buf = Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut buf, spec)?;
        let n = audio.channels.first().map_or(0, Vec::len);
        for i in 0..n {
            for c in &audio.channels {
                let s = c.get(i).copied().unwrap_or(0.0).clamp(-1.0, 1.0);
                w.write_sample((s * 32767.0).round() as i16)?;
            }
        }
        w.finalize()?;
    }
    Ok(buf.into_inner())
}

/// A URL path from directory `from` to file `to` (`../samples/call%201.wav`),
/// both made absolute first.
pub fn relative_href(from: &Path, to: &Path) -> std::io::Result<String> {
    let from = std::fs::canonicalize(from)?;
    let to = std::fs::canonicalize(to)?;
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| percent_encode(&c.as_os_str().to_string_lossy())),
    );
    Ok(parts.join("/"))
}

/// Undoes [`percent_encode`] (and any other `%XX`); `None` when the
/// result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Makes the page of one call and writes it atomically to `page`.
pub fn write_call_page(
    page: &Path,
    card: &Scorecard,
    series: &CallSeries,
    recording: &Path,
    opts: &HtmlOptions,
) -> Result<(), ReportError> {
    let audio = audio_ref(recording, page, card, opts)?;
    let text = html::call_page(card, series, &audio);
    write_atomic(page, text.as_bytes()).map_err(|e| ReportError::new(page, e))
}

/// Copies the call page `from` to `to` (`merge`), with the redacted copy
/// of its recording beside it if it has one, pointing a linked
/// recording's relative address at the same file from the new place (the
/// redacted copy: at the new copy). An embedded recording needs nothing;
/// a linked one that no longer exists keeps its address and is returned
/// as a warning.
pub fn copy_call_page(from: &Path, to: &Path) -> Result<Option<String>, ReportError> {
    const PLAYER: &str = "<audio id=\"player\"";
    let text = std::fs::read_to_string(from).map_err(|e| ReportError::new(from, e))?;
    let own = redacted_audio_path(from);
    if own.exists() {
        let copy = redacted_audio_path(to);
        let bytes = std::fs::read(&own).map_err(|e| ReportError::new(&own, e))?;
        write_atomic(&copy, &bytes).map_err(|e| ReportError::new(&copy, e))?;
    }
    let mut warning = None;
    let relinked = (|| {
        let tag_at = text.find(PLAYER)?;
        let src_at = tag_at + text[tag_at..].find(" src=\"")? + 6;
        let src_len = text[src_at..].find('"')?;
        let href = &text[src_at..src_at + src_len];
        if href.starts_with("data:") {
            return None;
        }
        let mut recording = from.parent()?.join(percent_decode(href)?);
        let to_dir = to.parent()?;
        if href.ends_with(REDACTED_AUDIO_SUFFIX) {
            // The page's own redacted copy, copied beside the new page.
            recording = redacted_audio_path(to);
        }
        match relative_href(to_dir, &recording) {
            Ok(new) => Some(format!(
                "{}{new}{}",
                &text[..src_at],
                &text[src_at + src_len..]
            )),
            Err(e) => {
                warning = Some(format!(
                    "{}: its recording {} cannot be linked: {e}",
                    to.display(),
                    recording.display()
                ));
                None
            }
        }
    })();
    let text = relinked.unwrap_or(text);
    write_atomic(to, text.as_bytes()).map_err(|e| ReportError::new(to, e))?;
    Ok(warning)
}

/// Per agent, per finding: mean, smallest and largest score and every
/// call's score with its verdict, over the scored calls.
pub fn agent_spreads(rows: &[CallRow]) -> Vec<AgentSpread> {
    let mut agents: Vec<&str> = rows.iter().map(|r| r.agent.as_str()).collect();
    agents.sort_unstable();
    agents.dedup();
    agents
        .into_iter()
        .map(|agent| {
            let calls: Vec<&CallRow> = rows
                .iter()
                .filter(|r| r.agent == agent && r.scored())
                .collect();
            let findings = FindingId::ALL
                .iter()
                .map(|id| {
                    let scores: Vec<(u8, String)> = calls
                        .iter()
                        .filter_map(|r| r.findings.iter().find(|f| f.id == id.as_str()))
                        .filter_map(|f| Some((f.score?, f.verdict.clone())))
                        .collect();
                    let n = scores.len();
                    FindingSpread {
                        id: *id,
                        mean: (n > 0)
                            .then(|| scores.iter().map(|s| f64::from(s.0)).sum::<f64>() / n as f64),
                        min: scores.iter().map(|s| s.0).min(),
                        max: scores.iter().map(|s| s.0).max(),
                        scores,
                    }
                })
                .collect();
            AgentSpread {
                agent: agent.to_string(),
                calls: calls.len(),
                findings,
            }
        })
        .collect()
}

/// Writes `out/index.html` for the batch rows: a sortable table linking
/// each call to its page (`calls/<name>.html`, when it exists) and the
/// per-agent charts.
pub fn write_index(out: &Path, rows: &[CallRow]) -> Result<PathBuf, ReportError> {
    let path = out.join("index.html");
    let entries: Vec<IndexEntry> = rows
        .iter()
        .map(|r| IndexEntry {
            row: r,
            page: calls_dir(out)
                .join(format!("{}.html", r.name))
                .exists()
                .then(|| format!("calls/{}.html", percent_encode(&r.name))),
        })
        .collect();
    let text = html::index_page(&entries, &agent_spreads(rows));
    write_atomic(&path, text.as_bytes()).map_err(|e| ReportError::new(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_pages_link_the_same_recording_from_their_new_place() {
        let tmp = tempfile::tempdir().unwrap();
        let rec_dir = tmp.path().join("rec ordings");
        let (shard, all) = (tmp.path().join("s1/calls"), tmp.path().join("x/y/calls"));
        for d in [&rec_dir, &shard, &all] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(rec_dir.join("a b.wav"), b"RIFF").unwrap();
        let href = relative_href(&shard, &rec_dir.join("a b.wav")).unwrap();
        assert_eq!(href, "../../rec%20ordings/a%20b.wav");
        let page = |src: &str| {
            format!(
                "<p>x</p><audio id=\"player\" controls preload=\"metadata\" src=\"{src}\"></audio>"
            )
        };
        std::fs::write(shard.join("a.html"), page(&href)).unwrap();
        let warning = copy_call_page(&shard.join("a.html"), &all.join("a.html")).unwrap();
        assert_eq!(warning, None);
        assert_eq!(
            std::fs::read_to_string(all.join("a.html")).unwrap(),
            page("../../../rec%20ordings/a%20b.wav")
        );
        // Embedded audio is copied as it is.
        std::fs::write(shard.join("b.html"), page("data:audio/wav;base64,UklGRg==")).unwrap();
        copy_call_page(&shard.join("b.html"), &all.join("b.html")).unwrap();
        assert_eq!(
            std::fs::read_to_string(all.join("b.html")).unwrap(),
            page("data:audio/wav;base64,UklGRg==")
        );
        // A recording that is gone: copied unchanged, with a warning.
        std::fs::remove_file(rec_dir.join("a b.wav")).unwrap();
        let warning = copy_call_page(&shard.join("a.html"), &all.join("c.html")).unwrap();
        assert!(warning.unwrap().contains("a b.wav"));
        assert_eq!(
            std::fs::read_to_string(all.join("c.html")).unwrap(),
            page(&href)
        );
    }

    #[test]
    fn relative_links_climb_and_encode() {
        let dir = tempfile::tempdir().unwrap();
        let pages = dir.path().join("out/calls");
        let rec = dir.path().join("rec/day 1/a&b.wav");
        std::fs::create_dir_all(&pages).unwrap();
        std::fs::create_dir_all(rec.parent().unwrap()).unwrap();
        std::fs::write(&rec, b"x").unwrap();
        assert_eq!(
            relative_href(&pages, &rec).unwrap(),
            "../../rec/day%201/a%26b.wav"
        );
    }

    #[test]
    fn unwritable_pages_are_reported_with_their_path() {
        let e = check_writable(Path::new("/nonexistent-dir/x.html")).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("/nonexistent-dir/x.html: cannot write the HTML report: "),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
    }
}
