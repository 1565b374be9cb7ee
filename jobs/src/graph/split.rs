//! The seeded 80/20 train/validation split of the pooled training graphs: the first `⌊0.8·n⌋` of a
//! seeded permutation train, the rest validate (the reference's `random_split` with
//! `[int(0.8·n), n − int(0.8·n)]`; 9,364 graphs → 7,491 / 1,873). The permutation is our own
//! (SplitMix64 + Fisher–Yates): the reference's depended on unsorted `os.walk` order anyway, so only
//! the sizes can match it.

/// The share of graphs used for training.
pub const TRAIN_FRACTION: f64 = 0.8;

/// A seeded permutation of `0..n` (SplitMix64 + Fisher–Yates).
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed;
    for i in (1..n).rev() {
        let j = (splitmix64(&mut state) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// A seed derived from `seed` and `parts` (e.g. epoch and step), well mixed.
pub fn derive_seed(seed: u64, parts: &[u64]) -> u64 {
    let mut state = seed;
    let mut out = splitmix64(&mut state);
    for part in parts {
        state ^= part.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        out = splitmix64(&mut state);
    }
    out
}

/// Indices of the training and validation graphs, each sorted.
pub fn split_indices(n: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let order = permutation(n, seed);
    let n_train = (n as f64 * TRAIN_FRACTION) as usize;
    let mut train = order[..n_train].to_vec();
    let mut val = order[n_train..].to_vec();
    train.sort_unstable();
    val.sort_unstable();
    (train, val)
}

/// One step of SplitMix64: advances `state` and returns the next 64 random bits.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_reference_and_the_split_is_a_seeded_partition() {
        let (train, val) = split_indices(9364, 42);
        assert_eq!((train.len(), val.len()), (7491, 1873));
        let mut all: Vec<usize> = train.iter().chain(&val).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..9364).collect::<Vec<_>>());
        assert_eq!(split_indices(9364, 42), (train, val.clone()));
        assert_ne!(split_indices(9364, 7).1, val);
        assert_eq!(split_indices(0, 42), (vec![], vec![]));
    }
}
