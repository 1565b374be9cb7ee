//! Printing query tables for people (aligned columns), for programs (JSON) and for spreadsheets (CSV),
//! and [`outln!`], the `println!` of the commands: it returns the write's error instead of
//! panicking, so that a closed pipe (`kdgat db query … | head -1`) ends the command quietly
//! (see `error::report`).

use kdgat_store::QueryTable;
use serde_json::Value;

use crate::cli::TableFormat;

/// `println!` to stdout that returns a [`StdoutError`] instead of panicking when the write fails.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::output::StdoutError)
    }};
}
pub(crate) use outln;

/// Standard output could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(pub std::io::Error);

impl StdoutError {
    /// Whether the reader went away (`… | head -1`): the command ends quietly, as CLI tools do.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == std::io::ErrorKind::BrokenPipe
    }
}

/// Prints a table in the chosen format.
pub fn print_table(table: &QueryTable, format: &TableFormat) -> anyhow::Result<()> {
    if format.json {
        let rows: Vec<serde_json::Map<String, Value>> = table
            .rows
            .iter()
            .map(|row| {
                table
                    .columns
                    .iter()
                    .cloned()
                    .zip(row.iter().cloned())
                    .collect()
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&rows)?)?;
    } else if format.csv {
        outln!(
            "{}",
            table
                .columns
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(",")
        )?;
        for row in &table.rows {
            outln!(
                "{}",
                row.iter()
                    .map(|v| csv_field(&cell(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            )?;
        }
    } else {
        let cells: Vec<Vec<String>> = table
            .rows
            .iter()
            .map(|row| row.iter().map(cell).collect())
            .collect();
        let widths: Vec<usize> = (0..table.columns.len())
            .map(|i| {
                cells
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain([table.columns[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |values: &[String]| {
            values
                .iter()
                .zip(&widths)
                .map(|(v, w)| format!("{v:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        outln!("{}", line(&table.columns))?;
        for row in &cells {
            outln!("{}", line(row))?;
        }
    }
    Ok(())
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
