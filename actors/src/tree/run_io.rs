//! What a Run actor does with the world outside its state machine: it submits an attempt (its
//! files written first) and looks a half-submitted one up by name through the Scheduler actor,
//! watches and unwatches its batch job, and follows the attempt's `events.jsonl` into the store —
//! each line an event, each epoch the run's progress and, with MLflow on, its metric points — in
//! one commit with the offset it read to.

use std::time::{Duration, Instant};

use kdgat_jobs::run_dir::{EventTail, RunDir, SPEC};
use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::{Change, FollowRecord, NewEvent};
use ractor::{ActorProcessingErr, ActorRef};

use super::attempt::{AttemptPlan, job_name, prepare};
use super::run::{RunMsg, RunState, drive, ensure_tracked};
use super::run_book;
use super::scheduler::SchedulerMsg;
use super::shared::{Progress, blocking};
use crate::machine::{Adjustment, Input, Phase};

/// How long a lookup may take (squeue and sacct on a busy controller).
const FIND_TIMEOUT_MS: u64 = 180_000;

/// Writes the attempt's directory and spec and hands it to the Scheduler, which answers in a
/// [`RunMsg::SubmitDone`] once the submission limits let it go; the input to drive now if it could
/// not be handed over.
pub(super) async fn submit(
    myself: &ActorRef<RunMsg>,
    state: &mut RunState,
    attempt: u32,
    resume: bool,
    adjust: Adjustment,
) -> Option<Input> {
    let a = &state.args;
    let (sweep, plan, run) = (a.sweep.clone(), a.plan.clone(), a.run.clone());
    let (settings, exe) = (a.shared.settings.clone(), a.shared.exe.clone());
    let prepared = blocking(move || {
        let attempt_plan = AttemptPlan {
            sweep: &sweep,
            plan: &plan,
            run: &run,
            settings: &settings,
            exe: &exe,
        };
        prepare(&attempt_plan, attempt, resume, &adjust)
    })
    .await;
    let spec = match prepared {
        Ok(Ok(spec)) => spec,
        Ok(Err(e)) => return Some(Input::SubmitFailed(e)),
        Err(e) => return Some(Input::SubmitFailed(e.to_string())),
    };
    let Some(scheduler) = a.shared.scheduler() else {
        return Some(Input::SubmitFailed(
            "the scheduler actor is not running".into(),
        ));
    };
    let sent = scheduler.cast(SchedulerMsg::Submit {
        spec: Box::new(spec),
        run: myself.clone(),
        attempt,
    });
    match sent {
        Ok(()) => {
            state.submitted_to = Some(scheduler.get_id());
            None
        }
        Err(e) => Some(Input::SubmitFailed(e.to_string())),
    }
}

pub(super) async fn find(
    myself: &ActorRef<RunMsg>,
    state: &mut RunState,
    attempt: u32,
) -> Result<(), ActorProcessingErr> {
    let name = job_name(&state.args.sweep, &state.args.run, attempt);
    let found = match state.args.shared.scheduler() {
        Some(s) => ractor::call_t!(s, SchedulerMsg::FindByName, FIND_TIMEOUT_MS, name.clone())
            .map_err(|e| e.to_string())
            .and_then(|r| r),
        None => Err("the scheduler actor is not running".into()),
    };
    match found {
        Ok(Some((job, _))) => Box::pin(drive(myself, state, Input::Found { job })).await?,
        Ok(None) => {
            let spec = RunDir::new(&state.args.run.run_dir)
                .attempt_dir(attempt)
                .join(SPEC);
            let age = blocking(move || {
                std::fs::metadata(&spec)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
            })
            .await?;
            let grace = state.args.shared.submission_grace;
            match age {
                // Its sbatch, started by a supervisor that died, may still create the job.
                Some(age) if age < grace => {
                    let wait = grace - age;
                    tracing::info!(
                        "{}: no batch job {name} yet; looking again in {wait:?} before submitting",
                        state.args.run.run_id
                    );
                    myself.send_after(wait, || RunMsg::Recover);
                }
                _ => Box::pin(drive(myself, state, Input::NotFound)).await?,
            }
        }
        Err(e) => {
            // Never submit twice: look again later rather than guess.
            tracing::warn!(
                "{}: looking up its batch job failed ({e}); retrying",
                state.args.run.run_id
            );
            myself.send_after(Duration::from_secs(5), || RunMsg::Recover);
        }
    }
    watch(myself, state);
    Ok(())
}

