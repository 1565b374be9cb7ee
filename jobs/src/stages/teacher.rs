//! A trained model loaded for use, not training (the KD teacher; the evaluated models): built from
//! its run directory's frozen `config.json`, with its CAN-ID vocabulary size read from the
//! checkpoint's embedding, weights loaded by name from `best_model.safetensors`, frozen (no
//! gradients) and used in eval mode only.

use std::path::Path;

use tch::{Device, Tensor, nn};

use super::StageError;
use crate::config::{PipelineConfig, load_config};

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
        .map(|(_, t)| t.size()[0])
        .ok_or_else(|| failed("no id_embedding.weight in the checkpoint".into()))?;
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
