//! The resumable checkpoint of a training run, in the run directory: `resume.json` (progress: epoch,
//! steps done in it, early-stopping and schedule state, optimizer step count, the partial epoch's
//! sums) naming `resume-{generation}.safetensors` (every model tensor as `model.NAME`, buffers
//! included, and the optimizer moments as `optim.…`). The tensors are written first and the JSON
//! last, atomically, so a crash at any point leaves the previous checkpoint whole. Other loops (the
//! fusion agent) keep their own progress and tensors in the same two files through
//! [`save_state`] / [`load_state`].

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
struct ResumeFile<P> {
    generation: u64,
    progress: P,
}

#[derive(Deserialize)]
struct Generation {
    generation: u64,
}

const STATE: &str = crate::run_dir::RESUME;

fn tensors_path(run_dir: &Path, generation: u64) -> PathBuf {
    run_dir.join(format!("resume-{generation}.safetensors"))
}

fn err(path: &Path, e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("{}: {e}", path.display()))
}

/// Writes a checkpoint of named `tensors` and `progress` into `run_dir`, replacing the previous one
/// only once both are on disk.
pub fn save_state<P: Serialize>(
    run_dir: &Path,
    tensors: &[(String, Tensor)],
    progress: &P,
) -> std::io::Result<()> {
    let previous = read_state::<Generation>(run_dir)?.map(|g| g.generation);
    let generation = previous.map_or(0, |g| g + 1);
    let path = tensors_path(run_dir, generation);
    Tensor::write_safetensors(tensors, &path).map_err(|e| err(&path, e))?;
    std::fs::File::open(&path)?.sync_all()?;
    let state = serde_json::to_vec_pretty(&ResumeFile {
        generation,
        progress,
    })
    .map_err(|e| err(&run_dir.join(STATE), e))?;
    write_atomic(&run_dir.join(STATE), &state)?;
    if let Some(old) = previous {
        let _ = std::fs::remove_file(tensors_path(run_dir, old));
    }
    Ok(())
}

fn read_state<T: serde::de::DeserializeOwned>(run_dir: &Path) -> std::io::Result<Option<T>> {
    let path = run_dir.join(STATE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| err(&path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err(&path, e)),
    }
}

/// Named tensors, as a checkpoint holds them.
pub type NamedTensors = Vec<(String, Tensor)>;

/// The checkpoint in `run_dir` written by [`save_state`]: its progress and tensors; `None` when
/// there is none.
pub fn load_state<P: serde::de::DeserializeOwned>(
    run_dir: &Path,
) -> std::io::Result<Option<(P, NamedTensors)>> {
    let Some(file) = read_state::<ResumeFile<P>>(run_dir)? else {
        return Ok(None);
    };
    let path = tensors_path(run_dir, file.generation);
    let tensors = Tensor::read_safetensors(&path).map_err(|e| err(&path, e))?;
    Ok(Some((file.progress, tensors)))
}

/// The tensors of `prefix.NAME` in `tensors`, without the prefix.
pub fn with_prefix(tensors: &[(String, Tensor)], prefix: &str) -> Vec<(String, Tensor)> {
    tensors
        .iter()
        .filter_map(|(name, t)| {
            name.strip_prefix(prefix)
                .and_then(|n| n.strip_prefix('.'))
                .map(|n| (n.to_string(), t.shallow_clone()))
        })
        .collect()
}

/// Copies every variable of `vs` from `saved` (names as in the store); `source` names the file in
/// errors.
pub fn restore_vars(
    vs: &nn::VarStore,
    saved: &[(String, Tensor)],
    source: &Path,
) -> std::io::Result<()> {
    tch::no_grad(|| {
        for (name, mut var) in vs.variables() {
            let tensor = saved
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| err(source, format!("tensor {name} missing")))?;
            var.copy_(&tensor.1);
        }
        Ok(())
    })
}

