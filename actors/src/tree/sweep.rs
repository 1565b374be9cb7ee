//! The Sweep actor: one per active sweep. It starts a Dataset actor per dataset, collects their
//! outcomes, and when all are in records how the sweep ended (finished, failed, cancelled), closes
//! its MLflow parent run, has the export written, and tells the Supervisor.

use std::collections::BTreeMap;
use std::sync::Arc;

use kdgat_jobs::run_dir::now_ms;
use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::Change;
use kdgat_tracking::reference::sweep_key;
use kdgat_tracking::{RunStatus, TrackingOp};
use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};

use super::dataset::{DatasetActor, DatasetArgs, DatasetMsg};
use super::restart::Children;
use super::run_book::queue;
use super::shared::{Progress, Shared, blocking};
use super::supervisor::SupervisorMsg;
use crate::machine::Outcome;
use crate::plan::{Freshness, Plan};

/// The Sweep actor.
pub struct SweepActor;

/// Its arguments.
#[derive(Clone)]
pub struct SweepArgs {
    /// The supervisor's shared handles.
    pub shared: Shared,
    /// The sweep.
    pub sweep: String,
    /// Its plan.
    pub plan: Arc<Plan>,
    /// Each run's plan-time decision.
    pub decisions: Arc<BTreeMap<String, Freshness>>,
    /// The Supervisor.
    pub parent: ActorRef<SupervisorMsg>,
}

/// Its state.
pub struct SweepState {
    args: SweepArgs,
    datasets: Children<ActorRef<DatasetMsg>>,
    outcomes: BTreeMap<String, Vec<(String, Outcome)>>,
    cancelled: bool,
}

/// Its messages.
pub enum SweepMsg {
    /// A dataset's runs are all over.
    DatasetDone(String, Vec<(String, Outcome)>),
    /// Cancel the sweep.
    Cancel,
    /// Cancel one run and the runs after it.
    CancelRun(String),
    /// Rebuild a dataset's actor (after a failure's backoff).
    Restart(String),
}

impl Actor for SweepActor {
    type Msg = SweepMsg;
    type State = SweepState;
    type Arguments = SweepArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: SweepArgs,
    ) -> Result<SweepState, ActorProcessingErr> {
        let mut datasets = Children::default();
        for dataset in &args.plan.request.datasets {
            let actor = spawn_dataset(&myself, &args, dataset).await?;
            datasets.insert(dataset.clone(), actor.get_cell(), actor);
        }
        Ok(SweepState {
            args,
            datasets,
            outcomes: BTreeMap::new(),
            cancelled: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: SweepMsg,
        state: &mut SweepState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SweepMsg::DatasetDone(dataset, outcomes) => {
                state.outcomes.insert(dataset, outcomes);
                if state.outcomes.len() == state.args.plan.request.datasets.len() {
                    end(state).await?;
                    myself.stop(None);
                }
            }
            SweepMsg::Cancel => {
                state.cancelled = true;
                for dataset in state.datasets.values() {
                    let _ = dataset.cast(DatasetMsg::Cancel);
                }
            }
            SweepMsg::CancelRun(run) => {
                let dataset = state.args.plan.run(&run).map(|r| r.dataset.clone());
                if let Some(actor) = dataset.and_then(|d| state.datasets.get(&d)) {
                    let _ = actor.cast(DatasetMsg::CancelRun(run));
                }
            }
            SweepMsg::Restart(dataset) => {
                let actor = spawn_dataset(&myself, &state.args, &dataset).await?;
                if state.cancelled {
                    let _ = actor.cast(DatasetMsg::Cancel);
                }
                state.datasets.insert(dataset, actor.get_cell(), actor);
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut SweepState,
    ) -> Result<(), ActorProcessingErr> {
        // A Dataset that ends normally has reported; one that failed is rebuilt from the store.
        let SupervisionEvent::ActorFailed(cell, error) = event else {
            return Ok(());
        };
        let key = sweep_key(&state.args.sweep);
        let error = error.to_string();
        let shared = state.args.shared.clone();
        let Some(failed) = shared
            .child_failed(&mut state.datasets, &cell, &error, |_| key)
            .await
        else {
            return Ok(());
        };
        let dataset = failed.name;
        match failed.restart_after {
            Some(delay) => {
                myself.send_after(delay, move || SweepMsg::Restart(dataset));
                Ok(())
            }
            None => Err(format!("the actor of dataset {dataset} keeps failing: {error}").into()),
        }
    }
}

async fn spawn_dataset(
    myself: &ActorRef<SweepMsg>,
    args: &SweepArgs,
    dataset: &str,
) -> Result<ActorRef<DatasetMsg>, ActorProcessingErr> {
    let dataset_args = DatasetArgs {
        shared: args.shared.clone(),
        sweep: args.sweep.clone(),
        plan: args.plan.clone(),
        decisions: args.decisions.clone(),
        dataset: dataset.to_string(),
        parent: myself.clone(),
    };
    Ok(
        Actor::spawn_linked(None, DatasetActor, dataset_args, myself.get_cell())
            .await?
            .0,
    )
}

/// How a sweep ended: failed if a run failed, cancelled if one was cancelled, else finished.
pub fn sweep_state(outcomes: &[(String, Outcome)]) -> &'static str {
    if outcomes
        .iter()
        .any(|(_, o)| matches!(o, Outcome::Failed(_)))
    {
        "failed"
    } else if outcomes.iter().any(|(_, o)| *o == Outcome::Cancelled) {
        "cancelled"
    } else {
        "finished"
    }
}

async fn end(state: &SweepState) -> Result<(), ActorProcessingErr> {
    let a = &state.args;
    let outcomes: Vec<(String, Outcome)> = a
        .plan
        .runs
        .iter()
        .filter_map(|r| {
            state
                .outcomes
                .values()
                .flatten()
                .find(|(id, _)| *id == r.run_id)
                .cloned()
        })
        .collect();
    let ended = sweep_state(&outcomes);
    let store = a.shared.store.clone();
    let (sweep, tracking) = (a.sweep.clone(), a.shared.tracking);
    blocking(move || {
        let Some(mut record) = store.sweep(&sweep)? else {
            return Ok(());
        };
        record.state = ended.to_string();
        record.ended_at = Some(utc_now_iso8601());
        let mut change = Change {
            sweeps: vec![record],
            ..Change::default()
        };
        if tracking {
            let status = match ended {
                "finished" => RunStatus::Finished,
                "cancelled" => RunStatus::Killed,
                _ => RunStatus::Failed,
            };
            let end_time_ms = now_ms();
            queue(
                &mut change,
                vec![TrackingOp::EndRun {
                    run_key: sweep_key(&sweep),
                    status,
                    end_time_ms,
                }],
            );
        }
        store.commit(&change)
    })
    .await??;
    a.shared.nudge();
    a.shared.report(Progress::SweepEnded {
        sweep: a.sweep.clone(),
        outcomes,
    });
    let _ = a.parent.cast(SupervisorMsg::SweepEnded(a.sweep.clone()));
    Ok(())
}
