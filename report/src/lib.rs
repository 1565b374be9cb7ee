//! The kdgat report: one self-contained HTML file, like `snakemake --report`, of the runs under a
//! runs directory (`{runs dir}/{dataset}/{size}_{stage}[_kd]/`).
//!
//! Per dataset and variant (`teacher`, `student-kd`, `student`) it shows the evaluation's figures
//! beside the reference's published ones, the training curves of every stage, ROC and
//! precision-recall curves, confusion matrices, the fusion agent's α choices, and every run's wall
//! and CPU time. Charts are drawn in Rust (plotters' SVG backend) and inlined; the page needs no
//! script, font or network.
//!
//! The pieces: [`load_runs`] reads the run directories (its module is the one that knows their
//! files), [`build`] turns them into the report's [`Report`] model, and [`render_html`]
//! writes the page.

mod error;
mod loader;
mod model;
mod reference;
mod render;

use std::path::Path;

pub use error::ReportError;
pub use loader::{Benchmark, Epoch, RunFiles, load_runs};
pub use model::{
    DatasetReport, ModelEval, Report, SplitEval, StageTime, Training, VariantReport, build,
    variant_and_stage,
};
pub use reference::{Published, published};
pub use render::render_html;

/// Reads the runs under `runs_dir`, renders the report (of `dataset` only, if given) and writes it
/// to `out` atomically; returns what it showed.
pub fn write_report(
    runs_dir: &Path,
    dataset: Option<&str>,
    out: &Path,
) -> Result<Report, ReportError> {
    let runs = load_runs(runs_dir)?;
    let report = build(runs_dir, &runs, dataset)?;
    let html = render_html(&report)?;
    kdgat_jobs::atomic::write_atomic(out, html.as_bytes()).map_err(error::io(out))?;
    Ok(report)
}
