//! Which capture files feed the training pool and each test scenario, in each mode.
//!
//! - `Legacy` (the reference's `find_csv_files`): training = every CSV in any dataset folder whose name
//!   contains `train` — both training folders, so their byte-identical attack-free copies count twice;
//!   files whose names contain `suppress` or `masquerade` are excluded everywhere. We list folders and
//!   files sorted (the reference used unsorted `os.walk` order).
//! - `Default`: training = the catalog's two training folders with byte-identical duplicates counted
//!   once; exclusions only where the catalog lists them (`exclude_files`).

use std::path::Path;

use super::sequence::GraphMode;
use crate::catalog::{CaptureFile, DatasetEntry, capture_files};

/// The reference's exclusions (legacy mode only).
pub const LEGACY_EXCLUDED: [&str; 2] = ["suppress", "masquerade"];

/// The files a graph build reads, and what the selection changed relative to the reference.
#[derive(Debug, Clone, Default)]
pub struct DatasetSources {
    /// Training captures (pooled, then split).
    pub train: Vec<CaptureFile>,
    /// Each test scenario with its captures, in catalog order.
    pub tests: Vec<(String, Vec<CaptureFile>)>,
    /// Human-readable notes on what differs from the reference's selection.
    pub changes: Vec<String>,
}

/// Selects the captures of a dataset for a mode.
pub fn select_sources(
    entry: &DatasetEntry,
    data_root: &Path,
    mode: GraphMode,
) -> std::io::Result<DatasetSources> {
    let root = entry.csv_path(data_root);
    let mut sources = DatasetSources::default();
    match mode {
        GraphMode::Legacy => {
            let excluded: Vec<String> = LEGACY_EXCLUDED.iter().map(|s| s.to_string()).collect();
            for folder in sorted_subdirs(&root)? {
                if folder.to_lowercase().contains("train") {
                    sources
                        .train
                        .extend(capture_files(&root, &folder, &excluded)?);
                }
            }
            for test in &entry.test_subdirs {
                sources
                    .tests
                    .push((test.clone(), capture_files(&root, test, &excluded)?));
            }
        }
        GraphMode::Default => {
            let excluded: Vec<String> = entry
                .exclude_files
                .iter()
                .map(|s| s.to_lowercase())
                .collect();
            for folder in [&entry.train_subdir, &entry.train_attack_subdir] {
                for file in capture_files(&root, folder, &excluded)? {
                    match find_identical(&sources.train, &file)? {
                        Some(original) => sources.changes.push(format!(
                            "{} is byte-identical to {}: counted once (the reference counted it twice)",
                            file.rel, original
                        )),
                        None => sources.train.push(file),
                    }
                }
            }
            for test in &entry.test_subdirs {
                sources
                    .tests
                    .push((test.clone(), capture_files(&root, test, &excluded)?));
            }
            let kept: Vec<&str> = sources
                .train
                .iter()
                .chain(sources.tests.iter().flat_map(|(_, files)| files))
                .map(|f| f.rel.as_str())
                .filter(|rel| {
                    LEGACY_EXCLUDED
                        .iter()
                        .any(|x| rel.to_lowercase().contains(x))
                })
                .collect();
            if !kept.is_empty() {
                sources.changes.push(format!(
                    "{} suppress/masquerade captures kept (the reference excluded them; the catalog does not): {}",
                    kept.len(),
                    kept.join(", ")
                ));
            }
        }
    }
    for (test, files) in &sources.tests {
        if files.is_empty() {
            sources
                .changes
                .push(format!("test scenario {test}: no captures, skipped"));
        }
    }
    Ok(sources)
}

fn sorted_subdirs(root: &Path) -> std::io::Result<Vec<String>> {
    let mut dirs: Vec<String> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// The `rel` of an already selected file with the same bytes, if any. Only same-size files are
/// compared, and the new file is read at most once.
fn find_identical(selected: &[CaptureFile], file: &CaptureFile) -> std::io::Result<Option<String>> {
    let size = std::fs::metadata(&file.path)?.len();
    let mut bytes: Option<Vec<u8>> = None;
    for other in selected {
        if std::fs::metadata(&other.path)?.len() != size {
            continue;
        }
        let mine = match &bytes {
            Some(b) => b,
            None => bytes.insert(std::fs::read(&file.path)?),
        };
        if std::fs::read(&other.path)? == *mine {
            return Ok(Some(other.rel.clone()));
        }
    }
    Ok(None)
}
