//! `kdgat graphs <dataset>` builds (or confirms) the graph cache; `kdgat graphs show` prints one graph.

use kdgat_jobs::can::CanDataError;
use kdgat_jobs::graph::{
    CacheReport, EnsureError, GraphError, GraphInput, GraphMode, GraphOptions, GraphSet,
    build_one_graph, ensure_cache,
};

use crate::cli::{
    GlobalArgs, GraphInputArgs, GraphShowArgs, GraphSource, GraphsArgs, GraphsCommand,
};
use crate::error::UserError;
use crate::output::outln;
use crate::progress::Working;

/// Runs `graphs` or `graphs show`.
pub fn run(global: &GlobalArgs, args: &GraphsArgs) -> anyhow::Result<()> {
    match (&args.command, &args.dataset) {
        (Some(GraphsCommand::Show(show_args)), _) => show(global, show_args),
        (None, Some(dataset)) => build(
            global,
            &args.input,
            &args.cache_root.join(dataset),
            dataset,
            args.force,
            args.json,
        ),
        // clap requires one or the other.
        (None, None) => unreachable!("clap requires a dataset or a subcommand"),
    }
}

fn options(global: &GlobalArgs, input: &GraphInputArgs) -> GraphOptions {
    GraphOptions {
        data_root: global.data_root.clone(),
        mode: if input.legacy {
            GraphMode::Legacy
        } else {
            GraphMode::Default
        },
        input: match input.from {
            GraphSource::Csv => GraphInput::Csv,
            GraphSource::Parquet => GraphInput::Parquet(input.parquet_root.clone()),
        },
        on_bad_row: input.on_bad_row,
    }
}

/// Builds the graph cache of dataset `name` into `dir`, unless it is up to date (or `force`), and
/// reports it.
pub(super) fn build(
    global: &GlobalArgs,
    input: &GraphInputArgs,
    dir: &std::path::Path,
    name: &str,
    force: bool,
    json: bool,
) -> anyhow::Result<()> {
    let catalog = super::load_catalog(global)?;
    let entry = super::dataset(&catalog, name)?;
    let working = Working::new(format!("graphs of {name}"));
    let report =
        ensure_cache(name, entry, &options(global, input), dir, force).map_err(ensure_error)?;
    drop(working);
    for skipped in &report.skipped {
        tracing::warn!("{name}: {skipped}");
    }
    if let Some(why) = report.built.as_ref().and_then(|b| b.replaced.as_ref()) {
        eprintln_notice(&format!("graph cache {} {why}: rebuilt", dir.display()));
    }
    print_report(&report, json)
}

/// Prints what a cache build or check found.
pub(super) fn print_report(report: &CacheReport, json: bool) -> anyhow::Result<()> {
    let meta = &report.meta;
    if json {
        let mut value = serde_json::to_value(meta)?;
        if let Some(b) = &report.built {
            value["build"] = serde_json::json!({
                "build_seconds": b.build_seconds,
                "write_seconds": b.write_seconds,
                "rows": b.rows,
                "changes": b.changes,
                "replaced": b.replaced,
            });
        }
        outln!("{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    let (train, val) = meta.split;
    outln!(
        "{} ({:?} mode): {} train+val graphs ({} attack) from {} captures; split {train}/{val}; {} ids incl. OOV",
        meta.dataset,
        meta.mode,
        meta.num_graphs,
        meta.train.attack_graphs,
        meta.source_csv_count,
        meta.num_unique_ids
    )?;
    for (scenario, counts) in &meta.test_scenarios {
        outln!(
            "  {scenario}: {} graphs ({} attack)",
            counts.num_graphs,
            counts.attack_graphs
        )?;
    }
    match &report.built {
        Some(b) => {
            outln!(
                "  built from {} messages in {:.2} s; cache written in {:.2} s",
                b.rows,
                b.build_seconds,
                b.write_seconds
            )?;
            for change in &b.changes {
                outln!("  changed: {change}")?;
            }
        }
        None => outln!("  cache up to date (created {})", meta.created_at)?,
    }
    Ok(())
}

fn show(global: &GlobalArgs, args: &GraphShowArgs) -> anyhow::Result<()> {
    let catalog = super::load_catalog(global)?;
    let entry = super::dataset(&catalog, &args.dataset)?;
    let options = options(global, &args.input);
    let graph = build_one_graph(&args.dataset, entry, &options, &args.file, args.window)
        .map_err(user_error)?;
    let mut one = GraphSet::default();
    one.push(&graph, 0, args.window as u32);
    outln!("{}", serde_json::to_string_pretty(&one.get(0).to_json())?)?;
    Ok(())
}

#[expect(
    clippy::print_stderr,
    reason = "a notice the user must see even without -v"
)]
fn eprintln_notice(message: &str) {
    eprintln!("note: {message}");
}

/// Bad or missing input is the user's to fix; other failures are ours.
fn user_error(err: GraphError) -> anyhow::Error {
    match err {
        GraphError::Data(CanDataError::Io { .. }) | GraphError::Listing { .. } => err.into(),
        GraphError::Data(_)
        | GraphError::NoTrainingData { .. }
        | GraphError::UnknownFile { .. }
        | GraphError::NoSuchWindow { .. } => UserError::InvalidData(Box::new(err)).into(),
    }
}

/// A cache that could not be brought up to date: the user's input or our failure.
pub(super) fn ensure_error(err: EnsureError) -> anyhow::Error {
    match err {
        EnsureError::Graph(e) => user_error(e),
        EnsureError::Catalog(_) | EnsureError::UnknownDataset { .. } => {
            UserError::InvalidData(Box::new(err)).into()
        }
        EnsureError::Cache(_) | EnsureError::Io { .. } => err.into(),
    }
}
