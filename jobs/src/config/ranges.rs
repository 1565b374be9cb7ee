//! The allowed range of every numeric and enumerated field kdgat reads, checked before anything is
//! built: the reference's checks (learning rate, epochs, γ, ε) and ours — rates and dropouts in
//! their intervals, a known `precision`, and model sizes small enough to allocate (a width past
//! [`MAX_WIDTH`] would make libtorch abort on allocation instead of saying which field is wrong).
//! Every problem is collected, each naming its field, the allowed range and the value given.

use super::error::ConfigError;
use super::pipeline::PipelineConfig;

/// The `precision` values (Lightning's names) the trainer accepts.
const PRECISIONS: [&str; 10] = [
    "16-mixed",
    "bf16-mixed",
    "16",
    "16-true",
    "bf16",
    "bf16-true",
    "32",
    "32-true",
    "64",
    "64-true",
];
/// The widest layer: any size, and a GAT's `hidden × heads × layers` (the width of its
/// classifier's square layers). A 8192² matrix is 256 MiB of f32; the presets stay under 1200.
const MAX_WIDTH: u64 = 8192;
/// The most attention heads of a layer.
const MAX_HEADS: u64 = 64;
/// The most layers of one kind.
const MAX_LAYERS: u64 = 32;
/// The largest replay buffer of the fusion agent, in transitions (15 floats each).
const MAX_REPLAY: u64 = 10_000_000;

