//! The `kdgat` binary: parse the command line, dispatch, map the outcome to an exit code.

mod cli;
mod commands;
mod error;
mod exit_code;
mod logging;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(cli.global.verbose);
    match commands::dispatch(cli) {
        Ok(()) => ExitCode::from(exit_code::SUCCESS),
        Err(err) => error::report(&err),
    }
}
