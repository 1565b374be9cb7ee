//! `kdgat daemon` with the local executor (a trivial stage in place of training): one daemon per
//! state directory with a private socket; `submit` hands it a sweep and returns, `--wait` follows
//! one to its end; `status`, `logs` and `cancel` go through it while it holds the store; `stop`
//! leaves the store to the next command. The same daemon on SLURM: `daemon_slurm.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::submit::{submit_tiny, trivial_jobs};
use crate::support::{kdgat, stderr, stdout, tiny_dataset};

/// A daemon started for a test's state directory, stopped when the test ends (passed or not).
pub struct TestDaemon {
    dir: PathBuf,
}

impl TestDaemon {
    /// `kdgat daemon start --cluster-config cluster.toml` in `dir`, with `env` added (and no
    /// MLflow unless `env` names it).
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> (TestDaemon, String) {
        let out = kdgat()
            .current_dir(dir)
            .env_remove("MLFLOW_TRACKING_URI")
            .envs(env.iter().copied())
            .args(["daemon", "start", "--cluster-config", "cluster.toml"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        (
            TestDaemon {
                dir: dir.to_path_buf(),
            },
            stdout(&out),
        )
    }

    /// `kdgat ARGS` in the daemon's directory.
    pub fn kdgat(&self, args: &[&str]) -> Command {
        let mut command = kdgat();
        command.current_dir(&self.dir).args(args);
        command
    }

    /// What `kdgat daemon status --json` says.
    pub fn info(&self) -> Value {
        let out = self
            .kdgat(&["daemon", "status", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        let _ = self.kdgat(&["daemon", "stop"]).output();
    }
}

/// Runs `command` and returns its stdout, failing the test with both streams if it failed.
pub fn ok(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    stdout(&out)
}

/// Waits up to `limit` for `check` to hold.
pub fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_daemon_takes_sweeps_answers_status_logs_and_cancel_and_stops_cleanly() {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 1);
    trivial_jobs(dir, "");
    let (daemon, started) = TestDaemon::start(dir, &[]);
    assert!(
        started.contains("local scheduler, tracking off") && started.contains("daemon.log"),
        "{started}"
    );

    // One daemon per state directory, reachable by its owner only.
    let socket = dir.join(".kdgat/daemon.sock");
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "socket mode {mode:o}");
    let pid = daemon.info()["pid"].as_u64().unwrap();
    for args in [
        &["daemon", "start"][..],
        &["daemon", "start", "--foreground"],
    ] {
        let out = daemon.kdgat(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}: a second daemon started");
        assert!(
            stderr(&out).contains("a daemon already runs for state directory")
                && stderr(&out).contains(&format!("(pid {pid})")),
            "{args:?}: {}",
            stderr(&out)
        );
    }

    // `submit` hands the sweep over and returns at once.
    let handed = ok(submit_tiny(dir).args(["--name", "first"]));
    assert!(
        handed.contains("sweep first accepted: 13 runs")
            && handed.contains(&format!("the daemon (pid {pid}, local scheduler)")),
        "{handed}"
    );
    assert_eq!(daemon.info()["active_sweeps"][0], "first");
    eventually(Duration::from_secs(120), "sweep first finished", || {
        let status = ok(&mut daemon.kdgat(&["status", "--json"]));
        status.contains("\"state\": \"finished\"") || status.contains("\"state\":\"finished\"")
    });
    // While the daemon holds the store, status reads what it exports on request.
    let runs: Value =
        serde_json::from_str(&ok(&mut daemon.kdgat(&["status", "first", "--json"]))).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 13);
    assert!(runs.iter().all(|r| r["state"] == "complete"), "{runs:?}");
    let log = ok(&mut daemon.kdgat(&["logs", "tiny/teacher_fusion"]));
    assert!(
        log.contains("trivial stage done:") && log.contains("teacher_fusion"),
        "{log}"
    );

    // `--wait` follows a sweep to its end.
    let waited = ok(submit_tiny(dir).args(["--name", "second", "--force", "--wait"]));
    assert!(
        waited.contains("sweep second finished: 13 of 13 runs complete, 0 failed"),
        "{waited}"
    );

    // A run cancelled with the runs after it; then the rest of the sweep.
    ok(submit_tiny(dir).args(["--name", "third", "--force"]));
    let cancelled = ok(&mut daemon.kdgat(&["cancel", "tiny/teacher_curriculum"]));
    assert!(
        cancelled.contains("run tiny/teacher_curriculum of sweep third cancelled"),
        "{cancelled}"
    );
    let cancelled = ok(&mut daemon.kdgat(&["cancel", "third"]));
    assert!(
        cancelled.starts_with("sweep third cancelled:"),
        "{cancelled}"
    );
    let third: Value =
        serde_json::from_str(&ok(&mut daemon.kdgat(&["status", "third", "--json"]))).unwrap();
    let state = |run: &str| {
        third
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["run"] == run)
            .map(|r| r["state"].as_str().unwrap().to_string())
            .unwrap()
    };
    for after in [
        "tiny/teacher_curriculum",
        "tiny/teacher_fusion",
        "tiny/student_curriculum_kd",
    ] {
        assert_eq!(state(after), "cancelled", "{after}: {third}");
    }
    let unknown = daemon
        .kdgat(&["cancel", "nothing-like-it"])
        .output()
        .unwrap();
    assert!(
        !unknown.status.success()
            && stderr(&unknown).contains("no active sweep or run `nothing-like-it`"),
        "{}",
        stderr(&unknown)
    );

    // `stop` gives the store back: the next command opens it itself.
    let stopped = ok(&mut daemon.kdgat(&["daemon", "stop"]));
    assert_eq!(stopped.trim(), format!("daemon {pid} stopped"));
    assert!(!socket.exists(), "the socket is removed");
    let sweeps = ok(&mut daemon.kdgat(&["status"]));
    assert!(
        sweeps.contains("first") && sweeps.contains("cancelled"),
        "{sweeps}"
    );
    let log = std::fs::read_to_string(dir.join(".kdgat/daemon.log")).unwrap();
    assert!(
        log.contains("sweep first finished") && log.contains("stopped"),
        "{log}"
    );
}
