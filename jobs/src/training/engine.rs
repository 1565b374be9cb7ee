//! The epoch loop shared by the model stages.
//!
//! Each epoch trains on the training graphs (or the epoch's sample of them, for the curriculum) in a
//! seeded order, in batches of the configured size
//! (Adam with weight decay, gradient clipping, the learning-rate schedule), then computes the loss
//! and accuracy on the validation graphs. The epoch's metrics (with the seconds spent training and
//! validating; a resumed epoch counts only its resumed part) go to `events.jsonl`; a better
//! validation loss writes `best_model.safetensors` (the best epoch's weights, not the last's, which
//! is what the reference kept); `patience` epochs without improvement stop the run. A resumable
//! checkpoint is written after every epoch and when a stop is requested.
//!
//! Randomness (dropout, VGAE sampling) is reseeded from (seed, epoch, step) before every step, and
//! the batch order from (seed, epoch): a run resumed from any step continues exactly as the
//! uninterrupted run would have, on CPU. On CUDA with `precision` `16-mixed` the forward pass runs
//! under autocast with a dynamic loss scale.

use std::path::Path;

use tch::{Device, Kind, Tensor, nn};

use super::adam::Adam;
use super::preempt::StopFlag;
use super::resume::{self, EpochSums, Progress};
use super::schedule::Schedule;
use crate::config::PipelineConfig;
use crate::graph::tensors::{GraphBatch, batch};
use crate::graph::{GraphSet, derive_seed, permutation};
use crate::models::Edges;
use crate::run_dir::EventLog;

/// The best weights' file in a run directory.
pub use crate::run_dir::BEST_CHECKPOINT;

/// Variables whose names start with this are trained but not part of the model (e.g. the KD
/// projection): they stay out of `best_model.safetensors`.
pub const AUXILIARY_PREFIX: &str = "kd_";

/// A batch on the device, ready for the models.
#[derive(Debug)]
pub struct Batch {
    /// The graphs' tensors.
    pub graphs: GraphBatch,
    /// Their edges with self-loops, as the attention layers use them.
    pub edges: Edges,
    /// Graphs in the batch.
    pub num_graphs: i64,
}

impl Batch {
    /// The batch of `graphs` of `set` on `device`.
    pub fn new(set: &GraphSet, graphs: &[usize], device: Device) -> Batch {
        let b = batch(set, graphs, device);
        let edges = Edges::with_self_loops(&b.edge_index, b.x.size()[0]);
        Batch {
            graphs: b,
            edges,
            num_graphs: graphs.len() as i64,
        }
    }
}

/// A loss and the counts behind an accuracy.
#[derive(Debug)]
pub struct StepLoss {
    /// The scalar loss (mean over the batch).
    pub loss: Tensor,
    /// Correct predictions.
    pub correct: f64,
    /// Predictions (0: not counted).
    pub total: f64,
}

/// What a stage trains.
pub trait Objective {
    /// The loss on `batch`; `train` is the model mode (dropout, batch statistics).
    fn loss(&self, batch: &Batch, train: bool) -> StepLoss;
}

/// Which training graphs an epoch uses, when not all of them (the curriculum).
pub trait EpochSample {
    /// The graphs (indices into the set) epoch `epoch` trains on; a pure function of the epoch, so
    /// a resumed run sees the same sample.
    fn graphs(&self, epoch: u32) -> Vec<usize>;
}

/// The data of a run: the graph set and which graphs train and validate.
pub struct Splits<'a> {
    /// All graphs.
    pub set: &'a GraphSet,
    /// Training graph indices.
    pub train: Vec<usize>,
    /// Validation graph indices.
    pub val: Vec<usize>,
    /// Each epoch's training graphs, when they are not the whole training split.
    pub sample: Option<&'a dyn EpochSample>,
}

/// Graphs to score: a set and which of its graphs.
#[derive(Debug, Clone, Copy)]
pub struct Graphs<'a> {
    /// The set.
    pub set: &'a GraphSet,
    /// The graphs' indices.
    pub indices: &'a [usize],
}

