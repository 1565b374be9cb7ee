use kdgat_store::{RunRecord, SweepRecord};

use super::*;

fn info(run_id: &str) -> RunInfo {
    serde_json::from_value(serde_json::json!({
        "run_id": run_id,
        "experiment_id": "1",
        "status": "RUNNING",
        "start_time": 1_000,
    }))
    .unwrap()
}

fn run(run_id: &str, status: StoreStatus, completed_at: Option<&str>) -> RunRecord {
    RunRecord {
        run_id: run_id.into(),
        dataset: "d".into(),
        model_size: "teacher".into(),
        stage: "curriculum".into(),
        use_kd: false,
        status,
        teacher_run: None,
        started_at: None,
        completed_at: completed_at.map(String::from),
        mlflow_run_id: None,
        config_json: None,
        sweep_id: Some("s".into()),
    }
}

#[test]
fn runs_left_running_are_ended_as_the_store_says_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    store
        .put_run(&run(
            "d/teacher_curriculum",
            StoreStatus::Complete,
            Some("2026-12-08T03:51:30.000000Z"),
        ))
        .unwrap();
    store
        .put_run(&run("d/teacher_fusion", StoreStatus::Failed, None))
        .unwrap();
    store
        .put_run(&run("d/teacher_evaluation", StoreStatus::Running, None))
        .unwrap();
    store
        .put_sweep(&SweepRecord {
            sweep_id: "s".into(),
            created_at: "2026-12-08T03:00:00.000000Z".into(),
            description: String::new(),
            plan_json: "{}".into(),
            state: "cancelled".into(),
            ended_at: Some("2026-12-08T04:00:00.000000Z".into()),
        })
        .unwrap();
    let running = [
        (info("a"), "sweep/s/d/teacher_curriculum".to_string()),
        (info("b"), "sweep/s/d/teacher_fusion".to_string()),
        (info("c"), "sweep/s/d/teacher_evaluation".to_string()),
        (info("d"), "sweep/s/d/unknown_run".to_string()),
        (info("e"), "sweep/s".to_string()),
        (info("f"), "not-kdgat".to_string()),
    ];
    assert_eq!(close_tracked_runs(&store, &running).unwrap(), 3);
    let ops: Vec<TrackingOp> = store
        .outbox()
        .unwrap()
        .iter()
        .map(|(_, json)| serde_json::from_str(json).unwrap())
        .collect();
    let ends: Vec<(String, RunStatus, i64)> = ops
        .into_iter()
        .filter_map(|op| match op {
            TrackingOp::EndRun {
                run_key,
                status,
                end_time_ms,
            } => Some((run_key, status, end_time_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ends[0],
        (
            "sweep/s/d/teacher_curriculum".into(),
            RunStatus::Finished,
            1_796_701_890_000
        )
    );
    assert_eq!(
        (ends[1].0.as_str(), ends[1].1),
        ("sweep/s/d/teacher_fusion", RunStatus::Failed)
    );
    assert_eq!(
        ends[2],
        ("sweep/s".into(), RunStatus::Killed, 1_796_702_400_000)
    );
}
