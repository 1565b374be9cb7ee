//! The Run actor: one per run. It owns the run's attempts — writes each attempt's directory and
//! spec, has the Scheduler submit it, follows its `events.jsonl` into the store (and MLflow) while
//! it runs, classifies its end — and drives the run's state machine, persisting every transition
//! before carrying out its effects. Built from the store, it carries on where a previous supervisor
//! stopped: it watches the batch job it had, or looks a half-submitted one up by name.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kdgat_cluster::JobStatus;
use kdgat_jobs::run_dir::{Completion, now_ms};
use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::Change;
use kdgat_tracking::{Tag, TrackingOp};
use ractor::{Actor, ActorProcessingErr, ActorRef};

use super::attempt::{job_name, resources};
use super::run_book::{self, RunBook};
use super::run_io::{find, follow, submit, unwatch, watch};
use super::scheduler::SchedulerMsg;
use super::shared::{Progress, Shared, blocking};
use super::stage::StageMsg;
use crate::machine::{DECISIONS, Effect, Input, Outcome, Phase, RetryCounts, RunMachine, classify};
use crate::plan::{Plan, PlannedRun};

/// How often a running attempt's events are read when the scheduler polls less often (SLURM).
const EVENTS_EVERY: Duration = Duration::from_secs(1);

/// The Run actor.
pub struct RunActor;

/// Its arguments.
pub struct RunArgs {
    /// The supervisor's shared handles.
    pub shared: Shared,
    /// The sweep.
    pub sweep: String,
    /// The sweep's plan.
    pub plan: Arc<Plan>,
    /// This run.
    pub run: PlannedRun,
    /// Its Stage actor.
    pub parent: ActorRef<StageMsg>,
}

/// Its state.
pub struct RunState {
    pub(super) args: RunArgs,
    pub(super) machine: RunMachine,
    pub(super) book: RunBook,
    /// Attempt records changed since the last commit (an ended one, a new node or pending reason).
    changed_attempts: Vec<kdgat_store::AttemptRecord>,
    pub(super) watching: Option<String>,
    /// The Scheduler actor the submission in progress was handed to.
    pub(super) submitted_to: Option<ractor::ActorId>,
    pub(super) last_status: Instant,
    running_since: Option<Instant>,
    /// The attempt's events say it ended; the scheduler has not said so yet.
    end_in_events: bool,
}

/// Its messages.
pub enum RunMsg {
    /// The runs it depends on completed: run it.
    Start {
        /// Resume from its checkpoint.
        resume: bool,
    },
    /// It is up to date.
    UpToDate,
    /// A run it depends on did not complete.
    UpstreamEnded(String),
    /// The user cancels it.
    Cancel,
    /// The scheduler's view of a batch job.
    Status(String, JobStatus),
    /// A wait is over.
    WaitOver,
    /// Redo what a rebuild from the store starts with (a lookup that failed).
    Recover,
    /// Check that the scheduler still reports on the watched job.
    Watchdog,
    /// Read the attempt's events between the scheduler's polls.
    ReadEvents,
    /// How the submission of attempt `attempt` went: its batch job id, or why not.
    SubmitDone {
        /// The attempt.
        attempt: u32,
        /// The batch job id, or why there is none.
        result: Result<String, String>,
    },
}

