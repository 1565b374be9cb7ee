//! The generator's random numbers: a SplitMix64 stream (the graph split's generator), one per vehicle
//! and per capture, each seeded from the dataset seed and its own tag, so that every file is
//! reproducible on its own and the captures can be written in parallel.

use crate::graph::{derive_seed, splitmix64};

/// A seeded stream of random numbers.
pub(crate) struct Rng(u64);

impl Rng {
    /// The stream of `seed` tagged with `parts` (e.g. a capture's index).
    pub(crate) fn new(seed: u64, parts: &[u64]) -> Rng {
        Rng(derive_seed(seed, parts))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        splitmix64(&mut self.0)
    }

    /// Uniform in `0..n` for `n > 0` (Lemire's multiply-shift; the bias is below n / 2⁶⁴).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`.
    pub(crate) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// `true` with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// `value` moved by a uniform step in `-spread..=spread`, never below 0.
    pub(crate) fn jitter(&mut self, value: u64, spread: u64) -> u64 {
        (value + self.below(2 * spread + 1)).saturating_sub(spread)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_seeded_bounded_and_distinct() {
        let draw = |parts: &[u64]| {
            let mut rng = Rng::new(7, parts);
            (0..1000).map(|_| rng.between(3, 9)).collect::<Vec<_>>()
        };
        let a = draw(&[1]);
        assert_eq!(a, draw(&[1]));
        assert_ne!(a, draw(&[2]));
        assert!(a.iter().all(|v| (3..=9).contains(v)));
        assert!((3..=9).all(|v| a.contains(&v)), "every value is reached");
        let mut rng = Rng::new(7, &[]);
        assert!((0..1000).all(|_| (0.0..1.0).contains(&rng.unit())));
        assert!((0..1000).all(|_| rng.jitter(5, 10) <= 15));
    }
}
