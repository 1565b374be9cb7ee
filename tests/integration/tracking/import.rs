//! A run tree imported with `kdgat mlflow sync` reads back through the Python `mlflow` client as the
//! reference logged it: params, latest metrics, full histories, tags, nesting under the sweep's
//! parent run, artifacts byte for byte; syncing again, even from a lost store, duplicates nothing.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use super::{sync, unique, write_run_tree};
use crate::support::{python, service};

/// Reads the experiment back with the Python client; prints one JSON document.
const READ_BACK: &str = r#"
import hashlib, json, sys, tempfile
import mlflow
from mlflow.tracking import MlflowClient
name, = sys.argv[1:]
client = MlflowClient()
exp = mlflow.get_experiment_by_name(name)
df = mlflow.search_runs([exp.experiment_id])
runs = {}
for _, row in df.iterrows():
    run_id = row["run_id"]
    entry = {"run_id": run_id, "status": row["status"]}
    if row["start_time"] == row["start_time"] and row["end_time"] == row["end_time"]:
        entry["duration_ms"] = (row["end_time"] - row["start_time"]).total_seconds() * 1000
    for prefix in ("params", "metrics", "tags"):
        entry[prefix] = {c[len(prefix) + 1:]: row[c] for c in df.columns
                         if c.startswith(prefix + ".") and isinstance(row[c], (str, int, float))
                         and row[c] == row[c]}
    entry["history"] = {k: sorted((m.step, m.value) for m in client.get_metric_history(run_id, k))
                        for k in entry["metrics"]}
    entry["artifacts"] = {}
    for f in client.list_artifacts(run_id):
        path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=f.path,
                                                   dst_path=tempfile.mkdtemp())
        entry["artifacts"][f.path] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    runs[row["tags.mlflow.runName"]] = entry
print(json.dumps(runs))
"#;

