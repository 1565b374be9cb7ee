//! The evaluation metrics against scikit-learn on the same inputs: random cases, many ties, all
//! scores equal, perfect and all-wrong predictions, a single class, one sample, a constant
//! prediction (fixtures from `scripts/gen_metric_fixtures.py`), and empty input.

use kdgat_jobs::metrics::{compute, youden_threshold};
use serde_json::Value;

const FIXTURES: &str = include_str!("fixtures/metrics_sklearn.json");

fn number(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        other => other.as_f64().expect("a number"),
    }
}

fn assert_close(case: &str, name: &str, ours: f64, theirs: f64) {
    let same = (ours.is_nan() && theirs.is_nan())
        || ours == theirs
        || (ours - theirs).abs() <= 1e-12 * theirs.abs().max(1.0);
    assert!(same, "{case}: {name} is {ours}, scikit-learn says {theirs}");
}

#[test]
fn every_metric_matches_scikit_learn() {
    let fixtures: Value = serde_json::from_str(FIXTURES).unwrap();
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let ints = |key: &str| -> Vec<u8> {
            case[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u8)
                .collect()
        };
        let (labels, preds) = (ints("labels"), ints("preds"));
        let scores: Vec<f64> = case["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(number)
            .collect();
        let m = compute(&labels, &preds, Some(&scores));
        let want = |key: &str| number(&case["expected"][key]);
        let core = &m.core;
        let add = &m.additional;
        for (metric, ours) in [
            ("accuracy", core.accuracy),
            ("precision", core.precision),
            ("recall", core.recall),
            ("f1", core.f1),
            ("specificity", core.specificity),
            ("balanced_accuracy", core.balanced_accuracy),
            ("mcc", core.mcc),
            ("fpr", core.fpr),
            ("fnr", core.fnr),
            ("kappa", add.kappa),
        ] {
            assert_close(name, metric, ours, want(metric));
        }
        assert_eq!(core.n_samples as usize, labels.len());
        let two_classes = case["expected"].get("auc").is_some();
        assert_eq!(core.auc.is_some(), two_classes, "{name}: auc present");
        if two_classes {
            assert_close(name, "auc", core.auc.unwrap(), want("auc"));
            assert_close(name, "pr_auc", add.pr_auc.unwrap(), want("pr_auc"));
            let detection = add.detection_at_fpr.as_ref().unwrap();
            for target in ["0.05", "0.01", "0.001"] {
                let key = format!("detection_at_fpr_{target}");
                assert_close(name, &key, detection[target], want(&key));
            }
            let (threshold, j) = youden_threshold(&labels, &scores).unwrap();
            assert_close(
                name,
                "youden_threshold",
                threshold,
                want("youden_threshold"),
            );
            assert_close(name, "youden_j", j, want("youden_j"));
        } else {
            assert!(youden_threshold(&labels, &scores).is_none());
        }
    }
}

#[test]
fn empty_input_gives_zero_rates_not_a_panic() {
    let m = compute(&[], &[], Some(&[]));
    assert_eq!(m.core.n_samples, 0);
    for v in [
        m.core.accuracy,
        m.core.f1,
        m.core.mcc,
        m.core.balanced_accuracy,
    ] {
        assert_eq!(v, 0.0);
    }
    assert!(m.core.auc.is_none() && m.additional.pr_auc.is_none());
    assert!(youden_threshold(&[], &[]).is_none());
}

#[test]
fn the_json_layout_is_the_references() {
    let m = compute(&[0, 1, 1, 0], &[0, 1, 0, 0], Some(&[0.1, 0.9, 0.4, 0.3]));
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["core"]["n_samples"], 4);
    assert_eq!(json["core"]["auc"], 1.0);
    // The ROC point nearest FPR 0.05 is the first one at FPR 0 (threshold ∞, TPR 0), as
    // `argmin(|fpr - 0.05|)` finds it: the reference's definition, kept.
    assert_eq!(json["additional"]["detection_at_fpr"]["0.05"], 0.0);
    let single = serde_json::to_value(compute(&[0, 0], &[0, 0], Some(&[0.1, 0.2]))).unwrap();
    assert!(single["core"].get("auc").is_none() && single["additional"].get("pr_auc").is_none());
}
