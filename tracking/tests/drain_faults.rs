//! Issue 19: the drain against servers that fail in ways a real MLflow server cannot be made to on
//! demand, played by the tests' own HTTP server (`support`): credentials refused (401/403), a
//! proxy's HTML login page (as an error and as a 200), a 400 that is not MLflow's JSON, a refusal
//! of one operation, and an error message that echoes the token. Failures of the setup leave the
//! whole queue in place; only a refusal of the operation itself sets it aside, where it can be
//! retried; the token is never kept.

mod support;

use std::time::Duration;

use kdgat_store::{Store, TrackedRun, export_sqlite};
use kdgat_tracking::{
    Credentials, Drainer, MlflowClient, RetryPolicy, Tag, TrackingConfig, TrackingError, TrackingOp,
};
use support::{Reply, Request, serve};

const TOKEN: &str = "s3cr3t-t0ken-42";
/// The experiment, found and already marked as a model-training one (no tag to set).
const FOUND: &str = r#"{"experiment":{"experiment_id":"7","name":"x","lifecycle_stage":"active",
    "tags":[{"key":"mlflow.experimentKind","value":"custom_model_development"}]}}"#;
const LOGIN_PAGE: &str = "<html><body><form action=/login>Sign in</form></body></html>";

fn client(url: &str) -> MlflowClient {
    let mut config = TrackingConfig::new(url).unwrap();
    config.credentials = Credentials::Token(TOKEN.into());
    config.request_timeout = Duration::from_secs(2);
    config.retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    };
    MlflowClient::new(&config).unwrap()
}

/// A store with a run the server already knows and three operations queued for it.
fn store_with_three_ops(dir: &std::path::Path) -> Store {
    let store = Store::open(&dir.join("store")).unwrap();
    store
        .put_tracked_run(&TrackedRun {
            run_key: "k/run".into(),
            mlflow_run_id: "abc".into(),
            experiment_id: "7".into(),
            artifact_uri: "mlflow-artifacts:/7/abc/artifacts".into(),
        })
        .unwrap();
    for value in ["a", "b", "c"] {
        TrackingOp::SetTags {
            run_key: "k/run".into(),
            tags: vec![Tag::new("note", value)],
        }
        .enqueue(&store)
        .unwrap();
    }
    // One operation for a run the server has never seen: it needs the experiment.
    TrackingOp::SetTags {
        run_key: "k/other".into(),
        tags: vec![Tag::new("note", "d")],
    }
    .enqueue(&store)
    .unwrap();
    store
}

fn drain(url: &str, store: &Store) -> Result<kdgat_tracking::DrainReport, TrackingError> {
    let client = client(url);
    let mut drainer = Drainer::new(&client, store, "x", || "2026-01-01T00:00:00Z".into());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(drainer.drain())
}

/// Every failure of the setup: the drain stops with a hint, nothing leaves the queue.
#[test]
fn failures_of_the_setup_leave_the_whole_queue() {
    type Server = fn(&Request) -> Reply;
    let cases: [(&str, Server); 5] = [
        ("401", |_| {
            Reply::new(
                401,
                "",
                r#"{"error_code":"UNAUTHENTICATED","message":"bad token"}"#,
            )
        }),
        ("403", |_| {
            Reply::new(
                403,
                "",
                r#"{"error_code":"PERMISSION_DENIED","message":"no"}"#,
            )
        }),
        ("400 login page", |_| {
            Reply::new(400, "Content-Type: text/html\r\n", LOGIN_PAGE)
        }),
        ("200 login page", |_| {
            Reply::new(200, "Content-Type: text/html\r\n", LOGIN_PAGE)
        }),
        // The experiment lookup refused: no operation is at fault.
        ("400 on the experiment", |r| {
            if r.path.contains("experiments") {
                Reply::new(
                    400,
                    "",
                    r#"{"error_code":"INVALID_PARAMETER_VALUE","message":"bad name"}"#,
                )
            } else {
                Reply::new(200, "", "{}")
            }
        }),
    ];
    for (case, reply) in cases {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_three_ops(dir.path());
        let (url, _) = serve(reply);
        let err = drain(&url, &store).unwrap_err();
        assert!(err.hint().is_some(), "{case}: no hint in {err}");
        assert!(!err.is_refusal(), "{case}: {err}");
        let left = store.outbox().unwrap().len();
        // The first three may be delivered where only the experiment fails.
        let expected = if case == "400 on the experiment" {
            1
        } else {
            4
        };
        assert_eq!(left, expected, "{case}: {err}");
        assert!(store.set_aside().unwrap().is_empty(), "{case}");
    }
}

/// A 400 of MLflow's own to one operation sets that one aside; the rest is delivered, and the
/// set-aside operation is delivered once it is queued again.
#[test]
fn a_refused_operation_is_set_aside_and_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_three_ops(dir.path());
    let refuse = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let refusing = std::sync::Arc::clone(&refuse);
    let (url, _) = serve(move |r| {
        if r.path.contains("experiments/get-by-name") {
            Reply::new(200, "", FOUND)
        } else if r.path.contains("runs/search") {
            Reply::new(200, "", "{}")
        } else if refusing.load(std::sync::atomic::Ordering::SeqCst) && r.n == 0 {
            Reply::new(
                400,
                "",
                r#"{"error_code":"INVALID_PARAMETER_VALUE","message":"tag refused"}"#,
            )
        } else {
            Reply::new(200, "", "{}")
        }
    });
    let report = drain(&url, &store).unwrap();
    // The first is refused; the second and third land; the fourth names a run never started.
    assert_eq!(report.delivered, 2);
    assert_eq!(report.rejected.len(), 2, "{:?}", report.rejected);
    assert!(store.outbox().unwrap().is_empty());
    assert_eq!(store.set_aside().unwrap().len(), 2);
    refuse.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(store.retry_set_aside().unwrap(), 2);
    assert_eq!(store.outbox().unwrap().len(), 2);
    let report = drain(&url, &store).unwrap();
    assert_eq!(report.delivered, 1, "the refused tag lands on retry");
    assert_eq!(
        store.set_aside().unwrap().len(),
        1,
        "the unknown run stays set aside"
    );
}

/// A server that echoes the token in its refusal: the token is in neither the error, the report,
/// the set-aside record, the run's events nor the SQLite export.
#[test]
fn an_echoed_token_is_never_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_three_ops(dir.path());
    let (url, _) = serve(|r| {
        if r.path.contains("experiments/get-by-name") {
            return Reply::new(200, "", FOUND);
        }
        if r.path.contains("runs/search") {
            return Reply::new(200, "", "{}");
        }
        let auth = r.authorization.clone().unwrap_or_default();
        Reply::Status(
            400,
            "",
            format!(
                r#"{{"error_code":"INVALID_PARAMETER_VALUE","message":"rejected header {auth}"}}"#
            ),
        )
    });
    let report = drain(&url, &store).unwrap();
    assert!(!report.rejected.is_empty());
    for rejected in &report.rejected {
        assert!(!rejected.message.contains(TOKEN), "{}", rejected.message);
    }
    assert!(
        report.rejected[0].message.contains("<redacted>"),
        "{}",
        report.rejected[0].message
    );
    for record in store.set_aside().unwrap() {
        assert!(!record.error.contains(TOKEN), "{}", record.error);
    }
    for event in store.events(None).unwrap() {
        assert!(!event.payload.contains(TOKEN), "{}", event.payload);
    }
    let export = dir.path().join("project.db");
    export_sqlite(&store, &export).unwrap();
    let bytes = std::fs::read(&export).unwrap();
    assert!(
        !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
        "the export holds the token"
    );
}
