//! The store end to end: write-through, event log, outbox, the lock, and crash safety under SIGKILL.
//! (The legacy backfill, export and analytics are tested with the shared data in `tests/integration`.)

use std::path::Path;
use std::time::Duration;

use kdgat_store::{Change, MetricRecord, NewEvent, RunRecord, RunStatus, Store, StoreError};

fn run(id: &str) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        dataset: "hcrl_sa".into(),
        model_size: "teacher".into(),
        stage: "curriculum".into(),
        use_kd: false,
        status: RunStatus::Unknown,
        teacher_run: None,
        started_at: None,
        completed_at: None,
        mlflow_run_id: None,
        config_json: Some(r#"{"lr": 0.003, "gat_hidden": 48}"#.into()),
        sweep_id: None,
    }
}

fn metric(run: &str, name: &str, value: f64) -> MetricRecord {
    MetricRecord {
        run_id: run.into(),
        model: "gat".into(),
        scenario: "val".into(),
        metric_name: name.into(),
        value,
    }
}

#[test]
fn write_through_events_and_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    store
        .record_run_start(run("hcrl_sa/teacher_curriculum"), "2026-11-27T01:00:00Z")
        .unwrap();
    assert_eq!(
        store
            .run("hcrl_sa/teacher_curriculum")
            .unwrap()
            .unwrap()
            .status,
        RunStatus::Running
    );
    store
        .record_run_end(
            "hcrl_sa/teacher_curriculum",
            true,
            &[metric("hcrl_sa/teacher_curriculum", "f1", 0.99)],
            "2026-11-27T02:00:00Z",
        )
        .unwrap();
    let done = store.run("hcrl_sa/teacher_curriculum").unwrap().unwrap();
    assert_eq!(
        (done.status, done.completed_at.as_deref()),
        (RunStatus::Complete, Some("2026-11-27T02:00:00Z"))
    );
    assert_eq!(store.metrics().unwrap().len(), 1);
    assert!(matches!(
        store.record_run_end("nope/x", true, &[], "t"),
        Err(StoreError::UnknownRun(_))
    ));

    let mut seqs = Vec::new();
    for i in 0..3 {
        seqs.push(
            store
                .append_event(
                    "hcrl_sa/teacher_curriculum",
                    "t",
                    "epoch",
                    &format!("{{\"epoch\":{i}}}"),
                )
                .unwrap(),
        );
    }
    let other = store
        .append_event("hcrl_sa/other", "t", "started", "{}")
        .unwrap();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]) && seqs[2] < other,
        "{seqs:?} {other}"
    );
    let payloads: Vec<String> = store
        .events(Some("hcrl_sa/teacher_curriculum"))
        .unwrap()
        .into_iter()
        .map(|e| e.payload)
        .collect();
    assert_eq!(
        payloads,
        ["{\"epoch\":0}", "{\"epoch\":1}", "{\"epoch\":2}"]
    );

    let a = store.push_outbox(r#"{"op":"log_metric"}"#).unwrap();
    let b = store.push_outbox(r#"{"op":"set_tag"}"#).unwrap();
    store.ack_outbox(a).unwrap();
    assert_eq!(
        store.outbox().unwrap(),
        vec![(b, r#"{"op":"set_tag"}"#.to_string())]
    );
}

#[test]
fn a_store_held_by_another_process_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let _held = Store::open(&path).unwrap();
    let started = std::time::Instant::now();
    let err = Store::open(&path).err().expect("second open must fail");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("in use by another process"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Crash safety. The child (this same test binary, re-run with `KDGAT_CRASH_WRITER` set) commits
/// numbered events with a run record, as the supervisor does, and prints each number once the
/// commit returned (acknowledged). The parent kills it with SIGKILL at a random moment, reopens the
/// store, and checks every acknowledged event is there, in order without gaps, and every record
/// decodes. Repeated 100 times.
#[test]
fn acknowledged_transitions_survive_sigkill() {
    if let Some(path) = std::env::var_os("KDGAT_CRASH_WRITER") {
        let store = Store::open(Path::new(&path)).unwrap();
        let start = store.events(Some("crash/run")).unwrap().len() as u64;
        for i in start.. {
            let mut record = run("crash/run");
            record.config_json = Some(format!("{{\"last\":{i}}}"));
            let event = NewEvent {
                at: "t".into(),
                kind: "epoch".into(),
                payload: i.to_string(),
            };
            store
                .commit(&Change {
                    runs: vec![record],
                    events: vec![("crash/run".into(), event)],
                    ..Change::default()
                })
                .unwrap();
            println!("ack {i}");
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let exe = std::env::current_exe().unwrap();
    let mut acknowledged: Option<u64> = None;
    for round in 0..100u64 {
        let mut child = std::process::Command::new(&exe)
            .args([
                "--exact",
                "acknowledged_transitions_survive_sigkill",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("KDGAT_CRASH_WRITER", &path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a pseudo-random moment between 50 and 300 ms.
        std::thread::sleep(Duration::from_millis(50 + (round * 7919) % 250));
        child.kill().unwrap();
        let output = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        if let Some(last) = text
            .lines()
            .filter_map(|l| l.strip_prefix("ack ")?.trim().parse::<u64>().ok())
            .next_back()
        {
            acknowledged = Some(last);
        }
        let store = Store::open(&path).unwrap();
        let events = store.events(Some("crash/run")).unwrap();
        let seqs: Vec<u64> = events.iter().map(|e| e.payload.parse().unwrap()).collect();
        assert_eq!(
            seqs,
            (0..seqs.len() as u64).collect::<Vec<_>>(),
            "round {round}: gap in the event log"
        );
        let last = store.run("crash/run").unwrap().and_then(|r| r.config_json);
        if let Some(n) = seqs.len().checked_sub(1) {
            assert_eq!(
                last,
                Some(format!("{{\"last\":{n}}}")),
                "round {round}: run and event apart"
            );
        }
        if let Some(last) = acknowledged {
            assert!(
                seqs.len() as u64 > last,
                "round {round}: acknowledged event {last} lost ({} present)",
                seqs.len()
            );
        }
        store.runs().unwrap();
    }
    assert!(
        acknowledged.is_some_and(|n| n > 25),
        "the writer never got going: {acknowledged:?}"
    );
}

#[test]
fn the_sweep_names_its_columns_as_the_reference_does() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    for (id, lr, f1) in [("hcrl_sa/a", 0.003, 0.9), ("hcrl_sa/b", 0.003, 0.7)] {
        store
            .put_run(&RunRecord {
                config_json: Some(format!(r#"{{"lr": {lr}}}"#)),
                ..run(id)
            })
            .unwrap();
        store.replace_metrics(id, &[metric(id, "f1", f1)]).unwrap();
    }
    let db = dir.path().join("project.db");
    kdgat_store::export_sqlite(&store, &db).unwrap();
    let sweep = kdgat_store::Analytics::open(&db)
        .unwrap()
        .sweep("lr", "f1", None, None)
        .unwrap();
    assert_eq!(
        sweep.columns,
        ["param_value", "count", "min", "max", "mean"]
    );
    assert_eq!(
        sweep.rows,
        vec![vec![
            serde_json::json!(0.003),
            serde_json::json!(2),
            serde_json::json!(0.7),
            serde_json::json!(0.9),
            serde_json::json!(0.8)
        ]]
    );
}
