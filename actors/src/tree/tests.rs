//! The actor tree end to end against a fake scheduler and a temporary store: the happy path, a
//! failure blocking only what depends on it, and each supervision path (a Run actor that panics,
//! one that returns an error, one that keeps failing, one that stops cleanly).
//!
//! The fake scheduler stands in for the faults no real scheduler produces on demand: it "runs" a
//! job by writing its events (`started`, an epoch, `finished` or `failed`) into the run directory,
//! and can hand a run's actor a status whose reason asks it to fail ([`inject`], compiled in tests
//! only).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use kdgat_cluster::{
    BatchJobSpec, ClusterError, ExitStatus, JobState, JobStatus, Scheduler, SchedulerJobId,
};
use kdgat_jobs::config::Variant;
use kdgat_jobs::run_dir::{EventLog, JobSpec};
use kdgat_store::{RunStatus, Store};
use serde_json::json;

use super::{Progress, Session, SessionConfig, SweepSubmission};
use crate::machine::{Limits, Outcome};
use crate::plan::planner::tests::request_in;
use crate::plan::{Observed, decide, plan};
use crate::settings::Settings;

/// A status reason that makes the run's actor panic.
const PANIC: &str = "kdgat-test: panic";
/// A status reason that makes the run's actor return an error.
const ERROR: &str = "kdgat-test: error";

/// Test-only fault injection into a Run actor (see the module docs).
pub(super) fn inject(status: &JobStatus) -> Result<(), ractor::ActorProcessingErr> {
    match status.reason.as_deref() {
        Some(PANIC) => panic!("injected panic"),
        Some(ERROR) => Err("injected error".into()),
        _ => Ok(()),
    }
}

#[derive(Default)]
struct FakeScheduler {
    jobs: Mutex<BTreeMap<String, (PathBuf, u32)>>,
    /// Runs (by run directory name) whose job fails.
    failing: Vec<String>,
    /// Runs whose first status reports carry these reasons, one per poll.
    faults: Mutex<BTreeMap<String, Vec<&'static str>>>,
}

