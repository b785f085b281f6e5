use super::*;

fn record(audio: &str, card: &str, agent: &str) -> CallRecord {
    CallRecord {
        audio_sha256: audio.into(),
        options_key: "opts-1".into(),
        card_sha256: card.into(),
        agent: agent.into(),
        call_id: None,
        date: CallDate {
            value: "2025-11-19T06:30:00".into(),
            source: DateSource::FileName,
        },
        duration_s: Some(61.5),
        language: Some("en".into()),
        profile: Some("default".into()),
        overall: Some(82),
        escalations: Some(0),
        scorecard_path: Some(format!("calls/{audio}.json")),
        findings: vec![("too_fast".into(), Some(90), "ok".into())],
    }
}

#[test]
fn recording_again_adds_nothing_and_a_rescored_call_keeps_its_earlier_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let mut h = History::open(&path).unwrap();
    assert_eq!(h.version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        h.record(&record("a", "card-1", "anna")).unwrap(),
        Recorded::Added
    );
    assert_eq!(
        h.record(&record("a", "card-1", "anna")).unwrap(),
        Recorded::Unchanged
    );
    assert_eq!(
        h.record(&record("b", "card-2", "anna")).unwrap(),
        Recorded::Added
    );
    assert_eq!((h.current_calls().unwrap(), h.all_rows().unwrap()), (2, 2));
    // Re-scored: a different scorecard for the same audio and options.
    assert_eq!(
        h.record(&record("a", "card-3", "anna")).unwrap(),
        Recorded::Replaced
    );
    assert_eq!((h.current_calls().unwrap(), h.all_rows().unwrap()), (2, 3));
    // Other options are another scoring of the same audio.
    let mut other = record("a", "card-3", "anna");
    other.options_key = "opts-2".into();
    assert_eq!(h.record(&other).unwrap(), Recorded::Added);
    // Reopened, the history is there.
    drop(h);
    let h = History::open(&path).unwrap();
    assert_eq!((h.current_calls().unwrap(), h.all_rows().unwrap()), (3, 4));
}

#[test]
fn a_version_1_database_is_migrated_to_version_2_with_its_calls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        // A database as version 1 wrote it: no escalations column.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO calls (audio_sha256, options_key, card_sha256, agent, call_date,
                date_source, recorded_at) VALUES ('x', 'o', 'c', 'ben', '2025-01-02',
                'manifest', '2025-01-03T00:00:00Z')",
            [],
        )
        .unwrap();
    }
    let mut h = History::open(&path).unwrap();
    assert_eq!(h.version().unwrap(), 2);
    assert_eq!(h.current_calls().unwrap(), 1);
    let escalations: Option<i64> = h
        .conn
        .query_row(
            "SELECT escalations FROM calls WHERE agent = 'ben'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(escalations, None);
    assert_eq!(
        h.record(&record("y", "c2", "ben")).unwrap(),
        Recorded::Added
    );
}

#[test]
fn newer_and_foreign_databases_are_refused_and_left_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.db");
    {
        let conn = Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = std::fs::read(&newer).unwrap();
    let e = History::open(&newer).err().unwrap().to_string();
    assert!(e.contains("newer.db") && e.contains("version 99"), "{e}");
    assert_eq!(std::fs::read(&newer).unwrap(), before);

    let text = dir.path().join("notes.db");
    std::fs::write(&text, "these are not the droids".repeat(100)).unwrap();
    let e = History::open(&text).err().unwrap().to_string();
    assert!(
        e.contains("notes.db") && e.contains("not a callcoach history"),
        "{e}"
    );
    assert_eq!(
        std::fs::read(&text).unwrap(),
        "these are not the droids".repeat(100).into_bytes()
    );

    let other = dir.path().join("other.db");
    {
        let conn = Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE invoices (id INTEGER)")
            .unwrap();
    }
    let e = History::open(&other).err().unwrap().to_string();
    assert!(e.contains("other.db") && e.contains("other tables"), "{e}");
}

#[test]
fn two_writers_at_once_lose_nothing() {
    // Two connections, as two batches would hold, each recording 100 calls
    // of its own at the same time: every call is there afterwards.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    History::open(&path).unwrap();
    let writers: Vec<_> = ["x", "y"]
        .into_iter()
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut h = History::open(&path).unwrap();
                for i in 0..100 {
                    let r = record(&format!("{w}{i}"), "card", w);
                    assert_eq!(h.record(&r).unwrap(), Recorded::Added);
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let h = History::open(&path).unwrap();
    assert_eq!(h.current_calls().unwrap(), 200);
}

#[test]
fn a_report_gives_each_agent_s_means_per_period_and_the_change() {
    // Anna: week of Mon 2025-11-17 two calls (too_fast 60 problem, 80 ok),
    // week of 2025-11-24 one call (90 ok); Ben one call in the first week
    // (rushed problem, too_fast not measured).
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();
    let call = |audio: &str, agent: &str, date: &str, findings: Vec<(&str, Option<u8>, &str)>| {
        let mut r = record(audio, "card", agent);
        r.date.value = date.into();
        r.findings = findings
            .into_iter()
            .map(|(f, s, v)| (f.to_string(), s, v.to_string()))
            .collect();
        r
    };
    for r in [
        call(
            "a1",
            "anna",
            "2025-11-17T09:00:00",
            vec![("too_fast", Some(60), "problem")],
        ),
        call(
            "a2",
            "anna",
            "2025-11-23",
            vec![("too_fast", Some(80), "ok")],
        ),
        call(
            "a3",
            "anna",
            "2025-11-24T10:00:00",
            vec![("too_fast", Some(90), "ok")],
        ),
        call(
            "b1",
            "ben",
            "2025-11-19",
            vec![
                ("too_fast", None, "not_measured"),
                ("rushed", Some(20), "problem"),
            ],
        ),
    ] {
        h.record(&r).unwrap();
    }
    let weekly = ReportQuery {
        agent: None,
        since: None,
        until: None,
        period: Period::Week,
    };
    let r = h.report(&weekly).unwrap();
    let anna = &r.agents[0];
    assert_eq!(anna.agent, "anna");
    let starts: Vec<&str> = anna.periods.iter().map(|p| p.start.as_str()).collect();
    assert_eq!(starts, ["2025-11-17", "2025-11-24"]);
    let first = &anna.periods[0];
    assert_eq!(first.calls, 2);
    assert_eq!(first.findings["too_fast"].mean_score, Some(70.0));
    assert_eq!(first.findings["too_fast"].problem_share, 0.5);
    assert_eq!(first.findings["too_fast"].change, None);
    assert_eq!(anna.periods[1].findings["too_fast"].change, Some(20.0));
    let ben = &r.agents[1].periods[0];
    assert_eq!(ben.findings["too_fast"].mean_score, None);
    assert_eq!(ben.findings["rushed"].problem_share, 1.0);
    // The team: 3 calls in the first week, too_fast and rushed one problem
    // each (ties go to the last id in order); one call in the second.
    assert_eq!(r.team[0].calls, 3);
    assert_eq!(r.team[1].most_common_problem, None);
    // One agent, from a date on, by month.
    let r = h
        .report(&ReportQuery {
            agent: Some("anna".into()),
            since: Some("2025-11-20".into()),
            until: None,
            period: Period::Month,
        })
        .unwrap();
    assert_eq!(r.agents.len(), 1);
    assert_eq!(r.agents[0].periods[0].start, "2025-11-01");
    assert_eq!(r.agents[0].periods[0].calls, 2);
    assert_eq!(
        r.agents[0].periods[0].findings["too_fast"].mean_score,
        Some(85.0)
    );
}
