//! Issue 19: the parsers of outside input never panic, whatever they are given — the catalog YAML
//! and a config JSON, as arbitrary text, as valid files with bytes changed, and as deep nesting.
//! Each property runs a bounded number of cases, so the file stays fast.

use std::path::Path;

use kdgat_jobs::catalog::Catalog;
use kdgat_jobs::config::load_config;
use proptest::prelude::*;

const CATALOG: &str = "tiny:\n  domain: automotive\n  csv_dir: data/tiny\n  \
                       train_subdir: train_01\n  train_attack_subdir: train_02\n  \
                       test_subdirs: [test_01, test_02]\n  csv_columns: {timestamp: float}\n";
const CONFIG: &str = r#"{"lr": 0.003, "gat_hidden": 48, "vgae_hidden_dims": [480, 240, 48],
  "precision": "16-mixed", "use_kd": false, "teacher_path": "", "extra": {"a": [1, 2]}}"#;

/// `text` with the bytes at `edits` replaced (positions wrap around the text).
fn mutate(text: &str, edits: &[(usize, u8)]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, byte) in edits {
        let len = bytes.len();
        bytes[at % len] = byte;
    }
    bytes
}

/// Text that is mostly the given characters, nested up to `depth` deep.
fn nested(open: &str, close: &str, depth: usize) -> String {
    format!("{}{}", open.repeat(depth), close.repeat(depth))
}

fn parse_catalog(file: &Path, bytes: &[u8]) {
    std::fs::write(file, bytes).unwrap();
    let _ = Catalog::from_file(file);
}

fn parse_config(file: &Path, bytes: &[u8]) {
    std::fs::write(file, bytes).unwrap();
    let _ = load_config(file);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn the_catalog_parser_never_panics(
        text in "[ -~\n\t]{0,300}",
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        depth in 0usize..400,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("datasets.yaml");
        parse_catalog(&file, text.as_bytes());
        parse_catalog(&file, &mutate(CATALOG, &edits));
        parse_catalog(&file, nested("[", "]", depth).as_bytes());
        parse_catalog(&file, format!("x: {}", nested("{a: ", "}", depth)).as_bytes());
    }

    #[test]
    fn the_config_parser_never_panics(
        text in "[ -~\n\t]{0,300}",
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        depth in 0usize..400,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.json");
        parse_config(&file, text.as_bytes());
        parse_config(&file, &mutate(CONFIG, &edits));
        parse_config(&file, format!("{{\"extra\": {}}}", nested("[", "]", depth)).as_bytes());
    }
}
