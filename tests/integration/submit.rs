//! `kdgat submit` end to end with the local executor on a small dataset the test writes (CPU, a few
//! epochs): all three variants through the in-process supervisor; metrics.json, the project
//! database and `kdgat status --json` agree; with the test MLflow server, each run and its epoch
//! metrics are there exactly once, nested under the sweep's parent run; a second sweep skips what
//! is up to date, and a changed stage reruns only what depends on it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{kdgat, python, service, stderr, stdout, tiny_dataset};
use crate::tracking::import::{experiment_tags, read_back};
use crate::tracking::unique;

const QUICK: &[&str] = &[
    "--set",
    "max_epochs=2",
    "--set",
    "batch_size=8",
    "--set",
    "fusion_episodes=10",
    "--set",
    "episode_sample_size=32",
    "--set",
    "dqn_batch_size=16",
    "--set",
    "device=cpu",
];

/// `kdgat submit tiny` in `dir`: the test's catalog and data, no MLflow unless the caller sets it.
pub fn submit_tiny(dir: &Path) -> Command {
    let mut command = kdgat();
    command
        .current_dir(dir)
        .env_remove("MLFLOW_TRACKING_URI")
        .args(["--catalog", "catalog.yaml", "--data-root", "data"])
        .args(["submit", "tiny"]);
    command
}

/// Writes `dir/cluster.toml`: batch jobs run the trivial stage (scripts/bench/trivial_job.sh) in
/// place of kdgat, then `rest` of the config.
pub fn trivial_jobs(dir: &Path, rest: &str) {
    trivial_jobs_with(dir, &[], rest);
}

/// [`trivial_jobs`], the trivial stage run with `env` (`TRIVIAL_SECONDS=5`, `TRIVIAL_FAIL=fatal`).
pub fn trivial_jobs_with(dir: &Path, env: &[&str], rest: &str) {
    let job = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench/trivial_job.sh");
    let command: Vec<String> = ["env"]
        .iter()
        .chain(env)
        .map(|s| format!("\"{s}\""))
        .chain([format!("\"bash\", \"{}\"", job.display())])
        .collect();
    let config = format!("job_command = [{}]\n{rest}", command.join(", "));
    std::fs::write(dir.join("cluster.toml"), config).unwrap();
}

/// Runs `command`, asserts that it succeeded, and returns its stdout.
fn succeeded(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    stdout(&out)
}

fn submit(dir: &Path, uri: Option<&str>, extra: &[&str]) -> String {
    let mut command = submit_tiny(dir);
    command.args(QUICK).args(extra);
    if let Some(uri) = uri {
        command.env("MLFLOW_TRACKING_URI", uri);
    }
    succeeded(&mut command)
}

fn json_of(dir: &Path, args: &[&str]) -> Value {
    let out = kdgat().current_dir(dir).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `kdgat submit tiny EXTRA --dry-run --json` in `dir`: the plan.
fn dry_run(dir: &Path, extra: &[&str]) -> Value {
    let out = succeeded(submit_tiny(dir).args(extra).args(["--dry-run", "--json"]));
    serde_json::from_str(&out).unwrap()
}

/// The planned run `run` of a dry run's plan.
fn planned<'a>(plan: &'a Value, run: &str) -> &'a Value {
    plan["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run"] == run)
        .unwrap_or_else(|| panic!("{run} is not planned: {plan}"))
}

