//! The dataset catalog: which datasets exist, where their CSV folders are, and what is on disk.
//!
//! It reads the legacy `datasets.yaml` format; the six datasets the pipeline knows, and `synthetic`
//! (what `kdgat synth` generates), are built in, so a user needs no file. A catalog's `csv_dir` of `data/automotive/hcrl_sa` resolves against the data
//! root (`--data-root`, default `data/`) as `<data root>/automotive/hcrl_sa`.

mod captures;
mod entry;
mod presence;

pub use captures::{CaptureFile, Listing, capture_files};
pub use entry::{Catalog, CatalogError, DatasetEntry, FolderRole};
pub use presence::{DatasetPresence, FolderPresence, PresenceStatus, survey};
