//! Issue 17: every mistake met between a new machine and a finished sweep says its cause in one
//! line (`error: …`, naming the folder, key, URL or setting) and its fix in the next (`  fix: …`, a
//! command or a setting), with the exit status. No data, an unknown dataset, SLURM not installed,
//! not configured or unreachable (the real client against a slurm.conf without a controller), MLflow
//! unreachable (a closed port) or refusing the credentials, a bad override, and libtorch that
//! cannot be installed. A real MLflow server cannot be made to refuse credentials on demand, so that
//! one case answers from the tests' own HTTP server (`fake_http`), as `hardening` does.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::fake_http::{Reply, serve};
use crate::support::{kdgat, service, stderr, stdout, tiny_dataset};

/// `kdgat ARGS` in `dir` with no tracking server and no scheduler from the environment.
fn in_dir(dir: &Path) -> Command {
    let mut command = kdgat();
    command
        .current_dir(dir)
        .env_remove("MLFLOW_TRACKING_URI")
        .env_remove("MLFLOW_TRACKING_TOKEN")
        .env_remove("MLFLOW_TRACKING_USERNAME")
        .env_remove("MLFLOW_TRACKING_PASSWORD")
        .env_remove("MLFLOW_EXPERIMENT_NAME")
        .env_remove("KDGAT_SCHEDULER");
    command
}

/// Asserts the exit status and that stderr ends with exactly the cause line and the fix line.
#[track_caller]
fn says(out: &Output, code: i32, cause: &str, fix: &str) {
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(lines.len() >= 2, "{err}");
    assert_eq!(lines[lines.len() - 2], format!("error: {cause}"), "{err}");
    assert_eq!(lines[lines.len() - 1], format!("  fix: {fix}"), "{err}");
}

/// A port nobody listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The temporary folder as kdgat sees it (its current directory, symlinks resolved).
fn real(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap()
}

/// `tiny` from the test's catalog, with a cluster config (`cluster.toml`) of `settings`.
fn submit_tiny(dir: &Path, settings: &str) -> Command {
    tiny_dataset(dir, 1);
    std::fs::write(dir.join("cluster.toml"), settings).unwrap();
    let mut command = in_dir(dir);
    command.args([
        "--catalog",
        "catalog.yaml",
        "--data-root",
        "data",
        "submit",
        "tiny",
        "--variant",
        "teacher",
        "--cluster-config",
        "cluster.toml",
    ]);
    command
}

#[test]
fn no_data_names_the_folder_and_how_to_get_data() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let out = in_dir(dir)
        .args(["--data-root", "data", "submit", "hcrl_sa"])
        .output()
        .unwrap();
    says(
        &out,
        3,
        &format!(
            "dataset `hcrl_sa` has no captures: no CSV file in any of its folders under {}",
            real(dir).join("data/automotive/hcrl_sa").display()
        ),
        &format!(
            "copy the captures into {} in the catalog's folders (`kdgat datasets` lists them), \
             pass `--data-root DIR` (KDGAT_DATA_ROOT) where they are, or try the synthetic \
             dataset: `kdgat synth && kdgat submit synthetic`",
            real(dir).join("data/automotive/hcrl_sa").display()
        ),
    );
    assert!(!dir.join("experimentruns").exists(), "nothing may run");
    let out = in_dir(dir)
        .args(["--data-root", "data", "submit", "synthetic"])
        .output()
        .unwrap();
    says(
        &out,
        3,
        &format!(
            "dataset `synthetic` has no captures: no CSV file in any of its folders under {}",
            real(dir).join("data/automotive/synthetic").display()
        ),
        "`kdgat synth` writes it (give it the same `--data-root`, if you gave one)",
    );
}

#[test]
fn an_unknown_dataset_lists_the_known_ones() {
    let work = tempfile::tempdir().unwrap();
    let out = in_dir(work.path())
        .args(["submit", "hcrl_xx"])
        .output()
        .unwrap();
    says(
        &out,
        3,
        "dataset `hcrl_xx` is not in the catalog (known: hcrl_ch, hcrl_sa, set_01, set_02, \
         set_03, set_04, synthetic)",
        "`kdgat datasets` lists the catalog's datasets and what of each is on disk (`--catalog \
         FILE` reads another catalog)",
    );
}

