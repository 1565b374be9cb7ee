//! A dataset's graph cache brought up to date: checked against its captures, rebuilt when missing,
//! stale or corrupt (or when forced), and reported. `kdgat graphs` and the sweep's `graphs` stage
//! (`kdgat job exec` of a graphs spec, [`run_graphs_job`]) both come here.

use std::path::Path;
use std::time::Instant;

use serde_json::json;

use super::build::{GraphError, GraphInput, GraphOptions, build_graphs, sources_for};
use super::cache::{self, CacheMetadata, CacheState};
use super::cache_file::CacheFileError;
use super::sequence::GraphMode;
use crate::catalog::{Catalog, CatalogError, DatasetEntry};
use crate::run_dir::{BENCHMARK, EventLog, GraphsWork, JobSpec, write_benchmark};
use crate::transient::io_error_is_transient;

/// Why the cache could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum EnsureError {
    /// The catalog could not be read.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The dataset is not in the catalog.
    #[error("dataset `{name}` is not in the catalog (known: {known})")]
    UnknownDataset {
        /// The name asked for.
        name: String,
        /// The catalog's names.
        known: String,
    },
    /// The captures could not be read or windowed.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The cache could not be written.
    #[error(transparent)]
    Cache(#[from] CacheFileError),
    /// A capture or the run directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl EnsureError {
    /// Whether it may pass if the job runs again: an I/O error of that kind ([`crate::transient`]).
    pub fn is_transient(&self) -> bool {
        match self {
            EnsureError::Io { source, .. } => io_error_is_transient(source),
            _ => false,
        }
    }
}

/// A build's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildSummary {
    /// Seconds reading the captures and building the graphs.
    pub build_seconds: f64,
    /// Seconds writing the cache.
    pub write_seconds: f64,
    /// Messages read.
    pub rows: usize,
    /// What differs from the reference's preprocessing.
    pub changes: Vec<String>,
    /// Why an existing cache was rebuilt (`is stale (…)`, `is corrupt (…)`), if one was there.
    pub replaced: Option<String>,
}

/// What [`ensure_cache`] did.
#[derive(Debug, Clone)]
pub struct CacheReport {
    /// The cache's metadata.
    pub meta: CacheMetadata,
    /// What the capture listing passed over (folders and entries it does not read), by name.
    pub skipped: Vec<String>,
    /// The build, if it built; `None` when the cache was up to date.
    pub built: Option<BuildSummary>,
}

/// Brings the cache of `dataset` in `dir` up to date (rebuilds it when `force`).
pub fn ensure_cache(
    dataset: &str,
    entry: &DatasetEntry,
    options: &GraphOptions,
    dir: &Path,
    force: bool,
) -> Result<CacheReport, EnsureError> {
    let sources = sources_for(dataset, entry, options)?;
    let skipped = sources.skipped.clone();
    let fingerprints = cache::fingerprints(&sources).map_err(|source| EnsureError::Io {
        path: options.data_root.clone(),
        source,
    })?;
    let replaced = match cache::check(dir, options.mode, &fingerprints) {
        CacheState::Fresh(meta) if !force => {
            return Ok(CacheReport {
                meta: *meta,
                skipped,
                built: None,
            });
        }
        CacheState::Fresh(_) | CacheState::Missing => None,
        CacheState::Stale(why) => Some(format!("is stale ({why})")),
        CacheState::Corrupt(why) => Some(format!("is corrupt ({why})")),
    };
    let started = Instant::now();
    let built = build_graphs(dataset, entry, options, sources)?;
    let build_seconds = started.elapsed().as_secs_f64();
    let meta = cache::write(dir, dataset, &built, options.mode)?;
    let mut changes = meta.changes.clone();
    if built.rows_kept_over_legacy > 0 {
        changes.push(format!(
            "{} rows kept that the reference's 5000-row chunking drops",
            built.rows_kept_over_legacy
        ));
    }
    Ok(CacheReport {
        meta,
        skipped,
        built: Some(BuildSummary {
            build_seconds,
            write_seconds: started.elapsed().as_secs_f64() - build_seconds,
            rows: built.rows,
            changes,
            replaced,
        }),
    })
}

/// The metadata of the cache of `dataset` in `dir` when it is current (built in this mode from
/// the captures as they are now), judged from its metadata alone: what a plan needs to know
/// whether the `graphs` stage will rebuild it.
pub fn current_cache(
    dataset: &str,
    entry: &DatasetEntry,
    options: &GraphOptions,
    dir: &Path,
) -> Result<Option<CacheMetadata>, EnsureError> {
    let sources = sources_for(dataset, entry, options)?;
    let fingerprints = cache::fingerprints(&sources).map_err(|source| EnsureError::Io {
        path: options.data_root.clone(),
        source,
    })?;
    Ok(
        match cache::check_metadata(dir, options.mode, &fingerprints) {
            CacheState::Fresh(meta) => Some(*meta),
            _ => None,
        },
    )
}

/// The options of a graphs spec.
pub fn graphs_options(work: &GraphsWork, legacy: bool) -> GraphOptions {
    GraphOptions {
        data_root: work.data_root.clone(),
        mode: if legacy {
            GraphMode::Legacy
        } else {
            GraphMode::Default
        },
        input: work
            .parquet_root
            .clone()
            .map_or(GraphInput::Csv, GraphInput::Parquet),
        on_bad_row: work.on_bad_row,
    }
}

/// The `graphs` stage of a sweep: the dataset's cache brought up to date, with `started` and
/// `finished` (or `failed`) events and `benchmark.tsv` in the spec's run directory.
pub fn run_graphs_job(spec: &JobSpec, work: &GraphsWork) -> Result<CacheReport, EnsureError> {
    let started = Instant::now();
    let run_dir = &spec.run_dir;
    let io = |source| EnsureError::Io {
        path: run_dir.clone(),
        source,
    };
    std::fs::create_dir_all(run_dir).map_err(io)?;
    let events = EventLog::new(run_dir);
    events
        .append(
            "started",
            json!({ "stage": "graphs", "dataset": work.dataset }),
        )
        .map_err(io)?;
    let result = graphs_job(spec, work);
    match &result {
        Ok(report) => {
            write_benchmark(&run_dir.join(BENCHMARK), started).map_err(io)?;
            let built = report.built.as_ref();
            events
                .append(
                    "finished",
                    json!({ "graphs": report.meta.num_graphs, "built": built.is_some(),
                            "replaced": built.and_then(|b| b.replaced.clone()) }),
                )
                .map_err(io)?;
        }
        Err(error) => {
            events
                .failed(&error.to_string(), error.is_transient())
                .map_err(io)?;
        }
    }
    result
}

fn graphs_job(spec: &JobSpec, work: &GraphsWork) -> Result<CacheReport, EnsureError> {
    let catalog = Catalog::load(work.catalog.as_deref())?;
    let entry = catalog
        .get(&work.dataset)
        .ok_or_else(|| EnsureError::UnknownDataset {
            name: work.dataset.clone(),
            known: catalog.names().collect::<Vec<_>>().join(", "),
        })?;
    let options = graphs_options(work, spec.legacy);
    ensure_cache(&work.dataset, entry, &options, &work.cache_dir, false)
}