impl Splits<'_> {
    /// The validation graphs, for scoring.
    pub fn val_graphs(&self) -> Graphs<'_> {
        Graphs {
            set: self.set,
            indices: &self.val,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// All epochs ran, or early stopping ended the run.
    Finished {
        /// Epochs run.
        epochs: u32,
        /// The best epoch (its weights are `best_model.safetensors`).
        best_epoch: Option<u32>,
        /// Its validation loss.
        best_val_loss: Option<f64>,
        /// Whether patience ran out.
        stopped_early: bool,
    },
    /// A stop was requested; the checkpoint resumes it.
    Preempted {
        /// The epoch in progress.
        epoch: u32,
        /// Steps of it done.
        step: usize,
    },
}

/// Trains the variables of `vs` on `objective` as `config` says, in `run_dir`, on `device`.
pub fn train(
    vs: &nn::VarStore,
    objective: &dyn Objective,
    data: &Splits<'_>,
    config: &PipelineConfig,
    run_dir: &Path,
    stop: &StopFlag,
) -> std::io::Result<Outcome> {
    std::fs::create_dir_all(run_dir)?;
    let device = vs.device();
    let events = EventLog::new(run_dir);
    let mut adam = Adam::new(vs, config.weight_decay, false);
    let mut progress = match resume::load(run_dir, vs, &mut adam)? {
        Some(p) => {
            events.append(
                "resumed",
                serde_json::json!({ "epoch": p.epoch, "step": p.step }),
            )?;
            p
        }
        None => Progress {
            epoch: 0,
            step: 0,
            best_val_loss: None,
            best_epoch: None,
            bad_epochs: 0,
            schedule: Schedule::new(config),
            optimizer_steps: 0,
            sums: EpochSums::default(),
        },
    };
    let batch_size = config.batch_size.max(1) as usize;
    let mut scaler = LossScale::new(device.is_cuda() && config.precision.contains("16"));
    let mut stopped_early = false;
    while progress.epoch < config.max_epochs {
        let epoch = progress.epoch;
        let epoch_started = std::time::Instant::now();
        let pool = match data.sample {
            Some(sample) => std::borrow::Cow::Owned(sample.graphs(epoch)),
            None => std::borrow::Cow::Borrowed(&data.train),
        };
        let order: Vec<usize> =
            permutation(pool.len(), derive_seed(config.seed, &[u64::from(epoch)]))
                .into_iter()
                .map(|i| pool[i])
                .collect();
        for (step, chunk) in order.chunks(batch_size).enumerate().skip(progress.step) {
            if stop.raised() {
                return preempt(run_dir, vs, &adam, &mut progress, &events);
            }
            tch::manual_seed(derive_seed(config.seed, &[u64::from(epoch), step as u64]) as i64);
            let b = Batch::new(data.set, chunk, device);
            adam.zero_grad();
            let out = tch::autocast(scaler.enabled, || objective.loss(&b, true));
            scaler.scaled(&out.loss).backward();
            if scaler.unscale_and_check(&adam) {
                if config.gradient_clip > 0.0 {
                    adam.clip_grad_norm(config.gradient_clip);
                }
                adam.step(progress.schedule.lr);
            }
            let sums = &mut progress.sums;
            sums.loss += out.loss.double_value(&[]) * chunk.len() as f64;
            sums.graphs += chunk.len() as f64;
            sums.correct += out.correct;
            sums.total += out.total;
            progress.step = step + 1;
            progress.optimizer_steps = adam.steps;
        }
        let train_seconds = epoch_started.elapsed().as_secs_f64();
        let val_started = std::time::Instant::now();
        let (val_loss, val_acc) = validate(objective, data, config, epoch, device, batch_size);
        let val_seconds = val_started.elapsed().as_secs_f64();
        let sums = std::mem::take(&mut progress.sums);
        let train_loss = sums.loss / sums.graphs.max(1.0);
        let mut metrics = vec![("train_loss", train_loss), ("val_loss", val_loss)];
        // An objective that counts no predictions while training (it would cost a pass over large
        // logits) has no training accuracy.
        if sums.total > 0.0 {
            metrics.push(("train_acc", sums.correct / sums.total));
        }
        metrics.extend([
            ("val_acc", val_acc),
            ("lr", progress.schedule.lr),
            ("train_seconds", train_seconds),
            ("val_seconds", val_seconds),
        ]);
        events.epoch(epoch, &metrics)?;
        if progress.best_val_loss.is_none_or(|best| val_loss < best) {
            progress.best_val_loss = Some(val_loss);
            progress.best_epoch = Some(epoch);
            progress.bad_epochs = 0;
            save_model(vs, &run_dir.join(BEST_CHECKPOINT))?;
            events.append(
                "checkpoint",
                serde_json::json!({ "epoch": epoch, "val_loss": val_loss }),
            )?;
        } else {
            progress.bad_epochs += 1;
        }
        progress.schedule.end_epoch(epoch, val_loss);
        progress.epoch += 1;
        progress.step = 0;
        resume::save(run_dir, vs, &adam, &progress)?;
        if progress.bad_epochs >= config.patience.max(1) {
            stopped_early = true;
            break;
        }
    }
    Ok(Outcome::Finished {
        epochs: progress.epoch,
        best_epoch: progress.best_epoch,
        best_val_loss: progress.best_val_loss,
        stopped_early,
    })
}

