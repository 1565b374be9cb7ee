//! The stages' losses (REFERENCE.md §5), with knowledge distillation when a teacher is given:
//!
//! - VGAE: `MSE(cont, x[:,1:]) + 0.1·CE(canid, id) + 0.05·BCE(nbr, out-neighbour IDs) + 0.01·KL`;
//!   KD adds `latent·MSE(proj(z_s), z_t) + recon·MSE(cont_s, cont_t)` (the projection, when the
//!   latent sizes differ, is trained with the student) as `α·kd + (1−α)·task`. Accuracy: CAN-ID
//!   reconstruction per node, counted on validation only (an argmax over `[nodes × IDs]` logits per
//!   training step costs more than it tells; the reference logged none).
//! - GAT: `CE(logits, y)`; KD adds `KL(softmax(t/T) ‖ log_softmax(s/T))` (batch mean) `·T²` as
//!   `α·kd + (1−α)·CE`. Accuracy per graph.

use tch::{Kind, Reduction, Tensor, nn};

use crate::models::{GatClassifier, Latent, Vgae};
use crate::training::engine::{Batch, Objective, StepLoss};

/// The CAN-ID column of the node features as indices.
pub(super) fn node_ids(batch: &Batch) -> Tensor {
    batch.graphs.x.select(1, 0).to_kind(Kind::Int64)
}

/// Multi-hot out-neighbour CAN IDs: `targets[src, id(dst)] = 1` for every edge of the batch.
pub(super) fn neighbour_targets(batch: &Batch, ids: &Tensor, num_ids: i64) -> Tensor {
    let x = &batch.graphs.x;
    let ei = &batch.graphs.edge_index;
    let mut targets = Tensor::zeros([x.size()[0], num_ids], (Kind::Float, x.device()));
    let src = ei.get(0);
    let dst_ids = ids.index_select(0, &ei.get(1));
    let ones = Tensor::ones([src.size()[0]], (Kind::Float, x.device()));
    let _ = targets.index_put_(&[Some(src), Some(dst_ids)], &ones, false);
    targets
}

fn correct(logits: &Tensor, labels: &Tensor) -> f64 {
    logits
        .argmax(-1, false)
        .eq_tensor(labels)
        .sum(Kind::Float)
        .double_value(&[])
}

/// VGAE distillation from a teacher VGAE.
pub struct VgaeKd<'a> {
    /// The frozen teacher.
    pub teacher: &'a Vgae,
    /// Student latent → teacher latent, when they differ.
    pub projection: Option<nn::Linear>,
    /// `kd_alpha`.
    pub alpha: f64,
    /// `kd_vgae_latent_weight`.
    pub latent_weight: f64,
    /// `kd_vgae_recon_weight`.
    pub recon_weight: f64,
}

/// The autoencoder stage's loss.
pub struct VgaeObjective<'a> {
    /// The model trained.
    pub model: &'a Vgae,
    /// The CAN-ID vocabulary size.
    pub num_ids: i64,
    /// Distillation, if any.
    pub kd: Option<VgaeKd<'a>>,
}

impl Objective for VgaeObjective<'_> {
    fn loss(&self, batch: &Batch, train: bool) -> StepLoss {
        let x = &batch.graphs.x;
        let out = self.model.forward(x, &batch.edges, train, Latent::Sample);
        let ids = node_ids(batch);
        let recon = out.cont.mse_loss(&x.narrow(1, 1, 10), Reduction::Mean);
        let canid = out.canid_logits.cross_entropy_for_logits(&ids);
        let nbr = out.nbr_logits.binary_cross_entropy_with_logits::<Tensor>(
            &neighbour_targets(batch, &ids, self.num_ids),
            None,
            None,
            Reduction::Mean,
        );
        let task = recon + canid * 0.1 + nbr * 0.05 + &out.kl * 0.01;
        let loss = match &self.kd {
            None => task,
            Some(kd) => {
                let t = tch::no_grad(|| kd.teacher.forward(x, &batch.edges, false, Latent::Sample));
                let z = match &kd.projection {
                    Some(p) => out.z.apply(p),
                    None => out.z.shallow_clone(),
                };
                let distill = z.mse_loss(&t.z, Reduction::Mean) * kd.latent_weight
                    + out.cont.mse_loss(&t.cont, Reduction::Mean) * kd.recon_weight;
                distill * kd.alpha + task * (1.0 - kd.alpha)
            }
        };
        let (correct, total) = if train {
            (0.0, 0.0)
        } else {
            (correct(&out.canid_logits, &ids), ids.size()[0] as f64)
        };
        StepLoss {
            correct,
            total,
            loss,
        }
    }
}

/// GAT distillation from a teacher GAT.
pub struct GatKd<'a> {
    /// The frozen teacher.
    pub teacher: &'a GatClassifier,
    /// `kd_temperature`.
    pub temperature: f64,
    /// `kd_alpha`.
    pub alpha: f64,
}

/// The supervised GAT stages' loss.
pub struct GatObjective<'a> {
    /// The model trained.
    pub model: &'a GatClassifier,
    /// Distillation, if any.
    pub kd: Option<GatKd<'a>>,
}

impl Objective for GatObjective<'_> {
    fn loss(&self, batch: &Batch, train: bool) -> StepLoss {
        let g = &batch.graphs;
        let out = self
            .model
            .forward(&g.x, &batch.edges, &g.batch, batch.num_graphs, train);
        let ce = out.logits.cross_entropy_for_logits(&g.y);
        let loss = match &self.kd {
            None => ce,
            Some(kd) => {
                let t = kd.temperature;
                let teacher = tch::no_grad(|| {
                    kd.teacher
                        .forward(&g.x, &batch.edges, &g.batch, batch.num_graphs, false)
                        .logits
                });
                let log_p_student = (&out.logits / t).log_softmax(-1, Kind::Float);
                let log_p_teacher = (&teacher / t).log_softmax(-1, Kind::Float);
                let kl = (log_p_teacher.exp() * (&log_p_teacher - log_p_student)).sum(Kind::Float)
                    / batch.num_graphs as f64;
                kl * (t * t) * kd.alpha + ce * (1.0 - kd.alpha)
            }
        };
        StepLoss {
            correct: correct(&out.logits, &g.y),
            total: batch.num_graphs as f64,
            loss,
        }
    }
}
