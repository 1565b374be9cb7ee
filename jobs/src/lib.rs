//! The compute side of kdgat: what runs inside a batch job (`kdgat job exec`) and what the data
//! commands call directly.
//!
//! Glossary (shared with the other crates):
//! - *dataset*: a CAN capture collection in the [`catalog`] (`hcrl_sa`, `set_01`, …);
//! - *stage*: one kind of pipeline step ([`config::Stage`]);
//! - *run*: one stage for one dataset, model size and KD flag, identified by
//!   `dataset/size_stage[_kd]` ([`config::run_id`]);
//! - *batch job*: what SLURM (or the local executor) runs; never called just "job" in code.
//!
//! This crate knows nothing of actors, the state store or the cluster: it reads inputs and writes
//! outputs in directories it is given.

pub mod atomic;
pub mod can;
pub mod catalog;
pub mod config;
pub mod graph;
pub mod ingest;
pub mod metrics;
#[cfg(feature = "train")]
pub mod models;
mod parallel;
pub mod reference_data;
pub mod run_dir;
#[cfg(feature = "train")]
pub mod stages;
pub mod synth;
pub mod timestamp;
#[cfg(feature = "train")]
pub mod torch;
#[cfg(feature = "train")]
pub mod training;
pub mod transient;
