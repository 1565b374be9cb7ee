//! `spec.json`: what one attempt runs, written by the supervisor into the attempt directory (or by
//! `kdgat job spec` for a run by hand) and read by `kdgat job exec`. One flat JSON object:
//!
//! ```json
//! {"version": 2, "stage": "curriculum", "run_dir": "/runs/hcrl_sa/teacher_curriculum",
//!  "legacy": false, "config": "input-config.json", "cache_dir": "/data/cache/hcrl_sa",
//!  "base_dir": "/work"}
//! {"version": 2, "stage": "graphs", "run_dir": "/runs/hcrl_sa/graphs", "legacy": false,
//!  "dataset": "hcrl_sa", "data_root": "/data", "catalog": null, "cache_dir": "/data/cache/hcrl_sa",
//!  "parquet_root": null, "on_bad_row": "fail"}
//! ```
//!
//! Model stages (`autoencoder`, `curriculum`, `normal`, `fusion`, `evaluation`) need `config` (a flat
//! config.json; the stage freezes a copy into the run directory) and `cache_dir`; `base_dir` is what
//! the config's `teacher_path` is relative to (default: the spec's directory); `upstream` names the
//! run directories of the variant's earlier stages it reads (`{"autoencoder": "…"}`; without it,
//! the sibling directories of the reference's layout). The `graphs` stage
//! builds a dataset's graph cache: `dataset`, `data_root`, `cache_dir`, and optionally the `catalog`
//! file and a `parquet_root` to read `kdgat ingest`'s Parquet instead of the CSV captures.
//! Relative paths are relative to the spec's directory. `legacy: true` does what the reference did
//! where kdgat fixed it. `resume: false` discards the run directory's resumable checkpoint before
//! starting (default: resume from it). `inputs` records each upstream run's finish stamp when the attempt was
//! made (for the planner; the job does not read it). A spec without `version` is version 1, the
//! same layout for model stages.
//!
//! Bump [`SPEC_VERSION`] when the layout changes, and keep reading the old one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::can::BadRowPolicy;
use crate::config::Stage;

/// The layout written now.
pub const SPEC_VERSION: u32 = 2;

/// A spec that cannot be read or used; names the file and the field.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SpecError {
    /// The spec file.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

/// One attempt's instructions.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// The run directory (outputs, events).
    pub run_dir: PathBuf,
    /// Do what the reference did where kdgat fixed it.
    pub legacy: bool,
    /// What to run.
    pub work: Work,
    /// Resume from the run directory's checkpoint if there is one; `false` discards it first (its
    /// config or inputs changed).
    pub resume: bool,
    /// What the attempt is built on: each upstream run's id and finish stamp, recorded so that a
    /// later plan can tell whether they changed since (the job itself does not read it).
    pub inputs: BTreeMap<String, String>,
}

/// What an attempt runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// A model stage.
    Model(ModelWork),
    /// The graph cache of a dataset.
    Graphs(GraphsWork),
}

/// A model stage's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelWork {
    /// The stage.
    pub stage: Stage,
    /// The flat config to run with.
    pub config: PathBuf,
    /// The dataset's graph cache.
    pub cache_dir: PathBuf,
    /// What `teacher_path` is relative to.
    pub base_dir: PathBuf,
    /// The run directories of the variant's models this stage reads, by stage; a stage not named
    /// here is looked for in the sibling directory of the reference's layout.
    pub upstream: BTreeMap<Stage, PathBuf>,
}

/// The graph cache build's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphsWork {
    /// The catalog's dataset.
    pub dataset: String,
    /// The root of the raw data (`<root>/automotive/<dataset>`).
    pub data_root: PathBuf,
    /// A catalog file; the built-in catalog when absent.
    pub catalog: Option<PathBuf>,
    /// Where the cache goes.
    pub cache_dir: PathBuf,
    /// Read `kdgat ingest`'s Parquet under this root instead of the CSV captures.
    pub parquet_root: Option<PathBuf>,
    /// Invalid CSV rows: fail or skip.
    pub on_bad_row: BadRowPolicy,
}

/// The file's layout: every field of every stage, checked per stage when read.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    #[serde(default = "first_version")]
    version: u32,
    stage: String,
    run_dir: PathBuf,
    #[serde(default)]
    legacy: bool,
    #[serde(default = "yes")]
    resume: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    config: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cache_dir: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_dir: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dataset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_root: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    catalog: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parquet_root: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_bad_row: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upstream: Option<BTreeMap<String, PathBuf>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    inputs: BTreeMap<String, String>,
}

fn first_version() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// The `stage` of the graph cache build.
const GRAPHS_STAGE: &str = "graphs";

/// Whether the scheduler is running this batch job again (SLURM sets `SLURM_RESTART_COUNT` in a
/// requeued job).
fn restarted_by_scheduler() -> bool {
    std::env::var("SLURM_RESTART_COUNT")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| n > 0)
}

