//! The report page: a header with the runs directory and a table of contents, then per dataset
//! the evaluation table beside the reference's figures and the stage times ([`super::tables`]), and
//! per variant its training curves, ROC and PR curves, confusion matrices and fusion α choices. One file: CSS in a
//! `<style>` element, every chart an inline `<svg>` in a `<figure class="plot">`, no script and no
//! external resource.

use std::fmt::Write;

use plotters::prelude::SeriesLabelPosition;

use super::bars::{TimeRow, alpha_chart, confusion_chart, time_chart};
use super::esc;
use super::lines::{Diagonal, LineChart, Series, line_chart};
use super::tables::{evaluation_table, time_table};
use crate::error::ReportError;
use crate::model::{DatasetReport, ModelEval, Report, VariantReport};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1500px;\
color:#222;padding:0 16px}h1{margin-bottom:4px}h2{border-bottom:2px solid #1f77b4;padding-bottom:4px;\
margin-top:40px}h3{margin-top:28px}h4{margin:18px 0 6px;color:#555}nav a{margin-right:14px}\
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;\
padding:3px 8px}th{background:#f4f6f8;text-align:left}td.num{text-align:right;\
font-variant-numeric:tabular-nums}td.ref{color:#666}.plots{display:flex;flex-wrap:wrap;gap:12px}\
figure.plot{margin:0;border:1px solid #e3e3e3;border-radius:4px;padding:4px;background:#fff}\
figure.plot svg{display:block;max-width:100%;height:auto}figcaption{font-size:12px;color:#555;\
max-width:440px;padding:2px 4px}.note{color:#777;font-size:13px}";

/// The whole page.
pub fn render_html(report: &Report) -> Result<String, ReportError> {
    let mut page = String::new();
    let runs = report
        .datasets
        .iter()
        .map(|d| d.stages.len())
        .sum::<usize>();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>kdgat report</title><style>{STYLE}</style></head><body>\n<header><h1>kdgat report</h1>\
         <p>{runs} runs of {} in <code>{}</code>. Figures are kdgat's; the reference column \
         holds the reference pipeline's published figures (accuracy / F1 / ROC AUC) where it has \
         them.</p><nav>",
        match report.datasets.len() {
            1 => "1 dataset".to_string(),
            n => format!("{n} datasets"),
        },
        esc(&report.runs_dir.display().to_string())
    );
    for d in &report.datasets {
        let _ = write!(page, "<a href=\"#{}\">{}</a>", slug(&d.name), esc(&d.name));
    }
    page.push_str("</nav></header>\n");
    for dataset in &report.datasets {
        dataset_section(&mut page, dataset)?;
    }
    let _ = writeln!(
        page,
        "<footer class=\"note\"><p>Written by kdgat {}.</p></footer></body></html>",
        env!("CARGO_PKG_VERSION")
    );
    Ok(page)
}

fn dataset_section(page: &mut String, d: &DatasetReport) -> Result<(), ReportError> {
    let _ = write!(
        page,
        "<section id=\"{}\"><h2>{}</h2>\n<h3>Evaluation</h3>",
        slug(&d.name),
        esc(&d.name)
    );
    evaluation_table(page, d);
    page.push_str("<h3>Stage time</h3>");
    if d.stages.iter().any(|s| s.wall_seconds.is_some()) {
        let rows: Vec<TimeRow> = d
            .stages
            .iter()
            .map(|s| (s.run.clone(), s.wall_seconds, s.cpu_seconds))
            .collect();
        page.push_str("<div class=\"plots\">");
        figure(
            page,
            "time",
            time_chart(&format!("{}: wall and CPU time per run", d.name), &rows)?,
            "From each run's benchmark.tsv (runs that have not finished have no bar).",
        );
        page.push_str("</div>");
    }
    time_table(page, d);
    for variant in &d.variants {
        variant_section(page, &d.name, variant)?;
    }
    page.push_str("</section>\n");
    Ok(())
}

fn variant_section(page: &mut String, dataset: &str, v: &VariantReport) -> Result<(), ReportError> {
    let _ = write!(page, "<h3>{} · {}</h3>", esc(dataset), esc(&v.name));
    if !v.training.is_empty() {
        page.push_str("<h4>Training, per epoch</h4><div class=\"plots\">");
        for t in &v.training {
            let names: Vec<&String> = t.series.keys().collect();
            for (panel, pick) in [("loss", "loss"), ("accuracy", "acc")] {
                let series: Vec<Series> = names
                    .iter()
                    .enumerate()
                    .filter(|(_, name)| name.contains(pick))
                    .map(|(i, name)| Series {
                        name: name.to_string(),
                        points: t.series[*name].clone(),
                        color: i,
                    })
                    .collect();
                if series.is_empty() {
                    continue;
                }
                let step = if t.stage == "fusion" {
                    "episode"
                } else {
                    "epoch"
                };
                let title = format!("{} {}: {panel}", v.name, t.stage);
                let svg = line_chart(&LineChart {
                    title: &title,
                    x_label: step,
                    y_label: panel,
                    series: &series,
                    unit: None,
                    legend: SeriesLabelPosition::UpperRight,
                    x_counts: true,
                })?;
                let caption = format!("{} stage, events.jsonl", esc(&t.stage));
                figure(page, "training", svg, &caption);
            }
        }
        page.push_str("</div>");
    }
    for model in &v.models {
        model_plots(page, &v.name, model)?;
    }
    Ok(())
}

fn model_plots(page: &mut String, variant: &str, m: &ModelEval) -> Result<(), ReportError> {
    let _ = write!(
        page,
        "<h4>{variant} {}</h4><div class=\"plots\">",
        esc(&m.model)
    );
    let curves: Vec<(usize, &str, &kdgat_jobs::metrics::Curves)> = m
        .splits
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.split.as_str(), s.curves.as_ref()?)))
        .collect();
    if curves.is_empty() {
        page.push_str("<p class=\"note\">No curve points in metrics.json.</p>");
    } else {
        let roc: Vec<Series> = curves
            .iter()
            .map(|(i, split, c)| series(*i, split, &c.roc.fpr, &c.roc.tpr))
            .collect();
        let pr: Vec<Series> = curves
            .iter()
            .map(|(i, split, c)| series(*i, split, &c.pr.recall, &c.pr.precision))
            .collect();
        let auc: Vec<String> = m
            .splits
            .iter()
            .filter_map(|s| Some(format!("{} {:.4}", short(&s.split), s.core.get("auc")?)))
            .collect();
        for (kind, title, x, y, lines, unit, legend) in [
            (
                "roc",
                "ROC",
                "false positive rate",
                "true positive rate",
                roc,
                Diagonal::Shown,
                SeriesLabelPosition::LowerRight,
            ),
            (
                "pr",
                "precision-recall",
                "recall",
                "precision",
                pr,
                Diagonal::Hidden,
                SeriesLabelPosition::LowerLeft,
            ),
        ] {
            let title = format!("{variant} {}: {title}", m.model);
            let svg = line_chart(&LineChart {
                title: &title,
                x_label: x,
                y_label: y,
                series: &lines,
                unit: Some(unit),
                legend,
                x_counts: false,
            })?;
            let caption = if kind == "roc" {
                format!("ROC AUC: {}", auc.join(", "))
            } else {
                splits_caption(m)
            };
            figure(page, kind, svg, &caption);
        }
    }
    let confusions: Vec<(String, kdgat_jobs::metrics::Confusion)> = m
        .splits
        .iter()
        .filter_map(|s| Some((short(&s.split).to_string(), s.confusion?)))
        .collect();
    if !confusions.is_empty() {
        let title = format!("{variant} {}: confusion (rows: true class)", m.model);
        figure(
            page,
            "confusion",
            confusion_chart(&title, &confusions)?,
            &splits_caption(m),
        );
    }
    for s in &m.splits {
        if let Some(alpha) = &s.alpha {
            let title = format!("{variant} fusion α: {}", short(&s.split));
            figure(page, "alpha", alpha_chart(&title, alpha)?, &esc(&s.split));
        }
    }
    page.push_str("</div>");
    Ok(())
}

fn series(color: usize, split: &str, x: &[f64], y: &[f64]) -> Series {
    Series {
        name: short(split).to_string(),
        points: x.iter().copied().zip(y.iter().copied()).collect(),
        color,
    }
}

/// `test_01_known_vehicle_known_attack` → `test_01`; other names as they are.
fn short(split: &str) -> &str {
    match split.get(..7) {
        Some(head) if head.starts_with("test_") && split.len() > 7 => head,
        _ => split,
    }
}

/// The test scenarios' full names, for the captions of charts that use the short ones.
fn splits_caption(m: &ModelEval) -> String {
    m.splits
        .iter()
        .filter(|s| short(&s.split) != s.split)
        .map(|s| format!("{} = {}", short(&s.split), esc(&s.split)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn figure(page: &mut String, kind: &str, svg: String, caption: &str) {
    let _ = write!(
        page,
        "<figure class=\"plot\" data-plot=\"{kind}\">{svg}<figcaption>{caption}</figcaption></figure>"
    );
}

fn slug(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("dataset-{cleaned}")
}
