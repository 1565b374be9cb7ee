//! One module per subcommand; this file only routes.

mod config;
mod datasets;

use crate::cli::{Cli, Command, JobCommand};
use crate::error::UserError;

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let not_available = |command| Err(UserError::NotAvailable { command }.into());
    match cli.command {
        Command::Datasets(args) => datasets::run(&cli.global, &args),
        Command::Config(command) => config::run(command),
        Command::Ingest(_) => not_available("ingest"),
        Command::Graphs(_) => not_available("graphs"),
        Command::Models(_) => not_available("models"),
        Command::Pipeline(_) => not_available("pipeline"),
        Command::Submit(_) => not_available("submit"),
        Command::Daemon(_) => not_available("daemon"),
        Command::Status(_) => not_available("status"),
        Command::Cancel(_) => not_available("cancel"),
        Command::Recover(_) => not_available("recover"),
        Command::Db(_) => not_available("db"),
        Command::Analytics(_) => not_available("analytics"),
        Command::Mlflow(_) => not_available("mlflow"),
        Command::Job(JobCommand::Exec(_)) => not_available("job exec"),
    }
}
