//! The `kdgat` binary: parse the command line, dispatch, map the outcome to an exit code.

mod cli;
mod commands;
mod error;
mod exit_code;
mod fix;
mod logging;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// The data stages allocate and free large buffers per capture file; mimalloc reuses them where the
/// system allocator returns them to the kernel and faults fresh zeroed pages in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let daemon =
        matches!(&cli.command, cli::Command::Daemon(cli::DaemonCommand::Start(a)) if a.foreground);
    logging::init(cli.global.verbose, daemon);
    match commands::dispatch(cli) {
        Ok(()) => ExitCode::from(exit_code::SUCCESS),
        Err(err) => error::report(&err),
    }
}
