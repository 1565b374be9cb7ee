//! How an attempt ended, decided from what the scheduler says (its final state, exit status and
//! node) and what the run directory says ([`Completion`]): a pure function, the one place that
//! decides what "the attempt succeeded" means for the supervisor, and which failure class an
//! attempt that did not succeed falls in (what [`decide`](super::retry::decide) acts on).
//!
//! - The run directory is the truth for success: an attempt that exited 0 but did not write its
//!   `finished` event did not succeed.
//! - Preempted or requeued; its node failed (NODE_FAIL, BOOT_FAIL); its time limit (TIMEOUT, or
//!   exit status 75: it checkpointed on the SIGUSR2 that comes before the limit); out of memory;
//!   lost by the scheduler; cancelled; failed — transient when the job's `failed` event says so.

use kdgat_cluster::{JobState, JobStatus};
use kdgat_jobs::run_dir::Completion;

/// The exit status of a job stopped with a resumable checkpoint (`kdgat job exec`'s 75).
pub const RESUMABLE_EXIT: u8 = 75;

/// What an ended attempt means for its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEnd {
    /// The run finished.
    Succeeded,
    /// Preempted or requeued by the scheduler.
    Preempted(String),
    /// Its node failed.
    NodeFailed {
        /// The node, where the scheduler names it.
        node: Option<String>,
        /// What the scheduler said.
        why: String,
    },
    /// It reached (or checkpointed just before) its time limit.
    TimedOut(String),
    /// It ran out of memory.
    OutOfMemory,
    /// The scheduler lost the job.
    Lost(String),
    /// Cancelled.
    Cancelled,
    /// Failed, with why; `transient` when the job reports the cause as one that may pass.
    Failed {
        /// Why.
        why: String,
        /// Whether the cause may pass (a retry may succeed).
        transient: bool,
    },
}

impl AttemptEnd {
    /// The attempt's state in the store: its class, as [`RetryCounts::from_history`] reads it
    /// back.
    ///
    /// [`RetryCounts::from_history`]: super::retry::RetryCounts::from_history
    pub fn class(&self) -> &'static str {
        match self {
            AttemptEnd::Succeeded => "completed",
            AttemptEnd::Preempted(_) => "preempted",
            AttemptEnd::NodeFailed { .. } => "node_failed",
            AttemptEnd::TimedOut(_) => "timed_out",
            AttemptEnd::OutOfMemory => "out_of_memory",
            AttemptEnd::Lost(_) => "lost",
            AttemptEnd::Cancelled => "cancelled",
            AttemptEnd::Failed {
                transient: true, ..
            } => "failed_transient",
            AttemptEnd::Failed { .. } => "failed",
        }
    }
}

