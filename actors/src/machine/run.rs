//! A run's life as a pure state machine: [`RunMachine::apply`] takes what happened ([`Input`]) and
//! returns what to do ([`Effect`]); the Run actor persists the new [`Phase`] and then carries the
//! effects out. Nothing here blocks, sleeps or touches a file, so every transition is unit-tested.
//!
//! Pending → (Start) Submitting → (Submitted) Queued → Running → Complete | Failed | Cancelled, with
//! the detours the scheduler can force: a failed submission waits and tries again (bounded); an
//! attempt that did not finish is retried as its failure class allows ([`decide`]: preempted,
//! node failure, time limit, out of memory, transient failure, lost; each bounded), the next
//! attempt resuming and adjusted ([`Adjustment`]: other nodes, more time or memory); a supervisor
//! restarted while an attempt was being submitted looks the batch job up by name before submitting
//! anything.

use std::time::Duration;

use kdgat_cluster::JobState;
use kdgat_store::RunStatus;

use super::end::AttemptEnd;
use super::retry::{Adjustment, Decision, RetryCounts, RetryPolicy, decide};

/// Where a run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the runs it depends on.
    Pending,
    /// Attempt `attempt` is recorded and being submitted; its batch job may exist (by name).
    Submitting {
        /// The attempt.
        attempt: u32,
    },
    /// In the scheduler's queue.
    Queued {
        /// The attempt.
        attempt: u32,
        /// Its batch job.
        job: String,
    },
    /// Executing.
    Running {
        /// The attempt.
        attempt: u32,
        /// Its batch job.
        job: String,
    },
    /// Waiting before attempt `attempt` is submitted.
    Waiting {
        /// The attempt to submit.
        attempt: u32,
    },
    /// Done: finished now, or up to date (`skipped`).
    Complete {
        /// Whether it was up to date and did not run.
        skipped: bool,
    },
    /// Failed for good.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
}

impl Phase {
    /// The run's status in the store.
    pub fn status(&self) -> RunStatus {
        match self {
            Phase::Pending => RunStatus::Pending,
            Phase::Submitting { .. }
            | Phase::Queued { .. }
            | Phase::Running { .. }
            | Phase::Waiting { .. } => RunStatus::Running,
            Phase::Complete { .. } => RunStatus::Complete,
            Phase::Failed(_) => RunStatus::Failed,
            Phase::Cancelled => RunStatus::Cancelled,
        }
    }

    /// Whether the run is over.
    pub fn is_final(&self) -> bool {
        self.status().is_final()
    }
}

/// What happened to a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Finished earlier with this config: nothing to run.
    UpToDate,
    /// Its dependencies are done: run it (`resume`: from its checkpoint).
    Start {
        /// Resume from the run directory's checkpoint.
        resume: bool,
    },
    /// A run it depends on failed or was cancelled.
    UpstreamEnded(String),
    /// The scheduler took the batch job.
    Submitted {
        /// Its id.
        job: String,
    },
    /// The scheduler refused or could not be reached.
    SubmitFailed(String),
    /// After a restart, the batch job of the attempt being submitted was found by name.
    Found {
        /// Its id.
        job: String,
    },
    /// After a restart, no batch job of the attempt being submitted exists.
    NotFound,
    /// The scheduler reports a state that is not an end.
    Seen(JobState),
    /// The attempt ended.
    Ended(AttemptEnd),
    /// The user cancels the run.
    Cancel,
    /// A wait is over.
    WaitOver,
}

/// What the actor does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Write attempt `attempt`'s directory and spec, then submit it.
    Submit {
        /// The attempt.
        attempt: u32,
        /// Resume from the checkpoint.
        resume: bool,
        /// What it changes from the stage's resources.
        adjust: Adjustment,
    },
    /// Look up the batch job of attempt `attempt` by its name.
    FindByName {
        /// The attempt.
        attempt: u32,
    },
    /// Cancel a batch job.
    CancelJob(String),
    /// Withdraw attempt `attempt`'s submission if it is still waiting for the submission limits.
    Withdraw {
        /// The attempt.
        attempt: u32,
    },
    /// Send [`Input::WaitOver`] after this long.
    WaitFor(Duration),
    /// Record an event of the run (kind, detail).
    Record(&'static str, String),
}

