//! The model stages and the training engine on a small synthetic cache, CPU: the run directory a
//! stage leaves, distillation from a teacher run, and an interrupted run that resumes to exactly the
//! weights of an uninterrupted one.
//!
//! The tests take turns ([`support::take_turn`]).
#![cfg(feature = "train")]

mod support;

use std::path::Path;

use kdgat_jobs::config::{PipelineConfig, Stage};
use kdgat_jobs::graph::cache::load_train;
use kdgat_jobs::graph::split_indices;
use kdgat_jobs::graph::synthetic::write_synthetic_cache;
use kdgat_jobs::models::GatClassifier;
use kdgat_jobs::training::engine::{self, Batch, Objective, Outcome, Splits, StepLoss};
use kdgat_jobs::training::preempt::StopFlag;
use support::{config, run_stage, take_turn};
use tch::{Device, Kind, Tensor, nn};

fn tensor_names(path: &Path) -> Vec<String> {
    let mut names: Vec<String> = Tensor::read_safetensors(path)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    names.sort();
    names
}

#[test]
fn a_stage_leaves_its_run_directory_and_distils_from_a_teacher() {
    let _turn = take_turn();
    let root = tempfile::tempdir().unwrap();
    write_synthetic_cache(&root.path().join("cache"), 60, 7).unwrap();

    let teacher = run_stage(
        root.path(),
        "teacher_autoencoder",
        Stage::Autoencoder,
        &config("vgae,teacher", 2),
    )
    .unwrap();
    assert!(
        matches!(teacher, Outcome::Finished { epochs: 2, .. }),
        "{teacher:?}"
    );
    let dir = root.path().join("runs/teacher_autoencoder");
    for file in [
        "config.json",
        "best_model.safetensors",
        "events.jsonl",
        "benchmark.tsv",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert!(
        !dir.join("resume.json").exists(),
        "the resumable checkpoint goes once finished"
    );
    let events: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let epochs: Vec<&serde_json::Value> = events.iter().filter(|e| e["kind"] == "epoch").collect();
    assert_eq!(epochs.len(), 2);
    // The autoencoder is fitted to the normal graphs of each split.
    let set = load_train(&root.path().join("cache")).unwrap();
    let (train, val) = split_indices(set.len(), config("vgae,teacher", 2).seed);
    let normal = |indices: &[usize]| indices.iter().filter(|&&g| set.get(g).y == 0).count();
    let fit = events
        .iter()
        .find(|e| e["kind"] == "fit")
        .expect("a fit event");
    assert_eq!(fit["graphs"], "normal");
    assert_eq!(fit["train"], normal(&train) as u64, "{fit}");
    assert_eq!(fit["val"], normal(&val) as u64, "{fit}");
    assert!(
        normal(&train) < train.len(),
        "the synthetic cache has attacks"
    );
    assert!(
        epochs[1]["metrics"].get("train_acc").is_none(),
        "the VGAE counts accuracy on validation only"
    );
    for key in ["train_loss", "val_loss", "val_acc", "train_seconds"] {
        assert!(
            epochs[1]["metrics"][key].as_f64().unwrap().is_finite(),
            "{key}"
        );
    }

    let mut student = config("vgae,student", 2);
    student.use_kd = true;
    student.teacher_path = "runs/teacher_autoencoder/best_model.safetensors".into();
    let outcome = run_stage(
        root.path(),
        "student_autoencoder_kd",
        Stage::Autoencoder,
        &student,
    )
    .unwrap();
    assert!(matches!(outcome, Outcome::Finished { .. }), "{outcome:?}");
    let names = tensor_names(
        &root
            .path()
            .join("runs/student_autoencoder_kd/best_model.safetensors"),
    );
    assert!(
        names.iter().all(|n| !n.starts_with("kd_")),
        "the KD projection is not part of the model: {names:?}"
    );
    assert!(names.contains(&"encoder_layers.0.att_src".to_string()));

    // The evaluation reads the variant's sibling runs: here the teacher VGAE and a teacher GAT.
    run_stage(
        root.path(),
        "teacher_normal",
        Stage::Normal,
        &config("gat,teacher", 1),
    )
    .unwrap();
    let eval = run_stage(
        root.path(),
        "teacher_evaluation",
        Stage::Evaluation,
        &config("gat,teacher", 1),
    )
    .unwrap();
    assert!(
        matches!(eval, Outcome::Finished { epochs: 0, .. }),
        "{eval:?}"
    );
    let metrics: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.path().join("runs/teacher_evaluation/metrics.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(metrics["gat"]["core"]["n_samples"], 12, "{metrics}");
    // A 2-epoch VGAE may not separate anything: its threshold can be ∞ (null in JSON).
    assert!(metrics["vgae"]["core"]["youden_j"].is_number(), "{metrics}");
    assert!(
        metrics.get("test").is_none(),
        "a synthetic cache has no test scenarios"
    );
    let mut lonely = config("gat,student", 1);
    lonely.use_kd = false;
    let err = run_stage(
        root.path(),
        "student_evaluation",
        Stage::Evaluation,
        &lonely,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no trained GAT or VGAE"), "{err}");
}

/// Cross-entropy on a GAT that raises `stop` on its `stop_after`-th training step.
struct Interrupting<'a> {
    model: &'a GatClassifier,
    stop: StopFlag,
    stop_after: usize,
    steps: std::cell::Cell<usize>,
}

impl Objective for Interrupting<'_> {
    fn loss(&self, batch: &Batch, train: bool) -> StepLoss {
        if train {
            self.steps.set(self.steps.get() + 1);
            if self.steps.get() == self.stop_after {
                self.stop.raise();
            }
        }
        let g = &batch.graphs;
        let logits = self
            .model
            .forward(&g.x, &batch.edges, &g.batch, batch.num_graphs, train)
            .logits;
        let correct = logits
            .argmax(-1, false)
            .eq_tensor(&g.y)
            .sum(Kind::Float)
            .double_value(&[]);
        StepLoss {
            loss: logits.cross_entropy_for_logits(&g.y),
            correct,
            total: batch.num_graphs as f64,
        }
    }
}

/// Trains a GAT student for 3 epochs in `run_dir`, stopping after `stop_after` steps (0: never) and
/// resuming until finished; returns the final weights.
fn train_gat(run_dir: &Path, cache: &Path, stop_after: usize) -> (Vec<(String, Tensor)>, usize) {
    let set = load_train(cache).unwrap();
    let cfg = PipelineConfig {
        gat_dropout: 0.3,
        ..config("gat,student", 3)
    };
    let (train, val) = split_indices(set.len(), cfg.seed);
    let data = Splits {
        set: &set,
        train,
        val,
        sample: None,
    };
    let mut preemptions = 0;
    loop {
        tch::manual_seed(1);
        let vs = nn::VarStore::new(Device::Cpu);
        let model = GatClassifier::new(&vs.root(), &cfg.gat(), 21);
        let objective = Interrupting {
            model: &model,
            stop: StopFlag::default(),
            stop_after: if preemptions == 0 { stop_after } else { 0 },
            steps: Default::default(),
        };
        match engine::train(&vs, &objective, &data, &cfg, run_dir, &objective.stop).unwrap() {
            Outcome::Preempted { .. } => preemptions += 1,
            Outcome::Finished { epochs, .. } => {
                assert_eq!(epochs, 3);
                let mut weights: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
                weights.sort_by(|a, b| a.0.cmp(&b.0));
                return (weights, preemptions);
            }
        }
    }
}

#[test]
fn an_interrupted_and_resumed_run_ends_with_exactly_the_same_weights() {
    let _turn = take_turn();
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    write_synthetic_cache(&cache, 80, 11).unwrap();
    let (whole, none) = train_gat(&root.path().join("whole"), &cache, 0);
    assert_eq!(none, 0);
    // 64 training graphs in batches of 16: 4 steps an epoch; stop in the middle of epoch 2.
    let (resumed, once) = train_gat(&root.path().join("resumed"), &cache, 6);
    assert_eq!(once, 1, "the run was interrupted once");
    for ((name, a), (_, b)) in whole.iter().zip(&resumed) {
        assert!(a.equal(b), "{name} differs after resuming");
    }
    let best =
        |dir: &str| std::fs::read(root.path().join(dir).join("best_model.safetensors")).unwrap();
    assert_eq!(
        best("whole"),
        best("resumed"),
        "the best checkpoints are identical"
    );
    let events = std::fs::read_to_string(root.path().join("resumed/events.jsonl")).unwrap();
    assert!(
        events.contains("\"preempted\"") && events.contains("\"resumed\""),
        "{events}"
    );
}
