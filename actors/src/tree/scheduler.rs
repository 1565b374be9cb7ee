//! The Scheduler actor: the one owner of the `cluster::Scheduler`. It submits, cancels and finds
//! batch jobs for the Run actors, and polls every watched job in one call per tick, reporting each
//! status to the run that watches it. Every scheduler call runs off the async threads; a poll still
//! in flight makes the next tick wait (no pile-up against a slow controller), and a failed poll is
//! retried on the next tick, never taken as a job's end.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kdgat_cluster::{BatchJobSpec, JobStatus, Scheduler, SchedulerJobId};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use super::run::RunMsg;
use super::shared::blocking;

/// The Scheduler actor.
pub struct SchedulerActor;

/// Its arguments.
pub struct SchedulerArgs {
    /// The scheduler it owns.
    pub scheduler: Arc<dyn Scheduler>,
    /// Time between polls.
    pub poll_every: Duration,
}

/// Its state.
pub struct SchedulerState {
    scheduler: Arc<dyn Scheduler>,
    watchers: BTreeMap<SchedulerJobId, ActorRef<RunMsg>>,
    polling: bool,
    poll_every: Duration,
    failed_polls: u32,
}

/// Its messages.
pub enum SchedulerMsg {
    /// Submit a batch job; replies with its id or why not.
    Submit(Box<BatchJobSpec>, RpcReplyPort<Result<String, String>>),
    /// The job with this name, if any, with its status.
    FindByName(
        String,
        RpcReplyPort<Result<Option<(String, JobStatus)>, String>>,
    ),
    /// Cancel a job.
    Cancel(String),
    /// Report this job's status to this run at every poll.
    Watch(String, ActorRef<RunMsg>),
    /// Stop reporting this job.
    Unwatch(String),
    /// Poll now.
    Tick,
    /// A poll's result.
    Polled(Result<BTreeMap<SchedulerJobId, JobStatus>, String>),
}

impl Actor for SchedulerActor {
    type Msg = SchedulerMsg;
    type State = SchedulerState;
    type Arguments = SchedulerArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: SchedulerArgs,
    ) -> Result<SchedulerState, ActorProcessingErr> {
        myself.send_interval(args.poll_every, || SchedulerMsg::Tick);
        Ok(SchedulerState {
            scheduler: args.scheduler,
            watchers: BTreeMap::new(),
            polling: false,
            poll_every: args.poll_every,
            failed_polls: 0,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: SchedulerMsg,
        state: &mut SchedulerState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SchedulerMsg::Submit(spec, reply) => submit(state, *spec, reply),
            SchedulerMsg::FindByName(name, reply) => find(state, name, reply),
            SchedulerMsg::Cancel(job) => cancel(state, job),
            SchedulerMsg::Watch(job, run) => {
                state.watchers.insert(SchedulerJobId(job), run);
                // A new job is seen at the next tick, not a whole interval later.
                let _ = myself.cast(SchedulerMsg::Tick);
            }
            SchedulerMsg::Unwatch(job) => {
                state.watchers.remove(&SchedulerJobId(job));
            }
            SchedulerMsg::Tick => poll(&myself, state),
            SchedulerMsg::Polled(result) => polled(state, result),
        }
        Ok(())
    }
}

fn submit(state: &SchedulerState, spec: BatchJobSpec, reply: RpcReplyPort<Result<String, String>>) {
    let scheduler = state.scheduler.clone();
    tokio::spawn(async move {
        let result = blocking(move || scheduler.submit(&spec))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map(|id| id.0).map_err(|e| e.to_string()));
        let _ = reply.send(result);
    });
}

fn find(
    state: &SchedulerState,
    name: String,
    reply: RpcReplyPort<Result<Option<(String, JobStatus)>, String>>,
) {
    let scheduler = state.scheduler.clone();
    tokio::spawn(async move {
        let result = blocking(move || scheduler.find_by_name(&name))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map(|jobs| {
                jobs.into_iter()
                    .next_back()
                    .map(|(id, status)| (id.0, status))
            });
        let _ = reply.send(result);
    });
}

fn cancel(state: &SchedulerState, job: String) {
    let scheduler = state.scheduler.clone();
    tokio::spawn(async move {
        let id = SchedulerJobId(job);
        if let Ok(Err(e)) = blocking(move || scheduler.cancel(&id)).await {
            tracing::warn!("cancel failed: {e}");
        }
    });
}

fn poll(myself: &ActorRef<SchedulerMsg>, state: &mut SchedulerState) {
    if state.polling || state.watchers.is_empty() {
        return;
    }
    state.polling = true;
    let ids: Vec<SchedulerJobId> = state.watchers.keys().cloned().collect();
    let scheduler = state.scheduler.clone();
    let myself = myself.clone();
    tokio::spawn(async move {
        let result = blocking(move || scheduler.poll(&ids))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        let _ = myself.cast(SchedulerMsg::Polled(result));
    });
}

fn polled(state: &mut SchedulerState, result: Result<BTreeMap<SchedulerJobId, JobStatus>, String>) {
    state.polling = false;
    match result {
        Ok(statuses) => {
            state.failed_polls = 0;
            for (id, status) in statuses {
                let delivered = state
                    .watchers
                    .get(&id)
                    .map(|run| run.cast(RunMsg::Status(id.0.clone(), status)).is_ok());
                if delivered == Some(false) {
                    // Its run actor is gone; a restarted one watches again.
                    state.watchers.remove(&id);
                }
            }
        }
        Err(e) => {
            state.failed_polls += 1;
            tracing::warn!(
                "polling the scheduler failed ({} in a row, retried every {:?}): {e}",
                state.failed_polls,
                state.poll_every
            );
        }
    }
}
