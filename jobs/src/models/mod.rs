//! The reference's models in tch, with its parameter names so that safetensors checkpoints exchange
//! with the PyTorch Geometric models by name: [`GatConv`] (PyG's semantics), the VGAE [`Vgae`], the
//! GAT classifier [`GatClassifier`] and the fusion [`QNetwork`]; [`inventory`] lists a model's
//! tensors for `kdgat models`.

mod gat;
mod gat_conv;
pub mod inventory;
mod qnet;
mod vgae;

pub use gat::{GatClassifier, GatOutput};
pub use gat_conv::{Edges, GatConv};
pub use qnet::{QNetwork, STATE_DIM};
pub use vgae::{Latent, Vgae, VgaeOutput};

use tch::{Kind, Tensor, nn};

/// Node inputs of both graph models: the embedding of the CAN-ID column (`x[:, 0]`) concatenated
/// with the continuous columns.
fn embed_nodes(embedding: &nn::Embedding, x: &Tensor) -> Tensor {
    let ids = x.select(1, 0).to_kind(Kind::Int64);
    let continuous = x.narrow(1, 1, x.size()[1] - 1);
    Tensor::cat(&[ids.apply(embedding), continuous], 1)
}

/// The mean of node rows per graph (`batch` gives each node's graph).
fn mean_pool(h: &Tensor, batch: &Tensor, num_graphs: i64) -> Tensor {
    let width = h.size()[1];
    let rows = batch.view([-1, 1]).expand([-1, width], false);
    // scatter_add rather than index_add: its backward is a gather, fast on CPU.
    let sums = Tensor::zeros([num_graphs, width], (h.kind(), h.device())).scatter_add(0, &rows, h);
    let counts = Tensor::zeros([num_graphs], (h.kind(), h.device()))
        .index_add(
            0,
            batch,
            &Tensor::ones([batch.size()[0]], (h.kind(), h.device())),
        )
        .clamp_min(1.0);
    sums / counts.unsqueeze(1)
}