impl Actor for RunActor {
    type Msg = RunMsg;
    type State = RunState;
    type Arguments = RunArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: RunArgs,
    ) -> Result<RunState, ActorProcessingErr> {
        let store = args.shared.store.clone();
        let (run_id, sweep) = (args.run.run_id.clone(), args.sweep.clone());
        let (record, attempts, follow) = blocking(move || {
            Ok::<_, kdgat_store::StoreError>((
                store.run(&run_id)?,
                store.attempts_of(&run_id)?,
                store.follow(&run_id)?,
            ))
        })
        .await??;
        let last = attempts.last().cloned();
        let record = record
            .filter(|r| r.sweep_id.as_deref() == Some(sweep.as_str()))
            .unwrap_or_else(|| run_book::new_record(&sweep, &args.run));
        let phase = rebuilt_phase(&record, last.as_ref());
        let retries = RetryCounts::from_history(
            attempts
                .iter()
                .map(|a| (a.state.as_str(), a.node.as_deref())),
        );
        let machine = RunMachine::at(
            phase,
            last.as_ref().map_or(0, |a| a.attempt),
            retries,
            args.shared.limits.clone(),
        );
        let watchdog = (args.shared.poll_every * 20).max(Duration::from_secs(5));
        myself.send_interval(watchdog, || RunMsg::Watchdog);
        if args.shared.poll_every > EVENTS_EVERY {
            myself.send_interval(EVENTS_EVERY, || RunMsg::ReadEvents);
        }
        Ok(RunState {
            book: RunBook {
                record,
                attempt: last,
                follow,
                tracked: false,
            },
            args,
            machine,
            changed_attempts: Vec::new(),
            watching: None,
            submitted_to: None,
            last_status: Instant::now(),
            running_since: None,
            end_in_events: false,
        })
    }

    async fn post_start(
        &self,
        myself: ActorRef<Self::Msg>,
        state: &mut RunState,
    ) -> Result<(), ActorProcessingErr> {
        // A run rebuilt past its submission may have its MLflow run or not (the supervisor may
        // have died before queueing its creation): queue it again — the delivery finds a run
        // already created by its key and creates none twice.
        if state.args.shared.tracking
            && matches!(
                state.machine.phase,
                Phase::Queued { .. } | Phase::Running { .. } | Phase::Waiting { .. }
            )
        {
            let mut change = Change::default();
            ensure_tracked(state, &mut change, None);
            let store = state.args.shared.store.clone();
            blocking(move || store.commit(&change)).await??;
        }
        watch(&myself, state);
        let effects = state.machine.recover();
        carry_out(&myself, state, effects).await
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: RunMsg,
        state: &mut RunState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            RunMsg::Start { resume } => drive(&myself, state, Input::Start { resume }).await,
            RunMsg::UpToDate => drive(&myself, state, Input::UpToDate).await,
            RunMsg::UpstreamEnded(why) => drive(&myself, state, Input::UpstreamEnded(why)).await,
            RunMsg::Cancel => drive(&myself, state, Input::Cancel).await,
            RunMsg::WaitOver => drive(&myself, state, Input::WaitOver).await,
            RunMsg::Recover => {
                let effects = state.machine.recover();
                carry_out(&myself, state, effects).await
            }
            RunMsg::Status(job, status) if state.watching.as_deref() == Some(job.as_str()) => {
                on_status(&myself, state, status).await
            }
            RunMsg::Status(..) => Ok(()),
            RunMsg::ReadEvents if state.watching.is_some() => {
                // Live metrics between polls, and an end seen as soon as the job writes it: the
                // scheduler is asked to poll now (and at each read until it reports the end).
                state.end_in_events |= follow(state).await?;
                if state.end_in_events
                    && let Some(scheduler) = state.args.shared.scheduler()
                {
                    let _ = scheduler.cast(SchedulerMsg::Tick);
                }
                Ok(())
            }
            RunMsg::ReadEvents => Ok(()),
            RunMsg::SubmitDone { attempt, result } => {
                submit_done(&myself, state, attempt, result).await
            }
            RunMsg::Watchdog => {
                let quiet = (state.args.shared.poll_every * 20).max(Duration::from_secs(5));
                if state.watching.is_some() && state.last_status.elapsed() > quiet {
                    // The scheduler actor was restarted and lost its watch list: watch again.
                    state.watching = None;
                    watch(&myself, state);
                }
                let scheduler = state.args.shared.scheduler().map(|s| s.get_id());
                if matches!(state.machine.phase, Phase::Submitting { .. })
                    && state.submitted_to.is_some()
                    && state.submitted_to != scheduler
                {
                    // The scheduler actor holding the submission was restarted and lost it: look
                    // the job up by name (it may have been made), then submit if it was not.
                    state.submitted_to = None;
                    let effects = state.machine.recover();
                    carry_out(&myself, state, effects).await?;
                }
                Ok(())
            }
        }
    }
}

