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
use crate::catalog::{CaptureFile, DatasetEntry, Listing, capture_files};

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
    /// Catalog folders and files that were not read, and why (for warnings).
    pub skipped: Vec<String>,
}

impl DatasetSources {
    /// The captures of a listing, keeping what it passed over.
    fn take(&mut self, listing: Listing) -> Vec<CaptureFile> {
        self.skipped.extend(listing.skipped);
        listing.files
    }
}

/// Selects the captures of a dataset for a mode.
pub fn select_sources(
    entry: &DatasetEntry,
    data_root: &Path,
    mode: GraphMode,
) -> std::io::Result<DatasetSources> {
    let root = entry.csv_path(data_root);
    let mut sources = DatasetSources::default();
    let excluded: Vec<String> = match mode {
        GraphMode::Legacy => LEGACY_EXCLUDED.iter().map(|s| s.to_string()).collect(),
        GraphMode::Default => entry
            .exclude_files
            .iter()
            .map(|s| s.to_lowercase())
            .collect(),
    };
    for test in &entry.test_subdirs {
        let files = sources.take(capture_files(&root, test, &excluded)?);
        sources.tests.push((test.clone(), files));
    }
    match mode {
        GraphMode::Legacy => {
            for folder in sorted_subdirs(&root)? {
                if folder.to_lowercase().contains("train") {
                    let files = sources.take(capture_files(&root, &folder, &excluded)?);
                    sources.train.extend(files);
                }
            }
        }
        GraphMode::Default => {
            for folder in [&entry.train_subdir, &entry.train_attack_subdir] {
                for file in sources.take(capture_files(&root, folder, &excluded)?) {
                    match find_identical(&sources.train, &file)? {
                        Some(original) => sources.changes.push(format!(
                            "{} is byte-identical to {}: counted once (the reference counted it twice)",
                            file.rel, original
                        )),
                        None => sources.train.push(file),
                    }
                }
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
