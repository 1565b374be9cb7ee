//! The `evaluation` stage: the variant's trained models, each optional, scored on the validation
//! split and on every test scenario of the cache, written as `metrics.json` in the reference's layout
//! (`{"gat": {core, additional}, "vgae": …, "test": {"gat": {scenario: …}, "vgae": …}}`), which the
//! project database import and the analytics read unchanged.
//!
//! The models come from the sibling run directories of the same variant: the GAT from
//! `{size}_curriculum[_kd]`, else `{size}_normal[_kd]`; the VGAE from `{size}_autoencoder[_kd]`; the
//! fusion agent from `{size}_fusion[_kd]` (it needs the GAT and the VGAE for its states). The VGAE's
//! threshold is chosen on validation (Youden's J) and reused for every test scenario. Every model
//! is scored on the same graphs; under `legacy` fusion sees only the first `max_val_samples` graphs
//! of each split and decides with dropout on, as the reference did.

use serde_json::{Map, Value, json};
use tch::Device;

use super::StageError;
use super::fusion::fusion_metrics;
use super::fusion::state::StateBuilder;
use super::scores::STATE_BATCH;
use super::teacher::{FUSION_STAGES, GAT_STAGES, Siblings, VGAE_STAGES, load_frozen};
use super::validation::{VgaeScorer, gat_metrics};
use crate::config::PipelineConfig;
use crate::graph::GraphSet;
use crate::models::{GatClassifier, Vgae};
use crate::training::engine::{Graphs, Splits};

/// Scores the variant's models; returns the `metrics.json` document and the checkpoints it read.
pub fn evaluate(
    siblings: &Siblings<'_>,
    config: &PipelineConfig,
    data: &Splits<'_>,
    tests: &[(String, GraphSet)],
    device: Device,
    legacy: bool,
) -> Result<(Value, Value), StageError> {
    let gat_path = siblings.checkpoint(GAT_STAGES);
    let vgae_path = siblings.checkpoint(VGAE_STAGES);
    let fusion_path = siblings.checkpoint(FUSION_STAGES);
    if gat_path.is_none() && vgae_path.is_none() {
        return Err(StageError::NothingToEvaluate(siblings.dir(GAT_STAGES[0])));
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
    let gat = gat_path
        .as_ref()
        .map(|path| load_frozen(path, device, |p, c, n| GatClassifier::new(p, &c.gat(), n)))
        .transpose()?;
    let vgae = vgae_path
        .as_ref()
        .map(|path| load_frozen(path, device, |p, c, n| Vgae::new(p, &c.vgae(), n)))
        .transpose()?;
    if let Some(gat) = &gat {
        top.insert(
            "gat".into(),
            gat_metrics(&gat.model, data.val_graphs(), batch_size, device, legacy),
        );
        let per_scenario: Map<String, Value> = test_graphs()
            .map(|(name, g)| {
                (
                    name.clone(),
                    gat_metrics(&gat.model, g, batch_size, device, legacy),
                )
            })
            .collect();
        test.insert("gat".into(), Value::Object(per_scenario));
    }
    if let Some(vgae) = &vgae {
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
    // Fusion needs both models for its states.
    let fusion_inputs = gat.as_ref().zip(vgae.as_ref());
    let fusion_path = fusion_path.filter(|_| fusion_inputs.is_some());
    if let (Some(path), Some((gat, vgae))) = (&fusion_path, fusion_inputs) {
        let agent = load_frozen(path, device, |p, c, _| {
            super::fusion::agent::q_network(p, c)
        })?;
        let alpha_steps = i64::from(agent.config.alpha_steps);
        let builder = StateBuilder {
            vgae: &vgae.model,
            gat: &gat.model,
            num_ids: vgae.model.num_ids(),
            batch_size: STATE_BATCH,
            device,
            legacy,
        };
        let cap = if legacy {
            config.max_val_samples as usize
        } else {
            usize::MAX
        };
        let score = |g: Graphs<'_>| {
            let indices = &g.indices[..g.indices.len().min(cap)];
            let states = builder.states(Graphs {
                set: g.set,
                indices,
            });
            fusion_metrics(&agent.model, &states, alpha_steps, legacy)
        };
        top.insert("fusion".into(), score(data.val_graphs()));
        let per_scenario: Map<String, Value> = test_graphs()
            .map(|(name, g)| (name.clone(), score(g)))
            .collect();
        test.insert("fusion".into(), Value::Object(per_scenario));
    }
    if !tests.is_empty() {
        top.insert("test".into(), Value::Object(test));
    }
    let shown = |p: Option<std::path::PathBuf>| p.map(|p| p.display().to_string());
    let sources = json!({
        "gat": shown(gat_path),
        "vgae": shown(vgae_path),
        "fusion": shown(fusion_path),
    });
    Ok((Value::Object(top), sources))
}