/// Bounds on what the machine retries.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// What attempts that did not finish get, by failure class.
    pub retry: RetryPolicy,
    /// Failed submissions in a row before the run fails.
    pub max_submit_failures: u32,
    /// The first wait after a failed submission; doubled each time, up to a minute.
    pub first_backoff: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            retry: RetryPolicy::default(),
            max_submit_failures: 5,
            first_backoff: Duration::from_secs(2),
        }
    }
}

/// A run's state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMachine {
    /// Where it stands.
    pub phase: Phase,
    /// Attempts made so far (the last one's number).
    pub attempts: u32,
    /// The retries used so far, by failure class.
    pub retries: RetryCounts,
    /// Failed submissions in a row.
    pub submit_failures: u32,
    /// Whether the next submission resumes from the checkpoint.
    pub resume_next: bool,
    /// The user asked to cancel while a submission was in flight.
    pub cancel_requested: bool,
    /// Its bounds.
    pub limits: Limits,
}

impl RunMachine {
    /// A new run, waiting for its dependencies.
    pub fn new(limits: Limits) -> RunMachine {
        RunMachine::at(Phase::Pending, 0, RetryCounts::default(), limits)
    }

    /// A run rebuilt from the store: its phase, the number of its last attempt and the retries
    /// its ended attempts used. A restart in the middle of a submission first looks for the batch
    /// job by name.
    pub fn at(phase: Phase, attempts: u32, retries: RetryCounts, limits: Limits) -> RunMachine {
        RunMachine {
            phase,
            attempts,
            retries,
            submit_failures: 0,
            resume_next: true,
            cancel_requested: false,
            limits,
        }
    }

    /// What to do first after a rebuild from the store.
    pub fn recover(&self) -> Vec<Effect> {
        match self.phase {
            Phase::Submitting { attempt } => vec![Effect::FindByName { attempt }],
            Phase::Waiting { .. } => vec![Effect::WaitFor(Duration::ZERO)],
            _ => Vec::new(),
        }
    }

    /// Applies `input`; returns the effects, in order.
    pub fn apply(&mut self, input: Input) -> Vec<Effect> {
        use Phase::*;
        match (self.phase.clone(), input) {
            (phase, _) if phase.is_final() => Vec::new(),
            (Pending, Input::UpToDate) => {
                self.phase = Complete { skipped: true };
                vec![Effect::Record("skipped", "up to date".into())]
            }
            (Pending, Input::Start { resume }) => {
                self.resume_next = resume;
                self.submit_next()
            }
            (_, Input::UpstreamEnded(why)) => {
                let mut effects = self.cancel_job();
                self.phase = Failed(format!("not run: {why}"));
                effects.push(Effect::Record("upstream_failed", why));
                effects
            }
            (_, Input::Cancel) => self.cancel(),
            (Submitting { attempt }, Input::Submitted { job } | Input::Found { job }) => {
                self.submit_failures = 0;
                self.phase = Queued {
                    attempt,
                    job: job.clone(),
                };
                let mut effects = vec![Effect::Record("submitted", job.clone())];
                if self.cancel_requested {
                    effects.push(Effect::CancelJob(job));
                }
                effects
            }
            (Submitting { attempt }, Input::NotFound) => {
                // Nothing was submitted: submit this attempt now.
                vec![Effect::Submit {
                    attempt,
                    resume: self.resume_next,
                    adjust: self.retries.adjustment(),
                }]
            }
            (Submitting { attempt }, Input::SubmitFailed(why)) => {
                self.submit_failures += 1;
                if self.cancel_requested {
                    self.phase = Cancelled;
                    return vec![Effect::Record("cancelled", "before submission".into())];
                }
                if self.submit_failures >= self.limits.max_submit_failures {
                    self.phase = Failed(format!(
                        "submission failed {} times: {why}",
                        self.submit_failures
                    ));
                    return vec![Effect::Record("submit_failed", why)];
                }
                self.phase = Waiting {
                    attempt: attempt + 1,
                };
                let factor = 1u32 << (self.submit_failures - 1).min(5);
                let delay = (self.limits.first_backoff * factor).min(Duration::from_secs(60));
                vec![Effect::Record("submit_failed", why), Effect::WaitFor(delay)]
            }
            (Waiting { attempt }, Input::WaitOver) => {
                self.attempts = attempt - 1;
                self.submit_next()
            }
            (Queued { attempt, job }, Input::Seen(JobState::Running)) => {
                self.phase = Running {
                    attempt,
                    job: job.clone(),
                };
                vec![Effect::Record("running", job)]
            }
            (
                Running { attempt, job },
                Input::Seen(
                    JobState::Pending
                    | JobState::Requeued
                    | JobState::RequeueHold
                    | JobState::RequeueFed,
                ),
            ) => {
                // SLURM requeued it (preemption in requeue mode, `scontrol requeue`): the same
                // batch job runs again, so this attempt goes on.
                self.phase = Queued {
                    attempt,
                    job: job.clone(),
                };
                vec![Effect::Record(
                    "requeued",
                    format!(
                        "batch job {job} was requeued: it runs again as the same attempt, at no cost to the retry budget"
                    ),
                )]
            }
            (Queued { .. } | Running { .. }, Input::Seen(_)) => Vec::new(),
            (Queued { job, .. } | Running { job, .. }, Input::Ended(end)) => {
                // The scheduler may still run a job it reported ended (SLURM requeues preempted
                // and node-failed jobs that allow it): the job an attempt replaces is cancelled
                // first, so the two never run side by side.
                let mut effects = self.ended(end);
                if effects.iter().any(|e| matches!(e, Effect::Submit { .. })) {
                    effects.insert(0, Effect::CancelJob(job));
                }
                effects
            }
            _ => Vec::new(),
        }
    }

