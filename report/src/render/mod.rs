//! Turning a [`Report`](crate::model::Report) into one self-contained HTML file: the page
//! ([`html`]), its tables ([`tables`]), line charts ([`lines`]), bar charts and confusion matrices
//! ([`bars`]), all inline SVG drawn with plotters.

mod bars;
mod html;
mod lines;
mod tables;

pub use html::render_html;

use plotters::style::RGBColor;

use crate::error::ReportError;

/// The charts' font family (the browser picks the face).
const FONT: &str = "sans-serif";

/// Series colours (Tableau 10): validation first, then the test scenarios in order.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// A drawing failure of the chart titled `chart`.
fn draw_error<E: std::fmt::Display>(chart: &str) -> impl Fn(E) -> ReportError + '_ {
    move |e| ReportError::Draw {
        chart: chart.to_string(),
        message: e.to_string(),
    }
}

/// Text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
