//! Per-graph quantities from trained models, computed a batch of graphs at a time: the VGAE's
//! errors and latent statistics (reconstruction MSE, neighbourhood BCE, CAN-ID cross-entropy; mean,
//! standard deviation, maximum and minimum of z over the graph's nodes and dimensions) and the GAT's
//! class probabilities, mean-pooled JK-embedding statistics and confidence. The curriculum's
//! difficulty, the VGAE's anomaly score and the fusion state are all made of these, as the
//! reference computed them one graph at a time (standard deviations unbiased, as `torch.std`).

use tch::{Device, Kind, Reduction, Tensor};

use super::objectives::{neighbour_targets, node_ids};
use crate::models::{GatClassifier, Latent, Vgae};
use crate::training::engine::{Batch, Graphs};

/// Graphs per batch when computing these statistics (the neighbourhood logits are `nodes × IDs`).
pub const STATE_BATCH: usize = 1024;

/// Labels and the rows `rows` computes for each batch of `graphs` (`[graphs × k]` or `[graphs]`),
/// concatenated on the CPU in graph order.
pub fn per_batch(
    graphs: Graphs<'_>,
    batch_size: usize,
    device: Device,
    rows: impl Fn(&Batch) -> Tensor,
) -> (Vec<u8>, Option<Tensor>) {
    let mut labels = Vec::with_capacity(graphs.indices.len());
    let mut parts = Vec::new();
    tch::no_grad(|| {
        for chunk in graphs.indices.chunks(batch_size.max(1)) {
            let b = Batch::new(graphs.set, chunk, device);
            parts.push(rows(&b).to_device(Device::Cpu));
            labels.extend(chunk.iter().map(|&g| graphs.set.get(g).y));
        }
    });
    let rows = (!parts.is_empty()).then(|| Tensor::cat(&parts, 0));
    (labels, rows)
}

/// Sums of `values` (`[nodes]` or `[nodes × d]`) per graph.
fn per_graph_sum(values: &Tensor, batch: &Batch) -> Tensor {
    let mut shape = values.size();
    shape[0] = batch.num_graphs;
    Tensor::zeros(shape, (values.kind(), values.device())).index_add(0, &batch.graphs.batch, values)
}

/// Nodes per graph, as floats (at least 1).
fn node_counts(batch: &Batch) -> Tensor {
    let g = &batch.graphs;
    per_graph_sum(
        &Tensor::ones([g.x.size()[0]], (Kind::Float, g.x.device())),
        batch,
    )
    .clamp_min(1.0)
}

/// The mean of each graph's rows of `per_node` (`[nodes × d]`) over all their elements.
fn per_graph_mean(per_node: &Tensor, batch: &Batch) -> Tensor {
    let d = per_node.size()[1] as f64;
    per_graph_sum(&per_node.sum_dim_intlist(1, false, Kind::Float), batch)
        / (node_counts(batch) * d)
}

/// The VGAE's reconstruction error of each graph: the MSE of the ten continuous node features.
pub fn reconstruction_error(vgae: &Vgae, batch: &Batch, latent: Latent) -> Tensor {
    let x = &batch.graphs.x;
    let out = vgae.forward(x, &batch.edges, false, latent);
    per_graph_mean(&(out.cont - x.narrow(1, 1, 10)).square(), batch)
}

/// The VGAE's per-graph statistics, `[graphs × 7]`: reconstruction MSE, neighbourhood BCE, CAN-ID
/// cross-entropy, then z's mean, std, max and min.
pub fn vgae_statistics(vgae: &Vgae, batch: &Batch, latent: Latent, num_ids: i64) -> Tensor {
    let x = &batch.graphs.x;
    let out = vgae.forward(x, &batch.edges, false, latent);
    let ids = node_ids(batch);
    let recon = per_graph_mean(&(&out.cont - x.narrow(1, 1, 10)).square(), batch);
    let nbr_loss = out.nbr_logits.binary_cross_entropy_with_logits::<Tensor>(
        &neighbour_targets(batch, &ids, num_ids),
        None,
        None,
        Reduction::None,
    );
    let neighbour = per_graph_mean(&nbr_loss, batch);
    let canid_loss = out
        .canid_logits
        .log_softmax(-1, Kind::Float)
        .gather(1, &ids.unsqueeze(1), false)
        .neg();
    let canid = per_graph_mean(&canid_loss, batch);
    let z = if matches!(latent, Latent::Mean) {
        &out.mu
    } else {
        &out.z
    };
    let mut stats = vec![recon, neighbour, canid];
    stats.extend(grouped_stats(&z.to_kind(Kind::Double), batch));
    Tensor::stack(&stats, 1).to_kind(Kind::Float)
}

/// The curriculum's difficulty of each of `graphs`: the VGAE's reconstruction MSE + 0.1 × its
/// CAN-ID cross-entropy (decoding the latent mean, or a sampled z under `legacy`).
pub fn difficulty(
    vgae: &Vgae,
    graphs: Graphs<'_>,
    batch_size: usize,
    device: Device,
    legacy: bool,
) -> Vec<f64> {
    let latent = Latent::for_scoring(legacy);
    let (_, rows) = per_batch(graphs, batch_size, device, |b| {
        let stats = vgae_statistics(vgae, b, latent, vgae.num_ids());
        (stats.select(1, 0) + stats.select(1, 2) * 0.1).to_kind(Kind::Double)
    });
    rows.map_or_else(Vec::new, |t| Vec::<f64>::try_from(&t).unwrap_or_default())
}

