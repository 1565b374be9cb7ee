//! One attempt of a run, made ready for the scheduler: its batch job name (unique per attempt, in
//! the characters SLURM accepts, naming sweep, run and attempt), its directory with the config it is
//! given and its `spec.json` (recording the finish stamps of the runs it is built on), and the
//! batch job spec with the stage's resources, as the retry policy adjusts them for a retry (other
//! nodes, more time, more memory). The files are written before the job is submitted.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kdgat_cluster::{BatchJobSpec, GpuRequest};
use kdgat_jobs::config::Stage;
use kdgat_jobs::config::write_config;
use kdgat_jobs::graph::cache::{CacheMetadata, METADATA_FILE};
use kdgat_jobs::run_dir::{INPUT_CONFIG, JobSpec, ModelWork, RunDir, SPEC, Work, finish_stamp};

use crate::machine::Adjustment;
use crate::plan::{Plan, PlannedRun, RunKind, graphs_work};
use crate::settings::{Resources, SchedulerKind, Settings};

/// The batch job name of attempt `attempt` of `run` in sweep `sweep`:
/// `kdgat.<sweep>.<dataset>.<run name>.<attempt>`.
pub fn job_name(sweep: &str, run: &PlannedRun, attempt: u32) -> String {
    let name = run.run_id.replace('/', ".");
    format!("kdgat.{sweep}.{name}.{attempt}")
}

/// The resources of a run's stage.
pub fn resources(settings: &Settings, kind: RunKind) -> &Resources {
    match kind {
        RunKind::Graphs => &settings.resources.data,
        RunKind::Model {
            stage: Stage::Evaluation,
            ..
        } => &settings.resources.evaluation,
        RunKind::Model { .. } => &settings.resources.train,
    }
}

/// The current finish stamp of a planned run (for a `graphs` run, its cache's creation time).
pub fn stamp_of(plan: &Plan, run: &PlannedRun) -> Option<String> {
    match run.kind {
        RunKind::Graphs => {
            let dir = plan.request.cache_root.join(&run.dataset);
            let text = std::fs::read_to_string(dir.join(METADATA_FILE)).ok()?;
            let meta: CacheMetadata = serde_json::from_str(&text).ok()?;
            Some(meta.created_at)
        }
        RunKind::Model { .. } => finish_stamp(&run.run_dir),
    }
}

/// What an attempt needs to know.
pub struct AttemptPlan<'a> {
    /// The sweep.
    pub sweep: &'a str,
    /// The plan.
    pub plan: &'a Plan,
    /// The run.
    pub run: &'a PlannedRun,
    /// The settings.
    pub settings: &'a Settings,
    /// The `kdgat` binary.
    pub exe: &'a std::path::Path,
}

/// Writes attempt `attempt`'s directory and spec; returns the batch job to submit.
pub fn prepare(
    a: &AttemptPlan<'_>,
    attempt: u32,
    resume: bool,
    adjust: &Adjustment,
) -> Result<BatchJobSpec, String> {
    let run_dir = RunDir::new(&a.run.run_dir);
    let dir = run_dir.attempt_dir(attempt);
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", dir.display());
    std::fs::create_dir_all(&dir).map_err(|e| fail(&e))?;
    let inputs: BTreeMap<String, String> = a
        .run
        .deps
        .iter()
        .filter_map(|dep| {
            let upstream = a.plan.run(dep)?;
            Some((dep.clone(), stamp_of(a.plan, upstream)?))
        })
        .collect();
    let work = match a.run.kind {
        RunKind::Graphs => Work::Graphs(graphs_work(a.plan, a.run)),
        RunKind::Model { stage, .. } => {
            let config = a
                .run
                .config
                .as_ref()
                .ok_or_else(|| fail(&"a model run without a config"))?;
            write_config(config, &dir.join(INPUT_CONFIG)).map_err(|e| fail(&e))?;
            Work::Model(ModelWork {
                stage,
                config: dir.join(INPUT_CONFIG),
                cache_dir: a.plan.request.cache_root.join(&a.run.dataset),
                base_dir: a.plan.request.runs_root.clone(),
                upstream: a.run.upstream.clone(),
            })
        }
    };
    let spec = JobSpec {
        run_dir: a.run.run_dir.clone(),
        legacy: a.plan.request.legacy,
        work,
        resume,
        inputs,
    };
    spec.write(&dir.join(SPEC)).map_err(|e| fail(&e))?;
    Ok(batch_job(a, attempt, dir, adjust))
}

