//! The capture files of a dataset folder: one listing, sorted, shared by ingest, graph construction
//! and the presence survey, and the Parquet name ingest gives each capture.

use std::path::{Path, PathBuf};

/// One capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureFile {
    /// `subdir/file.csv`, relative to the dataset root.
    pub rel: String,
    /// The folder it is in.
    pub subdir: String,
    /// Its path.
    pub path: PathBuf,
}

impl CaptureFile {
    /// The name `kdgat ingest` gives its Parquet file: `{subdir}__{stem}.parquet`.
    pub fn parquet_name(&self) -> String {
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{}__{stem}.parquet", self.subdir)
    }
}

/// The `*.csv` files of `root/folder`, sorted by name, leaving out those whose lower-cased name
/// contains one of `excluded` (lower-case); an absent folder has none.
pub fn capture_files(
    root: &Path,
    folder: &str,
    excluded: &[String],
) -> std::io::Result<Vec<CaptureFile>> {
    let dir = root.join(folder);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".csv"))
        .filter(|name| {
            !excluded
                .iter()
                .any(|x| name.to_lowercase().contains(x.as_str()))
        })
        .collect();
    names.sort();
    Ok(names
        .into_iter()
        .map(|name| CaptureFile {
            rel: format!("{folder}/{name}"),
            subdir: folder.to_string(),
            path: dir.join(&name),
        })
        .collect())
}
