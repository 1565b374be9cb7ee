//! `LocalScheduler`: the [`Scheduler`] for one machine. Each job runs as a child process in its own
//! process group under a small shell wrapper that records the exit code in `<attempt dir>/exit_code`;
//! stdout and stderr go to the attempt directory. A concurrency limit queues the rest. Every job has a
//! registry entry (`<root>/<id>/`: spec, pid with its start time; see [`registry`]), so a restarted
//! supervisor re-attaches to jobs still running or finished, by process and exit file. Cancel is
//! SIGTERM to the group, a grace period, SIGKILL; a job past its `time_minutes` is stopped the same
//! way and reported as a timeout, as SLURM would. The grace period is waited out without holding
//! the scheduler's lock: other calls go on meanwhile. A job's environment is its spec's `env` (and a
//! default PATH), nothing of the supervisor's.

mod process_group;
mod registry;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use std::os::unix::process::{CommandExt, ExitStatusExt};

use process_group::{Process, terminate_group};
use registry::{
    Stopped, finished, process_text, read_number, read_process, unix_seconds, write_atomic,
};

use crate::error::ClusterError;
use crate::scheduler::{Scheduler, SchedulerJobId};
use crate::spec::{BatchJobSpec, EXIT_CODE_FILE, STDERR_FILE, STDOUT_FILE};
use crate::status::{JobState, JobStatus, Usage};

/// Records the command's exit code atomically; a TERM to the group ends the command, then the trap
/// lets the wrapper write the code (143) before it exits.
const WRAPPER: &str = r#"trap 'kdgat_terminated=1' TERM
"$@"
code=$?
printf '%s\n' "$code" > "$KDGAT_EXIT_FILE.tmp" && mv "$KDGAT_EXIT_FILE.tmp" "$KDGAT_EXIT_FILE"
exit "$code""#;

/// A job's PATH unless its spec gives one: a job gets its spec's environment and nothing of the
/// supervisor's, as `sbatch --export=NONE` does.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How the local executor runs jobs.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    /// Registry of jobs (`<root>/<id>/`: `spec.json`, `pid`, `started`, and `cancelled` or `timed_out` markers).
    pub root: PathBuf,
    /// Jobs running at once; the rest wait in submission order.
    pub max_running: usize,
    /// Time between SIGTERM and SIGKILL on cancel.
    pub grace: Duration,
}

#[derive(Default)]
struct LocalState {
    next_id: u64,
    queued: VecDeque<SchedulerJobId>,
    children: HashMap<SchedulerJobId, Child>,
}

