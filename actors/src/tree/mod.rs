//! The actor tree (DESIGN.md "Actor tree"): Supervisor → Sweep → Dataset → Stage → Run, with the
//! Scheduler, Exporter and Tracking services under the Supervisor. Each actor file follows the same
//! order: the actor, its arguments, state and messages, the `Actor` impl, then private helpers.
//! [`Session`] starts a tree in this process and is how the binary drives it.

mod attempt;
mod dataset;
mod exporter;
mod restart;
mod run;
mod run_book;
mod run_io;
mod scheduler;
mod session;
mod shared;
mod stage;
mod submission;
mod supervisor;
mod sweep;
#[cfg(test)]
mod tests;
mod tracking;

pub use attempt::{job_name, resources};
pub use restart::{RestartPolicy, Restarts};
pub use run_book::run_key;
pub use session::{Session, SessionConfig, SessionHandle, scheduler_for};
pub use shared::Progress;
pub use submission::{RecordedSweep, SweepSubmission, active_sweeps, recorded};
pub use sweep::sweep_state;
