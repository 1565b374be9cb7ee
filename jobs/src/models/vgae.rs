//! The VGAE (the reference's `GraphAutoencoderNeighborhood`):
//!
//! - encoder: CAN-ID embedding ⊕ the ten continuous features, then one GATConv per encoder target
//!   (the hidden dims without a trailing latent dim; `heads` heads on the first layer when the
//!   target divides, else 1), each followed by BatchNorm, ReLU, dropout;
//! - latent: `mu`, `logvar` (clamped to ±20) linear heads, `z = mu + ε·exp(logvar/2)`, and the KL
//!   term `-½·mean(1 + logvar − mu² − e^logvar)`;
//! - decoder: the targets reversed, 4-head GATConvs with BatchNorm, ReLU, dropout, and a final
//!   1-head GATConv to the ten continuous features through a sigmoid;
//! - heads: a CAN-ID classifier on z, and a neighbourhood MLP (latent → latent → latent → IDs).
//!
//! Parameter and buffer names follow the reference's `state_dict`, BatchNorm's
//! `num_batches_tracked` included (kept for exchange; this implementation does not use it).

use tch::{Kind, Tensor, nn};

use super::embed_nodes;
use super::gat_conv::{Edges, GatConv};
use crate::config::VgaeConfig;

/// Continuous node features beside the CAN-ID column (the reconstruction target).
const CONTINUOUS: i64 = 10;
/// Heads of the decoder's intermediate layers.
const DECODER_HEADS: i64 = 4;

/// A GATConv with its BatchNorm.
#[derive(Debug)]
struct NormedConv {
    conv: GatConv,
    norm: nn::BatchNorm,
}

/// The autoencoder.
#[derive(Debug)]
pub struct Vgae {
    embedding: nn::Embedding,
    encoder: Vec<NormedConv>,
    z_mean: nn::Linear,
    z_logvar: nn::Linear,
    decoder: Vec<NormedConv>,
    output: GatConv,
    canid_classifier: nn::Linear,
    neighborhood: [nn::Linear; 3],
    dropout: f64,
}

/// Which latent the decoder and heads read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latent {
    /// `z = mu + ε·σ`: training, and the reference's evaluation (stochastic scores).
    Sample,
    /// `z = mu`: deterministic scores, kdgat's evaluation.
    Mean,
}

impl Latent {
    /// What scoring decodes: the mean, or a sample as the reference did (`legacy`).
    pub fn for_scoring(legacy: bool) -> Latent {
        if legacy { Latent::Sample } else { Latent::Mean }
    }
}

/// Everything one forward pass gives.
#[derive(Debug)]
pub struct VgaeOutput {
    /// Reconstructed continuous features, `[N × 10]`, in (0, 1).
    pub cont: Tensor,
    /// CAN-ID logits from z, `[N × num_ids]`.
    pub canid_logits: Tensor,
    /// Out-neighbour CAN-ID logits from z, `[N × num_ids]`.
    pub nbr_logits: Tensor,
    /// The latent the decoder read (sampled or the mean), `[N × latent]`.
    pub z: Tensor,
    /// The latent mean, `[N × latent]`.
    pub mu: Tensor,
    /// The KL term (a scalar).
    pub kl: Tensor,
}

fn normed_conv(p: &nn::Path, layer: i64, bn_path: &str, conv: GatConv) -> NormedConv {
    let width = conv.out_width();
    let bn = p / bn_path / layer;
    let _counter = bn.zeros_no_train("num_batches_tracked", &[]);
    NormedConv {
        conv,
        norm: nn::batch_norm1d(&bn, width, Default::default()),
    }
}