#[test]
fn a_sweep_of_three_variants_agrees_everywhere_and_reruns_only_what_changed() {
    let uri = service("MLFLOW_TRACKING_URI", "submit with MLflow");
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 6);
    let experiment = unique("kdgat-submit");
    let first = {
        let mut command = submit_tiny(dir);
        command
            .env("MLFLOW_EXPERIMENT_NAME", &experiment)
            .args(QUICK)
            .args(["--name", "first"]);
        if let Some(uri) = &uri {
            command.env("MLFLOW_TRACKING_URI", uri);
        }
        succeeded(&mut command)
    };
    assert!(
        first.contains("sweep first finished: 13 of 13 runs complete"),
        "{first}"
    );

    // metrics.json, the project database and the status agree, run by run.
    let status = json_of(dir, &["status", "first", "--json"]);
    let rows = status.as_array().unwrap();
    assert_eq!(rows.len(), 13);
    let db = json_of(
        dir,
        &[
            "db",
            "query",
            "SELECT run_id, status FROM runs ORDER BY run_id",
            "--json",
        ],
    );
    for (row, db_row) in rows.iter().zip(db.as_array().unwrap()) {
        assert_eq!(row["run"], db_row["run_id"]);
        assert_eq!(
            (row["state"].as_str(), db_row["status"].as_str()),
            (Some("complete"), Some("complete"))
        );
        assert_eq!(row["attempt"], 1, "{row}");
    }
    for eval in [
        "teacher_evaluation",
        "student_evaluation_kd",
        "student_evaluation",
    ] {
        let path = dir
            .join("experimentruns/tiny")
            .join(eval)
            .join("metrics.json");
        let metrics: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let f1 = &metrics["gat"]["core"]["f1"];
        let stored = json_of(
            dir,
            &[
                "db",
                "query",
                &format!(
                    "SELECT value FROM metrics WHERE run_id = 'tiny/{eval}' AND model = 'gat' \
                     AND scenario = 'val' AND metric_name = 'f1'"
                ),
                "--json",
            ],
        );
        assert_eq!(&stored[0]["value"], f1, "{eval}");
        assert!(
            metrics["test"]["fusion"]["test_01_known"]["core"]["f1"].is_f64(),
            "{eval}: the fusion agent on the test scenario"
        );
    }
    let kd_config: Value = serde_json::from_slice(
        &std::fs::read(dir.join("experimentruns/tiny/student_curriculum_kd/config.json")).unwrap(),
    )
    .unwrap();
    assert!(
        kd_config["teacher_path"]
            .as_str()
            .unwrap()
            .ends_with("experimentruns/tiny/teacher_curriculum/best_model.safetensors"),
        "{kd_config}"
    );

    if let (Some(uri), Some(python)) = (&uri, python("submit with MLflow")) {
        let back = read_back(&python, uri, &experiment);
        let parent = &back["sweep first"];
        assert_eq!(
            back.len(),
            14,
            "the sweep and its 13 runs: {:?}",
            back.keys()
        );
        let vgae = &back["tiny/teacher_autoencoder"];
        assert_eq!(vgae["tags"]["mlflow.parentRunId"], parent["run_id"]);
        assert_eq!(vgae["status"], "FINISHED");
        // Every epoch once: the events the run wrote, each step once.
        let history: Vec<(i64, f64)> =
            serde_json::from_value(vgae["history"]["val_loss"].clone()).unwrap();
        assert_eq!(history.iter().map(|h| h.0).collect::<Vec<_>>(), [0, 1]);
        let eval = &back["tiny/student_evaluation_kd"];
        assert!(eval["metrics"]["gat_f1"].is_f64(), "{eval}");
        assert_eq!(parent["status"], "FINISHED");
        assert!(
            vgae["duration_ms"].as_f64().unwrap() > 0.0,
            "a true duration: {vgae}"
        );
        let tags = experiment_tags(&python, uri, &experiment);
        assert_eq!(
            tags["mlflow.experimentKind"], "custom_model_development",
            "{tags}"
        );
    }

    // Everything is up to date.
    let again = submit(dir, None, &["--name", "again"]);
    assert_eq!(again.matches(": up to date").count(), 13, "{again}");
    // A new fusion setting reruns the three fusion stages and the evaluations after them, and
    // nothing else: not the distilled student's autoencoder or curriculum.
    let changed = submit(
        dir,
        None,
        &["--name", "changed", "--set", "fusion.fusion_episodes=15"],
    );
    let skipped: std::collections::BTreeSet<&str> = changed
        .lines()
        .filter_map(|l| l.strip_suffix(": up to date")?.rsplit(' ').next())
        .collect();
    let want: std::collections::BTreeSet<&str> = [
        "tiny/graphs",
        "tiny/teacher_autoencoder",
        "tiny/teacher_curriculum",
        "tiny/student_autoencoder_kd",
        "tiny/student_curriculum_kd",
        "tiny/student_autoencoder",
        "tiny/student_curriculum",
    ]
    .into();
    assert_eq!(skipped, want, "{changed}");
    let events =
        std::fs::read_to_string(dir.join("experimentruns/tiny/teacher_fusion/events.jsonl"))
            .unwrap();
    assert!(events.contains("\"step\":15"), "{events}");
    let sweeps = json_of(dir, &["status", "--json"]);
    let states: BTreeMap<String, String> = sweeps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["sweep"].as_str().unwrap().into(),
                s["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(states.len(), 3);
    assert!(states.values().all(|s| s == "finished"), "{states:?}");
}

#[test]
fn the_dry_run_shows_the_plan_and_submits_nothing() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 1);
    let plan = dry_run(
        dir,
        &["--variant", "student-kd", "--set", "curriculum.lr=0.01,0.1"],
    );
    // graphs, the teacher's chain (shared autoencoder, two curricula, fusions and evaluations),
    // and the distilled student's likewise.
    assert_eq!(plan["runs"].as_array().unwrap().len(), 1 + 2 * (1 + 3 * 2));
    assert_eq!(plan["to_run"], 15);
    assert_eq!(plan["gpu_hours_at_most"], 14.0 * 6.0 - 4.0 * 4.0);
    let cur = planned(&plan, "tiny/student_curriculum_kd.curriculum-lr-0.01");
    assert_eq!(cur["resources"]["time_minutes"], 360);
    assert!(
        cur["deps"]
            .as_array()
            .unwrap()
            .contains(&Value::from("tiny/teacher_curriculum.curriculum-lr-0.01"))
    );
    assert!(!dir.join(".kdgat").exists(), "a dry run touches no state");
    assert!(!dir.join("experimentruns").exists());
}

