//! The curriculum, fusion and evaluation stages on a small synthetic cache, CPU: the whole teacher
//! chain leaves its run directories and a `metrics.json` with all three models, and an interrupted
//! fusion run resumes to exactly the agent of an uninterrupted one.
//!
//! The tests take turns ([`support::take_turn`]).
#![cfg(feature = "train")]

mod support;

use std::path::Path;

use kdgat_jobs::config::{PipelineConfig, Stage};
use kdgat_jobs::graph::synthetic::write_synthetic_cache;
use kdgat_jobs::models::STATE_DIM;
use kdgat_jobs::stages::fusion::state::States;
use kdgat_jobs::stages::fusion::{FusionData, train_agent};
use kdgat_jobs::training::engine::Outcome;
use kdgat_jobs::training::preempt::StopFlag;
use serde_json::Value;
use support::{run_stage, take_turn};
use tch::{Device, Kind, Tensor};

/// The support config, with a short fusion run.
fn config(preset: &str, epochs: u32) -> PipelineConfig {
    PipelineConfig {
        fusion_episodes: 60,
        episode_sample_size: 64,
        dqn_batch_size: 32,
        ..support::config(preset, epochs)
    }
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn events(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_teacher_chain_runs_autoencoder_curriculum_fusion_and_evaluation() {
    let _turn = take_turn();
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    write_synthetic_cache(&root.join("cache"), 90, 5).unwrap();
    let runs = root.join("runs");

    // Without the VGAE the curriculum cannot score difficulty: a clear error naming the run.
    let err = run_stage(
        root,
        "teacher_curriculum",
        Stage::Curriculum,
        &config("gat,teacher", 2),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("teacher_autoencoder/best_model.safetensors"),
        "{err}"
    );

    run_stage(
        root,
        "teacher_autoencoder",
        Stage::Autoencoder,
        &config("vgae,teacher", 2),
    )
    .unwrap();
    let curriculum = run_stage(
        root,
        "teacher_curriculum",
        Stage::Curriculum,
        &config("gat,teacher", 3),
    )
    .unwrap();
    assert!(
        matches!(curriculum, Outcome::Finished { epochs: 3, .. }),
        "{curriculum:?}"
    );
    let log = events(&runs.join("teacher_curriculum"));
    let drawn = log.iter().find(|e| e["kind"] == "curriculum").unwrap();
    // 72 training graphs, a third of them attacks.
    let (attacks, normals) = (
        drawn["attacks"].as_u64().unwrap(),
        drawn["normals"].as_u64().unwrap(),
    );
    assert_eq!(attacks + normals, 72);
    assert!(attacks > 15 && normals > 40, "{drawn}");
    let val = json(&runs.join("teacher_curriculum/val_metrics.json"));
    assert_eq!(
        val["gat"]["core"]["n_samples"], 18,
        "validation is the whole split"
    );

    let fusion = run_stage(
        root,
        "teacher_fusion",
        Stage::Fusion,
        &config("dqn,teacher", 1),
    )
    .unwrap();
    assert!(
        matches!(
            fusion,
            Outcome::Finished {
                epochs: 60,
                best_epoch: Some(50 | 60),
                ..
            }
        ),
        "{fusion:?}"
    );
    let dir = runs.join("teacher_fusion");
    for file in [
        "config.json",
        "best_model.safetensors",
        "val_metrics.json",
        "benchmark.tsv",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert!(!dir.join("resume.json").exists());
    let log = events(&dir);
    let states = log.iter().find(|e| e["kind"] == "states").unwrap();
    assert_eq!(
        (states["train"].as_i64(), states["val"].as_i64()),
        (Some(72), Some(18))
    );
    let validations: Vec<&Value> = log.iter().filter(|e| e["kind"] == "epoch").collect();
    assert_eq!(
        validations
            .iter()
            .map(|e| e["step"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [50, 60]
    );
    let epsilon = validations[1]["metrics"]["epsilon"].as_f64().unwrap();
    let expected = (0.1 * 0.995f64.powi(60)).max(0.01);
    assert!(
        (epsilon - expected).abs() < 1e-12,
        "ε decays: {epsilon} vs {expected}"
    );
    for key in [
        "total_reward",
        "val_accuracy",
        "best_accuracy",
        "train_loss",
    ] {
        assert!(
            validations[1]["metrics"][key].as_f64().unwrap().is_finite(),
            "{key}"
        );
    }
    let fusion_val = json(&dir.join("val_metrics.json"));
    assert_eq!(fusion_val["fusion"]["core"]["n_samples"], 18);

    run_stage(
        root,
        "teacher_evaluation",
        Stage::Evaluation,
        &config("gat,teacher", 1),
    )
    .unwrap();
    let metrics = json(&runs.join("teacher_evaluation/metrics.json"));
    for model in ["gat", "vgae", "fusion"] {
        let core = &metrics[model]["core"];
        assert_eq!(core["n_samples"], 18, "{model} on the same graphs");
        let accuracy = core["accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&accuracy), "{model}: {accuracy}");
        // Beside the reference's sections, what the report draws.
        let confusion = &metrics[model]["confusion"];
        let counted: u64 = ["tn", "fp", "fn", "tp"]
            .iter()
            .map(|k| confusion[k].as_u64().unwrap())
            .sum();
        assert_eq!(counted, 18, "{model}: {confusion}");
        let roc = &metrics[model]["curves"]["roc"];
        let fpr = roc["fpr"].as_array().unwrap();
        assert_eq!(fpr.len(), roc["tpr"].as_array().unwrap().len(), "{model}");
        assert_eq!(
            (fpr[0].as_f64(), fpr.last().unwrap().as_f64()),
            (Some(0.0), Some(1.0))
        );
        let pr = &metrics[model]["curves"]["pr"];
        assert_eq!(
            pr["recall"].as_array().unwrap().last().unwrap(),
            0.0,
            "{model}"
        );
    }
    let alpha = &metrics["fusion"]["alpha"];
    assert_eq!(alpha["alpha"].as_array().unwrap().len(), 21);
    let chosen: u64 = ["normal", "attack"]
        .iter()
        .flat_map(|k| alpha[k].as_array().unwrap())
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(chosen, 18, "every graph's α is counted: {alpha}");
    let evaluated = events(&runs.join("teacher_evaluation"));
    let sources = &evaluated.iter().find(|e| e["kind"] == "evaluated").unwrap()["checkpoints"];
    assert!(
        sources["gat"]
            .as_str()
            .unwrap()
            .contains("teacher_curriculum")
    );
    assert!(
        sources["fusion"]
            .as_str()
            .unwrap()
            .contains("teacher_fusion")
    );
}

/// Synthetic states whose label shows in p(attack), for the agent alone.
fn separable_states(n: i64, seed: i64) -> States {
    tch::manual_seed(seed);
    let labels = Tensor::randint(2, [n], (Kind::Int64, Device::Cpu));
    let states = Tensor::rand([n, STATE_DIM], (Kind::Float, Device::Cpu)) * 0.2;
    states
        .select(1, 9)
        .copy_(&(labels.to_kind(Kind::Float) * 0.8 + 0.1));
    States {
        states,
        labels: Vec::<i64>::try_from(&labels)
            .unwrap()
            .into_iter()
            .map(|y| y as u8)
            .collect(),
    }
}

#[test]
fn an_interrupted_fusion_run_resumes_to_exactly_the_same_agent() {
    let _turn = take_turn();
    let root = tempfile::tempdir().unwrap();
    let data = FusionData {
        train: separable_states(400, 1),
        val: separable_states(100, 2),
    };
    let whole_config = PipelineConfig {
        fusion_episodes: 70,
        ..config("dqn,student", 1)
    };
    let whole = root.path().join("whole");
    std::fs::create_dir_all(&whole).unwrap();
    let (outcome, _) =
        train_agent(&data, &whole_config, &whole, false, &StopFlag::default()).unwrap();
    assert!(matches!(outcome, Outcome::Finished { epochs: 70, .. }));

    // Stopped after 50 episodes (its last checkpoint), then resumed to the end.
    let resumed = root.path().join("resumed");
    std::fs::create_dir_all(&resumed).unwrap();
    let stop = StopFlag::default();
    let first_part = PipelineConfig {
        fusion_episodes: 50,
        ..whole_config.clone()
    };
    train_agent(&data, &first_part, &resumed, false, &stop).unwrap();
    stop.raise();
    let (preempted, _) = train_agent(&data, &whole_config, &resumed, false, &stop).unwrap();
    assert_eq!(preempted, Outcome::Preempted { epoch: 50, step: 0 });
    let (finished, _) =
        train_agent(&data, &whole_config, &resumed, false, &StopFlag::default()).unwrap();
    assert_eq!(finished, outcome);
    let read = |dir: &Path| std::fs::read(dir.join("best_model.safetensors")).unwrap();
    assert_eq!(read(&whole), read(&resumed), "the same best Q-network");
    let checkpoint = |dir: &Path| {
        kdgat_jobs::training::resume::load_state::<Value>(dir)
            .unwrap()
            .unwrap()
    };
    let (a, ta) = checkpoint(&whole);
    let (b, tb) = checkpoint(&resumed);
    assert_eq!(a, b, "the same progress and counters");
    assert_eq!(ta.len(), tb.len());
    for (name, x) in &ta {
        let (_, y) = tb.iter().find(|(n, _)| n == name).unwrap();
        assert!(x.equal(y), "{name} differs after resuming");
    }
}
