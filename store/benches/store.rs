//! State store costs (run with `scripts/bench/store.sh`, release mode): state transitions per second
//! with a flush per transition; opening the store and reloading everything at 10,000 runs and 100,000
//! events; the SQLite export at that size. Prints one JSON object.

use std::time::Instant;

use kdgat_store::{RunRecord, RunStatus, Store, export_sqlite};

const RUNS: usize = 10_000;
const EVENTS: usize = 100_000;
const TRANSITIONS: usize = 2_000;

fn run(i: usize) -> RunRecord {
    RunRecord {
        run_id: format!("set_{:02}/teacher_curriculum_{i:05}", i % 6),
        dataset: format!("set_{:02}", i % 6),
        model_size: "teacher".into(),
        stage: "curriculum".into(),
        use_kd: i % 2 == 0,
        status: RunStatus::Running,
        teacher_run: None,
        started_at: Some("2026-11-27T01:00:00Z".into()),
        completed_at: None,
        mlflow_run_id: None,
        // About the size of a real flat config.
        config_json: Some(format!(
            "{{\"lr\": 0.003, \"seed\": {i}, \"pad\": \"{}\"}}",
            "x".repeat(2000)
        )),
        sweep_id: Some("bench".into()),
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store");
    let store = Store::open(&path).expect("open");

    let started = Instant::now();
    for i in 0..TRANSITIONS {
        let mut record = run(i % 100);
        record.status = if i % 2 == 0 {
            RunStatus::Running
        } else {
            RunStatus::Complete
        };
        store.put_run(&record).expect("transition");
    }
    let transitions_per_second = TRANSITIONS as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    for i in 0..RUNS {
        store.put_run(&run(i)).expect("run");
    }
    for i in 0..EVENTS {
        store
            .append_event(
                &run(i % RUNS).run_id,
                "2026-11-27T01:00:00Z",
                "epoch",
                "{\"loss\": 0.1}",
            )
            .expect("event");
    }
    let fill_seconds = started.elapsed().as_secs_f64();
    drop(store);

    let started = Instant::now();
    let store = Store::open(&path).expect("reopen");
    let runs = store.runs().expect("runs");
    let events = store.events(None).expect("events");
    let reload_seconds = started.elapsed().as_secs_f64();
    assert_eq!((runs.len(), events.len()), (RUNS, EVENTS));

    let started = Instant::now();
    export_sqlite(&store, &dir.path().join("project.db")).expect("export");
    let export_seconds = started.elapsed().as_secs_f64();

    let report = serde_json::json!({
        "transitions_per_second_with_flush": transitions_per_second,
        "fill_10k_runs_100k_events_s": fill_seconds,
        "open_and_reload_10k_runs_100k_events_s": reload_seconds,
        "sqlite_export_10k_runs_100k_events_s": export_seconds,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
}
