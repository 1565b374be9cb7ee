//! The cluster supervisor's actor tree (ractor): supervisor, scheduler, tracking, exporter, and one
//! actor per sweep, dataset, stage and run. Decisions live in pure state machines; actors do messaging
//! and I/O. See DESIGN.md ("Actor tree", "Recovery").
//!
//! Glossary: a *run* is one stage for one dataset and variant; an *attempt* is one execution of it,
//! i.e. one batch job (SLURM) or one child process (local executor); a *sweep* is the runs one
//! `kdgat submit` launched, planned by [`plan`]. A [`daemon`] hosts the tree beyond one command.

pub mod daemon;
pub mod import;
pub mod logs;
pub mod machine;
pub mod plan;
pub mod settings;
pub mod tree;
