//! What to do after an attempt that did not finish, by failure class: the policy's knobs
//! ([`RetryPolicy`], the cluster config's `[retry]`), the retries a run has used so far by class
//! ([`RetryCounts`], rebuilt from its attempts after a restart), and the one decision
//! ([`decide`]): resubmit, with what changed for the next attempt ([`Adjustment`]), or give up.
//!
//! | class | next attempt | budget |
//! | --- | --- | --- |
//! | preempted, requeued | resumes | `max_preemptions` (no cost to the others) |
//! | node failure (NODE_FAIL, BOOT_FAIL) | resumes on another node (the failed ones excluded) | `max_node_failures` |
//! | time limit (TIMEOUT, or stopped with a checkpoint before it) | resumes, with `timeout_time_factor` × the time | `max_timeouts` |
//! | out of memory | resumes with `oom_memory_factor` × the memory | `max_oom_retries` |
//! | failed, transient cause (the job says so) | resumes | `max_transient_failures` |
//! | failed otherwise, cancelled | none | |
//! | lost by the scheduler | resubmitted as it was | `max_lost` |

use serde::{Deserialize, Serialize};

use super::end::AttemptEnd;

/// The kinds of the events that record what follows an ended attempt: a retry by its class, or
/// the end of the run.
pub const DECISIONS: [&str; 8] = [
    "preempted",
    "node_failed",
    "timed_out",
    "out_of_memory",
    "failed_transient",
    "lost",
    "failed",
    "cancelled",
];

/// The retry policy's knobs, with their documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Resubmissions after preemption or requeue (they cost nothing else; bounded only so that a
    /// job preempted forever does not loop forever).
    pub max_preemptions: u32,
    /// Resubmissions after the node failed, each excluding the nodes that failed it.
    pub max_node_failures: u32,
    /// Resumes after the time limit.
    pub max_timeouts: u32,
    /// Each resume after a time limit asks for this much more time than the last (1: the same).
    pub timeout_time_factor: f64,
    /// The most time an attempt may ask for, in minutes (no bound when absent).
    pub max_time_minutes: Option<u32>,
    /// Resubmissions after running out of memory (resumed from the last checkpoint, which was
    /// written whole before the memory ran out).
    pub max_oom_retries: u32,
    /// Each resubmission after running out of memory asks for this much more memory.
    pub oom_memory_factor: f64,
    /// The most memory an attempt may ask for, in MB (no bound when absent).
    pub max_mem_mb: Option<u64>,
    /// Retries of a failure whose cause the job reports transient (an I/O error of the shared file
    /// system, a GPU that went away).
    pub max_transient_failures: u32,
    /// Resubmissions of a job the scheduler lost track of.
    pub max_lost: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_preemptions: 20,
            max_node_failures: 3,
            max_timeouts: 3,
            timeout_time_factor: 1.0,
            max_time_minutes: None,
            max_oom_retries: 2,
            oom_memory_factor: 1.5,
            max_mem_mb: None,
            max_transient_failures: 2,
            max_lost: 3,
        }
    }
}

impl RetryPolicy {
    /// The problems with the knobs, each naming its key.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (key, factor) in [
            ("timeout_time_factor", self.timeout_time_factor),
            ("oom_memory_factor", self.oom_memory_factor),
        ] {
            if !(factor.is_finite() && factor >= 1.0) {
                problems.push(format!(
                    "retry.{key} must be a number of at least 1, not {factor}"
                ));
            }
        }
        problems
    }
}

/// The retries a run has used, by class, and the nodes that failed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryCounts {
    /// After preemption or requeue.
    pub preempted: u32,
    /// After node failures.
    pub node_failed: u32,
    /// After time limits.
    pub timed_out: u32,
    /// After running out of memory.
    pub out_of_memory: u32,
    /// After transient failures.
    pub transient: u32,
    /// After the scheduler lost the job.
    pub lost: u32,
    /// Nodes that failed the run, excluded from its next attempts.
    pub bad_nodes: Vec<String>,
}

impl RetryCounts {
    /// The counts of a run whose ended attempts had these classes ([`AttemptEnd::class`]) and
    /// nodes: what a supervisor rebuilt from the store starts from.
    pub fn from_history<'a>(ended: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Self {
        let mut counts = RetryCounts::default();
        for (class, node) in ended {
            match class {
                "preempted" => counts.preempted += 1,
                "node_failed" => {
                    counts.node_failed += 1;
                    counts.exclude(node);
                }
                "timed_out" => counts.timed_out += 1,
                "out_of_memory" => counts.out_of_memory += 1,
                "failed_transient" => counts.transient += 1,
                "lost" => counts.lost += 1,
                _ => {}
            }
        }
        counts
    }

    /// What the next attempt changes: the nodes to avoid, and how many times its time and memory
    /// grow.
    pub fn adjustment(&self) -> Adjustment {
        Adjustment {
            exclude: self.bad_nodes.clone(),
            more_time: self.timed_out,
            more_memory: self.out_of_memory,
        }
    }

    fn exclude(&mut self, node: Option<&str>) {
        if let Some(node) = node
            && !self.bad_nodes.iter().any(|n| n == node)
        {
            self.bad_nodes.push(node.to_string());
        }
    }
}

