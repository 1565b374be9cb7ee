//! MLflow tracking over the server's REST API (see MLFLOW-API.md for the API as observed).
//!
//! - [`MlflowClient`]: a thin async client (experiments, runs, log-batch, metric history, proxied
//!   artifacts) with typed replies that accept what the server really sends, errors classified as
//!   transient or permanent, and bounded retries with jittered backoff that honour `Retry-After`.
//! - [`limits`]: the server's batch and length limits, checked before sending (the server truncates
//!   long values silently; we refuse them).
//! - [`TrackingOp`]: what the daemon queues in the store's outbox for MLflow.
//! - [`Drainer`]: the tracking component that delivers the outbox exactly once: runs are found by
//!   their `kdgat.run_key` tag before being created, and metrics carry per-(key, step) high-water
//!   marks in the store, with the batch in flight reconciled against the server after any
//!   uncertain outcome.
//! - Credentials never reach output, logs or the store: a password in `MLFLOW_TRACKING_URI` is
//!   taken out of the URI, and what the server echoes of them is blanked.
//! - [`reference`]: the reference pipeline's logging conventions (sweep parent runs, `model_arch`,
//!   params as Python printed them), shared by whatever produces operations (the supervisor, the
//!   run-directory import).

mod client;
mod config;
mod drain;
mod error;
pub mod limits;
mod ops;
pub mod reference;
mod retry;
mod secrets;
mod wire;

pub use client::{EXPERIMENT_KIND, MlflowClient};
pub use config::{Credentials, DEFAULT_EXPERIMENT, TrackingConfig};
pub use drain::{DrainReport, Drainer, Rejected};
pub use error::TrackingError;
pub use ops::{MetricPoint, RUN_KEY_TAG, TrackingOp};
pub use retry::RetryPolicy;
pub use wire::{
    ArtifactFile, Experiment, Metric, MetricValue, Param, Run, RunData, RunInfo, RunStatus, Tag,
};