impl PipelineConfig {
    /// Checks every field's range; returns every violation.
    pub fn validate_fields(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, msg: String| {
            if !ok {
                problems.push(msg);
            }
        };
        check(self.lr > 0.0, format!("lr must be > 0 (got {})", self.lr));
        check(
            self.fusion_lr > 0.0 && self.fusion_lr.is_finite(),
            format!("fusion_lr must be > 0 (got {})", self.fusion_lr),
        );
        check(
            self.weight_decay >= 0.0 && self.weight_decay.is_finite(),
            format!("weight_decay must be >= 0 (got {})", self.weight_decay),
        );
        check(
            self.max_epochs >= 1,
            format!("max_epochs must be >= 1 (got {})", self.max_epochs),
        );
        check(
            self.batch_size >= 1,
            format!("batch_size must be >= 1 (got {})", self.batch_size),
        );
        check(
            self.dqn_gamma > 0.0 && self.dqn_gamma <= 1.0,
            format!("dqn_gamma must be in (0, 1] (got {})", self.dqn_gamma),
        );
        // Probabilities and mixing weights.
        for (name, value) in [
            ("gat_dropout", self.gat_dropout),
            ("vgae_dropout", self.vgae_dropout),
            ("kd_alpha", self.kd_alpha),
            ("dqn_epsilon", self.dqn_epsilon),
            ("dqn_min_epsilon", self.dqn_min_epsilon),
        ] {
            check(
                (0.0..=1.0).contains(&value),
                format!("{name} must be in [0, 1] (got {value})"),
            );
        }
        check(
            PRECISIONS.contains(&self.precision.as_str()),
            format!(
                "precision must be one of {} (got {:?})",
                PRECISIONS.join(", "),
                self.precision
            ),
        );
        self.check_sizes(&mut check);
        check(
            self.alpha_steps >= 2,
            format!(
                "alpha_steps must be >= 2 (α from 0 to 1; got {})",
                self.alpha_steps
            ),
        );
        check(
            self.safety_factor > 0.0 && self.safety_factor <= 1.0,
            format!(
                "safety_factor must be in (0, 1] (got {})",
                self.safety_factor
            ),
        );
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// Model and agent sizes: at least 1 (a zero builds an empty layer), at most what can be
    /// allocated.
    fn check_sizes(&self, check: &mut impl FnMut(bool, String)) {
        let widths = [
            ("gat_hidden", self.gat_hidden),
            ("gat_embedding_dim", self.gat_embedding_dim),
            ("vgae_latent_dim", self.vgae_latent_dim),
            ("vgae_embedding_dim", self.vgae_embedding_dim),
            ("dqn_hidden", self.dqn_hidden),
        ];
        let counts = [
            ("gat_heads", self.gat_heads, MAX_HEADS),
            ("vgae_heads", self.vgae_heads, MAX_HEADS),
            ("gat_layers", self.gat_layers, MAX_LAYERS),
            ("gat_fc_layers", self.gat_fc_layers, MAX_LAYERS),
            ("dqn_layers", self.dqn_layers, MAX_LAYERS),
            // The fusion agent: an empty replay batch or buffer cannot train.
            ("dqn_buffer_size", self.dqn_buffer_size, MAX_REPLAY),
            ("dqn_batch_size", self.dqn_batch_size, MAX_REPLAY),
            (
                "dqn_target_update",
                self.dqn_target_update,
                u64::from(u32::MAX),
            ),
            (
                "episode_sample_size",
                self.episode_sample_size,
                u64::from(u32::MAX),
            ),
        ];
        let sizes = widths
            .iter()
            .map(|&(name, value)| (name, value, MAX_WIDTH))
            .chain(counts);
        for (name, value, max) in sizes {
            check(
                (1..=max).contains(&u64::from(value)),
                format!("{name} must be >= 1 and <= {max} (got {value})"),
            );
        }
        check(
            !self.vgae_hidden_dims.is_empty()
                && self
                    .vgae_hidden_dims
                    .iter()
                    .all(|&d| (1..=MAX_WIDTH).contains(&u64::from(d))),
            format!(
                "vgae_hidden_dims must be a non-empty list of sizes >= 1 and <= {MAX_WIDTH} (got {:?})",
                self.vgae_hidden_dims
            ),
        );
        let gat_width =
            u64::from(self.gat_hidden) * u64::from(self.gat_heads) * u64::from(self.gat_layers);
        check(
            gat_width <= MAX_WIDTH,
            format!(
                "gat_hidden × gat_heads × gat_layers must be <= {MAX_WIDTH} (got {} × {} × {} = \
                 {gat_width})",
                self.gat_hidden, self.gat_heads, self.gat_layers
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(config: PipelineConfig) -> String {
        config.validate_fields().unwrap_err().to_string()
    }

    #[test]
    fn out_of_range_values_are_refused_with_field_and_range() {
        let msg = problems(PipelineConfig {
            gat_dropout: 1.5,
            vgae_dropout: -0.1,
            kd_alpha: -0.7,
            fusion_lr: -0.001,
            weight_decay: -1e-4,
            precision: "fp8".into(),
            ..PipelineConfig::default()
        });
        for expected in [
            "gat_dropout must be in [0, 1] (got 1.5)",
            "vgae_dropout must be in [0, 1] (got -0.1)",
            "kd_alpha must be in [0, 1] (got -0.7)",
            "fusion_lr must be > 0 (got -0.001)",
            "weight_decay must be >= 0 (got -0.0001)",
            "precision must be one of 16-mixed",
        ] {
            assert!(msg.contains(expected), "{expected} not in {msg}");
        }
        let nan = problems(PipelineConfig {
            weight_decay: f64::NAN,
            ..PipelineConfig::default()
        });
        assert!(nan.contains("weight_decay"), "{nan}");
    }

    #[test]
    fn sizes_that_cannot_be_allocated_are_refused_before_anything_is_built() {
        let msg = problems(PipelineConfig {
            gat_hidden: 4_000_000_000,
            vgae_hidden_dims: vec![480, 3_000_000_000],
            dqn_buffer_size: u32::MAX,
            gat_heads: 1000,
            ..PipelineConfig::default()
        });
        for expected in [
            "gat_hidden must be >= 1 and <= 8192 (got 4000000000)",
            "gat_heads must be >= 1 and <= 64 (got 1000)",
            "vgae_hidden_dims must be a non-empty list of sizes >= 1 and <= 8192",
            "dqn_buffer_size must be >= 1 and <= 10000000",
            "gat_hidden × gat_heads × gat_layers must be <= 8192",
        ] {
            assert!(msg.contains(expected), "{expected} not in {msg}");
        }
        for preset in ["vgae", "gat", "dqn"] {
            for size in ["teacher", "student"] {
                let config = format!("{preset},{size}")
                    .parse::<crate::config::Preset>()
                    .unwrap()
                    .config();
                config.validate_fields().unwrap();
            }
        }
    }
}
