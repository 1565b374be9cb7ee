//! Failure classes on the real SLURM cluster, each case a test of its own, with the trivial stage
//! (scripts/bench/trivial_job.sh, failing on demand) in place of training and `kdgat submit`
//! driving the teacher's chain in its own process:
//! - a failure its job calls transient is retried within its budget, then the run fails and the
//!   runs after it are marked failed without being submitted; a fatal failure is not retried;
//! - a batch job SLURM requeues (`scontrol requeue`) goes on as the same attempt, at no cost to
//!   the retry budget;
//! - a batch job cancelled outside kdgat (`scancel`) is not retried; the runs after it are
//!   cancelled with it;
//! - real training cut short by its time limit again and again resumes to exactly the weights of
//!   an uninterrupted run;
//! - `kdgat recover --slurm --mlflow` after the store was lost: the attempts come back from SLURM's
//!   history, an MLflow run left RUNNING is ended as its run ended; run again, it changes nothing.
//!
//! Each decision is on its attempt in the project database and is what `kdgat logs` says last.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kdgat_cluster::slurm::{SlurmConfig, SlurmScheduler};
use kdgat_cluster::{Scheduler, SchedulerJobId};
use serde_json::Value;

use crate::daemon::eventually;
use crate::submit::{submit_tiny, trivial_jobs_with};
use crate::support::{kdgat, slurm_turn, stderr, stdout, tiny_dataset};

/// Every stage asks for one CPU and a little memory of the test node.
const SMALL: &str = "time_minutes = 10\nmem_mb = 200\ncpus = 1\ngpus = 0\n";

/// A dataset and a SLURM cluster config whose batch jobs run the trivial stage with `env`, and
/// `retry` as the config's `[retry]`.
pub(crate) fn slurm_sweep(dir: &Path, env: &[&str], retry: &str) {
    tiny_dataset(dir, 1);
    trivial_jobs_with(
        dir,
        env,
        &format!(
            "scheduler = \"slurm\"\n[slurm]\npartition = \"debug\"\n[resources.train]\n{SMALL}\
             [resources.evaluation]\n{SMALL}[resources.data]\n{SMALL}[retry]\n{retry}"
        ),
    );
}

/// `kdgat submit` of the teacher's chain as sweep `name`, through SLURM.
pub(crate) fn submit(dir: &Path, name: &str) -> Command {
    let mut command = submit_tiny(dir);
    command
        .args(["--variant", "teacher", "--name", name])
        .args(["--cluster-config", "cluster.toml"]);
    command
}

