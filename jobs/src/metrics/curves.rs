//! Ranking curves as scikit-learn computes them: the binary classification curve (distinct score
//! thresholds in decreasing order with cumulative true and false positives), the ROC curve with
//! collinear points dropped (`drop_intermediate=True`) and an infinite first threshold, the
//! precision-recall curve, and the trapezoidal area under a curve.

/// Cumulative counts at each distinct score, highest score first.
struct ClfCurve {
    fps: Vec<f64>,
    tps: Vec<f64>,
    thresholds: Vec<f64>,
}

/// scikit-learn's `_binary_clf_curve`: scores sorted in decreasing order (stable, ties kept in
/// reverse input order as `argsort(kind="mergesort")[::-1]` leaves them), one point per distinct
/// score.
fn clf_curve(labels: &[u8], scores: &[f64]) -> ClfCurve {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    order.reverse();
    let mut curve = ClfCurve {
        fps: Vec::new(),
        tps: Vec::new(),
        thresholds: Vec::new(),
    };
    let mut tp = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        tp += f64::from(labels[i]);
        let last_of_value = order
            .get(rank + 1)
            .is_none_or(|&next| scores[next] != scores[i]);
        if last_of_value {
            curve.tps.push(tp);
            curve.fps.push((rank + 1) as f64 - tp);
            curve.thresholds.push(scores[i]);
        }
    }
    curve
}

/// A ROC curve: false and true positive rates at each threshold, the first threshold infinite.
#[derive(Debug, Clone, PartialEq)]
pub struct Roc {
    /// False positive rates (NaN when there are no negatives).
    pub fpr: Vec<f64>,
    /// True positive rates (NaN when there are no positives).
    pub tpr: Vec<f64>,
    /// Score thresholds: `score >= threshold` is predicted positive.
    pub thresholds: Vec<f64>,
}

/// scikit-learn's `roc_curve(labels, scores)` with its defaults.
pub fn roc_curve(labels: &[u8], scores: &[f64]) -> Roc {
    let mut c = clf_curve(labels, scores);
    if c.fps.len() > 2 {
        // Keep the ends and every point where the curve bends.
        let n = c.fps.len();
        let keep: Vec<usize> = (0..n)
            .filter(|&i| {
                i == 0
                    || i == n - 1
                    || c.fps[i + 1] - 2.0 * c.fps[i] + c.fps[i - 1] != 0.0
                    || c.tps[i + 1] - 2.0 * c.tps[i] + c.tps[i - 1] != 0.0
            })
            .collect();
        c = ClfCurve {
            fps: keep.iter().map(|&i| c.fps[i]).collect(),
            tps: keep.iter().map(|&i| c.tps[i]).collect(),
            thresholds: keep.iter().map(|&i| c.thresholds[i]).collect(),
        };
    }
    let rates = |counts: &[f64]| -> Vec<f64> {
        let total = counts.last().copied().unwrap_or(0.0);
        std::iter::once(0.0)
            .chain(counts.iter().copied())
            .map(|v| if total > 0.0 { v / total } else { f64::NAN })
            .collect()
    };
    Roc {
        fpr: rates(&c.fps),
        tpr: rates(&c.tps),
        thresholds: std::iter::once(f64::INFINITY).chain(c.thresholds).collect(),
    }
}

/// scikit-learn's `precision_recall_curve(labels, scores)`: `(precision, recall)` in increasing
/// threshold order, ending with the point (1, 0).
pub fn precision_recall_curve(labels: &[u8], scores: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let c = clf_curve(labels, scores);
    let total_tp = c.tps.last().copied().unwrap_or(0.0);
    let mut precision: Vec<f64> = c
        .tps
        .iter()
        .zip(&c.fps)
        .map(|(tp, fp)| if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 })
        .collect();
    let mut recall: Vec<f64> = c
        .tps
        .iter()
        .map(|tp| if total_tp > 0.0 { tp / total_tp } else { 1.0 })
        .collect();
    precision.reverse();
    recall.reverse();
    precision.push(1.0);
    recall.push(0.0);
    (precision, recall)
}

/// scikit-learn's `auc(x, y)`: the trapezoidal area, for `x` increasing or decreasing (`None` if
/// it is neither, or has fewer than 2 points).
pub fn auc(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() < 2 || x.len() != y.len() {
        return None;
    }
    let steps: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let direction = if steps.iter().all(|d| *d >= 0.0) {
        1.0
    } else if steps.iter().all(|d| *d <= 0.0) {
        -1.0
    } else {
        return None;
    };
    let area: f64 = steps
        .iter()
        .zip(y.windows(2))
        .map(|(dx, w)| dx * (w[0] + w[1]) / 2.0)
        .sum();
    Some(direction * area)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_of_a_small_case_matches_sklearn() {
        // sklearn: roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        let roc = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]);
        assert_eq!(roc.fpr, [0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(roc.tpr, [0.0, 0.5, 0.5, 1.0, 1.0]);
        assert_eq!(roc.thresholds, [f64::INFINITY, 0.8, 0.4, 0.35, 0.1]);
        assert_eq!(auc(&roc.fpr, &roc.tpr), Some(0.75));
    }

    #[test]
    fn auc_needs_a_monotonic_axis() {
        assert_eq!(auc(&[1.0, 0.5, 0.0], &[0.0, 1.0, 1.0]), Some(0.75));
        assert_eq!(auc(&[0.0, 1.0, 0.5], &[0.0, 1.0, 1.0]), None);
        assert_eq!(auc(&[0.0], &[1.0]), None);
    }
}