/// Classifies an attempt that the scheduler reports ended (`status.state.is_terminal()`).
pub fn classify(status: &JobStatus, completion: &Completion) -> AttemptEnd {
    let code = status.exit.map(|e| e.code);
    match (status.state, completion) {
        (JobState::Cancelled { .. }, _) => AttemptEnd::Cancelled,
        (_, Completion::Finished) => AttemptEnd::Succeeded,
        (JobState::Timeout, _) => AttemptEnd::TimedOut("time limit".into()),
        (JobState::Preempted, _) => AttemptEnd::Preempted("preempted".into()),
        (JobState::Requeued | JobState::RequeueFed, _) => AttemptEnd::Preempted("requeued".into()),
        (JobState::NodeFail | JobState::BootFail | JobState::LaunchFailed, _) => {
            AttemptEnd::NodeFailed {
                node: status.node.clone(),
                why: format!("{:?}", status.state),
            }
        }
        (_, Completion::Interrupted) if code == Some(RESUMABLE_EXIT) => {
            AttemptEnd::TimedOut("stopped with a checkpoint before its time limit".into())
        }
        (JobState::Lost, Completion::Unfinished | Completion::NotStarted) => {
            AttemptEnd::Lost("the scheduler no longer knows the job".into())
        }
        (JobState::OutOfMemory, _) => AttemptEnd::OutOfMemory,
        (_, Completion::Failed { error, transient }) => AttemptEnd::Failed {
            why: error.clone(),
            transient: *transient,
        },
        (JobState::Completed, _) => AttemptEnd::Failed {
            why: "exited 0 without finishing (no `finished` event)".into(),
            transient: false,
        },
        (other, _) => AttemptEnd::Failed {
            why: match status.exit {
                Some(exit) => format!("{other:?}, exit status {exit}"),
                None => format!("{other:?}"),
            },
            transient: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use kdgat_cluster::ExitStatus;

    use super::*;

    fn status(state: JobState, code: Option<u8>) -> JobStatus {
        JobStatus {
            exit: code.map(|code| ExitStatus { code, signal: 0 }),
            node: Some("gpu07".into()),
            ..JobStatus::new(state)
        }
    }

    #[test]
    fn every_way_an_attempt_ends() {
        use AttemptEnd::*;
        let failed = |transient| Completion::Failed {
            error: "no graphs".into(),
            transient,
        };
        let failure = |why: &str, transient| Failed {
            why: why.into(),
            transient,
        };
        for (state, code, completion, want) in [
            (
                JobState::Completed,
                Some(0),
                Completion::Finished,
                Succeeded,
            ),
            (
                JobState::Completed,
                Some(0),
                Completion::Unfinished,
                failure("exited 0 without finishing (no `finished` event)", false),
            ),
            (
                JobState::Failed,
                Some(3),
                failed(false),
                failure("no graphs", false),
            ),
            (
                JobState::Failed,
                Some(3),
                failed(true),
                failure("no graphs", true),
            ),
            (
                JobState::Failed,
                Some(RESUMABLE_EXIT),
                Completion::Interrupted,
                TimedOut("stopped with a checkpoint before its time limit".into()),
            ),
            (
                JobState::Timeout,
                None,
                Completion::Interrupted,
                TimedOut("time limit".into()),
            ),
            (
                JobState::Preempted,
                None,
                Completion::Unfinished,
                Preempted("preempted".into()),
            ),
            (
                JobState::Requeued,
                None,
                Completion::Interrupted,
                Preempted("requeued".into()),
            ),
            (
                JobState::NodeFail,
                None,
                Completion::Unfinished,
                NodeFailed {
                    node: Some("gpu07".into()),
                    why: "NodeFail".into(),
                },
            ),
            (
                JobState::Cancelled { by: Some(0) },
                None,
                Completion::Finished,
                Cancelled,
            ),
            (
                JobState::Lost,
                None,
                Completion::NotStarted,
                Lost("the scheduler no longer knows the job".into()),
            ),
            (JobState::Lost, None, Completion::Finished, Succeeded),
            (
                JobState::OutOfMemory,
                None,
                Completion::Unfinished,
                OutOfMemory,
            ),
            (JobState::OutOfMemory, Some(9), failed(false), OutOfMemory),
            (
                JobState::Failed,
                Some(1),
                Completion::Unfinished,
                failure("Failed, exit status 1:0", false),
            ),
        ] {
            let s = status(state, code);
            assert_eq!(classify(&s, &completion), want, "{state:?} {completion:?}");
        }
    }

    #[test]
    fn each_class_has_its_own_state_name() {
        let names: std::collections::BTreeSet<&str> = [
            AttemptEnd::Succeeded,
            AttemptEnd::Preempted(String::new()),
            AttemptEnd::NodeFailed {
                node: None,
                why: String::new(),
            },
            AttemptEnd::TimedOut(String::new()),
            AttemptEnd::OutOfMemory,
            AttemptEnd::Lost(String::new()),
            AttemptEnd::Cancelled,
            AttemptEnd::Failed {
                why: String::new(),
                transient: true,
            },
            AttemptEnd::Failed {
                why: String::new(),
                transient: false,
            },
        ]
        .iter()
        .map(AttemptEnd::class)
        .collect();
        assert_eq!(names.len(), 9);
    }
}
