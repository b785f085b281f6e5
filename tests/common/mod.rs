//! Helpers shared by the integration tests: paths, sox, the binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real English clips of tests/fixtures/ with a human transcript
/// (`STEM.txt`): jfk and five LibriVox readings.
pub const ENGLISH_CLIPS: [&str; 6] = [
    "jfk",
    "librivox-0870",
    "librivox-0880",
    "librivox-0890",
    "librivox-0920",
    "librivox-0930",
];

/// A file under tests/fixtures/.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs sox with `args`, panicking with its stderr on failure.
pub fn sox(args: &[&str]) {
    let out = Command::new("sox")
        .args(args)
        .output()
        .expect("sox is needed by the tests: apt-get install sox");
    assert!(
        out.status.success(),
        "sox {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `seconds` of 16 kHz mono 16-bit sound made by sox's `synth`
/// (`kind`: `whitenoise`, `sine 440`, …) at volume `vol` to `path`
/// (`vol` 0 writes digital silence).
pub fn synth(path: &Path, seconds: &str, kind: &str, vol: &str) {
    let p = path.to_str().expect("UTF-8 path");
    let mut args = vec![
        "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", p, "synth", seconds,
    ];
    args.extend(kind.split_whitespace());
    args.extend(["vol", vol]);
    sox(&args);
}

/// Runs the callcoach binary built for these tests.
pub fn callcoach(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CALLCOACH_MODEL")
        .output()
        .expect("run callcoach")
}

/// Runs callcoach, asserts it succeeded, and parses its stdout as one JSON value.
pub fn callcoach_json(args: &[&str]) -> serde_json::Value {
    let out = callcoach(args);
    assert!(
        out.status.success(),
        "callcoach {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

/// The default model; tests that need it fail with the fetch command if absent.
pub fn base_model() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-base-q8_0.bin");
    assert!(
        p.exists(),
        "{} missing: run `callcoach model fetch base-q8_0` (scripts/test.sh does)",
        p.display()
    );
    p
}

/// Lower-case words without punctuation, for word error rates.
pub fn normalise(text: &str) -> Vec<String> {
    // Hyphens separate words ("ill-disposed" = "ill disposed" in the references).
    text.split(|c: char| c.is_whitespace() || c == '-')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word error rate: word-level Levenshtein distance / reference length.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let r = normalise(reference);
    let h = normalise(hypothesis);
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut cur = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            let sub = prev[j] + usize::from(rw != hw);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[h.len()] as f64 / r.len().max(1) as f64
}

/// A scorecard's eight verdicts on one line, for assertion messages.
pub fn verdicts(card: &callcoach::scorecard::Scorecard) -> String {
    card.findings
        .iter()
        .map(|f| format!("{}={:?}({:?})", f.id.as_str(), f.verdict, f.score))
        .collect::<Vec<_>>()
        .join(" ")
}
