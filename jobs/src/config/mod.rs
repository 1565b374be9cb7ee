//! The flat pipeline configuration, faithful to the reference's `PipelineConfig`: every field with its
//! default, the `(model, size)` presets, typed `key=value` overrides, JSON save/load that keeps unknown
//! keys, the sub-config views, and validation.

mod error;
mod file;
mod overrides;
mod pipeline;
mod presets;
mod ranges;
mod stage;
mod validate;
mod variant;
mod views;

pub use error::ConfigError;
pub use file::{
    ConfigDifference, LoadedConfig, config_diff, load_config, save_config, write_config,
};
pub use overrides::{Override, apply_overrides};
pub use pipeline::{MemoryEstimation, ModelSize, MonitorMode, PipelineConfig, SchedulerType};
pub use presets::{ModelKind, Preset};
pub use stage::{Stage, run_id, run_name};
pub use validate::{StageCheckContext, unnamed_teacher, validate_for_stage};
pub use variant::Variant;
pub use views::{DqnConfig, FusionConfig, GatConfig, KdConfig, VgaeConfig};
