//! `PipelineConfig`: the reference's one flat, frozen configuration, field for field, with the same
//! names, types and defaults (REFERENCE.md §2). Fields the reference never reads are kept so that its
//! files round-trip; their docs say so.

use serde::{Deserialize, Serialize};

/// Teacher (large) or student (small) model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelSize {
    /// The large model.
    Teacher,
    /// The small, distilled model.
    Student,
}

impl ModelSize {
    /// The name used in run ids and configs.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelSize::Teacher => "teacher",
            ModelSize::Student => "student",
        }
    }
}

/// Learning-rate schedule kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SchedulerType {
    /// Cosine annealing over `scheduler_t_max` epochs.
    Cosine,
    /// Step decay every `scheduler_step_size` epochs.
    Step,
    /// Reduce on plateau of the monitored metric.
    Plateau,
}

/// Whether the monitored metric should go down or up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonitorMode {
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

/// How the reference estimated per-graph memory for batch sizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemoryEstimation {
    /// From tensor sizes alone.
    Static,
    /// From a measured forward pass.
    Measured,
}

/// The flat pipeline configuration. Field order is the reference's, so saved files read alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[expect(
    missing_docs,
    reason = "fields are documented by group in REFERENCE.md §2 and the user docs"
)]
pub struct PipelineConfig {
    // Identity
    pub dataset: String,
    pub modality: String,
    pub model_size: ModelSize,
    pub seed: u64,
    // Training
    pub lr: f64,
    pub max_epochs: u32,
    pub batch_size: u32,
    pub patience: u32,
    pub weight_decay: f64,
    pub gradient_clip: f64,
    pub precision: String,
    // LR schedule
    pub use_scheduler: bool,
    pub scheduler_type: SchedulerType,
    /// `-1` means `max_epochs`.
    pub scheduler_t_max: i64,
    pub scheduler_step_size: u32,
    pub scheduler_gamma: f64,
    // Memory
    pub gradient_checkpointing: bool,
    /// Never read by the reference.
    pub use_teacher_cache: bool,
    /// Never read by the reference.
    pub clear_cache_every_n: u32,
    pub offload_teacher_to_cpu: bool,
    // Batch size
    pub optimize_batch_size: bool,
    pub safety_factor: f64,
    pub memory_estimation: MemoryEstimation,
    // Dynamics
    pub accumulate_grad_batches: u32,
    // Checkpoint / monitor
    pub save_top_k: u32,
    pub monitor_metric: String,
    pub monitor_mode: MonitorMode,
    pub log_every_n_steps: u32,
    pub test_every_n_epochs: u32,
    // Reproducibility
    pub deterministic: bool,
    pub cudnn_benchmark: bool,
    // GAT
    pub gat_hidden: u32,
    pub gat_layers: u32,
    pub gat_heads: u32,
    pub gat_dropout: f64,
    pub gat_embedding_dim: u32,
    pub gat_fc_layers: u32,
    // VGAE
    pub vgae_hidden_dims: Vec<u32>,
    pub vgae_latent_dim: u32,
    pub vgae_heads: u32,
    pub vgae_embedding_dim: u32,
    pub vgae_dropout: f64,
    // DQN
    pub dqn_hidden: u32,
    pub dqn_layers: u32,
    pub dqn_gamma: f64,
    pub dqn_epsilon: f64,
    /// The reference never applied it (a bug kdgat fixes).
    pub dqn_epsilon_decay: f64,
    /// The reference never applied it (a bug kdgat fixes).
    pub dqn_min_epsilon: f64,
    pub dqn_buffer_size: u32,
    pub dqn_batch_size: u32,
    pub dqn_target_update: u32,
    // KD
    pub use_kd: bool,
    pub teacher_path: String,
    pub kd_temperature: f64,
    pub kd_alpha: f64,
    pub kd_vgae_latent_weight: f64,
    pub kd_vgae_recon_weight: f64,
    /// Never read by the reference.
    pub log_teacher_student_comparison: bool,
    // Curriculum
    pub curriculum_start_ratio: f64,
    pub curriculum_end_ratio: f64,
    pub difficulty_percentile: f64,
    /// Never read by the reference.
    pub use_vgae_mining: bool,
    /// Never read by the reference.
    pub difficulty_cache_update: u32,
    /// Never read by the reference.
    pub curriculum_memory_multiplier: f64,
    // Fusion
    pub fusion_episodes: u32,
    pub fusion_max_samples: u32,
    pub max_val_samples: u32,
    pub episode_sample_size: u32,
    /// Never read by the reference.
    pub training_step_interval: u32,
    pub gpu_training_steps: u32,
    pub fusion_lr: f64,
    pub alpha_steps: u32,
    // Inference
    /// Never read by the reference.
    pub run_test: bool,
    // Infra
    pub experiment_root: String,
    pub device: String,
    pub num_workers: u32,
    pub mp_start_method: String,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            dataset: "hcrl_ch".into(),
            modality: "automotive".into(),
            model_size: ModelSize::Teacher,
            seed: 42,
            lr: 0.003,
            max_epochs: 300,
            batch_size: 4096,
            patience: 100,
            weight_decay: 1e-4,
            gradient_clip: 1.0,
            precision: "16-mixed".into(),
            use_scheduler: false,
            scheduler_type: SchedulerType::Cosine,
            scheduler_t_max: -1,
            scheduler_step_size: 50,
            scheduler_gamma: 0.1,
            gradient_checkpointing: true,
            use_teacher_cache: true,
            clear_cache_every_n: 100,
            offload_teacher_to_cpu: false,
            optimize_batch_size: true,
            safety_factor: 0.5,
            memory_estimation: MemoryEstimation::Measured,
            accumulate_grad_batches: 1,
            save_top_k: 1,
            monitor_metric: "val_loss".into(),
            monitor_mode: MonitorMode::Min,
            log_every_n_steps: 50,
            test_every_n_epochs: 5,
            deterministic: false,
            cudnn_benchmark: true,
            gat_hidden: 48,
            gat_layers: 3,
            gat_heads: 8,
            gat_dropout: 0.2,
            gat_embedding_dim: 16,
            gat_fc_layers: 3,
            vgae_hidden_dims: vec![480, 240, 48],
            vgae_latent_dim: 48,
            vgae_heads: 4,
            vgae_embedding_dim: 32,
            vgae_dropout: 0.15,
            dqn_hidden: 576,
            dqn_layers: 3,
            dqn_gamma: 0.99,
            dqn_epsilon: 0.1,
            dqn_epsilon_decay: 0.995,
            dqn_min_epsilon: 0.01,
            dqn_buffer_size: 100_000,
            dqn_batch_size: 128,
            dqn_target_update: 100,
            use_kd: false,
            teacher_path: String::new(),
            kd_temperature: 4.0,
            kd_alpha: 0.7,
            kd_vgae_latent_weight: 0.5,
            kd_vgae_recon_weight: 0.5,
            log_teacher_student_comparison: true,
            curriculum_start_ratio: 1.0,
            curriculum_end_ratio: 10.0,
            difficulty_percentile: 75.0,
            use_vgae_mining: true,
            difficulty_cache_update: 10,
            curriculum_memory_multiplier: 1.0,
            fusion_episodes: 500,
            fusion_max_samples: 150_000,
            max_val_samples: 30_000,
            episode_sample_size: 20_000,
            training_step_interval: 32,
            gpu_training_steps: 16,
            fusion_lr: 0.001,
            alpha_steps: 21,
            run_test: true,
            experiment_root: "experimentruns".into(),
            device: "cuda".into(),
            num_workers: 8,
            mp_start_method: "spawn".into(),
        }
    }
}

impl PipelineConfig {
    /// The config as a flat JSON object, in field order.
    pub fn to_json_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            // A struct of plain fields always serialises to an object.
            other => unreachable!("PipelineConfig serialised to {other:?}"),
        }
    }

    /// The names of every field, in order.
    pub fn field_names() -> Vec<String> {
        PipelineConfig::default()
            .to_json_map()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }
}