#[test]
fn names_that_would_escape_are_refused_with_the_field_named() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 1);
    std::fs::write(
        dir.join("evil.yaml"),
        "../evil:\n  domain: automotive\n  csv_dir: data/tiny\n  train_subdir: train_01_attack_free\n",
    )
    .unwrap();
    for (catalog, args, want) in [
        ("catalog.yaml", vec!["submit", "../etc"], "dataset `../etc`"),
        (
            "catalog.yaml",
            vec!["submit", "tiny", "--name", "../x"],
            "sweep name `../x`",
        ),
        (
            "catalog.yaml",
            vec!["submit", "tiny", "--set", "../lr=1"],
            "unknown stage",
        ),
        ("evil.yaml", vec!["submit", "../evil"], "../evil"),
    ] {
        let out = kdgat()
            .current_dir(dir)
            .args(["--catalog", catalog, "--data-root", "data"])
            .args(&args)
            .arg("--dry-run")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    assert!(!dir.join("experimentruns").exists());
}

#[test]
fn an_interrupted_run_is_never_reported_finished() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 1);
    // A run stopped with a resumable checkpoint after an improving epoch: its best checkpoint is
    // there, and so is resume.json.
    let run = dir.join("experimentruns/tiny/teacher_autoencoder");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("config.json"), "{\"use_kd\": false}").unwrap();
    std::fs::write(run.join("best_model.safetensors"), "weights").unwrap();
    std::fs::write(run.join("resume.json"), "{\"generation\": 0}").unwrap();
    std::fs::write(
        run.join("events.jsonl"),
        "{\"kind\":\"started\",\"time_ms\":1}\n{\"kind\":\"checkpoint\",\"time_ms\":2}\n\
         {\"kind\":\"preempted\",\"time_ms\":3}\n",
    )
    .unwrap();
    let out = kdgat()
        .current_dir(dir)
        .args(["recover", "--runs-dir", "experimentruns"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let status = json_of(
        dir,
        &[
            "db",
            "query",
            "SELECT status FROM runs WHERE run_id = 'tiny/teacher_autoencoder'",
            "--json",
        ],
    );
    assert_eq!(status[0]["status"], "unknown");
    let plan = dry_run(dir, &["--variant", "teacher"]);
    let row = planned(&plan, "tiny/teacher_autoencoder");
    assert_eq!(row["runs"], true, "{row}");
    assert_ne!(row["why"], "up to date");
}

#[test]
fn jobs_get_none_of_the_supervisors_credentials_and_their_logs_are_at_hand() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 1);
    trivial_jobs(dir, "[local]\nmax_running = 2\n");
    // No server: the point is what reaches the job, not delivery.
    succeeded(
        submit_tiny(dir)
            .env("MLFLOW_TRACKING_TOKEN", "s3cret-token")
            .env("AWS_SECRET_ACCESS_KEY", "s3cret-key")
            .args(["--variant", "teacher", "--cluster-config", "cluster.toml"]),
    );
    let env = std::fs::read_to_string(dir.join("experimentruns/tiny/teacher_fusion/job-env.txt"))
        .unwrap();
    assert!(env.contains("OMP_NUM_THREADS="), "{env}");
    assert!(!env.contains("s3cret") && !env.contains("MLFLOW"), "{env}");
    // `kdgat logs`: the batch job's output, by run id, from the state the sweep left.
    let logs = |args: &[&str]| {
        kdgat()
            .current_dir(dir)
            .arg("logs")
            .args(args)
            .output()
            .unwrap()
    };
    let run_dir = dir.join("experimentruns/tiny/teacher_fusion");
    let out = logs(&["tiny/teacher_fusion"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("trivial stage done: {}\n", run_dir.display())
    );
    let out = logs(&["tiny/teacher_fusion", "--stderr", "--follow"]);
    assert_eq!(
        stdout(&out),
        format!("nothing went wrong: {}\n", run_dir.display()),
        "an ended attempt is printed, not followed"
    );
    for (args, message) in [
        (
            &["tiny/teacher_fusion", "--attempt", "2"][..],
            "run `tiny/teacher_fusion` has no attempt 2",
        ),
        (&["tiny/nothing"][..], "run `tiny/nothing` has no attempt"),
    ] {
        let out = logs(args);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
}
