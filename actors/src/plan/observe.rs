//! What the run directories of a plan hold ([`Observed`]), read from the disk: for a model run its
//! completion, whether its frozen config is the planned one, its finish stamp and the stamps its
//! last attempt was built on; for a `graphs` run whether the dataset's cache is current (from its
//! metadata alone), stamped with the cache's creation time.

use std::collections::BTreeMap;

use kdgat_jobs::catalog::Catalog;
use kdgat_jobs::config::load_config;
use kdgat_jobs::graph::{current_cache, graphs_options};
use kdgat_jobs::run_dir::{Completion, GraphsWork, JobSpec, RunDir, SPEC, finish_stamp};

use super::freshness::Observed;
use super::planner::{Plan, PlannedRun, RunKind};

/// Reads what every run of `plan` has on disk. A dataset whose captures cannot be listed has no
/// current cache (its `graphs` run will say why when it runs).
pub fn observe(plan: &Plan, catalog: &Catalog) -> BTreeMap<String, Observed> {
    plan.runs
        .iter()
        .map(|run| {
            let observed = match run.kind {
                RunKind::Graphs => observe_cache(plan, run, catalog),
                RunKind::Model { .. } => observe_model(run),
            };
            (run.run_id.clone(), observed)
        })
        .collect()
}

/// The graphs spec of a plan's `graphs` run.
pub fn graphs_work(plan: &Plan, run: &PlannedRun) -> GraphsWork {
    let r = &plan.request;
    GraphsWork {
        dataset: run.dataset.clone(),
        data_root: r.data_root.clone(),
        catalog: r.catalog.clone(),
        cache_dir: r.cache_root.join(&run.dataset),
        parquet_root: r.parquet_root.clone(),
        on_bad_row: r.on_bad_row,
    }
}

fn observe_cache(plan: &Plan, run: &PlannedRun, catalog: &Catalog) -> Observed {
    let work = graphs_work(plan, run);
    let current = catalog.get(&run.dataset).and_then(|entry| {
        let options = graphs_options(&work, plan.request.legacy);
        current_cache(&run.dataset, entry, &options, &work.cache_dir)
            .ok()
            .flatten()
    });
    match current {
        Some(meta) => Observed {
            completion: Completion::Finished,
            config_matches: true,
            stamp: Some(meta.created_at),
            inputs: BTreeMap::new(),
        },
        None => Observed::nothing(),
    }
}

fn observe_model(run: &PlannedRun) -> Observed {
    let dir = RunDir::new(&run.run_dir);
    let completion = Completion::of(dir.path());
    let config_matches = match (&run.config, load_config(&dir.config())) {
        (Some(planned), Ok(found)) => found.config == *planned,
        _ => false,
    };
    let inputs = dir
        .attempts()
        .last()
        .and_then(|(_, attempt)| JobSpec::load(&attempt.join(SPEC)).ok())
        .map(|spec| spec.inputs)
        .unwrap_or_default();
    Observed {
        completion,
        config_matches,
        stamp: finish_stamp(dir.path()),
        inputs,
    }
}
