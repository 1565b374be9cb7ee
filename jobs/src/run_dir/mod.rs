//! The run-directory contract: the one place that names the files of a run directory
//! (`experimentruns/{dataset}/{size}_{stage}[_kd]/`, and `attempt-N/` inside it), says what
//! "finished" means, writes and versions `spec.json`, and reads `events.jsonl`, `metrics.json` and
//! `benchmark.tsv`. Every crate that reads or writes run directories goes through it: the stages
//! (which write them), the supervisor (which follows and classifies them), the backfill and the
//! MLflow import (which turn them into records and tracking operations).
//!
//! The key types: [`RunDir`] (the paths), [`Completion`] (finished or not, and why), [`JobSpec`]
//! (what one attempt runs), [`EventLog`] / [`EventTail`] (the event log, written and followed),
//! [`MetricEntry`] (one value of `metrics.json`) and [`Benchmark`] (`benchmark.tsv`).

mod benchmark;
mod completion;
mod events;
mod layout;
mod metrics_file;
mod spec;

pub use benchmark::{BENCHMARK_COLUMNS, Benchmark, write_benchmark};
pub use completion::{Completion, finish_stamp, finished_at_ms};
pub use events::{EventLog, EventTail, RunEvent, TailRead, now_ms, read_events};
pub use layout::{
    ATTEMPT_PREFIX, BENCHMARK, BEST_CHECKPOINT, CONFIG, EVENTS, INPUT_CONFIG, LEGACY_CHECKPOINT,
    METRICS, RESUME, RunDir, SPEC, VAL_METRICS, list_run_dirs,
};
pub use metrics_file::{MetricEntry, MetricSection, metric_entries, read_metrics};
pub use spec::{GraphsWork, JobSpec, ModelWork, SPEC_VERSION, SpecError, Work};
