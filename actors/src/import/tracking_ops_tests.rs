use super::*;
use kdgat_jobs::run_dir::{EventLog, RESUME};
use serde_json::json;

#[test]
fn a_run_directory_becomes_the_references_logging() {
    let root = tempfile::tempdir().unwrap();
    let run = root.path().join("hcrl_sa/student_curriculum_kd");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(
        run.join("config.json"),
        r#"{"lr": 0.003, "use_kd": true, "teacher_path": "x/hcrl_sa/teacher_curriculum/best_model.pt"}"#,
    )
    .unwrap();
    let log = EventLog::new(&run);
    log.append("started", json!({"host": "node07"})).unwrap();
    log.epoch(0, &[("val_loss", 0.5)]).unwrap();
    log.append("finished", json!({})).unwrap();
    std::fs::write(
        run.join("metrics.json"),
        r#"{"gat": {"core": {"f1": 0.99}, "additional": {"kappa": 0.9}},
            "test": {"gat": {"test_01": {"core": {"f1": 0.5}, "additional": {"kappa": 0.4, "detection_at_fpr": {"0.05": 1.0}}}}}}"#,
    )
    .unwrap();
    std::fs::write(run.join("loss.png"), b"png").unwrap();
    for n in [1, 2] {
        let attempt = run.join(format!("attempt-{n}"));
        std::fs::create_dir_all(&attempt).unwrap();
        std::fs::write(attempt.join(kdgat_cluster::JOB_ID_FILE), format!("42{n}\n")).unwrap();
    }
    let ops = run_dir_ops(root.path(), &run, Some("s1")).unwrap();
    let TrackingOp::StartRun {
        run_key,
        run_name,
        parent_key,
        tags,
        params,
        ..
    } = &ops[0]
    else {
        panic!("{ops:?}");
    };
    assert_eq!(run_key, "sweep/s1/hcrl_sa/student_curriculum_kd");
    assert_eq!(run_name, "hcrl_sa/student_curriculum_kd");
    assert_eq!(parent_key.as_deref(), Some("sweep/s1"));
    for tag in [
        Tag::new("teacher_run_id", "hcrl_sa/teacher_curriculum"),
        Tag::new("model_arch", "gat"),
        Tag::new("host", "node07"),
        Tag::new("attempt", 2),
        Tag::new("slurm_job_id", "422"),
    ] {
        assert!(tags.contains(&tag), "{tag:?} in {tags:?}");
    }
    assert!(params.contains(&Param {
        key: "use_kd".into(),
        value: "True".into()
    }));
    let TrackingOp::LogMetrics { points, .. } = &ops[1] else {
        panic!("{ops:?}")
    };
    let keys: Vec<&str> = points.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "val_loss",
            "gat_f1",
            "test.gat.test_01.f1",
            "test.gat.test_01.kappa"
        ]
    );
    let uploads: Vec<&str> = ops
        .iter()
        .filter_map(|op| match op {
            TrackingOp::LogArtifact { artifact_path, .. } => Some(artifact_path.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(uploads, ["config.json", "metrics.json", "loss.png"]);
    assert!(matches!(
        ops.last(),
        Some(TrackingOp::EndRun {
            status: RunStatus::Finished,
            ..
        })
    ));
    for op in &ops {
        op.validate().unwrap();
    }
}

#[test]
fn an_interrupted_run_is_not_finished_in_mlflow() {
    let root = tempfile::tempdir().unwrap();
    let run = root.path().join("d/teacher_autoencoder");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("config.json"), "{}").unwrap();
    std::fs::write(run.join("best_model.safetensors"), "").unwrap();
    std::fs::write(run.join(RESUME), "{}").unwrap();
    let ops = run_dir_ops(root.path(), &run, None).unwrap();
    assert!(matches!(
        ops.last(),
        Some(TrackingOp::EndRun {
            status: RunStatus::Killed,
            ..
        })
    ));
}

#[test]
fn a_bad_event_line_is_named() {
    let root = tempfile::tempdir().unwrap();
    let run = root.path().join("d/teacher_autoencoder");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("config.json"), "{}").unwrap();
    std::fs::write(run.join("events.jsonl"), "{\"kind\":\"epoch\"}\nnot json\n").unwrap();
    let err = run_dir_ops(root.path(), &run, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("events.jsonl:2"), "{err}");
}
