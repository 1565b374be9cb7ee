//! The Scheduler actor: the one owner of the `cluster::Scheduler`. It submits, cancels and finds
//! batch jobs for the Run actors, and polls every watched job in one call per tick, reporting each
//! status to the run that watches it. Every scheduler call runs off the async threads; a poll still
//! in flight makes the next tick wait (no pile-up against a slow controller), and a failed poll is
//! retried on the next tick, never taken as a job's end.
//!
//! Polls adapt: every `poll_every` while the jobs change, twice as long after each poll that shows
//! no change (or fails: a controller that does not answer is not hammered), up to `slowest_poll`;
//! a new job or a run that read its job's end in its events
//! asks for a poll at once (watches that come together, as a restarted supervisor's do, share
//! one).
//!
//! Submissions wait in a queue, in order, until the submission limits let them go ([`Admission`]:
//! live batch jobs at most, submissions per second); each run hears how its submission went in a
//! [`RunMsg::SubmitDone`]. The queue knows each submission by its batch job name, so one asked
//! again (a restarted run) is not made twice, and one not made yet can be withdrawn.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kdgat_cluster::{BatchJobSpec, JobState, JobStatus, Scheduler, SchedulerJobId};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use super::run::RunMsg;
use super::shared::{Progress, blocking};
use crate::machine::{Admission, SubmitLimits};

/// How long the Scheduler waits after a new watch for others to join it in one poll.
const WATCH_SETTLE: Duration = Duration::from_millis(200);

/// Failed polls in a row after which the scheduler counts as not answering (and is reported so).
const UNREACHABLE_AFTER: u32 = 2;

/// The Scheduler actor.
pub struct SchedulerActor;

/// Its arguments.
pub struct SchedulerArgs {
    /// The scheduler it owns.
    pub scheduler: Arc<dyn Scheduler>,
    /// Time between polls.
    pub poll_every: Duration,
    /// Time between polls at the slowest, while nothing changes.
    pub slowest_poll: Duration,
    /// Bounds on submissions.
    pub limits: SubmitLimits,
    /// Where it reports that the scheduler stopped answering, and answers again.
    pub report: Box<dyn Fn(Progress) + Send + Sync>,
}

/// Its state.
pub struct SchedulerState {
    scheduler: Arc<dyn Scheduler>,
    watchers: BTreeMap<SchedulerJobId, ActorRef<RunMsg>>,
    polling: bool,
    poll_every: Duration,
    /// The time to the next poll, between `poll_every` and `slowest_poll`.
    interval: Duration,
    slowest_poll: Duration,
    /// The generation of the poll timer that counts (older timers are ignored).
    timer: u64,
    /// Each watched job's state at the last poll, to see whether anything changed.
    seen: BTreeMap<SchedulerJobId, JobState>,
    failed_polls: u32,
    /// Since when polls fail, once that has been reported.
    unreachable_since: Option<Instant>,
    report: Box<dyn Fn(Progress) + Send + Sync>,
    admission: Admission,
    /// Submissions waiting or being made, by batch job name.
    submissions: BTreeMap<String, Submission>,
    /// The names of the waiting ones, first come first.
    queue: VecDeque<String>,
    /// A [`SchedulerMsg::Dispatch`] is due.
    dispatch_due: bool,
    /// A [`SchedulerMsg::Settled`] is due.
    settling: bool,
    /// When the poll in flight started, and how many jobs the last one covered (for the log).
    poll_started: Instant,
    last_polled: usize,
}

/// A submission not made yet, or being made.
struct Submission {
    spec: Box<BatchJobSpec>,
    run: ActorRef<RunMsg>,
    attempt: u32,
    in_flight: bool,
}

