//! The idempotent backfill of the store from run directories (the reference's `populate()`): every
//! `<runs dir>/{dataset}/{run}/config.json` becomes a run, its `metrics.json` its metrics, its
//! `benchmark.tsv` its resource use, read through the run-directory contract. A run is `complete`
//! only when it finished ([`Completion`]): an interrupted one (a best checkpoint and `resume.json`)
//! is `unknown`, a failed one `failed`. Running it twice leaves the same store.

use std::path::{Path, PathBuf};

use kdgat_jobs::run_dir::{
    Benchmark, Completion, RunDir, finished_at_ms, list_run_dirs, metric_entries,
};
use kdgat_jobs::timestamp::iso8601;
use kdgat_store::{BenchmarkRecord, MetricRecord, RunRecord, RunStatus, Store, parse_run_id};
use serde_json::Value;

use super::ImportError;

/// What a backfill imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BackfillReport {
    /// Runs imported.
    pub runs: usize,
    /// Of which finished (status complete).
    pub complete: usize,
    /// Metric values imported.
    pub metrics: usize,
    /// `benchmark.tsv` files imported.
    pub benchmarks: usize,
}

/// The run directories under `runs_dir` ([`list_run_dirs`]).
pub fn run_dirs(runs_dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    list_run_dirs(runs_dir).map_err(|(path, source)| ImportError::Io { path, source })
}

/// Imports every run directory under `runs_dir`.
pub fn populate(store: &Store, runs_dir: &Path) -> Result<BackfillReport, ImportError> {
    let mut report = BackfillReport::default();
    for path in run_dirs(runs_dir)? {
        let dir = RunDir::new(&path);
        let run = run_record(runs_dir, &dir)?;
        let metrics = if dir.metrics().is_file() {
            metric_records(&run.run_id, &read_json(&dir.metrics())?)
        } else {
            Vec::new()
        };
        report.runs += 1;
        report.complete += usize::from(run.status == RunStatus::Complete);
        report.metrics += metrics.len();
        store.put_run(&run)?;
        store.replace_metrics(&run.run_id, &metrics)?;
        if dir.benchmark().is_file() {
            let b = Benchmark::read(&dir.benchmark()).map_err(ImportError::Invalid)?;
            store.put_benchmark(&benchmark_record(&run.run_id, b))?;
            report.benchmarks += 1;
        }
    }
    Ok(report)
}

/// A run's metrics as the project database keeps them: every value of `metrics.json`.
pub fn metric_records(run_id: &str, metrics: &Value) -> Vec<MetricRecord> {
    metric_entries(metrics)
        .into_iter()
        .map(|e| MetricRecord {
            run_id: run_id.to_string(),
            model: e.model,
            scenario: e.scenario,
            metric_name: e.name,
            value: e.value,
        })
        .collect()
}

/// A `benchmark.tsv` as the store keeps it.
pub fn benchmark_record(run_id: &str, b: Benchmark) -> BenchmarkRecord {
    BenchmarkRecord {
        run_id: run_id.to_string(),
        s: b.s,
        hms: b.hms,
        max_rss: b.max_rss,
        max_vms: b.max_vms,
        max_uss: b.max_uss,
        max_pss: b.max_pss,
        io_in: b.io_in,
        io_out: b.io_out,
        mean_load: b.mean_load,
        cpu_time: b.cpu_time,
    }
}

/// The teacher's run id (`dataset/run`) of a KD run: the last two directories of its config's
/// `teacher_path`, as the reference derived it.
pub fn teacher_run_id(config: &Value) -> Option<String> {
    let path = Path::new(
        config
            .get("teacher_path")?
            .as_str()
            .filter(|p| !p.is_empty())?,
    );
    let parts: Vec<&str> = path.parent()?.iter().filter_map(|c| c.to_str()).collect();
    (parts.len() >= 2).then(|| parts[parts.len() - 2..].join("/"))
}

/// A run's status from its directory.
pub fn run_status(completion: &Completion) -> RunStatus {
    match completion {
        Completion::Finished => RunStatus::Complete,
        Completion::Failed { .. } => RunStatus::Failed,
        Completion::Interrupted | Completion::Unfinished | Completion::NotStarted => {
            RunStatus::Unknown
        }
    }
}

