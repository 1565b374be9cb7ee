//! The tracking operations that describe a finished run directory, ours or the legacy pipeline's
//! (`{runs dir}/{dataset}/{size}_{stage}[_kd]/`), logged the way the reference logged them
//! (REFERENCE.md §8):
//!
//! - run name = the run id `dataset/size_stage[_kd]`; params = every `config.json` field, as
//!   Python's `str()` prints it (`True`, `None`, `[480, 240, 48]`, `1e-05`);
//! - tags `stage`, `dataset`, `model_size`, `use_kd`, `model_arch`, `teacher_run_id` (KD runs),
//!   `status` (complete|failed); `attempt` and `slurm_job_id` from the last `attempt-N/` directory
//!   (its `slurm_job_id` file), `host` from the `started` event's `host`;
//! - per-epoch metrics from `events.jsonl` lines `{"kind": "epoch", "step": N, "time_ms": T,
//!   "metrics": {"train_loss": …}}`; evaluation metrics from `metrics.json` as `{model}_{metric}`
//!   (validation `core`) and `test.{model}.{scenario}.{metric}` (test `core` and `additional`);
//! - artifacts `config.json`, `metrics.json`, `benchmark.tsv`, the best checkpoint and `*.png` plots,
//!   whichever exist; the run ends `FINISHED` when it has outputs (a checkpoint or metrics.json),
//!   else `FAILED`; start and end times from the files' modification times.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use kdgat_store::{RUN_OUTPUTS, parse_run_id, teacher_run_id};
use serde_json::Value;

use crate::error::TrackingError;
use crate::ops::{MetricPoint, TrackingOp};
use crate::wire::{MetricValue, Param, RunStatus, Tag};

/// Files uploaded as artifacts when present.
const ARTIFACTS: [&str; 5] = [
    "config.json",
    "metrics.json",
    "benchmark.tsv",
    "best_model.safetensors",
    "best_model.pt",
];

/// The run directories under `runs_dir` (`{dataset}/{run}/config.json`), sorted.
pub fn find_run_dirs(runs_dir: &Path) -> Result<Vec<PathBuf>, TrackingError> {
    Ok(kdgat_store::run_dirs(runs_dir)?)
}

/// The parent run of a sweep: key `sweep/{name}`, shown as `sweep {name}`.
pub fn sweep_start(name: &str, start_time_ms: i64) -> TrackingOp {
    TrackingOp::StartRun {
        run_key: sweep_key(name),
        run_name: format!("sweep {name}"),
        parent_key: None,
        start_time_ms,
        tags: vec![Tag::new("kdgat.sweep", name)],
        params: Vec::new(),
    }
}

/// The run key of a sweep's parent run.
pub fn sweep_key(name: &str) -> String {
    format!("sweep/{name}")
}

/// Everything that describes the run in `run_dir`, nested under the sweep `sweep` if given.
pub fn run_dir_ops(
    runs_dir: &Path,
    run_dir: &Path,
    sweep: Option<&str>,
) -> Result<Vec<TrackingOp>, TrackingError> {
    let run_id = run_dir
        .strip_prefix(runs_dir)
        .unwrap_or(run_dir)
        .to_string_lossy()
        .replace('\\', "/");
    let parts = parse_run_id(&run_id).ok_or_else(|| TrackingError::Invalid {
        field: run_dir.display().to_string(),
        message: "not a {dataset}/{run} directory".into(),
    })?;
    let run_key = match sweep {
        Some(name) => format!("{}/{run_id}", sweep_key(name)),
        None => run_id.clone(),
    };
    let config_path = run_dir.join("config.json");
    let config = read_json(&config_path)?;
    let complete = RUN_OUTPUTS.iter().any(|f| run_dir.join(f).is_file());
    let start_time_ms = modified_ms(&config_path);

    let mut tags = vec![
        Tag::new("stage", &parts.stage),
        Tag::new("dataset", &parts.dataset),
        Tag::new("model_size", &parts.model_size),
        Tag::new("use_kd", if parts.use_kd { "True" } else { "False" }),
        Tag::new("model_arch", model_arch(&parts.stage)),
    ];
    if let Some(teacher) = teacher_run_id(&config) {
        tags.push(Tag::new("teacher_run_id", teacher));
    }
    let (mut points, host) = read_events(&run_dir.join("events.jsonl"))?;
    tags.extend(host.map(|h| Tag::new("host", h)));
    tags.extend(attempt_tags(run_dir)?);
    let params = config
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| Param {
            key: key.clone(),
            value: python_str(value),
        })
        .collect();
    let mut ops = vec![TrackingOp::StartRun {
        run_key: run_key.clone(),
        run_name: run_id.clone(),
        parent_key: sweep.map(sweep_key),
        start_time_ms,
        tags,
        params,
    }];

    let metrics_path = run_dir.join("metrics.json");
    if metrics_path.is_file() {
        points.extend(evaluation_points(
            &read_json(&metrics_path)?,
            modified_ms(&metrics_path),
        ));
    }
    if !points.is_empty() {
        ops.push(TrackingOp::LogMetrics {
            run_key: run_key.clone(),
            points,
        });
    }
    let mut artifacts: Vec<String> = ARTIFACTS
        .iter()
        .filter(|f| run_dir.join(f).is_file())
        .map(|f| f.to_string())
        .collect();
    artifacts.extend(
        sorted_entries(run_dir)?
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png") && p.is_file())
            .filter_map(|p| Some(p.file_name()?.to_str()?.to_string())),
    );
    let mut end_time_ms = start_time_ms;
    for name in artifacts {
        let file = run_dir.join(&name);
        end_time_ms = end_time_ms.max(modified_ms(&file));
        ops.push(TrackingOp::LogArtifact {
            run_key: run_key.clone(),
            artifact_path: name,
            file,
        });
    }
    ops.push(TrackingOp::SetTags {
        run_key: run_key.clone(),
        tags: vec![Tag::new(
            "status",
            if complete { "complete" } else { "failed" },
        )],
    });
    ops.push(TrackingOp::EndRun {
        run_key,
        status: if complete {
            RunStatus::Finished
        } else {
            RunStatus::Failed
        },
        end_time_ms,
    });
    Ok(ops)
}

