//! `kdgat datasets`: the catalog with what is on disk under the data root.

use kdgat_jobs::catalog::{DatasetPresence, PresenceStatus, survey};

use crate::cli::{DatasetsArgs, GlobalArgs};
use crate::output::outln;

/// Prints every dataset's presence as a table or JSON.
pub fn run(global: &GlobalArgs, args: &DatasetsArgs) -> anyhow::Result<()> {
    let catalog = super::load_catalog(global)?;
    let surveys: Vec<DatasetPresence> = catalog
        .iter()
        .map(|(name, entry)| survey(name, entry, &global.data_root))
        .collect();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&surveys)?)?;
        return Ok(());
    }
    outln!(
        "{:<10} {:<8} {:>6} {:>10}  DIRECTORY",
        "DATASET",
        "STATUS",
        "FILES",
        "SIZE"
    )?;
    for s in &surveys {
        let status = match s.status {
            PresenceStatus::Present => "present",
            PresenceStatus::Partial => "partial",
            PresenceStatus::Missing => "missing",
        };
        outln!(
            "{:<10} {:<8} {:>6} {:>10}  {}",
            s.name,
            status,
            s.files,
            human_bytes(s.bytes),
            s.dir.display()
        )?;
        if s.status == PresenceStatus::Partial {
            for folder in s.missing_folders() {
                let why = if folder.exists {
                    "no CSV files"
                } else {
                    "missing"
                };
                outln!("{:<10}   {}: {why}", "", folder.name)?;
            }
        }
    }
    Ok(())
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
