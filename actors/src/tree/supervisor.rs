//! The Supervisor: the root of the tree. It starts the service actors (Scheduler, Exporter, and
//! Tracking when MLflow is configured), takes sweeps — recording each sweep and its runs before any
//! actor acts on them — and starts a Sweep actor for each, rebuilding from the store the sweeps a
//! previous supervisor left active. A child that fails is restarted with bounded backoff, each
//! failure recorded; a sweep whose actor keeps failing is marked failed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kdgat_cluster::Scheduler;
use kdgat_tracking::TrackingConfig;
use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

use super::exporter::{ExporterActor, ExporterArgs, ExporterMsg};
use super::restart::{RestartPolicy, Restarts};
use super::scheduler::{SchedulerActor, SchedulerArgs};
use super::shared::{Progress, Shared, blocking};
use super::submission::{self, SweepSubmission};
use super::sweep::{SweepActor, SweepArgs, SweepMsg};
use super::tracking::{TrackingActor, TrackingArgs, TrackingMsg};

/// The Supervisor actor.
pub struct SupervisorActor;

/// Its arguments.
pub struct SupervisorArgs {
    /// What the tree shares.
    pub shared: Shared,
    /// The batch scheduler.
    pub scheduler: Arc<dyn Scheduler>,
    /// Where the SQLite export goes.
    pub export_path: PathBuf,
    /// The MLflow server, when tracking is on.
    pub tracking: Option<TrackingConfig>,
}

/// Its state.
pub struct SupervisorState {
    args: SupervisorArgs,
    sweeps: BTreeMap<String, (ActorRef<SweepMsg>, SweepArgs)>,
    services: BTreeMap<String, ActorCell>,
    restarts: BTreeMap<String, Restarts>,
    policy: RestartPolicy,
}

/// Its messages.
pub enum SupervisorMsg {
    /// Record and start a sweep; replies once it is recorded.
    Submit(Box<SweepSubmission>, RpcReplyPort<Result<(), String>>),
    /// A sweep ended.
    SweepEnded(String),
    /// Cancel a sweep's runs.
    Cancel(String),
    /// Write the export and deliver the tracking queue now; replies with the operations left.
    Flush(RpcReplyPort<usize>),
    /// Restart a child after its backoff: a service (`scheduler`, …) or `sweep:<id>`.
    Restart(String),
}

impl Actor for SupervisorActor {
    type Msg = SupervisorMsg;
    type State = SupervisorState;
    type Arguments = SupervisorArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: SupervisorArgs,
    ) -> Result<SupervisorState, ActorProcessingErr> {
        let mut state = SupervisorState {
            args,
            sweeps: BTreeMap::new(),
            services: BTreeMap::new(),
            restarts: BTreeMap::new(),
            policy: RestartPolicy::default(),
        };
        for service in ["scheduler", "exporter", "tracking"] {
            start_service(&myself, &mut state, service).await?;
        }
        let store = state.args.shared.store.clone();
        let active = blocking(move || submission::active_sweeps(&store)).await??;
        for (sweep, submission) in active {
            let args = SweepArgs {
                shared: state.args.shared.clone(),
                sweep,
                plan: Arc::new(submission.plan),
                decisions: Arc::new(submission.decisions),
                parent: myself.clone(),
            };
            start_sweep(&myself, &mut state, args).await?;
        }
        Ok(state)
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: SupervisorMsg,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SupervisorMsg::Submit(submission, reply) => {
                let result = submit(&myself, state, *submission).await;
                let _ = reply.send(result);
            }
            SupervisorMsg::SweepEnded(sweep) => {
                state.sweeps.remove(&sweep);
            }
            SupervisorMsg::Cancel(sweep) => {
                if let Some((actor, _)) = state.sweeps.get(&sweep) {
                    let _ = actor.cast(SweepMsg::Cancel);
                }
            }
            SupervisorMsg::Flush(reply) => {
                let shared = state.args.shared.clone();
                tokio::spawn(async move {
                    let _ = reply.send(flush(&shared).await);
                });
            }
            SupervisorMsg::Restart(child) => match child.strip_prefix("sweep:") {
                Some(sweep) => {
                    if let Some((_, args)) = state.sweeps.get(sweep).cloned() {
                        start_sweep(&myself, state, args).await?;
                    }
                }
                None => start_service(&myself, state, &child).await?,
            },
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        let SupervisionEvent::ActorFailed(cell, error) = event else {
            return Ok(());
        };
        let child = if let Some(sweep) = state
            .sweeps
            .iter()
            .find(|(_, (a, _))| a.get_id() == cell.get_id())
            .map(|(s, _)| s.clone())
        {
            format!("sweep:{sweep}")
        } else if let Some(service) = state
            .services
            .iter()
            .find(|(_, c)| c.get_id() == cell.get_id())
            .map(|(s, _)| s.clone())
        {
            service
        } else {
            return Ok(());
        };
        let wait = state
            .restarts
            .entry(child.clone())
            .or_default()
            .next(&state.policy, Instant::now());
        let key = match child.strip_prefix("sweep:") {
            Some(sweep) => kdgat_tracking::reference::sweep_key(sweep),
            None => format!("kdgat/{child}"),
        };
        let payload = serde_json::json!({ "error": error.to_string(), "restart": wait.is_some() });
        state
            .args
            .shared
            .record(&key, "actor_failed", payload)
            .await;
        match (wait, child.strip_prefix("sweep:")) {
            (Some(delay), _) => {
                myself.send_after(delay, move || SupervisorMsg::Restart(child));
            }
            (None, Some(sweep)) => {
                let store = state.args.shared.store.clone();
                let sweep = sweep.to_string();
                let why = format!("its actor failed repeatedly: {error}");
                blocking(move || submission::give_up(&store, &sweep, &why)).await??;
                state.sweeps.retain(|s, _| !child.ends_with(s.as_str()));
            }
            (None, None) => return Err(format!("the {child} keeps failing: {error}").into()),
        }
        Ok(())
    }
}

