//! The file names of a run directory and [`RunDir`], the paths built from them.
//!
//! A run directory holds what the run's stage wrote (the frozen `config.json`, the best checkpoint,
//! `metrics.json` or `val_metrics.json`, `benchmark.tsv`), the append-only `events.jsonl` of all
//! its attempts, while interrupted a resumable checkpoint (`resume.json`), and one `attempt-N/`
//! directory per attempt (its `spec.json`, the config it was given, and what the scheduler writes:
//! stdout, stderr, the batch job id).

use std::path::{Path, PathBuf};

/// The full flat config the stage ran with (written by the stage).
pub const CONFIG: &str = "config.json";
/// The config an attempt was given (written by the supervisor into the attempt directory).
pub const INPUT_CONFIG: &str = "input-config.json";
/// What an attempt runs (in the attempt directory).
pub const SPEC: &str = "spec.json";
/// The best validation epoch's weights (ours).
pub const BEST_CHECKPOINT: &str = "best_model.safetensors";
/// The reference pipeline's checkpoint (its last epoch's weights).
pub const LEGACY_CHECKPOINT: &str = "best_model.pt";
/// The evaluation's metrics, in the reference's layout.
pub const METRICS: &str = "metrics.json";
/// A training stage's best checkpoint scored on validation.
pub const VAL_METRICS: &str = "val_metrics.json";
/// The event log, one JSON object per line.
pub const EVENTS: &str = "events.jsonl";
/// Resource use as Snakemake's `benchmark:` writes it; present once the stage finished.
pub const BENCHMARK: &str = "benchmark.tsv";
/// A resumable checkpoint's state; present only while the run is interrupted.
pub const RESUME: &str = "resume.json";
/// Attempt directories are `attempt-1`, `attempt-2`, …
pub const ATTEMPT_PREFIX: &str = "attempt-";

/// One run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// The run directory at `path`.
    pub fn new(path: impl Into<PathBuf>) -> RunDir {
        RunDir { path: path.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file of it by name (one of this module's constants).
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// `events.jsonl`.
    pub fn events(&self) -> PathBuf {
        self.file(EVENTS)
    }

    /// `config.json`.
    pub fn config(&self) -> PathBuf {
        self.file(CONFIG)
    }

    /// `metrics.json`.
    pub fn metrics(&self) -> PathBuf {
        self.file(METRICS)
    }

    /// `benchmark.tsv`.
    pub fn benchmark(&self) -> PathBuf {
        self.file(BENCHMARK)
    }

    /// The directory of attempt `n` (1-based).
    pub fn attempt_dir(&self, n: u32) -> PathBuf {
        self.path.join(format!("{ATTEMPT_PREFIX}{n}"))
    }

    /// The attempts present, as `(number, directory)`, in order.
    pub fn attempts(&self) -> Vec<(u32, PathBuf)> {
        let Ok(entries) = std::fs::read_dir(&self.path) else {
            return Vec::new();
        };
        let mut found: Vec<(u32, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .filter_map(|e| {
                let n = e
                    .file_name()
                    .to_str()?
                    .strip_prefix(ATTEMPT_PREFIX)?
                    .parse()
                    .ok()?;
                Some((n, e.path()))
            })
            .collect();
        found.sort();
        found
    }

    /// The artifacts worth keeping with the run (its config, metrics, resource use, checkpoint),
    /// those present, in that order.
    pub fn artifacts(&self) -> Vec<&'static str> {
        [
            CONFIG,
            METRICS,
            BENCHMARK,
            BEST_CHECKPOINT,
            LEGACY_CHECKPOINT,
        ]
        .into_iter()
        .filter(|name| self.file(name).is_file())
        .collect()
    }
}

/// The run directories under `runs_dir`: `{dataset}/{run}/` with a `config.json`, sorted. The
/// error is the directory that could not be listed, and why.
pub fn list_run_dirs(runs_dir: &Path) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut found = Vec::new();
    for dataset_dir in sorted_dirs(runs_dir)? {
        found.extend(
            sorted_dirs(&dataset_dir)?
                .into_iter()
                .filter(|run_dir| RunDir::new(run_dir).config().is_file()),
        );
    }
    Ok(found)
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let entries = std::fs::read_dir(dir).map_err(|e| (dir.to_path_buf(), e))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_listed_in_numeric_order_and_other_entries_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::new(dir.path());
        for name in ["attempt-10", "attempt-2", "attempt-x", "other"] {
            std::fs::create_dir_all(dir.path().join(name)).unwrap();
        }
        std::fs::write(dir.path().join("attempt-3"), "a file").unwrap();
        let numbers: Vec<u32> = run.attempts().into_iter().map(|(n, _)| n).collect();
        assert_eq!(numbers, [2, 10]);
        assert_eq!(run.attempt_dir(2), dir.path().join("attempt-2"));
        std::fs::write(run.config(), "{}").unwrap();
        std::fs::write(run.file(LEGACY_CHECKPOINT), "").unwrap();
        assert_eq!(run.artifacts(), [CONFIG, LEGACY_CHECKPOINT]);
    }
}
