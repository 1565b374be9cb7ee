//! `kdgat pipeline --local <dataset>`: the whole chain of a dataset in this process — the graph
//! cache (built when missing or stale), then for each variant autoencoder → curriculum → fusion →
//! evaluation through the same stage code `kdgat job exec` runs — and a table of the evaluation.
//!
//! Each stage gets its run directory with `input-config.json` and `spec.json` (so it can be rerun
//! alone with `kdgat job exec --spec`). A stage that already finished with the same config is
//! skipped unless a stage before it ran in this invocation (its inputs changed) or `--force`; an
//! interrupted one resumes.

use crate::cli::{GlobalArgs, PipelineArgs};

/// Runs the chain.
#[cfg(feature = "train")]
pub fn run(global: &GlobalArgs, args: &PipelineArgs) -> anyhow::Result<()> {
    use kdgat_jobs::config::{Override, Variant, apply_overrides, run_name};
    use kdgat_jobs::training::preempt::StopFlag;

    use crate::error::UserError;

    let dataset = &args.dataset;
    let overrides = args
        .overrides
        .iter()
        .map(|o| scoped_override(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UserError::from)?;
    let cache_dir = args.cache_root.join(dataset);
    println!("== graph cache {}", cache_dir.display());
    super::graphs::build(global, &args.input, &cache_dir, dataset, false, false)?;
    let variants = if args.variants.is_empty() {
        Variant::ALL.to_vec()
    } else {
        args.variants.clone()
    };
    let stop = StopFlag::on_signals()?;
    let runs = args.runs_dir.to_string_lossy();
    let mut force = args.force;
    for variant in variants {
        let mut run_dir = args.runs_dir.clone();
        for stage in Variant::STAGES {
            let base = variant.stage_config(stage, dataset, &runs);
            let own: Vec<Override> = overrides
                .iter()
                .filter(|(only, _)| only.is_none_or(|s| s == stage))
                .map(|(_, o)| o.clone())
                .collect();
            let config = apply_overrides(&base, &own).map_err(UserError::from)?;
            config.validate_fields().map_err(UserError::from)?;
            run_dir = args.runs_dir.join(dataset).join(run_name(&config, stage));
            let ran = local::run_stage(
                &run_dir,
                &cache_dir,
                stage,
                &config,
                args.input.legacy,
                force,
                &stop,
            )?;
            // What comes after a stage that ran is built on its new outputs.
            force |= ran;
        }
        // The chain ends with the evaluation.
        local::print_evaluation(variant, &run_dir.join("metrics.json"))?;
    }
    Ok(())
}

/// `KEY=VALUE` for every stage, or `STAGE.KEY=VALUE` for one (e.g. `autoencoder.max_epochs=15`).
#[cfg(feature = "train")]
fn scoped_override(
    raw: &str,
) -> Result<
    (
        Option<kdgat_jobs::config::Stage>,
        kdgat_jobs::config::Override,
    ),
    kdgat_jobs::config::ConfigError,
> {
    use kdgat_jobs::config::{ConfigError, Override, Stage};
    let o: Override = raw.parse()?;
    let Some((stage, key)) = o.key.split_once('.') else {
        return Ok((None, o));
    };
    let stage: Stage = stage.parse().map_err(|message| ConfigError::BadOverride {
        raw: raw.to_string(),
        message,
    })?;
    Ok((
        Some(stage),
        Override {
            key: key.to_string(),
            value: o.value,
        },
    ))
}

#[cfg(feature = "train")]
mod local {
    //! One stage of the local chain, and the evaluation table.

    use std::path::Path;

    use kdgat_jobs::config::{PipelineConfig, Stage, Variant, load_config};
    use kdgat_jobs::stages::{self, JobSpec, write_config};
    use kdgat_jobs::training::engine::Outcome;
    use kdgat_jobs::training::preempt::StopFlag;
    use serde_json::{Value, json};

    use crate::commands::job::stage_error;
    use crate::error::Preempted;

    /// Runs (or resumes) one stage in `run_dir`, or skips it when it finished earlier with the
    /// same config and not `force`; whether it ran.
    pub(super) fn run_stage(
        run_dir: &Path,
        cache_dir: &Path,
        stage: Stage,
        config: &PipelineConfig,
        legacy: bool,
        force: bool,
        stop: &StopFlag,
    ) -> anyhow::Result<bool> {
        let name = run_dir.display();
        let same_config =
            load_config(&run_dir.join("config.json")).is_ok_and(|c| c.config == *config);
        let checkpoint = run_dir.join("resume.json");
        let finished = run_dir.join("benchmark.tsv").is_file() && !checkpoint.exists();
        if same_config && finished && !force {
            println!("== {name}: finished earlier with this config (--force reruns it)");
            return Ok(false);
        }
        if !same_config || force {
            // A checkpoint of another config, or of outputs rebuilt since, is not resumed.
            kdgat_jobs::training::resume::clear(run_dir)?;
        }
        std::fs::create_dir_all(run_dir)?;
        // Joined to an absolute path, `here.join` leaves it as it is.
        let here = std::env::current_dir()?;
        write_config(config, &run_dir.join("input-config.json")).map_err(stage_error)?;
        let spec_path = run_dir.join("spec.json");
        let spec = json!({
            "stage": stage.as_str(),
            "config": "input-config.json",
            "run_dir": ".",
            "cache_dir": here.join(cache_dir),
            "base_dir": here,
            "legacy": legacy,
        });
        std::fs::write(&spec_path, serde_json::to_vec_pretty(&spec)?)?;
        let spec = JobSpec::load(&spec_path).map_err(stage_error)?;
        println!("== {name} ({stage})");
        match stages::run(&spec, stop).map_err(stage_error)? {
            Outcome::Finished {
                epochs, best_epoch, ..
            } => {
                let best = best_epoch.map_or_else(|| "-".into(), |e| e.to_string());
                println!("   finished: {epochs} epochs, best {best}");
                Ok(true)
            }
            Outcome::Preempted { epoch, step } => Err(Preempted {
                epoch,
                step,
                run_dir: name.to_string(),
            }
            .into()),
        }
    }

    /// Prints accuracy / F1 / AUC of each model on validation and every test scenario.
    pub(super) fn print_evaluation(variant: Variant, metrics: &Path) -> anyhow::Result<()> {
        let doc: Value = serde_json::from_slice(&std::fs::read(metrics)?)?;
        println!("== {variant}: accuracy / F1 / AUC ({})", metrics.display());
        let cell = |m: &Value| {
            let core = &m["core"];
            let f = |k: &str| core[k].as_f64().map_or("-".into(), |v| format!("{v:.4}"));
            format!("{}/{}/{}", f("accuracy"), f("f1"), f("auc"))
        };
        for model in ["gat", "vgae", "fusion"] {
            let Some(val) = doc.get(model) else { continue };
            println!("   {model:<6} {:<40} {}", "validation", cell(val));
            if let Some(Value::Object(tests)) = doc.get("test").and_then(|t| t.get(model)) {
                for (scenario, m) in tests {
                    println!("   {model:<6} {scenario:<40} {}", cell(m));
                }
            }
        }
        Ok(())
    }
}

/// Without the `train` feature there is no compute to run.
#[cfg(not(feature = "train"))]
pub fn run(_global: &GlobalArgs, _args: &PipelineArgs) -> anyhow::Result<()> {
    Err(crate::error::UserError::NotAvailable {
        command: "pipeline (built without the `train` feature)",
    }
    .into())
}
