//! Run ids: `dataset/size_stage[_kd]`, read the way the reference's `populate()` reads run directory
//! names (size = the part before the first `_`; KD = ends with `_kd`; stage = the first of
//! autoencoder/curriculum/normal/fusion/evaluation the name contains, else `unknown`; `normal`, the
//! supervised GAT stage, is ours). A sweep point's label after the first `.`
//! (`teacher_curriculum.lr-0.01`) is not part of the name read.

/// The parts of a run id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunIdParts {
    /// The dataset.
    pub dataset: String,
    /// `teacher` or `student` (whatever precedes the first `_`).
    pub model_size: String,
    /// The stage, or `unknown`.
    pub stage: String,
    /// Whether the name ends with `_kd`.
    pub use_kd: bool,
}

const STAGES: [&str; 5] = [
    "autoencoder",
    "curriculum",
    "normal",
    "fusion",
    "evaluation",
];

/// Splits `dataset/run_name`; `None` if there is no `/`.
pub fn parse_run_id(run_id: &str) -> Option<RunIdParts> {
    let (dataset, name) = run_id.split_once('/')?;
    let name = name.split_once('.').map_or(name, |(base, _label)| base);
    Some(RunIdParts {
        dataset: dataset.to_string(),
        model_size: name.split('_').next().unwrap_or_default().to_string(),
        stage: STAGES
            .iter()
            .find(|s| name.contains(*s))
            .map_or("unknown", |s| s)
            .to_string(),
        use_kd: name.ends_with("_kd"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_split_as_the_reference_reads_them() {
        let p = parse_run_id("hcrl_sa/student_curriculum_kd").unwrap();
        assert_eq!(
            (
                p.dataset.as_str(),
                p.model_size.as_str(),
                p.stage.as_str(),
                p.use_kd
            ),
            ("hcrl_sa", "student", "curriculum", true)
        );
        let p = parse_run_id("set_01/teacher_normal").unwrap();
        assert_eq!((p.stage.as_str(), p.use_kd), ("normal", false));
        let p = parse_run_id("set_01/teacher_sweep").unwrap();
        assert_eq!(p.stage.as_str(), "unknown");
        assert!(parse_run_id("nodataset").is_none());
        let p = parse_run_id("d/student_fusion_kd.curriculum-lr-0.01").unwrap();
        assert_eq!((p.stage.as_str(), p.use_kd), ("fusion", true));
    }
}
