//! What a report shows, built from the run directories: per dataset its stage times, and per
//! variant (`teacher`, `student-kd`, `student`) the training curves of each stage and, from the
//! evaluation's `metrics.json`, each model's figures, confusion counts, ROC and PR curves and (for
//! fusion) α choices on validation and every test scenario, beside the reference's published
//! figures where there are any.
//!
//! The variant and stage come from the run's name, `{size}_{stage}[_kd]`: `student_fusion_kd` is
//! the `fusion` stage of `student-kd`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kdgat_jobs::metrics::{AlphaHistogram, Confusion, Curves};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ReportError;
use crate::loader::RunFiles;
use crate::reference::{Published, published};

/// The variants in the order the pipeline runs them; others follow by name.
const VARIANT_ORDER: [&str; 3] = ["teacher", "student-kd", "student"];
/// The stages in the order they run; others follow by name.
const STAGE_ORDER: [&str; 5] = [
    "autoencoder",
    "normal",
    "curriculum",
    "fusion",
    "evaluation",
];
/// The models of `metrics.json`, in the order they are shown.
const MODELS: [&str; 3] = ["gat", "vgae", "fusion"];

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Where the runs are.
    pub runs_dir: PathBuf,
    /// One section per dataset, by name.
    pub datasets: Vec<DatasetReport>,
}

/// One dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetReport {
    /// Its name.
    pub name: String,
    /// Every run's time, in variant then stage order.
    pub stages: Vec<StageTime>,
    /// Its variants.
    pub variants: Vec<VariantReport>,
}

/// What one run cost.
#[derive(Debug, Clone, PartialEq)]
pub struct StageTime {
    /// The run's name.
    pub run: String,
    /// Epochs (or fusion validations) it logged.
    pub epochs: usize,
    /// Its config's `max_epochs` (`fusion_episodes` for fusion; none for the evaluation).
    pub budget: Option<u64>,
    /// Wall time in seconds, if it finished.
    pub wall_seconds: Option<f64>,
    /// CPU time in seconds.
    pub cpu_seconds: Option<f64>,
    /// Peak resident memory in MiB.
    pub max_rss_mib: Option<f64>,
    /// GPU-hours: its wall time on a GPU (none when its config's device is not CUDA).
    pub gpu_hours: Option<f64>,
    /// Attempts it took (none recorded for the reference's run directories).
    pub attempts: usize,
    /// Why attempts ended early, in order.
    pub setbacks: Vec<String>,
}

/// One variant of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantReport {
    /// `teacher`, `student-kd`, `student`.
    pub name: String,
    /// Each training stage's per-epoch metrics.
    pub training: Vec<Training>,
    /// Each evaluated model.
    pub models: Vec<ModelEval>,
}

/// One stage's training curves.
#[derive(Debug, Clone, PartialEq)]
pub struct Training {
    /// The stage.
    pub stage: String,
    /// Each metric's `(epoch, value)` points.
    pub series: BTreeMap<String, Vec<(f64, f64)>>,
}

/// One model's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEval {
    /// `gat`, `vgae` or `fusion`.
    pub model: String,
    /// Validation first, then the test scenarios.
    pub splits: Vec<SplitEval>,
}

/// A model on one split.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitEval {
    /// `validation` or the scenario's name.
    pub split: String,
    /// The `core` figures (accuracy, precision, recall, f1, auc, n_samples) that are present.
    pub core: BTreeMap<String, f64>,
    /// Confusion counts.
    pub confusion: Option<Confusion>,
    /// ROC and PR curves.
    pub curves: Option<Curves>,
    /// The fusion agent's α choices.
    pub alpha: Option<AlphaHistogram>,
    /// The reference's figures for the same cell.
    pub reference: Option<Published>,
}

/// `(variant, stage)` of a run name `{size}_{stage}[_kd]`.
pub fn variant_and_stage(name: &str) -> (String, String) {
    let kd = name.ends_with("_kd");
    let base = name.strip_suffix("_kd").unwrap_or(name);
    let (size, stage) = base.split_once('_').unwrap_or((base, ""));
    let variant = if kd {
        format!("{size}-kd")
    } else {
        size.to_string()
    };
    (variant, stage.to_string())
}

/// Position of `name` in `order`, unknown names after the known ones by name.
fn rank<'a>(order: &[&str], name: &'a str) -> (usize, &'a str) {
    (
        order.iter().position(|o| *o == name).unwrap_or(order.len()),
        name,
    )
}

/// Builds the report of `runs` (from [`crate::load_runs`]), keeping only `dataset` if given.
pub fn build(
    runs_dir: &Path,
    runs: &[RunFiles],
    dataset: Option<&str>,
) -> Result<Report, ReportError> {
    if runs.is_empty() {
        return Err(ReportError::NoRuns(runs_dir.to_path_buf()));
    }
    let mut by_dataset: BTreeMap<&str, Vec<&RunFiles>> = BTreeMap::new();
    for run in runs {
        by_dataset
            .entry(run.dataset.as_str())
            .or_default()
            .push(run);
    }
    if let Some(wanted) = dataset.filter(|d| !by_dataset.contains_key(d)) {
        return Err(ReportError::UnknownDataset {
            dataset: wanted.to_string(),
            dir: runs_dir.to_path_buf(),
            found: by_dataset.keys().copied().collect::<Vec<_>>().join(", "),
        });
    }
    let datasets = by_dataset
        .into_iter()
        .filter(|(name, _)| dataset.is_none_or(|d| d == *name))
        .map(|(name, runs)| dataset_report(name, runs))
        .collect::<Result<_, _>>()?;
    Ok(Report {
        runs_dir: runs_dir.to_path_buf(),
        datasets,
    })
}

