//! The daemon killed with SIGKILL again and again while it drives a sweep of all three variants
//! through the real SLURM cluster, tracking to an MLflow server of the test's own, and restarted
//! each time: at random moments, and right after an sbatch (a shim in front of the real sbatch kills
//! the daemon once the job exists, before the daemon has read its id). Every run ends complete
//! exactly once, with one attempt; no batch job name appears twice in sacct; every event of every
//! run's log is in the store once; every metric point is in MLflow exactly once (full histories).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::daemon::{TestDaemon, ok};
use crate::submit::{submit_tiny, trivial_jobs_with};
use crate::support::{kdgat, python, slurm_turn, stderr, tiny_dataset};
use crate::tracking::import::{assert_every_point_once, read_back_finished};
use crate::tracking::outage::PrivateServer;
use crate::tracking::unique;

/// Epochs each trivial stage writes.
const EPOCHS: usize = 8;
/// The kills the test makes at least, random and after an sbatch together.
const KILLS: usize = 10;

/// An `sbatch` that runs the real one, then kills its caller (the daemon) after every third job
/// it submitted.
fn killing_sbatch(dir: &Path) {
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v sbatch"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let shims = dir.join("shims");
    std::fs::create_dir_all(&shims).unwrap();
    let script = format!(
        "#!/bin/sh\nout=$({real} \"$@\"); rc=$?\nprintf '%s\\n' \"$out\"\n\
         n=$(( $(cat {count} 2>/dev/null || echo 0) + 1 )); echo $n > {count}\n\
         if [ $rc = 0 ] && [ $((n % 3)) = 0 ]; then kill -9 $PPID; fi\nexit $rc\n",
        real = real.trim(),
        count = dir.join("sbatch-count").display()
    );
    let path = shims.join("sbatch");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The pid of the daemon, if one runs.
fn daemon_pid(dir: &Path) -> Option<u64> {
    let out = kdgat()
        .current_dir(dir)
        .args(["daemon", "status", "--json"])
        .output()
        .ok()?;
    let info: Value = serde_json::from_slice(&out.stdout).ok()?;
    info["pid"].as_u64()
}

/// The sweep's state as `kdgat status --json` shows it.
fn sweep_state(dir: &Path, sweep: &str) -> Option<String> {
    let out = kdgat()
        .current_dir(dir)
        .args(["status", "--json"])
        .output()
        .ok()?;
    let sweeps: Value = serde_json::from_slice(&out.stdout).ok()?;
    sweeps
        .as_array()?
        .iter()
        .find(|s| s["sweep"] == sweep)
        .and_then(|s| s["state"].as_str().map(String::from))
}

#[test]
fn the_daemon_killed_again_and_again_loses_and_duplicates_nothing() {
    let Some(_turn) = slurm_turn("the daemon killed on SLURM") else {
        return;
    };
    let Some(python) = python("the daemon killed on SLURM") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let mut server = PrivateServer::new(Path::new(&python).with_file_name("mlflow"), dir);
    server.start();
    let uri = server.uri();
    let experiment = unique("kdgat-chaos");
    tiny_dataset(dir, 1);
    let small = "time_minutes = 5\nmem_mb = 200\ncpus = 1\ngpus = 0\n";
    trivial_jobs_with(
        dir,
        &[&format!("TRIVIAL_EPOCHS={EPOCHS}"), "TRIVIAL_SECONDS=4"],
        &format!(
            "scheduler = \"slurm\"\n[slurm]\npartition = \"debug\"\n[resources.train]\n{small}\
             [resources.evaluation]\n{small}[resources.data]\n{small}"
        ),
    );
    killing_sbatch(dir);
    let path = format!(
        "{}:{}",
        dir.join("shims").display(),
        std::env::var("PATH").unwrap()
    );
    let env = [
        ("PATH", path.as_str()),
        ("MLFLOW_TRACKING_URI", uri.as_str()),
        ("MLFLOW_EXPERIMENT_NAME", experiment.as_str()),
    ];
    let (daemon, _) = TestDaemon::start(dir, &env);
    // A sweep name of this test run's own: its batch job names are in sacct only from this run.
    let sweep = unique("chaos");
    ok(submit_tiny(dir).args(["--name", &sweep]));

    let (mut kills, mut restarts) = (0usize, 0usize);
    let mut next_kill = Instant::now() + Duration::from_millis(1500);
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut round = 0u64;
    loop {
        assert!(
            Instant::now() < deadline,
            "the sweep did not end in 10 minutes"
        );
        match daemon_pid(dir) {
            None => {
                // Killed by the sbatch shim (or by us): start it again. The first guard stops
                // whichever daemon runs when the test ends; this one must not stop it now.
                let (restarted, _) = TestDaemon::start(dir, &env);
                std::mem::forget(restarted);
                restarts += 1;
                continue;
            }
            Some(pid) if Instant::now() >= next_kill && kills < 3 * KILLS => {
                Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status()
                    .unwrap();
                kills += 1;
                round += 1;
                // Between 1 and 4 s, pseudo-random.
                next_kill = Instant::now() + Duration::from_millis(1000 + (round * 7919) % 3000);
                continue;
            }
            Some(_) => {}
        }
        if sweep_state(dir, &sweep).is_some_and(|s| s != "active") {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "chaos: {restarts} daemon restarts after {kills} random SIGKILLs and {} after an sbatch",
        restarts.saturating_sub(kills)
    );
    assert!(
        restarts >= KILLS,
        "{restarts} restarts ({kills} kills of ours, the rest by the sbatch shim)"
    );

    // Every run complete, once, with one attempt whose batch job SLURM knows once.
    let runs: Value =
        serde_json::from_str(&ok(&mut daemon.kdgat(&["status", &sweep, "--json"]))).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 13);
    assert!(
        runs.iter()
            .all(|r| r["state"] == "complete" && r["attempt"] == 1),
        "{runs:?}"
    );
    let query = |sql: &str| -> Vec<Value> {
        serde_json::from_str(&ok(&mut daemon.kdgat(&["db", "query", sql, "--json"]))).unwrap()
    };
    let names: Vec<String> = query("SELECT job_name FROM attempts")
        .iter()
        .map(|r| r["job_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 13, "{names:?}");
    let sacct = Command::new("sacct")
        .args(["-X", "-P", "-n", "-S", "now-1hours", "--format=JobName"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&sacct.stdout);
    for name in &names {
        assert_eq!(
            listed.lines().filter(|l| l.trim() == name).count(),
            1,
            "batch job {name} in sacct: {}",
            stderr(&sacct)
        );
    }
    // Every line of every run's event log read into the store once.
    let epochs =
        query("SELECT run_id, COUNT(*) AS n FROM events WHERE kind = 'job.epoch' GROUP BY run_id");
    assert_eq!(epochs.len(), 13, "{epochs:?}");
    assert!(epochs.iter().all(|r| r["n"] == EPOCHS as u64), "{epochs:?}");

    // MLflow: the sweep and its runs, every epoch's point exactly once.
    let back = read_back_finished(&python, &uri, &experiment, &sweep, Duration::from_secs(120));
    assert_eq!(
        back.len(),
        14,
        "the sweep and its 13 runs: {:?}",
        back.keys()
    );
    for run in runs {
        let name = run["run"].as_str().unwrap();
        assert_every_point_once(&back[name], name, "val_loss", 0..EPOCHS as i64);
        assert_eq!(back[name]["status"], "FINISHED", "{name}");
    }
    drop(daemon);
}
