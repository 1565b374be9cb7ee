//! `kdgat status [SWEEP|RUN]`: every sweep with its runs counted by state; a sweep's runs (state,
//! attempt, batch job, elapsed time, last epoch and metrics); or one run and its attempts. Read
//! from the project database, refreshed from the store (or, while a sweep runs in another process,
//! as that process last exported it). While the daemon's scheduler does not answer, a warning says
//! so first.

use kdgat_store::QueryTable;
use serde_json::Value;

use crate::cli::{GlobalArgs, StatusArgs, TableFormat};
use crate::error::UserError;
use crate::output::outln;
use crate::output::print_table;

/// Prints the status.
pub fn run(global: &GlobalArgs, args: &StatusArgs) -> anyhow::Result<()> {
    if let Some(problem) =
        super::daemon::connect(&global.state_dir)?.and_then(|(_, info)| info.scheduler_problem)
    {
        crate::error::warn(&anyhow::anyhow!(
            "the scheduler does not answer {problem}; runs wait for it, none fails for it"
        ));
    }
    let db = super::db::analytics(global)?;
    let format = TableFormat {
        json: args.json,
        csv: false,
    };
    let Some(target) = &args.target else {
        return print_table(&db.status_sweeps()?, &format);
    };
    let runs = db.status_runs(target)?;
    if !runs.rows.is_empty() {
        return print_table(&readable(runs, args.json), &format);
    }
    let run = db.status_run(target)?;
    if run.rows.is_empty() {
        return Err(UserError::InvalidData(
            format!("no sweep or run `{target}` (`kdgat status` lists the sweeps)").into(),
        )
        .into());
    }
    print_table(&readable(run, args.json), &format)?;
    if !args.json {
        outln!()?;
        print_table(&db.status_attempts(target)?, &format)?;
    }
    Ok(())
}

/// The `metrics` column as JSON objects for programs, `key=value` pairs for people.
fn readable(mut table: QueryTable, json: bool) -> QueryTable {
    let Some(i) = table.columns.iter().position(|c| c == "metrics") else {
        return table;
    };
    for row in &mut table.rows {
        let parsed = row[i]
            .as_str()
            .and_then(|text| serde_json::from_str::<Value>(text).ok());
        row[i] = match (parsed, json) {
            (Some(object), true) => object,
            (Some(Value::Object(map)), false) => Value::String(
                map.iter()
                    .filter_map(|(k, v)| Some(format!("{k}={:.4}", v.as_f64()?)))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            (_, _) => row[i].take(),
        };
    }
    table
}