fn dataset_report(name: &str, mut runs: Vec<&RunFiles>) -> Result<DatasetReport, ReportError> {
    runs.sort_by(|a, b| {
        let (va, sa) = variant_and_stage(&a.name);
        let (vb, sb) = variant_and_stage(&b.name);
        (rank(&VARIANT_ORDER, &va), rank(&STAGE_ORDER, &sa))
            .cmp(&(rank(&VARIANT_ORDER, &vb), rank(&STAGE_ORDER, &sb)))
    });
    let stages = runs
        .iter()
        .map(|run| {
            let budget = match variant_and_stage(&run.name).1.as_str() {
                "fusion" => run.config["fusion_episodes"].as_u64(),
                "evaluation" => None,
                _ => run.config["max_epochs"].as_u64(),
            };
            StageTime {
                run: run.name.clone(),
                epochs: run.epochs.len(),
                budget,
                wall_seconds: run.benchmark.map(|b| b.wall_seconds),
                cpu_seconds: run.benchmark.and_then(|b| b.cpu_seconds),
                max_rss_mib: run.benchmark.and_then(|b| b.max_rss_mib),
                gpu_hours: run
                    .benchmark
                    .filter(|_| on_gpu(&run.config))
                    .map(|b| b.wall_seconds / 3600.0),
                attempts: run.attempts,
                setbacks: run.setbacks.clone(),
            }
        })
        .collect();
    let mut variants: Vec<VariantReport> = Vec::new();
    for run in runs {
        let (variant, stage) = variant_and_stage(&run.name);
        if variants.last().is_none_or(|v| v.name != variant) {
            variants.push(VariantReport {
                name: variant.clone(),
                training: Vec::new(),
                models: Vec::new(),
            });
        }
        let Some(report) = variants.last_mut() else {
            continue;
        };
        if !run.epochs.is_empty() {
            let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
            for epoch in &run.epochs {
                for (metric, value) in &epoch.metrics {
                    series
                        .entry(metric.clone())
                        .or_default()
                        .push((epoch.step as f64, *value));
                }
            }
            report.training.push(Training { stage, series });
        }
        if let Some(metrics) = &run.metrics {
            report.models = models(name, &variant, &run.dir.join("metrics.json"), metrics)?;
        }
    }
    Ok(DatasetReport {
        name: name.to_string(),
        stages,
        variants,
    })
}

/// Whether a run's config put it on a GPU (`device` is `cuda` or `cuda:N`).
fn on_gpu(config: &Value) -> bool {
    config["device"]
        .as_str()
        .is_some_and(|d| d.starts_with("cuda"))
}

/// Each model of a `metrics.json` on validation and its test scenarios.
fn models(
    dataset: &str,
    variant: &str,
    path: &Path,
    metrics: &Value,
) -> Result<Vec<ModelEval>, ReportError> {
    let mut found = Vec::new();
    for model in MODELS {
        let Some(validation) = metrics.get(model) else {
            continue;
        };
        let mut splits = vec![split(
            dataset,
            variant,
            model,
            "validation",
            validation,
            path,
        )?];
        if let Some(Value::Object(tests)) = metrics.get("test").and_then(|t| t.get(model)) {
            for (scenario, m) in tests {
                splits.push(split(dataset, variant, model, scenario, m, path)?);
            }
        }
        found.push(ModelEval {
            model: model.to_string(),
            splits,
        });
    }
    Ok(found)
}

fn split(
    dataset: &str,
    variant: &str,
    model: &str,
    name: &str,
    m: &Value,
    path: &Path,
) -> Result<SplitEval, ReportError> {
    // A key that is there must have the layout the evaluation writes.
    fn field<T: DeserializeOwned>(
        m: &Value,
        key: &str,
        at: &str,
        path: &Path,
    ) -> Result<Option<T>, ReportError> {
        m.get(key)
            .map(|v| serde_json::from_value(v.clone()))
            .transpose()
            .map_err(|e| ReportError::Parse {
                path: path.to_path_buf(),
                message: format!("{at}.{key}: {e}"),
            })
    }
    let at = if name == "validation" {
        model.to_string()
    } else {
        format!("test.{model}.{name}")
    };
    let core = ["accuracy", "precision", "recall", "f1", "auc", "n_samples"]
        .into_iter()
        .filter_map(|k| Some((k.to_string(), m["core"][k].as_f64()?)))
        .collect();
    Ok(SplitEval {
        split: name.to_string(),
        core,
        confusion: field(m, "confusion", &at, path)?,
        curves: field(m, "curves", &at, path)?,
        alpha: field(m, "alpha", &at, path)?,
        reference: published(dataset, variant, model, name),
    })
}

#[cfg(test)]
mod tests;
