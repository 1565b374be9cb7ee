//! The planner: a [`SweepRequest`] becomes the runs of the stage DAG, with their configs and
//! dependencies, without touching the disk.
//!
//! Per dataset: one `graphs` run (the graph cache). Per dataset, sweep point and variant: the chain
//! autoencoder → curriculum → fusion → evaluation, each after the stages before it (the reference's
//! Snakefile, REFERENCE.md §1); the distilled student's stages each also after the teacher's same
//! stage, whose checkpoint is its `teacher_path` (the teacher's runs are planned for it even when
//! the teacher variant was not asked for).
//!
//! A sweep point is one combination of the grid's values. A run's *label* is the grid values that
//! reach it: those applied to its own config, and its upstream runs' labels. Runs with the same
//! label are the same run, so a grid over a curriculum setting shares one autoencoder between its
//! points. A labelled run's directory is the legacy name with the label appended
//! (`teacher_curriculum.lr-0.01`); an unlabelled one keeps the legacy name exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use kdgat_jobs::config::{Override, PipelineConfig, Stage, Variant, apply_overrides, run_name};
use kdgat_jobs::run_dir::BEST_CHECKPOINT;
use serde::{Deserialize, Serialize};

use super::PlanError;
use super::request::{SweepRequest, applies, check_name};

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RunKind {
    /// The dataset's graph cache.
    Graphs,
    /// A model stage of a variant.
    Model {
        /// The variant.
        variant: Variant,
        /// The stage.
        stage: Stage,
    },
}

impl RunKind {
    /// The stage's name (`graphs`, `autoencoder`, …).
    pub fn stage_name(self) -> &'static str {
        match self {
            RunKind::Graphs => "graphs",
            RunKind::Model { stage, .. } => stage.as_str(),
        }
    }
}

/// One planned run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    /// `dataset/size_stage[_kd][.label]`, or `dataset/graphs`.
    pub run_id: String,
    /// The dataset.
    pub dataset: String,
    /// What it does.
    pub kind: RunKind,
    /// Its run directory.
    pub run_dir: PathBuf,
    /// A model run's full config.
    pub config: Option<PipelineConfig>,
    /// The grid values that reach it, `(axis, value)`, in grid order.
    pub label: Vec<(String, String)>,
    /// The runs that must finish first.
    pub deps: Vec<String>,
    /// The run directories of the variant's models it reads, by stage.
    pub upstream: BTreeMap<Stage, PathBuf>,
}

/// A sweep's runs, each after its dependencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// What was asked.
    pub request: SweepRequest,
    /// The runs, in an order where every run comes after its dependencies.
    pub runs: Vec<PlannedRun>,
}

impl Plan {
    /// A run by id.
    pub fn run(&self, run_id: &str) -> Option<&PlannedRun> {
        self.runs.iter().find(|r| r.run_id == run_id)
    }
}

/// The stages a model stage reads: the variant's earlier stages.
fn upstream_stages(stage: Stage) -> &'static [Stage] {
    match stage {
        Stage::Autoencoder | Stage::Normal => &[],
        Stage::Curriculum => &[Stage::Autoencoder],
        Stage::Fusion => &[Stage::Autoencoder, Stage::Curriculum],
        Stage::Evaluation => &[Stage::Autoencoder, Stage::Curriculum, Stage::Fusion],
    }
}

/// One grid axis's name in a label: `key`, or `stage-key` when scoped to a stage.
fn axis_name(stage: Option<Stage>, key: &str) -> String {
    match stage {
        Some(stage) => format!("{stage}-{key}"),
        None => key.to_string(),
    }
}

/// A label as a directory-name suffix: `.key-value` per entry, values reduced to characters that
/// paths and batch job names accept.
fn suffix(label: &[(String, String)]) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "+-_".contains(c) || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    label
        .iter()
        .map(|(axis, value)| format!(".{axis}-{}", clean(value)))
        .collect()
}

/// Plans `request` over the catalog's dataset names `known`.
pub fn plan(request: &SweepRequest, known: &[&str]) -> Result<Plan, PlanError> {
    check_name("sweep name", &request.name, true)?;
    if request.datasets.is_empty() {
        return Err(PlanError::Empty("no dataset"));
    }
    if request.variants.is_empty() {
        return Err(PlanError::Empty("no variant"));
    }
    let mut variants: BTreeSet<Variant> = request.variants.iter().copied().collect();
    if variants.contains(&Variant::StudentKd) {
        variants.insert(Variant::Teacher);
    }
    let points = grid_points(request);
    let mut runs: Vec<PlannedRun> = Vec::new();
    for dataset in &request.datasets {
        check_name("dataset", dataset, false)?;
        if !known.contains(&dataset.as_str()) {
            return Err(PlanError::UnknownDataset {
                name: dataset.clone(),
                known: known.join(", "),
            });
        }
        let graphs = format!("{dataset}/graphs");
        push_unique(
            &mut runs,
            PlannedRun {
                run_id: graphs.clone(),
                dataset: dataset.clone(),
                kind: RunKind::Graphs,
                run_dir: request.runs_root.join(dataset).join("graphs"),
                config: None,
                label: Vec::new(),
                deps: Vec::new(),
                upstream: BTreeMap::new(),
            },
        )?;
        for point in &points {
            // Variant order puts the teacher first: the distilled student reads its runs.
            for &variant in &variants {
                let mut chain: BTreeMap<Stage, usize> = BTreeMap::new();
                for stage in Variant::STAGES {
                    let run = model_run(request, dataset, variant, stage, point, &chain, &runs)?;
                    let run = with_graphs_dep(run, &graphs);
                    let index = push_unique(&mut runs, run)?;
                    chain.insert(stage, index);
                }
            }
        }
    }
    Ok(Plan {
        request: request.clone(),
        runs,
    })
}