async fn start_service(
    myself: &ActorRef<SupervisorMsg>,
    state: &mut SupervisorState,
    service: &str,
) -> Result<(), ActorProcessingErr> {
    let shared = &state.args.shared;
    let name = Some(shared.name(service));
    let cell = match service {
        "scheduler" => {
            let args = SchedulerArgs {
                scheduler: state.args.scheduler.clone(),
                poll_every: shared.poll_every,
            };
            Actor::spawn_linked(name, SchedulerActor, args, myself.get_cell())
                .await?
                .0
                .get_cell()
        }
        "exporter" => {
            let args = ExporterArgs {
                store: shared.store.clone(),
                path: state.args.export_path.clone(),
                debounce: Duration::from_millis(500),
            };
            Actor::spawn_linked(name, ExporterActor, args, myself.get_cell())
                .await?
                .0
                .get_cell()
        }
        _ => {
            let Some(config) = state.args.tracking.clone() else {
                return Ok(());
            };
            let args = TrackingArgs {
                store: shared.store.clone(),
                config,
                every: Duration::from_secs(2),
            };
            Actor::spawn_linked(name, TrackingActor, args, myself.get_cell())
                .await?
                .0
                .get_cell()
        }
    };
    state.services.insert(service.to_string(), cell);
    Ok(())
}

async fn start_sweep(
    myself: &ActorRef<SupervisorMsg>,
    state: &mut SupervisorState,
    args: SweepArgs,
) -> Result<(), ActorProcessingErr> {
    let (actor, _) = Actor::spawn_linked(None, SweepActor, args.clone(), myself.get_cell()).await?;
    state.sweeps.insert(args.sweep.clone(), (actor, args));
    Ok(())
}

async fn submit(
    myself: &ActorRef<SupervisorMsg>,
    state: &mut SupervisorState,
    submission: SweepSubmission,
) -> Result<(), String> {
    let store = state.args.shared.store.clone();
    let tracking = state.args.shared.tracking;
    let recorded = submission.clone();
    blocking(move || submission::record(&store, &recorded, tracking))
        .await
        .map_err(|e| e.to_string())??;
    let shared = state.args.shared.clone();
    shared.report(Progress::Planned {
        sweep: submission.plan.request.name.clone(),
        runs: submission
            .plan
            .runs
            .iter()
            .map(|r| {
                let runs = submission.decisions.get(&r.run_id).is_none_or(|d| d.runs());
                (r.run_id.clone(), runs)
            })
            .collect(),
    });
    shared.nudge();
    let args = SweepArgs {
        shared,
        sweep: submission.plan.request.name.clone(),
        plan: Arc::new(submission.plan),
        decisions: Arc::new(submission.decisions),
        parent: myself.clone(),
    };
    start_sweep(myself, state, args)
        .await
        .map_err(|e| e.to_string())
}

/// Writes the export and delivers what MLflow can take now; the operations left queued.
async fn flush(shared: &Shared) -> usize {
    if let Some(exporter) = shared.exporter() {
        let _ = ractor::call_t!(exporter, ExporterMsg::Flush, 600_000);
    }
    match shared.tracker() {
        Some(tracker) => ractor::call_t!(tracker, TrackingMsg::Flush, 600_000).unwrap_or(0),
        None => 0,
    }
}