const CONFIG_KEYS: &str = "`kdgat config show` prints every config key with its default; set one \
                           as `--set KEY=VALUE` (a comma list, `--set lr=0.001,0.003`, sweeps it)";

#[test]
fn a_bad_override_names_the_key_and_the_value() {
    let work = tempfile::tempdir().unwrap();
    let set = |value: &str| {
        in_dir(work.path())
            .args(["submit", "hcrl_sa", "--set", value])
            .output()
            .unwrap()
    };
    says(
        &set("lr=abc"),
        3,
        "run hcrl_sa/teacher_autoencoder: --set lr=abc: expected a finite number",
        CONFIG_KEYS,
    );
    says(
        &set("lrr=0.1"),
        3,
        "--set lrr: unknown config field (did you mean `lr`?)",
        CONFIG_KEYS,
    );
}

#[test]
fn slurm_not_installed_says_what_to_install_or_how_to_run_locally() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let empty = dir.join("bin");
    std::fs::create_dir(&empty).unwrap();
    let out = submit_tiny(dir, "scheduler = \"slurm\"\n")
        .env("PATH", &empty)
        .output()
        .unwrap();
    says(
        &out,
        4,
        "scheduler = \"slurm\" in cluster.toml, but SLURM's client tools are not installed here: \
         `squeue` cannot be run: No such file or directory (os error 2)",
        "install SLURM's client tools (sbatch, squeue, sacct) on PATH, or name their folder as \
         `program_dir` under [slurm]; or run the sweep on this machine: scheduler = \"local\" in \
         cluster.toml",
    );
    assert!(!dir.join("experimentruns").exists(), "nothing may run");
}

#[test]
fn slurm_without_a_configuration_says_to_set_slurm_conf() {
    if service(
        "SLURM_CONF",
        "slurm_without_a_configuration_says_to_set_slurm_conf",
    )
    .is_none()
    {
        return;
    }
    if Path::new("/etc/slurm/slurm.conf").exists() {
        println!("skipped: this machine has /etc/slurm/slurm.conf, so SLURM is never unconfigured");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let out = submit_tiny(work.path(), "")
        .env("KDGAT_SCHEDULER", "slurm")
        .env_remove("SLURM_CONF")
        .output()
        .unwrap();
    says(
        &out,
        4,
        "KDGAT_SCHEDULER=slurm, but SLURM has no configuration here: squeue: fatal: Could not \
         establish a configuration source",
        "set SLURM_CONF to the cluster's slurm.conf (or install it as /etc/slurm/slurm.conf); or \
         run the sweep on this machine: KDGAT_SCHEDULER=local",
    );
}

#[test]
fn an_unreachable_slurm_controller_says_to_start_it() {
    let Some(conf) = service(
        "SLURM_CONF",
        "an_unreachable_slurm_controller_says_to_start_it",
    ) else {
        return;
    };
    // The test cluster's slurm.conf with the controller's port moved to one nobody listens on.
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let text: String = std::fs::read_to_string(conf)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("SlurmctldPort="))
        .map(|l| format!("{l}\n"))
        .collect();
    let moved = dir.join("slurm.conf");
    std::fs::write(&moved, format!("{text}SlurmctldPort={}\n", closed_port())).unwrap();
    let out = submit_tiny(dir, "scheduler = \"slurm\"\n")
        .env("SLURM_CONF", &moved)
        .output()
        .unwrap();
    says(
        &out,
        4,
        "scheduler = \"slurm\" in cluster.toml, but the SLURM controller does not answer: \
         slurm_load_jobs error: Unable to contact slurm controller (connect failure)",
        "start slurmctld, or correct SlurmctldHost/SlurmctldPort in the slurm.conf SLURM_CONF \
         names (`scontrol ping` says whether the controller is up); or run the sweep on this \
         machine: scheduler = \"local\" in cluster.toml",
    );
}

