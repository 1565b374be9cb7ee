//! Issue 19: `spec.json` (read by `kdgat job exec`, written by the supervisor or by hand) never
//! makes its parser panic: arbitrary text, a valid spec with bytes changed, deep nesting. Kept in
//! its own file so that it moves with the spec's parser. Bounded cases keep it fast.

#![cfg(feature = "train")]

use kdgat_jobs::stages::JobSpec;
use proptest::prelude::*;

const SPEC: &str = r#"{"stage": "normal", "config": "config.json", "run_dir": "runs/x",
  "cache_dir": "data/cache/hcrl_sa", "base_dir": ".", "legacy": false}"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn the_spec_parser_never_panics(
        text in "[ -~\n\t]{0,300}",
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        depth in 0usize..400,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("spec.json");
        let mut mutated = SPEC.as_bytes().to_vec();
        for (at, byte) in edits {
            let len = mutated.len();
            mutated[at % len] = byte;
        }
        let deep = format!("{{\"stage\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
        for bytes in [text.into_bytes(), mutated, deep.into_bytes()] {
            std::fs::write(&file, bytes).unwrap();
            let _ = JobSpec::load(&file);
        }
    }
}
