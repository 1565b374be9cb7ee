//! Bounded retries: exponential backoff with jitter, honouring the server's `Retry-After`.

use std::time::Duration;

/// How transient failures are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The delay after the first failure; it doubles with each further one.
    pub base_delay: Duration,
    /// The longest delay between two attempts (a longer `Retry-After` is cut to this too).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts, 250 ms doubling to at most 15 s: a server restart of about a minute is bridged.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `failed + 1`, after `failed` failures (from 1): half the exponential
    /// delay plus a random part of the other half, or the server's `Retry-After` when it asks for
    /// longer; never more than `max_delay`.
    pub(crate) fn delay(
        &self,
        failed: u32,
        retry_after: Option<Duration>,
        jitter: &mut Jitter,
    ) -> Duration {
        let exponent = failed.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        let jittered = half + half.mul_f64(jitter.unit());
        retry_after
            .map_or(jittered, |asked| asked.max(jittered))
            .min(self.max_delay)
    }
}

/// A small random source for jitter (xorshift64*), seeded from the clock and the process id.
#[derive(Debug, Clone)]
pub(crate) struct Jitter(u64);

impl Jitter {
    /// A source seeded from the clock and the process id.
    pub fn new() -> Jitter {
        let nanos = std::time::UNIX_EPOCH
            .elapsed()
            .map_or(0, |d| d.as_nanos() as u64);
        Jitter((nanos ^ u64::from(std::process::id()).rotate_left(32)) | 1)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Parses `Retry-After` given in seconds (the HTTP-date form is ignored: backoff applies).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_stay_jittered_and_bounded() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        };
        let mut jitter = Jitter::new();
        for failed in 1..=12 {
            let full =
                Duration::from_millis(100 * (1 << (failed - 1).min(20))).min(policy.max_delay);
            let d = policy.delay(failed, None, &mut jitter);
            assert!(
                d >= full / 2 && d <= full,
                "failure {failed}: {d:?} vs {full:?}"
            );
        }
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(1)), &mut jitter),
            Duration::from_secs(1)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600)), &mut jitter),
            policy.max_delay
        );
    }

    #[test]
    fn retry_after_seconds_only() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn jitter_is_in_the_unit_interval() {
        let mut jitter = Jitter::new();
        let draws: Vec<f64> = (0..1000).map(|_| jitter.unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        assert!(draws.iter().any(|u| *u < 0.1) && draws.iter().any(|u| *u > 0.9));
    }
}
