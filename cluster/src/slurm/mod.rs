//! `SlurmScheduler`: the [`Scheduler`] over SLURM's command-line tools, each call split into
//! render → run → parse. Polling costs one `squeue` and at most one `sacct` per cycle, whatever the
//! number of jobs: squeue gives live states; sacct gives exit codes for the jobs that squeue shows
//! finished or no longer lists. Without accounting, `scontrol show job` stands in for sacct (one call
//! per finished job, and jobs purged from the controller cannot be seen: reduced guarantees).

mod parse;
mod script;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

pub use parse::{
    ListedJob, ParseError, SACCT_FORMAT, SQUEUE_FORMAT, parse_sacct, parse_sbatch_parsable,
    parse_scontrol_jobs, parse_squeue,
};
pub use script::render_sbatch_script;

use crate::command::{CommandRunner, CommandSpec, SystemRunner};
use crate::error::ClusterError;
use crate::scheduler::{Scheduler, SchedulerJobId};
use crate::spec::{BatchJobSpec, JOB_ID_FILE, SUBMIT_SCRIPT};
use crate::status::{JobState, JobStatus};

/// How many times (200 ms apart) `requeue` checks that the job is pending again before releasing it.
const REQUEUE_SETTLE_CHECKS: usize = 100;

/// How to reach SLURM.
#[derive(Debug, Clone)]
pub struct SlurmConfig {
    /// Directory of sbatch, squeue, sacct, scancel and scontrol; `None`: found on PATH.
    pub program_dir: Option<PathBuf>,
    /// Whether sacct works (accounting through slurmdbd).
    pub accounting: bool,
    /// Polls a finished job may be missing from sacct before squeue's view is taken as final, and a
    /// vanished job before it is reported lost (sacct lags the controller by a few seconds).
    pub lag_polls: u32,
    /// Kill a SLURM client that hangs longer than this.
    pub call_timeout: Duration,
}

impl Default for SlurmConfig {
    fn default() -> Self {
        SlurmConfig {
            program_dir: None,
            accounting: true,
            lag_polls: 10,
            call_timeout: Duration::from_secs(60),
        }
    }
}

/// The SLURM scheduler.
pub struct SlurmScheduler {
    config: SlurmConfig,
    runner: Box<dyn CommandRunner>,
    /// Consecutive polls in which a job's final record was not available yet.
    lag: Mutex<HashMap<SchedulerJobId, u32>>,
}

impl SlurmScheduler {
    /// A scheduler running the real programs.
    pub fn new(config: SlurmConfig) -> Self {
        SlurmScheduler::with_runner(config, Box::new(SystemRunner))
    }

    /// A scheduler running programs through `runner`.
    pub fn with_runner(config: SlurmConfig, runner: Box<dyn CommandRunner>) -> Self {
        if !config.accounting {
            tracing::warn!(
                "SLURM accounting is off: exit codes come from scontrol, and jobs the controller has purged are reported lost"
            );
        }
        SlurmScheduler {
            config,
            runner,
            lag: Mutex::new(HashMap::new()),
        }
    }

    fn call(&self, program: &str, args: Vec<String>) -> Result<String, ClusterError> {
        let path = match &self.config.program_dir {
            Some(dir) => dir.join(program).display().to_string(),
            None => program.to_string(),
        };
        let mut spec = CommandSpec::new(&path, args);
        spec.timeout = Some(self.config.call_timeout);
        Ok(self.runner.run(&spec)?)
    }

    fn squeue(&self, extra: &[String]) -> Result<Vec<ListedJob>, ClusterError> {
        let mut args: Vec<String> = ["-h", "-t", "all", "--me", "-o", SQUEUE_FORMAT]
            .map(String::from)
            .to_vec();
        args.extend_from_slice(extra);
        Ok(parse_squeue(&self.call("squeue", args)?)?)
    }

    /// Final records of finished jobs: one sacct call, or one scontrol call per job without accounting.
    fn final_records(
        &self,
        ids: &[&SchedulerJobId],
    ) -> Result<HashMap<String, JobStatus>, ClusterError> {
        let mut records = HashMap::new();
        if ids.is_empty() {
            return Ok(records);
        }
        if self.config.accounting {
            let list: Vec<&str> = ids.iter().map(|id| id.0.as_str()).collect();
            let args = vec![
                "-X".into(),
                "-P".into(),
                "-n".into(),
                "-j".into(),
                list.join(","),
                format!("--format={SACCT_FORMAT}"),
            ];
            for job in parse_sacct(&self.call("sacct", args)?)? {
                records.insert(job.id, job.status);
            }
        } else {
            for id in ids {
                // An id the controller purged makes scontrol fail: that job is simply not found.
                if let Ok(output) = self.call(
                    "scontrol",
                    vec!["-o".into(), "show".into(), "job".into(), id.0.clone()],
                ) {
                    for job in parse_scontrol_jobs(&output)? {
                        records.insert(job.id, job.status);
                    }
                }
            }
        }
        Ok(records)
    }

    /// Counts one more poll without a final record; true while within the tolerated lag.
    fn still_lagging(&self, id: &SchedulerJobId) -> bool {
        let mut lag = self.lag.lock().unwrap_or_else(|e| e.into_inner());
        let count = lag.entry(id.clone()).or_insert(0);
        *count += 1;
        *count <= self.config.lag_polls
    }

