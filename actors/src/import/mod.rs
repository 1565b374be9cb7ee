//! Run directories turned into store records (the backfill, the reference's `populate()`) and into
//! MLflow operations (the import), read through the run-directory contract (`jobs::run_dir`), and
//! the store reconciled with SLURM's history and the MLflow server ([`reconcile`]). The store and
//! the tracking crate take records and operations; only this module reads directories.

mod backfill;
pub mod reconcile;
mod tracking_ops;

pub use backfill::{
    BackfillReport, benchmark_record, metric_records, populate, read_json, run_dirs, run_id_of,
    run_status, teacher_run_id,
};
pub use tracking_ops::{config_params, epoch_points, evaluation_points, run_dir_ops, run_tags};

use std::path::PathBuf;

/// A run directory that could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file's content is not what the contract says (the message names the file and line).
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] kdgat_store::StoreError),
    /// The tracking server failed or refused.
    #[error(transparent)]
    Tracking(#[from] kdgat_tracking::TrackingError),
}
