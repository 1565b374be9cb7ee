//! Classification metrics as the reference's evaluation computes them (REFERENCE.md §6), each
//! defined as scikit-learn defines it and checked against scikit-learn in `jobs/tests/metrics.rs`:
//!
//! - `core`: accuracy, precision, recall, f1 (0 where undefined), specificity, balanced accuracy,
//!   MCC, FPR, FNR, `n_samples`, and ROC AUC when both classes are present and scores are given;
//! - `additional`: Cohen's kappa, TPR, TNR, detection rate (= TPR), miss rate (= FNR), PR AUC and
//!   the detection rate at FPR 5 %, 1 % and 0.1 % (the TPR of the ROC point whose FPR is nearest);
//! - [`youden_threshold`]: the VGAE threshold maximising TPR − FPR on the ROC curve;
//! - beside those, for the report: the confusion counts (`confusion`) and the thinned ROC and PR
//!   curves (`curves`), see [`points`].
//!
//! Labels and predictions are 0 (normal) or 1 (attack). Empty input gives `n_samples` 0 and every
//! rate 0 (scikit-learn refuses empty input; the reference never met it).

mod curves;
mod points;

pub use curves::{Roc, auc, precision_recall_curve, roc_curve};
pub use points::{AlphaHistogram, CURVE_STEP, Curves, PrPoints, RocPoints};
use serde::{Deserialize, Serialize};

/// The FPR targets of `detection_at_fpr`, as the reference names them.
pub const FPR_TARGETS: [(&str, f64); 3] = [("0.05", 0.05), ("0.01", 0.01), ("0.001", 0.001)];

/// The confusion matrix of binary labels and predictions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// True negatives.
    pub tn: u64,
    /// False positives.
    pub fp: u64,
    /// False negatives.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// True positives.
    pub tp: u64,
}

impl Confusion {
    /// Counts `labels` against `preds`.
    pub fn of(labels: &[u8], preds: &[u8]) -> Confusion {
        let mut c = Confusion::default();
        for (&y, &p) in labels.iter().zip(preds) {
            match (y != 0, p != 0) {
                (false, false) => c.tn += 1,
                (false, true) => c.fp += 1,
                (true, false) => c.fn_ += 1,
                (true, true) => c.tp += 1,
            }
        }
        c
    }

    fn n(&self) -> f64 {
        (self.tn + self.fp + self.fn_ + self.tp) as f64
    }
}

/// `num / den`, or 0 where `den` is 0 (scikit-learn's `zero_division=0`).
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// The `core` section.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[expect(missing_docs, reason = "the reference's metric names")]
pub struct CoreMetrics {
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub specificity: f64,
    pub balanced_accuracy: f64,
    pub mcc: f64,
    pub fpr: f64,
    pub fnr: f64,
    pub n_samples: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auc: Option<f64>,
}

/// The `additional` section.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[expect(missing_docs, reason = "the reference's metric names")]
pub struct AdditionalMetrics {
    /// Cohen's kappa; NaN where undefined (one class in labels and predictions alike).
    pub kappa: f64,
    pub tpr: f64,
    pub tnr: f64,
    pub detection_rate: f64,
    pub miss_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr_auc: Option<f64>,
    /// TPR at the ROC point nearest each FPR target, keyed `"0.05"`, `"0.01"`, `"0.001"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection_at_fpr: Option<std::collections::BTreeMap<String, f64>>,
}

/// One model's metrics on one split: the reference's `{"core": …, "additional": …}`, and what the
/// report draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// The core metrics.
    pub core: CoreMetrics,
    /// The additional metrics.
    pub additional: AdditionalMetrics,
    /// The confusion counts.
    pub confusion: Confusion,
    /// The ROC and PR curves, when ranking metrics are defined (scores, both classes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curves: Option<Curves>,
}

