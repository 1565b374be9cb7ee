//! Typed sub-config views over the flat config, as the reference's `cfg.vgae`, `cfg.gat`, `cfg.dqn`,
//! `cfg.kd` and `cfg.fusion` properties. They copy; the flat config stays the one source of truth.

use serde::Serialize;

use super::pipeline::PipelineConfig;

/// The VGAE's architecture.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[expect(missing_docs, reason = "same meaning as the `vgae_*` fields")]
pub struct VgaeConfig {
    pub hidden_dims: Vec<u32>,
    pub latent_dim: u32,
    pub heads: u32,
    pub embedding_dim: u32,
    pub dropout: f64,
}

/// The GAT classifier's architecture.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[expect(missing_docs, reason = "same meaning as the `gat_*` fields")]
pub struct GatConfig {
    pub hidden: u32,
    pub layers: u32,
    pub heads: u32,
    pub dropout: f64,
    pub embedding_dim: u32,
    pub fc_layers: u32,
}

/// The fusion Q-network and agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[expect(missing_docs, reason = "same meaning as the `dqn_*` fields")]
pub struct DqnConfig {
    pub hidden: u32,
    pub layers: u32,
    pub gamma: f64,
    pub epsilon: f64,
    pub epsilon_decay: f64,
    pub min_epsilon: f64,
    pub buffer_size: u32,
    pub batch_size: u32,
    pub target_update: u32,
}

/// Knowledge distillation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[expect(
    missing_docs,
    reason = "same meaning as `use_kd`, `teacher_path` and the `kd_*` fields"
)]
pub struct KdConfig {
    pub enabled: bool,
    pub teacher_path: String,
    pub temperature: f64,
    pub alpha: f64,
    pub vgae_latent_weight: f64,
    pub vgae_recon_weight: f64,
}

/// The fusion stage's sampling and training budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[expect(
    missing_docs,
    reason = "same meaning as the fusion fields of the flat config"
)]
pub struct FusionConfig {
    pub episodes: u32,
    pub max_samples: u32,
    pub max_val_samples: u32,
    pub episode_sample_size: u32,
    pub training_step_interval: u32,
    pub gpu_training_steps: u32,
    pub lr: f64,
    pub alpha_steps: u32,
}

impl PipelineConfig {
    /// The VGAE view.
    pub fn vgae(&self) -> VgaeConfig {
        VgaeConfig {
            hidden_dims: self.vgae_hidden_dims.clone(),
            latent_dim: self.vgae_latent_dim,
            heads: self.vgae_heads,
            embedding_dim: self.vgae_embedding_dim,
            dropout: self.vgae_dropout,
        }
    }

    /// The GAT view.
    pub fn gat(&self) -> GatConfig {
        GatConfig {
            hidden: self.gat_hidden,
            layers: self.gat_layers,
            heads: self.gat_heads,
            dropout: self.gat_dropout,
            embedding_dim: self.gat_embedding_dim,
            fc_layers: self.gat_fc_layers,
        }
    }

    /// The DQN view.
    pub fn dqn(&self) -> DqnConfig {
        DqnConfig {
            hidden: self.dqn_hidden,
            layers: self.dqn_layers,
            gamma: self.dqn_gamma,
            epsilon: self.dqn_epsilon,
            epsilon_decay: self.dqn_epsilon_decay,
            min_epsilon: self.dqn_min_epsilon,
            buffer_size: self.dqn_buffer_size,
            batch_size: self.dqn_batch_size,
            target_update: self.dqn_target_update,
        }
    }

    /// The KD view.
    pub fn kd(&self) -> KdConfig {
        KdConfig {
            enabled: self.use_kd,
            teacher_path: self.teacher_path.clone(),
            temperature: self.kd_temperature,
            alpha: self.kd_alpha,
            vgae_latent_weight: self.kd_vgae_latent_weight,
            vgae_recon_weight: self.kd_vgae_recon_weight,
        }
    }

    /// The fusion view.
    pub fn fusion(&self) -> FusionConfig {
        FusionConfig {
            episodes: self.fusion_episodes,
            max_samples: self.fusion_max_samples,
            max_val_samples: self.max_val_samples,
            episode_sample_size: self.episode_sample_size,
            training_step_interval: self.training_step_interval,
            gpu_training_steps: self.gpu_training_steps,
            lr: self.fusion_lr,
            alpha_steps: self.alpha_steps,
        }
    }
}
