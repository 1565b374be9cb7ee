//! Reading the run directories a report draws: `{runs dir}/{dataset}/{size}_{stage}[_kd]/`, each
//! with `config.json` (what makes it a run directory) and whichever of `metrics.json` (the
//! evaluation), `events.jsonl` (its `epoch` lines) and `benchmark.tsv` (Snakemake's columns) exist,
//! listed and read through the run-directory contract ([`kdgat_jobs::run_dir`]). A file that exists
//! but is malformed is an error naming it (and its line); a file that does not exist is simply
//! absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use kdgat_jobs::run_dir::{RunDir, RunEvent, list_run_dirs, read_events};

use crate::error::{ReportError, io};

/// One run directory's files.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFiles {
    /// The dataset (the parent directory's name).
    pub dataset: String,
    /// The run's name, `{size}_{stage}[_kd]`.
    pub name: String,
    /// The directory.
    pub dir: PathBuf,
    /// `config.json`.
    pub config: Value,
    /// `metrics.json`, if the run is an evaluation that finished.
    pub metrics: Option<Value>,
    /// The `epoch` events, by step (the last line of a step wins: a resumed run repeats steps).
    pub epochs: Vec<Epoch>,
    /// `benchmark.tsv`, if the run finished.
    pub benchmark: Option<Benchmark>,
    /// Its `attempt-N/` directories (none for the reference's run directories).
    pub attempts: usize,
    /// Why attempts ended early: each `failed` event's error and each `preempted`, in order.
    pub setbacks: Vec<String>,
}

/// One `epoch` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Epoch {
    /// The epoch (or fusion episode).
    pub step: u64,
    /// Its numeric metrics.
    pub metrics: BTreeMap<String, f64>,
}

/// The figures of `benchmark.tsv` the report shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Benchmark {
    /// Wall time in seconds (`s`).
    pub wall_seconds: f64,
    /// CPU time in seconds (`cpu_time`), when recorded.
    pub cpu_seconds: Option<f64>,
    /// Peak resident memory in MiB (`max_rss`), when recorded.
    pub max_rss_mib: Option<f64>,
}

/// Every run directory under `runs_dir`, sorted by dataset and name (none if it does not exist).
pub fn load_runs(runs_dir: &Path) -> Result<Vec<RunFiles>, ReportError> {
    if !runs_dir.exists() {
        return Ok(Vec::new());
    }
    list_run_dirs(runs_dir)
        .map_err(|(path, source)| ReportError::Io { path, source })?
        .into_iter()
        .map(load_run)
        .collect()
}

fn load_run(dir: PathBuf) -> Result<RunFiles, ReportError> {
    let name_of = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let run = RunDir::new(&dir);
    let optional = |path: PathBuf| Some(path).filter(|p| p.is_file());
    // The contract's reader names the file and line itself.
    let events = read_events(&run.events()).map_err(|message| ReportError::Contract { message })?;
    Ok(RunFiles {
        dataset: name_of(dir.parent()),
        name: name_of(Some(&dir)),
        config: read_json(&run.config())?,
        metrics: optional(run.metrics()).map(|p| read_json(&p)).transpose()?,
        epochs: epochs(&events),
        setbacks: setbacks(&events),
        attempts: run.attempts().len(),
        benchmark: optional(run.benchmark())
            .map(|p| read_benchmark(&p))
            .transpose()?,
        dir,
    })
}

