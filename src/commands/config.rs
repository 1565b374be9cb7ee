//! `kdgat config show|diff`: the resolved configuration, and the difference between two files.

use kdgat_jobs::config::{
    LoadedConfig, Override, PipelineConfig, Preset, apply_overrides, config_diff, load_config,
};
use serde_json::{Map, Value};

use crate::cli::{ConfigCommand, ConfigDiffArgs, ConfigShowArgs};
use crate::error::UserError;
use crate::output::outln;

/// Runs a `config` subcommand.
pub fn run(command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Show(args) => show(&args),
        ConfigCommand::Diff(args) => diff(&args),
    }
}

fn show(args: &ConfigShowArgs) -> anyhow::Result<()> {
    let resolved = resolve(args).map_err(UserError::from)?;
    if !resolved.unknown.is_empty() {
        let keys: Vec<&String> = resolved.unknown.keys().collect();
        tracing::warn!("keeping keys this version does not know: {keys:?}");
    }
    outln!(
        "{}",
        serde_json::to_string_pretty(&Value::Object(resolved.to_json_map()))?
    )?;
    Ok(())
}

fn resolve(args: &ConfigShowArgs) -> Result<LoadedConfig, kdgat_jobs::config::ConfigError> {
    let base = match (&args.preset, &args.config) {
        (Some(preset), _) => LoadedConfig {
            config: preset.parse::<Preset>()?.config(),
            unknown: Map::new(),
        },
        (None, Some(path)) => load_config(path)?,
        (None, None) => LoadedConfig {
            config: PipelineConfig::default(),
            unknown: Map::new(),
        },
    };
    let overrides = args
        .overrides
        .iter()
        .map(|o| o.parse::<Override>())
        .collect::<Result<Vec<_>, _>>()?;
    let config = apply_overrides(&base.config, &overrides)?;
    config.validate_fields()?;
    Ok(LoadedConfig {
        config,
        unknown: base.unknown,
    })
}

fn diff(args: &ConfigDiffArgs) -> anyhow::Result<()> {
    let a = load_config(&args.a).map_err(UserError::from)?;
    let b = load_config(&args.b).map_err(UserError::from)?;
    let differences = config_diff(&a, &b);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&differences)?)?;
        return Ok(());
    }
    let show = |v: &Option<Value>| {
        v.as_ref()
            .map_or_else(|| "(absent)".to_string(), Value::to_string)
    };
    for d in &differences {
        outln!("{}: {} -> {}", d.param, show(&d.value_a), show(&d.value_b))?;
    }
    Ok(())
}
