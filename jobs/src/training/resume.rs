//! The resumable checkpoint of a training run, in the run directory: `resume.json` (progress: epoch,
//! steps done in it, early-stopping and schedule state, optimizer step count, the partial epoch's
//! sums) naming `resume-{generation}.safetensors` (every model tensor as `model.NAME`, buffers
//! included, and the optimizer moments as `optim.…`). The tensors are written first and the JSON
//! last, atomically, so a crash at any point leaves the previous checkpoint whole.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{Tensor, nn};

use super::adam::Adam;
use super::schedule::Schedule;
use crate::atomic::write_atomic;

/// Sums over the steps of an epoch so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochSums {
    /// Σ loss × graphs.
    pub loss: f64,
    /// Graphs seen.
    pub graphs: f64,
    /// Correct predictions (for accuracy).
    pub correct: f64,
    /// Predictions made.
    pub total: f64,
}

/// Where a run is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The epoch in progress (from 0).
    pub epoch: u32,
    /// Steps of it done.
    pub step: usize,
    /// The best validation loss so far.
    pub best_val_loss: Option<f64>,
    /// Its epoch.
    pub best_epoch: Option<u32>,
    /// Epochs since it improved.
    pub bad_epochs: u32,
    /// The learning-rate schedule.
    pub schedule: Schedule,
    /// Optimizer steps taken.
    pub optimizer_steps: i64,
    /// The epoch in progress so far.
    pub sums: EpochSums,
}

#[derive(Serialize, Deserialize)]
struct ResumeFile {
    generation: u64,
    progress: Progress,
}

const STATE: &str = "resume.json";

fn tensors_path(run_dir: &Path, generation: u64) -> PathBuf {
    run_dir.join(format!("resume-{generation}.safetensors"))
}

fn err(path: &Path, e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("{}: {e}", path.display()))
}

/// Writes the checkpoint of `vs`, `adam` and `progress` into `run_dir`.
pub fn save(
    run_dir: &Path,
    vs: &nn::VarStore,
    adam: &Adam,
    progress: &Progress,
) -> std::io::Result<()> {
    let previous = read_state(run_dir)?.map(|f| f.generation);
    let generation = previous.map_or(0, |g| g + 1);
    let mut tensors: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| (format!("model.{name}"), t))
        .collect();
    tensors.extend(
        adam.state()
            .into_iter()
            .map(|(n, t)| (format!("optim.{n}"), t)),
    );
    let path = tensors_path(run_dir, generation);
    Tensor::write_safetensors(&tensors, &path).map_err(|e| err(&path, e))?;
    std::fs::File::open(&path)?.sync_all()?;
    let state = serde_json::to_vec_pretty(&ResumeFile {
        generation,
        progress: progress.clone(),
    })
    .map_err(|e| err(&run_dir.join(STATE), e))?;
    write_atomic(&run_dir.join(STATE), &state)?;
    if let Some(old) = previous {
        let _ = std::fs::remove_file(tensors_path(run_dir, old));
    }
    Ok(())
}

fn read_state(run_dir: &Path) -> std::io::Result<Option<ResumeFile>> {
    let path = run_dir.join(STATE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| err(&path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err(&path, e)),
    }
}

/// Restores `vs` and `adam` from the checkpoint in `run_dir`; `None` when there is none.
pub fn load(
    run_dir: &Path,
    vs: &nn::VarStore,
    adam: &mut Adam,
) -> std::io::Result<Option<Progress>> {
    let Some(file) = read_state(run_dir)? else {
        return Ok(None);
    };
    let path = tensors_path(run_dir, file.generation);
    let tensors = Tensor::read_safetensors(&path).map_err(|e| err(&path, e))?;
    let mut model = Vec::new();
    let mut optim = Vec::new();
    for (name, t) in tensors {
        if let Some(n) = name.strip_prefix("model.") {
            model.push((n.to_string(), t));
        } else if let Some(n) = name.strip_prefix("optim.") {
            optim.push((n.to_string(), t));
        }
    }
    tch::no_grad(|| {
        for (name, mut var) in vs.variables() {
            let saved = model
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| err(&path, format!("tensor {name} missing")))?;
            var.copy_(&saved.1);
        }
        Ok::<(), std::io::Error>(())
    })?;
    adam.restore(&optim, file.progress.optimizer_steps)
        .map_err(|e| err(&path, e))?;
    Ok(Some(file.progress))
}

/// Removes the checkpoint (after a run finished).
pub fn clear(run_dir: &Path) {
    if let Ok(Some(file)) = read_state(run_dir) {
        let _ = std::fs::remove_file(tensors_path(run_dir, file.generation));
    }
    let _ = std::fs::remove_file(run_dir.join(STATE));
}
