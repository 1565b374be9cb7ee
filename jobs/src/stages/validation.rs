//! The validation metrics of a stage's best checkpoint, written as `val_metrics.json` in the
//! reference's `metrics.json` layout (`{"gat": {"core", "additional"}}` or `{"vgae": …}`):
//!
//! - GAT: prediction = argmax, score = p(attack);
//! - VGAE: score = the graph's reconstruction MSE over its nodes' ten continuous features,
//!   prediction = score above the Youden-J threshold on this split (recorded as
//!   `optimal_threshold` and `youden_j` in `core`); decoded from the latent mean, or from a sampled
//!   z under `legacy` as the reference did.

use serde_json::{Value, json};
use tch::{Device, Kind, Tensor};

use crate::metrics::{compute, youden_threshold};
use crate::models::{GatClassifier, Latent, Vgae};
use crate::training::engine::{Batch, Splits};

/// Labels and scores of the validation graphs under a model.
fn scores(
    data: &Splits<'_>,
    batch_size: usize,
    device: Device,
    score: impl Fn(&Batch) -> Tensor,
) -> (Vec<u8>, Vec<f64>) {
    let (mut labels, mut out) = (Vec::new(), Vec::new());
    tch::no_grad(|| {
        for chunk in data.val.chunks(batch_size.max(1)) {
            let b = Batch::new(data.set, chunk, device);
            let s = score(&b).to_kind(Kind::Double).to_device(Device::Cpu);
            out.extend(Vec::<f64>::try_from(&s).unwrap_or_default());
            labels.extend(chunk.iter().map(|&g| data.set.get(g).y));
        }
    });
    (labels, out)
}

/// The GAT's validation metrics.
pub fn gat_metrics(
    model: &GatClassifier,
    data: &Splits<'_>,
    batch_size: usize,
    device: Device,
) -> Value {
    let (labels, p_attack) = scores(data, batch_size, device, |b| {
        let g = &b.graphs;
        model
            .forward(&g.x, &b.edges, &g.batch, b.num_graphs, false)
            .logits
            .softmax(-1, Kind::Float)
            .select(1, 1)
    });
    let preds: Vec<u8> = p_attack.iter().map(|&p| u8::from(p > 0.5)).collect();
    json!({ "gat": compute(&labels, &preds, Some(&p_attack)) })
}

/// The VGAE's validation metrics.
pub fn vgae_metrics(
    model: &Vgae,
    data: &Splits<'_>,
    batch_size: usize,
    device: Device,
    legacy: bool,
) -> Value {
    let latent = if legacy { Latent::Sample } else { Latent::Mean };
    let (labels, errors) = scores(data, batch_size, device, |b| {
        let g = &b.graphs;
        let out = model.forward(&g.x, &b.edges, false, latent);
        let squared =
            (out.cont - g.x.narrow(1, 1, 10))
                .square()
                .sum_dim_intlist(1, false, None::<Kind>);
        let per_graph = Tensor::zeros([b.num_graphs], (Kind::Float, g.x.device()))
            .index_add(0, &g.batch, &squared);
        let nodes = Tensor::zeros([b.num_graphs], (Kind::Float, g.x.device()))
            .index_add(0, &g.batch, &Tensor::ones_like(&squared))
            .clamp_min(1.0);
        per_graph / (nodes * 10.0)
    });
    let threshold = youden_threshold(&labels, &errors);
    let cut = threshold.map_or(f64::INFINITY, |(t, _)| t);
    let preds: Vec<u8> = errors.iter().map(|&e| u8::from(e > cut)).collect();
    let mut metrics =
        serde_json::to_value(compute(&labels, &preds, Some(&errors))).unwrap_or_default();
    if let Some((t, j)) = threshold {
        metrics["core"]["optimal_threshold"] = json!(t);
        metrics["core"]["youden_j"] = json!(j);
    }
    json!({ "vgae": metrics })
}
