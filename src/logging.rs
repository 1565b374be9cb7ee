//! Log output to stderr through `tracing`: warnings by default (a daemon's log: information), more
//! with `-v`, `RUST_LOG` wins.
//! Colours only when stderr is a terminal and `NO_COLOR` is unset: a log file or a pipe gets plain
//! text.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a daemon (`daemon`) logs what it does by default.
pub fn init(verbose: u8, daemon: bool) {
    let default = match verbose {
        0 if daemon => "info",
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .init();
}
