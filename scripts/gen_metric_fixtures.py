"""Writes jobs/tests/fixtures/metrics_sklearn.json: binary labels, predictions and scores, with every
metric of the evaluation (REFERENCE.md §6) as scikit-learn computes it, for the metrics tests.

Run with a Python that has scikit-learn (the MLflow venv of scripts/mlflow-up.sh has it):
    /opt/kdgat-mlflow-3.17.2/bin/python scripts/gen_metric_fixtures.py
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn import metrics as m


def nan_as_text(value):
    """JSON has no NaN or infinity: they are written as MLflow writes them, as strings."""
    value = float(value)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def expected(labels, preds, scores):
    y, p = np.asarray(labels), np.asarray(preds)
    tn, fp, fn, tp = m.confusion_matrix(y, p, labels=[0, 1]).ravel()
    rate = lambda a, b: float(a / (a + b)) if a + b else 0.0
    out = {
        "accuracy": m.accuracy_score(y, p),
        "precision": m.precision_score(y, p, zero_division=0),
        "recall": m.recall_score(y, p, zero_division=0),
        "f1": m.f1_score(y, p, zero_division=0),
        "specificity": rate(tn, fp),
        "balanced_accuracy": m.balanced_accuracy_score(y, p),
        "mcc": m.matthews_corrcoef(y, p),
        "fpr": rate(fp, tn),
        "fnr": rate(fn, tp),
        "kappa": m.cohen_kappa_score(y, p),
    }
    if len(set(labels)) > 1:
        s = np.asarray(scores)
        out["auc"] = m.roc_auc_score(y, s)
        precision, recall, _ = m.precision_recall_curve(y, s)
        out["pr_auc"] = m.auc(recall, precision)
        fpr, tpr, thresholds = m.roc_curve(y, s)
        for target in (0.05, 0.01, 0.001):
            out[f"detection_at_fpr_{target}"] = tpr[np.argmin(np.abs(fpr - target))]
        j = tpr - fpr
        out["youden_threshold"] = thresholds[np.argmax(j)]
        out["youden_j"] = j[np.argmax(j)]
    return {k: nan_as_text(v) for k, v in out.items()}


def case(name, labels, preds, scores):
    labels, preds = [int(v) for v in labels], [int(v) for v in preds]
    scores = [float(v) for v in scores]
    return {"name": name, "labels": labels, "preds": preds, "scores": scores,
            "expected": expected(labels, preds, scores)}


rng = np.random.default_rng(20261127)
cases = []
for i, (n, attack_share) in enumerate([(200, 0.3), (1000, 0.05), (57, 0.5), (5000, 0.01)]):
    labels = (rng.random(n) < attack_share).astype(int)
    scores = np.clip(labels * 0.35 + rng.random(n) * 0.7, 0, 1)
    cases.append(case(f"random_{i}", labels, scores > 0.5, scores))
labels = (rng.random(300) < 0.4).astype(int)
tied = np.round(labels * 0.2 + rng.random(300) * 0.8, 1)  # few distinct scores: many ties
cases.append(case("ties", labels, tied > 0.5, tied))
cases.append(case("all_scores_equal", labels, np.zeros(300), np.full(300, 0.5)))
cases.append(case("perfect", [0, 0, 1, 1, 0, 1], [0, 0, 1, 1, 0, 1], [0.1, 0.2, 0.9, 0.8, 0.3, 0.7]))
cases.append(case("all_wrong", [0, 0, 1, 1], [1, 1, 0, 0], [0.9, 0.8, 0.1, 0.2]))
cases.append(case("single_class_normal", [0] * 20, [0] * 18 + [1] * 2, rng.random(20)))
cases.append(case("single_class_attack", [1] * 10, [1] * 10, rng.random(10)))
cases.append(case("one_sample", [1], [0], [0.4]))
cases.append(case("predicts_one_class", labels, np.ones(300), rng.random(300)))

out = pathlib.Path(__file__).resolve().parent.parent / "jobs/tests/fixtures/metrics_sklearn.json"
out.write_text(json.dumps({"sklearn": sklearn.__version__, "cases": cases}, indent=None) + "\n")
print(f"wrote {out} ({len(cases)} cases, scikit-learn {sklearn.__version__})")
