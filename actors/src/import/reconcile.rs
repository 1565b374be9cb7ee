//! `kdgat recover`'s reconciliation with the world outside the run directories: SLURM's history
//! and the MLflow server. Each step is idempotent and reports what it changed.
//!
//! - [`batch_jobs`]: every attempt directory with a batch job id (`attempt-N/slurm_job_id`) becomes
//!   an attempt record with what the scheduler knows of the job — its state classified with the run
//!   directory as the supervisor would ([`classify`]), exit status, node, elapsed time and
//!   allocation — in one batched query for all of them. Attempts the store already has ended are
//!   kept as they are.
//! - [`close_tracked_runs`]: MLflow runs of kdgat (`kdgat.run_key`) left RUNNING whose run or sweep
//!   the store knows to be over are ended with their true final status and end time, through the
//!   outbox (delivered exactly once).

use std::path::{Path, PathBuf};

use kdgat_cluster::{JOB_ID_FILE, JobStatus, SUBMIT_SCRIPT, Scheduler, SchedulerJobId};
use kdgat_jobs::run_dir::Completion;
use kdgat_store::{AttemptRecord, RunStatus as StoreStatus, Store};
use kdgat_tracking::{MlflowClient, RUN_KEY_TAG, RunInfo, RunStatus, TrackingOp};

use super::ImportError;
use super::backfill::{run_dirs, run_id_of};
use crate::machine::classify;

/// The decision recorded on an attempt found ended by `kdgat recover`.
const RECOVERED: &str = "found ended by kdgat recover";

/// What [`batch_jobs`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchJobsReport {
    /// Attempt directories with a batch job id.
    pub found: usize,
    /// Attempt records written (new, or still open in the store).
    pub recorded: usize,
    /// Of which the scheduler reported ended.
    pub ended: usize,
    /// Batch jobs the scheduler no longer knows.
    pub unknown: usize,
}

/// One attempt directory with a batch job.
struct AttemptDir {
    run_id: String,
    run_dir: PathBuf,
    attempt: u32,
    dir: PathBuf,
    job: SchedulerJobId,
}

/// Records the attempts of the run directories under `runs_dir` that went through `scheduler`.
pub fn batch_jobs(
    store: &Store,
    runs_dir: &Path,
    scheduler: &dyn Scheduler,
) -> Result<BatchJobsReport, ImportError> {
    let mut found = Vec::new();
    for run_dir in run_dirs(runs_dir)? {
        let run_id = run_id_of(runs_dir, &run_dir);
        for (attempt, dir) in attempt_dirs(&run_dir) {
            let Ok(id) = std::fs::read_to_string(dir.join(JOB_ID_FILE)) else {
                continue;
            };
            found.push(AttemptDir {
                run_id: run_id.clone(),
                run_dir: run_dir.clone(),
                attempt,
                dir,
                job: SchedulerJobId(id.trim().to_string()),
            });
        }
    }
    let mut report = BatchJobsReport {
        found: found.len(),
        ..BatchJobsReport::default()
    };
    let ids: Vec<SchedulerJobId> = found.iter().map(|a| a.job.clone()).collect();
    let statuses = scheduler.poll(&ids).map_err(|e| {
        ImportError::Invalid(format!(
            "asking the scheduler about {} batch jobs: {e}",
            ids.len()
        ))
    })?;
    let known = store.attempts()?;
    for a in &found {
        let kept = known
            .iter()
            .find(|k| k.run_id == a.run_id && k.attempt == a.attempt)
            .filter(|k| k.ended_at.is_some());
        if kept.is_some() {
            continue;
        }
        let status = statuses.get(&a.job);
        report.unknown +=
            usize::from(status.is_none_or(|s| s.state == kdgat_cluster::JobState::Lost));
        let record = attempt_record(a, status);
        report.ended += usize::from(record.ended_at.is_some());
        store.put_attempt(&record)?;
        report.recorded += 1;
    }
    Ok(report)
}

/// The attempt record of `a` as the scheduler's `status` describes it.
fn attempt_record(a: &AttemptDir, status: Option<&JobStatus>) -> AttemptRecord {
    let ended = status.filter(|s| s.state.is_terminal());
    let state = match (status, ended) {
        (_, Some(s)) => classify(s, &Completion::of(&a.run_dir)).class().to_string(),
        (Some(s), None) if s.state == kdgat_cluster::JobState::Running => "running".into(),
        _ => "queued".into(),
    };
    let usage = status.and_then(|s| s.usage);
    AttemptRecord {
        run_id: a.run_id.clone(),
        attempt: a.attempt,
        job_name: job_name(&a.dir).unwrap_or_default(),
        attempt_dir: a.dir.display().to_string(),
        scheduler_job_id: Some(a.job.0.clone()),
        state,
        exit: ended.and_then(|s| s.exit).map(|e| e.to_string()),
        reason: status.and_then(|s| s.reason.clone()),
        node: status.and_then(|s| s.node.clone()),
        submitted_at: None,
        started_at: None,
        ended_at: ended.map(|_| kdgat_jobs::timestamp::utc_now_iso8601()),
        elapsed_seconds: usage.map(|u| u.elapsed.as_secs_f64()),
        gpus: usage.map_or(0, |u| u.gpus),
        cpus: usage.map_or(0, |u| u.cpus),
        decision: ended.map(|_| RECOVERED.to_string()),
    }
}

