//! Signals to a whole process group, and which process a pid is, through libc and `/proc` (there
//! is no safe std API for either). A pid alone does not name a process for long: once the process
//! is gone the kernel may give the number to another one, so a process is known by its pid and its
//! start time ([`Process`]), and nothing is signalled unless both still match.

use std::time::{Duration, Instant};

/// A process known by its pid and its start time (`/proc/PID/stat` field 22, in clock ticks since
/// boot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Process {
    /// Its pid (for the group leaders started here, also the group id).
    pub pid: u32,
    /// When it started; `None` for a record without one (written before kdgat kept it).
    pub start: Option<u64>,
}

impl Process {
    /// The running process `pid`, with its start time.
    pub fn of(pid: u32) -> Process {
        Process {
            pid,
            start: stat(pid).map(|(_, start)| start),
        }
    }

    /// Whether this very process still runs (not a zombie, and not another process that got the
    /// same pid later).
    pub fn is_running(&self) -> bool {
        match stat(self.pid) {
            Some((state, start)) => state != 'Z' && self.start.is_none_or(|s| s == start),
            None => false,
        }
    }
}

/// The state letter and start time of `pid`, from `/proc/PID/stat`.
fn stat(pid: u32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name (which may hold spaces): the state is field 3,
    // the start time field 22.
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

/// Sends `signal` to every process of group `pgid`; false if no such group exists.
#[expect(unsafe_code, reason = "kill(2) has no safe wrapper in std")]
fn signal_group(pgid: u32, signal: i32) -> bool {
    let Ok(pgid) = i32::try_from(pgid) else {
        return false;
    };
    // SAFETY: kill(2) takes plain integers and has no memory effects; a negative pid addresses the group.
    unsafe { libc::kill(-pgid, signal) == 0 }
}

/// SIGTERM to the group `leader` leads, then SIGKILL if it is still there after `grace`. Nothing
/// is sent when the leader is no longer that process.
pub fn terminate_group(leader: &Process, grace: Duration) {
    if !leader.is_running() || !signal_group(leader.pid, libc::SIGTERM) {
        return;
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if !leader.is_running() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if leader.is_running() {
        signal_group(leader.pid, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_is_its_pid_and_start_time() {
        let me = Process::of(std::process::id());
        assert!(me.start.is_some() && me.is_running());
        let impostor = Process {
            start: me.start.map(|s| s + 1),
            ..me
        };
        assert!(!impostor.is_running(), "same pid, other start time");
    }
}
