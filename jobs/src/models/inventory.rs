//! A model's tensors for a configuration: names, shapes, and which are trained parameters rather
//! than buffers (BatchNorm statistics). `kdgat models` prints it; the parameter totals are the
//! reference's.

use serde::Serialize;
use tch::{Device, nn};

use super::{GatClassifier, QNetwork, Vgae};
use crate::config::{ModelKind, PipelineConfig};

/// One tensor of a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TensorInfo {
    /// Its `state_dict` name.
    pub name: String,
    /// Its shape.
    pub shape: Vec<i64>,
    /// Trained (a parameter) or not (a buffer).
    pub trainable: bool,
}

/// The tensors of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inventory {
    /// `vgae`, `gat` or `dqn`.
    pub model: &'static str,
    /// The CAN-ID vocabulary size it was built for.
    pub num_ids: i64,
    /// Trained values in all.
    pub parameters: i64,
    /// Buffer values in all.
    pub buffers: i64,
    /// Every tensor, by name.
    pub tensors: Vec<TensorInfo>,
}

/// Builds the `kind` model of `cfg` for `num_ids` CAN IDs into `root`.
pub fn build(root: &nn::Path, kind: ModelKind, cfg: &PipelineConfig, num_ids: i64) {
    match kind {
        ModelKind::Vgae => drop(Vgae::new(root, &cfg.vgae(), num_ids)),
        ModelKind::Gat => drop(GatClassifier::new(root, &cfg.gat(), num_ids)),
        ModelKind::Dqn => {
            let dqn = cfg.dqn();
            let q = QNetwork::new(
                root,
                i64::from(dqn.hidden),
                i64::from(dqn.layers),
                i64::from(cfg.alpha_steps),
            );
            drop(q)
        }
    }
}

/// The inventory of the `kind` model of `cfg` with `num_ids` CAN IDs.
pub fn inventory(kind: ModelKind, cfg: &PipelineConfig, num_ids: i64) -> Inventory {
    let vs = nn::VarStore::new(Device::Cpu);
    build(&vs.root(), kind, cfg, num_ids);
    let mut tensors: Vec<TensorInfo> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| TensorInfo {
            name,
            shape: t.size(),
            trainable: t.requires_grad(),
        })
        .collect();
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    let total = |trainable: bool| {
        tensors
            .iter()
            .filter(|t| t.trainable == trainable)
            .map(|t| t.shape.iter().product::<i64>())
            .sum()
    };
    Inventory {
        model: kind.as_str(),
        num_ids,
        parameters: total(true),
        buffers: total(false),
        tensors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;

    fn count(preset: &str) -> i64 {
        let preset: Preset = preset.parse().unwrap();
        inventory(preset.model, &preset.config(), 2049).parameters
    }

    #[test]
    fn parameter_counts_are_the_references() {
        assert_eq!(count("gat,teacher"), 1_671_698);
        assert_eq!(count("gat,student"), 102_410);
        assert_eq!(count("vgae,teacher"), 448_320);
        assert_eq!(count("vgae,student"), 85_908);
    }

    #[test]
    fn names_are_the_references_state_dict_keys() {
        let preset: Preset = "vgae,teacher".parse().unwrap();
        let inv = inventory(preset.model, &preset.config(), 2049);
        let names: Vec<&str> = inv.tensors.iter().map(|t| t.name.as_str()).collect();
        for name in [
            "id_embedding.weight",
            "encoder_layers.0.lin.weight",
            "encoder_layers.0.att_src",
            "encoder_bns.0.running_mean",
            "encoder_bns.0.num_batches_tracked",
            "z_mean.weight",
            "decoder_layers.1.bias",
            "neighborhood_decoder.6.weight",
            "canid_classifier.bias",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        let att = inv
            .tensors
            .iter()
            .find(|t| t.name == "encoder_layers.0.att_src")
            .unwrap();
        assert_eq!(att.shape, [1, 4, 120]);
        assert!(
            !inv.tensors
                .iter()
                .find(|t| t.name == "encoder_bns.1.running_var")
                .unwrap()
                .trainable
        );
        let gat: Preset = "gat,student".parse().unwrap();
        let names: Vec<String> = inventory(gat.model, &gat.config(), 10)
            .tensors
            .into_iter()
            .map(|t| t.name)
            .collect();
        for name in [
            "convs.1.lin.weight",
            "fc_layers.0.weight",
            "fc_layers.3.weight",
            "fc_layers.6.bias",
        ] {
            assert!(
                names.contains(&name.to_string()),
                "{name} missing from {names:?}"
            );
        }
    }

    #[test]
    fn the_q_network_has_the_references_layout() {
        let dqn: Preset = "dqn,teacher".parse().unwrap();
        let inv = inventory(dqn.model, &dqn.config(), 2049);
        let names: Vec<&str> = inv.tensors.iter().map(|t| t.name.as_str()).collect();
        assert!(
            names.contains(&"net.1.weight") && names.contains(&"net.12.bias"),
            "{names:?}"
        );
        assert!(
            (600_000..800_000).contains(&inv.parameters),
            "{}",
            inv.parameters
        );
    }
}
