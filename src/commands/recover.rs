//! `kdgat recover --runs-dir DIR [--slurm] [--mlflow]`: the idempotent backfill of the store from run
//! directories (the reference's `populate()`), with datasets from the catalog and the graph caches'
//! metadata; with `--slurm` each attempt's batch job as SLURM reports it, with `--mlflow` the MLflow
//! runs left RUNNING ended as the store says they ended; then the SQLite export.

use std::path::Path;

use kdgat_actors::import::reconcile::{batch_jobs, close_left_running};
use kdgat_actors::import::{ImportError, populate};
use kdgat_cluster::slurm::{SlurmConfig, SlurmScheduler};
use kdgat_jobs::catalog::{Catalog, DatasetEntry};
use kdgat_jobs::graph::cache::{CacheMetadata, METADATA_FILE};
use kdgat_jobs::ingest::attack_types;
use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::{DatasetRecord, export_sqlite};
use kdgat_tracking::{Drainer, MlflowClient, TrackingConfig};

use crate::cli::{GlobalArgs, RecoverArgs};
use crate::error::UserError;
use crate::output::outln;

/// Backfills the store and refreshes the export.
pub fn run(global: &GlobalArgs, args: &RecoverArgs) -> anyhow::Result<()> {
    let catalog = super::load_catalog(global)?;
    let store = super::db::open_store_for_rebuild(&global.state_dir)?;
    let mut datasets = 0;
    for record in dataset_records(&catalog, &args.cache_root) {
        store.put_dataset(&record)?;
        datasets += 1;
    }
    let invalid = |e: ImportError| UserError::InvalidData(Box::new(e));
    let report = populate(&store, &args.runs_dir).map_err(invalid)?;
    if args.slurm {
        let file = super::supervisor::settings_file(global, args.cluster_config.as_deref());
        let settings = super::supervisor::settings(file.as_deref())?;
        let scheduler = SlurmScheduler::new(SlurmConfig {
            program_dir: settings.slurm.program_dir.clone(),
            accounting: settings.slurm.accounting,
            ..SlurmConfig::default()
        });
        let jobs = batch_jobs(&store, &args.runs_dir, &scheduler).map_err(invalid)?;
        outln!(
            "SLURM: {} attempts with a batch job, {} recorded ({} ended, {} unknown to SLURM now)",
            jobs.found,
            jobs.recorded,
            jobs.ended,
            jobs.unknown
        )?;
    }
    if args.mlflow {
        let config = TrackingConfig::from_env()
            .map_err(|e| UserError::InvalidData(Box::new(e)))?
            .ok_or(UserError::NotConfigured {
                what: "the MLflow tracking server",
                hint: "set MLFLOW_TRACKING_URI for `--mlflow`",
            })?;
        let client = MlflowClient::new(&config).map_err(|e| UserError::InvalidData(Box::new(e)))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let closed = runtime
            .block_on(close_left_running(&client, &store, &config.experiment))
            .map_err(invalid)?;
        let mut drainer = Drainer::new(&client, &store, &config.experiment, utc_now_iso8601);
        let delivered = runtime.block_on(drainer.drain())?;
        outln!(
            "MLflow: {closed} runs left RUNNING ended as they ended; {} operations delivered, {} still queued",
            delivered.delivered,
            store.outbox()?.len()
        )?;
    }
    let export = super::db::default_export(&global.state_dir);
    export_sqlite(&store, &export)?;
    outln!(
        "recovered {} runs ({} with outputs), {} metric values, {} datasets from {}; exported {}",
        report.runs,
        report.complete,
        report.metrics,
        datasets,
        args.runs_dir.display(),
        export.display()
    )?;
    Ok(())
}

/// The reference's dataset rows: catalog fields plus the cache metadata, for datasets with a cache.
fn dataset_records(catalog: &Catalog, cache_root: &Path) -> Vec<DatasetRecord> {
    catalog
        .iter()
        .filter_map(|(name, entry)| {
            let text = std::fs::read_to_string(cache_root.join(name).join(METADATA_FILE)).ok()?;
            let meta: CacheMetadata = serde_json::from_str(&text).ok()?;
            Some(dataset_record(name, entry, &meta))
        })
        .collect()
}

fn dataset_record(name: &str, entry: &DatasetEntry, meta: &CacheMetadata) -> DatasetRecord {
    let optional = |s: &str| (!s.is_empty()).then(|| s.to_string());
    DatasetRecord {
        name: name.to_string(),
        domain: entry.domain.clone(),
        protocol: optional(&entry.protocol),
        source: optional(&entry.source),
        description: optional(&entry.description),
        num_files: i64::try_from(meta.source_csv_count).ok(),
        num_samples: None,
        num_graphs: i64::try_from(meta.num_graphs).ok(),
        num_unique_ids: i64::try_from(meta.num_unique_ids).ok(),
        attack_types: serde_json::to_string(&attack_types(entry)).ok(),
        added_by: optional(&entry.added_by),
        added_date: Some(meta.created_at.clone()),
        cache_valid: true,
        parquet_path: None,
    }
}
