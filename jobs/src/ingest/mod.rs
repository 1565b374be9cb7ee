//! `kdgat ingest`: every CSV of a dataset's catalog folders to Parquet
//! (`<parquet root>/{domain}/{dataset}/{subdir}__{stem}.parquet`), rows validated, files converted in
//! parallel, plus the dataset statistics (`dataset_stats.json`) the store records later. A catalog
//! folder or file that is not read (missing, not a folder, a looping link) is reported as a warning
//! of the report, or in the error when nothing at all is left to read.

mod stats;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use stats::{DatasetStats, attack_types};

use crate::can::{BadRowPolicy, CanDataError, CsvReport, read_csv, write_parquet};
use crate::catalog::{CaptureFile, DatasetEntry, Listing, capture_files};
use crate::parallel::map_in_parallel;

/// Where ingest reads and writes.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The raw data root (`--data-root`).
    pub data_root: PathBuf,
    /// Where Parquet goes (`data/parquet` by default).
    pub parquet_root: PathBuf,
    /// What to do with bad rows.
    pub on_bad_row: BadRowPolicy,
}

/// An ingest failure.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No CSV under any catalog folder.
    #[error("dataset {dataset}: no CSV files under {dir} (looked in: {folders}){}", skipped_text(.skipped))]
    NoFiles {
        /// The dataset.
        dataset: String,
        /// Its resolved root.
        dir: PathBuf,
        /// The catalog folders, comma-separated.
        folders: String,
        /// What was passed over, and why.
        skipped: Vec<String>,
    },
    /// A capture could not be read or written.
    #[error(transparent)]
    Data(#[from] CanDataError),
    /// The statistics file could not be written.
    #[error("failed to write {path}")]
    Stats {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

fn skipped_text(skipped: &[String]) -> String {
    skipped.iter().map(|s| format!("; {s}")).collect()
}

/// One converted file.
#[derive(Debug, Clone, Serialize)]
pub struct IngestedFile {
    /// `subdir/file.csv`.
    pub source_file: String,
    /// The Parquet file written.
    pub output: PathBuf,
    /// Rows read and skipped.
    #[serde(flatten)]
    pub report: CsvReport,
}

/// What an ingest did.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// Per file, in sorted order.
    pub files: Vec<IngestedFile>,
    /// The dataset statistics (also written as `dataset_stats.json`).
    pub stats: DatasetStats,
    /// Catalog folders and files that were not read, and why.
    pub warnings: Vec<String>,
}

/// The capture files of a dataset's catalog folders, in catalog order, each folder sorted, with
/// what was passed over.
pub fn dataset_csv_files(entry: &DatasetEntry, data_root: &Path) -> Listing {
    let root = entry.csv_path(data_root);
    let mut all = Listing::default();
    for (_, folder) in entry.folders() {
        match capture_files(&root, folder, &[]) {
            Ok(listing) => {
                all.files.extend(listing.files);
                all.skipped.extend(listing.skipped);
            }
            Err(e) => all.skipped.push(format!(
                "{} cannot be listed ({e}): skipped",
                root.join(folder).display()
            )),
        }
    }
    all
}

/// Converts a dataset; files are read and written in parallel, one per worker.
pub fn ingest_dataset(
    name: &str,
    entry: &DatasetEntry,
    options: &IngestOptions,
) -> Result<IngestReport, IngestError> {
    let Listing { files, skipped } = dataset_csv_files(entry, &options.data_root);
    if files.is_empty() {
        let folders: Vec<&str> = entry.folders().into_iter().map(|(_, f)| f).collect();
        return Err(IngestError::NoFiles {
            dataset: name.to_string(),
            dir: entry.csv_path(&options.data_root),
            folders: folders.join(", "),
            skipped,
        });
    }
    let out_dir = options.parquet_root.join(&entry.domain).join(name);
    let converted = map_in_parallel(&files, |file| {
        convert_file(file, &out_dir, options.on_bad_row)
    });
    let mut ingested = Vec::with_capacity(files.len());
    let mut stats = DatasetStats::new(name, entry);
    for result in converted {
        let (file, ids, attack_rows) = result?;
        stats.add_file(&file.report, &ids, attack_rows);
        ingested.push(file);
    }
    stats.finish();
    let stats_path = out_dir.join("dataset_stats.json");
    let json = serde_json::to_vec_pretty(&stats).map_err(|e| IngestError::Stats {
        path: stats_path.clone(),
        source: e.into(),
    })?;
    crate::atomic::write_atomic(&stats_path, &json).map_err(|source| IngestError::Stats {
        path: stats_path,
        source,
    })?;
    Ok(IngestReport {
        files: ingested,
        stats,
        warnings: skipped,
    })
}

/// Reads one CSV, writes its Parquet; returns the file report, its sorted unique ids and attack rows.
fn convert_file(
    file: &CaptureFile,
    out_dir: &Path,
    policy: BadRowPolicy,
) -> Result<(IngestedFile, Vec<u32>, usize), CanDataError> {
    let (columns, report) = read_csv(&file.path, policy)?;
    let mut ids = columns.id.clone();
    ids.sort_unstable();
    ids.dedup();
    let attack_rows = columns.label.iter().filter(|&&l| l == 1).count();
    let output = out_dir.join(file.parquet_name());
    write_parquet(columns, &file.rel, &output)?;
    Ok((
        IngestedFile {
            source_file: file.rel.clone(),
            output,
            report,
        },
        ids,
        attack_rows,
    ))
}
