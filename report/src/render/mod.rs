//! Turning a [`Report`](crate::model::Report) into one self-contained HTML file: the page
//! ([`html`]), its tables ([`tables`]), line charts ([`lines`]), bar charts and confusion matrices
//! ([`bars`]), all inline SVG drawn with plotters.

mod bars;
mod html;
mod lines;
mod tables;

pub use html::render_html;

use plotters::chart::{ChartContext, SeriesLabelPosition};
use plotters::coord::CoordTranslate;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::{Color, DrawingBackend, Rectangle, WHITE};
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

/// Draws the legend of `plot`'s labelled series at `position`.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    plot: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    plot.configure_series_labels()
        .position(position)
        .label_font((FONT, 11))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()
}

/// A bar series' legend mark: a small filled square of its colour.
fn swatch(color: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 4), (x + 12, y + 4)], color.filled())
}

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