/// Batch jobs that only write their events (scripts/bench/trivial_job.sh): the tracking cases are
/// about the supervisor, not training.
fn trivial_jobs() -> String {
    let job = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench/trivial_job.sh");
    format!("job_command = [\"bash\", \"{}\"]\n", job.display())
}

#[test]
fn an_unreachable_tracking_server_is_a_warning_and_the_sweep_runs() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let uri = format!("http://127.0.0.1:{}", closed_port());
    let out = submit_tiny(dir, &trivial_jobs())
        .env("MLFLOW_TRACKING_URI", &uri)
        .env("TRIVIAL_SECONDS", "0")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("warning: "))
        .unwrap_or_else(|| panic!("no warning: {err}"));
    assert_eq!(
        lines[at],
        format!(
            "warning: the tracking server {uri} (MLFLOW_TRACKING_URI) does not answer: gave up \
             after 2 attempts: MLflow experiments/get-by-name: cannot connect to {uri}: error \
             sending request for url \
             ({uri}/api/2.0/mlflow/experiments/get-by-name?experiment_name=kd-gat-pipeline): \
             client error (Connect): tcp connect error: Connection refused (os error 111)"
        ),
        "{err}"
    );
    assert_eq!(
        lines[at + 1],
        "  fix: start the server (scripts/mlflow-up.sh) and run `kdgat mlflow sync` to deliver \
         what stayed queued, or unset MLFLOW_TRACKING_URI to run without tracking",
        "{err}"
    );
    let out_text = stdout(&out);
    assert!(out_text.contains("complete, 0 failed"), "{out_text}");
    assert!(
        out_text.contains("tracking operations stay queued"),
        "{out_text}"
    );
}

#[test]
fn refused_tracking_credentials_stop_the_sweep_before_it_runs() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let (url, _) = serve(|_| {
        Reply::new(
            401,
            "",
            r#"{"error_code":"UNAUTHENTICATED","message":"token expired"}"#,
        )
    });
    let out = submit_tiny(dir, &trivial_jobs())
        .env("MLFLOW_TRACKING_URI", &url)
        .env("MLFLOW_TRACKING_TOKEN", "old-token")
        .output()
        .unwrap();
    says(
        &out,
        3,
        &format!(
            "the tracking server {url} (MLFLOW_TRACKING_URI) refused the request: MLflow \
             experiments/get-by-name: HTTP 401 UNAUTHENTICATED: token expired"
        ),
        "set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, \
         to credentials the server accepts",
    );
    assert!(!stderr(&out).contains("old-token"));
    assert!(!dir.join("experimentruns").exists(), "nothing may run");
}

/// libtorch is linked with an rpath: a kdgat without it fails in the loader, before `main`, so
/// the fix comes from the script that installs it. Here pip meets an index that does not answer
/// (nothing is downloaded).
#[test]
fn libtorch_that_cannot_be_installed_says_why_and_what_to_do() {
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("libtorch");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-libtorch.sh");
    let out = Command::new("bash")
        .arg(&script)
        .env("KDGAT_LIBTORCH_DEST", &dest)
        .env(
            "PIP_INDEX_URL",
            format!("http://127.0.0.1:{}/simple", closed_port()),
        )
        .env("PIP_NO_CACHE_DIR", "1")
        .env("PIP_RETRIES", "0")
        .env("PIP_TIMEOUT", "2")
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .output()
        .unwrap();
    says(
        &out,
        1,
        &format!(
            "libtorch 2.11.0 could not be installed into {}: pip could not download \
             torch==2.11.0 (its message is above)",
            dest.display()
        ),
        &format!(
            "let pip reach PyPI (or PIP_INDEX_URL a mirror that has torch 2.11.0) and run {} again",
            script.display()
        ),
    );
    assert!(!dest.exists(), "no partial install is left");
}
