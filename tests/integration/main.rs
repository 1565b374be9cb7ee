//! Integration tests of the real `kdgat` binary and of the real services it drives. One test binary:
//!
//! - `cli`: every subcommand's help, exit codes, `config`, `datasets`;
//! - `data_stages`: ingest and graph construction on the real hcrl_sa captures;
//! - `data_inputs`: bad and odd input files, on small captures written by the tests;
//! - `errors`: each mistake on the way to a finished sweep, its cause line, fix line and exit status;
//! - `hardening`: careless and hostile input: tracking setups that fail, secrets,
//!   `db export`/`db query` limits, a damaged store, closed pipes, catalog names, skipped folders;
//! - `real_slurm`: a batch job through the real SLURM cluster, seen in sacct;
//! - `recovery`: failure classes on the real SLURM cluster: a transient failure retried within its
//!   budget, a fatal one not, a requeued job going on as the same attempt, a job cancelled outside;
//! - `recovery_chaos`: the daemon SIGKILLed again and again during a sweep on SLURM with MLflow:
//!   nothing lost, nothing submitted or delivered twice;
//! - `recovery_outages`: slurmctld, slurmdbd and MLflow each stopped for 60 s during a sweep: no
//!   run fails, nothing is lost or duplicated;
//! - `report`: `kdgat synth`, the three chains on it and `kdgat report`, opened in headless Chromium;
//! - `schedulers`: one behaviour suite for the SLURM adapter and the local executor;
//! - `submit`: `kdgat submit` through the in-process supervisor: three variants on a small
//!   dataset, agreement of metrics.json, the database, `status` and MLflow; reruns of what changed;
//!   the dry run; names that would escape; no credentials in a job's environment;
//! - `submit_slurm`: `kdgat submit` through sbatch on the real SLURM cluster;
//! - `store_backfill`: the legacy backfill, export and analytics on the reference's run directories;
//! - `synth`: `kdgat synth` where the catalog reads it, kept when identical, refused elsewhere;
//! - `real_mlflow`: an experiment created on the real MLflow server and read back;
//! - `tracking`: MLflow tracking end to end: import and Python read-back, outages and lost replies
//!   delivered exactly once, the MLflow UI in headless Chromium;
//! - `training`: `kdgat job exec` on a synthetic cache, stopped by SIGTERM and resumed;
//! - `support`: the `kdgat` command builder and the service gate; `fake_http`: the tests' own
//!   misbehaving HTTP server (tracking/tests/support), for faults a real MLflow cannot produce.
//!
//! `scripts/test.sh` starts SLURM and MLflow and sets `KDGAT_REQUIRE_SERVICES=1`, so there the service
//! tests always run; a plain `cargo test` without the services reports them skipped.

mod cli;
mod daemon;
mod daemon_slurm;
mod data_inputs;
mod data_stages;
mod errors;
#[path = "../../tracking/tests/support/mod.rs"]
mod fake_http;
mod hardening;
mod real_mlflow;
mod real_slurm;
mod recovery;
mod recovery_chaos;
mod recovery_outages;
mod report;
mod schedulers;
mod store_backfill;
mod submit;
mod submit_slurm;
mod support;
mod synth;
mod tracking;
mod training;
