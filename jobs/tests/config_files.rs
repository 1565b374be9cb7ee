//! Config files with bad content fail with messages naming the file, line or field; stage validation
//! checks the dataset, the teacher and the upstream outputs on disk.

use std::path::Path;

use kdgat_jobs::catalog::Catalog;
use kdgat_jobs::config::{
    PipelineConfig, Preset, Stage, StageCheckContext, load_config, run_id, validate_for_stage,
};
use kdgat_jobs::run_dir::BEST_CHECKPOINT;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn syntax_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.json", "{\n  \"lr\": 0.1,\n  oops\n}");
    let msg = load_config(&path).unwrap_err().to_string();
    assert!(msg.contains("bad.json") && msg.contains("line 3"), "{msg}");
    let path = write(dir.path(), "list.json", "[1, 2]");
    assert!(
        load_config(&path)
            .unwrap_err()
            .to_string()
            .contains("expected a JSON object")
    );
}

#[test]
fn wrong_types_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "c.json", r#"{"lr": "fast", "gat_hidden": 4}"#);
    let msg = load_config(&path).unwrap_err().to_string();
    assert!(
        msg.contains("c.json") && msg.contains("field `lr`"),
        "{msg}"
    );
    let path = write(dir.path(), "d.json", r#"{"vgae_hidden_dims": [80, "x"]}"#);
    let msg = load_config(&path).unwrap_err().to_string();
    assert!(msg.contains("vgae_hidden_dims"), "{msg}");
}

#[test]
fn numeric_validation_lists_every_problem() {
    let config = PipelineConfig {
        lr: 0.0,
        dqn_gamma: 1.5,
        safety_factor: 0.0,
        ..PipelineConfig::default()
    };
    let msg = config.validate_fields().unwrap_err().to_string();
    for field in ["lr", "dqn_gamma", "safety_factor"] {
        assert!(msg.contains(field), "{msg}");
    }
    assert!(PipelineConfig::default().validate_fields().is_ok());
}

#[test]
fn stage_validation_checks_dataset_teacher_and_prerequisites() {
    let base = tempfile::tempdir().unwrap();
    let data_root = base.path().join("data");
    std::fs::create_dir_all(data_root.join("automotive/hcrl_sa")).unwrap();
    let catalog = Catalog::builtin();
    let ctx = StageCheckContext {
        catalog: &catalog,
        data_root: &data_root,
        base_dir: base.path(),
    };

    let mut config = "gat,student".parse::<Preset>().unwrap().config();
    config.dataset = "hcrl_sa".into();
    let msg = validate_for_stage(&config, Stage::Curriculum, &ctx)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("teacher_path: use_kd is true but teacher_path is empty"),
        "{msg}"
    );
    assert!(
        msg.contains("curriculum needs the output of autoencoder"),
        "{msg}"
    );

    // Provide the teacher and the upstream autoencoder: now it validates.
    let teacher = base
        .path()
        .join("experimentruns/hcrl_sa/teacher_curriculum");
    std::fs::create_dir_all(&teacher).unwrap();
    write(&teacher, BEST_CHECKPOINT, "");
    write(&teacher, "config.json", "{}");
    config.teacher_path = format!("experimentruns/hcrl_sa/teacher_curriculum/{BEST_CHECKPOINT}");
    let upstream = base
        .path()
        .join("experimentruns")
        .join(run_id(&config, Stage::Autoencoder));
    std::fs::create_dir_all(&upstream).unwrap();
    write(&upstream, BEST_CHECKPOINT, "");
    write(&upstream, "config.json", "{}");
    assert_eq!(
        validate_for_stage(&config, Stage::Curriculum, &ctx).unwrap(),
        Vec::<String>::new()
    );

    // The no-KD ablation reads its own upstream (no `_kd` suffix) and passes with a warning.
    config.use_kd = false;
    let msg = validate_for_stage(&config, Stage::Curriculum, &ctx)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("hcrl_sa/student_autoencoder)"), "{msg}");
    let ablation = base
        .path()
        .join("experimentruns")
        .join(run_id(&config, Stage::Autoencoder));
    std::fs::create_dir_all(&ablation).unwrap();
    write(&ablation, BEST_CHECKPOINT, "");
    write(&ablation, "config.json", "{}");
    let warnings = validate_for_stage(&config, Stage::Curriculum, &ctx).unwrap();
    assert_eq!(warnings, ["student without KD: this is the no-KD ablation"]);

    // Evaluation needs no teacher, and either upstream output is enough.
    config.use_kd = true;
    config.teacher_path.clear();
    assert!(validate_for_stage(&config, Stage::Evaluation, &ctx).is_ok());

    config.dataset = "nope".into();
    let msg = validate_for_stage(&config, Stage::Autoencoder, &ctx)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("unknown dataset `nope`"), "{msg}");
    config.dataset = "set_01".into();
    let msg = validate_for_stage(&config, Stage::Autoencoder, &ctx)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("automotive/set_01 does not exist"), "{msg}");
}

/// Issue 19: a key given twice is refused with its name and line, not silently resolved.
#[test]
fn a_duplicate_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "dup.json",
        "{\n  \"lr\": 0.1,\n  \"gat_hidden\": 4,\n  \"lr\": 0.5\n}",
    );
    let msg = load_config(&path).unwrap_err().to_string();
    assert!(
        msg.contains("dup.json") && msg.contains("`lr` appears twice") && msg.contains("line 4"),
        "{msg}"
    );
}

/// Issue 19: an endless input is read only up to a bound, then refused.
#[test]
fn an_endless_input_is_refused_after_a_bounded_read() {
    let started = std::time::Instant::now();
    let msg = load_config(Path::new("/dev/zero")).unwrap_err().to_string();
    assert!(msg.contains("/dev/zero") && msg.contains("bytes"), "{msg}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