/// What the next attempt of a run changes from its stage's resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adjustment {
    /// Nodes not to run on (`--exclude`).
    pub exclude: Vec<String>,
    /// Times its time limit grows by the policy's `timeout_time_factor`.
    pub more_time: u32,
    /// Times its memory grows by the policy's `oom_memory_factor`.
    pub more_memory: u32,
}

impl Adjustment {
    /// The time limit of the next attempt, from the stage's `base`.
    pub fn time_minutes(&self, policy: &RetryPolicy, base: u32) -> u32 {
        let cap = policy.max_time_minutes.map(u64::from);
        let grown = grow(
            u64::from(base),
            policy.timeout_time_factor,
            self.more_time,
            cap,
        );
        u32::try_from(grown).unwrap_or(u32::MAX)
    }

    /// The memory of the next attempt, from the stage's `base`.
    pub fn mem_mb(&self, policy: &RetryPolicy, base: u64) -> u64 {
        grow(
            base,
            policy.oom_memory_factor,
            self.more_memory,
            policy.max_mem_mb,
        )
    }
}

/// `base` grown `times` times by `factor`, no higher than `cap` (the cap bounds growth only: never
/// below `base`).
fn grow(base: u64, factor: f64, times: u32, cap: Option<u64>) -> u64 {
    let grown = base as f64 * factor.powi(i32::try_from(times).unwrap_or(i32::MAX));
    // A float beyond u64's range saturates in the cast.
    let grown = grown as u64;
    cap.map_or(grown, |cap| grown.min(cap)).max(base)
}

/// What follows an attempt that did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Submit another attempt.
    Retry {
        /// The event recorded (the class).
        kind: &'static str,
        /// Why, for people: what happened and what the next attempt does about it.
        why: String,
        /// Whether the next attempt resumes from the checkpoint.
        resume: bool,
    },
    /// The run fails.
    GiveUp(String),
    /// Nothing to decide: the attempt succeeded or was cancelled.
    NotAFailure,
}

/// Decides what follows `end`, counting the retry it uses in `counts`. `resume` is whether the
/// attempt that ended resumed: a lost job's next attempt does as it did.
pub fn decide(
    end: &AttemptEnd,
    counts: &mut RetryCounts,
    policy: &RetryPolicy,
    resume: bool,
) -> Decision {
    // The class, its count and budget, what happened, what the next attempt does about it.
    let (kind, count, max, cause, remedy, next_resumes) = match end {
        AttemptEnd::Succeeded | AttemptEnd::Cancelled => return Decision::NotAFailure,
        AttemptEnd::Failed {
            why,
            transient: false,
        } => return Decision::GiveUp(why.clone()),
        AttemptEnd::Preempted(why) => (
            "preempted",
            &mut counts.preempted,
            policy.max_preemptions,
            why.clone(),
            "resumed, at no cost to the retry budget".to_string(),
            true,
        ),
        AttemptEnd::NodeFailed { node, why } => {
            counts.exclude(node.as_deref());
            let (cause, remedy) = match node {
                Some(node) => (
                    format!("{why} on {node}"),
                    format!("resumed on another node than {node}"),
                ),
                None => (why.clone(), "resumed".to_string()),
            };
            let count = &mut counts.node_failed;
            (
                "node_failed",
                count,
                policy.max_node_failures,
                cause,
                remedy,
                true,
            )
        }
        AttemptEnd::TimedOut(why) => (
            "timed_out",
            &mut counts.timed_out,
            policy.max_timeouts,
            why.clone(),
            if policy.timeout_time_factor > 1.0 {
                format!("resumed with {}x the time", policy.timeout_time_factor)
            } else {
                "resumed from its checkpoint".to_string()
            },
            true,
        ),
        AttemptEnd::OutOfMemory => (
            "out_of_memory",
            &mut counts.out_of_memory,
            policy.max_oom_retries,
            "out of memory".to_string(),
            format!("resumed with {}x the memory", policy.oom_memory_factor),
            true,
        ),
        AttemptEnd::Failed {
            why,
            transient: true,
        } => (
            "failed_transient",
            &mut counts.transient,
            policy.max_transient_failures,
            format!("{why} (transient)"),
            "resumed".to_string(),
            true,
        ),
        AttemptEnd::Lost(why) => (
            "lost",
            &mut counts.lost,
            policy.max_lost,
            why.clone(),
            "submitted again".to_string(),
            resume,
        ),
    };
    if *count >= max {
        let retries = if max == 1 { "retry" } else { "retries" };
        return Decision::GiveUp(format!("{cause}: gave up after {max} {retries}"));
    }
    *count += 1;
    Decision::Retry {
        kind,
        why: format!("{cause}: {remedy}"),
        resume: next_resumes,
    }
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
