//! Issue 19: the local executor's registry and its waits. Registry files are replaced atomically
//! (never rewritten in place), a pid the kernel gave to another process is not taken for the job,
//! and the TERM→KILL grace period of a cancel holds no lock, so other calls go on meanwhile.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kdgat_cluster::local::{LocalConfig, LocalScheduler};
use kdgat_cluster::{BatchJobSpec, JobState, JobStatus, Scheduler, SchedulerJobId};

fn executor(root: &Path, grace: Duration) -> LocalScheduler {
    LocalScheduler::new(LocalConfig {
        root: root.join("registry"),
        max_running: 2,
        grace,
    })
    .unwrap()
}

fn submit(local: &LocalScheduler, dir: &Path, name: &str, script: &str) -> SchedulerJobId {
    let spec = BatchJobSpec::new(
        name,
        vec!["bash".into(), "-c".into(), script.into()],
        dir.to_path_buf(),
        dir.join(name),
    );
    local.submit(&spec).unwrap()
}

fn status(local: &LocalScheduler, id: &SchedulerJobId) -> JobStatus {
    local
        .poll(std::slice::from_ref(id))
        .unwrap()
        .remove(id)
        .unwrap()
}

fn pid_file(root: &Path, id: &SchedulerJobId) -> PathBuf {
    root.join("registry").join(&id.0).join("pid")
}

fn pid_in(path: &Path) -> u32 {
    let text = std::fs::read_to_string(path).unwrap();
    text.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn registry_files_are_replaced_not_rewritten_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let local = executor(dir.path(), Duration::from_millis(200));
    let id = submit(&local, dir.path(), "long", "sleep 30");
    let pid = pid_file(dir.path(), &id);
    let witness = pid.with_file_name("pid.witness");
    // A second name for the same file: an in-place rewrite shows through it, a rename does not.
    std::fs::hard_link(&pid, &witness).unwrap();
    let before = std::fs::read_to_string(&witness).unwrap();
    local.requeue(&id).unwrap();
    assert_ne!(
        std::fs::read_to_string(&pid).unwrap(),
        before,
        "a new process"
    );
    assert_eq!(
        std::fs::read_to_string(&witness).unwrap(),
        before,
        "the pid file was rewritten in place"
    );
    local.cancel(&id).unwrap();
}

#[test]
fn a_reused_pid_is_not_taken_for_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let local = executor(dir.path(), Duration::from_millis(200));
    let id = submit(&local, dir.path(), "killed", "sleep 30");
    let pid = pid_file(dir.path(), &id);
    // The job dies without an exit record (its wrapper killed too), while no supervisor watches.
    let group = pid_in(&pid);
    let killed = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{group}")])
        .status()
        .unwrap();
    assert!(killed.success());
    drop(local);
    // The kernel gives the job's pid to an unrelated process: the registry names a live pid. (Start
    // times count clock ticks, 10 ms: a pid is reused only after the pid space wraps, far later.)
    std::thread::sleep(Duration::from_millis(100));
    let mut unrelated = Command::new("sleep").arg("30").spawn().unwrap();
    let text = std::fs::read_to_string(&pid).unwrap();
    let reused = text.replacen(&group.to_string(), &unrelated.id().to_string(), 1);
    std::fs::write(&pid, reused).unwrap();

    let restarted = executor(dir.path(), Duration::from_millis(200));
    let seen = status(&restarted, &id);
    let _ = unrelated.kill();
    let _ = unrelated.wait();
    assert_eq!(seen.state, JobState::Lost, "{seen:?}");
}

#[test]
fn the_grace_period_of_a_cancel_holds_no_lock() {
    let dir = tempfile::tempdir().unwrap();
    let grace = Duration::from_secs(3);
    let local = executor(dir.path(), grace);
    // Ignores SIGTERM (an ignored signal stays ignored in `sleep`): only SIGKILL ends it.
    let stubborn = submit(&local, dir.path(), "stubborn", "trap '' TERM; sleep 60");
    let other = submit(&local, dir.path(), "other", "sleep 60");
    std::thread::sleep(Duration::from_millis(300));
    std::thread::scope(|scope| {
        let cancelling = scope.spawn(|| {
            let started = Instant::now();
            local.cancel(&stubborn).unwrap();
            started.elapsed()
        });
        std::thread::sleep(Duration::from_millis(300));
        let started = Instant::now();
        let seen = status(&local, &other);
        let waited = started.elapsed();
        assert_eq!(seen.state, JobState::Running);
        assert!(
            waited < Duration::from_secs(1),
            "a poll waited {waited:?} behind a cancel's grace period"
        );
        let cancel_took = cancelling.join().unwrap();
        assert!(
            cancel_took >= grace - Duration::from_millis(400),
            "{cancel_took:?}"
        );
    });
    assert!(matches!(
        status(&local, &stubborn).state,
        JobState::Cancelled { .. }
    ));
    local.cancel(&other).unwrap();
}
