//! `kdgat analytics …`: the reference's analytics over the project database.

use kdgat_store::LeaderboardFilters;

use crate::cli::{AnalyticsCommand, GlobalArgs};
use crate::output::print_table;

/// Runs an `analytics` subcommand.
pub fn run(global: &GlobalArgs, command: AnalyticsCommand) -> anyhow::Result<()> {
    let db = super::db::analytics(global)?;
    match command {
        AnalyticsCommand::Sweep {
            param,
            metric,
            dataset,
            stage,
            format,
        } => print_table(
            &db.sweep(&param, &metric, dataset.as_deref(), stage.as_deref())?,
            &format,
        ),
        AnalyticsCommand::Leaderboard {
            metric,
            top,
            scenario,
            model,
            dataset,
            stage,
            format,
        } => {
            let filters = LeaderboardFilters {
                scenario: scenario.as_deref(),
                model: model.as_deref(),
                dataset: dataset.as_deref(),
                stage: stage.as_deref(),
            };
            print_table(&db.leaderboard(&metric, top, &filters)?, &format)
        }
        AnalyticsCommand::Compare { a, b, format } => print_table(&db.compare(&a, &b)?, &format),
        AnalyticsCommand::Diff { a, b, format } => print_table(&db.config_diff(&a, &b)?, &format),
        AnalyticsCommand::Dataset { name, format } => {
            let (runs, best) = db.dataset_summary(&name)?;
            print_table(&runs, &format)?;
            if !format.json && !format.csv {
                println!();
            }
            print_table(&best, &format)
        }
    }
}
