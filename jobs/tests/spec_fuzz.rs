//! Issue 19: `spec.json` (read by `kdgat job exec`, written by the supervisor or by hand) never
//! makes its parser panic: arbitrary text, a valid spec with bytes changed, deep nesting. Kept in
//! its own file so that it moves with the spec's parser.

mod fuzz_inputs;

use kdgat_jobs::run_dir::JobSpec;
use proptest::prelude::*;

use fuzz_inputs::{CASES, edits, mutate, nested, text};

const SPEC: &str = r#"{"version": 2, "stage": "normal", "config": "config.json", "run_dir": "runs/x",
  "cache_dir": "data/cache/hcrl_sa", "base_dir": ".", "legacy": false, "resume": true,
  "upstream": {"autoencoder": "runs/a"}, "inputs": {"d/graphs": "t"}}"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn the_spec_parser_never_panics(text in text(), edits in edits(), depth in 0usize..400) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("spec.json");
        let deep = format!("{{\"stage\": {}}}", nested("[", "]", depth));
        for bytes in [text.into_bytes(), mutate(SPEC, &edits), deep.into_bytes()] {
            std::fs::write(&file, bytes).unwrap();
            let _ = JobSpec::load(&file);
        }
    }
}
