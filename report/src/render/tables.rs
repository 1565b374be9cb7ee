//! The report's tables: each model's figures on validation and every test scenario beside the
//! reference's published ones, and what every run cost (epochs, wall and CPU time, GPU-hours, peak
//! memory, attempts and why the early ones ended).

use std::fmt::Write;

use super::esc;
use crate::model::{DatasetReport, ModelEval, VariantReport};

/// The evaluation table of a dataset, or a note that nothing is evaluated yet.
pub(super) fn evaluation_table(page: &mut String, d: &DatasetReport) {
    let evaluated: Vec<(&VariantReport, &ModelEval)> = d
        .variants
        .iter()
        .flat_map(|v| v.models.iter().map(move |m| (v, m)))
        .collect();
    if evaluated.is_empty() {
        page.push_str("<p class=\"note\">No evaluation yet (no metrics.json).</p>");
        return;
    }
    page.push_str(
        "<table><tr><th>variant</th><th>model</th><th>split</th><th>accuracy</th><th>precision</th>\
         <th>recall</th><th>F1</th><th>ROC AUC</th><th>graphs</th><th>reference acc / F1 / AUC</th></tr>",
    );
    for (variant, model) in evaluated {
        for s in &model.splits {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td>",
                esc(&variant.name),
                esc(&model.model),
                esc(&s.split)
            );
            for key in ["accuracy", "precision", "recall", "f1", "auc"] {
                let _ = write!(
                    page,
                    "<td class=\"num\">{}</td>",
                    number(s.core.get(key).copied())
                );
            }
            let n = s
                .core
                .get("n_samples")
                .map_or("–".into(), |n| format!("{n:.0}"));
            let reference = s.reference.map_or("–".into(), |r| {
                format!(
                    "{} / {} / {}",
                    number(r.accuracy),
                    number(Some(r.f1)),
                    number(r.auc)
                )
            });
            let _ = write!(
                page,
                "<td class=\"num\">{n}</td><td class=\"ref\">{reference}</td></tr>"
            );
        }
    }
    page.push_str("</table>");
}

/// Every run's cost.
pub(super) fn time_table(page: &mut String, d: &DatasetReport) {
    page.push_str(
        "<table><tr><th>run</th><th>epochs logged</th><th>budget</th><th>wall s</th><th>CPU s</th>\
         <th>CPU / wall</th><th>GPU h</th><th>peak RSS MiB</th><th>attempts</th><th>setbacks</th></tr>",
    );
    let seconds = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.1}"));
    for s in &d.stages {
        let load = s
            .wall_seconds
            .zip(s.cpu_seconds)
            .filter(|(wall, _)| *wall > 0.0)
            .map(|(wall, cpu)| cpu / wall);
        let _ = write!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&s.run),
            s.epochs,
            s.budget.map_or("–".into(), |b| b.to_string()),
            seconds(s.wall_seconds),
            seconds(s.cpu_seconds),
            load.map_or("–".into(), |l| format!("{l:.2}")),
            s.gpu_hours.map_or("–".into(), |h| format!("{h:.3}")),
            s.max_rss_mib.map_or("–".into(), |m| format!("{m:.0}")),
            if s.attempts == 0 {
                "–".into()
            } else {
                s.attempts.to_string()
            },
            esc(&s.setbacks.join("; ")),
        );
    }
    page.push_str(
        "</table><p class=\"note\">Each stage runs as its own job: its peak RSS is its \
         process's, libtorch included. GPU-hours are wall time on a CUDA device; setbacks are \
         the attempts that failed or were preempted before the last.</p>",
    );
}

fn number(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| format!("{v:.4}"))
}