/// The phase a run's records describe (a supervisor restart).
fn rebuilt_phase(
    record: &kdgat_store::RunRecord,
    last: Option<&kdgat_store::AttemptRecord>,
) -> Phase {
    use kdgat_store::RunStatus;
    match record.status {
        RunStatus::Complete => Phase::Complete { skipped: false },
        RunStatus::Failed => Phase::Failed("failed".into()),
        RunStatus::Cancelled => Phase::Cancelled,
        RunStatus::Pending | RunStatus::Unknown => Phase::Pending,
        RunStatus::Running => match last {
            Some(a) => match (a.state.as_str(), &a.scheduler_job_id) {
                ("submitting", _) => Phase::Submitting { attempt: a.attempt },
                ("queued", Some(job)) => Phase::Queued {
                    attempt: a.attempt,
                    job: job.clone(),
                },
                ("running", Some(job)) => Phase::Running {
                    attempt: a.attempt,
                    job: job.clone(),
                },
                _ => Phase::Waiting {
                    attempt: a.attempt + 1,
                },
            },
            None => Phase::Waiting { attempt: 1 },
        },
    }
}

async fn on_status(
    myself: &ActorRef<RunMsg>,
    state: &mut RunState,
    status: JobStatus,
) -> Result<(), ActorProcessingErr> {
    #[cfg(test)]
    super::tests::inject(&status)?;
    state.last_status = Instant::now();
    if let Some(attempt) = &mut state.book.attempt {
        // Where it runs and why it waits, for `kdgat status`, recorded as they change.
        let node = status.node.clone().or_else(|| attempt.node.clone());
        if attempt.node != node || attempt.reason != status.reason {
            attempt.node = node;
            attempt.reason = status.reason.clone();
            state.changed_attempts.push(attempt.clone());
        }
    }
    if !status.state.is_terminal() {
        drive(myself, state, Input::Seen(status.state)).await?;
        state.end_in_events |= follow(state).await?;
        return Ok(());
    }
    // Its last words first, then what they mean.
    follow(state).await?;
    state.end_in_events = false;
    let run_dir = state.args.run.run_dir.clone();
    let completion = blocking(move || Completion::of(&run_dir)).await?;
    let end = classify(&status, &completion);
    if let Some(mut attempt) = state.book.attempt.take() {
        attempt.state = end.class().into();
        attempt.exit = status.exit.map(|e| e.to_string());
        attempt.ended_at = Some(utc_now_iso8601());
        // The scheduler's accounting where it has it (what the cluster bills), else the time this
        // supervisor saw the attempt run.
        let seen_running = state.running_since.take().map(|t| t.elapsed());
        match status.usage {
            Some(usage) => {
                attempt.elapsed_seconds = Some(usage.elapsed.as_secs_f64());
                attempt.cpus = usage.cpus;
                attempt.gpus = usage.gpus;
            }
            None => attempt.elapsed_seconds = seen_running.map(|t| t.as_secs_f64()),
        }
        state.changed_attempts.push(attempt.clone());
        state.book.attempt = Some(attempt);
    }
    unwatch(state);
    drive(myself, state, Input::Ended(end)).await
}

/// Applies `input` and what follows from it: persist, then act, until nothing is left to do.
pub(super) async fn drive(
    myself: &ActorRef<RunMsg>,
    state: &mut RunState,
    input: Input,
) -> Result<(), ActorProcessingErr> {
    let before = state.machine.phase.clone();
    let effects = state.machine.apply(input);
    let phase = state.machine.phase.clone();
    if phase == before && effects.is_empty() && state.changed_attempts.is_empty() {
        return Ok(());
    }
    persist(state, &before, &effects).await?;
    report(state, &effects);
    carry_out(myself, state, effects).await?;
    if phase.is_final() {
        finish(myself, state);
    }
    Ok(())
}

