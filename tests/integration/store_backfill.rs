//! The legacy backfill on the reference's real run directories (shared/legacy/experimentruns): every
//! run and metric its `populate()` would store, idempotently; then the SQLite export and the analytics
//! queries over it.

use std::path::{Path, PathBuf};

use kdgat_actors::import::populate;
use kdgat_jobs::reference_data::shared_dir_or_skip;
use kdgat_store::{Analytics, LeaderboardFilters, RunStatus, Store, StoreError, export_sqlite};

fn legacy_runs_dir(test: &str) -> Option<PathBuf> {
    shared_dir_or_skip(test).map(|shared| shared.join("legacy/experimentruns"))
}

fn dump(db: &Path) -> String {
    let a = Analytics::open(db).unwrap();
    ["runs", "metrics", "datasets"]
        .iter()
        .map(|t| {
            serde_json::to_string(
                &a.query(&format!("SELECT * FROM {t} ORDER BY 1, 2, 3"), &[])
                    .unwrap(),
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn legacy_backfill_imports_every_run_and_metric_idempotently() {
    let Some(runs_dir) = legacy_runs_dir("legacy backfill") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = populate(&store, &runs_dir).unwrap();
    assert_eq!(report.runs, 70);
    // Every numeric core/additional leaf of the 15 metrics.json files (counted independently with
    // Python's isinstance(x, (int, float)) over the same files).
    assert_eq!(report.metrics, 3915);
    assert_eq!(
        report.complete, 15,
        "only the evaluation runs with a metrics.json have outputs in the shared copy"
    );

    let r = store.run("hcrl_sa/student_curriculum_kd").unwrap().unwrap();
    assert_eq!(
        (r.model_size.as_str(), r.stage.as_str(), r.use_kd),
        ("student", "curriculum", true)
    );
    assert_eq!(r.teacher_run.as_deref(), Some("hcrl_sa/teacher_curriculum"));
    assert_eq!(
        store
            .run("set_04/teacher_evaluation")
            .unwrap()
            .unwrap()
            .status,
        RunStatus::Unknown
    );

    let first = dir.path().join("first.db");
    export_sqlite(&store, &first).unwrap();
    populate(&store, &runs_dir).unwrap();
    let second = dir.path().join("second.db");
    export_sqlite(&store, &second).unwrap();
    assert_eq!(
        dump(&first),
        dump(&second),
        "a second backfill changed the store"
    );

    let a = Analytics::open(&first).unwrap();
    let f1 = a
        .query(
            "SELECT value FROM metrics WHERE run_id = 'hcrl_sa/teacher_evaluation' AND model = 'gat' AND scenario = 'val' AND metric_name = 'f1'",
            &[],
        )
        .unwrap();
    assert_eq!(f1.rows[0][0], 0.998003992015968);
    let ood = a
        .query(
            "SELECT ROUND(value, 4) FROM metrics WHERE run_id = 'hcrl_sa/teacher_evaluation' AND model = 'gat' \
             AND scenario = 'test_02_unknown_vehicle_known_attack' AND metric_name = 'f1'",
            &[],
        )
        .unwrap();
    assert_eq!(ood.rows[0][0], 0.5767);

    let board = a
        .leaderboard(
            "f1",
            3,
            &LeaderboardFilters {
                dataset: Some("hcrl_sa"),
                scenario: Some("val"),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(board.rows.len(), 3);
    assert_eq!(
        board.columns,
        ["run_id", "dataset", "stage", "model", "scenario", "value"]
    );
    let sweep = a.sweep("model_size", "f1", Some("hcrl_sa"), None).unwrap();
    assert!(sweep.rows.iter().any(|r| r[0] == "teacher"), "{sweep:?}");
    let cmp = a
        .compare(
            "hcrl_sa/teacher_evaluation",
            "hcrl_sa/student_evaluation_kd",
        )
        .unwrap();
    assert!(cmp.rows.iter().any(|r| r[2] == "f1"));
    let diff = a
        .config_diff(
            "hcrl_sa/teacher_curriculum",
            "hcrl_sa/student_curriculum_kd",
        )
        .unwrap();
    assert!(diff.rows.iter().any(|r| r[0] == "gat_hidden"));
    let (runs, best) = a.dataset_summary("hcrl_sa").unwrap();
    assert_eq!(runs.rows.len(), 12);
    assert_eq!(best.rows.len(), 4);
    assert!(matches!(
        a.sweep("lr'); DROP TABLE runs; --", "f1", None, None),
        Err(StoreError::BadIdentifier { .. })
    ));
    assert!(matches!(
        a.compare("hcrl_sa/nope", "hcrl_sa/teacher_evaluation"),
        Err(StoreError::UnknownRun(_))
    ));
    assert!(
        a.query("DELETE FROM runs", &[]).is_err(),
        "the analytics connection is read-only"
    );
}

#[test]
fn recover_db_and_analytics_from_the_command_line() {
    let Some(runs_dir) = legacy_runs_dir("recover from the command line") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let state = work.path().join("state");
    let kdgat = |args: &[&str]| {
        let mut full = vec!["--state-dir", state.to_str().unwrap()];
        full.extend_from_slice(args);
        crate::support::kdgat()
            .current_dir(work.path())
            .args(&full)
            .output()
            .unwrap()
    };
    let out = kdgat(&["recover", "--runs-dir", runs_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    assert!(
        crate::support::stdout(&out)
            .starts_with("recovered 70 runs (15 with outputs), 3915 metric values")
    );

    let out = kdgat(&[
        "analytics",
        "leaderboard",
        "--metric",
        "f1",
        "--dataset",
        "hcrl_sa",
        "--scenario",
        "val",
        "--top",
        "2",
        "--csv",
    ]);
    let text = crate::support::stdout(&out);
    assert!(
        text.starts_with("run_id,dataset,stage,model,scenario,value\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3);

    let out = kdgat(&[
        "db",
        "query",
        "SELECT COUNT(*) AS n FROM runs WHERE use_kd = 1",
        "--json",
    ]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["n"], 22);

    let out = kdgat(&["db", "query", "DROP TABLE runs"]);
    assert_eq!(out.status.code(), Some(3), "SQL refused is invalid input");
    assert!(
        crate::support::stderr(&out).contains("would write"),
        "{}",
        crate::support::stderr(&out)
    );
    let out = kdgat(&["analytics", "sweep", "--param", "lr;--", "--metric", "f1"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        crate::support::stderr(&out)
    );
    let out = kdgat(&[
        "analytics",
        "compare",
        "hcrl_sa/nope",
        "hcrl_sa/teacher_evaluation",
    ]);
    assert!(crate::support::stderr(&out).contains("run `hcrl_sa/nope` not found"));
    assert!(state.join("project.db").is_file());
}

/// Scripts written against the reference's analytics read the sweep's count as `count`.
#[test]
fn analytics_sweep_json_names_its_count_column_count() {
    let work = tempfile::tempdir().unwrap();
    for (run, lr, f1) in [
        ("teacher_evaluation", 0.003, 0.9),
        ("student_evaluation", 0.001, 0.8),
    ] {
        let dir = work.path().join("runs/tiny").join(run);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.json"), format!(r#"{{"lr": {lr}}}"#)).unwrap();
        std::fs::write(
            dir.join("metrics.json"),
            format!(r#"{{"gat": {{"core": {{"f1": {f1}}}, "additional": {{}}}}}}"#),
        )
        .unwrap();
    }
    let state = work.path().join("state");
    let state = state.to_str().unwrap();
    crate::support::run_ok_in(
        work.path(),
        &["--state-dir", state, "recover", "--runs-dir", "runs"],
    );
    let out = crate::support::run_ok_in(
        work.path(),
        &[
            "--state-dir",
            state,
            "analytics",
            "sweep",
            "--param",
            "lr",
            "--metric",
            "f1",
            "--json",
        ],
    );
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([
            {"param_value": 0.003, "count": 1, "min": 0.9, "max": 0.9, "mean": 0.9},
            {"param_value": 0.001, "count": 1, "min": 0.8, "max": 0.8, "mean": 0.8}
        ])
    );
}
