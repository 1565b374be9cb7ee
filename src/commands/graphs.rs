//! `kdgat graphs <dataset>` builds (or confirms) the graph cache; `kdgat graphs show` prints one graph.

use std::time::Instant;

use kdgat_jobs::can::CanDataError;
use kdgat_jobs::graph::cache::{self, CacheMetadata, CacheState};
use kdgat_jobs::graph::{
    GraphError, GraphInput, GraphMode, GraphOptions, GraphSet, build_graphs, build_one_graph,
    sources_for,
};

use crate::cli::{
    GlobalArgs, GraphInputArgs, GraphShowArgs, GraphSource, GraphsArgs, GraphsCommand,
};
use crate::error::UserError;
use crate::output::outln;

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
    let options = options(global, input);
    let sources = sources_for(name, entry, &options).map_err(user_error)?;
    for skipped in &sources.skipped {
        tracing::warn!("{name}: {skipped}");
    }
    let fingerprints = cache::fingerprints(&sources)?;
    if !force {
        match cache::check(dir, options.mode, &fingerprints) {
            CacheState::Fresh(meta) => {
                tracing::info!("graph cache {} is up to date", dir.display());
                return report(&meta, None, json);
            }
            CacheState::Missing => {}
            CacheState::Stale(why) => eprintln_notice(&format!(
                "graph cache {} is stale ({why}): rebuilding",
                dir.display()
            )),
            CacheState::Corrupt(why) => eprintln_notice(&format!(
                "graph cache {} is corrupt ({why}): rebuilding",
                dir.display()
            )),
        }
    }
    let started = Instant::now();
    let built = build_graphs(name, entry, &options, sources).map_err(user_error)?;
    let build_seconds = started.elapsed().as_secs_f64();
    let meta = cache::write(dir, name, &built, options.mode)?;
    let mut changes = meta.changes.clone();
    if built.rows_kept_over_legacy > 0 {
        changes.push(format!(
            "{} rows kept that the reference's 5000-row chunking drops",
            built.rows_kept_over_legacy
        ));
    }
    let summary = BuildSummary {
        build_seconds,
        write_seconds: started.elapsed().as_secs_f64() - build_seconds,
        rows: built.rows,
        changes,
    };
    report(&meta, Some(&summary), json)
}

struct BuildSummary {
    build_seconds: f64,
    write_seconds: f64,
    rows: usize,
    changes: Vec<String>,
}

fn report(meta: &CacheMetadata, built: Option<&BuildSummary>, json: bool) -> anyhow::Result<()> {
    if json {
        let mut value = serde_json::to_value(meta)?;
        if let Some(b) = built {
            value["build"] = serde_json::json!({
                "build_seconds": b.build_seconds,
                "write_seconds": b.write_seconds,
                "rows": b.rows,
                "changes": b.changes,
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
    match built {
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
