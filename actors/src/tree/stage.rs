//! The Stage actor: one per dataset and stage kind (`hcrl_sa/curriculum`). It supervises that
//! stage's Run actors: passes them the Dataset's gate decisions (start, up to date, blocked),
//! reports how each ended, and restarts one that failed (bounded, with backoff, every failure
//! recorded in the run's events), replaying the gate decision it had — the restarted actor
//! rebuilds itself from the store.

use std::collections::BTreeMap;
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};

use super::dataset::DatasetMsg;
use super::restart::Children;
use super::run::{RunActor, RunArgs, RunMsg};
use super::shared::Shared;
use crate::machine::Outcome;
use crate::plan::{Plan, PlannedRun};

/// The Stage actor.
pub struct StageActor;

/// Its arguments.
pub struct StageArgs {
    /// The supervisor's shared handles.
    pub shared: Shared,
    /// The sweep.
    pub sweep: String,
    /// The sweep's plan.
    pub plan: Arc<Plan>,
    /// The stage's runs that are not over.
    pub runs: Vec<PlannedRun>,
    /// Its Dataset actor.
    pub parent: ActorRef<DatasetMsg>,
}

/// Its state.
pub struct StageState {
    args: StageArgs,
    runs: Children<ActorRef<RunMsg>>,
    gates: BTreeMap<String, Gated>,
}

/// The last gate decision passed to a run (replayed to a restarted actor).
#[derive(Debug, Clone)]
enum Gated {
    Start(bool),
    UpToDate,
    Blocked(String),
    Cancel,
}

/// Its messages.
pub enum StageMsg {
    /// Run this run (resume from its checkpoint or not).
    Start(String, bool),
    /// This run is up to date.
    UpToDate(String),
    /// This run cannot run: why.
    Blocked(String, String),
    /// Cancel every run of the stage.
    Cancel,
    /// Cancel one run.
    CancelRun(String),
    /// A run ended.
    RunEnded(String, Outcome),
    /// Restart a run's actor (after a failure's backoff).
    Restart(String),
}

impl Actor for StageActor {
    type Msg = StageMsg;
    type State = StageState;
    type Arguments = StageArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: StageArgs,
    ) -> Result<StageState, ActorProcessingErr> {
        let mut state = StageState {
            args,
            runs: Children::default(),
            gates: BTreeMap::new(),
        };
        let ids: Vec<String> = state.args.runs.iter().map(|r| r.run_id.clone()).collect();
        for id in ids {
            spawn_run(&myself, &mut state, &id).await?;
        }
        Ok(state)
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: StageMsg,
        state: &mut StageState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            StageMsg::Start(run, resume) => gate(state, run, Gated::Start(resume)),
            StageMsg::UpToDate(run) => gate(state, run, Gated::UpToDate),
            StageMsg::Blocked(run, why) => gate(state, run, Gated::Blocked(why)),
            StageMsg::Cancel => {
                for run in state.runs.names() {
                    gate(state, run, Gated::Cancel);
                }
            }
            StageMsg::CancelRun(run) => gate(state, run, Gated::Cancel),
            StageMsg::RunEnded(run, outcome) => {
                state.runs.remove(&run);
                state.gates.remove(&run);
                let _ = state.args.parent.cast(DatasetMsg::RunEnded(run, outcome));
            }
            StageMsg::Restart(run) => {
                spawn_run(&myself, state, &run).await?;
                if let Some(g) = state.gates.get(&run).cloned() {
                    gate(state, run, g);
                }
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut StageState,
    ) -> Result<(), ActorProcessingErr> {
        let SupervisionEvent::ActorFailed(cell, error) = event else {
            return Ok(());
        };
        let error = error.to_string();
        let shared = state.args.shared.clone();
        let Some(failed) = shared
            .child_failed(&mut state.runs, &cell, &error, |f| f.name.clone())
            .await
        else {
            return Ok(());
        };
        let run = failed.name;
        match failed.restart_after {
            Some(delay) => {
                myself.send_after(delay, move || StageMsg::Restart(run));
            }
            None => {
                let why = format!("its supervisor gave up after repeated failures: {error}");
                shared.fail_run(&run, &why).await;
                let _ = myself.cast(StageMsg::RunEnded(run, Outcome::Failed(why)));
            }
        }
        Ok(())
    }
}

fn gate(state: &mut StageState, run: String, gated: Gated) {
    let Some(actor) = state.runs.get(&run) else {
        return;
    };
    let message = match &gated {
        Gated::Start(resume) => RunMsg::Start { resume: *resume },
        Gated::UpToDate => RunMsg::UpToDate,
        Gated::Blocked(why) => RunMsg::UpstreamEnded(why.clone()),
        Gated::Cancel => RunMsg::Cancel,
    };
    let _ = actor.cast(message);
    state.gates.insert(run, gated);
}

async fn spawn_run(
    myself: &ActorRef<StageMsg>,
    state: &mut StageState,
    run_id: &str,
) -> Result<(), ActorProcessingErr> {
    let Some(run) = state.args.runs.iter().find(|r| r.run_id == run_id).cloned() else {
        return Ok(());
    };
    let args = RunArgs {
        shared: state.args.shared.clone(),
        sweep: state.args.sweep.clone(),
        plan: state.args.plan.clone(),
        run,
        parent: myself.clone(),
    };
    let (actor, _) = Actor::spawn_linked(None, RunActor, args, myself.get_cell()).await?;
    state.runs.insert(run_id, actor.get_cell(), actor);
    Ok(())
}
