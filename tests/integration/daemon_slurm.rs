//! `kdgat daemon` on the real SLURM cluster with the test MLflow server: a sweep of all three
//! variants on a small dataset trains for real in sbatch jobs (epochs cut down; the curricula
//! longer, so a batch job is seen running). MLflow shows a run's epoch metrics while its batch job
//! is still RUNNING in squeue; the job's processes carry none of the daemon's MLflow token; every
//! run completes; metrics.json, the SQLite export (`run_resources` included) and MLflow agree; a
//! cancelled sweep leaves no batch job.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::daemon::{TestDaemon, eventually, ok};
use crate::submit::submit_tiny;
use crate::support::{python, service, slurm_turn, tiny_dataset};
use crate::tracking::import::read_back_finished;
use crate::tracking::unique;

const TOKEN: &str = "s3cret-daemon-token";

const QUICK: &[&str] = &[
    "--set",
    "max_epochs=2",
    "--set",
    "curriculum.max_epochs=40",
    "--set",
    "batch_size=8",
    "--set",
    "fusion_episodes=10",
    "--set",
    "episode_sample_size=32",
    "--set",
    "dqn_batch_size=16",
    "--set",
    "device=cpu",
];

/// The batch jobs in squeue whose name has `part`: `(job id, state)`.
fn queued(part: &str) -> Vec<(String, String)> {
    let out = Command::new("squeue")
        .args(["--noheader", "--format=%i %T %j"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(part))
        .filter_map(|l| {
            let mut fields = l.split_whitespace();
            Some((fields.next()?.to_string(), fields.next()?.to_string()))
        })
        .collect()
}

/// MLflow's latest metrics of the run named `run` in `experiment` (REST, as the UI reads them).
fn latest_metrics(uri: &str, experiment: &str, run: &str) -> Vec<String> {
    let http = reqwest::blocking::Client::new();
    let base = uri.trim_end_matches('/');
    let Ok(found) = http
        .get(format!("{base}/api/2.0/mlflow/experiments/get-by-name"))
        .query(&[("experiment_name", experiment)])
        .send()
        .and_then(|r| r.json::<Value>())
    else {
        return Vec::new();
    };
    let Some(id) = found["experiment"]["experiment_id"].as_str() else {
        return Vec::new();
    };
    let search = json!({
        "experiment_ids": [id],
        "filter": format!("attributes.run_name = '{run}'"),
    });
    let runs: Value = http
        .post(format!("{base}/api/2.0/mlflow/runs/search"))
        .json(&search)
        .send()
        .and_then(|r| r.json())
        .unwrap_or_default();
    runs["runs"][0]["data"]["metrics"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| Some(m["key"].as_str()?.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The environment of the process running `kdgat job exec` for `run_dir_part`, if one runs now.
fn job_environment(run_dir_part: &str) -> Option<String> {
    let out = Command::new("pgrep")
        .args(["-f", &format!("job exec --spec .*{run_dir_part}")])
        .output()
        .ok()?;
    let pid = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()?
        .trim()
        .to_string();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    Some(String::from_utf8_lossy(&environ).replace('\0', "\n"))
}

#[test]
fn a_sweep_trains_through_the_daemon_on_slurm_with_mlflow_live() {
    let Some(_turn) = slurm_turn("the daemon on SLURM") else {
        return;
    };
    let Some(uri) = service("MLFLOW_TRACKING_URI", "the daemon on SLURM") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 6);
    let small = "time_minutes = 10\nmem_mb = 1500\ncpus = 1\ngpus = 0\n";
    std::fs::write(
        dir.join("cluster.toml"),
        format!(
            "scheduler = \"slurm\"\n[slurm]\npartition = \"debug\"\n\
             [resources.train]\n{small}[resources.evaluation]\n{small}[resources.data]\n{small}"
        ),
    )
    .unwrap();
    let experiment = unique("kdgat-daemon");
    let (daemon, started) = TestDaemon::start(
        dir,
        &[
            ("MLFLOW_TRACKING_URI", &uri),
            ("MLFLOW_EXPERIMENT_NAME", &experiment),
            ("MLFLOW_TRACKING_TOKEN", TOKEN),
        ],
    );
    assert!(started.contains("slurm scheduler"), "{started}");
    let handed = ok(submit_tiny(dir).args(QUICK).args(["--name", "live"]));
    assert!(handed.contains("sweep live accepted: 13 runs"), "{handed}");

    // A curriculum's epochs reach MLflow while its batch job runs, and its process has no token.
    let run = "tiny/teacher_curriculum";
    let mut seen_env = None;
    eventually(
        Duration::from_secs(300),
        "MLflow shows the teacher curriculum's epochs while its batch job is RUNNING",
        || {
            let running = |jobs: &[(String, String)]| jobs.iter().any(|(_, s)| s == "RUNNING");
            if !running(&queued("kdgat.live.tiny.teacher_curriculum.")) {
                return false;
            }
            if seen_env.is_none() {
                seen_env = job_environment("teacher_curriculum");
            }
            let metrics = latest_metrics(&uri, &experiment, run);
            metrics.iter().any(|m| m == "train_loss")
                && running(&queued("kdgat.live.tiny.teacher_curriculum."))
        },
    );
    let env = seen_env.expect("the batch job's process was found while it ran");
    assert!(env.contains("SLURM_JOB_ID="), "not the batch job's: {env}");
    assert!(
        !env.contains(TOKEN) && !env.contains("MLFLOW_"),
        "the daemon's MLflow settings reached the batch job: {env}"
    );

    eventually(Duration::from_secs(600), "sweep live finished", || {
        let sweeps: Value =
            serde_json::from_str(&ok(&mut daemon.kdgat(&["status", "--json"]))).unwrap();
        sweeps[0]["state"] != "active"
    });
    let runs: Value =
        serde_json::from_str(&ok(&mut daemon.kdgat(&["status", "live", "--json"]))).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 13);
    assert!(
        runs.iter()
            .all(|r| r["state"] == "complete" && r["batch_job"].as_str().is_some()),
        "{runs:?}"
    );

    // metrics.json, the export and MLflow agree.
    let query = |sql: &str| -> Value {
        serde_json::from_str(&ok(&mut daemon.kdgat(&["db", "query", sql, "--json"]))).unwrap()
    };
    let metrics: Value = serde_json::from_slice(
        &std::fs::read(dir.join("experimentruns/tiny/teacher_evaluation/metrics.json")).unwrap(),
    )
    .unwrap();
    let f1 = &metrics["gat"]["core"]["f1"];
    let stored = query(
        "SELECT value FROM metrics WHERE run_id = 'tiny/teacher_evaluation' AND model = 'gat' \
         AND scenario = 'val' AND metric_name = 'f1'",
    );
    assert_eq!(&stored[0]["value"], f1);
    // Each run's allocation from sacct: elapsed (whole seconds) times the CPUs it was given, no GPU.
    let resources = query("SELECT run_id, elapsed_hours, gpu_hours, cpu_hours FROM run_resources");
    let resources = resources.as_array().unwrap();
    assert_eq!(resources.len(), 13, "{resources:?}");
    assert!(
        resources.iter().all(|r| r["gpu_hours"] == 0.0
            && r["cpu_hours"] == r["elapsed_hours"]
            && r["elapsed_hours"].as_f64().is_some()),
        "{resources:?}"
    );
    assert!(
        resources
            .iter()
            .filter(|r| r["run_id"] != "tiny/graphs")
            .all(|r| r["elapsed_hours"].as_f64().is_some_and(|h| h > 0.0)),
        "training runs last seconds: {resources:?}"
    );
    let nodes = query("SELECT DISTINCT node FROM attempts");
    assert!(
        nodes
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["node"].is_string()),
        "every attempt ran on a node sacct names: {nodes}"
    );
    if let Some(python) = python("the daemon on SLURM") {
        let back = read_back_finished(&python, &uri, &experiment, "live", Duration::from_secs(60));
        assert_eq!(
            back.len(),
            14,
            "the sweep and its 13 runs: {:?}",
            back.keys()
        );
        let eval = &back["tiny/teacher_evaluation"];
        assert_eq!(&eval["metrics"]["gat_f1"], f1, "{eval}");
        let curriculum = &back[run];
        assert_eq!(curriculum["status"], "FINISHED");
        let history: Vec<(i64, f64)> =
            serde_json::from_value(curriculum["history"]["train_loss"].clone()).unwrap();
        assert_eq!(history.len(), 40, "every epoch once: {history:?}");
        let job = runs.iter().find(|r| r["run"] == run).unwrap()["batch_job"].clone();
        assert_eq!(curriculum["tags"]["batch_job_id"], job, "{curriculum}");
        assert!(curriculum["tags"]["node"].is_string(), "{curriculum}");
        assert_eq!(curriculum["tags"]["exit_status"], "0:0", "{curriculum}");
    }

    // A cancelled sweep leaves nothing in squeue.
    ok(submit_tiny(dir)
        .args(QUICK)
        .args(["--name", "doomed", "--force"]));
    eventually(
        Duration::from_secs(120),
        "a batch job of sweep doomed",
        || !queued("kdgat.doomed.").is_empty(),
    );
    let cancelled = ok(&mut daemon.kdgat(&["cancel", "doomed"]));
    assert!(
        cancelled.starts_with("sweep doomed cancelled:"),
        "{cancelled}"
    );
    eventually(
        Duration::from_secs(30),
        "no batch job of sweep doomed",
        || queued("kdgat.doomed.").is_empty(),
    );
}
