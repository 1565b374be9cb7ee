//! Scoring graphs with trained models, and their metrics in the reference's `metrics.json` layout:
//!
//! - GAT: prediction = argmax, score = the log-odds of attack, `logit₁ − logit₀` (the same ranking as
//!   p(attack), without the ties of a float softmax that rounds to 1 for confident graphs); under
//!   `legacy`, p(attack) as the reference scored it;
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

/// The GAT's metrics on `graphs`; `legacy` scores with p(attack).
pub fn gat_metrics(
    model: &GatClassifier,
    graphs: Graphs<'_>,
    batch_size: usize,
    device: Device,
    legacy: bool,
) -> Value {
    let (labels, attack_scores) = scores(graphs, batch_size, device, |b| {
        let g = &b.graphs;
        let logits = model
            .forward(&g.x, &b.edges, &g.batch, b.num_graphs, false)
            .logits;
        attack_score(&logits, legacy)
    });
    let cut = if legacy { 0.5 } else { 0.0 };
    let preds: Vec<u8> = attack_scores.iter().map(|&s| u8::from(s > cut)).collect();
    serde_json::to_value(compute(&labels, &preds, Some(&attack_scores))).unwrap_or_default()
}

/// Each graph's attack score from its `[graphs × 2]` logits: the log-odds, or p(attack) under
/// `legacy`. Either is above its cut (0, 0.5) exactly when the argmax is attack.
fn attack_score(logits: &Tensor, legacy: bool) -> Tensor {
    if legacy {
        logits.softmax(-1, Kind::Float).select(1, 1)
    } else {
        logits.select(1, 1) - logits.select(1, 0)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confident_graphs_keep_their_order_unless_legacy() {
        let logits = Tensor::from_slice(&[0f32, 40.0, 0.0, 50.0, 1.0, 0.0]).view([3, 2]);
        let scores = Vec::<f32>::try_from(attack_score(&logits, false)).unwrap();
        assert_eq!(scores, [40.0, 50.0, -1.0]);
        let legacy = Vec::<f32>::try_from(attack_score(&logits, true)).unwrap();
        assert_eq!(legacy[0], legacy[1], "a float softmax ties them at 1");
        assert!(legacy[2] < 0.5);
    }
}
