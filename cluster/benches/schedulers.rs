//! Scheduler costs (run with `scripts/bench/schedulers.sh`, release mode):
//! - SLURM: time per submission over 500 jobs, then the cost of one poll cycle (calls and ms) with all
//!   500 jobs live (they sleep; two run at a time on the test node, the rest pend);
//! - the local executor: jobs per second it starts and reaps (500 `true` jobs).
//!
//! Prints one JSON object. SLURM is skipped (and said so) when `SLURM_CONF` is unset.

use std::path::Path;
use std::time::{Duration, Instant};

use kdgat_cluster::local::{LocalConfig, LocalScheduler};
use kdgat_cluster::slurm::{SlurmConfig, SlurmScheduler};
use kdgat_cluster::{BatchJobSpec, Scheduler, SchedulerJobId};

const JOBS: usize = 500;

fn spec(dir: &Path, i: usize, script: &str) -> BatchJobSpec {
    let name = format!("kdgat-bench.{}.{i}", std::process::id());
    BatchJobSpec::new(
        &name,
        vec!["sh".into(), "-c".into(), script.into()],
        dir.to_path_buf(),
        dir.join(format!("a{i}")),
    )
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn slurm_bench(dir: &Path) -> serde_json::Value {
    let s = SlurmScheduler::new(SlurmConfig::default());
    let mut submit_ms = Vec::with_capacity(JOBS);
    let mut ids: Vec<SchedulerJobId> = Vec::with_capacity(JOBS);
    for i in 0..JOBS {
        let started = Instant::now();
        ids.push(s.submit(&spec(dir, i, "sleep 600")).expect("sbatch"));
        submit_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let mut poll_ms = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let statuses = s.poll(&ids).expect("poll");
        poll_ms.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(statuses.len(), JOBS);
    }
    let calls = calls_per_poll(dir, &ids);
    for id in &ids {
        let _ = s.cancel(id);
    }
    serde_json::json!({
        "jobs": JOBS,
        "submit_ms_median": median(submit_ms.clone()),
        "submit_ms_total": submit_ms.iter().sum::<f64>(),
        "poll_ms_median_at_500_live": median(poll_ms),
        "programs_called_in_one_poll_at_500_live": calls,
    })
}

/// The SLURM programs one poll cycle runs, counted by logging wrappers placed before the real ones.
fn calls_per_poll(dir: &Path, ids: &[SchedulerJobId]) -> Vec<String> {
    let bin = dir.join("counting-bin");
    let log = dir.join("calls.log");
    std::fs::create_dir_all(&bin).expect("bin dir");
    for program in ["squeue", "sacct", "scontrol"] {
        let real = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .output()
            .expect("sh");
        let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
        let wrapper = bin.join(program);
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\necho {program} >> {}\nexec {real} \"$@\"\n",
                log.display()
            ),
        )
        .expect("wrapper");
        std::process::Command::new("chmod")
            .args(["+x", &wrapper.display().to_string()])
            .status()
            .expect("chmod");
    }
    let counted = SlurmScheduler::new(SlurmConfig {
        program_dir: Some(bin),
        ..SlurmConfig::default()
    });
    counted.poll(ids).expect("poll");
    std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn local_bench(dir: &Path) -> serde_json::Value {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let local = LocalScheduler::new(LocalConfig {
        root: dir.join("registry"),
        max_running: cores * 4,
        grace: Duration::from_secs(1),
    })
    .expect("registry");
    let started = Instant::now();
    let ids: Vec<SchedulerJobId> = (0..JOBS)
        .map(|i| local.submit(&spec(dir, i, "true")).expect("submit"))
        .collect();
    let submitted = started.elapsed().as_secs_f64();
    let mut polls = 0;
    loop {
        polls += 1;
        let statuses = local.poll(&ids).expect("poll");
        if statuses.values().all(|s| s.state.is_terminal()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let total = started.elapsed().as_secs_f64();
    serde_json::json!({
        "jobs": JOBS,
        "max_running": cores * 4,
        "submit_s": submitted,
        "all_reaped_s": total,
        "jobs_per_second": JOBS as f64 / total,
        "poll_cycles": polls,
    })
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let slurm = if std::env::var_os("SLURM_CONF").is_some() {
        slurm_bench(&dir.path().join("slurm"))
    } else {
        serde_json::json!("skipped: SLURM_CONF is not set (run scripts/slurm-up.sh)")
    };
    let local = local_bench(&dir.path().join("local"));
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({"slurm": slurm, "local": local}))
            .unwrap_or_default()
    );
}
