//! The `evaluation` stage: the variant's trained models, each optional, scored on the validation
//! split and on every test scenario of the cache, written as `metrics.json` in the reference's layout
//! (`{"gat": {core, additional}, "vgae": …, "test": {"gat": {scenario: …}, "vgae": …}}`), which the
//! project database import and the analytics read unchanged.
//!
//! The models come from the sibling run directories of the same variant: the GAT from
//! `{size}_curriculum[_kd]`, else `{size}_normal[_kd]`; the VGAE from `{size}_autoencoder[_kd]`.
//! The VGAE's threshold is chosen on validation (Youden's J) and reused for every test scenario.
//! The fusion agent is not evaluated yet (its stage is not built).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use tch::Device;

use super::StageError;
use super::teacher::load_frozen;
use super::validation::{VgaeScorer, gat_metrics};
use crate::config::{BEST_CHECKPOINT, PipelineConfig};
use crate::graph::GraphSet;
use crate::models::{GatClassifier, Vgae};
use crate::training::engine::{Graphs, Splits};

/// The checkpoint of the first of `stages` that has one, among `run_dir`'s siblings.
fn sibling_checkpoint(run_dir: &Path, config: &PipelineConfig, stages: &[&str]) -> Option<PathBuf> {
    let kd = if config.use_kd { "_kd" } else { "" };
    let parent = run_dir.parent()?;
    stages.iter().find_map(|stage| {
        let dir = parent.join(format!("{}_{stage}{kd}", config.model_size.as_str()));
        let checkpoint = dir.join(BEST_CHECKPOINT);
        (checkpoint.is_file() && dir.join("config.json").is_file()).then_some(checkpoint)
    })
}

/// Scores the variant's models; returns the `metrics.json` document and the checkpoints it read.
pub fn evaluate(
    run_dir: &Path,
    config: &PipelineConfig,
    data: &Splits<'_>,
    tests: &[(String, GraphSet)],
    device: Device,
    legacy: bool,
) -> Result<(Value, Value), StageError> {
    let gat_path = sibling_checkpoint(run_dir, config, &["curriculum", "normal"]);
    let vgae_path = sibling_checkpoint(run_dir, config, &["autoencoder"]);
    if gat_path.is_none() && vgae_path.is_none() {
        return Err(StageError::NothingToEvaluate(
            run_dir.parent().unwrap_or(run_dir).to_path_buf(),
        ));
    }
    let batch_size = config.batch_size as usize;
    let test_indices: Vec<Vec<usize>> = tests
        .iter()
        .map(|(_, set)| (0..set.len()).collect())
        .collect();
    let test_graphs = || {
        tests
            .iter()
            .zip(&test_indices)
            .map(|((name, set), indices)| (name, Graphs { set, indices }))
    };
    let mut top = Map::new();
    let mut test = Map::new();
    if let Some(path) = &gat_path {
        let gat = load_frozen(path, device, |p, c, n| GatClassifier::new(p, &c.gat(), n))?;
        top.insert(
            "gat".into(),
            gat_metrics(&gat.model, data.val_graphs(), batch_size, device),
        );
        let per_scenario: Map<String, Value> = test_graphs()
            .map(|(name, g)| (name.clone(), gat_metrics(&gat.model, g, batch_size, device)))
            .collect();
        test.insert("gat".into(), Value::Object(per_scenario));
    }
    if let Some(path) = &vgae_path {
        let vgae = load_frozen(path, device, |p, c, n| Vgae::new(p, &c.vgae(), n))?;
        let scorer = VgaeScorer {
            model: &vgae.model,
            batch_size,
            device,
            legacy,
        };
        let (val, cut) = scorer.validation(data.val_graphs());
        top.insert("vgae".into(), val);
        let per_scenario: Map<String, Value> = test_graphs()
            .map(|(name, g)| (name.clone(), scorer.at_threshold(g, cut)))
            .collect();
        test.insert("vgae".into(), Value::Object(per_scenario));
    }
    if !tests.is_empty() {
        top.insert("test".into(), Value::Object(test));
    }
    let sources = json!({
        "gat": gat_path.map(|p| p.display().to_string()),
        "vgae": vgae_path.map(|p| p.display().to_string()),
    });
    Ok((Value::Object(top), sources))
}
