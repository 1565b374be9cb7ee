//! The capture files of a dataset folder: one listing, sorted, shared by ingest, graph construction
//! and the presence survey, and the Parquet name ingest gives each capture. What a listing passes
//! over (a folder that is missing, is a file or loops back on itself; a `*.csv` entry that is not a
//! readable file) is named in [`Listing::skipped`], for the commands to warn about, never dropped
//! silently.

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

/// The captures of one folder, and what was passed over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// The captures, sorted by name.
    pub files: Vec<CaptureFile>,
    /// What was not read, each naming the path and why.
    pub skipped: Vec<String>,
}

/// The `*.csv` files of `root/folder`, sorted by name, leaving out those whose lower-cased name
/// contains one of `excluded` (lower-case). A folder that is absent, not a folder or unreadable
/// has none, and says so in `skipped`; a folder that cannot be listed is an error.
pub fn capture_files(root: &Path, folder: &str, excluded: &[String]) -> std::io::Result<Listing> {
    let dir = root.join(folder);
    let mut listing = Listing::default();
    match std::fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            listing
                .skipped
                .push(format!("{} is not a folder: skipped", dir.display()));
            return Ok(listing);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            listing
                .skipped
                .push(format!("{} does not exist: skipped", dir.display()));
            return Ok(listing);
        }
        // A symbolic-link loop, a folder we may not enter, …
        Err(e) => {
            listing
                .skipped
                .push(format!("{} cannot be read ({e}): skipped", dir.display()));
            return Ok(listing);
        }
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".csv")
            || excluded
                .iter()
                .any(|x| name.to_lowercase().contains(x.as_str()))
        {
            continue;
        }
        // Links are followed: a linked capture counts; a broken or looping link is named.
        match std::fs::metadata(entry.path()) {
            Ok(meta) if meta.is_file() => names.push(name),
            Ok(_) => listing.skipped.push(format!(
                "{} is not a regular file: skipped",
                entry.path().display()
            )),
            Err(e) => listing.skipped.push(format!(
                "{} cannot be read ({e}): skipped",
                entry.path().display()
            )),
        }
    }
    names.sort();
    listing.files = names
        .into_iter()
        .map(|name| CaptureFile {
            rel: format!("{folder}/{name}"),
            subdir: folder.to_string(),
            path: dir.join(&name),
        })
        .collect();
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19: every capture or folder passed over is named, with why.
    #[test]
    fn what_is_passed_over_is_named() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::write(r.join("as_file"), "x").unwrap();
        std::os::unix::fs::symlink(r.join("loop"), r.join("loop")).unwrap();
        std::fs::create_dir_all(r.join("ok/odd.csv")).unwrap();
        std::fs::write(r.join("ok/a.csv"), "t\n").unwrap();
        std::os::unix::fs::symlink(r.join("ok/a.csv"), r.join("ok/linked.csv")).unwrap();
        for (folder, why) in [
            ("as_file", "is not a folder"),
            ("loop", "cannot be read"),
            ("absent", "does not exist"),
        ] {
            let listing = capture_files(r, folder, &[]).unwrap();
            assert!(listing.files.is_empty());
            assert_eq!(listing.skipped.len(), 1, "{folder}");
            assert!(
                listing.skipped[0].contains(folder) && listing.skipped[0].contains(why),
                "{:?}",
                listing.skipped
            );
        }
        let listing = capture_files(r, "ok", &[]).unwrap();
        let rels: Vec<&str> = listing.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["ok/a.csv", "ok/linked.csv"]);
        assert_eq!(listing.skipped.len(), 1);
        assert!(
            listing.skipped[0].contains("odd.csv") && listing.skipped[0].contains("not a regular"),
            "{:?}",
            listing.skipped
        );
    }
}
