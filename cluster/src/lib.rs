//! Batch schedulers for kdgat: SLURM through its command-line tools (sbatch, squeue, sacct, scancel,
//! scontrol via `std::process`) and a local executor.
//!
//! Every external call is split into *render → run → parse*: rendering and parsing are pure
//! functions; only [`command::run_checked`] touches `std::process`.

pub mod command;
