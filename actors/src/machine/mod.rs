//! The supervisor's decisions as pure state machines, unit-tested without actors: a run's life
//! ([`RunMachine`]), how an attempt ended ([`classify`]), and the gate of a dataset's DAG ([`Dag`]).
//! The actors persist what these decide and carry out their effects.

mod dag;
mod end;
mod run;

pub use dag::{Dag, Gate, Outcome};
pub use end::{AttemptEnd, RESUMABLE_EXIT, classify};
pub use run::{Effect, Input, Limits, Phase, RunMachine};
