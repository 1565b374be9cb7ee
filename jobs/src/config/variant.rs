//! The three variants of a dataset's chain (REFERENCE.md §1): the teacher, the student distilled
//! from it, and the student without distillation (the ablation). Each runs autoencoder →
//! curriculum → fusion → evaluation; a stage's config is its model's preset with the dataset, the
//! variant's `use_kd` and, for the distilled student, `teacher_path` naming the teacher's run of the
//! same stage (the reference's layout: `{runs}/{dataset}/teacher_{stage}/best_model…`).

use std::fmt;
use std::str::FromStr;

use super::pipeline::{ModelSize, PipelineConfig};
use super::presets::{ModelKind, Preset};
use super::stage::Stage;
use crate::run_dir::BEST_CHECKPOINT;

/// A variant of the chain.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// The large models.
    Teacher,
    /// The small models, distilled from the teacher's.
    StudentKd,
    /// The small models trained alone.
    Student,
}

impl Variant {
    /// Every variant, teacher first (the distilled student needs it).
    pub const ALL: [Variant; 3] = [Variant::Teacher, Variant::StudentKd, Variant::Student];

    /// The chain's stages in order.
    pub const STAGES: [Stage; 4] = [
        Stage::Autoencoder,
        Stage::Curriculum,
        Stage::Fusion,
        Stage::Evaluation,
    ];

    /// Its name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Teacher => "teacher",
            Variant::StudentKd => "student-kd",
            Variant::Student => "student",
        }
    }

    /// Teacher or student models.
    pub fn size(self) -> ModelSize {
        match self {
            Variant::Teacher => ModelSize::Teacher,
            Variant::StudentKd | Variant::Student => ModelSize::Student,
        }
    }

    /// Whether it distils.
    pub fn use_kd(self) -> bool {
        self == Variant::StudentKd
    }

    /// The preset a stage of it starts from (the evaluation uses the GAT's).
    pub fn preset(self, stage: Stage) -> Preset {
        let model = match stage {
            Stage::Autoencoder => ModelKind::Vgae,
            Stage::Fusion => ModelKind::Dqn,
            Stage::Curriculum | Stage::Normal | Stage::Evaluation => ModelKind::Gat,
        };
        Preset {
            model,
            size: self.size(),
        }
    }

    /// The config of `stage` for `dataset`, with run directories under `runs` (as the config's
    /// `teacher_path` spells them), before the user's overrides.
    pub fn stage_config(self, stage: Stage, dataset: &str, runs: &str) -> PipelineConfig {
        let mut config = self.preset(stage).config();
        config.dataset = dataset.to_string();
        config.experiment_root = runs.to_string();
        config.use_kd = self.use_kd();
        config.teacher_path = if self.use_kd() {
            format!("{runs}/{dataset}/teacher_{stage}/{BEST_CHECKPOINT}")
        } else {
            String::new()
        };
        config
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Variant {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Variant::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown variant `{s}` (expected teacher, student-kd or student)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::run_id;

    #[test]
    fn stage_configs_follow_the_reference_layout() {
        let c = Variant::StudentKd.stage_config(Stage::Curriculum, "hcrl_sa", "experimentruns");
        assert_eq!(
            run_id(&c, Stage::Curriculum),
            "hcrl_sa/student_curriculum_kd"
        );
        assert_eq!(
            c.teacher_path,
            "experimentruns/hcrl_sa/teacher_curriculum/best_model.safetensors"
        );
        assert_eq!(c.gat_hidden, 24, "the student GAT preset");
        let t = Variant::Teacher.stage_config(Stage::Fusion, "hcrl_sa", "runs");
        assert_eq!(run_id(&t, Stage::Fusion), "hcrl_sa/teacher_fusion");
        assert_eq!((t.dqn_hidden, t.teacher_path.as_str()), (576, ""));
        let s = Variant::Student.stage_config(Stage::Autoencoder, "hcrl_sa", "runs");
        assert_eq!(
            run_id(&s, Stage::Autoencoder),
            "hcrl_sa/student_autoencoder"
        );
        assert_eq!("student-kd".parse::<Variant>(), Ok(Variant::StudentKd));
        assert!("students".parse::<Variant>().is_err());
    }
}
