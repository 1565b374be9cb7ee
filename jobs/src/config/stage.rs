//! Pipeline stages and the run identity `dataset/size_stage[_kd]` that names a run's directory.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::pipeline::PipelineConfig;

/// A model stage of the pipeline (the data stages `ingest` and `graphs` are commands of their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// VGAE training (unsupervised).
    Autoencoder,
    /// GAT training with the VGAE-mined curriculum.
    Curriculum,
    /// Plain supervised GAT training (not in the reference's DAG).
    Normal,
    /// DQN fusion of VGAE and GAT.
    Fusion,
    /// Evaluation on validation and test scenarios.
    Evaluation,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 5] = [
        Stage::Autoencoder,
        Stage::Curriculum,
        Stage::Normal,
        Stage::Fusion,
        Stage::Evaluation,
    ];

    /// The name used in run ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Autoencoder => "autoencoder",
            Stage::Curriculum => "curriculum",
            Stage::Normal => "normal",
            Stage::Fusion => "fusion",
            Stage::Evaluation => "evaluation",
        }
    }

    /// The stages whose outputs this one reads (the reference's prerequisite checks).
    pub fn prerequisites(self) -> &'static [Stage] {
        match self {
            Stage::Autoencoder | Stage::Normal => &[],
            Stage::Curriculum => &[Stage::Autoencoder],
            Stage::Fusion => &[Stage::Autoencoder, Stage::Curriculum],
            // Evaluation needs either of these; see `validate_for_stage`.
            Stage::Evaluation => &[Stage::Curriculum, Stage::Autoencoder],
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown stage `{s}` (expected autoencoder|curriculum|normal|fusion|evaluation)"
                )
            })
    }
}

/// The run directory's name within its dataset: `{model_size}_{stage}` plus `_kd` when distilled.
pub fn run_name(config: &PipelineConfig, stage: Stage) -> String {
    let kd = if config.use_kd { "_kd" } else { "" };
    format!("{}_{}{}", config.model_size.as_str(), stage, kd)
}

/// The run id: `{dataset}/` and the [`run_name`].
pub fn run_id(config: &PipelineConfig, stage: Stage) -> String {
    format!("{}/{}", config.dataset, run_name(config, stage))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;

    #[test]
    fn run_ids_follow_the_legacy_layout() {
        let mut c: PipelineConfig = "gat,student".parse::<Preset>().unwrap().config();
        c.dataset = "hcrl_sa".into();
        assert_eq!(
            run_id(&c, Stage::Curriculum),
            "hcrl_sa/student_curriculum_kd"
        );
        c.use_kd = false;
        assert_eq!(run_id(&c, Stage::Fusion), "hcrl_sa/student_fusion");
        assert_eq!("evaluation".parse::<Stage>(), Ok(Stage::Evaluation));
        assert!("train".parse::<Stage>().is_err());
    }
}
