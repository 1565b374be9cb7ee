//! Bar charts and confusion matrices drawn with plotters into SVG text: per-stage wall and CPU time
//! (horizontal bars, one row per run), the fusion agent's α choices (bars stacked by class), and a
//! model's confusion matrices on every split side by side (row-normalised shading, counts written
//! in the cells).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use kdgat_jobs::metrics::{AlphaHistogram, Confusion};

use super::{FONT, PALETTE, draw_error, legend, swatch};
use crate::error::ReportError;

/// One run's row of the time chart: its name, wall seconds and CPU seconds.
pub(crate) type TimeRow = (String, Option<f64>, Option<f64>);

/// Wall time and CPU time of each run, one row per run.
pub(crate) fn time_chart(title: &str, rows: &[TimeRow]) -> Result<String, ReportError> {
    let fail = draw_error(title);
    let longest = rows.iter().map(|r| r.0.len()).max().unwrap_or(0) as u32;
    let label_width = 16 + 7 * longest;
    let height = 90 + 26 * rows.len() as u32;
    let max = rows
        .iter()
        .flat_map(|r| [r.1, r.2])
        .flatten()
        .fold(1.0, f64::max);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (640 + label_width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(&fail)?;
        let mut plot = ChartBuilder::on(&root)
            .caption(title, (FONT, 15))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0.0..max * 1.05, 0.0..rows.len() as f64)
            .map_err(&fail)?;
        plot.configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("seconds")
            .label_style((FONT, 11))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(&fail)?;
        for (g, name) in ["wall time", "CPU time"].into_iter().enumerate() {
            let color = PALETTE[g];
            let bars = rows.iter().enumerate().filter_map(|(i, row)| {
                let value = if g == 0 { row.1 } else { row.2 }?;
                // Row i spans [i, i + 1) from the top: wall above CPU.
                let top = rows.len() as f64 - i as f64 - 0.12 - 0.38 * g as f64;
                Some(Rectangle::new(
                    [(0.0, top - 0.36), (value, top)],
                    color.filled(),
                ))
            });
            plot.draw_series(bars)
                .map_err(&fail)?
                .label(name)
                .legend(swatch(color));
        }
        let style =
            TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        for (i, row) in rows.iter().enumerate() {
            let (x, y) = plot.backend_coord(&(0.0, rows.len() as f64 - i as f64 - 0.5));
            root.draw(&Text::new(row.0.as_str(), (x - 6, y), &style))
                .map_err(&fail)?;
        }
        legend(&mut plot, SeriesLabelPosition::LowerRight).map_err(&fail)?;
        root.present().map_err(&fail)?;
    }
    Ok(svg)
}

/// How often the fusion agent chose each α, normal graphs below attack graphs.
pub(crate) fn alpha_chart(title: &str, histogram: &AlphaHistogram) -> Result<String, ReportError> {
    let fail = draw_error(title);
    let steps = histogram.alpha.len().max(2);
    let width = 0.8 / (steps - 1) as f64;
    let top = histogram
        .normal
        .iter()
        .zip(&histogram.attack)
        .map(|(n, a)| n + a)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (440, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(&fail)?;
        let mut plot = ChartBuilder::on(&root)
            .caption(title, (FONT, 14))
            .margin(10)
            .x_label_area_size(34)
            .y_label_area_size(54)
            .build_cartesian_2d(-width..1.0 + width, 0.0..top * 1.08)
            .map_err(&fail)?;
        plot.configure_mesh()
            .x_desc("α (weight of the GAT)")
            .y_desc("graphs")
            .label_style((FONT, 11))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(&fail)?;
        let mut base = vec![0.0; histogram.alpha.len()];
        for (g, (name, counts)) in [("normal", &histogram.normal), ("attack", &histogram.attack)]
            .into_iter()
            .enumerate()
        {
            let color = PALETTE[g + 2];
            let bars: Vec<_> = histogram
                .alpha
                .iter()
                .zip(counts)
                .zip(base.iter_mut())
                .filter(|((_, count), _)| **count > 0)
                .map(|((alpha, count), below)| {
                    let from = *below;
                    *below += *count as f64;
                    Rectangle::new(
                        [(alpha - width / 2.0, from), (alpha + width / 2.0, *below)],
                        color.filled(),
                    )
                })
                .collect();
            plot.draw_series(bars)
                .map_err(&fail)?
                .label(name)
                .legend(swatch(color));
        }
        legend(&mut plot, SeriesLabelPosition::UpperMiddle).map_err(&fail)?;
        root.present().map_err(&fail)?;
    }
    Ok(svg)
}

