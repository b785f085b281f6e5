//! `callcoach batch` killed with SIGKILL at random moments, then run again:
//! the run completes, every JSON parses, `summary.csv` lists every call once,
//! and no temporary file is left (robustness: nothing half-written).
//!
//! The batch is five real recordings (jfk and four LibriVox clips, 3-11 s,
//! tests/fixtures/LICENSES.md) scored with the tiny.en model, so that 20
//! kills and the re-runs fit in about a minute of the suite. The kill
//! moments come from a seeded generator and cover model load, decoding,
//! scoring and the writes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::fixture;

const KILLS: u64 = 20;

fn tiny_model() -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-tiny.en.bin");
    assert!(
        p.exists(),
        "{} missing: run `callcoach model fetch tiny.en` (scripts/test.sh does)",
        p.display()
    );
    p
}

fn batch(input: &Path, out: &Path, force: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_callcoach"));
    if force {
        c.arg("batch").arg("--force");
    } else {
        c.arg("batch");
    }
    c.arg(input)
        .arg("--out")
        .arg(out)
        .arg("--model")
        .arg(tiny_model())
        .args([
            "--language",
            "en",
            "--jobs",
            "2",
            "--threads",
            "1",
            "--quiet",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Every file under `out` (recursively): JSON files must parse, and no
/// temporary file may be there. Returns the number of scorecards.
fn check_tree(out: &Path, allow_temps: bool) -> usize {
    let mut cards = 0;
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if name.contains(".tmp-") {
                assert!(allow_temps, "temporary file left: {}", path.display());
            } else if name.ends_with(".json") {
                let bytes = std::fs::read(&path).unwrap();
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|err| panic!("{} is half-written: {err}", path.display()));
                cards += usize::from(dir.ends_with("calls"));
            }
        }
    }
    cards
}

#[test]
fn batch_survives_sigkill_at_random_moments() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let clips = [
        "jfk",
        "librivox-0870",
        "librivox-0890",
        "librivox-0920",
        "librivox-0930",
    ];
    for c in clips {
        std::fs::copy(fixture(&format!("{c}.wav")), input.join(format!("{c}.wav"))).unwrap();
    }
    let out = tmp.path().join("out");

    // Even runs resume and are killed once 0, 1 or 2 more scorecards than
    // they started with exist, plus a seeded 0-1.5 s; odd runs score every
    // call again (`--force`, overwriting the scorecards) and are killed
    // after a seeded 0-4 s. So the kills fall into model load, decoding,
    // new scorecards, overwrites of good ones and the summary writes.
    let mut seed: u64 = 0x6b11_1ed5;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut killed_mid_run = 0;
    for k in 0..KILLS {
        let before = check_tree(&out, true);
        let force = k % 2 == 1;
        let (more, delay) = match force {
            false => (next() % 3, Duration::from_millis(next() % 1500)),
            true => (0, Duration::from_millis(next() % 4000)),
        };
        let mut child = batch(&input, &out, force).spawn().unwrap();
        let t0 = std::time::Instant::now();
        while check_tree(&out, true) < before + more as usize
            && child.try_wait().unwrap().is_none()
            && t0.elapsed() < Duration::from_secs(300)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        // A killed run may leave its temporary file; what is in place of a
        // real file is whole.
        let cards = check_tree(&out, true);
        eprintln!("kill {k} (force {force}) at +{more} scorecards +{delay:?}: {cards} scorecards");
    }
    assert!(
        killed_mid_run >= KILLS / 2,
        "only {killed_mid_run} kills hit a running batch"
    );

    // The re-run completes, removes the leftovers, and lists every call once.
    let status = batch(&input, &out, false).status().unwrap();
    assert!(status.success(), "re-run after the kills: {status}");
    assert_eq!(check_tree(&out, false), clips.len());
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for line in summary.lines().skip(1) {
        *seen
            .entry(line.split(',').next().unwrap().to_string())
            .or_default() += 1;
        assert!(line.contains(",scored,"), "not scored: {line}");
    }
    let want: BTreeMap<String, usize> = clips.iter().map(|c| (c.to_string(), 1)).collect();
    assert_eq!(seen, want, "{summary}");
}
