//! The data stages on the real hcrl_sa captures: the reference's graph counts in `--legacy` mode,
//! the default mode's fixes, CSV and Parquet giving byte-identical caches, corrupt and stale caches
//! rebuilt, ingest output read back by pyarrow, and graphs equal to the reference algorithm's.

use std::path::Path;

use serde_json::Value;

use crate::support::{kdgat, python, run_ok_in, shared_data_root, stderr};

fn graphs_json(dir: &Path, data_root: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "--data-root",
        data_root.to_str().unwrap(),
        "graphs",
        "hcrl_sa",
        "--json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&run_ok_in(dir, &args)).unwrap()
}

fn scenario_counts(meta: &Value) -> Vec<u64> {
    meta["test_scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[1]["num_graphs"].as_u64().unwrap())
        .collect()
}

#[test]
fn legacy_mode_reproduces_the_reference_counts() {
    let Some(data) = shared_data_root("legacy graph counts") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let meta = graphs_json(work.path(), &data, &["--legacy"]);
    assert_eq!(meta["num_graphs"], 9364);
    assert_eq!(meta["split"], serde_json::json!([7491, 1873]));
    assert_eq!(scenario_counts(&meta), [3994, 1861, 3060, 797]);
    assert_eq!(meta["num_unique_ids"], 2049);
    assert_eq!(meta["source_csv_count"], 6);
    assert_eq!(meta["preprocessing_version"], "1.0");
}

#[test]
fn default_mode_fixes_the_quirks_and_says_so() {
    let Some(data) = shared_data_root("default graph counts") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let meta = graphs_json(work.path(), &data, &[]);
    // Duplicated attack-free captures counted once; every row kept (1925 + 1171 + 1819 + 1356).
    assert_eq!(meta["num_graphs"], 6271);
    assert_eq!(meta["source_csv_count"], 4);
    assert_eq!(scenario_counts(&meta), [3994, 1861, 3060, 797]);
    let changes = meta["build"]["changes"].to_string();
    assert!(
        changes.contains("attack-free-kia.csv is byte-identical"),
        "{changes}"
    );
    assert!(
        changes.contains("rows kept that the reference's 5000-row chunking drops"),
        "{changes}"
    );

    // A second run finds the cache fresh; a damaged file is detected and rebuilt.
    let again = graphs_json(work.path(), &data, &[]);
    assert!(
        again.get("build").is_none(),
        "expected the cache to be reused"
    );
    let train = work.path().join("data/cache/hcrl_sa/train.kgc");
    let mut bytes = std::fs::read(&train).unwrap();
    bytes[1000] ^= 1;
    std::fs::write(&train, bytes).unwrap();
    let out = kdgat()
        .current_dir(work.path())
        .args(["--data-root", data.to_str().unwrap(), "graphs", "hcrl_sa"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is corrupt (") && stderr(&out).contains("checksum mismatch"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn parquet_and_csv_inputs_give_identical_caches_and_pyarrow_reads_the_parquet() {
    let Some(data) = shared_data_root("parquet vs csv") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let root = data.to_str().unwrap();
    let ingest: Value = serde_json::from_str(&run_ok_in(
        work.path(),
        &["--data-root", root, "ingest", "hcrl_sa", "--json"],
    ))
    .unwrap();
    let stats = &ingest[0]["stats"];
    assert_eq!(
        (stats["files"].as_u64(), stats["rows"].as_u64()),
        (Some(13), Some(1_908_595))
    );
    assert_eq!(stats["unique_ids"], 2048);

    run_ok_in(
        work.path(),
        &[
            "--data-root",
            root,
            "graphs",
            "hcrl_sa",
            "--cache-root",
            "csv-cache",
        ],
    );
    run_ok_in(
        work.path(),
        &[
            "--data-root",
            root,
            "graphs",
            "hcrl_sa",
            "--from",
            "parquet",
            "--cache-root",
            "pq-cache",
        ],
    );
    for file in [
        "train.kgc",
        "test_01_known_vehicle_known_attack.kgc",
        "test_04_unknown_vehicle_unknown_attack.kgc",
    ] {
        let csv = std::fs::read(work.path().join("csv-cache/hcrl_sa").join(file)).unwrap();
        let pq = std::fs::read(work.path().join("pq-cache/hcrl_sa").join(file)).unwrap();
        assert!(csv == pq, "{file} differs between CSV and Parquet input");
    }

    let Some(py) = python("pyarrow reads our parquet") else {
        return;
    };
    let parquet = work
        .path()
        .join("data/parquet/automotive/hcrl_sa/train_02_with_attacks__DoS-kia.parquet");
    let script = r#"
import sys, pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
t = f.read()
print(t.schema.to_string(show_schema_metadata=False).replace("\n", ";"))
print(t.num_rows, f.metadata.num_row_groups, t.column("source_file")[0], hex(t.column("id")[0].as_py()))
"#;
    let out = std::process::Command::new(py)
        .args(["-c", script, parquet.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.starts_with("timestamp: double not null;id: uint32 not null;data_field: string not null;label: uint8 not null;source_file: string not null"), "{text}");
    assert!(
        text.contains("181901 1 train_02_with_attacks/DoS-kia.csv"),
        "{text}"
    );
}

#[test]
fn legacy_graphs_equal_the_reference_algorithm_bit_for_bit() {
    let Some(data) = shared_data_root("graphs vs reference") else {
        return;
    };
    let Some(py) = python("graphs vs reference") else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench/reference_graphs.py");
    let dataset = data.join("automotive/hcrl_sa");
    // Windows at the start, across the first 5000-row chunk boundary (rows 4900..4999), and later.
    for (file, window) in [
        ("train_02_with_attacks/DoS-kia.csv", 0),
        ("train_02_with_attacks/DoS-kia.csv", 49),
        ("train_02_with_attacks/DoS-kia.csv", 50),
        (
            "test_02_unknown_vehicle_known_attack/fuzzing-Spark.csv",
            300,
        ),
    ] {
        let reference = std::process::Command::new(&py)
            .args([
                script.to_str().unwrap(),
                "show",
                dataset.to_str().unwrap(),
                file,
                &window.to_string(),
            ])
            .output()
            .unwrap();
        assert!(
            reference.status.success(),
            "{}",
            String::from_utf8_lossy(&reference.stderr)
        );
        let reference: Value = serde_json::from_slice(&reference.stdout).unwrap();
        let ours: Value = serde_json::from_str(&run_ok_in(
            Path::new("."),
            &[
                "--data-root",
                data.to_str().unwrap(),
                "graphs",
                "show",
                "hcrl_sa",
                "--file",
                file,
                "--window",
                &window.to_string(),
                "--legacy",
            ],
        ))
        .unwrap();
        for key in ["num_nodes", "edge_index", "y"] {
            assert_eq!(ours[key], reference[key], "{file} window {window}: {key}");
        }
        // Both sides print float32 values; compare them as float32.
        for key in ["x", "edge_attr"] {
            let as_f32 = |v: &Value| -> Vec<f32> {
                v.as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|row| {
                        row.as_array()
                            .unwrap()
                            .iter()
                            .map(|x| x.as_f64().unwrap() as f32)
                    })
                    .collect()
            };
            assert_eq!(
                as_f32(&ours[key]),
                as_f32(&reference[key]),
                "{file} window {window}: {key}"
            );
        }
    }
}
