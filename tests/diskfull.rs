//! A full output disk: `batch`, `score --html` and `model fetch` stop with
//! the one-line error, exit non-zero, and leave no half-written file in
//! place of a good one (robustness: nothing half-written).
//!
//! The full disk is a small tmpfs mounted for the test (`mount -t tmpfs`,
//! which needs root, as the suite has in CI). Without the right to mount,
//! the test says so on stderr and checks nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::fixture;

/// A tmpfs of `bytes` mounted on a fresh directory, unmounted on drop.
struct SmallDisk {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl SmallDisk {
    fn mount(bytes: u64) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={bytes}"),
                "callcoach-test",
            ])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "diskfull: cannot mount a tmpfs here (not root?): the disk-full checks did not run"
            );
            return None;
        }
        Some(SmallDisk { _dir: dir, path })
    }

    /// Fills the disk up to `leave` bytes free.
    fn fill(&self, leave: u64) {
        let free = free_bytes(&self.path);
        let filler = self.path.join("filler");
        let len = free.saturating_sub(leave);
        std::fs::write(&filler, vec![7u8; len as usize]).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

fn free_bytes(path: &Path) -> u64 {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn tiny_model() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-tiny.en.bin");
    assert!(
        p.exists(),
        "run `callcoach model fetch tiny.en` (scripts/test.sh does)"
    );
    p
}

/// Runs callcoach; returns (exit code, stderr).
fn run(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CALLCOACH_MODEL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Files under `dir` whose names mark them temporary.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                stack.push(e.path());
            } else if name.contains(".tmp") || name.starts_with(".extract") {
                found.push(e.path());
            }
        }
    }
    found
}

/// The last line of `stderr` is the one-line error naming the file and the
/// full disk.
fn assert_disk_full_error(what: &str, code: i32, stderr: &str) {
    assert_ne!(code, 0, "{what}: exit 0 on a full disk\n{stderr}");
    let last = stderr.trim().lines().last().unwrap_or("");
    assert!(
        last.contains("No space left on device"),
        "{what}: last line does not name the full disk: {stderr}"
    );
}

#[test]
fn a_full_disk_stops_score_batch_and_fetch_without_damage() {
    let os = |s: &str| std::ffi::OsString::from(s);
    let model = tiny_model();
    let jfk = fixture("jfk.wav");

    // score --html: a good page is there; writing it again fails.
    if let Some(disk) = SmallDisk::mount(4 << 20) {
        let page = disk.path.join("jfk.html");
        let args = [
            os("score"),
            jfk.clone().into(),
            os("--model"),
            model.clone().into(),
            os("--language"),
            os("en"),
            os("--html"),
            page.clone().into(),
        ];
        let argv: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, stderr) = run(&argv);
        assert_eq!(code, 0, "score --html with room: {stderr}");
        let good = std::fs::read(&page).unwrap();
        disk.fill(4096);
        let (code, stderr) = run(&argv);
        assert_disk_full_error("score --html", code, &stderr);
        assert_eq!(
            std::fs::read(&page).unwrap(),
            good,
            "the good page was damaged"
        );
        assert_eq!(temporaries(&disk.path), Vec::<PathBuf>::new());
    }

    // batch: a finished batch is there; scoring it again (--force) fails.
    if let Some(disk) = SmallDisk::mount(4 << 20) {
        let input = tempfile::tempdir().unwrap();
        std::fs::copy(&jfk, input.path().join("jfk.wav")).unwrap();
        std::fs::copy(fixture("librivox-0870.wav"), input.path().join("l0870.wav")).unwrap();
        let out = disk.path.join("out");
        let mut args = vec![
            os("batch"),
            input.path().into(),
            os("--out"),
            out.clone().into(),
            os("--model"),
            model.clone().into(),
            os("--language"),
            os("en"),
            os("--quiet"),
        ];
        let argv: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, stderr) = run(&argv);
        assert_eq!(code, 0, "batch with room: {stderr}");
        let card = out.join("calls/jfk.json");
        let (good_card, good_summary) = (
            std::fs::read(&card).unwrap(),
            std::fs::read(out.join("summary.csv")).unwrap(),
        );
        disk.fill(1024);
        args.push(os("--force"));
        let argv: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, stderr) = run(&argv);
        assert_disk_full_error("batch", code, &stderr);
        assert_eq!(
            std::fs::read(&card).unwrap(),
            good_card,
            "scorecard damaged"
        );
        assert_eq!(
            std::fs::read(out.join("summary.csv")).unwrap(),
            good_summary,
            "summary damaged"
        );
        assert_eq!(temporaries(&disk.path), Vec::<PathBuf>::new());
    }

    // model fetch: the wheel is in the cache and the ONNX file is extracted,
    // but the converted model does not fit.
    let wheel = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/cache/silero_vad-6.2.3-py3-none-any.whl");
    assert!(
        wheel.exists(),
        "run `callcoach model fetch silero-vad` (scripts/test.sh does)"
    );
    let wheel_len = std::fs::metadata(&wheel).unwrap().len();
    // Room for the wheel, the 2,845,718-byte ONNX member and 200 kB more:
    // not for the 885,098-byte model.
    if let Some(disk) = SmallDisk::mount(wheel_len + 2_845_718 + 200_000) {
        let models = disk.path.join("models");
        std::fs::create_dir_all(models.join("cache")).unwrap();
        std::fs::copy(
            &wheel,
            models.join("cache").join(wheel.file_name().unwrap()),
        )
        .unwrap();
        let args = [
            os("model"),
            os("fetch"),
            os("silero-vad"),
            os("--models-dir"),
            models.clone().into(),
        ];
        let argv: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, stderr) = run(&argv);
        assert_disk_full_error("model fetch", code, &stderr);
        assert!(
            !models.join("ggml-silero-vad.bin").exists(),
            "a model was left"
        );
        assert_eq!(temporaries(&disk.path), Vec::<PathBuf>::new());
    }
}
