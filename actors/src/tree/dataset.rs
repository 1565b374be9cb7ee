//! The Dataset actor: one per dataset of a sweep. It owns the dataset's DAG gate: from the store it
//! learns which runs are already over, starts one Stage actor per stage kind with the runs still to
//! do, and as runs end releases those whose dependencies completed (up to date, resumed or run
//! afresh, as the plan decided) and blocks those that depend on a failure. When every run is over
//! it reports the outcomes to its Sweep.

use std::collections::BTreeMap;
use std::sync::Arc;

use kdgat_store::RunStatus;
use kdgat_tracking::reference::sweep_key;
use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};

use super::restart::Children;
use super::shared::{Shared, blocking};
use super::stage::{StageActor, StageArgs, StageMsg};
use super::submission::stored_outcome;
use super::sweep::SweepMsg;
use crate::machine::{Dag, Gate, Outcome};
use crate::plan::{Freshness, Plan, PlannedRun};

/// The Dataset actor.
pub struct DatasetActor;

/// Its arguments.
pub struct DatasetArgs {
    /// The supervisor's shared handles.
    pub shared: Shared,
    /// The sweep.
    pub sweep: String,
    /// The sweep's plan.
    pub plan: Arc<Plan>,
    /// Each run's plan-time decision.
    pub decisions: Arc<BTreeMap<String, Freshness>>,
    /// The dataset.
    pub dataset: String,
    /// Its Sweep actor.
    pub parent: ActorRef<SweepMsg>,
}

/// Its state.
pub struct DatasetState {
    args: DatasetArgs,
    dag: Dag,
    stages: Children<ActorRef<StageMsg>>,
    stage_of: BTreeMap<String, String>,
    /// Runs given a gate decision whose actor has not reported its end yet.
    awaiting: std::collections::BTreeSet<String>,
    /// Runs blocked by a failure upstream, and why.
    blocked: BTreeMap<String, String>,
    /// Runs cancelled by the user or with a run they depend on.
    cancelled_runs: std::collections::BTreeSet<String>,
    cancelled: bool,
}

/// Its messages.
pub enum DatasetMsg {
    /// A run ended.
    RunEnded(String, Outcome),
    /// Cancel every run of the dataset.
    Cancel,
    /// Cancel one run (the runs after it are cancelled as it ends).
    CancelRun(String),
    /// Rebuild a stage's actor (after a failure's backoff).
    Restart(String),
}

impl Actor for DatasetActor {
    type Msg = DatasetMsg;
    type State = DatasetState;
    type Arguments = DatasetArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: DatasetArgs,
    ) -> Result<DatasetState, ActorProcessingErr> {
        let runs: Vec<PlannedRun> = args
            .plan
            .runs
            .iter()
            .filter(|r| r.dataset == args.dataset)
            .cloned()
            .collect();
        let (ended, started) = stored_states(&args.shared, &args.sweep, &runs).await?;
        let dag = Dag::new(
            runs.iter().map(|r| (r.run_id.clone(), r.deps.clone())),
            &ended,
            &started,
        );
        let mut by_stage: BTreeMap<String, Vec<PlannedRun>> = BTreeMap::new();
        for run in runs.into_iter().filter(|r| !ended.contains_key(&r.run_id)) {
            by_stage
                .entry(run.kind.stage_name().to_string())
                .or_default()
                .push(run);
        }
        let mut state = DatasetState {
            dag,
            stages: Children::default(),
            stage_of: BTreeMap::new(),
            awaiting: std::collections::BTreeSet::new(),
            blocked: BTreeMap::new(),
            cancelled_runs: std::collections::BTreeSet::new(),
            cancelled: false,
            args,
        };
        for (stage, runs) in by_stage {
            for run in &runs {
                state.stage_of.insert(run.run_id.clone(), stage.clone());
            }
            let actor = spawn_stage(&myself, &state.args, runs).await?;
            state.stages.insert(stage, actor.get_cell(), actor);
        }
        Ok(state)
    }

    async fn post_start(
        &self,
        myself: ActorRef<Self::Msg>,
        state: &mut DatasetState,
    ) -> Result<(), ActorProcessingErr> {
        let gates = state.dag.release();
        dispatch(state, gates);
        finish_if_done(&myself, state);
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: DatasetMsg,
        state: &mut DatasetState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            DatasetMsg::RunEnded(run, outcome) => {
                state.awaiting.remove(&run);
                let gates = state.dag.ended(&run, outcome);
                dispatch(state, gates);
                finish_if_done(&myself, state);
            }
            DatasetMsg::Cancel => {
                state.cancelled = true;
                for stage in state.stages.values() {
                    let _ = stage.cast(StageMsg::Cancel);
                }
            }
            DatasetMsg::CancelRun(run) => {
                let over = state
                    .dag
                    .outcomes()
                    .iter()
                    .any(|(r, o)| *r == run && o.is_some());
                if !over {
                    dispatch(state, vec![Gate::Cancelled(run)]);
                }
            }
            DatasetMsg::Restart(stage) => restart_stage(&myself, state, &stage).await?,
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut DatasetState,
    ) -> Result<(), ActorProcessingErr> {
        // A Stage stops only with its Dataset; one that failed is rebuilt with its runs' actors.
        let SupervisionEvent::ActorFailed(cell, error) = event else {
            return Ok(());
        };
        let key = format!("{}/{}", sweep_key(&state.args.sweep), state.args.dataset);
        let error = error.to_string();
        let shared = state.args.shared.clone();
        let Some(failed) = shared
            .child_failed(&mut state.stages, &cell, &error, |_| key)
            .await
        else {
            return Ok(());
        };
        let stage = failed.name;
        match failed.restart_after {
            Some(delay) => {
                myself.send_after(delay, move || DatasetMsg::Restart(stage));
                Ok(())
            }
            None => Err(format!("the actor of stage {stage} keeps failing: {error}").into()),
        }
    }
}

