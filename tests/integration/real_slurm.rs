//! The real SLURM cluster (scripts/slurm-up.sh): a batch job submitted with sbatch runs and is seen
//! COMPLETED with exit code 0:0 in sacct (accounting through slurmdbd).

use std::time::{Duration, Instant};

use kdgat_cluster::command::{CommandSpec, run_checked};

use crate::support::service;

fn sacct_state(job_id: &str) -> Option<(String, String)> {
    let out = run_checked(&CommandSpec::new(
        "sacct",
        [
            "-X",
            "-P",
            "-n",
            "-j",
            job_id,
            "--format=JobIDRaw,State,ExitCode",
        ],
    ))
    .ok()?;
    let line = out.lines().find(|l| l.starts_with(&format!("{job_id}|")))?;
    let fields: Vec<&str> = line.split('|').collect();
    Some((fields[1].to_string(), fields[2].to_string()))
}

#[test]
fn sbatch_job_completes_and_sacct_reports_exit_0_0() {
    let Some(_slurm_conf) = service("SLURM_CONF", "sbatch round trip") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let out = run_checked(&CommandSpec::new(
        "sbatch",
        [
            "--parsable".to_string(),
            "--job-name=kdgat-infra-check".into(),
            format!("--output={}/%j.out", dir.path().display()),
            format!("--wrap=echo ok > {}", marker.display()),
        ],
    ))
    .unwrap();
    let job_id = out.trim().split(';').next().unwrap().to_string();
    assert!(job_id.parse::<u64>().is_ok(), "sbatch printed {out:?}");

    let deadline = Instant::now() + Duration::from_secs(90);
    let final_state = loop {
        if let Some((state, exit)) = sacct_state(&job_id) {
            if state == "COMPLETED" || state == "FAILED" || state.starts_with("CANCELLED") {
                break (state, exit);
            }
        }
        assert!(
            Instant::now() < deadline,
            "job {job_id} not finished in sacct after 90 s"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(final_state, ("COMPLETED".to_string(), "0:0".to_string()));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "ok\n");
}