impl JobSpec {
    /// Whether this execution resumes from the run directory's checkpoint: as the spec says, and
    /// always when the scheduler runs the same batch job again (a requeue): the checkpoint there is
    /// then this attempt's own.
    pub fn resumes(&self) -> bool {
        self.resume || restarted_by_scheduler()
    }

    /// The stage's name as the spec spells it.
    pub fn stage_name(&self) -> &'static str {
        match &self.work {
            Work::Model(m) => m.stage.as_str(),
            Work::Graphs(_) => GRAPHS_STAGE,
        }
    }

    /// Reads a spec file; errors name the file and the field.
    pub fn load(path: &Path) -> Result<JobSpec, SpecError> {
        let invalid = |message: String| SpecError {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        let raw: RawSpec = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            invalid(format!("field `{field}`: {}", e.inner()))
        })?;
        if raw.version > SPEC_VERSION {
            return Err(invalid(format!(
                "field `version`: {} is newer than this kdgat reads ({SPEC_VERSION})",
                raw.version
            )));
        }
        let here = path.parent().unwrap_or(Path::new("."));
        // `components()` drops `.` parts: `run_dir: "."` is the spec's own directory.
        let resolve = |p: PathBuf| -> PathBuf {
            let joined = if p.is_absolute() { p } else { here.join(p) };
            joined.components().collect()
        };
        let required = |value: Option<PathBuf>, field: &str| {
            value.map(resolve).ok_or_else(|| {
                invalid(format!(
                    "field `{field}` is required for stage `{}`",
                    raw.stage
                ))
            })
        };
        let work = if raw.stage == GRAPHS_STAGE {
            let on_bad_row = match &raw.on_bad_row {
                Some(text) => text
                    .parse()
                    .map_err(|e: String| invalid(format!("field `on_bad_row`: {e}")))?,
                None => BadRowPolicy::default(),
            };
            Work::Graphs(GraphsWork {
                dataset: raw.dataset.clone().ok_or_else(|| {
                    invalid("field `dataset` is required for stage `graphs`".into())
                })?,
                data_root: required(raw.data_root.clone(), "data_root")?,
                catalog: raw.catalog.clone().map(resolve),
                cache_dir: required(raw.cache_dir.clone(), "cache_dir")?,
                parquet_root: raw.parquet_root.clone().map(resolve),
                on_bad_row,
            })
        } else {
            let stage: Stage = raw
                .stage
                .parse()
                .map_err(|e: String| invalid(format!("field `stage`: {e} or graphs")))?;
            let mut upstream = BTreeMap::new();
            for (name, dir) in raw.upstream.clone().unwrap_or_default() {
                let stage: Stage = name
                    .parse()
                    .map_err(|e: String| invalid(format!("field `upstream.{name}`: {e}")))?;
                upstream.insert(stage, resolve(dir));
            }
            Work::Model(ModelWork {
                stage,
                config: required(raw.config.clone(), "config")?,
                cache_dir: required(raw.cache_dir.clone(), "cache_dir")?,
                base_dir: raw
                    .base_dir
                    .clone()
                    .map_or_else(|| here.to_path_buf(), resolve),
                upstream,
            })
        };
        Ok(JobSpec {
            run_dir: resolve(raw.run_dir),
            legacy: raw.legacy,
            work,
            resume: raw.resume,
            inputs: raw.inputs,
        })
    }

    /// Writes the spec to `path` atomically, at the current version.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut raw = RawSpec {
            version: SPEC_VERSION,
            stage: self.stage_name().to_string(),
            run_dir: self.run_dir.clone(),
            legacy: self.legacy,
            resume: self.resume,
            config: None,
            cache_dir: None,
            base_dir: None,
            dataset: None,
            data_root: None,
            catalog: None,
            parquet_root: None,
            on_bad_row: None,
            upstream: None,
            inputs: self.inputs.clone(),
        };
        match &self.work {
            Work::Model(m) => {
                raw.config = Some(m.config.clone());
                raw.cache_dir = Some(m.cache_dir.clone());
                raw.base_dir = Some(m.base_dir.clone());
                raw.upstream = (!m.upstream.is_empty()).then(|| {
                    m.upstream
                        .iter()
                        .map(|(stage, dir)| (stage.as_str().to_string(), dir.clone()))
                        .collect()
                });
            }
            Work::Graphs(g) => {
                raw.dataset = Some(g.dataset.clone());
                raw.data_root = Some(g.data_root.clone());
                raw.catalog = g.catalog.clone();
                raw.cache_dir = Some(g.cache_dir.clone());
                raw.parquet_root = g.parquet_root.clone();
                raw.on_bad_row = Some(g.on_bad_row.as_str().to_string());
            }
        }
        let text = serde_json::to_vec_pretty(&raw).map_err(std::io::Error::other)?;
        crate::atomic::write_atomic(path, &text)
    }
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
