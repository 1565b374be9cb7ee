use std::path::PathBuf;

use super::*;
use crate::spec::GpuRequest;

fn spec() -> BatchJobSpec {
    BatchJobSpec::new(
        "kdgat.s1.hcrl_sa-teacher_curriculum.2",
        vec![
            "kdgat".into(),
            "job".into(),
            "exec".into(),
            "--spec".into(),
            "/runs/a/attempt-2/spec.json".into(),
        ],
        PathBuf::from("/work/project"),
        PathBuf::from("/runs/a/attempt-2"),
    )
}

#[test]
fn minimal_script_snapshot() {
    assert_eq!(
        render_sbatch_script(&spec()).unwrap(),
        "#!/bin/bash
#SBATCH --job-name=kdgat.s1.hcrl_sa-teacher_curriculum.2
#SBATCH --export=NONE
#SBATCH --chdir=/work/project
#SBATCH --output=/runs/a/attempt-2/stdout
#SBATCH --error=/runs/a/attempt-2/stderr
#SBATCH --no-requeue
set -euo pipefail
exec kdgat job exec --spec /runs/a/attempt-2/spec.json
"
    );
}

#[test]
fn full_script_snapshot() {
    let mut s = spec();
    s.partition = Some("gpu".into());
    s.account = Some("PAS3209".into());
    s.time_minutes = Some(360);
    s.mem_mb = Some(128_000);
    s.cpus = Some(16);
    s.gpus = Some(GpuRequest {
        count: 1,
        kind: Some("v100".into()),
    });
    s.constraint = Some("v100&ib".into());
    s.exclude = vec!["node07".into(), "node12".into()];
    s.signal_grace_seconds = Some(300);
    s.requeue = true;
    s.env = vec![
        ("KDGAT_RUN".into(), "hcrl_sa/teacher_curriculum".into()),
        ("NOTE".into(), "it's $(here)".into()),
    ];
    assert_eq!(
        render_sbatch_script(&s).unwrap(),
        "#!/bin/bash
#SBATCH --job-name=kdgat.s1.hcrl_sa-teacher_curriculum.2
#SBATCH --export=NONE
#SBATCH --chdir=/work/project
#SBATCH --output=/runs/a/attempt-2/stdout
#SBATCH --error=/runs/a/attempt-2/stderr
#SBATCH --partition=gpu
#SBATCH --account=PAS3209
#SBATCH --time=360
#SBATCH --mem=128000M
#SBATCH --cpus-per-task=16
#SBATCH --gres=gpu:v100:1
#SBATCH --constraint=v100&ib
#SBATCH --exclude=node07,node12
#SBATCH --signal=B:USR2@300
#SBATCH --requeue
set -euo pipefail
export KDGAT_RUN=hcrl_sa/teacher_curriculum
export NOTE='it'\\''s $(here)'
exec kdgat job exec --spec /runs/a/attempt-2/spec.json
"
    );
    s.gpus = Some(GpuRequest {
        count: 2,
        kind: None,
    });
    assert!(
        render_sbatch_script(&s)
            .unwrap()
            .contains("#SBATCH --gpus-per-node=2\n")
    );
}

#[test]
fn hostile_values_never_reach_the_script_as_shell() {
    let hostile = ["a;rm -rf /", "$(id)", "`id`", "a'b", "a\"b", "a\nb", "a b"];
    for value in hostile {
        let mut s = spec();
        s.name = value.into();
        assert!(render_sbatch_script(&s).is_err(), "name {value:?}");
        let mut s = spec();
        s.partition = Some(value.into());
        assert!(render_sbatch_script(&s).is_err(), "partition {value:?}");
        let mut s = spec();
        s.attempt_dir = PathBuf::from(format!("/runs/{value}"));
        assert!(render_sbatch_script(&s).is_err(), "path {value:?}");
        // Arguments and environment values are quoted: the script line is one word per argument.
        let mut s = spec();
        s.command.push(value.into());
        s.env = vec![("V".into(), value.into())];
        let script = render_sbatch_script(&s).unwrap();
        let exec_line = script
            .lines()
            .find(|l| l.starts_with("exec "))
            .unwrap_or_default();
        assert!(
            script.contains(&format!("export V={}", shell_quote(value))),
            "{script}"
        );
        if !value.contains('\n') {
            assert!(exec_line.ends_with(&shell_quote(value)), "{exec_line}");
        }
    }
    let mut s = spec();
    s.env = vec![("BAD-NAME".into(), "x".into())];
    assert_eq!(render_sbatch_script(&s).unwrap_err().field, "env");
}

#[test]
fn quoted_script_runs_the_exact_arguments() {
    // The rendered lines, run by a real shell, pass every hostile argument through unchanged.
    let mut s = spec();
    s.command = vec![
        "printf".into(),
        "%s\\n".into(),
        "a;b".into(),
        "$(id)".into(),
        "it's".into(),
        "x\ny".into(),
    ];
    let script = render_sbatch_script(&s).unwrap();
    let body: String = script
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let out = std::process::Command::new("bash")
        .args(["-c", &body])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "a;b\n$(id)\nit's\nx\ny\n"
    );
}
