//! What a scheduler says about a batch job: its state (every SLURM job state, mapped by a closed
//! match; an unknown state is an error, never a guess), exit status `code:signal`, reason,
//! restarts, the node it runs on and what it was allocated for how long ([`Usage`]). This is the
//! scheduler's view; the orchestrator's run state lives elsewhere.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A batch job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobState {
    /// Queued, waiting for resources or a dependency (see the reason).
    Pending,
    /// Allocated; nodes booting.
    Configuring,
    /// Executing.
    Running,
    /// Finished or cancelled; cleanup (epilog) in progress.
    Completing,
    /// Exited 0.
    Completed,
    /// Non-zero exit or other failure.
    Failed,
    /// Reached its time limit.
    Timeout,
    /// Cancelled by a user (uid when SLURM says `CANCELLED by <uid>`) or an administrator.
    Cancelled {
        /// The uid that cancelled it, when known.
        by: Option<u32>,
    },
    /// An allocated node failed.
    NodeFail,
    /// Preempted by a higher-priority job.
    Preempted,
    /// Exceeded its memory.
    OutOfMemory,
    /// Failed to launch (hardware), cannot be requeued.
    BootFail,
    /// Its deadline passed before it could start.
    Deadline,
    /// Being requeued.
    Requeued,
    /// Requeued and held.
    RequeueHold,
    /// Requeued by a federation.
    RequeueFed,
    /// Held because its reservation was deleted.
    ResvDelHold,
    /// Being resized.
    Resizing,
    /// Suspended; resources released.
    Suspended,
    /// Held after a special exit.
    SpecialExit,
    /// Revoked by a federation.
    Revoked,
    /// Stopped by SIGSTOP, resources kept.
    Stopped,
    /// Being signalled.
    Signaling,
    /// Staging out data.
    StageOut,
    /// Launch failed.
    LaunchFailed,
    /// Reconfiguration failed.
    ReconfigFail,
    /// Waiting for a node to power up.
    PowerUpNode,
    /// Waiting for a database update.
    UpdateDb,
    /// Not SLURM's: the scheduler no longer knows the job (gone from queue and accounting, or a local
    /// process that vanished without an exit record).
    Lost,
}

impl JobState {
    /// Parses a SLURM state as squeue, sacct or scontrol print it.
    pub fn from_slurm(text: &str) -> Result<JobState, String> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("CANCELLED") {
            let by = rest
                .trim()
                .strip_prefix("by ")
                .and_then(|uid| uid.trim().parse().ok());
            return if rest.is_empty() || rest.starts_with(' ') {
                Ok(JobState::Cancelled { by })
            } else {
                Err(unknown(text))
            };
        }
        Ok(match text {
            "PENDING" | "PD" => JobState::Pending,
            "CONFIGURING" | "CF" => JobState::Configuring,
            "RUNNING" | "R" => JobState::Running,
            "COMPLETING" | "CG" => JobState::Completing,
            "COMPLETED" | "CD" => JobState::Completed,
            "FAILED" | "F" => JobState::Failed,
            "TIMEOUT" | "TO" => JobState::Timeout,
            "CA" => JobState::Cancelled { by: None },
            "NODE_FAIL" | "NF" => JobState::NodeFail,
            "PREEMPTED" | "PR" => JobState::Preempted,
            "OUT_OF_MEMORY" | "OOM" => JobState::OutOfMemory,
            "BOOT_FAIL" | "BF" => JobState::BootFail,
            "DEADLINE" | "DL" => JobState::Deadline,
            "REQUEUED" | "RQ" => JobState::Requeued,
            "REQUEUE_HOLD" | "RH" => JobState::RequeueHold,
            "REQUEUE_FED" | "RF" => JobState::RequeueFed,
            "RESV_DEL_HOLD" | "RD" => JobState::ResvDelHold,
            "RESIZING" | "RS" => JobState::Resizing,
            "SUSPENDED" | "S" => JobState::Suspended,
            "SPECIAL_EXIT" | "SE" => JobState::SpecialExit,
            "REVOKED" | "RV" => JobState::Revoked,
            "STOPPED" | "ST" => JobState::Stopped,
            "SIGNALING" | "SI" => JobState::Signaling,
            "STAGE_OUT" | "SO" => JobState::StageOut,
            "LAUNCH_FAILED" => JobState::LaunchFailed,
            "RECONFIG_FAIL" => JobState::ReconfigFail,
            "POWER_UP_NODE" => JobState::PowerUpNode,
            "UPDATE_DB" => JobState::UpdateDb,
            other => return Err(unknown(other)),
        })
    }

    /// Whether the job has ended for good (no further state change without a requeue).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Completed
                | JobState::Failed
                | JobState::Timeout
                | JobState::Cancelled { .. }
                | JobState::Preempted
                | JobState::NodeFail
                | JobState::OutOfMemory
                | JobState::BootFail
                | JobState::Deadline
                | JobState::Revoked
                | JobState::LaunchFailed
                | JobState::Lost
        )
    }
}

fn unknown(text: &str) -> String {
    format!("unknown SLURM job state `{text}`")
}

/// A job's exit status: the 8-bit exit code and the signal that ended it (SLURM's `code:signal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExitStatus {
    /// The exit code.
    pub code: u8,
    /// The terminating signal, 0 if none.
    pub signal: u8,
}

impl ExitStatus {
    /// Parses `code:signal`.
    pub fn parse(text: &str) -> Result<ExitStatus, String> {
        let bad = || format!("exit code `{text}` is not code:signal");
        let (code, signal) = text.trim().split_once(':').ok_or_else(bad)?;
        Ok(ExitStatus {
            code: code.parse().map_err(|_| bad())?,
            signal: signal.parse().map_err(|_| bad())?,
        })
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.code, self.signal)
    }
}