/// A run directory's `attempt-N/` directories, by number.
fn attempt_dirs(run_dir: &Path) -> Vec<(u32, PathBuf)> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir(run_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let n = name.to_str()?.strip_prefix("attempt-")?.parse().ok()?;
            Some((n, entry.path()))
        })
        .collect();
    dirs.sort();
    dirs
}

/// The job name in an attempt's sbatch script (`#SBATCH --job-name=…`).
fn job_name(attempt_dir: &Path) -> Option<String> {
    let script = std::fs::read_to_string(attempt_dir.join(SUBMIT_SCRIPT)).ok()?;
    script.lines().find_map(|line| {
        let value = line.strip_prefix("#SBATCH --job-name=")?;
        Some(value.trim_matches('\'').to_string())
    })
}

/// Queues the end of every MLflow run of kdgat in `experiment` left RUNNING whose run or sweep the
/// store knows to be over ([`close_tracked_runs`]); returns how many. The caller delivers them.
pub async fn close_left_running(
    client: &MlflowClient,
    store: &Store,
    experiment: &str,
) -> Result<usize, ImportError> {
    let id = client.experiment_id(experiment).await?;
    let running = client
        .search_runs(&[&id], "attributes.status = 'RUNNING'")
        .await?;
    let keyed: Vec<(RunInfo, String)> = running
        .into_iter()
        .filter_map(|run| {
            let key = run.tag(RUN_KEY_TAG)?.to_string();
            Some((run.info, key))
        })
        .collect();
    close_tracked_runs(store, &keyed)
}

/// The end operations for MLflow runs of kdgat left RUNNING (`running`: each run's info and its
/// `kdgat.run_key`) whose run or sweep the store knows to be over: their true final status and end
/// time. Queued in the store's outbox; returns how many.
pub fn close_tracked_runs(
    store: &Store,
    running: &[(RunInfo, String)],
) -> Result<usize, ImportError> {
    let mut closed = 0;
    for (info, key) in running {
        let Some((status, end_ms)) = final_state(store, key)? else {
            continue;
        };
        TrackingOp::EndRun {
            run_key: key.clone(),
            status,
            end_time_ms: end_ms.max(info.start_time.unwrap_or(0)),
        }
        .enqueue(store)?;
        closed += 1;
    }
    Ok(closed)
}

/// How the store says the run (or sweep) of MLflow run key `key` ended, and when; `None` while it
/// is not over or the store does not know it.
fn final_state(store: &Store, key: &str) -> Result<Option<(RunStatus, i64)>, ImportError> {
    let Some(rest) = key.strip_prefix("sweep/") else {
        return Ok(None);
    };
    let (status, ended_at) = match rest.split_once('/') {
        // `sweep/<sweep>/<dataset>/<run>`: a run of the sweep.
        Some((_, run_id)) => match store.run(run_id)? {
            Some(run) if run.status.is_final() => (
                match run.status {
                    StoreStatus::Complete => RunStatus::Finished,
                    StoreStatus::Cancelled => RunStatus::Killed,
                    _ => RunStatus::Failed,
                },
                run.completed_at,
            ),
            _ => return Ok(None),
        },
        // `sweep/<sweep>`: the sweep's parent run.
        None => match store.sweeps()?.into_iter().find(|s| s.sweep_id == rest) {
            Some(sweep) if sweep.state != "active" => (
                match sweep.state.as_str() {
                    "finished" => RunStatus::Finished,
                    "cancelled" => RunStatus::Killed,
                    _ => RunStatus::Failed,
                },
                sweep.ended_at,
            ),
            _ => return Ok(None),
        },
    };
    let end_ms = ended_at
        .as_deref()
        .and_then(kdgat_jobs::timestamp::parse_iso8601_ms)
        .unwrap_or_else(kdgat_jobs::run_dir::now_ms);
    Ok(Some((status, end_ms)))
}

#[cfg(test)]
#[path = "reconcile_tests.rs"]
mod tests;
