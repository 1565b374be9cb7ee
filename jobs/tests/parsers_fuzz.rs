//! Issue 19: the parsers of outside input never panic, whatever they are given — the catalog YAML
//! and a config JSON, as arbitrary text, as valid files with bytes changed, and as deep nesting.

mod fuzz_inputs;

use kdgat_jobs::catalog::Catalog;
use kdgat_jobs::config::load_config;
use proptest::prelude::*;

use fuzz_inputs::{CASES, edits, mutate, nested, text};

const CATALOG: &str = "tiny:\n  domain: automotive\n  csv_dir: data/tiny\n  \
                       train_subdir: train_01\n  train_attack_subdir: train_02\n  \
                       test_subdirs: [test_01, test_02]\n  csv_columns: {timestamp: float}\n";
const CONFIG: &str = r#"{"lr": 0.003, "gat_hidden": 48, "vgae_hidden_dims": [480, 240, 48],
  "precision": "16-mixed", "use_kd": false, "teacher_path": "", "extra": {"a": [1, 2]}}"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn the_catalog_parser_never_panics(text in text(), edits in edits(), depth in 0usize..400) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("datasets.yaml");
        let deep_map = format!("x: {}", nested("{a: ", "}", depth));
        for bytes in [
            text.into_bytes(),
            mutate(CATALOG, &edits),
            nested("[", "]", depth).into_bytes(),
            deep_map.into_bytes(),
        ] {
            std::fs::write(&file, bytes).unwrap();
            let _ = Catalog::from_file(&file);
        }
    }

    #[test]
    fn the_config_parser_never_panics(text in text(), edits in edits(), depth in 0usize..400) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.json");
        let deep = format!("{{\"extra\": {}}}", nested("[", "]", depth));
        for bytes in [text.into_bytes(), mutate(CONFIG, &edits), deep.into_bytes()] {
            std::fs::write(&file, bytes).unwrap();
            let _ = load_config(&file);
        }
    }
}
