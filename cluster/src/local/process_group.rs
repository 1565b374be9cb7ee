//! Signals to a whole process group, and whether a process still runs, through libc (there is no
//! safe std API for either).

/// Sends `signal` to every process of group `pgid`; false if no such group exists.
#[expect(unsafe_code, reason = "kill(2) has no safe wrapper in std")]
pub fn signal_group(pgid: u32, signal: i32) -> bool {
    let Ok(pgid) = i32::try_from(pgid) else {
        return false;
    };
    // SAFETY: kill(2) takes plain integers and has no memory effects; a negative pid addresses the group.
    unsafe { libc::kill(-pgid, signal) == 0 }
}

/// Whether a process with this pid exists and is not a zombie.
pub fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// SIGTERM to the group, then SIGKILL if it is still there after `grace`.
pub fn terminate_group(pgid: u32, grace: std::time::Duration) {
    if !signal_group(pgid, libc::SIGTERM) {
        return;
    }
    let deadline = std::time::Instant::now() + grace;
    while std::time::Instant::now() < deadline {
        if !is_running(pgid) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    signal_group(pgid, libc::SIGKILL);
}
