//! The kdgat state store: datasets, sweeps, runs, attempts, an append-only event log per run, metrics
//! and the MLflow outbox, in sled behind a narrow API ([`Store`]); a SQLite export compatible with the
//! reference's `project.db` (its `datasets`, `runs` and `metrics` tables, plus ours); the reference's
//! analytics over that export; and the MLflow delivery state (tracked runs, metric high-water marks).
//! It takes records, not directories: what reads run directories lives in `kdgat-actors`.
//!
//! Every record is stored in a versioned envelope ([`envelope`]), and every state transition is flushed
//! to disk before the call returns, so an acknowledged write survives a crash.

mod analytics;
mod change;
pub mod envelope;
mod error;
mod export;
mod ids;
mod open;
mod outbox;
mod query;
mod records;
mod status;
mod store;

pub use analytics::{Analytics, LeaderboardFilters, QueryTable};
pub use change::Change;
pub use error::StoreError;
pub use export::{SCHEMA_SQL, export_sqlite};
pub use ids::{RunIdParts, parse_run_id};
pub use records::{
    AttemptRecord, BenchmarkRecord, DatasetRecord, EventRecord, FollowRecord, InFlightBatch,
    MetricMarks, MetricRecord, NewEvent, RunRecord, RunStatus, SetAsideRecord, SweepRecord,
    TrackedRun,
};
pub use status::AttemptPlace;
pub use store::Store;
