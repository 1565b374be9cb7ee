//! `kdgat logs RUN [--attempt N] [--stderr] [--follow]`: finds the attempt in the project database
//! and prints its log, or follows it until the database says the attempt ended. The database is
//! refreshed from the store once; while following, the export that the supervisor running the
//! attempt keeps current is only read. How the attempt ended and what the supervisor decided then
//! (a retry by failure class, or the end of the run) follow on stderr.

use std::time::Duration;

use kdgat_actors::logs::{LogStream, copy_from, follow};
use kdgat_store::Analytics;

use crate::cli::{GlobalArgs, LogsArgs};
use crate::error::UserError;
use crate::output::StdoutError;

/// How often a followed log and the database are read again.
const POLL: Duration = Duration::from_millis(500);

/// Prints the log.
pub fn run(global: &GlobalArgs, args: &LogsArgs) -> anyhow::Result<()> {
    let place = super::db::analytics(global)?
        .attempt_place(&args.run, args.attempt)?
        .ok_or_else(|| {
            let which = args
                .attempt
                .map_or("no attempt".to_string(), |n| format!("no attempt {n}"));
            UserError::InvalidData(
                format!(
                    "run `{}` has {which} (`kdgat status {}` lists its attempts)",
                    args.run, args.run
                )
                .into(),
            )
        })?;
    let stream = if args.stderr {
        LogStream::Stderr
    } else {
        LogStream::Stdout
    };
    let path = stream.path(&place.dir);
    let mut out = std::io::stdout().lock();
    let printed = if args.follow && !place.ended {
        let export = super::db::default_export(&global.state_dir);
        follow(&path, &mut out, POLL, || {
            let now = Analytics::open(&export)
                .and_then(|db| db.attempt_place(&args.run, Some(place.attempt)))
                .map_err(std::io::Error::other)?;
            Ok(now.is_none_or(|p| p.ended))
        })
    } else {
        copy_from(&path, 0, &mut out).map(|_| ())
    };
    printed.map_err(|e| match e.kind() {
        // The reader went away (`kdgat logs … | head`): quiet, as for every command.
        std::io::ErrorKind::BrokenPipe => StdoutError(e).into(),
        _ => anyhow::Error::new(e).context(path.display().to_string()),
    })?;
    // How the attempt ended and what followed, on stderr: the log itself stays the job's own.
    let place = super::db::analytics(global)?
        .attempt_place(&args.run, Some(place.attempt))?
        .unwrap_or(place);
    if let Some(decision) = &place.decision {
        #[expect(
            clippy::print_stderr,
            reason = "a note beside the job's own log on stdout"
        )]
        {
            eprintln!(
                "kdgat: attempt {} ended {}: {decision}",
                place.attempt, place.state
            );
        }
    }
    Ok(())
}
