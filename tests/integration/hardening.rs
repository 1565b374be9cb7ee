//! Issue 19, through the binary: careless and hostile input to the commands. Tracking setups that
//! fail keep the queue and never print a secret; `db export` and `db query` keep their hands off
//! the state; a damaged store is an error and `recover` rebuilds it; a closed pipe, an endless
//! config, a non-terminal stderr, catalog names that lead outside the roots, and folders ingest
//! cannot read. The misbehaving tracking server is the tests' own (`fake_http`): a real MLflow
//! server cannot be made to refuse credentials or echo them on demand.

#[path = "../../store/tests/support/mod.rs"]
mod damaged_store;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::fake_http::{Reply, serve};
use damaged_store::{cut_copy, write_big_store};
use kdgat_store::Store;

use crate::support::{kdgat, stderr, stdout, tiny_dataset};

fn state_arg(state: &Path) -> [&str; 2] {
    ["--state-dir", state.to_str().unwrap()]
}

/// Asserts that the command's stderr says each of `parts`.
#[track_caller]
fn says(out: &Output, parts: &[&str]) {
    let text = stderr(out);
    for part in parts {
        assert!(text.contains(part), "{part:?} not in stderr: {text}");
    }
}

/// `kdgat --state-dir STATE ARGS`.
fn in_state(state: &Path, args: &[&str]) -> Output {
    kdgat().args(state_arg(state)).args(args).output().unwrap()
}

/// `kdgat --state-dir STATE mlflow sync ARGS` against `uri`.
fn sync(uri: &str, state: &Path, args: &[&str]) -> Output {
    kdgat()
        .env("MLFLOW_TRACKING_URI", uri)
        .env_remove("MLFLOW_TRACKING_TOKEN")
        .env_remove("MLFLOW_TRACKING_USERNAME")
        .env_remove("MLFLOW_TRACKING_PASSWORD")
        .args(state_arg(state))
        .args(["mlflow", "sync"])
        .args(args)
        .output()
        .unwrap()
}

/// A run tree of one finished run.
fn one_run(root: &Path) -> std::path::PathBuf {
    let runs = root.join("runs");
    let run = runs.join("hcrl_sa/teacher_autoencoder");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("config.json"), r#"{"lr": 0.003}"#).unwrap();
    std::fs::write(
        run.join("events.jsonl"),
        "{\"kind\":\"epoch\",\"step\":0,\"time_ms\":1,\"metrics\":{\"val_loss\":1.0}}\n",
    )
    .unwrap();
    runs
}

#[test]
fn refused_credentials_leave_the_queue_and_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (state, runs) = (dir.path().join("state"), one_run(dir.path()));
    let (url, _) = serve(|_| {
        Reply::new(
            401,
            "",
            r#"{"error_code":"UNAUTHENTICATED","message":"token expired"}"#,
        )
    });
    let first = sync(&url, &state, &["--runs-dir", runs.to_str().unwrap()]);
    assert_eq!(first.status.code(), Some(3), "{}", stderr(&first));
    says(&first, &["MLFLOW_TRACKING_TOKEN", "stay queued"]);
    // Nothing was set aside: the next sync meets the same queue.
    let again = sync(&url, &state, &["--json"]);
    assert_eq!(again.status.code(), Some(3));
    let queued: usize = stderr(&again)
        .lines()
        .find_map(|l| {
            l.split(" tracking operations stay queued")
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("{}", stderr(&again)));
    assert!(queued >= 3, "{}", stderr(&again));
}

