//! How an attempt ended, decided from what the scheduler says (its final state and exit status)
//! and what the run directory says ([`Completion`]): a pure function, the one place that decides
//! what "the attempt succeeded" means for the supervisor.
//!
//! - The run directory is the truth for success: an attempt that exited 0 but did not write its
//!   `finished` event did not succeed.
//! - An attempt stopped with a resumable checkpoint (exit status 75 after SIGUSR2/SIGTERM, or its
//!   last event `preempted`), preempted, requeued, timed out, or lost with its node (NODE_FAIL,
//!   BOOT_FAIL) is resumed: the next attempt continues from the checkpoint.
//! - A job the scheduler lost track of is resubmitted.
//! - A cancelled job is cancelled; anything else failed, with the reason the job gave (its `failed`
//!   event) or the scheduler's.

use kdgat_cluster::{ExitStatus, JobState};
use kdgat_jobs::run_dir::Completion;

/// The exit status of a job stopped with a resumable checkpoint (`kdgat job exec`'s 75).
pub const RESUMABLE_EXIT: u8 = 75;

/// What an ended attempt means for its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEnd {
    /// The run finished.
    Succeeded,
    /// Stopped early; the next attempt resumes from the checkpoint.
    Resumable(String),
    /// The scheduler lost the job; submit it again.
    Lost(String),
    /// Cancelled.
    Cancelled,
    /// Failed, with why.
    Failed(String),
}

/// Classifies an attempt that the scheduler reports ended (`state.is_terminal()`).
pub fn classify(state: JobState, exit: Option<ExitStatus>, completion: &Completion) -> AttemptEnd {
    let code = exit.map(|e| e.code);
    match (state, completion) {
        (JobState::Cancelled { .. }, _) => AttemptEnd::Cancelled,
        (_, Completion::Finished) => AttemptEnd::Succeeded,
        (JobState::Timeout, _) => AttemptEnd::Resumable("time limit".into()),
        (JobState::Preempted | JobState::Requeued | JobState::RequeueFed, _) => {
            AttemptEnd::Resumable("preempted".into())
        }
        (JobState::NodeFail | JobState::BootFail | JobState::LaunchFailed, _) => {
            AttemptEnd::Resumable(format!("{state:?}"))
        }
        (_, Completion::Interrupted) if code == Some(RESUMABLE_EXIT) => {
            AttemptEnd::Resumable("stopped with a checkpoint".into())
        }
        (JobState::Lost, Completion::Unfinished | Completion::NotStarted) => {
            AttemptEnd::Lost("the scheduler no longer knows the job".into())
        }
        (_, Completion::Failed(why)) => AttemptEnd::Failed(why.clone()),
        (JobState::OutOfMemory, _) => AttemptEnd::Failed("out of memory".into()),
        (JobState::Completed, _) => {
            AttemptEnd::Failed("exited 0 without finishing (no `finished` event)".into())
        }
        (other, _) => AttemptEnd::Failed(match exit {
            Some(exit) => format!("{other:?}, exit status {exit}"),
            None => format!("{other:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(code: u8) -> Option<ExitStatus> {
        Some(ExitStatus { code, signal: 0 })
    }

    #[test]
    fn every_way_an_attempt_ends() {
        use AttemptEnd::*;
        let failed = Completion::Failed("no graphs".into());
        for (state, status, completion, want) in [
            (
                JobState::Completed,
                exit(0),
                Completion::Finished,
                Succeeded,
            ),
            (
                JobState::Completed,
                exit(0),
                Completion::Unfinished,
                Failed("exited 0 without finishing (no `finished` event)".into()),
            ),
            (
                JobState::Failed,
                exit(3),
                failed.clone(),
                Failed("no graphs".into()),
            ),
            (
                JobState::Failed,
                exit(RESUMABLE_EXIT),
                Completion::Interrupted,
                Resumable("stopped with a checkpoint".into()),
            ),
            (
                JobState::Timeout,
                None,
                Completion::Interrupted,
                Resumable("time limit".into()),
            ),
            (
                JobState::Preempted,
                None,
                Completion::Unfinished,
                Resumable("preempted".into()),
            ),
            (
                JobState::NodeFail,
                None,
                Completion::Unfinished,
                Resumable("NodeFail".into()),
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
                Failed("out of memory".into()),
            ),
            (
                JobState::Failed,
                exit(1),
                Completion::Unfinished,
                Failed("Failed, exit status 1:0".into()),
            ),
        ] {
            assert_eq!(
                classify(state, status, &completion),
                want,
                "{state:?} {completion:?}"
            );
        }
    }
}
