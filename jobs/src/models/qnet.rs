//! The fusion Q-network (the reference's `QNetwork`): `layers` × [Linear, LayerNorm, ReLU,
//! Dropout 0.2] from the 15-D state, then a linear layer to one Q-value per α action. Parameter
//! names follow the reference's `net.{4k}` / `net.{4k+1}` / `net.{4·layers}` layout.

use tch::{Tensor, nn};

/// The fusion state's width.
pub const STATE_DIM: i64 = 15;
const DROPOUT: f64 = 0.2;

/// The Q-network.
#[derive(Debug)]
pub struct QNetwork {
    hidden: Vec<(nn::Linear, nn::LayerNorm)>,
    out: nn::Linear,
}

impl QNetwork {
    /// `layers` hidden layers of width `hidden`, `actions` outputs, under `p`.
    pub fn new(p: &nn::Path, hidden: i64, layers: i64, actions: i64) -> QNetwork {
        let net = p / "net";
        let mut in_dim = STATE_DIM;
        let hidden_layers = (0..layers)
            .map(|k| {
                let linear = nn::linear(&net / (4 * k), in_dim, hidden, Default::default());
                let norm = nn::layer_norm(&net / (4 * k + 1), vec![hidden], Default::default());
                in_dim = hidden;
                (linear, norm)
            })
            .collect();
        QNetwork {
            hidden: hidden_layers,
            out: nn::linear(&net / (4 * layers), in_dim, actions, Default::default()),
        }
    }

    /// Q-values of each state (`[B × 15]` → `[B × actions]`); `train` turns dropout on.
    pub fn forward(&self, states: &Tensor, train: bool) -> Tensor {
        let mut h = states.shallow_clone();
        for (linear, norm) in &self.hidden {
            h = h.apply(linear).apply(norm).relu().dropout(DROPOUT, train);
        }
        h.apply(&self.out)
    }
}