/// Pending reasons after which a job can never start: it must be cancelled and resubmitted.
pub const NEVER_RUNNABLE_REASONS: [&str; 7] = [
    "DependencyNeverSatisfied",
    "BadConstraints",
    "PartitionConfig",
    "PartitionNodeLimit",
    "PartitionTimeLimit",
    "InvalidAccount",
    "InvalidQOS",
];

/// Everything the scheduler knows about one job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStatus {
    /// The state.
    pub state: JobState,
    /// The exit status, once known (sacct, scontrol, or the local exit file).
    pub exit: Option<ExitStatus>,
    /// The scheduler's reason (pending reason, failure reason), if any.
    pub reason: Option<String>,
    /// How many times it was requeued.
    pub restarts: u32,
    /// The node (or SLURM node list) it runs or ran on, once it has one.
    pub node: Option<String>,
    /// What it was allocated and for how long, where the scheduler accounts for it (sacct, scontrol,
    /// the local executor's clock).
    pub usage: Option<Usage>,
}

/// What a batch job was allocated, and for how long: the figures a cluster bills CPU and GPU hours
/// by (allocated × elapsed), not what its processes used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Wall time from its start to its end (so far, while it runs).
    pub elapsed: Duration,
    /// CPUs allocated.
    pub cpus: u32,
    /// GPUs allocated.
    pub gpus: u32,
}

impl Usage {
    /// The GPUs in a SLURM TRES list (`billing=1,cpu=2,gres/gpu=1,mem=1G,node=1`): `gres/gpu=N`, the
    /// total over GPU types; 0 where it has none.
    pub fn gpus_in_tres(tres: &str) -> u32 {
        tres.split(',')
            .find_map(|item| item.strip_prefix("gres/gpu="))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// Parses SLURM's duration `[D-]HH:MM:SS` (or `MM:SS`) into seconds.
pub fn parse_slurm_duration(text: &str) -> Option<u64> {
    let (days, clock) = match text.split_once('-') {
        Some((d, rest)) => (d.parse::<u64>().ok()?, rest),
        None => (0, text),
    };
    let mut seconds = 0u64;
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    for part in parts {
        seconds = seconds
            .checked_mul(60)?
            .checked_add(part.parse::<u64>().ok()?)?;
    }
    days.checked_mul(86_400)?.checked_add(seconds)
}

impl JobStatus {
    /// A status with just a state.
    pub fn new(state: JobState) -> Self {
        JobStatus {
            state,
            exit: None,
            reason: None,
            restarts: 0,
            node: None,
            usage: None,
        }
    }

    /// Why the job can never run, if it is stuck pending for such a reason.
    pub fn never_runnable(&self) -> Option<&str> {
        let reason = self.reason.as_deref()?;
        (self.state == JobState::Pending && NEVER_RUNNABLE_REASONS.contains(&reason))
            .then_some(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_name_and_code_parses_and_unknown_ones_fail() {
        for (text, state) in [
            ("PENDING", JobState::Pending),
            ("CD", JobState::Completed),
            ("CANCELLED by 0", JobState::Cancelled { by: Some(0) }),
            ("CANCELLED by 1234", JobState::Cancelled { by: Some(1234) }),
            ("CANCELLED", JobState::Cancelled { by: None }),
            ("OUT_OF_MEMORY", JobState::OutOfMemory),
            ("NODE_FAIL", JobState::NodeFail),
            ("SPECIAL_EXIT", JobState::SpecialExit),
            ("REVOKED", JobState::Revoked),
            ("STOPPED", JobState::Stopped),
            ("RESIZING", JobState::Resizing),
            ("DEADLINE", JobState::Deadline),
            ("REQUEUED", JobState::Requeued),
            ("PREEMPTED", JobState::Preempted),
            ("BOOT_FAIL", JobState::BootFail),
            ("SUSPENDED", JobState::Suspended),
        ] {
            assert_eq!(JobState::from_slurm(text), Ok(state), "{text}");
        }
        for bad in ["", "DONE", "CANCELLEDX", "running", "COMPLETED+"] {
            assert!(JobState::from_slurm(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn exit_status_is_code_colon_signal() {
        assert_eq!(
            ExitStatus::parse("3:0"),
            Ok(ExitStatus { code: 3, signal: 0 })
        );
        assert_eq!(ExitStatus::parse("0:15").unwrap().to_string(), "0:15");
        for bad in ["3", "a:b", "300:0", ""] {
            assert!(ExitStatus::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_and_tres_lists_as_slurm_writes_them() {
        for (text, want) in [
            ("00:00:02", Some(2)),
            ("01:02:03", Some(3723)),
            ("2-00:00:01", Some(172_801)),
            ("05:07", Some(307)),
            ("", None),
            ("1:2:3:4", None),
            ("x-00:00:01", None),
            ("INVALID", None),
        ] {
            assert_eq!(parse_slurm_duration(text), want, "{text}");
        }
        assert_eq!(Usage::gpus_in_tres("billing=1,cpu=1,mem=1G,node=1"), 0);
        assert_eq!(
            Usage::gpus_in_tres("billing=4,cpu=4,gres/gpu=2,gres/gpu:v100=2,node=1"),
            2
        );
        assert_eq!(Usage::gpus_in_tres(""), 0);
    }

    #[test]
    fn stuck_reasons_are_recognised() {
        let mut s = JobStatus::new(JobState::Pending);
        s.reason = Some("DependencyNeverSatisfied".into());
        assert_eq!(s.never_runnable(), Some("DependencyNeverSatisfied"));
        s.reason = Some("Resources".into());
        assert_eq!(s.never_runnable(), None);
    }
}
