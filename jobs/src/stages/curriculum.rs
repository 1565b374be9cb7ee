//! The `curriculum` stage's training sample (REFERENCE.md §5): every attack graph of the training
//! split, plus normal graphs chosen among the hardest, more of them and harder ones as training goes.
//!
//! A normal graph's difficulty is the same variant's trained VGAE's reconstruction MSE plus 0.1 × its
//! CAN-ID cross-entropy. At epoch `e` of `E`, with progress `p = e / E`, the ratio of normals to
//! attacks is `start + p·(end − start)` (1 → 10) and the hardness percentile `P + p·(95 − P)`
//! (75 → 95): the hard normals are those scoring at least the percentile's score, and `ratio ×
//! attacks` of them (at most all) join the attacks.
//!
//! Each epoch draws its normals afresh, a seeded random choice among the hard ones. The reference
//! built its sample once (its data loader was not reloaded), so it trained on the first
//! `attacks` hard normals in list order at ratio 1 and percentile 75 throughout: `legacy` keeps
//! that fixed sample.

use crate::config::PipelineConfig;
use crate::graph::{derive_seed, permutation};
use crate::training::engine::EpochSample;

/// The hardness percentile at the end of training (a constant in the reference).
const END_PERCENTILE: f64 = 95.0;

/// Seed stream of the curriculum's draws (apart from the batch order's).
const DRAW_STREAM: u64 = 0xC0_11;

/// The curriculum over one training split.
#[derive(Debug, Clone)]
pub struct Curriculum {
    attacks: Vec<usize>,
    normals: Vec<usize>,
    difficulty: Vec<f64>,
    sorted_difficulty: Vec<f64>,
    start_ratio: f64,
    end_ratio: f64,
    start_percentile: f64,
    max_epochs: u32,
    seed: u64,
    legacy: bool,
}

/// Why a training split cannot have a curriculum.
#[derive(Debug, thiserror::Error)]
#[error(
    "the training split has {attacks} attack and {normals} normal graphs: the curriculum needs both"
)]
pub struct OneClassSplit {
    attacks: usize,
    normals: usize,
}

impl Curriculum {
    /// The curriculum of `attacks` and `normals` (training-split indices, in split order) with the
    /// normals' `difficulty` (same order), as `config` schedules it.
    pub fn new(
        attacks: Vec<usize>,
        normals: Vec<usize>,
        difficulty: Vec<f64>,
        config: &PipelineConfig,
        legacy: bool,
    ) -> Result<Curriculum, OneClassSplit> {
        if attacks.is_empty() || normals.is_empty() {
            return Err(OneClassSplit {
                attacks: attacks.len(),
                normals: normals.len(),
            });
        }
        let mut sorted_difficulty = difficulty.clone();
        sorted_difficulty.sort_by(f64::total_cmp);
        Ok(Curriculum {
            attacks,
            normals,
            difficulty,
            sorted_difficulty,
            start_ratio: config.curriculum_start_ratio,
            end_ratio: config.curriculum_end_ratio,
            start_percentile: config.difficulty_percentile,
            max_epochs: config.max_epochs.max(1),
            seed: config.seed,
            legacy,
        })
    }

    /// Attack and normal graphs of the training split.
    pub fn counts(&self) -> (usize, usize) {
        (self.attacks.len(), self.normals.len())
    }

    /// The normals-per-attack ratio and the hardness percentile of `epoch`.
    pub fn schedule(&self, epoch: u32) -> (f64, f64) {
        let progress = f64::from(epoch) / f64::from(self.max_epochs);
        (
            self.start_ratio + progress * (self.end_ratio - self.start_ratio),
            self.start_percentile + progress * (END_PERCENTILE - self.start_percentile),
        )
    }
}

impl EpochSample for Curriculum {
    fn graphs(&self, epoch: u32) -> Vec<usize> {
        let epoch = if self.legacy { 0 } else { epoch };
        let (ratio, percentile) = self.schedule(epoch);
        let at = ((self.sorted_difficulty.len() as f64 * percentile / 100.0) as usize)
            .min(self.sorted_difficulty.len() - 1);
        let threshold = self.sorted_difficulty[at];
        let hard: Vec<usize> = self
            .normals
            .iter()
            .zip(&self.difficulty)
            .filter(|(_, d)| **d >= threshold)
            .map(|(&g, _)| g)
            .collect();
        let n = ((self.attacks.len() as f64 * ratio) as usize).min(hard.len());
        let mut sample = self.attacks.clone();
        if self.legacy {
            sample.extend(&hard[..n]);
        } else {
            let draw = permutation(
                hard.len(),
                derive_seed(self.seed, &[DRAW_STREAM, u64::from(epoch)]),
            );
            sample.extend(draw[..n].iter().map(|&i| hard[i]));
        }
        sample
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curriculum(legacy: bool, max_epochs: u32) -> Curriculum {
        let config = PipelineConfig {
            max_epochs,
            ..PipelineConfig::default()
        };
        // 10 attacks (0..10), 100 normals (100..200) whose difficulty is their rank.
        let normals: Vec<usize> = (100..200).collect();
        let difficulty = (0..100).map(f64::from).collect();
        Curriculum::new((0..10).collect(), normals, difficulty, &config, legacy).unwrap()
    }

    #[test]
    fn the_sample_grows_and_hardens_over_the_epochs() {
        let c = curriculum(false, 10);
        assert_eq!(c.schedule(0), (1.0, 75.0));
        assert_eq!(c.schedule(5), (5.5, 85.0));
        let first = c.graphs(0);
        // All attacks, then 10 normals among the 25 hardest (difficulty ≥ 75).
        assert_eq!(&first[..10], &(0..10).collect::<Vec<_>>()[..]);
        assert_eq!(first.len(), 20);
        assert!(first[10..].iter().all(|&g| g >= 175));
        // Epoch 5: percentile 85 leaves 15 hard normals, fewer than 5.5 × 10: all of them.
        let mid = c.graphs(5);
        assert_eq!(mid.len(), 25);
        assert!(mid[10..].iter().all(|&g| g >= 185));
    }

    #[test]
    fn each_epoch_draws_afresh_and_legacy_keeps_the_first_sample() {
        // Over 1000 epochs, epochs 1 and 2 both take 10 of the same 25 hard normals.
        let c = curriculum(false, 1000);
        let normals = |epoch| {
            let mut n = c.graphs(epoch)[10..].to_vec();
            n.sort_unstable();
            n
        };
        let (e1, e2) = (normals(1), normals(2));
        assert_eq!((e1.len(), e2.len()), (10, 10));
        assert!(e1.iter().chain(&e2).all(|&g| g >= 175));
        assert_ne!(e1, e2, "a new draw every epoch");
        assert_eq!(normals(1), e1, "a pure function of the epoch");
        let legacy = curriculum(true, 10);
        let fixed = legacy.graphs(0);
        assert_eq!(fixed[10..], (175..185).collect::<Vec<_>>()[..]);
        assert_eq!(legacy.graphs(7), fixed);
    }

    #[test]
    fn a_split_without_attacks_is_refused() {
        let config = PipelineConfig::default();
        let err = Curriculum::new(vec![], vec![1, 2], vec![0.0, 1.0], &config, false).unwrap_err();
        assert!(err.to_string().contains("0 attack and 2 normal"), "{err}");
    }
}