/// Writes the transition to `state.machine.phase` with its recorded events, in one commit.
async fn persist(
    state: &mut RunState,
    before: &Phase,
    effects: &[Effect],
) -> Result<(), ActorProcessingErr> {
    let phase = state.machine.phase.clone();
    let a = &state.args;
    let mut change = Change {
        attempts: std::mem::take(&mut state.changed_attempts),
        ..Change::default()
    };
    match (&phase, before) {
        (Phase::Submitting { attempt }, _) if before != &phase => {
            let r = resources(&a.shared.settings, a.run.kind);
            let name = job_name(&a.sweep, &a.run, *attempt);
            state.book.attempt = Some(run_book::new_attempt(
                &a.run, *attempt, name, r.gpus, r.cpus,
            ));
        }
        (Phase::Queued { job, .. }, Phase::Submitting { .. }) => {
            if let Some(attempt) = &mut state.book.attempt {
                attempt.scheduler_job_id = Some(job.clone());
                attempt.state = "queued".into();
            }
        }
        (Phase::Queued { .. }, Phase::Running { .. }) => {
            // Requeued by the scheduler: it waits to run again.
            if let Some(attempt) = &mut state.book.attempt {
                attempt.state = "queued".into();
            }
        }
        (Phase::Running { .. }, Phase::Queued { .. }) => {
            state.running_since = Some(Instant::now());
            if let Some(attempt) = &mut state.book.attempt {
                attempt.state = "running".into();
                attempt.started_at = Some(utc_now_iso8601());
            }
            retag(state, &mut change);
            ensure_tracked(state, &mut change, None);
        }
        _ => {}
    }
    if let Some(attempt) = &state.book.attempt {
        change.attempts.retain(|x| x.attempt != attempt.attempt);
        change.attempts.push(attempt.clone());
    }
    decided(state, &mut change, effects);
    let a = &state.args;
    let record = run_book::updated_record(&state.book, &phase);
    change.runs.push(record.clone());
    change.events = run_book::recorded(&a.run.run_id, effects);
    if phase == (Phase::Complete { skipped: false }) || (phase.is_final() && state.book.tracked) {
        let (sweep, run, p) = (a.sweep.clone(), a.run.clone(), phase.clone());
        let (tracked, last) = (state.book.tracked, state.book.attempt.clone());
        change = blocking(move || {
            if p == (Phase::Complete { skipped: false }) {
                run_book::outputs(&mut change, &run);
            }
            if tracked {
                let ops = run_book::end_ops(&sweep, &run, &p, last.as_ref(), now_ms());
                run_book::queue(&mut change, ops);
            }
            change
        })
        .await?;
    }
    let store = a.shared.store.clone();
    blocking(move || store.commit(&change)).await??;
    state.book.record = record;
    a.shared.nudge();
    Ok(())
}

/// What the machine decided when an attempt ended goes on that attempt's record (and the book's
/// copy of it), and, with MLflow on, on the run as the tag `kdgat.decision.N`.
fn decided(state: &mut RunState, change: &mut Change, effects: &[Effect]) {
    let Some(why) = effects.iter().find_map(|e| match e {
        Effect::Record(kind, why) if DECISIONS.contains(kind) => Some(why.clone()),
        _ => None,
    }) else {
        return;
    };
    let mut tags = Vec::new();
    for attempt in change
        .attempts
        .iter_mut()
        .filter(|a| a.ended_at.is_some() && a.decision.is_none())
    {
        attempt.decision = Some(why.clone());
        tags.push(Tag::new(
            format!("kdgat.decision.{}", attempt.attempt),
            &why,
        ));
        if let Some(book) = state
            .book
            .attempt
            .as_mut()
            .filter(|b| b.attempt == attempt.attempt)
        {
            book.decision = Some(why.clone());
        }
    }
    if state.book.tracked && !tags.is_empty() {
        let run_key = run_book::run_key(&state.args.sweep, &state.args.run.run_id);
        run_book::queue(change, vec![TrackingOp::SetTags { run_key, tags }]);
    }
}

/// A later attempt of a tracked run: its MLflow run's attempt, batch job and node tags follow it.
fn retag(state: &RunState, change: &mut Change) {
    if let (true, Some(attempt)) = (state.book.tracked, &state.book.attempt) {
        let run_key = run_book::run_key(&state.args.sweep, &state.args.run.run_id);
        let tags = run_book::attempt_tags(attempt);
        run_book::queue(change, vec![TrackingOp::SetTags { run_key, tags }]);
    }
}

