//! The boundary between kdgat and whatever runs batch jobs: submit a spec, poll many jobs at once,
//! cancel, requeue, and find jobs by name after a supervisor restart. Implemented by
//! [`crate::slurm::SlurmScheduler`] and [`crate::local::LocalScheduler`]. Calls block (they run
//! programs or touch files); the actors call them from blocking tasks.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ClusterError;
use crate::spec::BatchJobSpec;
use crate::status::JobStatus;

/// A scheduler's id for a batch job (`12345` for SLURM, `local-7` for the local executor).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SchedulerJobId(pub String);

impl fmt::Display for SchedulerJobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs batch jobs.
pub trait Scheduler: Send + Sync {
    /// Submits a job; returns its id.
    fn submit(&self, spec: &BatchJobSpec) -> Result<SchedulerJobId, ClusterError>;
    /// The status of every given job, in as few calls to the scheduler as it allows. A job the
    /// scheduler no longer knows is reported as [`crate::JobState::Lost`].
    fn poll(
        &self,
        ids: &[SchedulerJobId],
    ) -> Result<BTreeMap<SchedulerJobId, JobStatus>, ClusterError>;
    /// Cancels a job (a finished or unknown job is not an error).
    fn cancel(&self, id: &SchedulerJobId) -> Result<(), ClusterError>;
    /// Puts a job back in the queue to run again from the start, without delay.
    fn requeue(&self, id: &SchedulerJobId) -> Result<(), ClusterError>;
    /// The jobs with this exact name, with their status.
    fn find_by_name(&self, name: &str) -> Result<Vec<(SchedulerJobId, JobStatus)>, ClusterError>;
    /// Whether the scheduler can take jobs now (its programs run, its controller answers); called
    /// once before a sweep is submitted, so that a setup that cannot work fails before anything runs.
    fn check(&self) -> Result<(), ClusterError> {
        Ok(())
    }
}