fn preempt(
    run_dir: &Path,
    vs: &nn::VarStore,
    adam: &Adam,
    progress: &mut Progress,
    events: &EventLog,
) -> std::io::Result<Outcome> {
    progress.optimizer_steps = adam.steps;
    resume::save(run_dir, vs, adam, progress)?;
    events.append(
        "preempted",
        serde_json::json!({ "epoch": progress.epoch, "step": progress.step }),
    )?;
    Ok(Outcome::Preempted {
        epoch: progress.epoch,
        step: progress.step,
    })
}

/// Mean loss and accuracy on the validation graphs, in eval mode.
fn validate(
    objective: &dyn Objective,
    data: &Splits<'_>,
    config: &PipelineConfig,
    epoch: u32,
    device: Device,
    batch_size: usize,
) -> (f64, f64) {
    tch::manual_seed(derive_seed(config.seed, &[u64::from(epoch), u64::MAX]) as i64);
    let mut sums = EpochSums::default();
    tch::no_grad(|| {
        for chunk in data.val.chunks(batch_size) {
            let out = objective.loss(&Batch::new(data.set, chunk, device), false);
            sums.loss += out.loss.double_value(&[]) * chunk.len() as f64;
            sums.graphs += chunk.len() as f64;
            sums.correct += out.correct;
            sums.total += out.total;
        }
    });
    (
        sums.loss / sums.graphs.max(1.0),
        sums.correct / sums.total.max(1.0),
    )
}

/// Writes the model's tensors (not the auxiliary ones) to `path` atomically, as safetensors.
pub fn save_model(vs: &nn::VarStore, path: &Path) -> std::io::Result<()> {
    let mut tensors: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(name, _)| !name.starts_with(AUXILIARY_PREFIX))
        .collect();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let tmp = path.with_extension("safetensors.tmp");
    Tensor::write_safetensors(&tensors, &tmp)
        .map_err(|e| std::io::Error::other(format!("{}: {e}", tmp.display())))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// A dynamic loss scale for fp16 autocast (PyTorch's `GradScaler` defaults): the loss is multiplied
/// by the scale before backward; gradients are unscaled before the step, and a step with
/// non-finite gradients is skipped and halves the scale; 2000 good steps double it. Disabled: a
/// no-op.
struct LossScale {
    enabled: bool,
    scale: f64,
    good_steps: u32,
}

impl LossScale {
    fn new(enabled: bool) -> LossScale {
        LossScale {
            enabled,
            scale: 65536.0,
            good_steps: 0,
        }
    }

    fn scaled(&self, loss: &Tensor) -> Tensor {
        if self.enabled {
            loss.to_kind(Kind::Float) * self.scale
        } else {
            loss.shallow_clone()
        }
    }

    /// Unscales the gradients; whether the step should be taken.
    fn unscale_and_check(&mut self, adam: &Adam) -> bool {
        if !self.enabled {
            return true;
        }
        let finite = adam.unscale_grads(1.0 / self.scale);
        if finite {
            self.good_steps += 1;
            if self.good_steps == 2000 {
                self.scale *= 2.0;
                self.good_steps = 0;
            }
        } else {
            self.scale /= 2.0;
            self.good_steps = 0;
        }
        finite
    }
}
