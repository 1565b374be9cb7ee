//! Admission of batch job submissions, so a sweep of a thousand runs does not flood the controller:
//! at most `max_active` batch jobs live at once (submitted and not yet ended), and no more than
//! `per_second` submissions a second (a token bucket holding one second's worth, so a burst of
//! that size goes at once). Pure: the caller passes the time and the counts.

use std::time::{Duration, Instant};

/// The bounds on submissions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubmitLimits {
    /// Batch jobs live at once; `None`: no bound.
    pub max_active: Option<usize>,
    /// Submissions per second; `None`: no bound.
    pub per_second: Option<f64>,
}

impl SubmitLimits {
    /// No bounds (the local executor queues jobs itself).
    pub const NONE: SubmitLimits = SubmitLimits {
        max_active: None,
        per_second: None,
    };
}

/// What admission has decided so far: the tokens left and when they were counted.
#[derive(Debug, Clone)]
pub struct Admission {
    limits: SubmitLimits,
    tokens: f64,
    counted_at: Option<Instant>,
}

impl Admission {
    /// Admission under `limits`, with a full bucket.
    pub fn new(limits: SubmitLimits) -> Admission {
        Admission {
            limits,
            tokens: limits.per_second.map_or(0.0, bucket_size),
            counted_at: None,
        }
    }

    /// How many of `waiting` submissions may go now, with `active` batch jobs live or being
    /// submitted; the tokens they use are taken.
    pub fn admit(&mut self, now: Instant, active: usize, waiting: usize) -> usize {
        let room = self
            .limits
            .max_active
            .map_or(waiting, |max| max.saturating_sub(active));
        let mut admitted = waiting.min(room);
        if let Some(rate) = self.limits.per_second {
            self.refill(now, rate);
            // Whole tokens only; the float is a count of at most one second's worth.
            admitted = admitted.min(self.tokens.floor() as usize);
            self.tokens -= admitted as f64;
        }
        admitted
    }

    /// How long until the next token, when the rate is what holds submissions back.
    pub fn next_token_in(&self) -> Option<Duration> {
        let rate = self.limits.per_second?;
        let missing = (1.0 - self.tokens).max(0.0);
        Some(Duration::from_secs_f64(missing / rate).max(Duration::from_millis(1)))
    }

    fn refill(&mut self, now: Instant, rate: f64) {
        if let Some(then) = self.counted_at {
            let earned = now.saturating_duration_since(then).as_secs_f64() * rate;
            self.tokens = (self.tokens + earned).min(bucket_size(rate));
        }
        self.counted_at = Some(now);
    }
}

/// One second's worth of submissions, and at least one.
fn bucket_size(rate: f64) -> f64 {
    rate.max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_limits_admit_everything() {
        let mut a = Admission::new(SubmitLimits::NONE);
        assert_eq!(a.admit(Instant::now(), 10_000, 500), 500);
        assert_eq!(a.next_token_in(), None);
    }

    #[test]
    fn live_jobs_bound_what_goes() {
        let limits = SubmitLimits {
            max_active: Some(4),
            per_second: None,
        };
        let mut a = Admission::new(limits);
        let now = Instant::now();
        assert_eq!(a.admit(now, 0, 10), 4);
        assert_eq!(a.admit(now, 3, 10), 1);
        assert_eq!(a.admit(now, 4, 10), 0);
        assert_eq!(
            a.admit(now, 9, 10),
            0,
            "more live than allowed (taken up after a restart)"
        );
    }

    #[test]
    fn the_rate_allows_a_second_s_burst_then_one_per_interval() {
        let limits = SubmitLimits {
            max_active: None,
            per_second: Some(5.0),
        };
        let mut a = Admission::new(limits);
        let t0 = Instant::now();
        assert_eq!(a.admit(t0, 0, 100), 5, "a full bucket");
        assert_eq!(a.admit(t0, 5, 100), 0);
        assert_eq!(a.next_token_in(), Some(Duration::from_millis(200)));
        assert_eq!(a.admit(t0 + Duration::from_millis(199), 5, 100), 0);
        assert_eq!(a.admit(t0 + Duration::from_millis(400), 5, 100), 2);
        // An idle minute refills the bucket, no more.
        assert_eq!(a.admit(t0 + Duration::from_secs(60), 0, 100), 5);
        // Over a long run the rate holds: 10 s give 50 more.
        let mut total = 0;
        for ms in (60_000..70_000).step_by(100) {
            total += a.admit(t0 + Duration::from_millis(ms + 100), 0, 100);
        }
        assert_eq!(total, 50);
    }

    #[test]
    fn both_bounds_together_and_slow_rates() {
        let limits = SubmitLimits {
            max_active: Some(2),
            per_second: Some(0.5),
        };
        let mut a = Admission::new(limits);
        let t0 = Instant::now();
        assert_eq!(a.admit(t0, 0, 10), 1, "a bucket holds at least one");
        assert_eq!(a.next_token_in(), Some(Duration::from_secs(2)));
        assert_eq!(a.admit(t0 + Duration::from_secs(2), 2, 10), 0, "no room");
        assert_eq!(a.admit(t0 + Duration::from_secs(2), 1, 10), 1);
    }
}
