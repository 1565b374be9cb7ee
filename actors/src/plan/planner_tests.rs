use std::path::{Path, PathBuf};

use super::*;
use crate::plan::request::{GridAxis, ScopedOverride};

pub(crate) fn request(variants: &[Variant]) -> SweepRequest {
    request_in(Path::new("/"), "hcrl_sa", variants)
}

/// A sweep named `s` of `dataset`, with its run, cache and data roots under `root`.
pub(crate) fn request_in(root: &Path, dataset: &str, variants: &[Variant]) -> SweepRequest {
    SweepRequest {
        name: "s".into(),
        datasets: vec![dataset.into()],
        variants: variants.to_vec(),
        overrides: Vec::new(),
        grid: Vec::new(),
        runs_root: root.join("runs"),
        cache_root: root.join("cache"),
        data_root: root.join("data"),
        catalog: None,
        parquet_root: None,
        on_bad_row: Default::default(),
        legacy: false,
        force: false,
    }
}

const KNOWN: &[&str] = &["hcrl_sa", "set_01"];

fn ids(plan: &Plan) -> Vec<&str> {
    plan.runs.iter().map(|r| r.run_id.as_str()).collect()
}

fn deps<'a>(plan: &'a Plan, id: &str) -> Vec<&'a str> {
    plan.run(id)
        .unwrap()
        .deps
        .iter()
        .map(String::as_str)
        .collect()
}

#[test]
fn three_variants_make_the_references_dag() {
    let plan = plan(&request(&Variant::ALL), KNOWN).unwrap();
    assert_eq!(plan.runs.len(), 1 + 3 * 4);
    assert_eq!(
        &ids(&plan)[..6],
        [
            "hcrl_sa/graphs",
            "hcrl_sa/teacher_autoencoder",
            "hcrl_sa/teacher_curriculum",
            "hcrl_sa/teacher_fusion",
            "hcrl_sa/teacher_evaluation",
            "hcrl_sa/student_autoencoder_kd",
        ]
    );
    assert_eq!(
        deps(&plan, "hcrl_sa/teacher_fusion"),
        [
            "hcrl_sa/graphs",
            "hcrl_sa/teacher_autoencoder",
            "hcrl_sa/teacher_curriculum"
        ]
    );
    assert_eq!(
        deps(&plan, "hcrl_sa/student_curriculum_kd"),
        [
            "hcrl_sa/graphs",
            "hcrl_sa/student_autoencoder_kd",
            "hcrl_sa/teacher_curriculum"
        ]
    );
    assert_eq!(
        deps(&plan, "hcrl_sa/student_evaluation"),
        [
            "hcrl_sa/graphs",
            "hcrl_sa/student_autoencoder",
            "hcrl_sa/student_curriculum",
            "hcrl_sa/student_fusion"
        ]
    );
    let kd = plan.run("hcrl_sa/student_curriculum_kd").unwrap();
    let config = kd.config.as_ref().unwrap();
    assert!(config.use_kd);
    assert_eq!(
        config.teacher_path,
        "/runs/hcrl_sa/teacher_curriculum/best_model.safetensors"
    );
    assert_eq!(
        kd.upstream.get(&Stage::Autoencoder),
        Some(&PathBuf::from("/runs/hcrl_sa/student_autoencoder_kd"))
    );
    // Every run comes after its dependencies.
    for (i, run) in plan.runs.iter().enumerate() {
        for dep in &run.deps {
            let j = plan.runs.iter().position(|r| &r.run_id == dep).unwrap();
            assert!(j < i, "{} before its dependency {dep}", run.run_id);
        }
    }
}

#[test]
fn the_distilled_student_brings_in_the_teacher() {
    let plan = plan(&request(&[Variant::StudentKd]), KNOWN).unwrap();
    assert_eq!(plan.runs.len(), 9);
    assert!(plan.run("hcrl_sa/teacher_evaluation").is_some());
}

#[test]
fn overrides_apply_to_their_stage_and_a_grid_shares_what_it_does_not_change() {
    let mut r = request(&[Variant::Teacher]);
    r.datasets.push("set_01".into());
    r.overrides.push(ScopedOverride {
        stage: None,
        key: "max_epochs".into(),
        value: "3".into(),
    });
    r.grid.push(GridAxis {
        stage: Some(Stage::Curriculum),
        key: "lr".into(),
        values: vec!["0.01".into(), "0.1".into()],
    });
    let plan = plan(&r, KNOWN).unwrap();
    // Per dataset: graphs, one shared autoencoder, then two of each later stage.
    assert_eq!(plan.runs.len(), 2 * (1 + 1 + 3 * 2));
    let ae = plan.run("hcrl_sa/teacher_autoencoder").unwrap();
    assert_eq!(ae.config.as_ref().unwrap().max_epochs, 3);
    let cur = plan
        .run("hcrl_sa/teacher_curriculum.curriculum-lr-0.1")
        .unwrap();
    let config = cur.config.as_ref().unwrap();
    assert_eq!((config.lr, config.max_epochs), (0.1, 3));
    assert_eq!(
        cur.run_dir,
        Path::new("/runs/hcrl_sa/teacher_curriculum.curriculum-lr-0.1")
    );
    let fusion = plan
        .run("hcrl_sa/teacher_fusion.curriculum-lr-0.1")
        .unwrap();
    assert!(fusion.deps.contains(&cur.run_id));
    assert_ne!(
        fusion.config.as_ref().unwrap().lr,
        0.1,
        "fusion keeps its lr"
    );
}

#[test]
fn a_grid_over_every_stage_labels_the_students_teacher_consistently() {
    let mut r = request(&[Variant::StudentKd]);
    r.grid.push(GridAxis {
        stage: None,
        key: "kd_alpha".into(),
        values: vec!["0.5".into(), "0.7".into()],
    });
    let plan = plan(&r, KNOWN).unwrap();
    let student = plan
        .run("hcrl_sa/student_autoencoder_kd.kd_alpha-0.5")
        .unwrap();
    assert_eq!(
        student.config.as_ref().unwrap().teacher_path,
        "/runs/hcrl_sa/teacher_autoencoder.kd_alpha-0.5/best_model.safetensors"
    );
    assert!(
        student
            .deps
            .contains(&"hcrl_sa/teacher_autoencoder.kd_alpha-0.5".to_string())
    );
}

#[test]
fn bad_requests_are_refused_with_what_is_wrong() {
    let mut r = request(&[Variant::Teacher]);
    r.datasets = vec!["../etc".into()];
    assert!(plan(&r, KNOWN).unwrap_err().to_string().contains("../etc"));
    r.datasets = vec!["nope".into()];
    let err = plan(&r, KNOWN).unwrap_err().to_string();
    assert!(err.contains("nope") && err.contains("hcrl_sa"), "{err}");
    let mut r = request(&[Variant::Teacher]);
    r.overrides.push(ScopedOverride {
        stage: Some(Stage::Fusion),
        key: "lr".into(),
        value: "-1".into(),
    });
    let err = plan(&r, KNOWN).unwrap_err().to_string();
    assert!(
        err.contains("teacher_fusion") && err.contains("lr"),
        "{err}"
    );
    let mut r = request(&[Variant::Teacher]);
    r.name = "a/b".into();
    assert!(
        plan(&r, KNOWN)
            .unwrap_err()
            .to_string()
            .contains("sweep name")
    );
}
