//! `kdgat recover --runs-dir DIR`: the idempotent backfill of the store from run directories (the
//! reference's `populate()`), with datasets from the catalog and the graph caches' metadata, then the
//! SQLite export.

use std::path::Path;

use kdgat_actors::import::populate;
use kdgat_jobs::catalog::{Catalog, DatasetEntry};
use kdgat_jobs::graph::cache::{CacheMetadata, METADATA_FILE};
use kdgat_jobs::ingest::attack_types;
use kdgat_store::{DatasetRecord, export_sqlite};

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
    let report =
        populate(&store, &args.runs_dir).map_err(|e| UserError::InvalidData(Box::new(e)))?;
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
