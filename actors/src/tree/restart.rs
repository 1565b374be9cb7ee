//! Bounded restarts with backoff, as data: how a supervising actor decides whether, and after how
//! long, to restart a child that failed ([`Restarts::next`]). ractor has no restart strategies of
//! its own; every supervisor of the tree uses this one.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How many restarts are allowed in a window, and the backoff between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Restarts allowed within `window`; one more gives up.
    pub max_restarts: u32,
    /// The window.
    pub window: Duration,
    /// The wait before the first restart; doubled for each restart still in the window.
    pub first_backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy {
            max_restarts: 3,
            window: Duration::from_secs(60),
            first_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// One child's recent restarts.
#[derive(Debug, Clone, Default)]
pub struct Restarts {
    recent: VecDeque<Instant>,
}

impl Restarts {
    /// After a failure at `now`: the wait before restarting, or `None` to give up.
    pub fn next(&mut self, policy: &RestartPolicy, now: Instant) -> Option<Duration> {
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > policy.window)
        {
            self.recent.pop_front();
        }
        let n = self.recent.len() as u32;
        if n >= policy.max_restarts {
            return None;
        }
        self.recent.push_back(now);
        Some((policy.first_backoff * (1u32 << n.min(16))).min(policy.max_backoff))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_then_give_up_and_forget_old_failures() {
        let policy = RestartPolicy::default();
        let mut r = Restarts::default();
        let t0 = Instant::now();
        assert_eq!(r.next(&policy, t0), Some(Duration::from_millis(200)));
        assert_eq!(r.next(&policy, t0), Some(Duration::from_millis(400)));
        assert_eq!(r.next(&policy, t0), Some(Duration::from_millis(800)));
        assert_eq!(
            r.next(&policy, t0),
            None,
            "a fourth failure within the minute"
        );
        let later = t0 + Duration::from_secs(61);
        assert_eq!(r.next(&policy, later), Some(Duration::from_millis(200)));
    }
}