/// Waits up to `limit` for the parent run of `sweep` to be FINISHED (delivery is asynchronous: it
/// ends last), then reads the experiment back.
pub(crate) fn read_back_finished(
    python: &str,
    uri: &str,
    experiment: &str,
    sweep: &str,
    limit: std::time::Duration,
) -> BTreeMap<String, Value> {
    let parent = format!("sweep {sweep}");
    let start = std::time::Instant::now();
    loop {
        let back = read_back(python, uri, experiment);
        if back.get(&parent).is_some_and(|p| p["status"] == "FINISHED") {
            return back;
        }
        assert!(
            start.elapsed() < limit,
            "MLflow has the finished {parent} within {limit:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// Asserts that `run`'s history of `key` in a read-back has each step of `steps` exactly once.
pub(crate) fn assert_every_point_once(
    back: &Value,
    run: &str,
    key: &str,
    steps: std::ops::Range<i64>,
) {
    let history: Vec<(i64, f64)> = serde_json::from_value(back["history"][key].clone())
        .unwrap_or_else(|e| panic!("{run}: no history of {key}: {e}"));
    let seen: Vec<i64> = history.iter().map(|(step, _)| *step).collect();
    assert_eq!(
        seen,
        steps.collect::<Vec<_>>(),
        "{run}: every point of {key} once"
    );
}

pub(crate) fn read_back(python: &str, uri: &str, experiment: &str) -> BTreeMap<String, Value> {
    let out = Command::new(python)
        .env("MLFLOW_TRACKING_URI", uri)
        .args(["-c", READ_BACK, experiment])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python read-back failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The tags of the experiment called `name`, read with the Python client.
pub(crate) fn experiment_tags(python: &str, uri: &str, name: &str) -> Value {
    let script = "import json, sys, mlflow; \
                  print(json.dumps(mlflow.get_experiment_by_name(sys.argv[1]).tags))";
    let out = Command::new(python)
        .env("MLFLOW_TRACKING_URI", uri)
        .args(["-c", script, name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sha256_hex(python: &str, path: &std::path::Path) -> String {
    let out = Command::new(python)
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn imported_runs_read_back_through_the_python_client() {
    let Some(uri) = service("MLFLOW_TRACKING_URI", "MLflow import read-back") else {
        return;
    };
    let Some(python) = python("MLflow import read-back") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let runs = write_run_tree(root.path());
    let experiment = unique("kdgat-import");
    let state = root.path().join("state");
    let runs_arg = runs.to_str().unwrap();
    let args = [
        "--runs-dir",
        runs_arg,
        "--sweep",
        "s1",
        "--experiment",
        &experiment,
    ];

    let report = sync(&uri, &state, &args);
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(report["rejected"], serde_json::json!([]), "{report}");
    // 5 epochs × 2 metrics, 2 validation core metrics, 2 test metrics.
    assert_eq!(report["points_sent"], 10 + 2 + 2, "{report}");

    let back = read_back(&python, &uri, &experiment);
    let names: Vec<&str> = back.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "hcrl_sa/student_curriculum_kd",
            "hcrl_sa/teacher_autoencoder",
            "hcrl_sa/teacher_evaluation",
            "sweep s1"
        ]
    );
    let parent = &back["sweep s1"];
    let vgae = &back["hcrl_sa/teacher_autoencoder"];
    for child in [
        "hcrl_sa/student_curriculum_kd",
        "hcrl_sa/teacher_autoencoder",
        "hcrl_sa/teacher_evaluation",
    ] {
        assert_eq!(
            back[child]["tags"]["mlflow.parentRunId"], parent["run_id"],
            "{child}"
        );
    }
    // Params as the reference's `mlflow.log_params(asdict(cfg))` stored them.
    assert_eq!(vgae["params"]["lr"], "0.003");
    assert_eq!(vgae["params"]["use_kd"], "False");
    assert_eq!(vgae["params"]["vgae_hidden_dims"], "[480, 240, 48]");
    assert_eq!(vgae["params"]["weight_decay"], "1e-05");
    // Latest metrics and the full histories, each point once.
    assert_eq!(vgae["metrics"]["val_loss"], 0.5);
    let history: Vec<(i64, f64)> =
        serde_json::from_value(vgae["history"]["val_loss"].clone()).unwrap();
    assert_eq!(
        history.iter().map(|h| h.0).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    for (epoch, v) in history {
        let want = 2.5 / (epoch + 1) as f64;
        assert!(
            (v - want).abs() <= 1e-12 * want,
            "val_loss at {epoch}: {v} vs {want}"
        );
    }
    let eval = &back["hcrl_sa/teacher_evaluation"];
    assert_eq!(eval["metrics"]["gat_f1"], 0.998);
    assert_eq!(
        eval["metrics"]["test.gat.test_01_known_vehicle_known_attack.kappa"],
        0.96
    );
    assert!(
        eval["metrics"].get("gat_kappa").is_none(),
        "validation logs core metrics only"
    );
    // Tags and status.
    for (key, value) in [
        ("stage", "autoencoder"),
        ("dataset", "hcrl_sa"),
        ("model_size", "teacher"),
        ("use_kd", "False"),
        ("model_arch", "vgae"),
        ("status", "complete"),
    ] {
        assert_eq!(vgae["tags"][key], value, "tag {key}");
    }
    assert_eq!(vgae["status"], "FINISHED");
    let kd = &back["hcrl_sa/student_curriculum_kd"];
    assert_eq!(kd["status"], "FAILED");
    assert_eq!(kd["tags"]["teacher_run_id"], "hcrl_sa/teacher_curriculum");
    // Artifacts byte for byte.
    let run_dir = runs.join("hcrl_sa/teacher_autoencoder");
    let artifacts = vgae["artifacts"].as_object().unwrap();
    let mut uploaded: Vec<&str> = artifacts.keys().map(String::as_str).collect();
    uploaded.sort_unstable();
    assert_eq!(
        uploaded,
        ["benchmark.tsv", "best_model.safetensors", "config.json"]
    );
    for (name, digest) in artifacts {
        assert_eq!(
            digest.as_str().unwrap(),
            sha256_hex(&python, &run_dir.join(name)),
            "{name}"
        );
    }

    // Again with the same store, and again with a new store: nothing is duplicated.
    let again = sync(&uri, &state, &args);
    assert_eq!(
        (
            again["points_sent"].as_u64(),
            again["points_already_there"].as_u64()
        ),
        (Some(0), Some(14))
    );
    let fresh = sync(&uri, &root.path().join("new-state"), &args);
    assert_eq!(fresh["points_sent"], 0, "{fresh}");
    let back_again = read_back(&python, &uri, &experiment);
    assert_eq!(back_again.len(), 4);
    assert_eq!(
        back_again["hcrl_sa/teacher_autoencoder"]["history"],
        vgae["history"]
    );
    assert_eq!(back_again["sweep s1"]["run_id"], parent["run_id"]);
}

#[test]
fn a_missing_server_keeps_everything_queued_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let runs = write_run_tree(root.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let uri = format!("http://127.0.0.1:{port}");
    let state = root.path().join("state");
    let out = super::run_sync(
        &uri,
        &state,
        &["--runs-dir", runs.to_str().unwrap(), "--max-attempts", "2"],
    );
    assert!(!out.status.success());
    let err = crate::support::stderr(&out);
    assert!(
        err.contains("cannot connect") && err.contains("stay queued"),
        "{err}"
    );
    let store = kdgat_store::Store::open(&state.join("store")).unwrap();
    assert!(
        store.outbox().unwrap().len() > 10,
        "every operation is still queued"
    );
}
