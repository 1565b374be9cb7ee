//! Line charts drawn with plotters into SVG text: training curves per epoch, ROC and
//! precision-recall curves. Text is laid out by plotters' estimate and drawn by the browser, so no
//! font files are read.

use std::ops::Range;

use plotters::prelude::*;

use super::{FONT, PALETTE, draw_error, legend};
use crate::error::ReportError;

/// One line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    /// Its legend entry.
    pub name: String,
    /// Its points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Its index in [`PALETTE`] (the same split or metric has the same colour everywhere).
    pub color: usize,
}

/// A chart of lines.
pub(crate) struct LineChart<'a> {
    /// The caption.
    pub title: &'a str,
    /// The x axis's description.
    pub x_label: &'a str,
    /// The y axis's description.
    pub y_label: &'a str,
    /// The lines.
    pub series: &'a [Series],
    /// Both axes from 0 to 1 with the chance diagonal (ROC), or 0 to 1 without it (PR); otherwise
    /// fitted to the data.
    pub unit: Option<Diagonal>,
    /// Where the legend goes.
    pub legend: SeriesLabelPosition,
    /// The x axis counts (epochs, episodes): only whole numbers are labelled.
    pub x_counts: bool,
}

/// Whether a unit chart shows the chance diagonal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Diagonal {
    /// ROC: from (0, 0) to (1, 1).
    Shown,
    /// PR: none.
    Hidden,
}

/// Width and height of a line chart in pixels.
const SIZE: (u32, u32) = (440, 300);
/// Series with at most this many points also get a dot per point.
const DOTTED_UP_TO: usize = 40;

/// Draws `chart` as an SVG document.
pub(crate) fn line_chart(chart: &LineChart<'_>) -> Result<String, ReportError> {
    let (x, y) = match chart.unit {
        Some(_) => (0.0..1.0, 0.0..1.02),
        None => fitted(chart.series),
    };
    let fail = draw_error(chart.title);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(&fail)?;
        let mut plot = ChartBuilder::on(&root)
            .caption(chart.title, (FONT, 15))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(54)
            .build_cartesian_2d(x, y)
            .map_err(&fail)?;
        let whole = |v: &f64| {
            if (v - v.round()).abs() < 1e-9 {
                format!("{v:.0}")
            } else {
                String::new()
            }
        };
        let decimal = |v: &f64| format!("{v:.1}");
        let x_format: &dyn Fn(&f64) -> String = if chart.x_counts { &whole } else { &decimal };
        plot.configure_mesh()
            .x_desc(chart.x_label)
            .y_desc(chart.y_label)
            .x_label_formatter(x_format)
            .label_style((FONT, 11))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(&fail)?;
        if chart.unit == Some(Diagonal::Shown) {
            plot.draw_series(LineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                RGBColor(160, 160, 160),
            ))
            .map_err(&fail)?;
        }
        for series in chart.series {
            let color = PALETTE[series.color % PALETTE.len()];
            plot.draw_series(LineSeries::new(
                series.points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(&fail)?
            .label(series.name.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], color.stroke_width(2)));
            if series.points.len() <= DOTTED_UP_TO {
                plot.draw_series(
                    series
                        .points
                        .iter()
                        .map(|&p| Circle::new(p, 2, color.filled())),
                )
                .map_err(&fail)?;
            }
        }
        legend(&mut plot, chart.legend.clone()).map_err(&fail)?;
        root.present().map_err(&fail)?;
    }
    Ok(svg)
}

/// Axis ranges around every point, with a margin; a single value gets a range around it.
fn fitted(series: &[Series]) -> (Range<f64>, Range<f64>) {
    let points = || series.iter().flat_map(|s| &s.points);
    let span = |values: Vec<f64>, pad: f64| {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            return 0.0..1.0;
        }
        let margin = if hi > lo {
            (hi - lo) * pad
        } else {
            lo.abs().max(1.0) * 0.1
        };
        let bottom = if lo >= 0.0 {
            (lo - margin).max(0.0)
        } else {
            lo - margin
        };
        bottom..hi + margin
    };
    (
        span(points().map(|p| p.0).collect(), 0.02),
        span(points().map(|p| p.1).collect(), 0.08),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_svg_with_its_lines_legend_and_axes() {
        let series = [
            Series {
                name: "train_loss".into(),
                points: vec![(1.0, 0.9), (2.0, 0.5), (3.0, 0.4)],
                color: 0,
            },
            Series {
                name: "val_loss".into(),
                points: vec![(1.0, 1.0)],
                color: 1,
            },
        ];
        let svg = line_chart(&LineChart {
            title: "curriculum <loss>",
            x_label: "epoch",
            y_label: "loss",
            series: &series,
            unit: None,
            legend: SeriesLabelPosition::UpperRight,
            x_counts: true,
        })
        .unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        for text in ["train_loss", "val_loss", "epoch", "curriculum &lt;loss&gt;"] {
            assert!(svg.contains(text), "{text} missing");
        }
        assert!(svg.matches("<polyline").count() >= 2, "a line per series");
        assert_eq!(svg.matches("<circle").count(), 4, "a dot per point");
        assert!(svg.contains("\n2\n"), "whole epochs are labelled");
        assert!(!svg.contains("\n1.5\n"), "no fractional epoch is labelled");
    }

    #[test]
    fn ranges_fit_the_data_and_a_flat_line_gets_room() {
        let flat = [Series {
            name: "x".into(),
            points: vec![(1.0, 0.5), (1.0, 0.5)],
            color: 0,
        }];
        let (x, y) = fitted(&flat);
        assert!(x.start < 1.0 && x.end > 1.0 && y.start < 0.5 && y.end > 0.5);
        let (x, y) = fitted(&[]);
        assert_eq!((x, y), (0.0..1.0, 0.0..1.0));
    }
}
