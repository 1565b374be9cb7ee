//! `kdgat models --preset MODEL,SIZE`: a model's tensors and parameter count for a configuration,
//! as a table or JSON (built with the `train` feature; without it the command says so).

use crate::cli::ModelsArgs;
use crate::output::outln;

/// Prints the inventory of the preset's model.
#[cfg(feature = "train")]
pub fn run(args: &ModelsArgs) -> anyhow::Result<()> {
    use kdgat_jobs::config::{Override, Preset, apply_overrides};
    use kdgat_jobs::models::inventory::inventory;

    use crate::error::UserError;

    let preset: Preset = args.preset.parse().map_err(UserError::from)?;
    let overrides = args
        .overrides
        .iter()
        .map(|o| o.parse::<Override>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(UserError::from)?;
    let config = apply_overrides(&preset.config(), &overrides).map_err(UserError::from)?;
    config.validate_fields().map_err(UserError::from)?;
    let inv = inventory(preset.model, &config, args.num_ids);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&inv)?)?;
        return Ok(());
    }
    let width = inv.tensors.iter().map(|t| t.name.len()).max().unwrap_or(4);
    outln!("{:width$}  {:>16}  {:>10}  kind", "name", "shape", "values")?;
    for t in &inv.tensors {
        let shape = format!("{:?}", t.shape);
        let values: i64 = t.shape.iter().product();
        let kind = if t.trainable { "parameter" } else { "buffer" };
        outln!("{:width$}  {shape:>16}  {values:>10}  {kind}", t.name)?;
    }
    outln!(
        "{} ({}) with {} CAN IDs: {} parameters, {} buffer values",
        inv.model,
        args.preset,
        inv.num_ids,
        inv.parameters,
        inv.buffers
    )?;
    Ok(())
}

/// Without the `train` feature there are no models to describe.
#[cfg(not(feature = "train"))]
pub fn run(_args: &ModelsArgs) -> anyhow::Result<()> {
    Err(crate::error::UserError::NotAvailable {
        command: "models (built without the `train` feature)",
    }
    .into())
}
