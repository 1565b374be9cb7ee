//! What of a dataset is on disk: each catalog folder, its CSV files and their sizes.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::captures::capture_files;
use super::entry::{DatasetEntry, FolderRole};

/// One catalog folder on disk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderPresence {
    /// The folder name (relative to the dataset root).
    pub name: String,
    /// What it is for.
    pub role: FolderRole,
    /// Whether the folder exists.
    pub exists: bool,
    /// The CSV files in it (relative `folder/file.csv`) with their sizes in bytes, sorted.
    pub files: Vec<(String, u64)>,
}

/// How complete a dataset is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceStatus {
    /// Every folder exists and holds at least one CSV.
    Present,
    /// Some folders are missing or empty.
    Partial,
    /// Nothing is there.
    Missing,
}

/// A dataset's state on disk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetPresence {
    /// The dataset name.
    pub name: String,
    /// The resolved CSV root.
    pub dir: PathBuf,
    /// Overall status.
    pub status: PresenceStatus,
    /// Number of CSV files found.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Per folder.
    pub folders: Vec<FolderPresence>,
}

impl DatasetPresence {
    /// The folders that are missing or hold no CSV.
    pub fn missing_folders(&self) -> impl Iterator<Item = &FolderPresence> {
        self.folders.iter().filter(|f| f.files.is_empty())
    }
}

/// Looks at the dataset's folders under `data_root`.
pub fn survey(name: &str, entry: &DatasetEntry, data_root: &Path) -> DatasetPresence {
    let dir = entry.csv_path(data_root);
    let folders: Vec<FolderPresence> = entry
        .folders()
        .into_iter()
        .map(|(role, folder)| {
            let path = dir.join(folder);
            FolderPresence {
                name: folder.to_string(),
                role,
                exists: path.is_dir(),
                files: sized_captures(&dir, folder),
            }
        })
        .collect();
    let files = folders.iter().map(|f| f.files.len()).sum();
    let bytes = folders
        .iter()
        .flat_map(|f| &f.files)
        .map(|(_, size)| size)
        .sum();
    let filled = folders.iter().filter(|f| !f.files.is_empty()).count();
    let status = match filled {
        0 => PresenceStatus::Missing,
        n if n == folders.len() => PresenceStatus::Present,
        _ => PresenceStatus::Partial,
    };
    DatasetPresence {
        name: name.to_string(),
        dir,
        status,
        files,
        bytes,
        folders,
    }
}

/// The folder's captures as `(subdir/file.csv, bytes)`; an unreadable folder or file counts as absent.
fn sized_captures(root: &Path, folder: &str) -> Vec<(String, u64)> {
    capture_files(root, folder, &[])
        .unwrap_or_default()
        .files
        .into_iter()
        .filter_map(|f| Some((f.rel, std::fs::metadata(&f.path).ok()?.len())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn survey_reports_present_partial_and_missing() {
        let root = tempfile::tempdir().unwrap();
        let catalog = Catalog::builtin();
        let sa = catalog.get("hcrl_sa").unwrap();
        assert_eq!(
            survey("hcrl_sa", sa, root.path()).status,
            PresenceStatus::Missing
        );

        let base = root.path().join("automotive/hcrl_sa");
        std::fs::create_dir_all(base.join("train_01_attack_free")).unwrap();
        std::fs::write(base.join("train_01_attack_free/a.csv"), "timestamp\n").unwrap();
        std::fs::write(base.join("train_01_attack_free/notes.txt"), "x").unwrap();
        let p = survey("hcrl_sa", sa, root.path());
        assert_eq!(p.status, PresenceStatus::Partial);
        assert_eq!((p.files, p.bytes), (1, 10));
        assert_eq!(p.missing_folders().count(), 5);

        for (_, folder) in sa.folders() {
            std::fs::create_dir_all(base.join(folder)).unwrap();
            std::fs::write(base.join(folder).join("x.csv"), "t\n").unwrap();
        }
        assert_eq!(
            survey("hcrl_sa", sa, root.path()).status,
            PresenceStatus::Present
        );
    }
}