/// Queues the MLflow run's creation if tracking is on and it was not created yet; it started at
/// `started_ms` (the job's `started` event) when that is known, else now.
pub(super) fn ensure_tracked(state: &mut RunState, change: &mut Change, started_ms: Option<i64>) {
    let a = &state.args;
    if !a.shared.tracking || state.book.tracked {
        return;
    }
    if let Some(attempt) = &state.book.attempt {
        let start = started_ms.unwrap_or_else(now_ms);
        run_book::queue(
            change,
            run_book::start_ops(&a.sweep, &a.run, attempt, start),
        );
        state.book.tracked = true;
    }
}

fn report(state: &RunState, effects: &[Effect]) {
    for effect in effects {
        if let Effect::Record(what, detail) = effect {
            state.args.shared.report(Progress::Phase {
                run: state.args.run.run_id.clone(),
                what: (*what).to_string(),
                detail: detail.clone(),
            });
        }
    }
}

async fn carry_out(
    myself: &ActorRef<RunMsg>,
    state: &mut RunState,
    effects: Vec<Effect>,
) -> Result<(), ActorProcessingErr> {
    for effect in effects {
        match effect {
            Effect::Submit {
                attempt,
                resume,
                adjust,
            } => {
                if let Some(input) = submit(myself, state, attempt, resume, adjust).await {
                    Box::pin(drive(myself, state, input)).await?;
                }
            }
            Effect::Withdraw { attempt } => {
                if let Some(scheduler) = state.args.shared.scheduler() {
                    let name = job_name(&state.args.sweep, &state.args.run, attempt);
                    let _ = scheduler.cast(SchedulerMsg::Withdraw(name));
                }
            }
            Effect::FindByName { attempt } => find(myself, state, attempt).await?,
            Effect::CancelJob(job) => {
                if let Some(scheduler) = state.args.shared.scheduler() {
                    let _ = scheduler.cast(SchedulerMsg::Cancel(job));
                }
            }
            Effect::WaitFor(delay) => {
                myself.send_after(delay, || RunMsg::WaitOver);
            }
            Effect::Record(..) => {}
        }
    }
    Ok(())
}

/// The Scheduler's answer to a submission: drives the machine with it and watches the job. A job
/// made for an attempt this run no longer waits for is cancelled, never left running unwatched.
async fn submit_done(
    myself: &ActorRef<RunMsg>,
    state: &mut RunState,
    attempt: u32,
    result: Result<String, String>,
) -> Result<(), ActorProcessingErr> {
    if state.machine.phase != (Phase::Submitting { attempt }) {
        if let (Ok(job), Some(scheduler)) = (&result, state.args.shared.scheduler()) {
            tracing::warn!(
                "{}: batch job {job} came for attempt {attempt}, which it no longer waits for; cancelling it",
                state.args.run.run_id
            );
            let _ = scheduler.cast(SchedulerMsg::Cancel(job.clone()));
        }
        return Ok(());
    }
    state.submitted_to = None;
    let input = match result {
        Ok(job) => Input::Submitted { job },
        Err(why) => Input::SubmitFailed(why),
    };
    drive(myself, state, input).await?;
    watch(myself, state);
    Ok(())
}

/// Tells the Stage how the run ended, and stops.
fn finish(myself: &ActorRef<RunMsg>, state: &mut RunState) {
    unwatch(state);
    let (outcome, skipped) = match &state.machine.phase {
        Phase::Complete { skipped } => (Outcome::Complete, *skipped),
        Phase::Cancelled => (Outcome::Cancelled, false),
        Phase::Failed(why) => (Outcome::Failed(why.clone()), false),
        _ => return,
    };
    let run = state.args.run.run_id.clone();
    state.args.shared.report(Progress::Ended {
        run: run.clone(),
        outcome: outcome.clone(),
        skipped,
    });
    let _ = state.args.parent.cast(StageMsg::RunEnded(run, outcome));
    myself.stop(None);
}
