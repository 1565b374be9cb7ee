//! `kdgat cancel SWEEP|RUN`: asks the state directory's daemon to cancel a sweep, or a run and the
//! runs after it, and prints what it did once their batch jobs have ended.

use kdgat_actors::daemon::Request;

use crate::cli::{CancelArgs, GlobalArgs};
use crate::error::UserError;
use crate::output::outln;

/// Cancels through the daemon.
pub fn run(global: &GlobalArgs, args: &CancelArgs) -> anyhow::Result<()> {
    let Some((daemon, _)) = super::daemon::connect(&global.state_dir)? else {
        return Err(UserError::NoDaemon {
            state_dir: global.state_dir.clone(),
        }
        .into());
    };
    let done = daemon
        .request(&Request::Cancel {
            target: args.target.clone(),
        })
        .map_err(UserError::from)?;
    outln!("{done}")?;
    Ok(())
}
