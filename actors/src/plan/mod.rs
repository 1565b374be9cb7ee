//! Sweep planning, pure where it can be: a [`SweepRequest`] (from the command line or a TOML sweep
//! file) becomes a [`Plan`] — the runs of the stage DAG with their configs and dependencies — and,
//! given what the run directories hold ([`Observed`]), a decision per run: up to date, or to run
//! and why ([`Freshness`]). The per-stage resources and the dry run's estimate live in
//! [`crate::settings`].

mod dry_run;
mod error;
mod freshness;
mod observe;
pub(crate) mod planner;
mod request;
mod sweep_file;

pub use dry_run::{DryRun, DryRunRow, dry_run};
pub use error::PlanError;
pub use freshness::{Freshness, Observed, decide};
pub use observe::{graphs_work, observe};
pub use planner::{Plan, PlannedRun, RunKind, plan};
pub use request::{GridAxis, ScopedOverride, SweepRequest, applies, check_name, parse_sets};
pub use sweep_file::SweepFile;