/// Starts a Stage actor with the runs of `stage` that have not ended.
async fn spawn_stage(
    myself: &ActorRef<DatasetMsg>,
    args: &DatasetArgs,
    runs: Vec<PlannedRun>,
) -> Result<ActorRef<StageMsg>, ActorProcessingErr> {
    let stage_args = StageArgs {
        shared: args.shared.clone(),
        sweep: args.sweep.clone(),
        plan: args.plan.clone(),
        runs,
        parent: myself.clone(),
    };
    Ok(
        Actor::spawn_linked(None, StageActor, stage_args, myself.get_cell())
            .await?
            .0,
    )
}

/// Rebuilds a failed Stage: its runs' actors rebuild from the store; the gate decisions already
/// given are given again (a run past them ignores them).
async fn restart_stage(
    myself: &ActorRef<DatasetMsg>,
    state: &mut DatasetState,
    stage: &str,
) -> Result<(), ActorProcessingErr> {
    let ended: Vec<&str> = state
        .dag
        .outcomes()
        .into_iter()
        .filter_map(|(run, o)| o.map(|_| run))
        .collect();
    let runs: Vec<PlannedRun> = state
        .args
        .plan
        .runs
        .iter()
        .filter(|r| r.dataset == state.args.dataset && r.kind.stage_name() == stage)
        .filter(|r| !ended.contains(&r.run_id.as_str()) || state.awaiting.contains(&r.run_id))
        .cloned()
        .collect();
    let replay: Vec<String> = runs
        .iter()
        .map(|r| r.run_id.clone())
        .filter(|id| state.awaiting.contains(id))
        .collect();
    let actor = spawn_stage(myself, &state.args, runs).await?;
    state.stages.insert(stage, actor.get_cell(), actor);
    for run in replay {
        state.awaiting.remove(&run);
        let gate = match state.blocked.get(&run) {
            Some(why) => Gate::Blocked {
                run,
                why: why.clone(),
            },
            None if state.cancelled_runs.contains(&run) => Gate::Cancelled(run),
            None => Gate::Start(run),
        };
        dispatch(state, vec![gate]);
    }
    if state.cancelled {
        if let Some(actor) = state.stages.get(stage) {
            let _ = actor.cast(StageMsg::Cancel);
        }
    }
    Ok(())
}

/// The runs of this sweep that the store says are over, and those already started.
async fn stored_states(
    shared: &Shared,
    sweep: &str,
    runs: &[PlannedRun],
) -> Result<(BTreeMap<String, Outcome>, Vec<String>), ActorProcessingErr> {
    let store = shared.store.clone();
    let ids: Vec<String> = runs.iter().map(|r| r.run_id.clone()).collect();
    let sweep = sweep.to_string();
    let records = blocking(move || {
        ids.iter()
            .map(|id| store.run(id))
            .collect::<Result<Vec<_>, _>>()
    })
    .await??;
    let mut ended = BTreeMap::new();
    let mut started = Vec::new();
    for record in records.into_iter().flatten() {
        if record.sweep_id.as_deref() != Some(sweep.as_str()) {
            continue;
        }
        match stored_outcome(record.status) {
            Some(outcome) => {
                ended.insert(record.run_id, outcome);
            }
            None if record.status == RunStatus::Running => started.push(record.run_id),
            None => {}
        }
    }
    Ok((ended, started))
}

fn dispatch(state: &mut DatasetState, gates: Vec<Gate>) {
    for gate in gates {
        let (run, message) = match gate {
            Gate::Start(run) => {
                let message = match state.args.decisions.get(&run) {
                    Some(Freshness::UpToDate) => StageMsg::UpToDate(run.clone()),
                    Some(Freshness::Run { resume, .. }) => StageMsg::Start(run.clone(), *resume),
                    None => StageMsg::Start(run.clone(), true),
                };
                (run, message)
            }
            Gate::Blocked { run, why } => {
                state.blocked.insert(run.clone(), why.clone());
                (run.clone(), StageMsg::Blocked(run, why))
            }
            Gate::Cancelled(run) => {
                state.cancelled_runs.insert(run.clone());
                (run.clone(), StageMsg::CancelRun(run))
            }
        };
        if let Some(stage) = state.stage_of.get(&run).and_then(|s| state.stages.get(s)) {
            let _ = stage.cast(message);
            state.awaiting.insert(run);
        }
    }
}

fn finish_if_done(myself: &ActorRef<DatasetMsg>, state: &DatasetState) {
    if !state.dag.is_done() || !state.awaiting.is_empty() {
        return;
    }
    let outcomes = state
        .dag
        .outcomes()
        .into_iter()
        .filter_map(|(run, o)| Some((run.to_string(), o?.clone())))
        .collect();
    let _ = state
        .args
        .parent
        .cast(SweepMsg::DatasetDone(state.args.dataset.clone(), outcomes));
    myself.stop(None);
}
