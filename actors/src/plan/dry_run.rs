//! What `kdgat submit --dry-run` shows: each run with its dependencies, the decision (up to date,
//! or why it runs) and the resources its stage asks for, and the totals with an upper bound on the
//! GPU-hours (every run that will run taking its whole time limit).

use std::collections::BTreeMap;

use serde::Serialize;

use super::freshness::Freshness;
use super::planner::{Plan, RunKind};
use crate::settings::{Resources, Settings};
use crate::tree::resources;

/// One run of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DryRunRow {
    /// The run.
    pub run: String,
    /// Its stage.
    pub stage: String,
    /// Its variant (none for `graphs`).
    pub variant: Option<String>,
    /// The runs it waits for.
    pub deps: Vec<String>,
    /// Whether it runs.
    pub runs: bool,
    /// Why (or `up to date`).
    pub why: String,
    /// What its batch job asks for.
    pub resources: Resources,
}

/// The plan as the dry run shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DryRun {
    /// The sweep.
    pub sweep: String,
    /// The scheduler that would run it.
    pub scheduler: String,
    /// Every run, in plan order.
    pub runs: Vec<DryRunRow>,
    /// Runs that would run.
    pub to_run: usize,
    /// Runs up to date.
    pub up_to_date: usize,
    /// GPU-hours if every run took its whole time limit.
    pub gpu_hours_at_most: f64,
}

/// The dry run of `plan` under `settings`.
pub fn dry_run(
    plan: &Plan,
    decisions: &BTreeMap<String, Freshness>,
    settings: &Settings,
) -> DryRun {
    let runs: Vec<DryRunRow> = plan
        .runs
        .iter()
        .map(|r| {
            let (runs, why) = match decisions.get(&r.run_id) {
                Some(Freshness::UpToDate) => (false, "up to date".to_string()),
                Some(Freshness::Run { why, .. }) => (true, why.clone()),
                None => (true, String::new()),
            };
            DryRunRow {
                run: r.run_id.clone(),
                stage: r.kind.stage_name().to_string(),
                variant: match r.kind {
                    RunKind::Graphs => None,
                    RunKind::Model { variant, .. } => Some(variant.as_str().to_string()),
                },
                deps: r.deps.clone(),
                runs,
                why,
                resources: resources(settings, r.kind).clone(),
            }
        })
        .collect();
    let to_run = runs.iter().filter(|r| r.runs).count();
    let gpu_hours_at_most = runs
        .iter()
        .filter(|r| r.runs)
        .map(|r| f64::from(r.resources.time_minutes) / 60.0 * f64::from(r.resources.gpus))
        .sum();
    DryRun {
        sweep: plan.request.name.clone(),
        scheduler: settings.scheduler.name().to_string(),
        up_to_date: runs.len() - to_run,
        runs,
        to_run,
        gpu_hours_at_most,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::planner::plan;
    use crate::plan::planner::tests::request;
    use kdgat_jobs::config::Variant;

    #[test]
    fn the_estimate_counts_only_what_runs_at_its_stages_limits() {
        let plan = plan(&request(&[Variant::Teacher]), &["hcrl_sa"]).unwrap();
        let mut decisions: BTreeMap<String, Freshness> = plan
            .runs
            .iter()
            .map(|r| {
                let d = Freshness::Run {
                    why: "not run yet".into(),
                    resume: false,
                };
                (r.run_id.clone(), d)
            })
            .collect();
        decisions.insert("hcrl_sa/graphs".into(), Freshness::UpToDate);
        let d = dry_run(&plan, &decisions, &Settings::default());
        assert_eq!((d.to_run, d.up_to_date), (4, 1));
        // Three training stages (6 h, 1 GPU) and the evaluation (2 h, 1 GPU).
        assert_eq!(d.gpu_hours_at_most, 20.0);
        let eval = d.runs.iter().find(|r| r.stage == "evaluation").unwrap();
        assert_eq!((eval.resources.mem_mb, eval.resources.cpus), (32_000, 8));
        assert_eq!(d.runs[0].why, "up to date");
    }
}
