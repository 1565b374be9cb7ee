//! A trained model loaded for use, not training (the KD teacher; the models a later stage builds on;
//! the evaluated models): built from its run directory's frozen `config.json`, with its CAN-ID
//! vocabulary size read from the checkpoint's embedding (0 for a model without one), weights loaded
//! by name from `best_model.safetensors`, frozen (no gradients) and used in eval mode only.
//!
//! A stage finds the models of its own variant in the sibling run directories
//! `{size}_{stage}[_kd]` of its run directory, as the reference's layout has them.

use std::path::Path;

use tch::{Device, Tensor, nn};

use super::StageError;
use crate::config::{BEST_CHECKPOINT, PipelineConfig, Stage, load_config, run_name};

/// Where the variant's GAT comes from: the curriculum stage's, else the plain supervised one's.
pub const GAT_STAGES: &[Stage] = &[Stage::Curriculum, Stage::Normal];
/// Where the variant's VGAE comes from.
pub const VGAE_STAGES: &[Stage] = &[Stage::Autoencoder];
/// Where the variant's fusion agent comes from.
pub const FUSION_STAGES: &[Stage] = &[Stage::Fusion];

/// The checkpoint of the first of `stages` that has one (with its config), among `run_dir`'s
/// siblings of the same variant as `config`.
pub fn sibling_checkpoint(
    run_dir: &Path,
    config: &PipelineConfig,
    stages: &[Stage],
) -> Option<std::path::PathBuf> {
    let parent = run_dir.parent()?;
    stages.iter().find_map(|&stage| {
        let dir = parent.join(run_name(config, stage));
        let checkpoint = dir.join(BEST_CHECKPOINT);
        (checkpoint.is_file() && dir.join("config.json").is_file()).then_some(checkpoint)
    })
}

/// The variant's model from `stages`, required: the error names the run directory expected.
pub fn required_sibling<M>(
    run_dir: &Path,
    config: &PipelineConfig,
    stages: &[Stage],
    device: Device,
    build: impl FnOnce(&nn::Path, &PipelineConfig, i64) -> M,
) -> Result<Frozen<M>, StageError> {
    match sibling_checkpoint(run_dir, config, stages) {
        Some(path) => load_frozen(&path, device, build),
        None => {
            let expected = run_dir
                .parent()
                .unwrap_or(run_dir)
                .join(run_name(config, stages[0]));
            let names: Vec<&str> = stages.iter().map(|s| s.as_str()).collect();
            Err(StageError::Checkpoint {
                path: expected.join(BEST_CHECKPOINT),
                message: format!(
                    "this stage needs the variant's trained model from the {} stage; run it first",
                    names.join(" or ")
                ),
            })
        }
    }
}

/// A frozen model with its store.
pub struct Frozen<M> {
    /// The model.
    pub model: M,
    /// Its configuration.
    pub config: PipelineConfig,
    _vs: nn::VarStore,
}

/// Loads the model whose checkpoint is `checkpoint`, building it with `build`.
pub fn load_frozen<M>(
    checkpoint: &Path,
    device: Device,
    build: impl FnOnce(&nn::Path, &PipelineConfig, i64) -> M,
) -> Result<Frozen<M>, StageError> {
    let failed = |message: String| StageError::Checkpoint {
        path: checkpoint.to_path_buf(),
        message,
    };
    if !checkpoint.is_file() {
        return Err(failed(
            "no such checkpoint (has the teacher's stage run?)".into(),
        ));
    }
    let config = load_config(&checkpoint.with_file_name("config.json"))?.config;
    let tensors = Tensor::read_safetensors(checkpoint).map_err(|e| failed(e.to_string()))?;
    let num_ids = tensors
        .iter()
        .find(|(name, _)| name == "id_embedding.weight")
        .map_or(0, |(_, t)| t.size()[0]);
    let mut vs = nn::VarStore::new(device);
    let model = build(&vs.root(), &config, num_ids);
    vs.load(checkpoint).map_err(|e| failed(e.to_string()))?;
    vs.freeze();
    Ok(Frozen {
        model,
        config,
        _vs: vs,
    })
}
