//! `callcoach batch` and `callcoach merge` end to end with the real model:
//! good and bad recordings, Ctrl-C, re-runs, shards and merge, exit codes.
//!
//! The audio is kept short (two real LibriVox clips of 3.0 s and 3.3 s,
//! tests/fixtures/LICENSES.md): every whisper pass costs ~10–50 s of CPU on
//! the 2-core test machine.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::{base_model, callcoach, fixture, synth};

/// Copies two good clips and four bad files into `dir/in`, with a manifest.
fn make_inputs(dir: &Path) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(fixture("librivox-0880.wav"), input.join("anna_0880.wav")).unwrap();
    std::fs::copy(fixture("librivox-0930.wav"), input.join("ben_0930.wav")).unwrap();
    let good = std::fs::read(fixture("jfk.wav")).unwrap();
    std::fs::write(input.join("ben_truncated.wav"), &good[..20_000]).unwrap();
    std::fs::write(input.join("carl_empty.wav"), b"").unwrap();
    std::fs::write(input.join("carl_text.wav"), b"just some notes, not audio\n").unwrap();
    let silent = input.join("dana_silent.wav");
    synth(&silent, "2", "whitenoise", "0");
    // The manifest names one agent and call id explicitly; the others take
    // the agent from the file name (the default --agent-pattern).
    std::fs::write(
        input.join("calls.csv"),
        "file,agent,call_id,notes\nanna_0880.wav,anna.k,C-17,\"short, read speech\"\n",
    )
    .unwrap();
    input
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = callcoach(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

/// The summary's data rows, as a set (row order is not part of the contract).
fn rows(dir: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    text.lines().skip(1).map(str::to_string).collect()
}

/// Every file under `dir` named *.json parses: nothing is half-written.
fn assert_no_partial_json(dir: &Path) -> usize {
    let mut n = 0;
    for sub in [dir.to_path_buf(), dir.join("calls")] {
        for e in std::fs::read_dir(&sub).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                let bytes = std::fs::read(e.path()).unwrap();
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|err| panic!("{name} is partial: {err}"));
                n += 1;
            }
        }
    }
    n
}

/// The object of the JSON `list` whose `key` is `value`.
fn entry<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e[key] == value)
        .unwrap_or_else(|| panic!("no {key} {value} in {list}"))
}

/// Checks the caller's reaction columns of the tables in `dir` against
/// its scorecards: per call, `escalations` is the length of the card's
/// `customer_reaction.escalations` and `customer_trend` its
/// `start_vs_end.trend`, both empty when the reaction was not measured (or
/// the call failed); per agent, the sums. Returns the measured calls.
fn assert_reaction_columns(dir: &Path) -> usize {
    let mut calls = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
    let header = calls.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    // Per agent: measured calls, escalations, calls with one.
    let mut expected: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for record in calls.records() {
        let record = record.unwrap();
        let name = &record[col("name")];
        let card = dir.join(format!("calls/{name}.json"));
        let (count, trend) = match std::fs::read(&card) {
            Ok(bytes) => {
                let card: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                let r = &card["customer_reaction"];
                assert!(r.is_object(), "{name}: no customer_reaction");
                if r["status"] == "measured" {
                    let n = r["escalations"].as_array().unwrap().len();
                    (
                        Some(n),
                        r["start_vs_end"]["trend"].as_str().map(String::from),
                    )
                } else {
                    (None, None)
                }
            }
            Err(_) => (None, None),
        };
        assert_eq!(
            record[col("escalations")],
            count.map(|n| n.to_string()).unwrap_or_default(),
            "{name}"
        );
        assert_eq!(
            record[col("customer_trend")],
            trend.clone().unwrap_or_default(),
            "{name}"
        );
        let row = entry(&summary["rows"], "name", name);
        assert_eq!(row["escalations"], serde_json::json!(count), "{name}");
        assert_eq!(row["customer_trend"], serde_json::json!(trend), "{name}");
        let sums = expected
            .entry(record[col("agent")].to_string())
            .or_default();
        if let Some(n) = count {
            *sums = (sums.0 + 1, sums.1 + n, sums.2 + usize::from(n > 0));
        }
    }
    let mut agents = csv::Reader::from_path(dir.join("agents.csv")).unwrap();
    let header = agents.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for record in agents.records() {
        let record = record.unwrap();
        let agent = &record[col("agent")];
        let (measured, escalations, with) = expected[agent];
        let cells = [
            &record[col("reaction_measured")],
            &record[col("escalations")],
            &record[col("calls_with_escalation")],
        ];
        let want = [measured, escalations, with].map(|n| n.to_string());
        assert_eq!(cells, want.each_ref().map(String::as_str), "{agent}");
        let a = entry(&summary["agents"], "agent", agent);
        assert_eq!(
            [
                &a["reaction_measured"],
                &a["escalations"],
                &a["calls_with_escalation"]
            ],
            [measured, escalations, with]
                .map(serde_json::Value::from)
                .each_ref(),
            "{agent}"
        );
    }
    expected.values().map(|s| s.0).sum()
}

