//! Printing query tables for people (aligned columns), for programs (JSON) and for spreadsheets (CSV).

use kdgat_store::QueryTable;
use serde_json::Value;

use crate::cli::TableFormat;

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
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else if format.csv {
        println!(
            "{}",
            table
                .columns
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(",")
        );
        for row in &table.rows {
            println!(
                "{}",
                row.iter()
                    .map(|v| csv_field(&cell(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            );
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
        println!("{}", line(&table.columns));
        for row in &cells {
            println!("{}", line(row));
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