fn run_record(runs_dir: &Path, dir: &RunDir) -> Result<RunRecord, ImportError> {
    let run_id = run_id_of(runs_dir, dir.path());
    let parts = parse_run_id(&run_id).ok_or_else(|| {
        ImportError::Invalid(format!(
            "{}: not a dataset/run directory",
            dir.path().display()
        ))
    })?;
    let config = read_json(&dir.config())?;
    Ok(RunRecord {
        run_id,
        dataset: parts.dataset,
        model_size: parts.model_size,
        stage: parts.stage,
        use_kd: parts.use_kd,
        status: run_status(&Completion::of(dir.path())),
        teacher_run: teacher_run_id(&config),
        started_at: None,
        // When it last finished, where its event log says so.
        completed_at: finished_at_ms(dir.path())
            .filter(|&ms| ms > 0)
            .map(|ms| iso8601(ms as u64 / 1000, (ms % 1000) as u32 * 1000)),
        mlflow_run_id: None,
        config_json: Some(config.to_string()),
        sweep_id: None,
    })
}

/// `dataset/run` of a run directory under `runs_dir`.
pub fn run_id_of(runs_dir: &Path, run_dir: &Path) -> String {
    run_dir
        .strip_prefix(runs_dir)
        .unwrap_or(run_dir)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Reads a JSON file; the error names it.
pub fn read_json(path: &Path) -> Result<Value, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text)
        .map_err(|e| ImportError::Invalid(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kdgat_jobs::run_dir::{BEST_CHECKPOINT, EventLog, RESUME};
    use serde_json::json;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn an_interrupted_run_is_not_recorded_complete() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        let done = runs.join("d/teacher_autoencoder");
        let cut = runs.join("d/teacher_curriculum");
        for run in [&done, &cut] {
            write(&run.join("config.json"), "{}");
            write(&run.join(BEST_CHECKPOINT), "");
            EventLog::new(run).append("started", json!({})).unwrap();
        }
        EventLog::new(&done).append("finished", json!({})).unwrap();
        write(&cut.join(RESUME), "{}");
        EventLog::new(&cut).append("preempted", json!({})).unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let report = populate(&store, &runs).unwrap();
        assert_eq!((report.runs, report.complete), (2, 1));
        let status = |id: &str| store.run(id).unwrap().unwrap().status;
        assert_eq!(status("d/teacher_autoencoder"), RunStatus::Complete);
        assert_eq!(status("d/teacher_curriculum"), RunStatus::Unknown);
    }

    #[test]
    fn snakemake_benchmark_files_are_read_and_bad_ones_named() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        let run = runs.join("hcrl_sa/teacher_curriculum");
        write(&run.join("config.json"), r#"{"teacher_path": ""}"#);
        write(
            &run.join("benchmark.tsv"),
            "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n\
             1234.5\t0:20:34\t2048.1\t4096.0\t-\t1900.2\t10.0\t20.0\t95.5\t1180.0\n",
        );
        let store = Store::open(&dir.path().join("store")).unwrap();
        let report = populate(&store, &runs).unwrap();
        assert_eq!((report.runs, report.benchmarks), (1, 1));
        let bench = &store.benchmarks().unwrap()[0];
        assert_eq!(
            (bench.s, bench.hms.as_deref(), bench.max_uss, bench.cpu_time),
            (Some(1234.5), Some("0:20:34"), None, Some(1180.0))
        );
        let db = dir.path().join("project.db");
        kdgat_store::export_sqlite(&store, &db).unwrap();
        let table = kdgat_store::Analytics::open(&db)
            .unwrap()
            .query("SELECT \"h:m:s\", max_rss FROM benchmarks", &[])
            .unwrap();
        assert_eq!(table.rows, vec![vec![json!("0:20:34"), json!(2048.1)]]);
        write(&run.join("benchmark.tsv"), "s\th:m:s\n1.0\n");
        let err = populate(&store, &runs).unwrap_err().to_string();
        assert!(
            err.contains("benchmark.tsv: 2 columns in the header, 1 in the first row"),
            "{err}"
        );
    }

    #[test]
    fn the_teacher_is_the_last_two_directories_of_teacher_path() {
        let config = json!({"teacher_path": "x/hcrl_sa/teacher_curriculum/best_model.pt"});
        assert_eq!(
            teacher_run_id(&config).as_deref(),
            Some("hcrl_sa/teacher_curriculum")
        );
        assert_eq!(teacher_run_id(&json!({"teacher_path": ""})), None);
    }
}
