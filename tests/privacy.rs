//! Personal data never leaves a call (docs/privacy.md).
//!
//! A call full of personal data goes through every command that writes
//! words or audio: `score --json --html` and the terminal card,
//! `transcribe --json` (both channels mixed), `batch --html` and `redact`.
//! The customer is a real voice (Allison Smith's recorded digits and
//! letters, CC-BY-SA-3.0; tests/fixtures/pii/README.md). Every file
//! written and every stdout is scanned for the call's card, phone and
//! ZIP numbers, year of birth, spelled name and e-mail words:
//!
//! * redacted (the default), none may be found anywhere, and the audio
//!   the redaction wrote, transcribed again with `--pii keep`, says none;
//! * with `--pii keep` the same scan must find them, which proves that
//!   whisper heard them (a redaction test on words never heard would pass
//!   by itself).
//!
//! The scan reads text the way a person would: lower-case, punctuation
//! dropped, and digits or single letters said one by one joined up
//! ("4, 1, 1, 1" and "c h e r y l" are found as "4111" and "cheryl").
//!
//! German detection is tested on whisper-like German word lists in
//! `src/redact/detect/tests.rs`: an espeak-ng German call is not
//! understood by whisper base at 8 kHz, and no real German recording of
//! spoken digits with a licence for test fixtures was at hand.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{base_model, callcoach, fixture};
use serde_json::Value;

/// A call of tests/fixtures/pii/ and what it must not leak.
struct Call {
    /// File under tests/fixtures/.
    file: &'static str,
    /// Its language.
    language: &'static str,
    /// What is said in it, as the scan finds it: digits without
    /// separators, names in lower case.
    secrets: &'static [&'static str],
    /// The kinds of personal data the scorecard must list as redacted.
    kinds: &'static [&'static str],
}

/// The calls (tests/fixtures/pii/values.tsv lists every value with its
/// times). The English call's secrets: the spelled name, the card number
/// (customer and the agent's read-back), the phone number (whisper drops
/// its leading "oh" in the read-back, so the scan looks for the rest), the
/// spelled e-mail's local part and domain, the year of birth, the ZIP
/// code. The CVV (3 digits) is too short to scan for among a page's
/// figures; whisper runs it into the card number, which covers it.
const CALLS: [Call; 1] = [Call {
    file: "pii/en-pii-call.wav",
    language: "en",
    secrets: &[
        "cheryl",
        "4111111111111111",
        "1614960754",
        "john",
        "example",
        "1985",
        "90210",
    ],
    // The date of birth is typed by the question before it, which whisper
    // hears as "your name of the card": it is redacted, as a card number.
    kinds: &["card", "email", "name", "phone", "zip"],
}];

/// The text of an output file as the scan reads it: a JSON file's string
/// values (numbers are times and figures, not words), an HTML page's text
/// without its embedded audio, any other file as it is. A WAV file has no
/// text: the audio is checked by transcribing it.
fn readable(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") | Some("jsonl") => json_strings(&text),
        Some("html") => html_text(&text),
        _ => text,
    }
}

/// Every string value of the JSON documents in `text` (one, or one per
/// line), in order.
fn json_strings(text: &str) -> String {
    fn walk(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => o.iter().for_each(|(k, x)| {
                out.push_str(k);
                out.push('\n');
                walk(x, out);
            }),
            _ => out.push('\n'),
        }
    }
    let mut out = String::new();
    let docs: Vec<Value> = match serde_json::from_str(text) {
        Ok(v) => vec![v],
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("JSON Lines"))
            .collect(),
    };
    docs.iter().for_each(|d| walk(d, &mut out));
    out
}

/// An HTML page's text: the embedded audio, scripts and styles dropped,
/// every tag a line break (attribute values hold times and coordinates).
fn html_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        text.push_str(&rest[..at]);
        text.push('\n');
        rest = &rest[at..];
        let skip_to = ["<script", "<style"]
            .iter()
            .find(|t| rest.starts_with(**t))
            .map(|t| format!("</{}>", &t[1..]));
        let end = match skip_to {
            Some(close) => rest.find(&close).map_or(rest.len(), |i| i + close.len()),
            None => rest.find('>').map_or(rest.len(), |i| i + 1),
        };
        rest = &rest[end..];
    }
    text.push_str(rest);
    text
}