#[test]
fn a_login_page_is_not_taken_for_a_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let (state, runs) = (dir.path().join("state"), one_run(dir.path()));
    let (url, _) = serve(|_| {
        Reply::new(
            200,
            "Content-Type: text/html\r\n",
            "<html><form action=/sso>Sign in</form></html>",
        )
    });
    let out = sync(&url, &state, &["--runs-dir", runs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    says(&out, &["MLFLOW_TRACKING_URI"]);
    let store = Store::open(&state.join("store")).unwrap();
    assert!(!store.outbox().unwrap().is_empty() && store.set_aside().unwrap().is_empty());
}

#[test]
fn a_password_in_the_tracking_uri_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    // Nobody listens on this port; the error names the server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let runs = one_run(dir.path());
    let closed = sync(
        &format!("http://ann:hunter2@127.0.0.1:{port}"),
        &state,
        &["--max-attempts", "1", "--runs-dir", runs.to_str().unwrap()],
    );
    // A server that echoes the Authorization header back ("ann:hunter2" in base64).
    let (url, _) = serve(|r| {
        Reply::Status(
            401,
            "",
            format!("bad header {}", r.authorization.clone().unwrap_or_default()),
        )
    });
    let echoed = sync(&url.replace("http://", "http://ann:hunter2@"), &state, &[]);
    for out in [&closed, &echoed] {
        assert!(!out.status.success());
        let text = format!("{}{}", stdout(out), stderr(out));
        assert!(
            !text.contains("hunter2") && !text.contains("YW5uOmh1bnRlcjI="),
            "{text}"
        );
    }
    says(&closed, &["127.0.0.1"]);
    says(&echoed, &["<redacted>"]);
}

#[test]
fn db_export_refuses_the_state_directory_and_what_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    Store::open(&state.join("store"))
        .unwrap()
        .push_outbox("{}")
        .unwrap();
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(dir.path().join("elsewhere.db"), &link).unwrap();
    for (target, why) in [
        (state.join("store/db"), "inside the state directory"),
        (state.join("store"), "not a regular file"),
        (state.join("copy.db"), "inside the state directory"),
        (folder.clone(), "not a regular file"),
        (link.clone(), "symbolic link"),
    ] {
        let out = in_state(&state, &["db", "export", target.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(3), "{target:?}: {}", stderr(&out));
        says(&out, &[why]);
    }
    assert!(!dir.path().join("elsewhere.db").exists());
    // The store is whole, and the allowed places work.
    assert_eq!(
        Store::open(&state.join("store"))
            .unwrap()
            .outbox()
            .unwrap()
            .len(),
        1
    );
    let default = state.join("project.db");
    for target in [dir.path().join("out.db"), default] {
        let out = in_state(&state, &["db", "export", target.to_str().unwrap()]);
        assert!(out.status.success(), "{target:?}: {}", stderr(&out));
    }
}

