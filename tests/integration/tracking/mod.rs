//! MLflow tracking against the real server: a run tree imported with `kdgat mlflow sync` and read back
//! by the Python `mlflow` client (`import`), delivery through a server outage and a lost reply,
//! exactly once (`outage`), and the MLflow UI in headless Chromium (`ui`).

pub(crate) mod import;
pub(crate) mod outage;
mod ui;

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{kdgat, stderr, stdout};

/// A name no other test run uses.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        std::time::UNIX_EPOCH.elapsed().unwrap().as_nanos()
    )
}

/// A small run tree as the pipeline writes it: a finished VGAE run with epoch events, a checkpoint
/// and a benchmark; an evaluation run with metrics.json; a KD run that produced nothing.
pub fn write_run_tree(root: &Path) -> PathBuf {
    let runs = root.join("runs");
    let vgae = runs.join("hcrl_sa/teacher_autoencoder");
    let eval = runs.join("hcrl_sa/teacher_evaluation");
    let kd = runs.join("hcrl_sa/student_curriculum_kd");
    for dir in [&vgae, &eval, &kd] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(
        vgae.join("config.json"),
        r#"{"lr": 0.003, "max_epochs": 5, "use_kd": false, "vgae_hidden_dims": [480, 240, 48], "teacher_path": "", "weight_decay": 1e-05}"#,
    )
    .unwrap();
    let started = 1_795_000_000_000i64 - 500;
    let mut events =
        format!("{{\"kind\":\"started\",\"time_ms\":{started},\"host\":\"node07\"}}\n");
    events += &(0..5)
        .map(|epoch| {
            format!(
                "{{\"kind\":\"epoch\",\"step\":{epoch},\"time_ms\":{},\"metrics\":{{\"train_loss\":{},\"val_loss\":{}}}}}\n",
                1_795_000_000_000i64 + epoch * 1000,
                2.0 / (epoch + 1) as f64,
                2.5 / (epoch + 1) as f64
            )
        })
        .collect::<String>();
    events += "{\"kind\":\"finished\",\"time_ms\":1795000005000}\n";
    std::fs::write(vgae.join("events.jsonl"), events).unwrap();
    let checkpoint: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(vgae.join("best_model.safetensors"), checkpoint).unwrap();
    std::fs::write(
        vgae.join("benchmark.tsv"),
        "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n12.5\t0:00:12\t512.0\t900.0\t480.0\t490.0\t1.0\t2.0\t95.0\t11.9\n",
    )
    .unwrap();
    std::fs::write(
        eval.join("config.json"),
        r#"{"lr": 0.003, "use_kd": false}"#,
    )
    .unwrap();
    std::fs::write(
        eval.join("metrics.json"),
        r#"{"gat": {"core": {"f1": 0.998, "accuracy": 0.9995}, "additional": {"kappa": 0.99}},
            "test": {"gat": {"test_01_known_vehicle_known_attack": {"core": {"f1": 0.97}, "additional": {"kappa": 0.96, "detection_at_fpr": {"0.05": 1.0}}}}}}"#,
    )
    .unwrap();
    std::fs::write(
        kd.join("config.json"),
        r#"{"use_kd": true, "teacher_path": "experimentruns/hcrl_sa/teacher_curriculum/best_model.pt"}"#,
    )
    .unwrap();
    runs
}

/// `kdgat --state-dir STATE mlflow sync ARGS --json` against `uri`, asserting success; the report.
pub fn sync(uri: &str, state: &Path, args: &[&str]) -> serde_json::Value {
    let out = run_sync(uri, state, args);
    assert!(out.status.success(), "mlflow sync failed: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// `kdgat --state-dir STATE mlflow sync ARGS --json` against `uri`.
pub fn run_sync(uri: &str, state: &Path, args: &[&str]) -> Output {
    kdgat()
        .env("MLFLOW_TRACKING_URI", uri)
        .env_remove("MLFLOW_EXPERIMENT_NAME")
        .args([
            "--state-dir",
            state.to_str().unwrap(),
            "mlflow",
            "sync",
            "--json",
        ])
        .args(args)
        .output()
        .unwrap()
}
