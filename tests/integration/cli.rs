//! The command line: help for every subcommand, plain refusals for commands not built yet, `config`
//! and `datasets` end to end.

use kdgat_jobs::reference_data::shared_dir_or_skip;
use serde_json::Value;

use crate::support::{run, stderr, stdout};

const SUBCOMMANDS: &[&str] = &[
    "datasets",
    "config",
    "ingest",
    "graphs",
    "synth",
    "models",
    "submit",
    "daemon",
    "status",
    "cancel",
    "report",
    "recover",
    "db",
    "analytics",
    "mlflow",
    "job",
    "completions",
];

#[test]
fn every_subcommand_has_help() {
    let top = run(&["--help"]);
    assert!(top.status.success());
    for sub in SUBCOMMANDS {
        assert!(stdout(&top).contains(sub), "top-level help lacks {sub}");
        let help = run(&[sub, "--help"]);
        assert!(
            help.status.success(),
            "{sub} --help failed: {}",
            stderr(&help)
        );
        assert!(
            stdout(&help).lines().next().is_some_and(|l| l.len() > 20),
            "{sub}: no description"
        );
    }
}

#[test]
fn completions_cover_every_subcommand_and_complete_in_bash() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "the {shell} script lacks {sub}");
        }
    }
    // Loaded into bash, the script completes a partial subcommand and a flag of it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kdgat.bash");
    std::fs::write(&file, run(&["completions", "bash"]).stdout).unwrap();
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let script = format!(
            "source {}; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT={}; \
             _kdgat kdgat '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display(),
            line,
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(complete("kdgat subm").trim(), "submit");
    assert!(complete("kdgat submit --vari").contains("--variant"));
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn commands_that_need_the_daemon_say_none_runs_and_how_to_start_one() {
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().to_str().unwrap();
    for args in [
        &["--state-dir", state_dir, "daemon", "status"][..],
        &["--state-dir", state_dir, "cancel", "x"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(4), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "error: no daemon runs for state directory {state_dir}"
            )) && err.contains("  fix: `kdgat daemon start` starts one"),
            "{err}"
        );
    }
    let out = run(&["--state-dir", state_dir, "daemon", "stop"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("no daemon runs"), "{}", stdout(&out));
}

#[test]
fn config_show_resolves_preset_and_overrides() {
    let out = run(&[
        "config",
        "show",
        "--preset",
        "gat,student",
        "--set",
        "lr=0.01",
        "--set",
        "dataset=hcrl_sa",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let config: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(config["lr"], 0.01);
    assert_eq!(config["gat_hidden"], 24);
    assert_eq!(config["model_size"], "student");
    assert_eq!(config["use_kd"], true);
    assert_eq!(config["dataset"], "hcrl_sa");
    assert_eq!(config.as_object().unwrap().len(), 77);
}

#[test]
fn config_show_rejects_bad_input_with_exit_code_3() {
    let out = run(&[
        "config",
        "show",
        "--preset",
        "gat,student",
        "--set",
        "gat_hiden=3",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("did you mean `gat_hidden`"),
        "{}",
        stderr(&out)
    );
    let out = run(&["config", "show", "--set", "lr=-1"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("lr must be > 0"), "{}", stderr(&out));
    let out = run(&["config", "show", "--preset", "mlp,teacher"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn config_diff_prints_the_differing_keys() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    std::fs::write(&a, r#"{"lr": 0.001, "gat_hidden": 24, "extra_key": 1}"#).unwrap();
    std::fs::write(&b, r#"{"lr": 0.003, "gat_hidden": 24}"#).unwrap();
    let out = run(&["config", "diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "extra_key: 1 -> (absent)\nlr: 0.001 -> 0.003\n"
    );
}

#[test]
fn datasets_lists_what_is_on_disk() {
    let Some(shared) = shared_dir_or_skip("datasets listing") else {
        return;
    };
    let data_root = shared.join("data");
    let out = run(&[
        "datasets",
        "--json",
        "--data-root",
        data_root.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let by_name = |name: &str| {
        listing
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap()
            .clone()
    };
    let sa = by_name("hcrl_sa");
    assert_eq!(sa["status"], "present");
    assert_eq!(sa["files"], 13);
    assert_eq!(by_name("set_01")["status"], "missing");

    let table = run(&["datasets", "--data-root", data_root.to_str().unwrap()]);
    assert!(
        stdout(&table)
            .lines()
            .any(|l| l.starts_with("hcrl_sa") && l.contains("present"))
    );
}

#[test]
fn a_bad_catalog_file_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("datasets.yaml");
    std::fs::write(&catalog, "x:\n  domain: a\n  unexpected: 1\n").unwrap();
    let out = run(&["datasets", "--catalog", catalog.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("datasets.yaml") && stderr(&out).contains("unexpected"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn models_prints_the_references_parameter_counts() {
    for (preset, parameters) in [
        ("gat,teacher", 1_671_698),
        ("gat,student", 102_410),
        ("vgae,teacher", 448_320),
        ("vgae,student", 85_908),
    ] {
        let out = run(&["models", "--preset", preset, "--num-ids", "2049", "--json"]);
        assert!(out.status.success(), "{preset}: {}", stderr(&out));
        let inv: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(inv["parameters"], parameters, "{preset}");
        let summed: i64 = inv["tensors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["trainable"] == true)
            .map(|t| {
                t["shape"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_i64().unwrap())
                    .product::<i64>()
            })
            .sum();
        assert_eq!(summed, parameters, "{preset}: tensors add up to the total");
    }
    let bad = run(&["models", "--preset", "gat,teacher", "--set", "gat_heads=0"]);
    assert_eq!(bad.status.code(), Some(3));
    assert!(
        stderr(&bad).contains("gat_heads must be >= 1"),
        "{}",
        stderr(&bad)
    );
}
