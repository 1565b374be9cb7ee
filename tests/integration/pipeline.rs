//! `kdgat pipeline --local` end to end on a small dataset the test writes (CPU, a few epochs): the
//! graph cache, the teacher and distilled-student chains (autoencoder → curriculum → fusion →
//! evaluation), the evaluation table; a second run skips what finished, and a changed stage reruns
//! with everything after it.

use std::path::Path;

use serde_json::Value;

use crate::support::{kdgat, stderr, stdout, tiny_dataset};

const QUICK: &[&str] = &[
    "--set",
    "max_epochs=2",
    "--set",
    "batch_size=8",
    "--set",
    "fusion_episodes=50",
    "--set",
    "episode_sample_size=32",
    "--set",
    "dqn_batch_size=16",
    "--set",
    "device=cpu",
];

fn pipeline(dir: &Path, extra: &[&str]) -> String {
    let out = kdgat()
        .current_dir(dir)
        .args(["--catalog", "catalog.yaml", "--data-root", "data"])
        .args([
            "pipeline",
            "--local",
            "tiny",
            "--variant",
            "teacher,student-kd",
        ])
        .args(QUICK)
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_local_pipeline_runs_both_chains_and_reruns_only_what_changed() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 6);

    let first = pipeline(dir, &[]);
    let runs = dir.join("experimentruns/tiny");
    for run in [
        "teacher_autoencoder",
        "teacher_curriculum",
        "teacher_fusion",
        "teacher_evaluation",
        "student_autoencoder_kd",
        "student_curriculum_kd",
        "student_fusion_kd",
        "student_evaluation_kd",
    ] {
        assert!(
            runs.join(run).join("benchmark.tsv").is_file(),
            "{run} did not finish:\n{first}"
        );
        assert!(
            runs.join(run).join("spec.json").is_file(),
            "{run}: spec.json"
        );
    }
    let config: Value = serde_json::from_slice(
        &std::fs::read(runs.join("student_curriculum_kd/config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        config["teacher_path"],
        "experimentruns/tiny/teacher_curriculum/best_model.safetensors"
    );
    assert_eq!(config["gat_hidden"], 24, "the student preset");
    let metrics: Value = serde_json::from_slice(
        &std::fs::read(runs.join("student_evaluation_kd/metrics.json")).unwrap(),
    )
    .unwrap();
    for model in ["gat", "vgae", "fusion"] {
        assert!(metrics[model]["core"]["accuracy"].is_f64(), "{model}");
        assert!(
            metrics["test"][model]["test_01_known"]["core"]["f1"].is_f64(),
            "{model} on the test scenario"
        );
    }
    assert!(
        first.contains("== student-kd: accuracy / F1 / AUC")
            && first.contains("fusion test_01_known"),
        "{first}"
    );

    let again = pipeline(dir, &[]);
    assert_eq!(
        again.matches("finished earlier with this config").count(),
        8,
        "{again}"
    );
    // A new fusion setting reruns both fusion stages and the evaluations after them, nothing before.
    let changed = pipeline(dir, &["--set", "fusion.fusion_episodes=60"]);
    let skipped = changed.matches("finished earlier with this config").count();
    assert_eq!(
        skipped, 2,
        "only the teacher's autoencoder and curriculum:\n{changed}"
    );
    let events = std::fs::read_to_string(runs.join("teacher_fusion/events.jsonl")).unwrap();
    assert!(events.contains("\"step\":60"), "{events}");
}

#[test]
fn a_bad_stage_override_names_the_stage() {
    let work = tempfile::tempdir().unwrap();
    tiny_dataset(work.path(), 1);
    let out = kdgat()
        .current_dir(work.path())
        .args(["--catalog", "catalog.yaml", "--data-root", "data"])
        .args([
            "pipeline",
            "--local",
            "tiny",
            "--set",
            "fusoin.max_epochs=3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown stage `fusoin`"),
        "{}",
        stderr(&out)
    );
}
