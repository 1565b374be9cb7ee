//! `kdgat synth` from the command line: it writes where the built-in catalog's `synthetic` entry
//! reads, `datasets` and `graphs` take it like any dataset, an identical dataset is left alone, and
//! a directory that is not its own or a bad scale is refused with the reason.

use serde_json::Value;

use crate::support::{run_in, run_ok_in, stderr};

#[test]
fn synth_writes_where_the_catalog_reads_and_keeps_an_identical_dataset() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let synth = [
        "--data-root",
        "data",
        "synth",
        "--scale",
        "0.02",
        "--seed",
        "3",
    ];
    let report: Value =
        serde_json::from_str(&run_ok_in(dir, &[&synth[..], &["--json"]].concat())).unwrap();
    assert_eq!(report["written"], true);
    assert_eq!(report["dir"], "data/automotive/synthetic");
    assert_eq!(report["files"], 12);
    assert!(report["messages"].as_u64().unwrap() > 5_000, "{report}");
    let again = run_ok_in(dir, &synth);
    assert!(
        again.starts_with("the same dataset is already there (seed 3"),
        "{again}"
    );
    assert_eq!(again.lines().last(), Some("data/automotive/synthetic"));

    let listing: Value = serde_json::from_str(&run_ok_in(
        dir,
        &["--data-root", "data", "datasets", "--json"],
    ))
    .unwrap();
    let entry = listing
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "synthetic")
        .unwrap();
    assert_eq!(
        (&entry["status"], &entry["files"]),
        (&"present".into(), &12.into())
    );
    let cache: Value = serde_json::from_str(&run_ok_in(
        dir,
        &["--data-root", "data", "graphs", "synthetic", "--json"],
    ))
    .unwrap();
    assert!(cache["num_graphs"].as_u64().unwrap() > 20, "{cache}");
    assert_eq!(cache["test_scenarios"].as_array().unwrap().len(), 4);

    std::fs::create_dir_all(dir.join("mine")).unwrap();
    std::fs::write(dir.join("mine/notes.txt"), "mine").unwrap();
    let out = run_in(dir, &["synth", "--out", "mine"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("mine is not empty and has no synth.json"),
        "{}",
        stderr(&out)
    );
    let out = run_in(dir, &["synth", "--scale", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`0` is not a number above 0"),
        "{}",
        stderr(&out)
    );
}
