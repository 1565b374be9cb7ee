//! The supervisor's decisions as pure state machines, unit-tested without actors: a run's life
//! ([`RunMachine`]), how an attempt ended ([`classify`]) and what follows by its failure class
//! ([`decide`]), the gate of a dataset's DAG ([`Dag`]), and
//! which submissions may go now ([`Admission`]).
//! The actors persist what these decide and carry out their effects.

mod admission;
mod dag;
mod end;
mod retry;
mod run;

pub use admission::{Admission, SubmitLimits};
pub use dag::{Dag, Gate, Outcome};
pub use end::{AttemptEnd, RESUMABLE_EXIT, classify};
pub use retry::{Adjustment, DECISIONS, Decision, RetryCounts, RetryPolicy, decide};
pub use run::{Effect, Input, Limits, Phase, RunMachine};