    fn settled(&self, id: &SchedulerJobId) {
        self.lag
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

impl Scheduler for SlurmScheduler {
    /// One squeue of this user's jobs: it runs only when the client is installed, configured and
    /// reaches the controller.
    fn check(&self) -> Result<(), ClusterError> {
        self.squeue(&[]).map(drop)
    }

    fn submit(&self, spec: &BatchJobSpec) -> Result<SchedulerJobId, ClusterError> {
        let script = render_sbatch_script(spec)?;
        let io = |path: PathBuf| move |source| ClusterError::Io { path, source };
        std::fs::create_dir_all(&spec.attempt_dir).map_err(io(spec.attempt_dir.clone()))?;
        let script_path = spec.attempt_dir.join(SUBMIT_SCRIPT);
        std::fs::write(&script_path, script).map_err(io(script_path.clone()))?;
        let output = self.call(
            "sbatch",
            vec!["--parsable".into(), script_path.display().to_string()],
        )?;
        let id = parse_sbatch_parsable(&output)?;
        let id_path = spec.attempt_dir.join(JOB_ID_FILE);
        std::fs::write(&id_path, format!("{id}\n")).map_err(io(id_path))?;
        Ok(SchedulerJobId(id))
    }

    fn poll(
        &self,
        ids: &[SchedulerJobId],
    ) -> Result<BTreeMap<SchedulerJobId, JobStatus>, ClusterError> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let live: HashMap<String, JobStatus> = self
            .squeue(&[])?
            .into_iter()
            .map(|j| (j.id, j.status))
            .collect();
        let need_final: Vec<&SchedulerJobId> = ids
            .iter()
            .filter(|id| live.get(&id.0).is_none_or(|s| s.state.is_terminal()))
            .collect();
        let records = match self.final_records(&need_final) {
            Ok(records) => records,
            // Accounting hiccups are tolerated like lag: the affected jobs wait for the next poll.
            Err(err) if err.is_transient() => {
                tracing::warn!("final job records unavailable this poll: {err}");
                HashMap::new()
            }
            Err(err) => return Err(err),
        };
        let mut statuses = BTreeMap::new();
        for id in ids {
            let status = match (live.get(&id.0), records.get(&id.0)) {
                (Some(s), _) if !s.state.is_terminal() => s.clone(),
                (_, Some(record)) if record.state.is_terminal() => {
                    self.settled(id);
                    record.clone()
                }
                (Some(s), _) if self.still_lagging(id) => JobStatus {
                    state: JobState::Completing,
                    ..s.clone()
                },
                (Some(s), _) => {
                    self.settled(id);
                    s.clone()
                }
                (None, Some(record)) => record.clone(),
                (None, None) if self.still_lagging(id) => JobStatus::new(JobState::Completing),
                (None, None) => {
                    self.settled(id);
                    JobStatus::new(JobState::Lost)
                }
            };
            statuses.insert(id.clone(), status);
        }
        Ok(statuses)
    }

    fn cancel(&self, id: &SchedulerJobId) -> Result<(), ClusterError> {
        self.call("scancel", vec![id.0.clone()]).map(|_| ())
    }

    fn requeue(&self, id: &SchedulerJobId) -> Result<(), ClusterError> {
        self.call("scontrol", vec!["requeue".into(), id.0.clone()])?;
        // A requeued job is held back ~120 s (BeginTime). Releasing it only sticks once the old run has
        // finished completing and the job is pending again, so wait for that (a few seconds at most).
        let show = || {
            self.call(
                "scontrol",
                vec!["-o".into(), "show".into(), "job".into(), id.0.clone()],
            )
        };
        for _ in 0..REQUEUE_SETTLE_CHECKS {
            let pending = show()
                .ok()
                .and_then(|out| parse_scontrol_jobs(&out).ok())
                .is_some_and(|jobs| {
                    jobs.iter().any(|j| {
                        j.status.state == JobState::Pending
                            && j.status.reason.as_deref() == Some("BeginTime")
                    })
                });
            if pending {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        self.call(
            "scontrol",
            vec![
                "update".into(),
                format!("JobId={}", id.0),
                "StartTime=now".into(),
            ],
        )
        .map(|_| ())
    }

    fn find_by_name(&self, name: &str) -> Result<Vec<(SchedulerJobId, JobStatus)>, ClusterError> {
        let mut found: BTreeMap<String, JobStatus> = self
            .squeue(&[format!("--name={name}")])?
            .into_iter()
            .map(|j| (j.id, j.status))
            .collect();
        if self.config.accounting {
            // sacct without -S only lists jobs since midnight; a week covers any realistic restart.
            let args = vec![
                "-X".into(),
                "-P".into(),
                "-n".into(),
                format!("--name={name}"),
                "-S".into(),
                "now-7days".into(),
                format!("--format={SACCT_FORMAT}"),
            ];
            for job in parse_sacct(&self.call("sacct", args)?)? {
                let keep_live = found.get(&job.id).is_some_and(|s| !s.state.is_terminal());
                if !keep_live {
                    found.insert(job.id, job.status);
                }
            }
        }
        Ok(found
            .into_iter()
            .map(|(id, status)| (SchedulerJobId(id), status))
            .collect())
    }
}

#[cfg(test)]
mod tests;
