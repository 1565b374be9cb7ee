//! Test support: run the built `kdgat` binary, and gate tests on the real services.

use std::process::{Command, Output};

/// The `kdgat` binary under test, with a clean environment for its own settings.
pub fn kdgat() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kdgat"));
    command
        .env_remove("KDGAT_CATALOG")
        .env_remove("KDGAT_DATA_ROOT")
        .env_remove("RUST_LOG");
    command
}

/// Runs `kdgat ARGS` and returns its output.
pub fn run(args: &[&str]) -> Output {
    kdgat()
        .args(args)
        .output()
        .expect("failed to run the kdgat binary")
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The value of a service's environment variable (`SLURM_CONF`, `MLFLOW_TRACKING_URI`). `None` with a
/// skip notice when it is unset, unless `KDGAT_REQUIRE_SERVICES=1` (the test command), where a missing
/// service fails the test.
pub fn service(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Some(value),
        _ if std::env::var("KDGAT_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("{test}: {var} is not set; scripts/test.sh starts the services and sets it")
        }
        _ => {
            println!(
                "skipped {test}: {var} is not set (run scripts/test.sh to start the services)"
            );
            None
        }
    }
}

/// A Python with numpy, pandas and pyarrow (`KDGAT_PYTHON`, set by the test command), or `None` with a
/// skip notice; required like the services under `KDGAT_REQUIRE_SERVICES=1`.
pub fn python(test: &str) -> Option<String> {
    service("KDGAT_PYTHON", test)
}

/// The shared folder's `data/` root, or `None` with a skip notice (a failure under CI).
pub fn shared_data_root(test: &str) -> Option<std::path::PathBuf> {
    kdgat_jobs::reference_data::shared_dir_or_skip(test).map(|dir| dir.join("data"))
}

/// Runs `kdgat ARGS` in `dir`, asserting success; returns stdout.
pub fn run_ok_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = kdgat()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("failed to run the kdgat binary");
    assert!(
        out.status.success(),
        "kdgat {args:?} failed: {}",
        stderr(&out)
    );
    stdout(&out)
}
