//! `kdgat submit` on the real SLURM cluster: the teacher's chain of a small dataset as sbatch jobs
//! (a trivial stage in place of training, so the test measures the orchestration, not the models),
//! each attempt's directory with its script and batch job id, the sweep complete, and none of the
//! submitter's credentials in any batch job's environment.

use crate::submit::{submit_tiny, trivial_jobs};
use crate::support::{slurm_turn, stderr, stdout, tiny_dataset};

const RUNS: [&str; 5] = [
    "graphs",
    "teacher_autoencoder",
    "teacher_curriculum",
    "teacher_fusion",
    "teacher_evaluation",
];

#[test]
fn a_sweep_runs_through_sbatch_and_its_jobs_get_no_credentials() {
    let Some(_turn) = slurm_turn("kdgat submit on SLURM") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_dataset(dir, 1);
    // The test node has no GPU and a few CPUs: every stage asks for one CPU and a little memory.
    let small = "time_minutes = 5\nmem_mb = 200\ncpus = 1\ngpus = 0\n";
    trivial_jobs(
        dir,
        &format!(
            "scheduler = \"slurm\"\n[slurm]\npartition = \"debug\"\n\
             [resources.train]\n{small}[resources.evaluation]\n{small}[resources.data]\n{small}"
        ),
    );
    let out = submit_tiny(dir)
        .env("MLFLOW_TRACKING_TOKEN", "s3cret-token")
        .env("AWS_SECRET_ACCESS_KEY", "s3cret-key")
        .args(["--variant", "teacher", "--name", "on-slurm"])
        .args(["--cluster-config", "cluster.toml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("sweep on-slurm finished: 5 of 5 runs complete, 0 failed"),
        "{}",
        stdout(&out)
    );
    for run in RUNS {
        let run_dir = dir.join("experimentruns/tiny").join(run);
        let attempt = run_dir.join("attempt-1");
        let job_id = std::fs::read_to_string(attempt.join("slurm_job_id"))
            .unwrap_or_else(|e| panic!("{run}: no batch job id: {e}"));
        let script = std::fs::read_to_string(attempt.join("submit.sh")).unwrap();
        assert!(
            script.contains("#SBATCH --export=NONE")
                && script.contains("#SBATCH --partition=debug"),
            "{run}: {script}"
        );
        let env = std::fs::read_to_string(run_dir.join("job-env.txt")).unwrap();
        assert!(
            env.contains(&format!("SLURM_JOB_ID={}", job_id.trim())),
            "{run} ran outside its batch job {job_id}: {env}"
        );
        assert!(env.contains("OMP_NUM_THREADS=1"), "{run}: {env}");
        assert!(
            !env.contains("s3cret") && !env.contains("MLFLOW"),
            "{run}: {env}"
        );
    }
}
