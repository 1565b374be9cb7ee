//! A trained model loaded for use, not training (the KD teacher; the models a later stage builds on;
//! the evaluated models): built from its run directory's frozen `config.json`, with its CAN-ID
//! vocabulary size read from the checkpoint's embedding (0 for a model without one), weights loaded
//! by name from `best_model.safetensors`, frozen (no gradients) and used in eval mode only.
//!
//! A stage finds the models of its own variant in the run directories its spec names, else in the
//! sibling run directories `{size}_{stage}[_kd]` of its run directory, as the reference's layout
//! has them ([`Siblings`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tch::{Device, Tensor, nn};

use super::StageError;
use crate::config::{PipelineConfig, Stage, load_config, run_name};
use crate::run_dir::BEST_CHECKPOINT;

/// Where the variant's GAT comes from: the curriculum stage's, else the plain supervised one's.
pub const GAT_STAGES: &[Stage] = &[Stage::Curriculum, Stage::Normal];
/// Where the variant's VGAE comes from.
pub const VGAE_STAGES: &[Stage] = &[Stage::Autoencoder];
/// Where the variant's fusion agent comes from.
pub const FUSION_STAGES: &[Stage] = &[Stage::Fusion];

/// Where a stage finds the models of its own variant: the run directories its spec names
/// (`upstream`), else the siblings `{size}_{stage}[_kd]` of its run directory.
pub struct Siblings<'a> {
    /// The stage's run directory.
    pub run_dir: &'a Path,
    /// The stage's config (its size and KD flag name the siblings).
    pub config: &'a PipelineConfig,
    /// The run directories the spec names, by stage.
    pub upstream: &'a BTreeMap<Stage, PathBuf>,
}

impl Siblings<'_> {
    /// The run directory of the variant's `stage`.
    pub fn dir(&self, stage: Stage) -> PathBuf {
        self.upstream.get(&stage).cloned().unwrap_or_else(|| {
            self.run_dir
                .parent()
                .unwrap_or(self.run_dir)
                .join(run_name(self.config, stage))
        })
    }

    /// The checkpoint of the first of `stages` that has one (with its config).
    pub fn checkpoint(&self, stages: &[Stage]) -> Option<PathBuf> {
        stages.iter().find_map(|&stage| {
            let dir = self.dir(stage);
            let checkpoint = dir.join(BEST_CHECKPOINT);
            (checkpoint.is_file() && dir.join(crate::run_dir::CONFIG).is_file())
                .then_some(checkpoint)
        })
    }

    /// The variant's model from `stages`, required: the error names the run directory expected.
    pub fn required<M>(
        &self,
        stages: &[Stage],
        device: Device,
        build: impl FnOnce(&nn::Path, &PipelineConfig, i64) -> M,
    ) -> Result<Frozen<M>, StageError> {
        match self.checkpoint(stages) {
            Some(path) => load_frozen(&path, device, build),
            None => {
                let names: Vec<&str> = stages.iter().map(|s| s.as_str()).collect();
                Err(StageError::Checkpoint {
                    path: self.dir(stages[0]).join(BEST_CHECKPOINT),
                    message: format!(
                        "this stage needs the variant's trained model from the {} stage; run it first",
                        names.join(" or ")
                    ),
                })
            }
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
    let config = load_config(&checkpoint.with_file_name(crate::run_dir::CONFIG))?.config;
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
