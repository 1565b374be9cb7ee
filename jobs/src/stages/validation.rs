//! Scoring graphs with trained models, and their metrics in the reference's `metrics.json` layout:
//!
//! - GAT: prediction = argmax, score = p(attack);
//! - VGAE: score = the graph's reconstruction MSE over its nodes' ten continuous features,
//!   prediction = score above a threshold: Youden's J on the validation split, reused for every
//!   test scenario (recorded as `optimal_threshold` and `youden_j` in `core`); decoded from the
//!   latent mean, or from a sampled z under `legacy` as the reference did.
//!
//! A stage writes its best checkpoint's validation metrics as `val_metrics.json`; the evaluation
//! stage writes every split as `metrics.json`.

use serde_json::{Value, json};
use tch::{Device, Kind, Tensor};

use super::scores::{per_batch, reconstruction_error};
use crate::metrics::{compute, youden_threshold};
use crate::models::{GatClassifier, Latent, Vgae};
use crate::training::engine::{Batch, Graphs};

/// Labels, and one score per graph from `score`, in batches of `batch_size` on `device`.
fn scores(
    graphs: Graphs<'_>,
    batch_size: usize,
    device: Device,
    score: impl Fn(&Batch) -> Tensor,
) -> (Vec<u8>, Vec<f64>) {
    let (labels, rows) = per_batch(graphs, batch_size, device, |b| {
        score(b).to_kind(Kind::Double)
    });
    let values = rows.map_or_else(Vec::new, |t| Vec::<f64>::try_from(&t).unwrap_or_default());
    (labels, values)
}

/// The GAT's metrics on `graphs`.
pub fn gat_metrics(
    model: &GatClassifier,
    graphs: Graphs<'_>,
    batch_size: usize,
    device: Device,
) -> Value {
    let (labels, p_attack) = scores(graphs, batch_size, device, |b| {
        let g = &b.graphs;
        model
            .forward(&g.x, &b.edges, &g.batch, b.num_graphs, false)
            .logits
            .softmax(-1, Kind::Float)
            .select(1, 1)
    });
    let preds: Vec<u8> = p_attack.iter().map(|&p| u8::from(p > 0.5)).collect();
    serde_json::to_value(compute(&labels, &preds, Some(&p_attack))).unwrap_or_default()
}

/// A VGAE's reconstruction errors.
pub struct VgaeScorer<'a> {
    /// The model.
    pub model: &'a Vgae,
    /// Batch size.
    pub batch_size: usize,
    /// Device.
    pub device: Device,
    /// Decode a sampled z (the reference) instead of the mean.
    pub legacy: bool,
}

impl VgaeScorer<'_> {
    /// Labels and reconstruction errors of `graphs`.
    pub fn errors(&self, graphs: Graphs<'_>) -> (Vec<u8>, Vec<f64>) {
        let latent = Latent::for_scoring(self.legacy);
        scores(graphs, self.batch_size, self.device, |b| {
            reconstruction_error(self.model, b, latent)
        })
    }

    /// The validation metrics and the Youden threshold they chose (∞ with one class).
    pub fn validation(&self, graphs: Graphs<'_>) -> (Value, f64) {
        let (labels, errors) = self.errors(graphs);
        let threshold = youden_threshold(&labels, &errors);
        let cut = threshold.map_or(f64::INFINITY, |(t, _)| t);
        let mut metrics = threshold_metrics(&labels, &errors, cut);
        if let Some((t, j)) = threshold {
            metrics["core"]["optimal_threshold"] = json!(t);
            metrics["core"]["youden_j"] = json!(j);
        }
        (metrics, cut)
    }

    /// The metrics of `graphs` at a threshold chosen elsewhere.
    pub fn at_threshold(&self, graphs: Graphs<'_>, cut: f64) -> Value {
        let (labels, errors) = self.errors(graphs);
        threshold_metrics(&labels, &errors, cut)
    }
}

fn threshold_metrics(labels: &[u8], errors: &[f64], cut: f64) -> Value {
    let preds: Vec<u8> = errors.iter().map(|&e| u8::from(e > cut)).collect();
    serde_json::to_value(compute(labels, &preds, Some(errors))).unwrap_or_default()
}