/// Its messages.
pub enum SchedulerMsg {
    /// Submit attempt `attempt` of a run once the limits let it; the run hears back in
    /// [`RunMsg::SubmitDone`].
    Submit {
        /// The batch job.
        spec: Box<BatchJobSpec>,
        /// The run to tell.
        run: ActorRef<RunMsg>,
        /// The attempt it is.
        attempt: u32,
    },
    /// Drop the waiting submission of this batch job name; its run hears that it was withdrawn. One
    /// already being made goes on (the run cancels the job once it has its id).
    Withdraw(String),
    /// A submission was made, or refused.
    Submitted(String, Result<String, String>),
    /// Make the submissions the limits now allow.
    Dispatch,
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
    /// The watches that came together have settled: poll them.
    Settled,
    /// The poll timer of this generation ran out.
    Timer(u64),
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
        myself.send_after(args.poll_every, || SchedulerMsg::Timer(0));
        Ok(SchedulerState {
            scheduler: args.scheduler,
            watchers: BTreeMap::new(),
            polling: false,
            poll_every: args.poll_every,
            interval: args.poll_every,
            slowest_poll: args.slowest_poll.max(args.poll_every),
            timer: 0,
            seen: BTreeMap::new(),
            failed_polls: 0,
            unreachable_since: None,
            report: args.report,
            admission: Admission::new(args.limits),
            submissions: BTreeMap::new(),
            queue: VecDeque::new(),
            dispatch_due: false,
            settling: false,
            poll_started: Instant::now(),
            last_polled: 0,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: SchedulerMsg,
        state: &mut SchedulerState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SchedulerMsg::Submit { spec, run, attempt } => {
                enqueue(state, spec, run, attempt);
                dispatch(&myself, state);
            }
            SchedulerMsg::Withdraw(name) => withdraw(state, &name),
            SchedulerMsg::Submitted(name, result) => {
                submitted(state, &name, result);
                dispatch(&myself, state);
            }
            SchedulerMsg::Dispatch => {
                state.dispatch_due = false;
                dispatch(&myself, state);
            }
            SchedulerMsg::FindByName(name, reply) => find(state, name, reply),
            SchedulerMsg::Cancel(job) => cancel(state, job),
            SchedulerMsg::Watch(job, run) => {
                state.watchers.insert(SchedulerJobId(job), run);
                // A new job is seen soon, and the polls speed up for it; the watches of many runs
                // at once (a restarted supervisor's) share one poll.
                state.interval = state.poll_every;
                if !state.settling {
                    state.settling = true;
                    myself.send_after(WATCH_SETTLE, || SchedulerMsg::Settled);
                }
            }
            SchedulerMsg::Settled => {
                state.settling = false;
                poll(&myself, state);
            }
            SchedulerMsg::Unwatch(job) => {
                let id = SchedulerJobId(job);
                state.watchers.remove(&id);
                state.seen.remove(&id);
                dispatch(&myself, state);
            }
            SchedulerMsg::Tick => poll(&myself, state),
            SchedulerMsg::Timer(generation) if generation == state.timer => poll(&myself, state),
            SchedulerMsg::Timer(_) => {}
            SchedulerMsg::Polled(result) => {
                polled(state, result);
                next_timer(&myself, state);
            }
        }
        Ok(())
    }
}

/// Queues a submission; one of the same batch job name already queued or being made is kept, and
/// its result goes to the run that asked last.
fn enqueue(
    state: &mut SchedulerState,
    spec: Box<BatchJobSpec>,
    run: ActorRef<RunMsg>,
    attempt: u32,
) {
    let name = spec.name.clone();
    match state.submissions.get_mut(&name) {
        Some(known) => {
            known.run = run;
            known.attempt = attempt;
        }
        None => {
            state.submissions.insert(
                name.clone(),
                Submission {
                    spec,
                    run,
                    attempt,
                    in_flight: false,
                },
            );
            state.queue.push_back(name);
        }
    }
}

