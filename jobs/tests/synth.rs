//! The synthetic dataset generator end to end: the same seed gives byte-identical files, the layout
//! is the built-in catalog's `synthetic` entry, each scenario holds the vehicle and attacks its name
//! says, the graphs built from it have both classes, and an existing directory is kept or refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kdgat_jobs::can::BadRowPolicy;
use kdgat_jobs::catalog::{Catalog, PresenceStatus, survey};
use kdgat_jobs::graph::{GraphInput, GraphMode, GraphOptions, GraphSet, build_graphs, sources_for};
use kdgat_jobs::synth::{
    AttackKind, DATASET, RECORD_FILE, SynthError, SynthParams, TEST_FOLDERS, TRAIN_ATTACK_FOLDER,
    TRAIN_FOLDER, write_dataset,
};

/// A tenth of the default dataset: 6 s training captures, 2 s test captures.
fn small(seed: u64) -> SynthParams {
    SynthParams {
        seed,
        ..SynthParams::default().scaled(0.1)
    }
}

/// Every file under `dir` by relative path, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for (rel, bytes) in files(&path) {
                let folder = path.file_name().unwrap().to_string_lossy();
                found.insert(format!("{folder}/{rel}"), bytes);
            }
        } else {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            found.insert(name, std::fs::read(&path).unwrap());
        }
    }
    found
}

#[test]
fn the_same_seed_writes_byte_identical_files_and_another_seed_others() {
    let root = tempfile::tempdir().unwrap();
    let [a, b, c] = ["a", "b", "c"].map(|d| root.path().join(d));
    write_dataset(&a, &small(7), false).unwrap();
    write_dataset(&b, &small(7), false).unwrap();
    write_dataset(&c, &small(8), false).unwrap();
    let (a, b, c) = (files(&a), files(&b), files(&c));
    assert_eq!(a.len(), 13, "12 captures and {RECORD_FILE}: {:?}", a.keys());
    assert!(a == b, "the same seed gave other bytes");
    for (name, bytes) in &a {
        assert_ne!(
            Some(bytes),
            c.get(name),
            "{name} is the same under another seed"
        );
    }
}

#[test]
fn the_layout_is_the_catalogs_and_each_scenario_holds_what_its_name_says() {
    let catalog = Catalog::builtin();
    let entry = catalog.get(DATASET).unwrap();
    assert_eq!(
        (
            entry.train_subdir.as_str(),
            entry.train_attack_subdir.as_str()
        ),
        (TRAIN_FOLDER, TRAIN_ATTACK_FOLDER)
    );
    assert_eq!(entry.test_subdirs, TEST_FOLDERS);
    let data_root = tempfile::tempdir().unwrap();
    let dir = entry.csv_path(data_root.path());
    assert!(dir.ends_with("automotive/synthetic"));
    let report = write_dataset(&dir, &small(42), false).unwrap();
    let presence = survey(DATASET, entry, data_root.path());
    assert_eq!(
        (presence.status, presence.files),
        (PresenceStatus::Present, 12)
    );

    let folder_of = |file: &str| file.split('/').next().unwrap().to_string();
    let mut attacks: BTreeMap<String, BTreeSet<Option<AttackKind>>> = BTreeMap::new();
    let mut vehicles: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for capture in &report.record.captures {
        let folder = folder_of(&capture.file);
        attacks
            .entry(folder.clone())
            .or_default()
            .insert(capture.attack);
        vehicles
            .entry(folder)
            .or_default()
            .insert(capture.vehicle.clone());
        assert_eq!(
            capture.attack_messages > 0,
            capture.attack.is_some(),
            "{}",
            capture.file
        );
        assert_eq!(capture.episodes.is_empty(), capture.attack.is_none());
    }
    use AttackKind::*;
    let set = |kinds: &[Option<AttackKind>]| kinds.iter().copied().collect::<BTreeSet<_>>();
    assert_eq!(attacks[TRAIN_FOLDER], set(&[None]));
    let known = set(&[Some(Dos), Some(Fuzzing)]);
    let unknown = set(&[Some(Spoofing), Some(Replay)]);
    for (folder, kinds, vehicle) in [
        (TRAIN_ATTACK_FOLDER, &known, "alpha"),
        (TEST_FOLDERS[0], &known, "alpha"),
        (TEST_FOLDERS[1], &known, "beta"),
        (TEST_FOLDERS[2], &unknown, "alpha"),
        (TEST_FOLDERS[3], &unknown, "beta"),
    ] {
        assert_eq!(&attacks[folder], kinds, "{folder}");
        assert_eq!(vehicles[folder], BTreeSet::from([vehicle.to_string()]));
    }
    let ids = |vehicle: usize| -> BTreeSet<String> {
        report.record.vehicles[vehicle]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    let shared = ids(0).intersection(&ids(1)).count();
    assert!(
        shared * 4 < ids(1).len(),
        "the unknown vehicle has its own IDs"
    );

    // The graph builder reads it like any catalog dataset; both classes in training and every test.
    let options = GraphOptions {
        data_root: data_root.path().to_path_buf(),
        mode: GraphMode::Default,
        input: GraphInput::Csv,
        on_bad_row: BadRowPolicy::Fail,
    };
    let sources = sources_for(DATASET, entry, &options).unwrap();
    let built = build_graphs(DATASET, entry, &options, sources).unwrap();
    let share = |set: &GraphSet| {
        let attacks = (0..set.len()).filter(|&i| set.get(i).y == 1).count();
        attacks as f64 / set.len() as f64
    };
    let train = share(&built.train);
    assert!(
        (0.15..0.6).contains(&train),
        "attack share in training {train}"
    );
    for (scenario, set) in &built.tests {
        let s = share(set);
        assert!((0.1..0.9).contains(&s), "{scenario}: attack share {s}");
    }
    assert_eq!(report.messages(), built.rows as u64);
}

#[test]
fn an_identical_dataset_is_kept_a_foreign_directory_refused_and_bad_parameters_named() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("synthetic");
    assert!(write_dataset(&dir, &small(1), false).unwrap().written);
    let record = dir.join(RECORD_FILE);
    let written_at = std::fs::metadata(&record).unwrap().modified().unwrap();
    let again = write_dataset(&dir, &small(1), false).unwrap();
    assert!(!again.written);
    assert_eq!(
        std::fs::metadata(&record).unwrap().modified().unwrap(),
        written_at
    );
    assert!(
        write_dataset(&dir, &small(1), true).unwrap().written,
        "forced"
    );
    assert!(
        write_dataset(&dir, &small(2), false).unwrap().written,
        "other parameters"
    );

    let foreign = root.path().join("mine");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let err = write_dataset(&foreign, &small(1), true).unwrap_err();
    assert!(matches!(err, SynthError::NotOurs(_)), "{err}");
    assert!(err.to_string().contains("mine") && err.to_string().contains(RECORD_FILE));
    assert_eq!(files(&foreign).len(), 1);

    std::fs::write(&record, "{ not json").unwrap();
    let err = write_dataset(&dir, &small(1), false).unwrap_err();
    assert!(err.to_string().contains(RECORD_FILE), "{err}");

    let bad = SynthParams {
        gap_seconds: [5.0, 1.0],
        ..small(1)
    };
    let err = write_dataset(&root.path().join("bad"), &bad, false).unwrap_err();
    assert!(err.to_string().contains("gap_seconds"), "{err}");
    let err = write_dataset(
        &root.path().join("bad"),
        &SynthParams {
            train_seconds: f64::NAN,
            ..small(1)
        },
        false,
    )
    .unwrap_err();
    assert!(err.to_string().contains("train_seconds"), "{err}");
}