/// Reads what the attempt wrote to `events.jsonl` since last time, into the store and MLflow;
/// whether it read the end of an attempt (`finished`, `failed`, `preempted`).
pub(super) async fn follow(state: &mut RunState) -> Result<bool, ActorProcessingErr> {
    let path = RunDir::new(&state.args.run.run_dir).events();
    let f = state.book.follow.clone();
    let read = blocking(move || EventTail::new(&path).read(f.offset, f.lines)).await?;
    let read = match read {
        Ok(read) => read,
        Err(e) => {
            tracing::warn!("{e}");
            return Ok(false);
        }
    };
    if read.events.is_empty() && read.bad_lines.is_empty() && read.offset == f.offset {
        return Ok(false);
    }
    let ended = read
        .events
        .iter()
        .any(|e| e.is_lifecycle() && e.kind != "started");
    let mut next = FollowRecord {
        offset: read.offset,
        lines: read.lines,
        ..state.book.follow.clone()
    };
    let mut change = Change::default();
    if !read.events.is_empty() {
        let started = read.events.iter().find(|e| e.kind == "started");
        ensure_tracked(state, &mut change, started.and_then(|e| e.time_ms));
    }
    let a2 = &state.args;
    let fusion = matches!(
        a2.run.kind,
        crate::plan::RunKind::Model {
            stage: kdgat_jobs::config::Stage::Fusion,
            ..
        }
    );
    let of = a2.run.config.as_ref().map_or(0, |c| {
        i64::from(if fusion {
            c.fusion_episodes
        } else {
            c.max_epochs
        })
    });
    for event in &read.events {
        next.last_event_ms = event.time_ms.or(next.last_event_ms);
        if let Some((step, metrics)) = event.epoch_metrics() {
            next.last_step = Some(step);
            // Epochs count from 0; fusion's step is the number of episodes done.
            let done = if fusion { step } else { step + 1 };
            next.last_metrics = Some(
                serde_json::Value::Object(
                    event
                        .body
                        .get("metrics")
                        .and_then(|m| m.as_object())
                        .cloned()
                        .unwrap_or_default(),
                )
                .to_string(),
            );
            a2.shared.report(Progress::Epoch {
                run: a2.run.run_id.clone(),
                done,
                of,
                metrics,
            });
        }
    }
    change.events = run_book::log_events(&a2.run.run_id, &read.events);
    for (line, why) in &read.bad_lines {
        change.events.push((
            a2.run.run_id.clone(),
            NewEvent {
                at: utc_now_iso8601(),
                kind: "bad_event_line".into(),
                payload: serde_json::json!({ "line": line, "error": why }).to_string(),
            },
        ));
    }
    if state.book.tracked {
        run_book::queue(
            &mut change,
            run_book::epoch_ops(&a2.sweep, &a2.run.run_id, &read.events),
        );
    }
    change.follows.push(next.clone());
    let store = a2.shared.store.clone();
    blocking(move || store.commit(&change)).await??;
    state.book.follow = next;
    state.args.shared.nudge();
    Ok(ended)
}

pub(super) fn watch(myself: &ActorRef<RunMsg>, state: &mut RunState) {
    let job = match &state.machine.phase {
        Phase::Queued { job, .. } | Phase::Running { job, .. } => job.clone(),
        _ => return,
    };
    if state.watching.as_deref() == Some(job.as_str()) {
        return;
    }
    if let Some(scheduler) = state.args.shared.scheduler() {
        let _ = scheduler.cast(SchedulerMsg::Watch(job.clone(), myself.clone()));
        state.watching = Some(job);
        state.last_status = Instant::now();
    }
}

pub(super) fn unwatch(state: &mut RunState) {
    if let (Some(job), Some(scheduler)) = (state.watching.take(), state.args.shared.scheduler()) {
        let _ = scheduler.cast(SchedulerMsg::Unwatch(job));
    }
}
