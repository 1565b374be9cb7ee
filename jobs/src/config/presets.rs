//! The `(model, size)` presets, merged in the reference's order (`from_preset`): defaults, then
//! `ARCHITECTURES[(model, size)]`, then `TRAINING[model]`, then `TRAINING_SIZE[(model, size)]`, then
//! `model_size`, then the caller's overrides. Student presets turn `use_kd` on; the no-KD ablation
//! overrides it back off.

use std::str::FromStr;

use serde_json::{Map, Value, json};

use super::error::ConfigError;
use super::file::typed_from_map;
use super::pipeline::{ModelSize, PipelineConfig};

/// The model family a preset configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModelKind {
    /// The graph autoencoder (autoencoder stage).
    Vgae,
    /// The GAT classifier (curriculum and normal stages).
    Gat,
    /// The fusion Q-network (fusion stage).
    Dqn,
}

impl ModelKind {
    /// The reference's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Vgae => "vgae",
            ModelKind::Gat => "gat",
            ModelKind::Dqn => "dqn",
        }
    }
}

/// A preset: `vgae,teacher`, `gat,student`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The model family.
    pub model: ModelKind,
    /// Teacher or student.
    pub size: ModelSize,
}

impl FromStr for Preset {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || ConfigError::UnknownPreset(s.to_string());
        let (model, size) = s.split_once(',').ok_or_else(unknown)?;
        let model = match model.trim() {
            "vgae" => ModelKind::Vgae,
            "gat" => ModelKind::Gat,
            "dqn" => ModelKind::Dqn,
            _ => return Err(unknown()),
        };
        let size = match size.trim() {
            "teacher" => ModelSize::Teacher,
            "student" => ModelSize::Student,
            _ => return Err(unknown()),
        };
        Ok(Preset { model, size })
    }
}

impl Preset {
    /// The resolved config: defaults with this preset's layers merged in order.
    pub fn config(self) -> PipelineConfig {
        let mut map = PipelineConfig::default().to_json_map();
        for layer in [self.architecture(), self.training(), self.training_size()] {
            merge(&mut map, layer);
        }
        map.insert("model_size".into(), json!(self.size.as_str()));
        match typed_from_map(map, "preset") {
            Ok(config) => config,
            // The tables below are fixed and tested; a type slip there is a programming error.
            Err(err) => unreachable!("preset {self:?} is malformed: {err}"),
        }
    }

    /// `ARCHITECTURES[(model, size)]`.
    fn architecture(self) -> Value {
        use ModelKind::*;
        use ModelSize::*;
        match (self.model, self.size) {
            (Vgae, Teacher) => json!({"vgae_hidden_dims": [480, 240, 48], "vgae_latent_dim": 48,
                "vgae_heads": 4, "vgae_embedding_dim": 32, "vgae_dropout": 0.15}),
            (Vgae, Student) => json!({"vgae_hidden_dims": [80, 40, 16], "vgae_latent_dim": 16,
                "vgae_heads": 1, "vgae_embedding_dim": 4, "vgae_dropout": 0.1}),
            (Gat, Teacher) => json!({"gat_hidden": 48, "gat_layers": 3, "gat_heads": 8,
                "gat_embedding_dim": 16, "gat_fc_layers": 2, "gat_dropout": 0.2}),
            (Gat, Student) => json!({"gat_hidden": 24, "gat_layers": 2, "gat_heads": 4,
                "gat_embedding_dim": 8, "gat_fc_layers": 3, "gat_dropout": 0.1}),
            (Dqn, Teacher) => json!({"dqn_hidden": 576, "dqn_layers": 3, "dqn_buffer_size": 100000,
                "dqn_batch_size": 128, "dqn_target_update": 100}),
            (Dqn, Student) => json!({"dqn_hidden": 160, "dqn_layers": 2, "dqn_buffer_size": 50000,
                "dqn_batch_size": 64, "dqn_target_update": 50}),
        }
    }

    /// `TRAINING[model]`.
    fn training(self) -> Value {
        match self.model {
            ModelKind::Vgae => json!({"lr": 0.002, "max_epochs": 300, "patience": 100}),
            ModelKind::Gat => json!({"lr": 0.003, "max_epochs": 300, "patience": 100}),
            ModelKind::Dqn => json!({"dqn_gamma": 0.99, "fusion_episodes": 500}),
        }
    }

    /// `TRAINING_SIZE[(model, size)]`.
    fn training_size(self) -> Value {
        use ModelKind::*;
        use ModelSize::*;
        match (self.model, self.size) {
            (Vgae, Teacher) => json!({"safety_factor": 0.55}),
            (Vgae, Student) => json!({"safety_factor": 0.6, "use_kd": true}),
            (Gat, Teacher) => json!({"safety_factor": 0.5}),
            (Gat, Student) => {
                json!({"lr": 0.001, "patience": 50, "safety_factor": 0.55, "use_kd": true})
            }
            (Dqn, Teacher) => json!({"safety_factor": 0.45}),
            (Dqn, Student) => json!({"safety_factor": 0.5, "use_kd": true}),
        }
    }
}

fn merge(map: &mut Map<String, Value>, layer: Value) {
    if let Value::Object(layer) = layer {
        map.extend(layer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_gat_preset_matches_the_reference_table() {
        let c: Preset = "gat,student".parse().unwrap();
        let c = c.config();
        assert_eq!(
            (c.gat_hidden, c.gat_layers, c.gat_heads, c.gat_embedding_dim),
            (24, 2, 4, 8)
        );
        assert_eq!(c.gat_fc_layers, 3);
        assert_eq!(
            (c.lr, c.patience, c.gat_dropout, c.safety_factor),
            (0.001, 50, 0.1, 0.55)
        );
        assert!(c.use_kd);
        assert_eq!(c.model_size, ModelSize::Student);
    }

    #[test]
    fn teacher_presets_keep_kd_off_and_set_their_sizes() {
        for name in ["vgae,teacher", "gat,teacher", "dqn,teacher"] {
            let c = name.parse::<Preset>().unwrap().config();
            assert!(!c.use_kd, "{name}");
            assert_eq!(c.model_size, ModelSize::Teacher);
        }
        let gat = "gat,teacher".parse::<Preset>().unwrap().config();
        assert_eq!(gat.gat_fc_layers, 2);
        let vgae = "vgae,teacher".parse::<Preset>().unwrap().config();
        assert_eq!((vgae.lr, vgae.safety_factor), (0.002, 0.55));
        let dqn = "dqn,student".parse::<Preset>().unwrap().config();
        assert_eq!(
            (dqn.dqn_hidden, dqn.dqn_layers, dqn.dqn_buffer_size),
            (160, 2, 50_000)
        );
    }

    #[test]
    fn bad_preset_names_are_rejected() {
        for bad in ["gat", "gat,large", "mlp,teacher", ""] {
            assert!(
                matches!(bad.parse::<Preset>(), Err(ConfigError::UnknownPreset(_))),
                "{bad}"
            );
        }
    }
}
