//! The tracking operations that describe a run, read from its run directory through the contract,
//! logged the way the reference logged them (REFERENCE.md §8):
//!
//! - run name = the run id; params = every `config.json` field as Python's `str()` prints it;
//! - tags `stage`, `dataset`, `model_size`, `use_kd`, `model_arch`, `teacher_run_id` (KD runs),
//!   `status`; `attempt` and `slurm_job_id` from the last attempt directory, `host` from the last
//!   `started` event;
//! - per-epoch metrics from `events.jsonl` (`epoch` lines), evaluation metrics from `metrics.json`
//!   (validation `core` as `{model}_{metric}`, test `core` and `additional` as
//!   `test.{model}.{scenario}.{metric}`);
//! - artifacts: config, metrics, benchmark, the best checkpoint, and `*.png` plots;
//! - the end: `FINISHED` when the run finished, `KILLED` when it was interrupted (it can resume),
//!   `FAILED` otherwise; start and end times from the events (the files' times for the reference
//!   pipeline's directories).
//!
//! The supervisor uses the same pieces while a run trains ([`epoch_points`], [`run_tags`],
//! [`config_params`]).

use std::path::Path;
use std::time::SystemTime;

use kdgat_jobs::run_dir::{
    Completion, MetricSection, RunDir, RunEvent, metric_entries, read_events,
};
use kdgat_store::{RunIdParts, parse_run_id};
use kdgat_tracking::reference::{model_arch, python_str, sweep_key};
use kdgat_tracking::{MetricPoint, MetricValue, Param, RunStatus, Tag, TrackingOp};
use serde_json::Value;

use super::ImportError;
use super::backfill::{read_json, run_id_of, teacher_run_id};

/// Everything that describes the run in `run_dir`, nested under the sweep `sweep` if given.
pub fn run_dir_ops(
    runs_dir: &Path,
    run_dir: &Path,
    sweep: Option<&str>,
) -> Result<Vec<TrackingOp>, ImportError> {
    let dir = RunDir::new(run_dir);
    let run_id = run_id_of(runs_dir, run_dir);
    let parts = parse_run_id(&run_id).ok_or_else(|| {
        ImportError::Invalid(format!(
            "{}: not a {{dataset}}/{{run}} directory",
            run_dir.display()
        ))
    })?;
    let run_key = match sweep {
        Some(name) => format!("{}/{run_id}", sweep_key(name)),
        None => run_id.clone(),
    };
    let config = read_json(&dir.config())?;
    let events = read_events(&dir.events()).map_err(ImportError::Invalid)?;
    let first_ms = events.iter().find_map(|e| e.time_ms);
    let start_time_ms = first_ms.unwrap_or_else(|| modified_ms(&dir.config()));

    let mut tags = run_tags(&parts, &config);
    let host = events.iter().rev().find(|e| e.kind == "started");
    tags.extend(
        host.and_then(|e| e.text("host"))
            .map(|h| Tag::new("host", h)),
    );
    if let Some((n, attempt)) = dir.attempts().pop() {
        tags.push(Tag::new("attempt", n));
        if let Ok(id) = std::fs::read_to_string(attempt.join(kdgat_cluster::JOB_ID_FILE)) {
            tags.push(Tag::new("slurm_job_id", id.trim()));
        }
    }
    let mut ops = vec![TrackingOp::StartRun {
        run_key: run_key.clone(),
        run_name: run_id,
        parent_key: sweep.map(sweep_key),
        start_time_ms,
        tags,
        params: config_params(&config),
    }];
    let mut points = epoch_points(&events);
    if dir.metrics().is_file() {
        points.extend(evaluation_points(
            &read_json(&dir.metrics())?,
            modified_ms(&dir.metrics()),
        ));
    }
    if !points.is_empty() {
        ops.push(TrackingOp::LogMetrics {
            run_key: run_key.clone(),
            points,
        });
    }
    let mut artifacts: Vec<String> = dir.artifacts().into_iter().map(String::from).collect();
    artifacts.extend(png_files(run_dir));
    let mut end_time_ms = events
        .iter()
        .rev()
        .find_map(|e| e.time_ms)
        .unwrap_or(start_time_ms);
    for name in artifacts {
        let file = dir.file(&name);
        if first_ms.is_none() {
            end_time_ms = end_time_ms.max(modified_ms(&file));
        }
        ops.push(TrackingOp::LogArtifact {
            run_key: run_key.clone(),
            artifact_path: name,
            file,
        });
    }
    let (status, tag) = match Completion::of(run_dir) {
        Completion::Finished => (RunStatus::Finished, "complete"),
        Completion::Interrupted => (RunStatus::Killed, "interrupted"),
        _ => (RunStatus::Failed, "failed"),
    };
    ops.push(TrackingOp::SetTags {
        run_key: run_key.clone(),
        tags: vec![Tag::new("status", tag)],
    });
    ops.push(TrackingOp::EndRun {
        run_key,
        status,
        end_time_ms,
    });
    Ok(ops)
}

/// The reference's tags of a run.
pub fn run_tags(parts: &RunIdParts, config: &Value) -> Vec<Tag> {
    let mut tags = vec![
        Tag::new("stage", &parts.stage),
        Tag::new("dataset", &parts.dataset),
        Tag::new("model_size", &parts.model_size),
        Tag::new("use_kd", if parts.use_kd { "True" } else { "False" }),
        Tag::new("model_arch", model_arch(&parts.stage)),
    ];
    if let Some(teacher) = teacher_run_id(config) {
        tags.push(Tag::new("teacher_run_id", teacher));
    }
    tags
}

/// Every config field as a param, printed as Python's `str()` printed it for the reference.
pub fn config_params(config: &Value) -> Vec<Param> {
    config
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| Param {
            key: key.clone(),
            value: python_str(value),
        })
        .collect()
}

/// The per-epoch metric points of `epoch` events.
pub fn epoch_points(events: &[RunEvent]) -> Vec<MetricPoint> {
    events
        .iter()
        .filter_map(|e| Some((e.time_ms, e.epoch_metrics()?)))
        .flat_map(|(time_ms, (step, metrics))| {
            metrics
                .into_iter()
                .map(move |(key, v)| point(key, v, step, time_ms.unwrap_or_default()))
        })
        .collect()
}

/// The reference's evaluation metric names, at step 0.
pub fn evaluation_points(metrics: &Value, time_ms: i64) -> Vec<MetricPoint> {
    metric_entries(metrics)
        .into_iter()
        .filter_map(|e| {
            let key = match (e.scenario.as_str(), e.section) {
                ("val", MetricSection::Core) => format!("{}_{}", e.model, e.name),
                ("val", MetricSection::Additional) => return None,
                (scenario, _) => format!("test.{}.{scenario}.{}", e.model, e.name),
            };
            Some(point(key, e.value, 0, time_ms))
        })
        .collect()
}

fn point(key: String, value: f64, step: i64, timestamp_ms: i64) -> MetricPoint {
    MetricPoint {
        key,
        value: MetricValue(value),
        step,
        timestamp_ms,
    }
}

fn png_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "png"))
        .filter_map(|p| Some(p.file_name()?.to_str()?.to_string()))
        .collect();
    names.sort();
    names
}

fn modified_ms(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now())
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
#[path = "tracking_ops_tests.rs"]
mod tests;