/// Every combination of the grid's values, as `(axis index, value)` lists; one empty point
/// without a grid.
fn grid_points(request: &SweepRequest) -> Vec<Vec<(usize, String)>> {
    let mut points: Vec<Vec<(usize, String)>> = vec![Vec::new()];
    for (i, axis) in request.grid.iter().enumerate() {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut next = p.clone();
                    next.push((i, v.clone()));
                    next
                })
            })
            .collect();
    }
    points
}

fn model_run(
    request: &SweepRequest,
    dataset: &str,
    variant: Variant,
    stage: Stage,
    point: &[(usize, String)],
    chain: &BTreeMap<Stage, usize>,
    runs: &[PlannedRun],
) -> Result<PlannedRun, PlanError> {
    let root = request.runs_root.to_string_lossy();
    let mut overrides: Vec<Override> = request
        .overrides
        .iter()
        .filter(|o| applies(o.stage, stage))
        .map(|o| Override {
            key: o.key.clone(),
            value: o.value.clone(),
        })
        .collect();
    let mut label: BTreeSet<(usize, String)> = BTreeSet::new();
    for (axis, value) in point {
        let a = &request.grid[*axis];
        if applies(a.stage, stage) {
            overrides.push(Override {
                key: a.key.clone(),
                value: value.clone(),
            });
            label.insert((*axis, value.clone()));
        }
    }
    let mut deps = Vec::new();
    let mut upstream = BTreeMap::new();
    let mut inherit = |run: &PlannedRun, label: &mut BTreeSet<(usize, String)>| {
        deps.push(run.run_id.clone());
        for (name, value) in &run.label {
            let axis = request
                .grid
                .iter()
                .position(|a| axis_name(a.stage, &a.key) == *name)
                .unwrap_or(usize::MAX);
            label.insert((axis, value.clone()));
        }
    };
    for before in upstream_stages(stage) {
        let run = &runs[chain[before]];
        inherit(run, &mut label);
        upstream.insert(*before, run.run_dir.clone());
    }
    let mut config = variant.stage_config(stage, dataset, &root);
    if variant == Variant::StudentKd {
        let teacher = runs
            .iter()
            .rev()
            .find(|r| {
                r.dataset == dataset
                    && r.kind
                        == RunKind::Model {
                            variant: Variant::Teacher,
                            stage,
                        }
                    && point_matches(request, r, point)
            })
            .ok_or(PlanError::Empty("the teacher's runs"))?;
        inherit(teacher, &mut label);
        config.teacher_path = teacher.run_dir.join(BEST_CHECKPOINT).display().to_string();
    }
    let config = apply_overrides(&config, &overrides).map_err(|e| PlanError::Config {
        run: format!("{dataset}/{}", run_name(&config, stage)),
        source: e,
    })?;
    let label: Vec<(String, String)> = label
        .into_iter()
        .map(|(axis, value)| {
            let a = &request.grid[axis];
            (axis_name(a.stage, &a.key), value)
        })
        .collect();
    let name = format!("{}{}", run_name(&config, stage), suffix(&label));
    config.validate_fields().map_err(|e| PlanError::Config {
        run: format!("{dataset}/{name}"),
        source: e,
    })?;
    Ok(PlannedRun {
        run_id: format!("{dataset}/{name}"),
        dataset: dataset.to_string(),
        kind: RunKind::Model { variant, stage },
        run_dir: request.runs_root.join(dataset).join(&name),
        config: Some(config),
        label,
        deps,
        upstream,
    })
}

/// Whether a teacher run `r` belongs to this point: every grid value in its label is the point's.
fn point_matches(request: &SweepRequest, r: &PlannedRun, point: &[(usize, String)]) -> bool {
    r.label.iter().all(|(name, value)| {
        point.iter().any(|(axis, v)| {
            let a = &request.grid[*axis];
            axis_name(a.stage, &a.key) == *name && v == value
        })
    })
}

fn with_graphs_dep(mut run: PlannedRun, graphs: &str) -> PlannedRun {
    run.deps.insert(0, graphs.to_string());
    run
}

/// Adds a run unless the same run is planned already (a grid point sharing it); returns its index.
/// The same id with another config is a planning error.
fn push_unique(runs: &mut Vec<PlannedRun>, run: PlannedRun) -> Result<usize, PlanError> {
    if let Some(i) = runs.iter().position(|r| r.run_id == run.run_id) {
        if runs[i].config != run.config {
            return Err(PlanError::Conflict(run.run_id));
        }
        return Ok(i);
    }
    runs.push(run);
    Ok(runs.len() - 1)
}

#[cfg(test)]
#[path = "planner_tests.rs"]
pub(crate) mod tests;
