//! One behaviour suite for both schedulers: the real SLURM cluster and the local executor. Submit,
//! poll to the end, exit codes, cancel, requeue, find by name after "forgetting" the ids; then what only
//! SLURM has (time limits, jobs that can never run, the poll-call budget at 200 jobs).

use std::path::Path;
use std::sync::MutexGuard;
use std::time::{Duration, Instant};

use kdgat_cluster::local::{LocalConfig, LocalScheduler};
use kdgat_cluster::slurm::{SlurmConfig, SlurmScheduler};
use kdgat_cluster::{BatchJobSpec, JobState, JobStatus, Scheduler, SchedulerJobId};

use crate::support::slurm_turn;

fn spec(dir: &Path, name: &str, script: &str) -> BatchJobSpec {
    BatchJobSpec::new(
        name,
        vec!["bash".into(), "-c".into(), script.into()],
        dir.to_path_buf(),
        dir.join(name),
    )
}

/// A job name unique to this test process, so reruns on one cluster never find each other's jobs.
fn unique(name: &str) -> String {
    format!("kdgat-test.{}.{name}", std::process::id())
}

fn wait_for(
    s: &dyn Scheduler,
    id: &SchedulerJobId,
    what: &str,
    limit: Duration,
    done: impl Fn(&JobStatus) -> bool,
) -> JobStatus {
    let deadline = Instant::now() + limit;
    loop {
        let status = s
            .poll(std::slice::from_ref(id))
            .unwrap()
            .remove(id)
            .unwrap();
        if done(&status) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "{id}: not {what} after {limit:?}: {status:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn wait_terminal(s: &dyn Scheduler, id: &SchedulerJobId) -> JobStatus {
    wait_for(s, id, "finished", Duration::from_secs(120), |st| {
        st.state.is_terminal()
    })
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

/// The behaviour both schedulers share.
fn behaviour_suite(s: &dyn Scheduler, dir: &Path) {
    let ok = s.submit(&spec(dir, &unique("ok"), "echo hello")).unwrap();
    let failing = s.submit(&spec(dir, &unique("exit3"), "exit 3")).unwrap();
    let long = s.submit(&spec(dir, &unique("long"), "sleep 300")).unwrap();

    let done = wait_terminal(s, &ok);
    assert_eq!(
        (done.state, done.exit.unwrap().to_string()),
        (JobState::Completed, "0:0".into())
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(unique("ok")).join("stdout")).unwrap(),
        "hello\n"
    );
    let failed = wait_terminal(s, &failing);
    assert_eq!(
        (failed.state, failed.exit.unwrap().to_string()),
        (JobState::Failed, "3:0".into())
    );

    wait_for(s, &long, "running", Duration::from_secs(60), |st| {
        st.state == JobState::Running
    });
    s.cancel(&long).unwrap();
    let cancelled = wait_terminal(s, &long);
    assert!(
        matches!(cancelled.state, JobState::Cancelled { .. }),
        "{cancelled:?}"
    );

    // Requeue: the job runs again from the start (its marker file gets a second line).
    let marker = dir.join("requeue-runs");
    let mut requeueable = spec(
        dir,
        &unique("requeue"),
        &format!("echo run >> {}; sleep 300", marker.display()),
    );
    requeueable.requeue = true;
    let again = s.submit(&requeueable).unwrap();
    wait_for(s, &again, "running once", Duration::from_secs(60), |_| {
        lines(&marker) == 1
    });
    s.requeue(&again).unwrap();
    wait_for(s, &again, "running twice", Duration::from_secs(90), |_| {
        lines(&marker) == 2
    });
    s.cancel(&again).unwrap();
    wait_terminal(s, &again);

    // After a "crash", the supervisor knows only the names it gave.
    let found = s.find_by_name(&unique("exit3")).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (&found[0].0, found[0].1.state),
        (&failing, JobState::Failed)
    );
    assert!(
        s.find_by_name(&unique("never-submitted"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn local_executor_behaviour() {
    let dir = tempfile::tempdir().unwrap();
    let config = LocalConfig {
        root: dir.path().join("registry"),
        max_running: 4,
        grace: Duration::from_secs(2),
    };
    let local = LocalScheduler::new(config.clone()).unwrap();
    behaviour_suite(&local, dir.path());

    // A restarted supervisor re-attaches: a fresh scheduler on the same registry sees the old jobs.
    let running = local
        .submit(&spec(dir.path(), "reattach", "sleep 2; exit 7"))
        .unwrap();
    drop(local);
    let restarted = LocalScheduler::new(config).unwrap();
    let status = wait_terminal(&restarted, &running);
    assert_eq!(
        (status.state, status.exit.unwrap().code),
        (JobState::Failed, 7)
    );
    let next = restarted
        .submit(&spec(dir.path(), "after-restart", "true"))
        .unwrap();
    assert_ne!(next, running, "ids continue after a restart");
}

/// A local executor with room for two jobs and a one-second grace.
fn two_slot_executor(dir: &Path) -> LocalScheduler {
    let config = LocalConfig {
        root: dir.join("r"),
        max_running: 2,
        grace: Duration::from_secs(1),
    };
    LocalScheduler::new(config).unwrap()
}

#[test]
fn local_executor_enforces_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let local = two_slot_executor(dir.path());
    let mut limited = spec(dir.path(), "limited", "sleep 600");
    limited.time_minutes = Some(1);
    let id = local.submit(&limited).unwrap();
    let status = wait_for(&local, &id, "timed out", Duration::from_secs(120), |st| {
        st.state.is_terminal()
    });
    assert_eq!(status.state, JobState::Timeout, "{status:?}");
}

#[test]
fn local_executor_limits_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    let local = two_slot_executor(dir.path());
    let ids: Vec<SchedulerJobId> = (0..5)
        .map(|i| {
            local
                .submit(&spec(dir.path(), &format!("j{i}"), "sleep 1"))
                .unwrap()
        })
        .collect();
    let states = local.poll(&ids).unwrap();
    let running = states
        .values()
        .filter(|s| s.state == JobState::Running)
        .count();
    let pending = states
        .values()
        .filter(|s| s.state == JobState::Pending)
        .count();
    assert_eq!((running, pending), (2, 3));
    for id in &ids {
        assert_eq!(wait_terminal(&local, id).state, JobState::Completed);
    }
}

fn slurm() -> Option<(SlurmScheduler, MutexGuard<'static, ()>)> {
    let turn = slurm_turn("SLURM scheduler")?;
    Some((SlurmScheduler::new(SlurmConfig::default()), turn))
}

#[test]
fn slurm_behaviour() {
    let Some((s, _turn)) = slurm() else { return };
    let dir = tempfile::tempdir().unwrap();
    behaviour_suite(&s, dir.path());
}

#[test]
fn slurm_without_accounting_reads_exit_codes_from_scontrol() {
    let Some((_, _turn)) = slurm() else { return };
    let s = SlurmScheduler::new(SlurmConfig {
        accounting: false,
        ..SlurmConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let failing = s
        .submit(&spec(dir.path(), &unique("no-acct-exit4"), "exit 4"))
        .unwrap();
    let status = wait_terminal(&s, &failing);
    assert_eq!(
        (status.state, status.exit.unwrap().to_string()),
        (JobState::Failed, "4:0".into())
    );
    assert_eq!(s.find_by_name(&unique("no-acct-exit4")).unwrap().len(), 1);
}

#[test]
fn slurm_time_limit_and_never_runnable_jobs() {
    let Some((s, _turn)) = slurm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut never = spec(dir.path(), &unique("too-many-cpus"), "true");
    never.cpus = Some(4096);
    let never = s.submit(&never).unwrap();
    let stuck = wait_for(
        &s,
        &never,
        "detected as never runnable",
        Duration::from_secs(30),
        |st| st.never_runnable().is_some(),
    );
    assert_eq!(stuck.never_runnable(), Some("PartitionConfig"));
    s.cancel(&never).unwrap();

    let mut limited = spec(dir.path(), &unique("time-limit"), "sleep 600");
    limited.time_minutes = Some(1);
    let limited = s.submit(&limited).unwrap();
    let status = wait_for(&s, &limited, "timed out", Duration::from_secs(240), |st| {
        st.state.is_terminal()
    });
    assert_eq!(status.state, JobState::Timeout, "{status:?}");
}

/// Wrappers first on the program path that log each call, then run the real program.
fn counting_wrappers(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for program in ["sbatch", "squeue", "sacct", "scancel", "scontrol"] {
        let real = String::from_utf8(
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {program}")])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let wrapper = bin.join(program);
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\necho {program} >> {}\nexec {} \"$@\"\n",
                dir.join("calls.log").display(),
                real.trim()
            ),
        )
        .unwrap();
        std::process::Command::new("chmod")
            .args(["+x", wrapper.to_str().unwrap()])
            .status()
            .unwrap();
    }
    bin
}

#[test]
fn slurm_follows_200_jobs_with_one_squeue_and_at_most_one_sacct_per_poll() {
    let Some((_, _turn)) = slurm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let bin = counting_wrappers(dir.path());
    let s = SlurmScheduler::new(SlurmConfig {
        program_dir: Some(bin),
        ..SlurmConfig::default()
    });
    let ids: Vec<SchedulerJobId> = (0..200)
        .map(|i| {
            s.submit(&spec(dir.path(), &unique(&format!("many-{i}")), "true"))
                .unwrap()
        })
        .collect();
    let log = dir.path().join("calls.log");
    let count = |program: &str| {
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .filter(|l| *l == program)
            .count()
    };
    assert_eq!(count("sbatch"), 200);
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut cycles = 0;
    loop {
        let (squeue_before, sacct_before) = (count("squeue"), count("sacct"));
        let statuses = s.poll(&ids).unwrap();
        cycles += 1;
        assert_eq!(
            count("squeue") - squeue_before,
            1,
            "one squeue per poll cycle"
        );
        assert!(
            count("sacct") - sacct_before <= 1,
            "at most one sacct per poll cycle"
        );
        if statuses.values().all(|st| st.state == JobState::Completed) {
            break;
        }
        assert!(
            statuses
                .values()
                .all(|st| !st.state.is_terminal() || st.state == JobState::Completed),
            "{statuses:?}"
        );
        assert!(
            Instant::now() < deadline,
            "200 jobs not completed in 10 minutes"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    println!("200 jobs followed to the end in {cycles} poll cycles");
}
