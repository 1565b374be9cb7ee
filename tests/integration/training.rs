//! `kdgat job exec` end to end on a small synthetic graph cache (CPU): a stage run to the end, and
//! the same run stopped with SIGTERM in the middle (exit 75, a resumable checkpoint), then run again:
//! it resumes and ends with a best checkpoint identical to the uninterrupted run's, byte for byte,
//! and the same per-epoch metrics.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kdgat_jobs::config::write_config;
use kdgat_jobs::config::{PipelineConfig, Preset};
use kdgat_jobs::graph::synthetic::write_synthetic_cache;
use serde_json::Value;

use crate::support::{kdgat, stderr};

fn spec(root: &Path, name: &str) -> PathBuf {
    let config = PipelineConfig {
        max_epochs: 12,
        patience: 100,
        batch_size: 16,
        device: "cpu".into(),
        use_kd: false,
        ..preset("gat,student")
    };
    write_config(&config, &root.join("config.json")).unwrap();
    let spec = root.join(format!("{name}.spec.json"));
    let text = format!(
        r#"{{"stage": "normal", "config": "config.json", "run_dir": "runs/{name}", "cache_dir": "cache"}}"#
    );
    std::fs::write(&spec, text).unwrap();
    spec
}

fn preset(name: &str) -> PipelineConfig {
    name.parse::<Preset>().unwrap().config()
}

fn epoch_metrics(run_dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(run_dir.join("events.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["kind"] == "epoch")
        .map(|e| e["metrics"].clone())
        .collect()
}

#[test]
fn a_job_stopped_by_sigterm_resumes_to_the_same_result() {
    let root = tempfile::tempdir().unwrap();
    write_synthetic_cache(&root.path().join("cache"), 240, 5).unwrap();

    let whole = kdgat()
        .args(["job", "exec", "--spec"])
        .arg(spec(root.path(), "whole"))
        .output()
        .unwrap();
    assert!(whole.status.success(), "{}", stderr(&whole));

    let child = kdgat()
        .args(["job", "exec", "--spec"])
        .arg(spec(root.path(), "stopped"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stopped = root.path().join("runs/stopped");
    let deadline = Instant::now() + Duration::from_secs(120);
    while epoch_metrics(&stopped).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    let interrupted = epoch_metrics(&stopped).len();
    assert_eq!(
        out.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("resumable checkpoint"));
    assert!(stopped.join("resume.json").is_file());
    assert!(
        interrupted < 12,
        "stopped before the end ({interrupted} epochs)"
    );

    let again = kdgat()
        .args(["job", "exec", "--spec"])
        .arg(root.path().join("stopped.spec.json"))
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    let whole_dir = root.path().join("runs/whole");
    assert_eq!(epoch_metrics(&stopped).len(), 12);
    for (a, b) in epoch_metrics(&whole_dir)
        .iter()
        .zip(epoch_metrics(&stopped))
    {
        assert_eq!(a["val_loss"], b["val_loss"]);
        assert_eq!(a["train_loss"], b["train_loss"]);
    }
    assert_eq!(
        std::fs::read(whole_dir.join("best_model.safetensors")).unwrap(),
        std::fs::read(stopped.join("best_model.safetensors")).unwrap(),
        "the resumed run's best checkpoint is the uninterrupted run's"
    );
    for file in ["config.json", "benchmark.tsv", "events.jsonl"] {
        assert!(stopped.join(file).is_file(), "{file}");
    }
    assert!(!stopped.join("resume.json").exists());
}

/// Runs `kdgat job exec --spec PATH`, expects exit 3 (invalid input), returns stderr.
fn refused(path: &Path) -> String {
    let out = kdgat()
        .args(["job", "exec", "--spec"])
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    stderr(&out)
}

#[test]
fn bad_specs_are_refused_with_the_file_and_field() {
    let root = tempfile::tempdir().unwrap();
    let missing = refused(&root.path().join("nope.json"));
    assert!(missing.contains("nope.json"), "{missing}");
    let path = root.path().join("spec.json");
    for (spec, expected) in [
        (
            r#"{"stage": "fuson", "config": "c", "run_dir": "r", "cache_dir": "x"}"#,
            "unknown stage `fuson`",
        ),
        (
            r#"{"stage": "normal", "config": "c.json", "run_dir": "r", "cache_dir": "x"}"#,
            "c.json",
        ),
        (r#"{"stage": "normal", "config": 5}"#, "`config`"),
    ] {
        std::fs::write(&path, spec).unwrap();
        let err = refused(&path);
        assert!(err.contains(expected), "{spec}: {err}");
    }
}
