//! Test support: run the built `kdgat` binary, and gate tests on the real services.

use std::path::{Path, PathBuf};
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

/// The test node has a few CPUs: tests that queue SLURM jobs take turns, so one test's queue never
/// delays another's timing assertions.
static SLURM_TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The SLURM cluster (`SLURM_CONF`) and this test's turn on it, or `None` with a skip notice.
pub fn slurm_turn(test: &str) -> Option<std::sync::MutexGuard<'static, ()>> {
    service("SLURM_CONF", test)?;
    Some(SLURM_TURN.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A Python with numpy, pandas and pyarrow (`KDGAT_PYTHON`, set by the test command), or `None` with a
/// skip notice; required like the services under `KDGAT_REQUIRE_SERVICES=1`.
pub fn python(test: &str) -> Option<String> {
    service("KDGAT_PYTHON", test)
}

/// The shared folder's `data/` root, or `None` with a skip notice (a failure under CI).
pub fn shared_data_root(test: &str) -> Option<PathBuf> {
    kdgat_jobs::reference_data::shared_dir_or_skip(test).map(|dir| dir.join("data"))
}

/// Runs `kdgat ARGS` in `dir` and returns its output, whatever its exit status.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    kdgat()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("failed to run the kdgat binary")
}

/// Runs `kdgat ARGS` in `dir`, asserting success; returns stdout.
pub fn run_ok_in(dir: &Path, args: &[&str]) -> String {
    let out = run_in(dir, args);
    assert!(
        out.status.success(),
        "kdgat {args:?} failed: {}",
        stderr(&out)
    );
    stdout(&out)
}

/// Headless Chromium (`program`) with a fresh profile in `profile` and a `width`×`height` window,
/// kept quiet: no background networking, component updates, sync or first-run work.
pub fn chromium(program: &str, profile: &Path, (width, height): (u32, u32)) -> Command {
    let mut command = Command::new(program);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        &format!("--window-size={width},{height}"),
        &format!("--user-data-dir={}", profile.display()),
    ]);
    command
}

const HEADER: &str = "timestamp,arbitration_id,data_field,attack\n";

/// A dataset `tiny` under `<dir>/data/tiny` with a catalog file (`<dir>/catalog.yaml`, returned):
/// an attack-free capture of 450 × `scale` messages, one with every 7th message an attack (350 ×
/// `scale`) and a test capture (250 × `scale`, every 5th an attack) over four CAN IDs.
pub fn tiny_dataset(dir: &Path, scale: usize) -> PathBuf {
    let rows = |n: usize, attack_every: usize| -> String {
        let mut text = HEADER.to_string();
        for i in 0..n {
            let id = [0x110, 0x2A0, 0x316, 0x43F][i % 4];
            let attack = usize::from(attack_every > 0 && i % attack_every == 0);
            text.push_str(&format!(
                "{}.{:06},{id:X},{:02X}00FF,{attack}\n",
                1000 + i,
                i,
                i % 256
            ));
        }
        text
    };
    for (folder, file, text) in [
        ("train_01_attack_free", "normal.csv", rows(450 * scale, 0)),
        ("train_02_with_attacks", "dos.csv", rows(350 * scale, 7)),
        ("test_01_known", "dos-test.csv", rows(250 * scale, 5)),
    ] {
        let path = dir.join("data/tiny").join(folder);
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join(file), text).unwrap();
    }
    let catalog = dir.join("catalog.yaml");
    std::fs::write(
        &catalog,
        "tiny:\n  domain: automotive\n  csv_dir: data/tiny\n  train_subdir: train_01_attack_free\n  \
         train_attack_subdir: train_02_with_attacks\n  test_subdirs: [test_01_known, test_02_absent]\n",
    )
    .unwrap();
    catalog
}
