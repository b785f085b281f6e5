//! The `--help` text of every command, compared byte for byte with the
//! snapshots in `tests/help/`.
//!
//! The snapshots pin the command line: a refactoring of `src/cli/` must not
//! change a word of it, and a deliberate change shows up in review as a diff
//! of these files. `callcoach.txt` is `callcoach --help`, `score.txt` is
//! `callcoach score --help`, `model-fetch.txt` is `callcoach model fetch
//! --help`. Every command listed under `Commands:` needs a snapshot, and
//! every snapshot a command.
//!
//! After a deliberate change, write the snapshots anew with
//! `CALLCOACH_BLESS_HELP=1 cargo test --release --test help` and review the diff.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Name of the snapshot of the top-level help.
const TOP: &str = "callcoach";

/// The directory of the snapshots.
fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/help")
}

/// `callcoach <path…> --help`, with nothing from the environment that would
/// change it: no colour, no `$CALLCOACH_MODEL` (clap shows an env
/// variable's value in the help), a fixed width.
fn help(path: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(path)
        .arg("--help")
        .env_remove("CALLCOACH_MODEL")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("TERM", "dumb")
        .output()
        .expect("run callcoach");
    assert!(
        out.status.success(),
        "callcoach {} --help failed: {}",
        path.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

/// The commands listed under `Commands:` in a help text, without `help`.
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim_end() != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Every command path, the top level (`[]`) first, found by walking the
/// `Commands:` sections.
fn command_paths() -> Vec<Vec<String>> {
    let mut paths = vec![Vec::new()];
    let mut i = 0;
    while i < paths.len() {
        let path = paths[i].clone();
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        for sub in commands(&help(&args)) {
            let mut p = path.clone();
            p.push(sub);
            paths.push(p);
        }
        i += 1;
    }
    paths
}

/// The snapshot name of a command path: `callcoach`, `score`, `model-fetch`.
fn snapshot_name(path: &[String]) -> String {
    if path.is_empty() {
        TOP.to_string()
    } else {
        path.join("-")
    }
}

/// Where two texts first differ, for the failure message.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (el, al) = (e.get(i), a.get(i));
        if el != al {
            return format!(
                "first difference at line {}:\n  expected: {}\n  actual:   {}",
                i + 1,
                el.map_or("<end of text>".to_string(), |l| format!("{l:?}")),
                al.map_or("<end of text>".to_string(), |l| format!("{l:?}")),
            );
        }
    }
    "the lines are equal; the line endings or the final newline differ".to_string()
}

#[test]
fn help_matches_the_snapshots() {
    let dir = snapshot_dir();
    let bless = std::env::var_os("CALLCOACH_BLESS_HELP").is_some();
    if bless {
        std::fs::create_dir_all(&dir).expect("create tests/help");
    }
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for path in command_paths() {
        let name = snapshot_name(&path);
        let file = dir.join(format!("{name}.txt"));
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let actual = help(&args);
        seen.insert(name.clone());
        let shown = format!("callcoach {} --help", args.join(" ")).replace("  ", " ");
        if bless {
            std::fs::write(&file, &actual).expect("write snapshot");
            continue;
        }
        match std::fs::read_to_string(&file) {
            Err(_) => problems.push(format!(
                "`{shown}` has no snapshot: add {} (its output is below)\n{actual}",
                file.display()
            )),
            Ok(expected) if expected != actual => problems.push(format!(
                "`{shown}` differs from {}\n{}\n--- actual output ---\n{actual}",
                file.display(),
                first_difference(&expected, &actual)
            )),
            Ok(_) => {}
        }
    }
    let snapshots: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("tests/help exists")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".txt").map(str::to_string)
        })
        .collect();
    for stale in snapshots.difference(&seen) {
        problems.push(format!(
            "tests/help/{stale}.txt names no command (`callcoach {} --help`); remove it",
            stale.replace('-', " ")
        ));
    }
    assert!(
        seen.len() > 10,
        "only {} commands found: is the Commands: section still parsed right?",
        seen.len()
    );
    assert!(
        problems.is_empty(),
        "{} help text(s) differ from tests/help/ (after a deliberate change: \
         CALLCOACH_BLESS_HELP=1 cargo test --release --test help):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn the_commands_section_is_parsed() {
    let text = "Usage: x\n\nCommands:\n  score  Score\n  model  Models\n  help   Print this\n\nOptions:\n  -h  Help\n";
    assert_eq!(commands(text), ["score", "model"]);
}
