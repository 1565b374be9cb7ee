//! `kdgat analytics …`: the reference's analytics over the project database.

use kdgat_store::LeaderboardFilters;

use crate::cli::{AnalyticsCommand, GlobalArgs};
use crate::output::outln;
use crate::output::print_table;

/// Runs an `analytics` subcommand.
pub fn run(global: &GlobalArgs, command: AnalyticsCommand) -> anyhow::Result<()> {
    let db = super::db::analytics(global)?;
    match command {
        AnalyticsCommand::Sweep {
            param,
            metric,
            runs,
            format,
        } => {
            let table = db.sweep(
                &param,
                &metric,
                runs.dataset.as_deref(),
                runs.stage.as_deref(),
            )?;
            print_table(&table, &format)
        }
        AnalyticsCommand::Leaderboard {
            metric,
            top,
            scenario,
            model,
            runs,
            format,
        } => {
            let filters = LeaderboardFilters {
                scenario: scenario.as_deref(),
                model: model.as_deref(),
                dataset: runs.dataset.as_deref(),
                stage: runs.stage.as_deref(),
            };
            print_table(&db.leaderboard(&metric, top, &filters)?, &format)
        }
        AnalyticsCommand::Compare(pair) => {
            print_table(&db.compare(&pair.a, &pair.b)?, &pair.format)
        }
        AnalyticsCommand::Diff(pair) => {
            print_table(&db.config_diff(&pair.a, &pair.b)?, &pair.format)
        }
        AnalyticsCommand::Dataset { name, format } => {
            let (runs, best) = db.dataset_summary(&name)?;
            print_table(&runs, &format)?;
            if !format.json && !format.csv {
                outln!()?;
            }
            print_table(&best, &format)
        }
    }
}