#[test]
fn batch_survives_bad_files_ctrl_c_reruns_and_shards() {
    base_model();
    let tmp = tempfile::tempdir().unwrap();
    let input = make_inputs(tmp.path());
    let out = tmp.path().join("out");
    let (in_s, out_s) = (input.to_str().unwrap(), out.to_str().unwrap());
    let manifest = input.join("calls.csv");
    let man_s = manifest.to_str().unwrap();

    // 1. Ctrl-C: one worker; interrupt as soon as the first scorecard exists,
    //    while the second good call is being scored.
    let mut child = Command::new(env!("CARGO_BIN_EXE_callcoach"));
    child
        .args([
            "batch",
            in_s,
            "--out",
            out_s,
            "--manifest",
            man_s,
            "--jobs",
            "1",
            "--threads",
            "2",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CALLCOACH_MODEL")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // A shell's background job (`cmd &` without job control) starts with
    // SIGINT ignored, and children inherit that: give the batch the default
    // action a Ctrl-C at a terminal meets, or the interrupt would not arrive.
    // SAFETY: signal() is async-signal-safe, as pre_exec requires.
    unsafe {
        child.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = child.spawn().unwrap();
    let first = out.join("calls/anna_0880.json");
    let t0 = Instant::now();
    while !first.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "batch ended before the first scorecard"
        );
        assert!(
            t0.elapsed() < Duration::from_secs(600),
            "no scorecard after 10 min"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "SIGINT should stop the batch");
    assert!(
        !out.join("calls/ben_0930.json").exists(),
        "the second call finished before the interrupt; the test did not interrupt anything"
    );
    assert!(assert_no_partial_json(&out) >= 1);
    let first_mtime = mtime(&first);

    // 2. Resume: the rest is scored, the first call is not redone; bad files
    //    are reported with their reason; exit 1 because some failed.
    let (code, stdout, stderr) = run(&["batch", in_s, "--out", out_s, "--manifest", man_s]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("1 scored now, 1 skipped"), "{stdout}");
    assert_eq!(
        mtime(&first),
        first_mtime,
        "the interrupted run's scorecard was redone"
    );
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines.len(), 7, "{summary}");
    let row = |name: &str| -> Vec<String> {
        let l = lines
            .iter()
            .find(|l| l.starts_with(&format!("{name},")))
            .unwrap();
        // No field of these rows holds a quoted comma except the error.
        l.split(',').map(str::to_string).collect()
    };
    assert_eq!(row("anna_0880")[2], "anna.k");
    assert_eq!(row("anna_0880")[3], "C-17");
    assert_eq!(row("ben_0930")[2], "ben");
    for (name, reason) in [
        ("ben_truncated", "truncated"),
        ("carl_empty", "empty"),
        ("carl_text", "not a WAV"),
        ("dana_silent", "silent"),
    ] {
        let r = lines
            .iter()
            .find(|l| l.starts_with(&format!("{name},")))
            .unwrap();
        assert!(r.contains(",failed,") && r.contains(reason), "{r}");
    }
    for name in ["anna_0880", "ben_0930"] {
        let r = row(name);
        assert_eq!(r[r.len() - 2], "scored");
        // The clips are 3.0 s and 3.3 s long (soxi).
        let d: f64 = r[6].parse().unwrap();
        assert!(
            (d - if name == "anna_0880" { 3.0 } else { 3.3 }).abs() < 0.06,
            "{d}"
        );
        let overall: u8 = r[7].parse().unwrap();
        assert!(overall <= 100);
    }
    let agents = std::fs::read_to_string(out.join("agents.csv")).unwrap();
    assert!(
        agents.lines().any(|l| l.starts_with("ben,2,1,1,")),
        "{agents}"
    );
    assert!(
        agents.lines().any(|l| l.starts_with("carl,2,0,2,")),
        "{agents}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        (json["calls"].as_u64(), json["failed"].as_u64()),
        (Some(6), Some(4))
    );
    // The two clips are one reader each: no customer, so the caller's
    // reaction is not measured and its cells stay empty.
    assert_eq!(assert_reaction_columns(&out), 0);

    // Every scorecard still validates against the published schema.
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scorecard.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for name in ["anna_0880", "ben_0930"] {
        let card: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(format!("calls/{name}.json"))).unwrap())
                .unwrap();
        assert!(validator.is_valid(&card), "{name}");
        assert_eq!(card["batch"]["name"], name);
    }

    // 3. A re-run does no work twice: nothing is scored, no scorecard rewritten.
    let second = out.join("calls/ben_0930.json");
    let second_mtime = mtime(&second);
    let (code, stdout, _) = run(&["batch", in_s, "--out", out_s, "--manifest", man_s]);
    assert_eq!(code, 1);
    assert!(stdout.contains("0 scored now, 2 skipped"), "{stdout}");
    assert_eq!((mtime(&first), mtime(&second)), (first_mtime, second_mtime));

    // 4. Two shards and a merge give the same summary as the single run;
    // the shards' pages (audio linked, not embedded) are joined too.
    let mut shard_dirs = Vec::new();
    for k in 1..=2 {
        let dir = tmp.path().join(format!("shard{k}"));
        let shard = format!("{k}/2");
        let (code, stdout, stderr) = run(&[
            "batch",
            in_s,
            "--out",
            dir.to_str().unwrap(),
            "--manifest",
            man_s,
            "--shard",
            &shard,
            "--quiet",
            "--html",
            "--embed-audio-max-s",
            "0",
        ]);
        assert!(code == 0 || code == 1, "{stdout}\n{stderr}");
        assert!(stderr.is_empty(), "--quiet printed: {stderr}");
        let n = rows(&dir).len();
        assert!((1..6).contains(&n), "shard {shard} took {n} of 6 calls");
        shard_dirs.push(dir);
    }
    // One level deeper than the shards, so that linked audio needs new addresses.
    let merged = tmp.path().join("merged/all");
    let mut args = vec!["merge"];
    args.extend(shard_dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--out", merged.to_str().unwrap()]);
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_eq!(rows(&merged), rows(&out));
    assert_eq!(
        std::fs::read_to_string(merged.join("agents.csv")).unwrap(),
        agents
    );
    assert_eq!(assert_reaction_columns(&merged), 0);
    // Every scored call's page moved to merged/calls still plays its own
    // recording, the redacted copy beside it (docs/privacy.md: the player
    // never gets the original), and one index links them all.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("summary.json")).unwrap())
            .unwrap();
    let index = std::fs::read_to_string(merged.join("index.html")).unwrap();
    let mut pages = 0;
    for r in summary["rows"].as_array().unwrap() {
        if r["overall"].is_null() {
            continue; // failed: no page
        }
        let name = r["name"].as_str().unwrap();
        let page = std::fs::read_to_string(merged.join(format!("calls/{name}.html"))).unwrap();
        let tag = &page[page.find("<audio id=\"player\"").unwrap()..];
        let src = &tag[tag.find(" src=\"").unwrap() + 6..];
        let href = &src[..src.find('"').unwrap()];
        let target = merged.join("calls").join(href);
        let file = Path::new(r["file"].as_str().unwrap()).file_name().unwrap();
        let recording = Path::new(in_s).join(file);
        assert_eq!(
            href,
            format!("{name}.redacted.wav"),
            "{name}: the player's audio"
        );
        // The redacted copy is the recording with spans silenced: the
        // same bytes but those, so the same size.
        assert_eq!(
            std::fs::metadata(&target).map(|m| m.len()).ok(),
            std::fs::metadata(&recording).map(|m| m.len()).ok(),
            "{name}: {href} is not its recording's redacted copy"
        );
        assert!(
            index.contains(&format!("href=\"calls/{name}.html\"")),
            "{name} not in index"
        );
        pages += 1;
    }
    // The two good clips (the four bad files have no page).
    assert_eq!(pages, 2, "{pages} pages merged");

    // The history: the run's calls recorded once; the merged shards hold
    // the same calls with the same scorecards, so importing them (and the
    // run again) adds nothing; the report's means are the scorecards'.
    let db = tmp.path().join("history.db");
    let db_s = db.to_str().unwrap();
    // A directory that is no batch output: one line, no database left.
    let (code, _, stderr) = run(&["history", "import", in_s, "--db", db_s]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("not a callcoach batch output directory"),
        "{stderr}"
    );
    assert!(!db.exists());
    let (code, stdout, stderr) = run(&["history", "import", out_s, "--db", db_s]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains(": 2 added, 0 already recorded"), "{stdout}");
    let merged_s = merged.to_str().unwrap();
    let (code, stdout, _) = run(&["history", "import", merged_s, out_s, "--db", db_s]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout
            .matches(": 0 added, 2 already recorded, 0 re-scored")
            .count(),
        2,
        "{stdout}"
    );
    let (code, stdout, stderr) = run(&["history", "--db", db_s, "--period", "month", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let agents = report["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 2, "{report}");
    for r in summary["rows"].as_array().unwrap() {
        let Some(overall) = r["overall"].as_u64() else {
            continue;
        };
        let name = r["name"].as_str().unwrap();
        let card: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("calls/{name}.json"))).unwrap(),
        )
        .unwrap();
        let agent = entry(&report["agents"], "agent", r["agent"].as_str().unwrap());
        let period = &agent["periods"][0];
        assert_eq!(period["calls"], 1, "{name}: {overall}");
        for f in card["findings"].as_array().unwrap() {
            let id = f["id"].as_str().unwrap();
            assert_eq!(
                period["findings"][id]["mean_score"].as_f64(),
                f["score"].as_f64(),
                "{name} {id}"
            );
            let problem = f["verdict"] == "problem";
            assert_eq!(
                period["findings"][id]["problem_share"].as_f64(),
                Some(if problem { 1.0 } else { 0.0 }),
                "{name} {id}"
            );
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    base_model();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let jfk = fixture("jfk.wav");
    let cases: [&[&str]; 4] = [
        &["--shard", "3/2"],
        &["--manifest", "/nonexistent/calls.csv"],
        &["--agent-pattern", "(unclosed"],
        &["--language", "german"],
    ];
    for extra in cases {
        let mut args = vec![
            "batch",
            jfk.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let (code, _, stderr) = run(&args);
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stderr.contains("error"), "{extra:?}: {stderr}");
    }
    let (code, _, stderr) = run(&[
        "batch",
        empty.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no .wav files"), "{stderr}");
}