/// One model's confusion matrix on each split, side by side: rows are the true class, columns the
/// predicted one, each cell shaded by its share of its row.
pub(crate) fn confusion_chart(
    title: &str,
    cells: &[(String, Confusion)],
) -> Result<String, ReportError> {
    let fail = draw_error(title);
    let panel = (230, 200);
    let mut svg = String::new();
    {
        let width = panel.0 * cells.len().max(1) as u32;
        let root = SVGBackend::with_string(&mut svg, (width, panel.1 + 30)).into_drawing_area();
        root.fill(&WHITE).map_err(&fail)?;
        let root = root.titled(title, (FONT, 15)).map_err(&fail)?;
        let panels = root.split_evenly((1, cells.len().max(1)));
        let centered =
            TextStyle::from((FONT, 11).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        let big = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        for ((split, c), area) in cells.iter().zip(&panels) {
            let name: String = split.chars().take(30).collect();
            area.draw(&Text::new(name, (panel.0 as i32 / 2, 8), &centered))
                .map_err(&fail)?;
            let rows = [("normal", [c.tn, c.fp]), ("attack", [c.fn_, c.tp])];
            let (left, top, cell) = (72, 40, 64);
            for (j, label) in ["→ normal", "→ attack"].into_iter().enumerate() {
                let x = left + cell * j as i32 + cell / 2;
                area.draw(&Text::new(label, (x, top - 10), &centered))
                    .map_err(&fail)?;
            }
            for (i, (label, counts)) in rows.iter().enumerate() {
                let y = top + cell * i as i32;
                area.draw(&Text::new(*label, (left - 30, y + cell / 2), &centered))
                    .map_err(&fail)?;
                let total = counts.iter().sum::<u64>().max(1) as f64;
                for (j, count) in counts.iter().enumerate() {
                    let x = left + cell * j as i32;
                    let share = *count as f64 / total;
                    let shade = RGBColor(
                        (255.0 - 224.0 * share) as u8,
                        (255.0 - 136.0 * share) as u8,
                        (255.0 - 75.0 * share) as u8,
                    );
                    area.draw(&Rectangle::new(
                        [(x, y), (x + cell, y + cell)],
                        shade.filled(),
                    ))
                    .map_err(&fail)?;
                    area.draw(&Rectangle::new(
                        [(x, y), (x + cell, y + cell)],
                        RGBColor(200, 200, 200),
                    ))
                    .map_err(&fail)?;
                    let ink = if share > 0.6 { WHITE } else { BLACK };
                    area.draw(&Text::new(
                        count.to_string(),
                        (x + cell / 2, y + cell / 2),
                        big.color(&ink),
                    ))
                    .map_err(&fail)?;
                }
            }
        }
        root.present().map_err(&fail)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_matrices_draw_their_labels_and_values() {
        let svg = time_chart(
            "stage time",
            &[
                ("teacher_autoencoder".into(), Some(12.0), Some(20.5)),
                ("teacher_evaluation".into(), Some(3.0), None),
            ],
        )
        .unwrap();
        assert!(svg.contains("teacher_autoencoder") && svg.contains("CPU time"));
        assert!(svg.matches("<rect").count() >= 3, "three bars");

        let histogram = AlphaHistogram::of(&[0, 0, 1], &[0.0, 0.0, 1.0], 21);
        let svg = alpha_chart("fusion α", &histogram).unwrap();
        assert!(svg.contains("attack") && svg.contains("α (weight of the GAT)"));

        let c = Confusion {
            tn: 90,
            fp: 10,
            fn_: 3,
            tp: 97,
        };
        let svg =
            confusion_chart("gat", &[("validation".into(), c), ("test_01".into(), c)]).unwrap();
        for text in [
            "\n90\n",
            "\n10\n",
            "\n3\n",
            "\n97\n",
            "validation",
            "test_01",
            "→ attack",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }
}