/// Which of `secrets` the text holds. Tokens are the text's runs of
/// letters and digits, lower-cased. Digits and single letters said one
/// by one are joined into one run ("4, 1, 1" → "411", "c-h-e" → "che",
/// "0...1...6" → "016"), but not across a lone dot or colon with no space
/// ("19.8", "1:09"): those are the figures and times of the outputs.
fn found_in(text: &str, secrets: &[&str]) -> BTreeSet<String> {
    let lower = text.to_lowercase();
    let mut tokens: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in lower
        .char_indices()
        .chain(std::iter::once((lower.len(), ' ')))
    {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                tokens.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    let piece = |t: &str| t.chars().all(|c| c.is_ascii_digit()) || t.chars().count() == 1;
    let joins = |sep: &str| {
        sep.contains(char::is_whitespace)
            || sep.contains("..")
            || sep.chars().all(|c| matches!(c, ',' | '-' | '…'))
    };
    let mut runs: Vec<String> = Vec::new();
    let mut run = String::new();
    let mut prev_end: Option<usize> = None;
    for &(a, b) in &tokens {
        let t = &lower[a..b];
        let joined = prev_end.is_some_and(|p| joins(&lower[p..a]));
        if !piece(t) || !joined {
            runs.push(std::mem::take(&mut run));
        }
        if piece(t) {
            run.push_str(t);
            prev_end = Some(b);
        } else {
            prev_end = None;
        }
    }
    runs.push(run);
    secrets
        .iter()
        .filter(|s| {
            tokens.iter().any(|&(a, b)| lower[a..b].contains(**s))
                || runs.iter().any(|r| r.contains(**s))
        })
        .map(|s| s.to_string())
        .collect()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Runs callcoach, asserting success; its stdout.
fn run(args: &[&str]) -> String {
    let out = callcoach(args);
    assert!(
        out.status.success(),
        "callcoach {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 stdout")
}

/// What every command wrote for `call` with `pii` (`redact` or `keep`).
struct Outputs {
    /// (where, readable text) of every stdout and file but the WAVs.
    texts: Vec<(String, String)>,
    /// The WAV files written, and the page player's audio.
    wavs: Vec<PathBuf>,
    /// The scorecard (`score --json`).
    card: Value,
}

/// Runs every command on `call` with `pii`, writing into `dir`.
fn outputs(call: &Call, pii: &str, dir: &Path) -> Outputs {
    let model = base_model();
    let model = model.to_str().unwrap();
    let wav = fixture(call.file);
    let wav_s = wav.to_str().unwrap();
    let common = ["--language", call.language, "--pii", pii, "--model", model];
    let mut texts = Vec::new();
    let page = dir.join("call.html");
    let mut args = vec!["score", wav_s, "--json", "--html", page.to_str().unwrap()];
    args.extend(common);
    let card_json = run(&args);
    let card: Value = serde_json::from_str(&card_json).expect("one scorecard");
    texts.push(("score --json".to_string(), json_strings(&card_json)));
    let mut args = vec!["score", wav_s];
    args.extend(common);
    texts.push(("score (terminal)".to_string(), run(&args)));
    let mut args = vec!["transcribe", wav_s, "--json", "--channel", "mix"];
    args.extend(common);
    texts.push(("transcribe --json".to_string(), json_strings(&run(&args))));
    let out = dir.join("batch");
    let mut args = vec![
        "batch",
        wav_s,
        "--out",
        out.to_str().unwrap(),
        "--html",
        "--quiet",
    ];
    args.extend(common);
    texts.push(("batch stdout".to_string(), run(&args)));
    let mut wavs = Vec::new();
    if pii == "redact" {
        let redacted = dir.join("redacted.wav");
        let mut args = vec!["redact", wav_s, "-o", redacted.to_str().unwrap(), "--json"];
        args.extend(["--language", call.language, "--model", model]);
        texts.push(("redact --json".to_string(), json_strings(&run(&args))));
    }
    for f in files_under(dir) {
        if f.extension().is_some_and(|e| e == "wav") {
            wavs.push(f);
        } else {
            texts.push((f.display().to_string(), readable(&f)));
        }
    }
    // The audio the page's player plays.
    let html = std::fs::read_to_string(&page).unwrap();
    let embedded = embedded_audio(&html).expect("a call under 5 minutes embeds its audio");
    let player = dir.join("player.wav");
    std::fs::write(&player, embedded).unwrap();
    wavs.push(player);
    Outputs { texts, wavs, card }
}

/// The WAV bytes of a page's embedded player (`data:audio/wav;base64,…`).
fn embedded_audio(html: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    const URI: &str = "data:audio/wav;base64,";
    let at = html.find(URI)? + URI.len();
    let len = html[at..].find('"')?;
    base64::engine::general_purpose::STANDARD
        .decode(&html[at..at + len])
        .ok()
}

#[test]
fn personal_data_is_in_no_output_and_silenced_in_the_audio() {
    for call in &CALLS {
        assert!(!call.secrets.is_empty(), "{}: no secrets listed", call.file);
        // Kept: the scan finds every secret somewhere, so whisper heard it.
        let kept_dir = tempfile::tempdir().unwrap();
        let kept = outputs(call, "keep", kept_dir.path());
        assert_eq!(kept.card["pii"], "kept");
        assert_eq!(kept.card["redactions"], serde_json::json!([]));
        let heard: BTreeSet<String> = kept
            .texts
            .iter()
            .flat_map(|(_, text)| found_in(text, call.secrets))
            .collect();
        let all: BTreeSet<String> = call.secrets.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            heard, all,
            "{}: with --pii keep the outputs must hold every secret (else the model did not hear it)",
            call.file
        );
        // Redacted: none, in any output.
        let dir = tempfile::tempdir().unwrap();
        let redacted = outputs(call, "redact", dir.path());
        assert_eq!(redacted.card["pii"], "redacted");
        // Redaction changes words only: every verdict and score stays.
        assert_eq!(
            verdicts(&redacted.card),
            verdicts(&kept.card),
            "{}: redaction changed a verdict",
            call.file
        );
        let kinds: BTreeSet<&str> = redacted.card["redactions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["kind"].as_str())
            .collect();
        for kind in call.kinds {
            assert!(
                kinds.contains(kind),
                "{}: no {kind} redacted: {kinds:?}",
                call.file
            );
        }
        for (what, text) in &redacted.texts {
            let leaked = found_in(text, call.secrets);
            assert!(leaked.is_empty(), "{}: {what} leaks {leaked:?}", call.file);
        }
        // The redacted audio (the `redact` command's, batch's copy and the
        // page's player) says none of it when transcribed again.
        let wavs = &redacted.wavs;
        assert_eq!(wavs.len(), 3, "{}: redacted WAVs: {wavs:?}", call.file);
        for w in wavs {
            let heard = transcribe_kept(w, call.language);
            // The rest of the call is still there: the agent's questions.
            let lower = heard.to_lowercase();
            assert!(
                ["phone number", "security code", "email address"]
                    .iter()
                    .filter(|q| lower.contains(**q))
                    .count()
                    >= 2,
                "{}: {} lost the call: {heard}",
                call.file,
                w.display()
            );
            let leaked = found_in(&heard, call.secrets);
            assert!(
                leaked.is_empty(),
                "{}: {} still says {leaked:?}: {heard}",
                call.file,
                w.display()
            );
        }
    }
}

/// The findings' verdicts and scores of a scorecard, on one line.
fn verdicts(card: &Value) -> String {
    card["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}={}({})", f["id"], f["verdict"], f["score"]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What whisper hears in `wav` (both channels mixed), nothing redacted.
fn transcribe_kept(wav: &Path, language: &str) -> String {
    let model = base_model();
    let out = run(&[
        "transcribe",
        wav.to_str().unwrap(),
        "--json",
        "--language",
        language,
        "--pii",
        "keep",
        "--model",
        model.to_str().unwrap(),
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["text"].as_str().unwrap_or_default().to_string()
}

#[test]
fn the_scan_joins_digits_and_letters_said_one_by_one() {
    let secrets = ["4111111111111111", "cheryl", "01614960754"];
    assert_eq!(
        found_in("card 4, 1, 1, 1 - 1111 1111. 1111 1111 ok", &secrets),
        BTreeSet::from(["4111111111111111".to_string()])
    );
    assert_eq!(
        found_in("It's C-H-E-R-Y-L, and 0161 496 0754", &secrets),
        BTreeSet::from(["cheryl".to_string(), "01614960754".to_string()])
    );
    assert!(found_in("[card] [name] [phone] at 5 pm", &secrets).is_empty());
    // Figures and times are not joined up.
    assert!(found_in("0:16 14.9 60:75 4", &["01614960754"]).is_empty());
    assert_eq!(
        found_in(
            "0...1...6...1...4...9...6...0...7...5...4...",
            &["01614960754"]
        )
        .len(),
        1
    );
    assert_eq!(
        html_text("<p title=\"4111\">a<b>b</b></p><script>var x='cheryl'</script>c"),
        "\na\nb\n\n\nc"
    );
}

#[test]
fn redact_refuses_what_it_cannot_do_in_one_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let wav = fixture("pii/en-pii-call.wav");
    let wav_s = wav.to_str().unwrap();
    let missing_dir = dir.path().join("no/such/dir/out.wav");
    let cases: [(Vec<&str>, String); 4] = [
        (
            vec!["redact", wav_s, "-o", wav_s],
            format!("{wav_s}: the output would overwrite the call"),
        ),
        (
            vec!["redact", wav_s, "-o", "x.wav", "--pii", "keep"],
            "redact: --pii keep would redact nothing".to_string(),
        ),
        (
            vec!["redact", wav_s, "-o", missing_dir.to_str().unwrap()],
            format!("{}: cannot write: ", missing_dir.display()),
        ),
        (
            vec!["redact", wav_s, "-o", dir.path().to_str().unwrap()],
            format!("{}: cannot write: is a directory", dir.path().display()),
        ),
    ];
    for (args, start) in cases {
        let out = callcoach(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("callcoach: error: {start}")),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "files left behind"
    );
    assert!(!std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("x.wav")
        .exists());
}
