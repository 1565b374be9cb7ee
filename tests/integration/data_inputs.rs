//! Bad and odd inputs to the data stages, on small captures the tests write: clear errors naming file
//! and line, no partial outputs, skipped rows counted, stale caches noticed.

use std::path::Path;

use crate::support::{kdgat, run_ok_in, stderr, stdout, tiny_dataset};

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    kdgat().current_dir(dir).args(args).output().unwrap()
}

#[test]
fn a_bad_row_fails_ingest_with_file_and_line_and_writes_nothing_for_that_file() {
    let work = tempfile::tempdir().unwrap();
    let catalog = tiny_dataset(work.path(), 1);
    let dos = work.path().join("data/tiny/train_02_with_attacks/dos.csv");
    let mut text = std::fs::read_to_string(&dos).unwrap();
    text.push_str("1.5,110,0G,0\n2.0,7FF,00,7\n");
    std::fs::write(&dos, text).unwrap();
    let cat = catalog.to_str().unwrap();

    let out = run_in(
        work.path(),
        &["--catalog", cat, "--data-root", "data", "ingest", "tiny"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("train_02_with_attacks/dos.csv:352: data_field: `0G`"),
        "{}",
        stderr(&out)
    );
    assert!(
        !work
            .path()
            .join("data/parquet/automotive/tiny/train_02_with_attacks__dos.parquet")
            .exists()
    );

    let report = run_ok_in(
        work.path(),
        &[
            "--catalog",
            cat,
            "--data-root",
            "data",
            "ingest",
            "tiny",
            "--on-bad-row",
            "skip",
        ],
    );
    assert!(
        report.contains("skipped line 352: data_field: `0G`"),
        "{report}"
    );
    assert!(
        report.contains("skipped line 353: attack: `7` is not 0 or 1"),
        "{report}"
    );
    assert!(report.contains("2 bad rows skipped"), "{report}");
    assert!(
        work.path()
            .join("data/parquet/automotive/tiny/train_02_with_attacks__dos.parquet")
            .is_file()
    );
    assert!(
        work.path()
            .join("data/parquet/automotive/tiny/dataset_stats.json")
            .is_file()
    );
}

#[test]
fn empty_and_headerless_captures_are_named() {
    let work = tempfile::tempdir().unwrap();
    let catalog = tiny_dataset(work.path(), 1);
    let cat = catalog.to_str().unwrap();
    let test_file = work.path().join("data/tiny/test_01_known/dos-test.csv");
    std::fs::write(&test_file, "").unwrap();
    let out = run_in(
        work.path(),
        &["--catalog", cat, "--data-root", "data", "graphs", "tiny"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("test_01_known/dos-test.csv:1: expected the header"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&test_file, b"1.0,110,00,0\r\n\xff\xfe\n").unwrap();
    let out = run_in(
        work.path(),
        &["--catalog", cat, "--data-root", "data", "ingest", "tiny"],
    );
    assert!(
        stderr(&out).contains("found `1.0,110,00,0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn graphs_report_missing_scenarios_and_notice_changed_captures() {
    let work = tempfile::tempdir().unwrap();
    let catalog = tiny_dataset(work.path(), 1);
    let cat = catalog.to_str().unwrap();
    let first = run_ok_in(
        work.path(),
        &["--catalog", cat, "--data-root", "data", "graphs", "tiny"],
    );
    // 450 + 350 rows → 4 + 3 windows; the absent scenario is reported, not silently dropped.
    assert!(first.contains("7 train+val graphs"), "{first}");
    assert!(
        first.contains("test_02_absent: no captures, skipped"),
        "{first}"
    );

    let normal = work
        .path()
        .join("data/tiny/train_01_attack_free/normal.csv");
    let mut text = std::fs::read_to_string(&normal).unwrap();
    text.push_str("9999.0,110,00,0\n");
    std::fs::write(&normal, text).unwrap();
    let out = run_in(
        work.path(),
        &["--catalog", cat, "--data-root", "data", "graphs", "tiny"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is stale (the captures changed since it was built)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn graphs_show_prints_one_graph_and_rejects_bad_requests() {
    let work = tempfile::tempdir().unwrap();
    let catalog = tiny_dataset(work.path(), 1);
    let cat = catalog.to_str().unwrap();
    let show = |file: &str, window: &str| {
        run_in(
            work.path(),
            &[
                "--catalog",
                cat,
                "--data-root",
                "data",
                "graphs",
                "show",
                "tiny",
                "--file",
                file,
                "--window",
                window,
                "--json",
            ],
        )
    };
    let out = show("train_02_with_attacks/dos.csv", "1");
    assert!(out.status.success(), "{}", stderr(&out));
    let graph: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(graph["num_nodes"], 4);
    assert_eq!(graph["edge_index"][0].as_array().unwrap().len(), 4);
    assert_eq!(graph["x"][0].as_array().unwrap().len(), 11);
    assert_eq!(graph["y"], 1);

    let out = show("train_02_with_attacks/dos.csv", "3");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("has 3 windows; window 3 does not exist"),
        "{}",
        stderr(&out)
    );
    let out = show("nope.csv", "0");
    assert!(
        stderr(&out).contains("nope.csv is not a capture of tiny"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_dataset_without_captures_is_a_clear_error() {
    let work = tempfile::tempdir().unwrap();
    let out = run_in(work.path(), &["--data-root", "nowhere", "graphs", "set_01"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("dataset set_01: no training captures under nowhere/automotive/set_01"),
        "{}",
        stderr(&out)
    );
    let out = run_in(work.path(), &["--data-root", "nowhere", "ingest", "set_01"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("no CSV files under nowhere/automotive/set_01"),
        "{}",
        stderr(&out)
    );
    let out = run_in(work.path(), &["graphs", "mystery"]);
    assert!(
        stderr(&out).contains("unknown dataset `mystery`"),
        "{}",
        stderr(&out)
    );
}