/// The reference's `model_arch` tag of a stage.
fn model_arch(stage: &str) -> &'static str {
    match stage {
        "autoencoder" => "vgae",
        "curriculum" | "normal" => "gat",
        "fusion" => "dqn",
        "evaluation" => "eval",
        _ => "unknown",
    }
}

/// `attempt` and `slurm_job_id` of the last `attempt-N/` directory, if any.
fn attempt_tags(run_dir: &Path) -> Result<Vec<Tag>, TrackingError> {
    let last = sorted_entries(run_dir)?
        .into_iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| {
            let n: u32 = p
                .file_name()?
                .to_str()?
                .strip_prefix("attempt-")?
                .parse()
                .ok()?;
            Some((n, p))
        })
        .max_by_key(|(n, _)| *n);
    let Some((n, dir)) = last else {
        return Ok(Vec::new());
    };
    let mut tags = vec![Tag::new("attempt", n)];
    if let Ok(id) = std::fs::read_to_string(dir.join("slurm_job_id")) {
        tags.push(Tag::new("slurm_job_id", id.trim()));
    }
    Ok(tags)
}

/// Per-epoch metrics and the host from `events.jsonl` (absent: none). A line that is not JSON is
/// an error naming the file and line.
fn read_events(path: &Path) -> Result<(Vec<MetricPoint>, Option<String>), TrackingError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), None)),
        Err(source) => {
            return Err(TrackingError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let fallback_ms = modified_ms(path);
    let mut points = Vec::new();
    let mut host = None;
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let event: Value = serde_json::from_str(line).map_err(|e| TrackingError::Invalid {
            field: format!("{}:{}", path.display(), i + 1),
            message: e.to_string(),
        })?;
        match event.get("kind").and_then(Value::as_str) {
            Some("epoch") => {}
            Some("started") => {
                host = event
                    .get("host")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                continue;
            }
            _ => continue,
        }
        let step = event
            .get("step")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        let time_ms = event
            .get("time_ms")
            .and_then(Value::as_i64)
            .unwrap_or(fallback_ms);
        for (key, value) in event
            .get("metrics")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(v) = value.as_f64() {
                points.push(point(key.clone(), v, step, time_ms));
            }
        }
    }
    Ok((points, host))
}

/// The reference's evaluation metric names, at step 0.
fn evaluation_points(metrics: &Value, time_ms: i64) -> Vec<MetricPoint> {
    let numeric = |section: Option<&Value>| -> Vec<(String, f64)> {
        section
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
            .collect()
    };
    let mut points = Vec::new();
    for (model, body) in metrics.as_object().into_iter().flatten() {
        if model == "test" {
            for (sub_model, scenarios) in body.as_object().into_iter().flatten() {
                for (scenario, sections) in scenarios.as_object().into_iter().flatten() {
                    for section in ["core", "additional"] {
                        for (name, v) in numeric(sections.get(section)) {
                            let key = format!("test.{sub_model}.{scenario}.{name}");
                            points.push(point(key, v, 0, time_ms));
                        }
                    }
                }
            }
        } else {
            for (name, v) in numeric(body.get("core")) {
                points.push(point(format!("{model}_{name}"), v, 0, time_ms));
            }
        }
    }
    points
}

fn point(key: String, value: f64, step: i64, timestamp_ms: i64) -> MetricPoint {
    MetricPoint {
        key,
        value: MetricValue(value),
        step,
        timestamp_ms,
    }
}

