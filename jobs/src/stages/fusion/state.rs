//! The fusion state of a graph, 15 numbers (REFERENCE.md §5): the VGAE's reconstruction MSE,
//! neighbourhood BCE and CAN-ID cross-entropy (0–2), its latent's mean, std, max and min (3–6), its
//! confidence `1 / (1 + MSE)` (7), the GAT's class probabilities (8, 9), its mean-pooled JK
//! embedding's mean, std, max and min (10–13) and its confidence (14). Computed for a batch of
//! graphs at once (the reference ran one graph at a time); the VGAE decodes its latent mean, or a
//! sampled z under `legacy`, as the rest of the pipeline does.

use tch::{Device, Kind, Tensor};

use crate::models::{GatClassifier, Latent, STATE_DIM, Vgae};
use crate::stages::scores::{gat_statistics, per_batch, vgae_statistics};
use crate::training::engine::Graphs;

/// Graphs' fusion states and labels.
pub struct States {
    /// `[graphs × 15]`, float, on the CPU.
    pub states: Tensor,
    /// 0 normal, 1 attack.
    pub labels: Vec<u8>,
}

impl States {
    /// Graphs held.
    pub fn len(&self) -> i64 {
        self.states.size()[0]
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first `n` (all when fewer).
    pub fn first(&self, n: i64) -> States {
        let n = n.min(self.len());
        States {
            states: self.states.narrow(0, 0, n),
            labels: self.labels[..n as usize].to_vec(),
        }
    }

    /// The labels as a tensor.
    pub fn label_tensor(&self) -> Tensor {
        Tensor::from_slice(&self.labels).to_kind(Kind::Int64)
    }
}

/// What computes fusion states: the variant's trained VGAE and GAT.
pub struct StateBuilder<'a> {
    /// The VGAE.
    pub vgae: &'a Vgae,
    /// The GAT.
    pub gat: &'a GatClassifier,
    /// The CAN-ID vocabulary size.
    pub num_ids: i64,
    /// Graphs per batch.
    pub batch_size: usize,
    /// Where the models are.
    pub device: Device,
    /// Decode a sampled z, as the reference did.
    pub legacy: bool,
}

impl StateBuilder<'_> {
    /// The states of `graphs`.
    pub fn states(&self, graphs: Graphs<'_>) -> States {
        let latent = Latent::for_scoring(self.legacy);
        let (labels, rows) = per_batch(graphs, self.batch_size, self.device, |b| {
            let vgae = vgae_statistics(self.vgae, b, latent, self.num_ids);
            let confidence = (vgae.select(1, 0) + 1.0).reciprocal().unsqueeze(1);
            Tensor::cat(&[vgae, confidence, gat_statistics(self.gat, b)], 1)
        });
        States {
            states: rows
                .unwrap_or_else(|| Tensor::zeros([0, STATE_DIM], (Kind::Float, Device::Cpu))),
            labels,
        }
    }
}