#[test]
fn db_query_writes_nothing_stops_at_its_limit_and_calls_bad_sql_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let copy = dir.path().join("copy.db");
    let vacuum = format!("VACUUM INTO '{}'", copy.display());
    let out = in_state(&state, &["db", "query", &vacuum]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    says(&out, &["would write"]);
    assert!(!copy.exists(), "VACUUM INTO wrote a file");

    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                   SELECT count(*) FROM c";
    let started = Instant::now();
    let out = in_state(&state, &["db", "query", endless, "--time-limit", "0.5"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    says(&out, &["time limit"]);
    assert!(started.elapsed() < Duration::from_secs(20));

    let out = in_state(&state, &["db", "query", "SELEKT 1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    says(&out, &["syntax error"]);
}

#[test]
fn a_truncated_store_is_an_error_and_recover_rebuilds_it_keeping_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let runs = one_run(dir.path());
    let original = dir.path().join("original");
    write_big_store(&original);
    let mut refused = None;
    // sled recovers from most cuts of its log and panics on some: try until one is unreadable.
    for percent in 1..100 {
        let state = dir.path().join(format!("state-{percent}"));
        cut_copy(&original, &state.join("store"), percent);
        let out = in_state(&state, &["db", "export"]);
        assert!(
            !stderr(&out).contains("panicked"),
            "cut at {percent}%: {}",
            stderr(&out)
        );
        if !out.status.success() {
            says(&out, &["kdgat recover"]);
            refused = Some(state);
            break;
        }
    }
    let state = refused.expect("no cut made the store unreadable");
    let out = in_state(
        &state,
        &[
            "recover",
            "--runs-dir",
            runs.to_str().unwrap(),
            "--cache-root",
            dir.path().join("no-caches").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    says(&out, &["store.unreadable-1"]);
    assert!(state.join("store.unreadable-1/db").is_file(), "kept");
    let out = in_state(&state, &["db", "query", "SELECT run_id FROM runs", "--csv"]);
    assert!(
        stdout(&out).contains("hcrl_sa/teacher_autoencoder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kdgat"))
        .args(state_arg(&dir.path().join("state")))
        .args([
            "db",
            "query",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 500000) \
             SELECT x FROM c",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader goes away, as `head -1` does.
    let out = child.wait_with_output().unwrap();
    assert_eq!(first.trim(), "x");
    assert_eq!(stderr(&out), "", "stderr: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn config_diff_reads_a_bounded_amount_of_an_endless_input() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    std::fs::write(&a, r#"{"lr": 0.1}"#).unwrap();
    let started = Instant::now();
    let out = kdgat()
        .args(["config", "diff", "/dev/zero", a.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    says(&out, &["/dev/zero"]);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn logs_to_a_pipe_have_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.json");
    std::fs::write(&config, r#"{"lr": 0.1, "not_a_field": 1}"#).unwrap();
    let out = kdgat()
        .env_remove("NO_COLOR")
        .args(["config", "show", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    says(&out, &["not_a_field"]);
    assert!(!stderr(&out).contains('\u{1b}'), "{:?}", stderr(&out));
}

#[test]
fn catalog_names_cannot_lead_outside_the_roots() {
    let dir = tempfile::tempdir().unwrap();
    tiny_dataset(dir.path(), 1);
    let catalog = dir.path().join("escape.yaml");
    std::fs::write(
        &catalog,
        "tiny:\n  domain: automotive\n  csv_dir: data/tiny\n  train_subdir: train_01_attack_free\n  \
         train_attack_subdir: train_02_with_attacks\n  test_subdirs: [test_01_known, ../../escaped]\n",
    )
    .unwrap();
    for command in [&["graphs", "tiny"][..], &["ingest", "tiny"]] {
        let out = kdgat()
            .current_dir(dir.path())
            .args([
                "--catalog",
                catalog.to_str().unwrap(),
                "--data-root",
                "data",
            ])
            .args(command)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{command:?}: {}", stderr(&out));
        says(&out, &["test_subdirs[1]", "../../escaped"]);
    }
    assert!(!dir.path().join("data/escaped.kgc").exists());
    assert!(!dir.path().join("data").join("cache").exists());
}

#[test]
fn ingest_names_the_folders_and_entries_it_does_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = tiny_dataset(dir.path(), 1);
    // The catalog's test_02_absent folder does not exist; a folder named like a capture.
    std::fs::create_dir_all(dir.path().join("data/tiny/test_01_known/odd.csv")).unwrap();
    let out = kdgat()
        .current_dir(dir.path())
        .args([
            "--catalog",
            catalog.to_str().unwrap(),
            "--data-root",
            "data",
        ])
        .args(["ingest", "tiny"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for named in [
        "test_02_absent does not exist",
        "odd.csv is not a regular file",
    ] {
        says(&out, &[named]);
    }
    // Nothing left to read at all: an error that still says why.
    let empty = dir.path().join("empty.yaml");
    std::fs::write(
        &empty,
        "tiny:\n  domain: automotive\n  csv_dir: data/nothing\n  train_subdir: a\n  \
         train_attack_subdir: b\n",
    )
    .unwrap();
    let out = kdgat()
        .current_dir(dir.path())
        .args(["--catalog", empty.to_str().unwrap(), "--data-root", "data"])
        .args(["ingest", "tiny"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    says(&out, &["does not exist"]);
}
