//! The GAT classifier (the reference's `GATWithJK`): CAN-ID embedding concatenated with the ten
//! continuous node features, `layers` × GATConv (concatenated heads) each followed by ReLU and
//! dropout, Jumping Knowledge by concatenation, mean pooling per graph, then `fc_layers` linear
//! layers (ReLU and dropout between them) to two logits. Parameter names follow the reference's
//! `state_dict` (`id_embedding.weight`, `convs.{i}.…`, `fc_layers.{3k}.…`).

use tch::{Tensor, nn};

use super::gat_conv::{Edges, GatConv};
use super::{embed_nodes, mean_pool};
use crate::config::GatConfig;

/// Continuous node features beside the CAN-ID column.
const CONTINUOUS: i64 = 10;

/// The classifier.
#[derive(Debug)]
pub struct GatClassifier {
    embedding: nn::Embedding,
    convs: Vec<GatConv>,
    fc: Vec<nn::Linear>,
    dropout: f64,
}

/// Logits and the pooled Jumping Knowledge embedding of each graph.
#[derive(Debug)]
pub struct GatOutput {
    /// `[B × 2]`.
    pub logits: Tensor,
    /// `[B × hidden·heads·layers]`.
    pub pooled: Tensor,
}

impl GatClassifier {
    /// The model of `cfg` for a vocabulary of `num_ids` CAN IDs, under `p`.
    pub fn new(p: &nn::Path, cfg: &GatConfig, num_ids: i64) -> GatClassifier {
        let emb = i64::from(cfg.embedding_dim);
        let (hidden, heads) = (i64::from(cfg.hidden), i64::from(cfg.heads));
        let embedding = nn::embedding(p / "id_embedding", num_ids, emb, Default::default());
        let convs = (0..i64::from(cfg.layers))
            .map(|i| {
                let in_dim = if i == 0 {
                    emb + CONTINUOUS
                } else {
                    hidden * heads
                };
                GatConv::new(&(p / "convs" / i), in_dim, hidden, heads, true)
            })
            .collect();
        let width = hidden * heads * i64::from(cfg.layers);
        let fc_path = p / "fc_layers";
        let hidden_fc = i64::from(cfg.fc_layers.saturating_sub(1));
        // In the reference's ModuleList each hidden linear is followed by ReLU and Dropout, so the
        // linear layers sit at indices 0, 3, 6, …
        let fc = (0..=hidden_fc)
            .map(|k| {
                let out = if k == hidden_fc { 2 } else { width };
                nn::linear(&fc_path / (3 * k), width, out, Default::default())
            })
            .collect();
        GatClassifier {
            embedding,
            convs,
            fc,
            dropout: cfg.dropout,
        }
    }

    /// The model on a batch: node features `x` (`[N × 11]`), `edges`, the graph of each node and
    /// the number of graphs; `train` turns dropout on.
    pub fn forward(
        &self,
        x: &Tensor,
        edges: &Edges,
        batch: &Tensor,
        num_graphs: i64,
        train: bool,
    ) -> GatOutput {
        let mut h = embed_nodes(&self.embedding, x);
        let mut layers = Vec::with_capacity(self.convs.len());
        for conv in &self.convs {
            h = conv.forward(&h, edges).relu().dropout(self.dropout, train);
            layers.push(h.shallow_clone());
        }
        let pooled = mean_pool(&Tensor::cat(&layers, 1), batch, num_graphs);
        let mut out = pooled.shallow_clone();
        for (k, linear) in self.fc.iter().enumerate() {
            out = out.apply(linear);
            if k + 1 < self.fc.len() {
                out = out.relu().dropout(self.dropout, train);
            }
        }
        GatOutput {
            logits: out,
            pooled,
        }
    }
}
