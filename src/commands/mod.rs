//! One module per subcommand; this file only routes.

mod analytics;
mod cancel;
mod completions;
mod config;
mod daemon;
mod datasets;
mod db;
mod graphs;
mod ingest;
mod job;
mod logs;
mod mlflow;
mod models;
mod preflight;
mod recover;
mod report;
mod status;
mod submit;
mod supervisor;
mod synth;

use kdgat_jobs::catalog::{Catalog, DatasetEntry};

use crate::cli::{Cli, Command, GlobalArgs, JobCommand};
use crate::error::UserError;

/// The catalog of the global options.
fn load_catalog(global: &GlobalArgs) -> Result<Catalog, UserError> {
    Ok(Catalog::load(global.catalog.as_deref())?)
}

/// One dataset of the catalog, or an error listing the known names.
fn dataset<'a>(catalog: &'a Catalog, name: &str) -> Result<&'a DatasetEntry, UserError> {
    catalog.get(name).ok_or_else(|| UserError::UnknownDataset {
        name: name.to_string(),
        known: catalog.names().collect::<Vec<_>>().join(", "),
    })
}

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Datasets(args) => datasets::run(&cli.global, &args),
        Command::Config(command) => config::run(command),
        Command::Ingest(args) => ingest::run(&cli.global, &args),
        Command::Graphs(args) => graphs::run(&cli.global, &args),
        Command::Synth(args) => synth::run(&cli.global, &args),
        Command::Models(args) => models::run(&args),
        Command::Submit(args) => submit::run(&cli.global, &args),
        Command::Daemon(command) => daemon::run(&cli.global, command),
        Command::Status(args) => status::run(&cli.global, &args),
        Command::Cancel(args) => cancel::run(&cli.global, &args),
        Command::Logs(args) => logs::run(&cli.global, &args),
        Command::Recover(args) => recover::run(&cli.global, &args),
        Command::Report(args) => report::run(&args),
        Command::Db(command) => db::run(&cli.global, command),
        Command::Analytics(command) => analytics::run(&cli.global, command),
        Command::Mlflow(command) => mlflow::run(&cli.global, command),
        Command::Job(JobCommand::Exec(args)) => job::exec(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Job(JobCommand::Spec(args)) => job::spec(&args),
    }
}
