//! Outages of the services a sweep needs, each a test of its own, during a sweep of the teacher's
//! chain on the real SLURM cluster (the trivial stage in place of training, through `kdgat
//! submit`): slurmctld stopped for 60 s, slurmdbd stopped for 60 s — no run fails for it, and no
//! run is submitted twice — and an MLflow server of the test's own stopped for 60 s while the
//! daemon drives the sweep: everything arrives exactly once afterwards. The SLURM daemons are
//! stopped by their pid files and brought back with `scripts/slurm-up.sh`, as an administrator
//! would restart them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use serde_json::Value;

use crate::daemon::{TestDaemon, eventually, ok};
use crate::recovery::{query, slurm_sweep, spawn, submit, sweep_completed};
use crate::support::{python, slurm_turn, stderr, stdout};
use crate::tracking::import::{assert_every_point_once, read_back_finished};
use crate::tracking::outage::PrivateServer;
use crate::tracking::unique;

/// How long each service stays down.
const OUTAGE: Duration = Duration::from_secs(60);

/// The local cluster's directory (scripts/slurm-up.sh's `KDGAT_SLURM_DIR`): its etc/ holds the
/// SLURM_CONF the tests are given.
fn cluster_dir() -> PathBuf {
    let conf = PathBuf::from(std::env::var("SLURM_CONF").unwrap());
    conf.parent().unwrap().parent().unwrap().to_path_buf()
}

/// Stops a SLURM daemon by its pid file and waits until it is gone.
fn stop(daemon: &str) {
    let pid_file = cluster_dir().join(format!("run/{daemon}.pid"));
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let pid = pid.trim();
    assert!(
        Command::new("kill").arg(pid).status().unwrap().success(),
        "{daemon} {pid}"
    );
    eventually(
        Duration::from_secs(30),
        &format!("{daemon} stopped"),
        || !Path::new(&format!("/proc/{pid}")).exists(),
    );
}

/// Starts what is not running again, as scripts/slurm-up.sh does.
fn restart_cluster() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-up.sh");
    let out = Command::new("bash")
        .arg(script)
        .env("KDGAT_SLURM_DIR", cluster_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
}

/// Waits for the sweep's process; asserts that every run completed, with one attempt each.
fn every_run_completed_once(dir: &Path, child: Child) {
    sweep_completed(child);
    let attempts = query(dir, "SELECT run_id, attempt, state FROM attempts");
    assert_eq!(attempts.len(), 5, "one attempt each: {attempts:?}");
    assert!(
        attempts.iter().all(|a| a["state"] == "completed"),
        "{attempts:?}"
    );
}

/// Waits until a batch job of the sweep runs.
fn a_job_runs(sweep: &str) {
    eventually(Duration::from_secs(120), "a batch job running", || {
        let out = Command::new("squeue")
            .args(["-h", "-t", "running", "-o", "%j"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains(&format!("kdgat.{sweep}."))
    });
}

/// Stops the SLURM daemon `daemon` for [`OUTAGE`] while sweep `name` of trivial stages of
/// `seconds` each runs; every run completes, once.
fn a_sweep_through_an_outage_of(daemon: &str, name: &str, seconds: &str) {
    let work = tempfile::tempdir().unwrap();
    slurm_sweep(work.path(), &[&format!("TRIVIAL_SECONDS={seconds}")], "");
    let child = spawn(submit(work.path(), name));
    a_job_runs(name);
    stop(daemon);
    std::thread::sleep(OUTAGE);
    restart_cluster();
    every_run_completed_once(work.path(), child);
}

#[test]
fn a_controller_outage_fails_no_run() {
    let Some(_turn) = slurm_turn("a slurmctld outage") else {
        return;
    };
    // The job that runs outlives the outage: it ends while the controller is away.
    a_sweep_through_an_outage_of("slurmctld", "ctld", "20");
}

#[test]
fn an_accounting_outage_fails_no_run() {
    let Some(_turn) = slurm_turn("a slurmdbd outage") else {
        return;
    };
    a_sweep_through_an_outage_of("slurmdbd", "dbd", "5");
}

#[test]
fn an_mlflow_outage_loses_and_duplicates_nothing() {
    let Some(_turn) = slurm_turn("an MLflow outage") else {
        return;
    };
    let Some(python) = python("an MLflow outage") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let server_dir = dir.join("mlflow");
    std::fs::create_dir_all(&server_dir).unwrap();
    let mut server = PrivateServer::new(Path::new(&python).with_file_name("mlflow"), &server_dir);
    server.start();
    let (uri, experiment) = (server.uri(), unique("kdgat-outage"));
    let epochs = 6;
    // The daemon: it outlives the outage and delivers what waited (a `kdgat submit` in its own
    // process leaves that to `kdgat mlflow sync`).
    slurm_sweep(
        dir,
        &[&format!("TRIVIAL_EPOCHS={epochs}"), "TRIVIAL_SECONDS=12"],
        "",
    );
    let env = [
        ("MLFLOW_TRACKING_URI", uri.as_str()),
        ("MLFLOW_EXPERIMENT_NAME", experiment.as_str()),
    ];
    let (daemon, _) = TestDaemon::start(dir, &env);
    let out = submit(dir, "down").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    a_job_runs("down");
    server.stop();
    std::thread::sleep(OUTAGE);
    server.start();
    let back = read_back_finished(&python, &uri, &experiment, "down", Duration::from_secs(300));
    let status = ok(&mut daemon.kdgat(&["status", "down", "--json"]));
    let runs: Vec<Value> = serde_json::from_str(&status).unwrap();
    assert!(runs.iter().all(|r| r["state"] == "complete"), "{runs:?}");
    assert_eq!(back.len(), 6, "the sweep and its 5 runs: {:?}", back.keys());
    for (name, run) in back.iter().filter(|(name, _)| name.starts_with("tiny/")) {
        assert_every_point_once(run, name, "val_loss", 0..epochs);
        assert_eq!(run["status"], "FINISHED", "{name}");
    }
}
