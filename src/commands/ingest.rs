//! `kdgat ingest`: CSV captures to Parquet, with a per-file report and the dataset statistics.

use std::time::Instant;

use kdgat_jobs::can::CanDataError;
use kdgat_jobs::catalog::{PresenceStatus, survey};
use kdgat_jobs::ingest::{IngestError, IngestOptions, IngestReport, ingest_dataset};

use crate::cli::{GlobalArgs, IngestArgs};
use crate::error::UserError;
use crate::output::outln;
use crate::progress::Working;

/// Converts the dataset(s) and prints what was written.
pub fn run(global: &GlobalArgs, args: &IngestArgs) -> anyhow::Result<()> {
    let catalog = super::load_catalog(global)?;
    let names: Vec<String> = match &args.dataset {
        Some(name) => vec![name.clone()],
        None => catalog
            .iter()
            .filter(|(name, entry)| {
                let present =
                    survey(name, entry, &global.data_root).status != PresenceStatus::Missing;
                if !present {
                    tracing::warn!(
                        "skipping {name}: no captures under {}",
                        entry.csv_path(&global.data_root).display()
                    );
                }
                present
            })
            .map(|(name, _)| name.to_string())
            .collect(),
    };
    let options = IngestOptions {
        data_root: global.data_root.clone(),
        parquet_root: args.parquet_root.clone(),
        on_bad_row: args.on_bad_row,
    };
    let mut reports = Vec::new();
    for name in &names {
        let entry = super::dataset(&catalog, name)?;
        let started = Instant::now();
        let working = Working::new(format!("ingesting {name}"));
        let report = ingest_dataset(name, entry, &options).map_err(user_error)?;
        drop(working);
        for warning in &report.warnings {
            tracing::warn!("{name}: {warning}");
        }
        if !args.json {
            print_report(&report, started.elapsed().as_secs_f64())?;
        }
        reports.push(report);
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&reports)?)?;
    }
    Ok(())
}

fn print_report(report: &IngestReport, seconds: f64) -> anyhow::Result<()> {
    let s = &report.stats;
    outln!(
        "{}: {} files, {} rows, {} unique ids, {} attack rows ({:.2}%), {:.2} s",
        s.dataset,
        s.files,
        s.rows,
        s.unique_ids,
        s.attack_rows,
        s.attack_ratio * 100.0,
        seconds
    )?;
    for file in &report.files {
        outln!(
            "  {} -> {} ({} rows)",
            file.source_file,
            file.output.display(),
            file.report.rows
        )?;
        for example in &file.report.skipped_examples {
            outln!("    skipped {example}")?;
        }
        if file.report.skipped > file.report.skipped_examples.len() {
            outln!("    … {} bad rows skipped in all", file.report.skipped)?;
        }
    }
    if s.skipped_rows > 0 {
        outln!("  {} bad rows skipped", s.skipped_rows)?;
    }
    Ok(())
}

/// Bad input data is the user's to fix; other failures are ours.
fn user_error(err: IngestError) -> anyhow::Error {
    match err {
        IngestError::Data(data @ (CanDataError::BadRow { .. } | CanDataError::Header { .. })) => {
            UserError::InvalidData(Box::new(data)).into()
        }
        e @ IngestError::NoFiles { .. } => UserError::InvalidData(Box::new(e)).into(),
        other => other.into(),
    }
}