impl Vgae {
    /// The model of `cfg` for a vocabulary of `num_ids` CAN IDs, under `p`.
    pub fn new(p: &nn::Path, cfg: &VgaeConfig, num_ids: i64) -> Vgae {
        let emb = i64::from(cfg.embedding_dim);
        let latent = i64::from(cfg.latent_dim);
        let mut targets: Vec<i64> = cfg.hidden_dims.iter().map(|&d| i64::from(d)).collect();
        if targets.len() >= 2 && targets.last() == Some(&latent) {
            targets.pop();
        }
        let mut in_dim = emb + CONTINUOUS;
        let encoder = targets
            .iter()
            .enumerate()
            .map(|(i, &target)| {
                let wanted = if i == 0 { i64::from(cfg.heads) } else { 1 };
                let heads = if wanted > 1 && target % wanted == 0 {
                    wanted
                } else {
                    1
                };
                let conv = GatConv::new(
                    &(p / "encoder_layers" / i),
                    in_dim,
                    target / heads,
                    heads,
                    true,
                );
                in_dim = target;
                normed_conv(p, i as i64, "encoder_bns", conv)
            })
            .collect();
        let z_mean = nn::linear(p / "z_mean", in_dim, latent, Default::default());
        let z_logvar = nn::linear(p / "z_logvar", in_dim, latent, Default::default());

        let reversed: Vec<i64> = targets.iter().rev().copied().collect();
        let mut in_dim = latent;
        let decoder = reversed[..reversed.len().saturating_sub(1)]
            .iter()
            .enumerate()
            .map(|(i, &target)| {
                let heads = if target % DECODER_HEADS == 0 {
                    DECODER_HEADS
                } else {
                    1
                };
                let conv = GatConv::new(
                    &(p / "decoder_layers" / i),
                    in_dim,
                    target / heads,
                    heads,
                    true,
                );
                in_dim = target / heads * heads;
                normed_conv(p, i as i64, "decoder_bns", conv)
            })
            .collect::<Vec<_>>();
        let last = decoder.len() as i64;
        let output = GatConv::new(&(p / "decoder_layers" / last), in_dim, CONTINUOUS, 1, true);

        let mlp = p / "neighborhood_decoder";
        Vgae {
            embedding: nn::embedding(p / "id_embedding", num_ids, emb, Default::default()),
            encoder,
            z_mean,
            z_logvar,
            decoder,
            output,
            canid_classifier: nn::linear(
                p / "canid_classifier",
                latent,
                num_ids,
                Default::default(),
            ),
            neighborhood: [
                nn::linear(&mlp / 0, latent, latent, Default::default()),
                nn::linear(&mlp / 3, latent, latent, Default::default()),
                nn::linear(&mlp / 6, latent, num_ids, Default::default()),
            ],
            dropout: cfg.dropout,
        }
    }

    /// The size of its CAN-ID vocabulary.
    pub fn num_ids(&self) -> i64 {
        self.embedding.ws.size()[0]
    }

    /// The model on node features `x` (`[N × 11]`) over `edges`; `train` turns dropout and batch
    /// statistics on; `latent` chooses what the decoder reads (the reference samples in both
    /// modes).
    pub fn forward(&self, x: &Tensor, edges: &Edges, train: bool, latent: Latent) -> VgaeOutput {
        let mut h = embed_nodes(&self.embedding, x);
        for layer in &self.encoder {
            h = self.block(layer, &h, edges, train);
        }
        let mu = h.apply(&self.z_mean);
        let logvar = h.apply(&self.z_logvar).clamp(-20.0, 20.0);
        let z = match latent {
            Latent::Sample => &mu + mu.randn_like() * (&logvar * 0.5).exp(),
            Latent::Mean => mu.shallow_clone(),
        };
        let kl = (&logvar + 1.0 - mu.square() - logvar.exp()).mean(Kind::Float) * -0.5;
        let mut d = z.shallow_clone();
        for layer in &self.decoder {
            d = self.block(layer, &d, edges, train);
        }
        let cont = self.output.forward(&d, edges).sigmoid();
        let canid_logits = z.apply(&self.canid_classifier);
        let [first, second, third] = &self.neighborhood;
        let nbr_logits = z
            .apply(first)
            .relu()
            .dropout(self.dropout, train)
            .apply(second)
            .relu()
            .dropout(self.dropout, train)
            .apply(third);
        VgaeOutput {
            cont,
            canid_logits,
            nbr_logits,
            z,
            mu,
            kl,
        }
    }

    fn block(&self, layer: &NormedConv, h: &Tensor, edges: &Edges, train: bool) -> Tensor {
        layer
            .conv
            .forward(h, edges)
            .apply_t(&layer.norm, train)
            .relu()
            .dropout(self.dropout, train)
    }
}