/// Makes the submissions the limits allow now, and comes back when the rate allows more.
fn dispatch(myself: &ActorRef<SchedulerMsg>, state: &mut SchedulerState) {
    let in_flight = state.submissions.values().filter(|s| s.in_flight).count();
    let active = state.watchers.len() + in_flight;
    let admitted = state
        .admission
        .admit(Instant::now(), active, state.queue.len());
    for name in state.queue.drain(..admitted) {
        let Some(submission) = state.submissions.get_mut(&name) else {
            continue;
        };
        submission.in_flight = true;
        let (scheduler, spec, myself) = (
            state.scheduler.clone(),
            submission.spec.clone(),
            myself.clone(),
        );
        tokio::spawn(async move {
            let result = blocking(move || scheduler.submit(&spec))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map(|id| id.0).map_err(|e| e.to_string()));
            let _ = myself.cast(SchedulerMsg::Submitted(name, result));
        });
    }
    if !state.queue.is_empty() && !state.dispatch_due {
        // Held back by the rate (or by the live jobs: then the next end dispatches sooner).
        let wait = state.admission.next_token_in().unwrap_or(state.poll_every);
        state.dispatch_due = true;
        myself.send_after(wait, || SchedulerMsg::Dispatch);
    }
}

/// Tells the run how its submission went; a job made is watched for it at once (it counts as live).
fn submitted(state: &mut SchedulerState, name: &str, result: Result<String, String>) {
    let Some(submission) = state.submissions.remove(name) else {
        return;
    };
    let told = submission
        .run
        .cast(RunMsg::SubmitDone {
            attempt: submission.attempt,
            result: result.clone(),
        })
        .is_ok();
    match result {
        Ok(job) if told => {
            state.watchers.insert(SchedulerJobId(job), submission.run);
        }
        Ok(job) => tracing::warn!(
            "batch job {job} ({name}) was submitted for a run that is gone; its restarted run finds it by name"
        ),
        Err(_) => {}
    }
}

fn withdraw(state: &mut SchedulerState, name: &str) {
    if state.submissions.get(name).is_none_or(|s| s.in_flight) {
        return;
    }
    state.queue.retain(|queued| queued != name);
    if let Some(submission) = state.submissions.remove(name) {
        let _ = submission.run.cast(RunMsg::SubmitDone {
            attempt: submission.attempt,
            result: Err("withdrawn before it was submitted".into()),
        });
    }
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

/// Sets the poll timer `interval` from now; any earlier timer no longer counts.
fn next_timer(myself: &ActorRef<SchedulerMsg>, state: &mut SchedulerState) {
    state.timer += 1;
    let generation = state.timer;
    myself.send_after(state.interval, move || SchedulerMsg::Timer(generation));
}

fn poll(myself: &ActorRef<SchedulerMsg>, state: &mut SchedulerState) {
    if state.polling {
        return;
    }
    if state.watchers.is_empty() {
        next_timer(myself, state);
        return;
    }
    state.polling = true;
    state.poll_started = Instant::now();
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
            if statuses.len() != state.last_polled {
                state.last_polled = statuses.len();
                tracing::debug!(
                    "following {} batch jobs (one poll: {} ms)",
                    statuses.len(),
                    state.poll_started.elapsed().as_millis()
                );
            }
            if let Some(since) = state.unreachable_since.take() {
                tracing::info!("the scheduler answers again, after {:?}", since.elapsed());
                (state.report)(Progress::Scheduler {
                    reachable: true,
                    detail: format!("back after {} s", since.elapsed().as_secs()),
                });
            }
            let changed = statuses
                .iter()
                .any(|(id, status)| state.seen.get(id) != Some(&status.state));
            state.interval = if changed {
                state.poll_every
            } else {
                slower(state)
            };
            for (id, status) in statuses {
                state.seen.insert(id.clone(), status.state);
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
            state.interval = slower(state);
            if state.failed_polls == UNREACHABLE_AFTER {
                state.unreachable_since = Some(Instant::now());
                (state.report)(Progress::Scheduler {
                    reachable: false,
                    detail: e.clone(),
                });
            }
            tracing::warn!(
                "polling the scheduler failed ({} in a row, retried in {:?}): {e}",
                state.failed_polls,
                state.interval
            );
        }
    }
}

/// The next, longer, interval: twice the last, at most `slowest_poll`.
fn slower(state: &SchedulerState) -> Duration {
    (state.interval * 2).min(state.slowest_poll)
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
