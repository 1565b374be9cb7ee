//! Where the shared reference data live: the real CAN dataset and the legacy pipeline's outputs that
//! tests and benchmarks read (never copied into the repository).
//!
//! One setting decides: `KDGAT_SHARED`, else the `shared/` folder beside the workspace root.
//! Where the folder is absent, tests that need it report themselves skipped with the reason, except
//! under CI (`CI` set), where the data are always provided and their absence is a failure.

use std::path::PathBuf;

/// The shared folder, or why it is not available.
pub fn shared_dir() -> Result<PathBuf, String> {
    let dir = match std::env::var_os("KDGAT_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")),
    };
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "shared reference data not found at {} (set KDGAT_SHARED)",
            dir.display()
        ))
    }
}

/// For tests: the shared folder; `None` after printing a skip notice when it is absent; a panic under
/// CI, where it must be present.
pub fn shared_dir_or_skip(test: &str) -> Option<PathBuf> {
    match shared_dir() {
        Ok(dir) => Some(dir),
        Err(reason) if std::env::var_os("CI").is_some() => panic!("{test}: {reason}"),
        Err(reason) => {
            println!("skipped {test}: {reason}");
            None
        }
    }
}
