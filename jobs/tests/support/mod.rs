//! Shared by the stage tests: a preset's config for a small CPU run, a stage run into
//! `ROOT/runs/NAME` on the cache in `ROOT/cache`, and the turn every training test takes.
//!
//! libtorch's random generator is one per process and training reseeds it every step: the tests of
//! one binary take turns ([`take_turn`]) so that one test's dropout does not draw from another's seed.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use kdgat_jobs::config::write_config;
use kdgat_jobs::config::{PipelineConfig, Preset, Stage};
use kdgat_jobs::run_dir::{JobSpec, ModelWork, Work};
use kdgat_jobs::stages::{self, StageError};
use kdgat_jobs::training::engine::Outcome;
use kdgat_jobs::training::preempt::StopFlag;

static TRAINING: Mutex<()> = Mutex::new(());

/// Holds the turn to train until dropped.
pub fn take_turn() -> MutexGuard<'static, ()> {
    TRAINING.lock().unwrap_or_else(|p| p.into_inner())
}

/// `preset` for `epochs` epochs, batches of 16, on the CPU.
pub fn config(preset: &str, epochs: u32) -> PipelineConfig {
    PipelineConfig {
        max_epochs: epochs,
        batch_size: 16,
        device: "cpu".into(),
        ..preset.parse::<Preset>().unwrap().config()
    }
}

/// Runs `stage` with `config` into `root/runs/name` (the config written as `root/name.config.json`).
pub fn run_stage(
    root: &Path,
    name: &str,
    stage: Stage,
    config: &PipelineConfig,
) -> Result<Outcome, StageError> {
    let config_path = root.join(format!("{name}.config.json"));
    write_config(config, &config_path).unwrap();
    let work = ModelWork {
        stage,
        config: config_path,
        cache_dir: root.join("cache"),
        base_dir: root.to_path_buf(),
        upstream: Default::default(),
    };
    let spec = JobSpec {
        run_dir: root.join("runs").join(name),
        legacy: false,
        work: Work::Model(work.clone()),
        resume: true,
        inputs: Default::default(),
    };
    stages::run(&spec, &work, &StopFlag::default())
}
