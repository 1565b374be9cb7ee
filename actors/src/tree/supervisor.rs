//! The Supervisor: the root of the tree. It starts the service actors (Scheduler, Exporter, and
//! Tracking when MLflow is configured), takes sweeps — recording each sweep and its runs before any
//! actor acts on them — and starts a Sweep actor for each, rebuilding from the store the sweeps a
//! previous supervisor left active. A child that fails is restarted with bounded backoff, each
//! failure recorded; a sweep whose actor keeps failing is marked failed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kdgat_cluster::Scheduler;
use kdgat_tracking::TrackingConfig;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

use super::exporter::{ExporterActor, ExporterArgs, ExporterMsg};
use super::restart::{Children, Failed};
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
    /// Services by name (`scheduler`, …) and sweeps (`sweep:<id>`).
    children: Children<Child>,
    /// Children waiting out their backoff before a restart.
    restarting: BTreeMap<String, Child>,
}

/// What the Supervisor keeps of a child.
#[derive(Clone)]
enum Child {
    /// A service actor, found by its registered name.
    Service,
    /// A sweep's actor and what rebuilds it.
    Sweep(ActorRef<SweepMsg>, Box<SweepArgs>),
}

/// A sweep child's name.
fn sweep_child(sweep: &str) -> String {
    format!("sweep:{sweep}")
}

/// Its messages.
pub enum SupervisorMsg {
    /// Record and start a sweep; replies once it is recorded.
    Submit(Box<SweepSubmission>, RpcReplyPort<Result<(), String>>),
    /// A sweep ended.
    SweepEnded(String),
    /// Cancel a sweep's runs.
    Cancel(String),
    /// Cancel one run of a sweep (and the runs after it): sweep, run.
    CancelRun(String, String),
    /// Write the export now; replies when written.
    Export(RpcReplyPort<()>),
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
            children: Children::default(),
            restarting: BTreeMap::new(),
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
                state.children.remove(&sweep_child(&sweep));
            }
            SupervisorMsg::Cancel(sweep) => {
                if let Some(Child::Sweep(actor, _)) = state.children.get(&sweep_child(&sweep)) {
                    let _ = actor.cast(SweepMsg::Cancel);
                }
            }
            SupervisorMsg::CancelRun(sweep, run) => {
                if let Some(Child::Sweep(actor, _)) = state.children.get(&sweep_child(&sweep)) {
                    let _ = actor.cast(SweepMsg::CancelRun(run));
                }
            }
            SupervisorMsg::Export(reply) => {
                let exporter = state.args.shared.exporter();
                tokio::spawn(async move {
                    if let Some(exporter) = exporter {
                        let _ = ractor::call_t!(exporter, ExporterMsg::Flush, 600_000);
                    }
                    let _ = reply.send(());
                });
            }
            SupervisorMsg::Flush(reply) => {
                let shared = state.args.shared.clone();
                tokio::spawn(async move {
                    let _ = reply.send(flush(&shared).await);
                });
            }
            SupervisorMsg::Restart(name) => match state.restarting.remove(&name) {
                Some(Child::Sweep(_, args)) => start_sweep(&myself, state, *args).await?,
                Some(Child::Service) => start_service(&myself, state, &name).await?,
                None => {}
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
        let error = error.to_string();
        let shared = state.args.shared.clone();
        let key_of = |f: &Failed<Child>| match &f.value {
            Child::Sweep(_, args) => kdgat_tracking::reference::sweep_key(&args.sweep),
            Child::Service => format!("kdgat/{}", f.name),
        };
        let Some(failed) = shared
            .child_failed(&mut state.children, &cell, &error, key_of)
            .await
        else {
            return Ok(());
        };
        let name = failed.name;
        match (failed.restart_after, failed.value) {
            (Some(delay), child) => {
                state.restarting.insert(name.clone(), child);
                myself.send_after(delay, move || SupervisorMsg::Restart(name));
            }
            (None, Child::Sweep(_, args)) => {
                let store = state.args.shared.store.clone();
                let why = format!("its actor failed repeatedly: {error}");
                blocking(move || submission::give_up(&store, &args.sweep, &why)).await??;
            }
            (None, Child::Service) => {
                return Err(format!("the {name} keeps failing: {error}").into());
            }
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
                slowest_poll: shared.slowest_poll,
                limits: shared.settings.submit_limits(),
                report: {
                    let shared = shared.clone();
                    Box::new(move |progress| shared.report(progress))
                },
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
    state.children.insert(service, cell, Child::Service);
    Ok(())
}

async fn start_sweep(
    myself: &ActorRef<SupervisorMsg>,
    state: &mut SupervisorState,
    args: SweepArgs,
) -> Result<(), ActorProcessingErr> {
    let (actor, _) = Actor::spawn_linked(None, SweepActor, args.clone(), myself.get_cell()).await?;
    let name = sweep_child(&args.sweep);
    state
        .children
        .insert(name, actor.get_cell(), Child::Sweep(actor, Box::new(args)));
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
