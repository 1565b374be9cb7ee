//! The idempotent backfill from run directories (the reference's `populate()`): every
//! `<runs dir>/{dataset}/{run}/config.json` becomes a run, every `metrics.json` its metrics, read the
//! way the reference read them. Running it twice leaves the same store.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::StoreError;
use crate::ids::parse_run_id;
use crate::records::{BenchmarkRecord, MetricRecord, RunRecord, RunStatus};
use crate::store::Store;

/// What a backfill imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BackfillReport {
    /// Runs imported.
    pub runs: usize,
    /// Of which with outputs (status complete).
    pub complete: usize,
    /// Metric values imported.
    pub metrics: usize,
    /// `benchmark.tsv` files imported.
    pub benchmarks: usize,
}

/// Files that mark a run as complete: the reference's checkpoint, ours, and evaluation metrics.
pub const RUN_OUTPUTS: [&str; 3] = ["best_model.pt", "best_model.safetensors", "metrics.json"];

/// The run directories under `runs_dir`: `{dataset}/{run}/` with a `config.json`, sorted.
pub fn run_dirs(runs_dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut found = Vec::new();
    for dataset_dir in sorted_dirs(runs_dir)? {
        found.extend(
            sorted_dirs(&dataset_dir)?
                .into_iter()
                .filter(|run_dir| run_dir.join("config.json").is_file()),
        );
    }
    Ok(found)
}

/// Imports every run directory under `runs_dir`.
pub fn populate(store: &Store, runs_dir: &Path) -> Result<BackfillReport, StoreError> {
    let mut report = BackfillReport::default();
    for run_dir in run_dirs(runs_dir)? {
        let config_path = run_dir.join("config.json");
        let run = run_record(runs_dir, &run_dir, &config_path)?;
        let metrics_path = run_dir.join("metrics.json");
        let metrics = if metrics_path.is_file() {
            flatten_metrics(&run.run_id, &read_json(&metrics_path)?)
        } else {
            Vec::new()
        };
        report.runs += 1;
        report.complete += usize::from(run.status == RunStatus::Complete);
        report.metrics += metrics.len();
        store.put_run(&run)?;
        store.replace_metrics(&run.run_id, &metrics)?;
        let benchmark_path = run_dir.join("benchmark.tsv");
        if benchmark_path.is_file() {
            let text =
                std::fs::read_to_string(&benchmark_path).map_err(|source| StoreError::Io {
                    path: benchmark_path.clone(),
                    source,
                })?;
            let record = BenchmarkRecord::parse_tsv(&run.run_id, &text).map_err(|message| {
                StoreError::Invalid {
                    path: benchmark_path.clone(),
                    message,
                }
            })?;
            store.put_benchmark(&record)?;
            report.benchmarks += 1;
        }
    }
    Ok(report)
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = std::fs::read_dir(dir).map_err(|source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

fn read_json(path: &Path) -> Result<Value, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| StoreError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn run_record(
    runs_dir: &Path,
    run_dir: &Path,
    config_path: &Path,
) -> Result<RunRecord, StoreError> {
    let relative = run_dir.strip_prefix(runs_dir).unwrap_or(run_dir);
    let run_id = relative.to_string_lossy().replace('\\', "/");
    let parts = parse_run_id(&run_id).ok_or_else(|| StoreError::Invalid {
        path: run_dir.to_path_buf(),
        message: "not a dataset/run directory".into(),
    })?;
    let config = read_json(config_path)?;
    let teacher_run = teacher_run_id(&config);
    let complete = RUN_OUTPUTS.iter().any(|f| run_dir.join(f).is_file());
    Ok(RunRecord {
        run_id,
        dataset: parts.dataset,
        model_size: parts.model_size,
        stage: parts.stage,
        use_kd: parts.use_kd,
        status: if complete {
            RunStatus::Complete
        } else {
            RunStatus::Unknown
        },
        teacher_run,
        started_at: None,
        completed_at: None,
        mlflow_run_id: None,
        config_json: Some(config.to_string()),
        sweep_id: None,
    })
}

/// The teacher's run id (`dataset/run`) of a KD run: the last two directories of its config's
/// `teacher_path`, as the reference derived it.
pub fn teacher_run_id(config: &Value) -> Option<String> {
    let path = Path::new(
        config
            .get("teacher_path")?
            .as_str()
            .filter(|p| !p.is_empty())?,
    );
    let parts: Vec<&str> = path.parent()?.iter().filter_map(|c| c.to_str()).collect();
    (parts.len() >= 2).then(|| parts[parts.len() - 2..].join("/"))
}

/// The reference's flattening of `metrics.json`: top-level models give scenario `val`, the `test`
/// subtree gives `(model, scenario)`; only numeric leaves of `core` and `additional` (nested dicts
/// such as `detection_at_fpr` are skipped); a later section's value wins on a name clash.
pub fn flatten_metrics(run_id: &str, metrics: &Value) -> Vec<MetricRecord> {
    let mut rows: Vec<MetricRecord> = Vec::new();
    let mut add = |model: &str, scenario: &str, sections: &Value| {
        for section in ["core", "additional"] {
            let Some(values) = sections.get(section).and_then(Value::as_object) else {
                continue;
            };
            for (name, value) in values {
                let number = match value {
                    Value::Number(n) => n.as_f64(),
                    Value::Bool(b) => Some(f64::from(u8::from(*b))),
                    _ => None,
                };
                if let Some(value) = number {
                    rows.retain(|r| {
                        !(r.model == model && r.scenario == scenario && r.metric_name == *name)
                    });
                    rows.push(MetricRecord {
                        run_id: run_id.to_string(),
                        model: model.to_string(),
                        scenario: scenario.to_string(),
                        metric_name: name.clone(),
                        value,
                    });
                }
            }
        }
    };
    let Some(models) = metrics.as_object() else {
        return Vec::new();
    };
    for (model, body) in models {
        if model == "test" {
            for (sub_model, scenarios) in body.as_object().into_iter().flatten() {
                for (scenario, sections) in scenarios.as_object().into_iter().flatten() {
                    add(sub_model, scenario, sections);
                }
            }
        } else {
            add(model, "val", body);
        }
    }
    rows
}