    fn submit_next(&mut self) -> Vec<Effect> {
        self.attempts += 1;
        self.phase = Phase::Submitting {
            attempt: self.attempts,
        };
        vec![Effect::Submit {
            attempt: self.attempts,
            resume: self.resume_next,
            adjust: self.retries.adjustment(),
        }]
    }

    fn cancel_job(&self) -> Vec<Effect> {
        match &self.phase {
            Phase::Queued { job, .. } | Phase::Running { job, .. } => {
                vec![Effect::CancelJob(job.clone())]
            }
            _ => Vec::new(),
        }
    }

    fn cancel(&mut self) -> Vec<Effect> {
        match self.phase {
            Phase::Submitting { attempt } => {
                // The job may be created any moment: cancel it once its id is known, or withdraw
                // the submission while it waits.
                self.cancel_requested = true;
                vec![Effect::Withdraw { attempt }]
            }
            Phase::Queued { .. } | Phase::Running { .. } => {
                self.cancel_requested = true;
                self.cancel_job()
            }
            _ => {
                self.phase = Phase::Cancelled;
                vec![Effect::Record("cancelled", "by the user".into())]
            }
        }
    }

    fn ended(&mut self, end: AttemptEnd) -> Vec<Effect> {
        match end {
            AttemptEnd::Succeeded => {
                self.phase = Phase::Complete { skipped: false };
                vec![Effect::Record("complete", String::new())]
            }
            AttemptEnd::Cancelled => {
                self.phase = Phase::Cancelled;
                let by = if self.cancel_requested {
                    "by the user"
                } else {
                    "outside kdgat"
                };
                vec![Effect::Record("cancelled", by.into())]
            }
            _ if self.cancel_requested => {
                self.phase = Phase::Cancelled;
                vec![Effect::Record("cancelled", "by the user".into())]
            }
            end => match decide(
                &end,
                &mut self.retries,
                &self.limits.retry,
                self.resume_next,
            ) {
                Decision::Retry { kind, why, resume } => {
                    self.resume_next = resume;
                    let mut effects = vec![Effect::Record(kind, why)];
                    effects.extend(self.submit_next());
                    effects
                }
                Decision::GiveUp(why) => {
                    self.phase = Phase::Failed(why.clone());
                    vec![Effect::Record("failed", why)]
                }
                Decision::NotAFailure => Vec::new(),
            },
        }
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
