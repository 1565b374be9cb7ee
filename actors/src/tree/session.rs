//! A supervisor tree in this process: how `kdgat submit` without a daemon runs a sweep (and what a
//! daemon will host). [`Session::start`] starts the Supervisor — which rebuilds whatever sweeps the
//! store holds as active — and hands back the progress channel; [`Session::submit`] records and
//! starts a sweep; [`Session::shutdown`] writes the export, delivers what MLflow can take, and stops
//! the tree.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use kdgat_cluster::Scheduler;
use kdgat_cluster::local::{LocalConfig, LocalScheduler};
use kdgat_cluster::slurm::{SlurmConfig, SlurmScheduler};
use kdgat_store::Store;
use kdgat_tracking::TrackingConfig;
use ractor::{Actor, ActorRef};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::task::JoinHandle;

use super::shared::{Progress, Shared};
use super::submission::SweepSubmission;
use super::supervisor::{SupervisorActor, SupervisorArgs, SupervisorMsg};
use crate::machine::{Limits, Outcome};
use crate::settings::{SchedulerKind, Settings};

/// What a session needs.
pub struct SessionConfig {
    /// The state store.
    pub store: Arc<Store>,
    /// The cluster settings.
    pub settings: Settings,
    /// The `kdgat` binary batch jobs run.
    pub exe: PathBuf,
    /// Where the SQLite export goes.
    pub export_path: PathBuf,
    /// The MLflow server, if tracking is on.
    pub tracking: Option<TrackingConfig>,
    /// The batch scheduler.
    pub scheduler: Arc<dyn Scheduler>,
    /// Bounds on retries.
    pub limits: Limits,
}

/// A running supervisor tree.
pub struct Session {
    supervisor: ActorRef<SupervisorMsg>,
    handle: JoinHandle<()>,
    /// What the tree reports.
    pub progress: UnboundedReceiver<Progress>,
}

/// The scheduler the settings choose; the local executor keeps its registry under `state_dir`.
pub fn scheduler_for(
    settings: &Settings,
    state_dir: &Path,
) -> Result<Arc<dyn Scheduler>, kdgat_cluster::ClusterError> {
    Ok(match settings.scheduler {
        SchedulerKind::Local => Arc::new(LocalScheduler::new(LocalConfig {
            root: state_dir.join("local"),
            max_running: settings.local.max_running,
            grace: Duration::from_secs(settings.local.grace_seconds),
        })?),
        SchedulerKind::Slurm => Arc::new(SlurmScheduler::new(SlurmConfig {
            program_dir: settings.slurm.program_dir.clone(),
            accounting: settings.slurm.accounting,
            ..SlurmConfig::default()
        })),
    })
}

impl Session {
    /// Starts the tree.
    pub async fn start(config: SessionConfig) -> Result<Session, ractor::SpawnErr> {
        let (tx, rx) = unbounded_channel();
        let (poll_every, slowest_poll, submission_grace) = match config.settings.scheduler {
            // The local executor's polls read files (no need to slow them), and it submits in this
            // process: nothing outlives a crash unrecorded.
            SchedulerKind::Local => (
                Duration::from_millis(100),
                Duration::from_millis(100),
                Duration::ZERO,
            ),
            SchedulerKind::Slurm => (
                Duration::from_secs(10),
                Duration::from_secs(60),
                SlurmConfig::default().call_timeout + Duration::from_secs(5),
            ),
        };
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let shared = Shared {
            store: config.store,
            settings: Arc::new(config.settings),
            exe: config.exe,
            limits: config.limits,
            poll_every,
            slowest_poll,
            submission_grace,
            prefix: format!("kdgat-{}-{n}", std::process::id()),
            tracking: config.tracking.is_some(),
            progress: Some(tx),
        };
        let args = SupervisorArgs {
            shared,
            scheduler: config.scheduler,
            export_path: config.export_path,
            tracking: config.tracking,
        };
        let (supervisor, handle) = Actor::spawn(None, SupervisorActor, args).await?;
        Ok(Session {
            supervisor,
            handle,
            progress: rx,
        })
    }

    /// A handle that submits, cancels and exports while the session runs.
    pub fn handle(&self) -> SessionHandle {
        SessionHandle {
            supervisor: self.supervisor.clone(),
        }
    }

    /// The progress reports, taken away from [`Session::follow`] (which then hears nothing): for a
    /// daemon, which fans them out to its followers.
    pub fn take_progress(&mut self) -> UnboundedReceiver<Progress> {
        std::mem::replace(&mut self.progress, unbounded_channel().1)
    }

    /// Records and starts a sweep.
    pub async fn submit(&self, submission: SweepSubmission) -> Result<(), String> {
        self.handle().submit(submission).await
    }

    /// Follows `sweep` to its end: every report goes to `show`; when `cancel` completes (Ctrl-C,
    /// say) the sweep is cancelled and followed until its runs have stopped. Returns each run's
    /// outcome, or `None` if the tree stopped first.
    pub async fn follow(
        &mut self,
        sweep: &str,
        cancel: impl Future<Output = ()>,
        mut show: impl FnMut(&Progress),
    ) -> Option<Vec<(String, Outcome)>> {
        tokio::pin!(cancel);
        let mut cancelled = false;
        loop {
            tokio::select! {
                report = self.progress.recv() => {
                    let report = report?;
                    show(&report);
                    if let Progress::SweepEnded { sweep: ended, outcomes } = report
                        && ended == sweep {
                            return Some(outcomes);
                        }
                }
                () = &mut cancel, if !cancelled => {
                    cancelled = true;
                    self.cancel(sweep);
                }
            }
        }
    }

    /// Cancels a sweep's runs (their batch jobs stop; the sweep then ends as cancelled).
    pub fn cancel(&self, sweep: &str) {
        self.handle().cancel(sweep);
    }

    /// Writes the export, delivers what MLflow takes now, and stops the tree; returns the tracking
    /// operations still queued (delivered by the next session or `kdgat mlflow sync`).
    pub async fn shutdown(self) -> usize {
        let pending = ractor::call_t!(self.supervisor, SupervisorMsg::Flush, 900_000).unwrap_or(0);
        self.supervisor.stop(None);
        let _ = self.handle.await;
        pending
    }
}

/// Drives a running session from other tasks (a daemon's connections).
#[derive(Clone)]
pub struct SessionHandle {
    supervisor: ActorRef<SupervisorMsg>,
}

impl SessionHandle {
    /// Records and starts a sweep.
    pub async fn submit(&self, submission: SweepSubmission) -> Result<(), String> {
        ractor::call_t!(
            self.supervisor,
            SupervisorMsg::Submit,
            60_000,
            Box::new(submission)
        )
        .map_err(|e| e.to_string())?
    }

    /// Cancels a sweep's runs (their batch jobs stop; the sweep then ends as cancelled).
    pub fn cancel(&self, sweep: &str) {
        let _ = self
            .supervisor
            .cast(SupervisorMsg::Cancel(sweep.to_string()));
    }

    /// Cancels one run of a sweep; the runs after it end cancelled too.
    pub fn cancel_run(&self, sweep: &str, run: &str) {
        let _ = self
            .supervisor
            .cast(SupervisorMsg::CancelRun(sweep.to_string(), run.to_string()));
    }

    /// Writes the SQLite export now.
    pub async fn export(&self) -> Result<(), String> {
        ractor::call_t!(self.supervisor, SupervisorMsg::Export, 600_000).map_err(|e| e.to_string())
    }
}