/// The variables of `vs` as `prefix.NAME`.
pub fn prefixed_vars(vs: &nn::VarStore, prefix: &str) -> Vec<(String, Tensor)> {
    vs.variables()
        .into_iter()
        .map(|(name, t)| (format!("{prefix}.{name}"), t))
        .collect()
}

/// Writes the checkpoint of `vs`, `adam` and `progress` into `run_dir`.
pub fn save(
    run_dir: &Path,
    vs: &nn::VarStore,
    adam: &Adam,
    progress: &Progress,
) -> std::io::Result<()> {
    let mut tensors = prefixed_vars(vs, "model");
    tensors.extend(
        adam.state()
            .into_iter()
            .map(|(n, t)| (format!("optim.{n}"), t)),
    );
    save_state(run_dir, &tensors, progress)
}

/// Restores `vs` and `adam` from the checkpoint in `run_dir`; `None` when there is none.
pub fn load(
    run_dir: &Path,
    vs: &nn::VarStore,
    adam: &mut Adam,
) -> std::io::Result<Option<Progress>> {
    let Some((progress, tensors)) = load_state::<Progress>(run_dir)? else {
        return Ok(None);
    };
    let source = run_dir.join(STATE);
    restore_vars(vs, &with_prefix(&tensors, "model"), &source)?;
    adam.restore(&with_prefix(&tensors, "optim"), progress.optimizer_steps)
        .map_err(|e| err(&source, e))?;
    Ok(Some(progress))
}

/// Removes the checkpoint (after a run finished): `resume.json` first — once it is gone nothing
/// names the tensors, so no state ever has a `resume.json` naming a missing file — then every
/// `resume-N.safetensors`, older ones a crash left behind included. When `resume.json` cannot be
/// removed, the tensors it names stay and the error is returned.
pub fn clear(run_dir: &Path) -> std::io::Result<()> {
    let state = run_dir.join(STATE);
    match std::fs::remove_file(&state) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(&state, e)),
    }
    let entries = match std::fs::read_dir(run_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(err(run_dir, e)),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("resume-") && name.ends_with(".safetensors") {
            std::fs::remove_file(entry.path()).map_err(|e| err(&entry.path(), e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint(dir: &Path) {
        std::fs::write(dir.join(STATE), r#"{"generation": 3, "progress": {}}"#).unwrap();
        std::fs::write(tensors_path(dir, 3), "tensors").unwrap();
        // What a crash between writing generation 3 and removing generation 2 leaves.
        std::fs::write(tensors_path(dir, 2), "older").unwrap();
    }

    #[test]
    fn clearing_removes_every_checkpoint_file() {
        let dir = tempfile::tempdir().unwrap();
        checkpoint(dir.path());
        std::fs::write(dir.path().join("best_model.safetensors"), "kept").unwrap();
        clear(dir.path()).unwrap();
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["best_model.safetensors"]);
        clear(dir.path()).unwrap();
        clear(&dir.path().join("never-made")).unwrap();
    }

    /// Issue 19: when `resume.json` cannot be removed (here: made immutable, which needs root and
    /// a file system with attributes), the tensors it names stay.
    #[test]
    fn resume_json_never_names_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        checkpoint(dir.path());
        let state = dir.path().join(STATE);
        let chattr = |flag: &str| {
            std::process::Command::new("chattr")
                .arg(flag)
                .arg(&state)
                .status()
                .is_ok_and(|s| s.success())
        };
        if !chattr("+i") {
            println!(
                "skipped: cannot make {} immutable (chattr)",
                state.display()
            );
            return;
        }
        let outcome = clear(dir.path());
        chattr("-i");
        assert!(outcome.is_err(), "the failure is reported");
        let generation = read_state::<Generation>(dir.path())
            .unwrap()
            .unwrap()
            .generation;
        assert!(
            tensors_path(dir.path(), generation).is_file(),
            "resume.json names resume-{generation}.safetensors, which is gone"
        );
    }
}
