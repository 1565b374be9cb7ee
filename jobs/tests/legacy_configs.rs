//! Every `config.json` the reference pipeline wrote (shared/legacy/experimentruns) loads unchanged,
//! keeps its unknown keys, passes field validation, and round-trips through save → load.

use std::path::{Path, PathBuf};

use kdgat_jobs::config::{LoadedConfig, load_config, save_config};
use kdgat_jobs::reference_data::shared_dir_or_skip;
use serde_json::Value;

fn legacy_configs(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dataset in std::fs::read_dir(root).unwrap() {
        for run in std::fs::read_dir(dataset.unwrap().path()).unwrap() {
            let path = run.unwrap().path().join("config.json");
            if path.is_file() {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_legacy_config_loads_validates_and_round_trips() {
    let Some(shared) = shared_dir_or_skip("legacy configs") else {
        return;
    };
    let paths = legacy_configs(&shared.join("legacy/experimentruns"));
    let out = tempfile::tempdir().unwrap();
    for path in &paths {
        let loaded = load_config(path).unwrap_or_else(|e| panic!("{e}"));
        loaded
            .config
            .validate_fields()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let original: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        // Unknown keys are kept with their values; known keys equal the file's values.
        let Value::Object(original) = original else {
            panic!("{} is not an object", path.display())
        };
        for (key, value) in &original {
            assert_eq!(
                loaded.to_json_map().get(key),
                Some(value),
                "{}: {key}",
                path.display()
            );
        }
        let saved = out.path().join("config.json");
        save_config(&loaded, &saved).unwrap();
        let reloaded: LoadedConfig = load_config(&saved).unwrap();
        assert_eq!(reloaded, loaded, "{} does not round-trip", path.display());
    }
    println!("read {} legacy config.json files", paths.len());
    assert!(
        paths.len() >= 70,
        "expected the 70 legacy configs, found {}",
        paths.len()
    );
}

#[test]
fn legacy_unknown_keys_are_reported_and_missing_keys_default() {
    let Some(shared) = shared_dir_or_skip("legacy unknown keys") else {
        return;
    };
    let path = shared.join("legacy/experimentruns/hcrl_sa/student_curriculum_kd/config.json");
    let loaded = load_config(&path).unwrap();
    let unknown: Vec<&str> = loaded.unknown.keys().map(String::as_str).collect();
    assert_eq!(
        unknown,
        [
            "batch_size_mode",
            "max_batch_size_trials",
            "find_unused_parameters"
        ]
    );
    assert_eq!(
        loaded.config.teacher_path,
        "experimentruns/hcrl_sa/teacher_curriculum/best_model.pt"
    );
    // This file predates `gat_fc_layers`: it takes the default.
    assert_eq!(loaded.config.gat_fc_layers, 3);
}

#[test]
fn builtin_catalog_is_the_legacy_datasets_yaml_and_the_synthetic_dataset() {
    let Some(shared) = shared_dir_or_skip("legacy catalog") else {
        return;
    };
    let legacy =
        kdgat_jobs::catalog::Catalog::from_file(&shared.join("legacy/datasets.yaml")).unwrap();
    let builtin = kdgat_jobs::catalog::Catalog::builtin();
    for (name, entry) in legacy.iter() {
        assert_eq!(builtin.get(name), Some(entry), "{name}");
    }
    let added: Vec<&str> = builtin
        .names()
        .filter(|n| legacy.get(n).is_none())
        .collect();
    assert_eq!(
        added,
        [kdgat_jobs::synth::DATASET],
        "the one dataset kdgat adds"
    );
}