/// `kdgat db query SQL --json` in `dir`.
pub(crate) fn query(dir: &Path, sql: &str) -> Vec<Value> {
    let out = kdgat()
        .current_dir(dir)
        .args(["db", "query", sql, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{sql}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The batch job id of `name` once squeue shows it RUNNING.
fn running_job(name: &str) -> String {
    let mut id = String::new();
    eventually(Duration::from_secs(120), &format!("{name} running"), || {
        let out = Command::new("squeue")
            .args(["-h", "-t", "running", "-n", name, "-o", "%i"])
            .output()
            .unwrap();
        id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        !id.is_empty()
    });
    id
}

/// Starts `command` with its output captured.
pub(crate) fn spawn(mut command: Command) -> Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a `kdgat submit` of the teacher's chain; asserts that all five runs completed.
pub(crate) fn sweep_completed(child: Child) {
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("5 of 5 runs complete"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_transient_failure_is_retried_within_its_budget_and_a_fatal_one_is_not() {
    let Some(_turn) = slurm_turn("failure classes on SLURM") else {
        return;
    };
    for (fail, attempts, last_decision) in [
        (
            "transient",
            2,
            "trivial transient failure (transient): gave up after 1 retry",
        ),
        ("fatal", 1, "trivial fatal failure"),
    ] {
        let work = tempfile::tempdir().unwrap();
        let dir = work.path();
        let env = format!("TRIVIAL_FAIL={fail}");
        slurm_sweep(
            dir,
            &[&env, "TRIVIAL_SECONDS=0"],
            "max_transient_failures = 1\n",
        );
        let out = submit(dir, fail).output().unwrap();
        assert!(!out.status.success(), "{fail}: {}", stdout(&out));
        assert!(
            stdout(&out).contains("0 of 5 runs complete"),
            "{fail}: {}",
            stdout(&out)
        );
        let tried = query(
            dir,
            "SELECT attempt, state, decision FROM attempts WHERE run_id = 'tiny/graphs' \
             ORDER BY attempt",
        );
        assert_eq!(tried.len(), attempts, "{fail}: {tried:?}");
        let class = if fail == "transient" {
            "failed_transient"
        } else {
            "failed"
        };
        assert!(
            tried.iter().all(|a| a["state"] == class),
            "{fail}: {tried:?}"
        );
        assert_eq!(tried[attempts - 1]["decision"], last_decision, "{fail}");
        // The runs after it are failed, never submitted.
        let after = query(
            dir,
            "SELECT r.status, COUNT(a.attempt) AS attempts FROM runs r \
             LEFT JOIN attempts a ON a.run_id = r.run_id \
             WHERE r.run_id = 'tiny/teacher_autoencoder' GROUP BY r.run_id",
        );
        assert_eq!(
            (&after[0]["status"], &after[0]["attempts"]),
            (&Value::from("failed"), &Value::from(0)),
            "{fail}: {after:?}"
        );
        let logs = kdgat()
            .current_dir(dir)
            .args(["logs", "tiny/graphs", "--stderr"])
            .output()
            .unwrap();
        assert!(
            stdout(&logs).contains("trivial stage failed")
                && stderr(&logs).contains(&format!(
                    "attempt {attempts} ended {class}: {last_decision}"
                )),
            "{fail}: {}\n{}",
            stdout(&logs),
            stderr(&logs)
        );
    }
}

#[test]
fn a_job_slurm_requeues_goes_on_as_the_same_attempt() {
    let Some(_turn) = slurm_turn("a requeue on SLURM") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    slurm_sweep(dir, &["TRIVIAL_SECONDS=8"], "");
    let child = spawn(submit(dir, "rq"));
    let job = running_job("kdgat.rq.tiny.graphs.1");
    let events = dir.join("experimentruns/tiny/graphs/events.jsonl");
    eventually(Duration::from_secs(60), "the job's first start", || {
        std::fs::read_to_string(&events).is_ok_and(|e| e.contains("\"started\""))
    });
    // What a preemption in requeue mode does: the same job back in the queue; released at once
    // rather than after SLURM's two-minute hold.
    SlurmScheduler::new(SlurmConfig::default())
        .requeue(&SchedulerJobId(job.clone()))
        .unwrap();
    sweep_completed(child);
    let attempts = query(
        dir,
        "SELECT attempt, state, scheduler_job_id, decision FROM attempts \
         WHERE run_id = 'tiny/graphs'",
    );
    assert_eq!(attempts.len(), 1, "no new attempt: {attempts:?}");
    assert_eq!(
        (&attempts[0]["scheduler_job_id"], &attempts[0]["state"]),
        (&Value::from(job.as_str()), &Value::from("completed"))
    );
    assert_eq!(attempts[0]["decision"], Value::Null, "no retry was decided");
    let events = std::fs::read_to_string(&events).unwrap();
    assert_eq!(
        events.matches("\"started\"").count(),
        2,
        "it ran twice, as the same batch job: {events}"
    );
}

#[test]
fn a_job_cancelled_outside_kdgat_is_not_retried() {
    let Some(_turn) = slurm_turn("a cancel on SLURM") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    slurm_sweep(dir, &["TRIVIAL_SECONDS=60"], "");
    let child = spawn(submit(dir, "cx"));
    let job = running_job("kdgat.cx.tiny.graphs.1");
    let scancel = Command::new("scancel").arg(&job).status().unwrap();
    assert!(scancel.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        stdout(&out).contains("tiny/graphs: cancelled"),
        "{}",
        stdout(&out)
    );
    let attempts = query(
        dir,
        "SELECT state, decision FROM attempts WHERE run_id = 'tiny/graphs'",
    );
    assert_eq!(attempts.len(), 1, "no retry: {attempts:?}");
    assert_eq!(
        (&attempts[0]["state"], &attempts[0]["decision"]),
        (&Value::from("cancelled"), &Value::from("outside kdgat"))
    );
    let runs = query(dir, "SELECT run_id, status FROM runs ORDER BY run_id");
    assert!(
        runs.iter()
            .filter(|r| r["run_id"] != "tiny/graphs")
            .all(|r| r["status"] == "cancelled"),
        "the runs after it are cancelled with it: {runs:?}"
    );
}

#[test]
fn recover_rebuilds_attempts_from_slurm_and_ends_runs_mlflow_has_left_running() {
    let Some(_turn) = slurm_turn("kdgat recover against SLURM and MLflow") else {
        return;
    };
    let Some(uri) = crate::support::service("MLFLOW_TRACKING_URI", "kdgat recover") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    slurm_sweep(dir, &["TRIVIAL_SECONDS=0"], "");
    let experiment = crate::tracking::unique("kdgat-recover");
    let out = submit(dir, "rec")
        .env("MLFLOW_TRACKING_URI", &uri)
        .env("MLFLOW_EXPERIMENT_NAME", &experiment)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));

    // A crash lost the state store, and left an MLflow run RUNNING (set so through the server's
    // own API: a supervisor killed before it ended the run leaves exactly that).
    std::fs::remove_dir_all(dir.join(".kdgat")).unwrap();
    let http = reqwest::blocking::Client::new();
    let api = |path: &str| format!("{}/api/2.0/mlflow/{path}", uri.trim_end_matches('/'));
    let found: Value = http
        .get(api("experiments/get-by-name"))
        .query(&[("experiment_name", &experiment)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let experiment_id = found["experiment"]["experiment_id"]
        .as_str()
        .unwrap()
        .to_string();
    let search = |filter: &str| -> Vec<Value> {
        let reply: Value = http
            .post(api("runs/search"))
            .json(&serde_json::json!({"experiment_ids": [experiment_id], "filter": filter}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        reply["runs"].as_array().cloned().unwrap_or_default()
    };
    let curriculum = &search("attributes.run_name = 'tiny/teacher_curriculum'")[0];
    let run_id = curriculum["info"]["run_id"].as_str().unwrap();
    http.post(api("runs/update"))
        .json(&serde_json::json!({"run_id": run_id, "status": "RUNNING"}))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap();

    let recover = || {
        let out = kdgat()
            .current_dir(dir)
            .env("MLFLOW_TRACKING_URI", &uri)
            .env("MLFLOW_EXPERIMENT_NAME", &experiment)
            .args([
                "recover",
                "--runs-dir",
                "experimentruns",
                "--slurm",
                "--mlflow",
            ])
            .args(["--cluster-config", "cluster.toml"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
        stdout(&out)
    };
    let first = recover();
    assert!(
        first.contains("SLURM: 4 attempts with a batch job, 4 recorded (4 ended, 0 unknown")
            && first.contains("MLflow: 1 runs left RUNNING ended"),
        "{first}"
    );
    let attempts = query(
        dir,
        "SELECT run_id, state, node, elapsed_seconds, cpus, job_name FROM attempts",
    );
    // The four model runs' (a graph cache's directory is not a run directory).
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    assert!(
        attempts.iter().all(|a| a["state"] == "completed"
            && a["node"].is_string()
            && a["cpus"] == 1
            && a["elapsed_seconds"].is_number()
            && a["job_name"]
                .as_str()
                .is_some_and(|n| n.starts_with("kdgat.rec.tiny."))),
        "{attempts:?}"
    );
    let back = &search("attributes.run_name = 'tiny/teacher_curriculum'")[0];
    assert_eq!(back["info"]["status"], "FINISHED", "{back}");
    // Ended when the run finished, as its event log says, not when recover ran.
    let events =
        std::fs::read_to_string(dir.join("experimentruns/tiny/teacher_curriculum/events.jsonl"))
            .unwrap();
    let finished: Value = serde_json::from_str(
        events
            .lines()
            .rfind(|l| l.contains("\"finished\""))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(back["info"]["end_time"], finished["time_ms"], "{back}");

    // Idempotent: nothing more to record or end.
    let again = recover();
    assert!(
        again.contains("0 recorded") && again.contains("MLflow: 0 runs left RUNNING"),
        "{again}"
    );
}

#[test]
fn a_job_killed_by_its_time_limit_resumes_to_the_weights_of_an_uninterrupted_run() {
    let Some(_turn) = slurm_turn("a time limit on SLURM") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 6);
    // Real training, a minute per batch job, SIGUSR2 40 s before the end: the curriculum (long,
    // and never stopping early) is cut short and resumed again and again.
    let minute = "time_minutes = 1\nmem_mb = 1500\ncpus = 1\ngpus = 0\n";
    std::fs::write(
        dir.join("cluster.toml"),
        format!(
            "scheduler = \"slurm\"\n[slurm]\npartition = \"debug\"\nsignal_grace_seconds = 40\n\
             [resources.train]\n{minute}[resources.evaluation]\n{minute}[resources.data]\n{minute}\
             [retry]\nmax_timeouts = 20\n"
        ),
    )
    .unwrap();
    let out = submit_tiny(dir)
        .args([
            "--variant",
            "teacher",
            "--name",
            "tl",
            "--cluster-config",
            "cluster.toml",
        ])
        .args([
            "--set",
            "max_epochs=2",
            "--set",
            "batch_size=8",
            "--set",
            "device=cpu",
        ])
        .args([
            "--set",
            "curriculum.max_epochs=400",
            "--set",
            "curriculum.patience=1000",
        ])
        .args([
            "--set",
            "fusion_episodes=10",
            "--set",
            "episode_sample_size=32",
        ])
        .args(["--set", "dqn_batch_size=16"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let attempts = query(
        dir,
        "SELECT attempt, state, decision FROM attempts WHERE run_id = 'tiny/teacher_curriculum' \
         ORDER BY attempt",
    );
    assert!(attempts.len() >= 2, "never cut short: {attempts:?}");
    let (last, cut) = attempts.split_last().unwrap();
    assert_eq!(last["state"], "completed", "{attempts:?}");
    assert!(
        cut.iter().all(|a| a["state"] == "timed_out"
            && a["decision"]
                .as_str()
                .is_some_and(|d| d.ends_with("resumed from its checkpoint"))),
        "{attempts:?}"
    );

    // The same stage uninterrupted, from its first attempt's spec, into a directory of its own.
    let run_dir = dir.join("experimentruns/tiny/teacher_curriculum");
    let mut spec: Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("attempt-1/spec.json")).unwrap())
            .unwrap();
    let whole = dir.join("uninterrupted");
    spec["run_dir"] = Value::from(whole.display().to_string());
    let spec_path = dir.join("uninterrupted-spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let out = kdgat()
        .args(["job", "exec", "--spec"])
        .arg(&spec_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let weights = |dir: &Path| std::fs::read(dir.join("best_model.safetensors")).unwrap();
    assert!(
        weights(&run_dir) == weights(&whole),
        "the resumed run's best weights differ from the uninterrupted run's"
    );
}
