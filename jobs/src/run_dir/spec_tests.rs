use super::*;

#[test]
fn paths_resolve_against_the_spec_and_errors_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.json");
    std::fs::write(
        &path,
        r#"{"stage":"normal","config":"c.json","run_dir":"/abs/run","cache_dir":"cache"}"#,
    )
    .unwrap();
    let spec = JobSpec::load(&path).unwrap();
    let Work::Model(model) = &spec.work else {
        panic!("{spec:?}")
    };
    assert_eq!(model.stage, Stage::Normal);
    assert_eq!(model.config, dir.path().join("c.json"));
    assert_eq!(spec.run_dir, PathBuf::from("/abs/run"));
    assert_eq!(model.base_dir, dir.path());
    assert!(spec.resume, "resumes unless told not to");
    for (text, want) in [
        (r#"{"stage":"normal","config":3}"#, "`config`"),
        (
            r#"{"stage":"nap","config":"c","run_dir":"r","cache_dir":"c"}"#,
            "nap",
        ),
        (
            r#"{"stage":"fusion","run_dir":"r","cache_dir":"c"}"#,
            "`config` is required",
        ),
        (
            r#"{"stage":"graphs","run_dir":"r","cache_dir":"c","data_root":"d"}"#,
            "`dataset`",
        ),
        (
            r#"{"stage":"normal","run_dir":"r","cache_dir":"c","config":"c","bogus":1}"#,
            "bogus",
        ),
        (
            r#"{"stage":"fusion","run_dir":"r","cache_dir":"c","config":"c","upstream":{"vgae":"x"}}"#,
            "`upstream.vgae`",
        ),
        (r#"{"version":99,"stage":"normal","run_dir":"r"}"#, "newer"),
        (
            r#"{"stage":"graphs","run_dir":"r","dataset":"d","data_root":"d","cache_dir":"c","on_bad_row":"maybe"}"#,
            "`on_bad_row`",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let err = JobSpec::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("spec.json") && err.contains(want),
            "{text}: {err}"
        );
    }
}

#[test]
fn what_is_written_reads_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attempt-1/spec.json");
    for work in [
        Work::Model(ModelWork {
            stage: Stage::Evaluation,
            config: dir.path().join("attempt-1/input-config.json"),
            cache_dir: PathBuf::from("/cache/d"),
            base_dir: PathBuf::from("/work"),
            upstream: [(
                Stage::Autoencoder,
                PathBuf::from("/runs/d/teacher_autoencoder"),
            )]
            .into(),
        }),
        Work::Graphs(GraphsWork {
            dataset: "hcrl_sa".into(),
            data_root: PathBuf::from("/data"),
            catalog: Some(PathBuf::from("/cat.yaml")),
            cache_dir: PathBuf::from("/cache/hcrl_sa"),
            parquet_root: None,
            on_bad_row: BadRowPolicy::Skip,
        }),
    ] {
        let spec = JobSpec {
            run_dir: PathBuf::from("/runs/d/x"),
            legacy: true,
            work,
            resume: false,
            inputs: [("d/graphs".to_string(), "2026-12-01T00:00:00Z".to_string())].into(),
        };
        spec.write(&path).unwrap();
        assert_eq!(JobSpec::load(&path).unwrap(), spec);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
    }
}
