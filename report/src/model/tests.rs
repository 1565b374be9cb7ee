use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;
use crate::loader::{Benchmark, Epoch};

fn run(dataset: &str, name: &str) -> RunFiles {
    RunFiles {
        dataset: dataset.into(),
        name: name.into(),
        dir: PathBuf::from(format!("runs/{dataset}/{name}")),
        config: json!({"max_epochs": 5, "fusion_episodes": 100}),
        metrics: None,
        epochs: Vec::new(),
        benchmark: None,
        attempts: 1,
        setbacks: Vec::new(),
    }
}

#[test]
fn run_names_give_variant_and_stage() {
    for (name, variant, stage) in [
        ("teacher_autoencoder", "teacher", "autoencoder"),
        ("student_curriculum_kd", "student-kd", "curriculum"),
        ("student_fusion", "student", "fusion"),
        ("odd", "odd", ""),
    ] {
        assert_eq!(
            variant_and_stage(name),
            (variant.to_string(), stage.to_string())
        );
    }
}

#[test]
fn runs_are_grouped_by_dataset_and_variant_in_pipeline_order() {
    let mut fusion = run("sa", "teacher_fusion");
    fusion.epochs = vec![Epoch {
        step: 50,
        metrics: [("val_accuracy".to_string(), 0.9)].into(),
    }];
    fusion.config["device"] = json!("cuda:0");
    fusion.benchmark = Some(Benchmark {
        wall_seconds: 360.0,
        cpu_seconds: Some(7.5),
        max_rss_mib: None,
    });
    let mut evaluation = run("sa", "teacher_evaluation");
    evaluation.metrics = Some(json!({
        "gat": {"core": {"accuracy": 0.5, "f1": 0.25}, "additional": {},
                "confusion": {"tn": 1, "fp": 2, "fn": 3, "tp": 4}},
        "test": {"gat": {"test_02_x": {"core": {"f1": 0.1}}}},
    }));
    let runs = vec![
        run("ch", "teacher_autoencoder"),
        run("sa", "student_autoencoder"),
        evaluation,
        run("sa", "student_autoencoder_kd"),
        fusion,
        run("sa", "teacher_autoencoder"),
    ];
    let report = build(Path::new("runs"), &runs, None).unwrap();
    assert_eq!(
        report
            .datasets
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["ch", "sa"]
    );
    let sa = &report.datasets[1];
    let order: Vec<&str> = sa.stages.iter().map(|s| s.run.as_str()).collect();
    assert_eq!(
        order,
        [
            "teacher_autoencoder",
            "teacher_fusion",
            "teacher_evaluation",
            "student_autoencoder_kd",
            "student_autoencoder"
        ]
    );
    assert_eq!(
        sa.stages[1].budget,
        Some(100),
        "fusion's budget is its episodes"
    );
    assert_eq!(sa.stages[0].budget, Some(5));
    assert_eq!(sa.stages[2].budget, None, "the evaluation trains nothing");
    assert_eq!(sa.stages[1].cpu_seconds, Some(7.5));
    assert_eq!(sa.stages[1].gpu_hours, Some(0.1), "six minutes on cuda:0");
    assert_eq!(sa.stages[0].gpu_hours, None, "no benchmark, no device");
    let variants: Vec<&str> = sa.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(variants, ["teacher", "student-kd", "student"]);
    let teacher = &sa.variants[0];
    assert_eq!(teacher.training.len(), 1);
    assert_eq!(teacher.training[0].series["val_accuracy"], [(50.0, 0.9)]);
    let gat = &teacher.models[0];
    assert_eq!(gat.model, "gat");
    assert_eq!(gat.splits[0].core["f1"], 0.25);
    assert_eq!(gat.splits[0].confusion.map(|c| c.fn_), Some(3));
    assert_eq!(gat.splits[1].split, "test_02_x");
    assert!(
        gat.splits[0].reference.is_none(),
        "no published figures for `sa`"
    );

    let only = build(Path::new("runs"), &runs, Some("ch")).unwrap();
    assert_eq!(only.datasets.len(), 1);
    let err = build(Path::new("runs"), &runs, Some("hcrl_sa")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no runs of dataset `hcrl_sa` under runs (found: ch, sa)"
    );
    assert!(matches!(
        build(Path::new("runs"), &[], None),
        Err(ReportError::NoRuns(_))
    ));
}

#[test]
fn published_figures_join_their_cell_and_a_malformed_plot_key_is_named() {
    let mut evaluation = run("hcrl_sa", "teacher_evaluation");
    evaluation.metrics = Some(json!({"gat": {"core": {"f1": 0.99}}}));
    let report = build(Path::new("runs"), std::slice::from_ref(&evaluation), None).unwrap();
    let cell = &report.datasets[0].variants[0].models[0].splits[0];
    assert_eq!(cell.reference.map(|r| r.f1), Some(0.9980));

    evaluation.metrics = Some(json!({
        "gat": {"core": {}},
        "test": {"gat": {"test_01": {"core": {}, "curves": {"roc": [1, 2]}}}}
    }));
    let err = build(Path::new("runs"), &[evaluation], None)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("runs/hcrl_sa/teacher_evaluation/metrics.json: test.gat.test_01.curves:"),
        "{err}"
    );
}