impl Scheduler for FakeScheduler {
    fn submit(&self, spec: &BatchJobSpec) -> Result<SchedulerJobId, ClusterError> {
        let spec_path = PathBuf::from(spec.command.last().cloned().unwrap_or_default());
        let run_dir = JobSpec::load(&spec_path).map_err(|e| ClusterError::Io {
            path: spec_path.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let mut jobs = self.jobs.lock().unwrap();
        let id = format!("fake-{}", jobs.len() + 1);
        jobs.insert(id.clone(), (run_dir.run_dir, 0));
        Ok(SchedulerJobId(id))
    }

    fn poll(
        &self,
        ids: &[SchedulerJobId],
    ) -> Result<BTreeMap<SchedulerJobId, JobStatus>, ClusterError> {
        let mut jobs = self.jobs.lock().unwrap();
        let mut out = BTreeMap::new();
        for id in ids {
            let Some((run_dir, polls)) = jobs.get_mut(&id.0) else {
                continue;
            };
            *polls += 1;
            let name = run_dir.file_name().unwrap().to_string_lossy().to_string();
            let fault = self
                .faults
                .lock()
                .unwrap()
                .get_mut(&name)
                .and_then(|f| (!f.is_empty()).then(|| f.remove(0)));
            let failed = self.failing.contains(&name);
            let mut status = if *polls == 1 || fault.is_some() {
                JobStatus::new(JobState::Running)
            } else {
                if *polls == 2 {
                    // The job's whole life, written once as a real job would.
                    let log = EventLog::new(run_dir);
                    std::fs::create_dir_all(run_dir).unwrap();
                    log.append("started", json!({})).unwrap();
                    log.epoch(0, &[("val_loss", 0.5)]).unwrap();
                    let end = if failed { "failed" } else { "finished" };
                    log.append(end, json!({ "error": "no graphs" })).unwrap();
                }
                let mut s = JobStatus::new(if failed {
                    JobState::Failed
                } else {
                    JobState::Completed
                });
                s.exit = Some(ExitStatus {
                    code: u8::from(failed),
                    signal: 0,
                });
                s
            };
            status.reason = fault.map(String::from);
            out.insert(id.clone(), status);
        }
        Ok(out)
    }

    fn cancel(&self, _id: &SchedulerJobId) -> Result<(), ClusterError> {
        Ok(())
    }

    fn requeue(&self, _id: &SchedulerJobId) -> Result<(), ClusterError> {
        Ok(())
    }

    fn find_by_name(&self, _name: &str) -> Result<Vec<(SchedulerJobId, JobStatus)>, ClusterError> {
        Ok(Vec::new())
    }
}

struct Sweep {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    outcomes: Vec<(String, Outcome)>,
}

fn run_sweep(variants: &[Variant], fake: FakeScheduler) -> Sweep {
    let dir = tempfile::tempdir().unwrap();
    let request = request_in(dir.path(), "d", variants);
    let plan = plan(&request, &["d"]).unwrap();
    let observed: BTreeMap<String, Observed> = BTreeMap::new();
    let decisions = decide(&plan, &observed, false);
    let store = Arc::new(Store::open(&dir.path().join("store")).unwrap());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let outcomes = runtime.block_on(async {
        let config = SessionConfig {
            store: store.clone(),
            settings: Settings::default(),
            exe: PathBuf::from("/bin/true"),
            export_path: dir.path().join("project.db"),
            tracking: None,
            scheduler: Arc::new(fake),
            limits: Limits::default(),
        };
        let mut session = Session::start(config).await.unwrap();
        let submission = SweepSubmission {
            plan,
            decisions,
            description: "test".into(),
        };
        session.submit(submission).await.unwrap();
        let follow = session.follow("s", std::future::pending(), |_: &Progress| {});
        let outcomes = tokio::time::timeout(std::time::Duration::from_secs(60), follow)
            .await
            .expect("the sweep did not end within a minute")
            .unwrap();
        session.shutdown().await;
        outcomes
    });
    Sweep {
        _dir: dir,
        store,
        outcomes,
    }
}

fn status(sweep: &Sweep, run: &str) -> RunStatus {
    sweep.store.run(run).unwrap().unwrap().status
}

fn failures(sweep: &Sweep, run: &str) -> usize {
    let events = sweep.store.events(Some(run)).unwrap();
    events.iter().filter(|e| e.kind == "actor_failed").count()
}

#[test]
fn a_sweep_runs_to_the_end_and_records_every_run() {
    let sweep = run_sweep(&Variant::ALL, FakeScheduler::default());
    assert_eq!(sweep.outcomes.len(), 13);
    assert!(
        sweep.outcomes.iter().all(|(_, o)| *o == Outcome::Complete),
        "{:?}",
        sweep.outcomes
    );
    for run in sweep.store.runs().unwrap() {
        assert_eq!(run.status, RunStatus::Complete, "{}", run.run_id);
        assert!(
            run.started_at.is_some() && run.completed_at.is_some(),
            "{}",
            run.run_id
        );
    }
    let attempts = sweep.store.attempts().unwrap();
    assert_eq!(attempts.len(), 13);
    assert!(
        attempts
            .iter()
            .all(|a| a.state == "completed" && a.scheduler_job_id.is_some())
    );
    let follow = sweep.store.follow("d/teacher_curriculum").unwrap();
    assert_eq!((follow.lines, follow.last_step), (3, Some(0)));
    assert_eq!(sweep.store.sweep("s").unwrap().unwrap().state, "finished");
}

#[test]
fn a_failure_blocks_what_depends_on_it_and_only_that() {
    let fake = FakeScheduler {
        failing: vec!["teacher_curriculum".into()],
        ..FakeScheduler::default()
    };
    let sweep = run_sweep(&[Variant::Teacher, Variant::Student], fake);
    assert_eq!(
        sweep
            .outcomes
            .iter()
            .find(|(r, _)| r == "d/teacher_curriculum")
            .unwrap()
            .1,
        Outcome::Failed("no graphs".into())
    );
    assert_eq!(status(&sweep, "d/teacher_fusion"), RunStatus::Failed);
    assert_eq!(status(&sweep, "d/teacher_evaluation"), RunStatus::Failed);
    assert_eq!(status(&sweep, "d/teacher_autoencoder"), RunStatus::Complete);
    assert_eq!(status(&sweep, "d/student_evaluation"), RunStatus::Complete);
    assert_eq!(sweep.store.sweep("s").unwrap().unwrap().state, "failed");
    assert!(
        sweep
            .store
            .attempts_of("d/teacher_fusion")
            .unwrap()
            .is_empty(),
        "never submitted"
    );
}

#[test]
fn a_run_actor_that_panics_or_errs_is_restarted_and_its_run_carries_on() {
    let fake = FakeScheduler::default();
    {
        let mut faults = fake.faults.lock().unwrap();
        faults.insert("teacher_autoencoder".into(), vec![PANIC]);
        faults.insert("teacher_curriculum".into(), vec![ERROR]);
    }
    let sweep = run_sweep(&[Variant::Teacher], fake);
    assert!(
        sweep.outcomes.iter().all(|(_, o)| *o == Outcome::Complete),
        "{:?}",
        sweep.outcomes
    );
    for run in ["d/teacher_autoencoder", "d/teacher_curriculum"] {
        assert_eq!(failures(&sweep, run), 1, "{run}");
        let attempts = sweep.store.attempts_of(run).unwrap();
        assert_eq!(
            attempts.len(),
            1,
            "{run}: the restarted actor watched the same batch job"
        );
    }
    assert_eq!(
        failures(&sweep, "d/teacher_fusion"),
        0,
        "a clean stop is no failure"
    );
}

#[test]
fn a_run_actor_that_keeps_failing_fails_its_run_and_the_sweep_still_ends() {
    let fake = FakeScheduler::default();
    fake.faults
        .lock()
        .unwrap()
        .insert("teacher_fusion".into(), vec![ERROR; 8]);
    let sweep = run_sweep(&[Variant::Teacher], fake);
    assert_eq!(
        failures(&sweep, "d/teacher_fusion"),
        4,
        "three restarts, then it gave up"
    );
    assert_eq!(status(&sweep, "d/teacher_fusion"), RunStatus::Failed);
    assert_eq!(status(&sweep, "d/teacher_evaluation"), RunStatus::Failed);
    assert_eq!(sweep.store.sweep("s").unwrap().unwrap().state, "failed");
}
