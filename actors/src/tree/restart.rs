//! Bounded restarts with backoff, as data: how a supervising actor decides whether, and after how
//! long, to restart a child that failed ([`Restarts::next`]), and [`Children`], the named children
//! of a supervising actor with their restart histories. ractor has no restart strategies of its own;
//! every supervisor of the tree uses these.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use ractor::ActorCell;

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

/// A supervisor's children by name, each with what the supervisor keeps of it, and their restarts.
pub struct Children<T> {
    entries: BTreeMap<String, (ActorCell, T)>,
    restarts: BTreeMap<String, Restarts>,
    policy: RestartPolicy,
}

/// A child that failed, taken out of [`Children`].
pub struct Failed<T> {
    /// Its name.
    pub name: String,
    /// What the supervisor kept of it.
    pub value: T,
    /// The wait before restarting it; `None` to give up.
    pub restart_after: Option<Duration>,
}

impl<T> Default for Children<T> {
    fn default() -> Self {
        Children {
            entries: BTreeMap::new(),
            restarts: BTreeMap::new(),
            policy: RestartPolicy::default(),
        }
    }
}

impl<T> Children<T> {
    /// Adds (or replaces) a child.
    pub fn insert(&mut self, name: impl Into<String>, cell: ActorCell, value: T) {
        self.entries.insert(name.into(), (cell, value));
    }

    /// What is kept of a child.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.entries.get(name).map(|(_, v)| v)
    }

    /// Forgets a child (it ended).
    pub fn remove(&mut self, name: &str) -> Option<T> {
        self.entries.remove(name).map(|(_, v)| v)
    }

    /// The children's names, in order.
    pub fn names(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    /// What is kept of every child.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.values().map(|(_, v)| v)
    }

    /// Takes out the child whose actor failed, with the decision to restart it or not; `None` if
    /// the actor is not one of these children.
    pub fn failed(&mut self, cell: &ActorCell) -> Option<Failed<T>> {
        let name = self
            .entries
            .iter()
            .find(|(_, (c, _))| c.get_id() == cell.get_id())
            .map(|(name, _)| name.clone())?;
        let (_, value) = self.entries.remove(&name)?;
        let restart_after = self
            .restarts
            .entry(name.clone())
            .or_default()
            .next(&self.policy, Instant::now());
        Some(Failed {
            name,
            value,
            restart_after,
        })
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
