//! Preemption: SIGUSR2 (what `sbatch --signal=B:USR2@grace` sends before the time limit) and SIGTERM
//! (scancel, the local executor's cancel) set a flag; the engine finishes its current step, writes
//! a resumable checkpoint and the process exits with [`PREEMPTED_EXIT`], which the supervisor reads
//! as "requeue and resume".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The exit status of a preempted job that left a resumable checkpoint (`EX_TEMPFAIL`).
pub const PREEMPTED_EXIT: i32 = 75;

/// A stop request, shared with the signal handlers.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// A flag that SIGUSR2 and SIGTERM raise.
    pub fn on_signals() -> std::io::Result<StopFlag> {
        let flag = StopFlag::default();
        for signal in [signal_hook::consts::SIGUSR2, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, Arc::clone(&flag.0))?;
        }
        Ok(flag)
    }

    /// Whether a stop was requested.
    pub fn raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Requests a stop (for tests and callers that decide themselves).
    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}
