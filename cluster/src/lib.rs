//! Batch schedulers for kdgat: SLURM through its command-line tools (sbatch, squeue, sacct, scancel,
//! scontrol via `std::process`) and a local executor, behind one [`Scheduler`] trait.
//!
//! Glossary: a *batch job* is what a scheduler runs (one attempt of a run); its id is a
//! [`SchedulerJobId`]. Every external call is split into *render → run → parse*: rendering and
//! parsing are pure functions; only [`command::run_checked`] touches `std::process`.

pub mod command;
mod error;
pub mod local;
mod scheduler;
pub mod slurm;
mod spec;
mod status;

pub use error::{ClusterError, SetupProblem};
pub use scheduler::{Scheduler, SchedulerJobId};
pub use spec::{
    BatchJobSpec, EXIT_CODE_FILE, GpuRequest, JOB_ID_FILE, STDERR_FILE, STDOUT_FILE, SUBMIT_SCRIPT,
    SpecError,
};
pub use status::{
    ExitStatus, JobState, JobStatus, NEVER_RUNNABLE_REASONS, Usage, parse_slurm_duration,
};