/// Mean, unbiased std, max and min of each graph's rows of `rows` (`[nodes × d]`), over all their
/// elements.
fn grouped_stats(rows: &Tensor, batch: &Batch) -> [Tensor; 4] {
    let d = rows.size()[1];
    let n = node_counts(batch).to_kind(Kind::Double) * d as f64;
    let sum = per_graph_sum(&rows.sum_dim_intlist(1, false, Kind::Double), batch);
    let sum_sq = per_graph_sum(
        &rows.square().sum_dim_intlist(1, false, Kind::Double),
        batch,
    );
    let mean = &sum / &n;
    let var = ((sum_sq - &sum * &mean) / (&n - 1.0).clamp_min(1.0)).clamp_min(0.0);
    let extreme = |reduce: &str, per_row: Tensor| {
        let init = per_row.new_zeros([batch.num_graphs], (Kind::Double, rows.device()));
        init.internal_scatter_reduce(0, &batch.graphs.batch, &per_row, reduce, false)
    };
    let max = extreme("amax", rows.amax(1, false));
    let min = extreme("amin", rows.amin(1, false));
    [mean, var.sqrt(), max, min]
}

/// The GAT's per-graph statistics, `[graphs × 7]`: p(normal), p(attack), the mean-pooled JK
/// embedding's mean, std, max and min, and the confidence `clip(1 − entropy / ln 2, 0, 1)`.
pub fn gat_statistics(gat: &GatClassifier, batch: &Batch) -> Tensor {
    let g = &batch.graphs;
    let out = gat.forward(&g.x, &batch.edges, &g.batch, batch.num_graphs, false);
    let probs = out.logits.softmax(-1, Kind::Float);
    let pooled = &out.pooled;
    let entropy = (&probs * (&probs + 1e-8).log())
        .sum_dim_intlist(1, false, Kind::Float)
        .neg();
    let confidence = (-(entropy / std::f64::consts::LN_2) + 1.0).clamp(0.0, 1.0);
    Tensor::stack(
        &[
            probs.select(1, 0),
            probs.select(1, 1),
            pooled.mean_dim(1, false, Kind::Float),
            pooled.std_dim(1, true, false),
            pooled.amax(1, false),
            pooled.amin(1, false),
            confidence,
        ],
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{PipelineConfig, Preset};
    use crate::graph::cache::load_train;
    use crate::graph::synthetic::{SYNTHETIC_IDS, write_synthetic_cache};
    use tch::nn;

    /// Batched statistics equal the reference's one-graph-at-a-time computation, row for row.
    #[test]
    fn a_batch_gives_each_graph_the_statistics_it_has_alone() {
        let dir = tempfile::tempdir().unwrap();
        write_synthetic_cache(dir.path(), 5, 3).unwrap();
        let set = load_train(dir.path()).unwrap();
        let num_ids = i64::from(SYNTHETIC_IDS) + 1;
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let preset = |p: &str| -> PipelineConfig { p.parse::<Preset>().unwrap().config() };
        let vgae = Vgae::new(
            &(vs.root() / "vgae"),
            &preset("vgae,student").vgae(),
            num_ids,
        );
        let gat = GatClassifier::new(&(vs.root() / "gat"), &preset("gat,student").gat(), num_ids);
        let all: Vec<usize> = (0..set.len()).collect();
        let rows = |indices: &[usize]| {
            let b = Batch::new(&set, indices, Device::Cpu);
            Tensor::cat(
                &[
                    vgae_statistics(&vgae, &b, Latent::Mean, num_ids),
                    gat_statistics(&gat, &b),
                ],
                1,
            )
        };
        let batched = tch::no_grad(|| rows(&all));
        assert_eq!(batched.size(), [5, 14]);
        for g in 0..set.len() {
            let alone = tch::no_grad(|| rows(&[g]));
            let diff = (batched.get(g as i64) - alone.get(0))
                .abs()
                .max()
                .double_value(&[]);
            assert!(diff < 1e-5, "graph {g}: {diff}");
        }
        // The z statistics of one graph, directly: mean, unbiased std, max, min over all elements.
        let b = Batch::new(&set, &[0], Device::Cpu);
        let x = &b.graphs.x;
        let mu = tch::no_grad(|| vgae.forward(x, &b.edges, false, Latent::Mean).mu);
        let direct = [
            mu.mean(Kind::Float).double_value(&[]),
            mu.std(true).double_value(&[]),
            mu.max().double_value(&[]),
            mu.min().double_value(&[]),
        ];
        for (k, want) in direct.iter().enumerate() {
            let got = batched.double_value(&[0, 3 + k as i64]);
            assert!(
                (got - want).abs() < 1e-5,
                "z statistic {k}: {got} vs {want}"
            );
        }
    }
}
