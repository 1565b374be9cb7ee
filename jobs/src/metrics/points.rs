//! What the report draws of a model on a split, written into `metrics.json` beside the reference's
//! `core` and `additional` sections (new keys only; the project database and the MLflow import read
//! those two sections and nothing else):
//!
//! - `curves`: the ROC curve (`fpr`, `tpr`) and the precision-recall curve (`recall`, `precision`)
//!   as scikit-learn computes them ([`roc_curve`], [`precision_recall_curve`]), thinned so that
//!   consecutive points are at least [`CURVE_STEP`] apart on either axis: a curve of 30,000 graphs
//!   keeps its shape in a few hundred points;
//! - `alpha` (fusion): how often the agent chose each α, per class.

use serde::{Deserialize, Serialize};

use super::curves::Roc;

/// The smallest change on either axis between two kept curve points.
pub const CURVE_STEP: f64 = 1.0 / 256.0;

/// The ROC curve's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocPoints {
    /// False positive rates, increasing.
    pub fpr: Vec<f64>,
    /// True positive rates.
    pub tpr: Vec<f64>,
}

/// The precision-recall curve's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrPoints {
    /// Recall, decreasing.
    pub recall: Vec<f64>,
    /// Precision.
    pub precision: Vec<f64>,
}

/// Both ranking curves of one model on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curves {
    /// The ROC curve.
    pub roc: RocPoints,
    /// The precision-recall curve.
    pub pr: PrPoints,
}

impl Curves {
    /// The thinned curves of a ROC curve and a precision-recall curve.
    pub(crate) fn of(roc: &Roc, precision: &[f64], recall: &[f64]) -> Curves {
        let (fpr, tpr) = thin(&roc.fpr, &roc.tpr);
        let (recall, precision) = thin(recall, precision);
        Curves {
            roc: RocPoints { fpr, tpr },
            pr: PrPoints { recall, precision },
        }
    }
}

/// The first and last points, and every point at least [`CURVE_STEP`] away (on either axis) from
/// the last one kept.
fn thin(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (mut tx, mut ty) = (Vec::new(), Vec::new());
    for (i, (&a, &b)) in x.iter().zip(y).enumerate() {
        let far = tx
            .last()
            .zip(ty.last())
            .is_none_or(|(&pa, &pb): (&f64, &f64)| {
                (a - pa).abs() >= CURVE_STEP || (b - pb).abs() >= CURVE_STEP
            });
        if far || i + 1 == x.len() {
            tx.push(a);
            ty.push(b);
        }
    }
    (tx, ty)
}

/// How often the fusion agent chose each α, per class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaHistogram {
    /// The α of each action, `i / (steps − 1)`.
    pub alpha: Vec<f64>,
    /// Normal graphs per α.
    pub normal: Vec<u64>,
    /// Attack graphs per α.
    pub attack: Vec<u64>,
}

impl AlphaHistogram {
    /// The histogram of the α chosen for each graph (`alphas`, each `i / (steps − 1)`) by label.
    pub fn of(labels: &[u8], alphas: &[f64], steps: usize) -> AlphaHistogram {
        let last = steps.saturating_sub(1).max(1);
        let mut histogram = AlphaHistogram {
            alpha: (0..steps).map(|i| i as f64 / last as f64).collect(),
            normal: vec![0; steps],
            attack: vec![0; steps],
        };
        for (&y, &a) in labels.iter().zip(alphas) {
            let bin = ((a * last as f64).round().max(0.0) as usize).min(steps.saturating_sub(1));
            let counts = if y == 0 {
                &mut histogram.normal
            } else {
                &mut histogram.attack
            };
            if let Some(c) = counts.get_mut(bin) {
                *c += 1;
            }
        }
        histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{precision_recall_curve, roc_curve};

    #[test]
    fn thinned_curves_keep_their_ends_and_at_most_a_few_hundred_points() {
        let n = 30_000;
        let labels: Vec<u8> = (0..n).map(|i| u8::from(i % 3 == 0)).collect();
        // Overlapping classes, every score distinct: a long, smooth curve.
        let scores: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 0.618_034).fract() + f64::from(labels[i]) * 0.3)
            .collect();
        let roc = roc_curve(&labels, &scores);
        let (precision, recall) = precision_recall_curve(&labels, &scores);
        let curves = Curves::of(&roc, &precision, &recall);
        assert!(roc.fpr.len() > 1000 && precision.len() > 1000);
        for (x, y, full_x, full_y) in [
            (&curves.roc.fpr, &curves.roc.tpr, &roc.fpr, &roc.tpr),
            (&curves.pr.recall, &curves.pr.precision, &recall, &precision),
        ] {
            assert_eq!(x.len(), y.len());
            assert!(x.len() <= 1024 && x.len() > 100, "{} points", x.len());
            assert_eq!((x[0], y[0]), (full_x[0], full_y[0]));
            assert_eq!(x.last(), full_x.last());
            assert_eq!(y.last(), full_y.last());
            assert!(x.windows(2).all(|w| w[0] <= w[1]) || x.windows(2).all(|w| w[0] >= w[1]));
        }
        // A short curve is kept whole.
        let roc = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]);
        assert_eq!(Curves::of(&roc, &[1.0], &[0.0]).roc.fpr, roc.fpr);
    }

    #[test]
    fn alpha_counts_go_to_their_action_and_class() {
        let h = AlphaHistogram::of(&[0, 0, 1, 1, 1], &[0.0, 0.05, 1.0, 1.0, 0.55], 21);
        assert_eq!(h.alpha.len(), 21);
        assert_eq!((h.alpha[1], h.alpha[20]), (0.05, 1.0));
        assert_eq!((h.normal[0], h.normal[1]), (1, 1));
        assert_eq!((h.attack[20], h.attack[11]), (2, 1));
        assert_eq!(
            h.normal.iter().sum::<u64>() + h.attack.iter().sum::<u64>(),
            5
        );
    }
}
