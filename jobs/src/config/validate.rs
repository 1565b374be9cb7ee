//! Validation as the reference's `validate(cfg, stage)` does it: numeric ranges (see
//! [`super::ranges`]), the dataset and its data directory, KD's teacher checkpoint and frozen
//! config, and the upstream stages' outputs. Every problem is collected (not just the first), each
//! naming its field or path.

use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::pipeline::{ModelSize, PipelineConfig};
use super::stage::{Stage, run_id};
use crate::catalog::Catalog;
use crate::run_dir::{BEST_CHECKPOINT, CONFIG};

/// What stage validation looks at on disk.
#[derive(Debug, Clone)]
pub struct StageCheckContext<'a> {
    /// The dataset catalog.
    pub catalog: &'a Catalog,
    /// The data root (`data/` by default).
    pub data_root: &'a Path,
    /// Relative `teacher_path` and `experiment_root` values resolve against this directory.
    pub base_dir: &'a Path,
}

/// Validates a config for running `stage`; on success returns warnings (e.g. the no-KD ablation).
pub fn validate_for_stage(
    config: &PipelineConfig,
    stage: Stage,
    ctx: &StageCheckContext<'_>,
) -> Result<Vec<String>, ConfigError> {
    let mut problems = match config.validate_fields() {
        Ok(()) => Vec::new(),
        Err(ConfigError::Invalid(p)) => p,
        Err(other) => return Err(other),
    };
    let mut warnings = Vec::new();
    match ctx.catalog.get(&config.dataset) {
        None => problems.push(format!(
            "dataset: unknown dataset `{}` (catalog has: {})",
            config.dataset,
            ctx.catalog.names().collect::<Vec<_>>().join(", ")
        )),
        Some(entry) => {
            let dir = entry.csv_path(ctx.data_root);
            if !dir.is_dir() {
                problems.push(format!(
                    "dataset: data directory {} does not exist",
                    dir.display()
                ));
            }
        }
    }
    if config.model_size == ModelSize::Student && !config.use_kd {
        warnings.push("student without KD: this is the no-KD ablation".to_string());
    }
    if config.use_kd && stage != Stage::Evaluation {
        check_teacher(config, ctx, &mut problems);
    }
    check_prerequisites(config, stage, ctx, &mut problems);
    if problems.is_empty() {
        Ok(warnings)
    } else {
        Err(ConfigError::Invalid(problems))
    }
}

/// The problem of a config that distils (`use_kd`) from no named teacher, if it is one.
pub fn unnamed_teacher(config: &PipelineConfig) -> Option<String> {
    (config.use_kd && config.teacher_path.is_empty())
        .then(|| "teacher_path: use_kd is true but teacher_path is empty".to_string())
}

fn check_teacher(config: &PipelineConfig, ctx: &StageCheckContext<'_>, problems: &mut Vec<String>) {
    if let Some(problem) = unnamed_teacher(config) {
        problems.push(problem);
        return;
    }
    let checkpoint = ctx.base_dir.join(&config.teacher_path);
    if !checkpoint.is_file() {
        problems.push(format!(
            "teacher_path: teacher checkpoint {} does not exist",
            checkpoint.display()
        ));
    }
    let frozen = checkpoint.with_file_name(CONFIG);
    if !frozen.is_file() {
        problems.push(format!(
            "teacher_path: teacher config {} does not exist",
            frozen.display()
        ));
    }
}

fn check_prerequisites(
    config: &PipelineConfig,
    stage: Stage,
    ctx: &StageCheckContext<'_>,
    problems: &mut Vec<String>,
) {
    let missing: Vec<String> = stage
        .prerequisites()
        .iter()
        .filter_map(|&upstream| {
            let dir = stage_dir(config, upstream, ctx);
            let complete = dir.join(BEST_CHECKPOINT).is_file() && dir.join(CONFIG).is_file();
            (!complete).then(|| {
                format!(
                    "{} (checkpoint and config.json in {})",
                    upstream,
                    dir.display()
                )
            })
        })
        .collect();
    let satisfied = if stage == Stage::Evaluation {
        missing.len() < stage.prerequisites().len()
    } else {
        missing.is_empty()
    };
    if !satisfied {
        let joiner = if stage == Stage::Evaluation {
            " or "
        } else {
            " and "
        };
        problems.push(format!(
            "{stage} needs the output of {}",
            missing.join(joiner)
        ));
    }
}

fn stage_dir(config: &PipelineConfig, stage: Stage, ctx: &StageCheckContext<'_>) -> PathBuf {
    ctx.base_dir
        .join(&config.experiment_root)
        .join(run_id(config, stage))
}