/// A JSON value as Python's `str()` prints the value `json.load` gives (what `mlflow.log_params`
/// stored for the reference).
pub fn python_str(value: &Value) -> String {
    fn repr(value: &Value) -> String {
        match value {
            Value::String(s) => format!("'{s}'"),
            other => python_str(other),
        }
    }
    match value {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => python_float(f),
            _ => n.to_string(),
        },
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("'{k}': {}", repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's `repr(float)`: shortest round trip, exponent form below 1e-4 and from 1e16.
fn python_float(f: f64) -> String {
    let magnitude = f.abs();
    if f != 0.0 && f.is_finite() && !(1e-4..1e16).contains(&magnitude) {
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exponent),
        };
        format!("{mantissa}e{sign}{digits:0>2}")
    } else if f.is_finite() && f.fract() == 0.0 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

fn read_json(path: &Path) -> Result<Value, TrackingError> {
    let text = std::fs::read_to_string(path).map_err(|source| TrackingError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| TrackingError::Invalid {
        field: path.display().to_string(),
        message: e.to_string(),
    })
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, TrackingError> {
    let entries = std::fs::read_dir(dir).map_err(|source| TrackingError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    Ok(paths)
}

fn modified_ms(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now())
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_print_as_python_did() {
        let cases = [
            (json!(true), "True"),
            (json!(null), "None"),
            (json!("gat"), "gat"),
            (json!(7), "7"),
            (json!(0.001), "0.001"),
            (json!(1.0), "1.0"),
            (json!(1e-05), "1e-05"),
            (json!(2.5e-7), "2.5e-07"),
            (json!([480, 240, 48]), "[480, 240, 48]"),
            (json!(["a", 1.5]), "['a', 1.5]"),
            (json!({"k": "v"}), "{'k': 'v'}"),
        ];
        for (value, text) in cases {
            assert_eq!(python_str(&value), text, "{value}");
        }
    }

    #[test]
    fn a_run_directory_becomes_the_references_logging() {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("hcrl_sa/student_curriculum_kd");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(
            run.join("config.json"),
            r#"{"lr": 0.003, "use_kd": true, "teacher_path": "x/hcrl_sa/teacher_curriculum/best_model.pt"}"#,
        )
        .unwrap();
        std::fs::write(
            run.join("events.jsonl"),
            "{\"kind\":\"started\",\"host\":\"node07\"}\n{\"kind\":\"epoch\",\"step\":0,\"time_ms\":5,\"metrics\":{\"val_loss\":0.5}}\n",
        )
        .unwrap();
        std::fs::write(
            run.join("metrics.json"),
            r#"{"gat": {"core": {"f1": 0.99}, "additional": {"kappa": 0.9}},
                "test": {"gat": {"test_01": {"core": {"f1": 0.5}, "additional": {"kappa": 0.4, "detection_at_fpr": {"0.05": 1.0}}}}}}"#,
        )
        .unwrap();
        std::fs::write(run.join("loss.png"), b"png").unwrap();
        for n in [1, 2] {
            std::fs::create_dir_all(run.join(format!("attempt-{n}"))).unwrap();
            std::fs::write(
                run.join(format!("attempt-{n}/slurm_job_id")),
                format!("42{n}\n"),
            )
            .unwrap();
        }
        assert_eq!(find_run_dirs(root.path()).unwrap(), vec![run.clone()]);
        let ops = run_dir_ops(root.path(), &run, Some("s1")).unwrap();
        let TrackingOp::StartRun {
            run_key,
            run_name,
            parent_key,
            tags,
            params,
            ..
        } = &ops[0]
        else {
            panic!("{ops:?}");
        };
        assert_eq!(run_key, "sweep/s1/hcrl_sa/student_curriculum_kd");
        assert_eq!(run_name, "hcrl_sa/student_curriculum_kd");
        assert_eq!(parent_key.as_deref(), Some("sweep/s1"));
        assert!(tags.contains(&Tag::new("teacher_run_id", "hcrl_sa/teacher_curriculum")));
        assert!(tags.contains(&Tag::new("model_arch", "gat")));
        assert!(tags.contains(&Tag::new("host", "node07")));
        assert!(tags.contains(&Tag::new("attempt", 2)));
        assert!(tags.contains(&Tag::new("slurm_job_id", "422")));
        assert!(params.contains(&Param {
            key: "use_kd".into(),
            value: "True".into()
        }));
        let TrackingOp::LogMetrics { points, .. } = &ops[1] else {
            panic!("{ops:?}")
        };
        let keys: Vec<&str> = points.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "val_loss",
                "gat_f1",
                "test.gat.test_01.f1",
                "test.gat.test_01.kappa"
            ]
        );
        assert_eq!((points[0].step, points[0].timestamp_ms), (0, 5));
        let uploads: Vec<&str> = ops
            .iter()
            .filter_map(|op| match op {
                TrackingOp::LogArtifact { artifact_path, .. } => Some(artifact_path.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(uploads, ["config.json", "metrics.json", "loss.png"]);
        assert!(matches!(
            ops.last(),
            Some(TrackingOp::EndRun {
                status: RunStatus::Finished,
                ..
            })
        ));
        for op in &ops {
            op.validate().unwrap();
        }
    }

    #[test]
    fn a_bad_event_line_is_named() {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("d/teacher_autoencoder");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("config.json"), "{}").unwrap();
        std::fs::write(run.join("events.jsonl"), "{\"kind\":\"epoch\"}\nnot json\n").unwrap();
        let err = run_dir_ops(root.path(), &run, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("events.jsonl:2"), "{err}");
    }
}