/// The local executor.
pub struct LocalScheduler {
    config: LocalConfig,
    state: Mutex<LocalState>,
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> ClusterError + '_ {
    move |source| ClusterError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl LocalScheduler {
    /// Opens (or creates) the registry; ids continue after the highest one found there.
    pub fn new(config: LocalConfig) -> Result<Self, ClusterError> {
        std::fs::create_dir_all(&config.root).map_err(io_error(&config.root))?;
        let highest = std::fs::read_dir(&config.root)
            .map_err(io_error(&config.root))?
            .filter_map(Result::ok)
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_prefix("local-")?
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .unwrap_or(0);
        let state = LocalState {
            next_id: highest + 1,
            ..LocalState::default()
        };
        Ok(LocalScheduler {
            config,
            state: Mutex::new(state),
        })
    }

    fn entry(&self, id: &SchedulerJobId) -> PathBuf {
        self.config.root.join(&id.0)
    }

    fn spec_of(&self, id: &SchedulerJobId) -> Option<BatchJobSpec> {
        let text = std::fs::read_to_string(self.entry(id).join("spec.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    fn process_of(&self, id: &SchedulerJobId) -> Option<Process> {
        read_process(&self.entry(id).join("pid"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LocalState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reaps finished children and starts queued jobs while there is room.
    fn advance(&self, state: &mut LocalState) -> Result<(), ClusterError> {
        state
            .children
            .retain(|_, child| matches!(child.try_wait(), Ok(None)));
        while state.children.len() < self.config.max_running {
            let Some(id) = state.queued.pop_front() else {
                break;
            };
            let child = self.spawn(&id)?;
            state.children.insert(id, child);
        }
        Ok(())
    }

    fn spawn(&self, id: &SchedulerJobId) -> Result<Child, ClusterError> {
        let entry = self.entry(id);
        let spec = self.spec_of(id).ok_or_else(|| ClusterError::Io {
            path: entry.join("spec.json"),
            source: std::io::Error::other("missing or unreadable spec"),
        })?;
        let dir = &spec.attempt_dir;
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let _ = std::fs::remove_file(dir.join(EXIT_CODE_FILE));
        let stdout = std::fs::File::create(dir.join(STDOUT_FILE)).map_err(io_error(dir))?;
        let stderr = std::fs::File::create(dir.join(STDERR_FILE)).map_err(io_error(dir))?;
        let child = Command::new("sh")
            .arg("-c")
            .arg(WRAPPER)
            .arg("kdgat-local")
            .args(&spec.command)
            .env_clear()
            .env("PATH", DEFAULT_PATH)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .env("KDGAT_EXIT_FILE", dir.join(EXIT_CODE_FILE))
            .current_dir(&spec.workdir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .map_err(io_error(&spec.workdir))?;
        let process = Process::of(child.id());
        write_atomic(&entry.join("pid"), process_text(&process).as_bytes())
            .map_err(io_error(&entry))?;
        write_atomic(
            &entry.join("started"),
            format!("{}\n", unix_seconds()).as_bytes(),
        )
        .map_err(io_error(&entry))?;
        Ok(child)
    }

    fn status_of(&self, id: &SchedulerJobId, state: &mut LocalState) -> JobStatus {
        if state.queued.contains(id) {
            return JobStatus::new(JobState::Pending);
        }
        let Some(spec) = self.spec_of(id) else {
            return JobStatus::new(JobState::Lost);
        };
        let mut status = self.state_of(id, &spec, state);
        status.usage = self.usage_of(id, &spec);
        status
    }

    /// What a started job was allocated, and for how long: from its registry's `started` file to
    /// its exit file (or now, while it runs), by the files' modification times.
    fn usage_of(&self, id: &SchedulerJobId, spec: &BatchJobSpec) -> Option<Usage> {
        let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified());
        let started = modified(&self.entry(id).join("started")).ok()?;
        let ended =
            modified(&spec.attempt_dir.join(EXIT_CODE_FILE)).unwrap_or_else(|_| SystemTime::now());
        Some(Usage {
            elapsed: ended.duration_since(started).unwrap_or_default(),
            cpus: spec.cpus.unwrap_or(1),
            gpus: spec.gpus.as_ref().map_or(0, |g| g.count),
        })
    }

    fn state_of(
        &self,
        id: &SchedulerJobId,
        spec: &BatchJobSpec,
        state: &mut LocalState,
    ) -> JobStatus {
        let exit_code: Option<i32> = read_number(&spec.attempt_dir.join(EXIT_CODE_FILE));
        let stopped = Stopped::read(&self.entry(id));
        if let Some(code) = exit_code {
            return finished(code, 0, stopped);
        }
        if let Some(child) = state.children.get_mut(id) {
            return match child.try_wait() {
                Ok(None) => JobStatus::new(JobState::Running),
                // Ended without an exit record: the wrapper itself was killed.
                Ok(Some(status)) => finished(
                    status.code().unwrap_or(0),
                    status.signal().unwrap_or(0),
                    stopped,
                ),
                Err(_) => JobStatus::new(JobState::Lost),
            };
        }
        match (self.process_of(id), stopped) {
            (Some(process), _) if process.is_running() => JobStatus::new(JobState::Running),
            (_, Stopped::Cancelled) => JobStatus::new(JobState::Cancelled { by: None }),
            (_, Stopped::TimedOut) => JobStatus::new(JobState::Timeout),
            (_, Stopped::No) => JobStatus::new(JobState::Lost),
        }
    }

    /// A job running past its time limit (SLURM's `--time`): marked as timed out, and its process
    /// returned for the caller to stop once the lock is released.
    fn overdue(&self, id: &SchedulerJobId) -> Option<Process> {
        let spec = self.spec_of(id)?;
        let minutes = spec.time_minutes.filter(|&m| m > 0)?;
        if spec.attempt_dir.join(EXIT_CODE_FILE).exists() {
            return None;
        }
        let entry = self.entry(id);
        let started: u64 = read_number(&entry.join("started"))?;
        let process = self.process_of(id)?;
        let late = unix_seconds().saturating_sub(started) > u64::from(minutes) * 60;
        if !late || !process.is_running() {
            return None;
        }
        write_atomic(&entry.join(Stopped::TIMED_OUT), b"").ok()?;
        Some(process)
    }

    /// Stops a job's process group (TERM, grace, KILL) without the lock held, then reaps its child.
    fn stop(&self, id: &SchedulerJobId, process: Option<Process>) {
        if let Some(process) = process {
            terminate_group(&process, self.config.grace);
        }
        let child = self.lock().children.remove(id);
        if let Some(mut child) = child {
            let _ = child.wait();
        }
    }
}

impl Scheduler for LocalScheduler {
    fn submit(&self, spec: &BatchJobSpec) -> Result<SchedulerJobId, ClusterError> {
        spec.validate()?;
        let mut state = self.lock();
        let id = SchedulerJobId(format!("local-{}", state.next_id));
        state.next_id += 1;
        let entry = self.entry(&id);
        std::fs::create_dir_all(&entry).map_err(io_error(&entry))?;
        let json = serde_json::to_vec_pretty(spec).map_err(|e| ClusterError::Io {
            path: entry.clone(),
            source: e.into(),
        })?;
        write_atomic(&entry.join("spec.json"), &json).map_err(io_error(&entry))?;
        state.queued.push_back(id.clone());
        self.advance(&mut state)?;
        Ok(id)
    }

    fn poll(
        &self,
        ids: &[SchedulerJobId],
    ) -> Result<BTreeMap<SchedulerJobId, JobStatus>, ClusterError> {
        let overdue: Vec<(SchedulerJobId, Process)> = {
            let _state = self.lock();
            ids.iter()
                .filter_map(|id| Some((id.clone(), self.overdue(id)?)))
                .collect()
        };
        for (id, process) in &overdue {
            self.stop(id, Some(*process));
        }
        let mut state = self.lock();
        let statuses = ids
            .iter()
            .map(|id| (id.clone(), self.status_of(id, &mut state)))
            .collect();
        self.advance(&mut state)?;
        Ok(statuses)
    }

    fn cancel(&self, id: &SchedulerJobId) -> Result<(), ClusterError> {
        let entry = self.entry(id);
        let process = {
            let mut state = self.lock();
            if !entry.is_dir() {
                return Ok(());
            }
            write_atomic(&entry.join(Stopped::CANCELLED), b"").map_err(io_error(&entry))?;
            state.queued.retain(|queued| queued != id);
            self.process_of(id)
        };
        self.stop(id, process);
        self.advance(&mut self.lock())
    }

    fn requeue(&self, id: &SchedulerJobId) -> Result<(), ClusterError> {
        let process = self.process_of(id);
        self.stop(id, process);
        let mut state = self.lock();
        for marker in [Stopped::CANCELLED, Stopped::TIMED_OUT] {
            let _ = std::fs::remove_file(self.entry(id).join(marker));
        }
        if let Some(spec) = self.spec_of(id) {
            let _ = std::fs::remove_file(spec.attempt_dir.join(EXIT_CODE_FILE));
        }
        if !state.queued.contains(id) {
            state.queued.push_back(id.clone());
        }
        self.advance(&mut state)
    }

    fn find_by_name(&self, name: &str) -> Result<Vec<(SchedulerJobId, JobStatus)>, ClusterError> {
        let ids: Vec<SchedulerJobId> = std::fs::read_dir(&self.config.root)
            .map_err(io_error(&self.config.root))?
            .filter_map(Result::ok)
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .map(|s| SchedulerJobId(s.to_string()))
            })
            .filter(|id| self.spec_of(id).is_some_and(|spec| spec.name == name))
            .collect();
        Ok(self.poll(&ids)?.into_iter().collect())
    }
}