fn read_json(path: &Path) -> Result<Value, ReportError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    serde_json::from_slice(&bytes).map_err(|e| ReportError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The `epoch` events, one per step: a resumed run repeats steps, and the last line of a step wins.
fn epochs(events: &[RunEvent]) -> Vec<Epoch> {
    let by_step: BTreeMap<i64, Vec<(String, f64)>> =
        events.iter().filter_map(RunEvent::epoch_metrics).collect();
    by_step
        .into_iter()
        .map(|(step, metrics)| Epoch {
            step: step.max(0).unsigned_abs(),
            metrics: metrics.into_iter().collect(),
        })
        .collect()
}

/// What ended attempts early: `failed` (with its error) and `preempted` events.
fn setbacks(events: &[RunEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e.kind.as_str() {
            "failed" => Some(format!(
                "failed: {}",
                e.text("error").unwrap_or("no reason given")
            )),
            "preempted" => Some("preempted (resumed from its checkpoint)".into()),
            _ => None,
        })
        .collect()
}

/// The wall time, CPU time and peak memory of a `benchmark.tsv`.
fn read_benchmark(path: &Path) -> Result<Benchmark, ReportError> {
    let b = kdgat_jobs::run_dir::Benchmark::read(path)
        .map_err(|message| ReportError::Contract { message })?;
    Ok(Benchmark {
        wall_seconds: b.s.ok_or_else(|| ReportError::Parse {
            path: path.to_path_buf(),
            message: "no wall time in column `s`".into(),
        })?,
        cpu_seconds: b.cpu_time,
        max_rss_mib: b.max_rss,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(file), text).unwrap();
    }

    #[test]
    fn run_directories_are_read_with_whatever_files_they_have() {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("ds/teacher_curriculum");
        write(&run, "config.json", r#"{"max_epochs": 3}"#);
        write(
            &run,
            "events.jsonl",
            "{\"kind\":\"started\"}\n\
             {\"kind\":\"failed\",\"error\":\"CUDA out of memory\"}\n\
             {\"kind\":\"started\"}\n\
             {\"kind\":\"preempted\"}\n\
             {\"kind\":\"started\"}\n\
             {\"kind\":\"epoch\",\"step\":1,\"metrics\":{\"train_loss\":0.5,\"val_acc\":null}}\n\
             {\"kind\":\"epoch\",\"step\":2,\"metrics\":{\"train_loss\":0.4}}\n\
             {\"kind\":\"epoch\",\"step\":2,\"metrics\":{\"train_loss\":0.3}}\n",
        );
        write(
            &run,
            "benchmark.tsv",
            "s\th:m:s\tmax_rss\tcpu_time\n12.5\t0:00:12\tNA\t20.0\n",
        );
        write(&root.path().join("ds/not_a_run"), "notes.txt", "");
        for attempt in ["attempt-1", "attempt-2", "attempt-3"] {
            std::fs::create_dir_all(run.join(attempt)).unwrap();
        }
        let runs = load_runs(root.path()).unwrap();
        assert_eq!(runs.len(), 1);
        let r = &runs[0];
        assert_eq!(
            (r.dataset.as_str(), r.name.as_str()),
            ("ds", "teacher_curriculum")
        );
        assert!(r.metrics.is_none());
        assert_eq!(r.attempts, 3);
        assert_eq!(
            r.setbacks,
            [
                "failed: CUDA out of memory",
                "preempted (resumed from its checkpoint)"
            ]
        );
        assert_eq!(r.epochs.len(), 2, "a repeated step counts once");
        assert_eq!(r.epochs[1].metrics["train_loss"], 0.3, "the last line wins");
        assert!(!r.epochs[0].metrics.contains_key("val_acc"));
        assert_eq!(
            r.benchmark,
            Some(Benchmark {
                wall_seconds: 12.5,
                cpu_seconds: Some(20.0),
                max_rss_mib: None
            })
        );
    }

    #[test]
    fn malformed_files_are_named_with_their_line_or_column() {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("ds/teacher_fusion");
        write(&run, "config.json", "{}");
        write(
            &run,
            "events.jsonl",
            "{\"kind\":\"epoch\",\"step\":1,\"metrics\":{}}\n{oops\n",
        );
        let err = load_runs(root.path()).unwrap_err().to_string();
        assert!(err.contains("events.jsonl:2:"), "{err}");
        std::fs::remove_file(run.join("events.jsonl")).unwrap();
        write(&run, "benchmark.tsv", "s\tcpu_time\n1.0\tlots\n");
        let err = load_runs(root.path()).unwrap_err().to_string();
        assert!(
            err.contains("benchmark.tsv: column `cpu_time`: `lots`"),
            "{err}"
        );
        write(&run, "benchmark.tsv", "s\n");
        assert!(
            load_runs(root.path())
                .unwrap_err()
                .to_string()
                .contains("benchmark.tsv: no data row")
        );
        std::fs::remove_file(run.join("benchmark.tsv")).unwrap();
        write(&run, "metrics.json", "[1,");
        let err = load_runs(root.path()).unwrap_err().to_string();
        assert!(err.contains("metrics.json"), "{err}");
        assert!(load_runs(&root.path().join("absent")).unwrap().is_empty());
        let file = root.path().join("file");
        write(root.path(), "file", "");
        let err = load_runs(&file).unwrap_err().to_string();
        assert!(err.contains("file"), "{err}");
    }
}
