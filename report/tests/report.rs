//! The report of a run tree written by the test (the layout `kdgat pipeline` leaves, with
//! `metrics.json` made by the same metric code as the evaluation stage): one self-contained page,
//! a chart per figure, the reference's figures beside kdgat's, the same bytes each time.

use std::path::Path;

use kdgat_jobs::metrics::{AlphaHistogram, compute};
use kdgat_report::write_report;
use serde_json::{Value, json};

const SCENARIOS: [&str; 2] = [
    "test_01_known_vehicle_known_attack",
    "test_02_unknown_vehicle_known_attack",
];

/// One model's metrics on a split: labels alternate, scores overlap a little.
fn model_metrics(n: usize, shift: f64, alpha: bool) -> Value {
    let labels: Vec<u8> = (0..n).map(|i| u8::from(i % 3 == 0)).collect();
    let scores: Vec<f64> = (0..n)
        .map(|i| (i as f64 * 0.37).fract() * 0.6 + f64::from(labels[i]) * shift)
        .collect();
    let preds: Vec<u8> = scores.iter().map(|s| u8::from(*s > 0.5)).collect();
    let mut m = serde_json::to_value(compute(&labels, &preds, Some(&scores))).unwrap();
    if alpha {
        let alphas: Vec<f64> = preds.iter().map(|p| f64::from(*p) * 0.95).collect();
        m["alpha"] = serde_json::to_value(AlphaHistogram::of(&labels, &alphas, 21)).unwrap();
    }
    m
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(file), text).unwrap();
}

/// Three variants' chains of `dataset` under `runs`.
fn write_runs(runs: &Path, dataset: &str) {
    for (size, kd) in [("teacher", ""), ("student", "_kd"), ("student", "")] {
        for stage in ["autoencoder", "curriculum", "fusion", "evaluation"] {
            let dir = runs.join(dataset).join(format!("{size}_{stage}{kd}"));
            write(
                &dir,
                "config.json",
                r#"{"max_epochs": 3, "fusion_episodes": 100}"#,
            );
            write(
                &dir,
                "benchmark.tsv",
                "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n\
                 10.5\t0:00:10\t512.0\t900.0\tNA\tNA\t0.0\t1.0\t180.0\t18.9\n",
            );
            if stage == "evaluation" {
                let mut metrics = json!({"test": {}});
                for (model, shift) in [("gat", 0.45), ("vgae", 0.2), ("fusion", 0.5)] {
                    metrics[model] = model_metrics(300, shift, model == "fusion");
                    for scenario in SCENARIOS {
                        metrics["test"][model][scenario] =
                            model_metrics(120, shift / 2.0, model == "fusion");
                    }
                }
                write(&dir, "metrics.json", &metrics.to_string());
                continue;
            }
            let events: String = (1..=3)
                .map(|epoch| {
                    let loss = 1.0 / f64::from(epoch);
                    format!(
                        "{{\"kind\":\"epoch\",\"step\":{epoch},\"metrics\":{{\"train_loss\":{loss},\
                         \"val_loss\":{},\"val_acc\":{}}}}}\n",
                        loss * 1.1,
                        1.0 - loss / 4.0
                    )
                })
                .collect();
            write(&dir, "events.jsonl", &events);
        }
    }
}

#[test]
fn the_report_is_one_self_contained_page_with_a_chart_per_figure() {
    let root = tempfile::tempdir().unwrap();
    let runs = root.path().join("runs");
    write_runs(&runs, "hcrl_sa");
    write_runs(&runs, "synthetic");
    let out = root.path().join("report.html");
    let report = write_report(&runs, None, &out).unwrap();
    assert_eq!(report.datasets.len(), 2);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    for forbidden in ["<script", "<link", " src=", "url(", "<img"] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    let svgs = html.matches("<svg").count();
    let figures = html.matches("<figure class=\"plot\"").count();
    assert_eq!(svgs, figures, "one chart per figure");
    // Per dataset: the time chart; per variant, 3 training stages × (loss, accuracy), ROC, PR and
    // confusion of 3 models, and fusion α on 3 splits.
    assert_eq!(figures, 2 * (1 + 3 * (6 + 9 + 3)));
    assert_eq!(html.matches("</svg>").count(), svgs);
    // The reference's teacher GAT on hcrl_sa, next to kdgat's.
    assert!(
        html.contains("0.9995 / 0.9980 / 1.0000"),
        "the reference's figures"
    );
    assert!(
        html.contains("0.4052 / 0.5767 / –"),
        "the published test_02 figures"
    );
    assert!(html.contains("student_autoencoder_kd") && html.contains(">18.9</td>"));

    let again = root.path().join("again.html");
    write_report(&runs, None, &again).unwrap();
    assert!(
        std::fs::read(&again).unwrap() == html.as_bytes(),
        "the same runs, the same page"
    );

    let only = root.path().join("only.html");
    let report = write_report(&runs, Some("synthetic"), &only).unwrap();
    assert_eq!(report.datasets.len(), 1);
    assert!(!std::fs::read_to_string(&only).unwrap().contains("hcrl_sa"));
}

#[test]
fn runs_without_plot_data_still_get_their_tables() {
    // The reference's own metrics.json has no curves, confusion or α: the tables stay, with a note.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("runs/hcrl_sa/teacher_evaluation");
    write(&dir, "config.json", "{}");
    write(
        &dir,
        "metrics.json",
        r#"{"gat": {"core": {"accuracy": 0.9995, "f1": 0.998, "auc": 1.0, "n_samples": 1873}}}"#,
    );
    let out = root.path().join("report.html");
    write_report(&root.path().join("runs"), None, &out).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("No curve points in metrics.json"));
    assert!(html.contains("<td class=\"num\">1873</td>"));
    assert_eq!(
        html.matches("<svg").count(),
        0,
        "no benchmark.tsv, no time chart"
    );
}