/// What a local job keeps of the supervisor's environment: where programs and libraries are, who
/// and where it is, which GPUs — never credentials (a SLURM job gets its user's login environment
/// instead).
const PASSED_THROUGH: [&str; 9] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "LD_LIBRARY_PATH",
    "CUDA_VISIBLE_DEVICES",
];

fn passed_through() -> Vec<(String, String)> {
    PASSED_THROUGH
        .iter()
        .filter_map(|k| Some((k.to_string(), std::env::var(k).ok()?)))
        .collect()
}

fn batch_job(a: &AttemptPlan<'_>, attempt: u32, dir: PathBuf, adjust: &Adjustment) -> BatchJobSpec {
    let r = resources(a.settings, a.run.kind);
    let policy = &a.settings.retry;
    let mut command = if a.settings.job_command.is_empty() {
        vec![a.exe.display().to_string()]
    } else {
        a.settings.job_command.clone()
    };
    command.extend([
        "job".into(),
        "exec".into(),
        "--spec".into(),
        dir.join(SPEC).display().to_string(),
    ]);
    let mut spec = BatchJobSpec::new(
        &job_name(a.sweep, a.run, attempt),
        command,
        a.plan.request.runs_root.clone(),
        dir,
    );
    spec.time_minutes = Some(adjust.time_minutes(policy, r.time_minutes));
    match a.settings.scheduler {
        SchedulerKind::Local => {
            // One machine: the jobs at once share its CPUs.
            let cpus = std::thread::available_parallelism().map_or(1, usize::from);
            let threads = (cpus / a.settings.local.max_running).max(1);
            spec.env.extend(passed_through());
            spec.env
                .push(("OMP_NUM_THREADS".into(), threads.to_string()));
        }
        SchedulerKind::Slurm => {
            let s = &a.settings.slurm;
            spec.partition = s.partition.clone();
            spec.account = s.account.clone();
            spec.constraint = s.constraint.clone();
            spec.mem_mb = Some(adjust.mem_mb(policy, r.mem_mb));
            spec.exclude = adjust.exclude.clone();
            spec.cpus = Some(r.cpus);
            spec.gpus = (r.gpus > 0).then(|| GpuRequest {
                count: r.gpus,
                kind: r.gpu_type.clone(),
            });
            spec.signal_grace_seconds = Some(s.signal_grace_seconds);
            // Requeueable, so that preemption in requeue mode and an administrator's requeue run
            // the same attempt again (it resumes from its own checkpoint).
            spec.requeue = true;
            spec.env
                .push(("OMP_NUM_THREADS".into(), r.cpus.to_string()));
        }
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan;
    use crate::plan::planner::tests::request_in;
    use kdgat_jobs::config::Variant;

    #[test]
    fn an_attempt_gets_its_spec_config_and_a_slurm_safe_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut request = request_in(dir.path(), "hcrl_sa", &[Variant::StudentKd]);
        request.name = "s-1".into();
        let plan = plan(&request, &["hcrl_sa"]).unwrap();
        let run = plan.run("hcrl_sa/student_curriculum_kd").unwrap();
        let settings = Settings::default();
        let a = AttemptPlan {
            sweep: "s-1",
            plan: &plan,
            run,
            settings: &settings,
            exe: std::path::Path::new("/bin/kdgat"),
        };
        let job = prepare(&a, 2, true, &Adjustment::default()).unwrap();
        assert_eq!(job.name, "kdgat.s-1.hcrl_sa.student_curriculum_kd.2");
        job.validate().unwrap();
        assert_eq!(job.time_minutes, Some(360));
        let spec = JobSpec::load(&job.attempt_dir.join(SPEC)).unwrap();
        let Work::Model(work) = &spec.work else {
            panic!("{spec:?}")
        };
        assert_eq!(work.stage, Stage::Curriculum);
        assert!(spec.resume);
        assert!(work.config.is_file());
        assert_eq!(
            work.upstream[&Stage::Autoencoder],
            dir.path().join("runs/hcrl_sa/student_autoencoder_kd")
        );
        assert_eq!(
            job.command.last().unwrap(),
            &job.attempt_dir.join(SPEC).display().to_string()
        );
        let graphs = prepare(
            &AttemptPlan {
                run: plan.run("hcrl_sa/graphs").unwrap(),
                ..a
            },
            1,
            true,
            &Adjustment::default(),
        )
        .unwrap();
        assert_eq!(graphs.name, "kdgat.s-1.hcrl_sa.graphs.1");
    }
}