/// The metrics of `preds` against `labels`, with ranking metrics from `scores` when given and both
/// classes are present.
pub fn compute(labels: &[u8], preds: &[u8], scores: Option<&[f64]>) -> Metrics {
    let c = Confusion::of(labels, preds);
    let n = c.n();
    let tpr = ratio(c.tp, c.tp + c.fn_);
    let tnr = ratio(c.tn, c.tn + c.fp);
    let fpr = ratio(c.fp, c.fp + c.tn);
    let fnr = ratio(c.fn_, c.fn_ + c.tp);
    let both_classes = c.tp + c.fn_ > 0 && c.tn + c.fp > 0;
    let mut core = CoreMetrics {
        accuracy: if n > 0.0 {
            (c.tp + c.tn) as f64 / n
        } else {
            0.0
        },
        precision: ratio(c.tp, c.tp + c.fp),
        recall: tpr,
        f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn_),
        specificity: tnr,
        balanced_accuracy: balanced_accuracy(&c),
        mcc: mcc(&c),
        fpr,
        fnr,
        n_samples: n as u64,
        auc: None,
    };
    let mut curves = None;
    let mut additional = AdditionalMetrics {
        kappa: kappa(&c),
        tpr,
        tnr,
        detection_rate: tpr,
        miss_rate: fnr,
        pr_auc: None,
        detection_at_fpr: None,
    };
    if let Some(scores) = scores.filter(|_| both_classes) {
        let roc = roc_curve(labels, scores);
        core.auc = auc(&roc.fpr, &roc.tpr);
        let (precision, recall) = precision_recall_curve(labels, scores);
        additional.pr_auc = Some(auc(&recall, &precision).unwrap_or(0.0));
        additional.detection_at_fpr = Some(
            FPR_TARGETS
                .iter()
                .map(|(name, target)| (name.to_string(), tpr_nearest_fpr(&roc, *target)))
                .collect(),
        );
        curves = Some(Curves::of(&roc, &precision, &recall));
    }
    Metrics {
        core,
        additional,
        confusion: c,
        curves,
    }
}

/// The TPR of the first ROC point whose FPR is nearest `target` (`argmin |fpr - target|`).
fn tpr_nearest_fpr(roc: &Roc, target: f64) -> f64 {
    let mut best = 0;
    for (i, f) in roc.fpr.iter().enumerate() {
        if (f - target).abs() < (roc.fpr[best] - target).abs() {
            best = i;
        }
    }
    roc.tpr[best]
}

/// Mean recall over the classes present in the labels.
fn balanced_accuracy(c: &Confusion) -> f64 {
    let recalls: Vec<f64> = [(c.tn, c.tn + c.fp), (c.tp, c.tp + c.fn_)]
        .into_iter()
        .filter(|(_, support)| *support > 0)
        .map(|(hit, support)| hit as f64 / support as f64)
        .collect();
    if recalls.is_empty() {
        0.0
    } else {
        recalls.iter().sum::<f64>() / recalls.len() as f64
    }
}

/// Matthews' correlation coefficient, 0 where undefined.
fn mcc(c: &Confusion) -> f64 {
    let (tp, tn, fp, fn_) = (c.tp as f64, c.tn as f64, c.fp as f64, c.fn_ as f64);
    let n = tp + tn + fp + fn_;
    // scikit-learn's multiclass form, which is what it computes for two classes too.
    let true_pos_rate = (tp + fn_, tn + fp);
    let pred_rate = (tp + fp, tn + fn_);
    let cov_ytyp = (tp + tn) * n - (true_pos_rate.0 * pred_rate.0 + true_pos_rate.1 * pred_rate.1);
    let cov_ypyp = n * n - (pred_rate.0 * pred_rate.0 + pred_rate.1 * pred_rate.1);
    let cov_ytyt = n * n - (true_pos_rate.0 * true_pos_rate.0 + true_pos_rate.1 * true_pos_rate.1);
    if cov_ypyp * cov_ytyt == 0.0 {
        0.0
    } else {
        cov_ytyp / (cov_ytyt * cov_ypyp).sqrt()
    }
}

/// Cohen's kappa over the classes present in labels or predictions; NaN where undefined.
fn kappa(c: &Confusion) -> f64 {
    let (tp, tn, fp, fn_) = (c.tp as f64, c.tn as f64, c.fp as f64, c.fn_ as f64);
    let n = tp + tn + fp + fn_;
    let observed_disagreement = fp + fn_;
    // Expected disagreement under independence of the label and prediction marginals.
    let (label_pos, label_neg) = (tp + fn_, tn + fp);
    let (pred_pos, pred_neg) = (tp + fp, tn + fn_);
    let expected_disagreement = (label_pos * pred_neg + label_neg * pred_pos) / n;
    1.0 - observed_disagreement / expected_disagreement
}

/// The threshold maximising Youden's J = TPR − FPR on the ROC curve of `scores` (the first maximum,
/// as `argmax` takes it), with J. `None` unless both classes are present.
pub fn youden_threshold(labels: &[u8], scores: &[f64]) -> Option<(f64, f64)> {
    let positives = labels.iter().filter(|&&y| y != 0).count();
    if positives == 0 || positives == labels.len() {
        return None;
    }
    let roc = roc_curve(labels, scores);
    let mut best = 0;
    for i in 0..roc.fpr.len() {
        if roc.tpr[i] - roc.fpr[i] > roc.tpr[best] - roc.fpr[best] {
            best = i;
        }
    }
    Some((roc.thresholds[best], roc.tpr[best] - roc.fpr[best]))
}
