//! What every actor of one supervisor shares ([`Shared`]): the store, the settings, the binary that
//! batch jobs run, the names of the service actors (looked up when used, so a restarted service is
//! found again), the retry bounds, and the channel that reports progress to whoever watches the
//! sweep ([`Progress`]). Also [`blocking`], the one way actors run blocking work.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::Store;
use ractor::{ActorCell, ActorRef};
use tokio::sync::mpsc::UnboundedSender;

use super::exporter::ExporterMsg;
use super::restart::{Children, Failed};
use super::scheduler::SchedulerMsg;
use super::tracking::TrackingMsg;
use crate::machine::{Limits, Outcome};
use crate::settings::Settings;

/// What a watcher of the supervisor hears (and a follower of a daemon's sweep, over its socket).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    /// A sweep's runs, and which of them will run (the others are up to date).
    Planned {
        /// The sweep.
        sweep: String,
        /// `(run id, will run)`, in plan order.
        runs: Vec<(String, bool)>,
    },
    /// A run changed phase (`submitted`, `running`, `resume`, …).
    Phase {
        /// The run.
        run: String,
        /// What happened.
        what: String,
        /// Details (the batch job id, a reason).
        detail: String,
    },
    /// A run finished an epoch (or a fusion validation).
    Epoch {
        /// The run.
        run: String,
        /// Epochs (or episodes) done.
        done: i64,
        /// Of how many (the config's `max_epochs` or `fusion_episodes`).
        of: i64,
        /// Its metrics.
        metrics: Vec<(String, f64)>,
    },
    /// A run ended.
    Ended {
        /// The run.
        run: String,
        /// How.
        outcome: Outcome,
        /// It was up to date and did not run.
        skipped: bool,
    },
    /// The scheduler stopped answering (several polls in a row failed), or answers again. Runs
    /// wait meanwhile; none fails for it.
    Scheduler {
        /// Whether it answers.
        reachable: bool,
        /// Its last error while it does not; how long it was away once it is back.
        detail: String,
    },
    /// A sweep ended: every run's outcome.
    SweepEnded {
        /// The sweep.
        sweep: String,
        /// `(run id, outcome)`, in plan order.
        outcomes: Vec<(String, Outcome)>,
    },
}

/// What every actor of one supervisor shares.
#[derive(Clone)]
pub struct Shared {
    /// The state store.
    pub store: Arc<Store>,
    /// The cluster settings.
    pub settings: Arc<Settings>,
    /// The `kdgat` binary that batch jobs run (`kdgat job exec`).
    pub exe: PathBuf,
    /// Bounds on retries.
    pub limits: Limits,
    /// How often the scheduler is polled.
    pub poll_every: Duration,
    /// How seldom it is polled at the slowest, while nothing changes.
    pub slowest_poll: Duration,
    /// How long a submission a dead supervisor started may still complete (its sbatch outlives it
    /// up to the call's timeout): a batch job not found by name is taken as never submitted only
    /// once its attempt is older than this.
    pub submission_grace: Duration,
    /// This supervisor's actor names' prefix (unique per supervisor).
    pub prefix: String,
    /// Whether MLflow tracking is on.
    pub tracking: bool,
    /// Where progress goes.
    pub progress: Option<UnboundedSender<Progress>>,
}

impl Shared {
    /// The registered name of a service actor of this supervisor.
    pub fn name(&self, service: &str) -> String {
        format!("{}.{service}", self.prefix)
    }

    /// The scheduler actor, if running.
    pub fn scheduler(&self) -> Option<ActorRef<SchedulerMsg>> {
        ActorRef::where_is(self.name("scheduler"))
    }

    /// The exporter actor, if running.
    pub fn exporter(&self) -> Option<ActorRef<ExporterMsg>> {
        ActorRef::where_is(self.name("exporter"))
    }

    /// The tracking actor, if running.
    pub fn tracker(&self) -> Option<ActorRef<TrackingMsg>> {
        ActorRef::where_is(self.name("tracking"))
    }

    /// Reports progress (nobody listening is fine).
    pub fn report(&self, progress: Progress) {
        if let Some(tx) = &self.progress {
            let _ = tx.send(progress);
        }
    }

    /// Records an event of `key` (a run, or a sweep's `sweep/<id>`) in the store; a store that
    /// cannot take it is logged, not fatal (this records failures already being handled).
    pub async fn record(&self, key: &str, kind: &str, payload: serde_json::Value) {
        let store = self.store.clone();
        let (key, kind) = (key.to_string(), kind.to_string());
        let written = blocking(move || {
            store.append_event(&key, &utc_now_iso8601(), &kind, &payload.to_string())
        })
        .await;
        if !matches!(written, Ok(Ok(_))) {
            tracing::error!("could not record an event in the store: {written:?}");
        }
    }

    /// Takes the child of `children` whose actor failed, recording the failure (and whether it
    /// is restarted) as an event of the key `key_of` gives for it; `None` if the actor is not one
    /// of them.
    pub async fn child_failed<T>(
        &self,
        children: &mut Children<T>,
        cell: &ActorCell,
        error: &str,
        key_of: impl FnOnce(&Failed<T>) -> String,
    ) -> Option<Failed<T>> {
        let failed = children.failed(cell)?;
        let restart = failed.restart_after.is_some();
        let payload =
            serde_json::json!({ "child": failed.name, "error": error, "restart": restart });
        self.record(&key_of(&failed), "actor_failed", payload).await;
        Some(failed)
    }

    /// Marks a run failed in the store (its actor could not be kept alive).
    pub async fn fail_run(&self, run_id: &str, why: &str) {
        let store = self.store.clone();
        let (run_id, why) = (run_id.to_string(), why.to_string());
        let written = blocking(move || {
            let Some(mut record) = store.run(&run_id)? else {
                return Ok(());
            };
            record.status = kdgat_store::RunStatus::Failed;
            record.completed_at = Some(utc_now_iso8601());
            store.commit(&kdgat_store::Change {
                runs: vec![record],
                events: vec![(
                    run_id,
                    kdgat_store::NewEvent {
                        at: utc_now_iso8601(),
                        kind: "failed".into(),
                        payload: serde_json::json!({ "detail": why }).to_string(),
                    },
                )],
                ..kdgat_store::Change::default()
            })
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::error!("could not mark the run failed in the store: {written:?}");
        }
        self.nudge();
    }

    /// Asks for the export and the tracking drain to catch up with the store.
    pub fn nudge(&self) {
        if let Some(exporter) = self.exporter() {
            let _ = exporter.cast(ExporterMsg::Changed);
        }
        if let Some(tracker) = self.tracker() {
            let _ = tracker.cast(TrackingMsg::Drain);
        }
    }
}

/// Runs blocking work (process calls, file and store I/O) off the async threads and returns its
/// result; a panic in it becomes an error.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ractor::ActorProcessingErr> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("blocking work failed: {e}").into())
}
