//! Server faults a real MLflow server cannot produce on demand — a 503 storm, a server that accepts
//! connections and never answers, 429 with `Retry-After`, non-JSON error pages — played by a small
//! HTTP server of the test's own. The client must come through with bounded retries and say why
//! when it gives up.

mod support;

use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use kdgat_tracking::{MlflowClient, RetryPolicy, TrackingConfig, TrackingError};
use support::{Reply, serve};

fn client(url: &str, attempts: u32, timeout_ms: u64) -> MlflowClient {
    let mut config = TrackingConfig::new(url).unwrap();
    config.request_timeout = Duration::from_millis(timeout_ms);
    config.retry = RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
    };
    MlflowClient::new(&config).unwrap()
}

/// The experiment, found and already marked as a model-training one (no tag to set).
const FOUND: &str = r#"{"experiment":{"experiment_id":"7","name":"x","lifecycle_stage":"active",
    "tags":[{"key":"mlflow.experimentKind","value":"custom_model_development"}]}}"#;
fn unavailable() -> Reply {
    Reply::new(503, "Retry-After: 0\r\n", "busy")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_503_storm_is_ridden_out() {
    let (url, count) = serve(|r| {
        if r.n < 5 {
            unavailable()
        } else {
            Reply::new(200, "", FOUND)
        }
    });
    let id = runtime()
        .block_on(client(&url, 8, 2000).experiment_id("x"))
        .unwrap();
    assert_eq!(id, "7");
    assert_eq!(
        count.load(Ordering::SeqCst),
        6,
        "5 refusals, then the answer"
    );
}

#[test]
fn an_experiment_found_untagged_is_marked_as_a_model_training_one() {
    let (url, count) = serve(|r| {
        if r.path.contains("experiments/get-by-name") {
            Reply::new(
                200,
                "",
                r#"{"experiment":{"experiment_id":"7","name":"x","lifecycle_stage":"active"}}"#,
            )
        } else if r.path.contains("experiments/set-experiment-tag") {
            Reply::new(200, "", "{}")
        } else {
            Reply::new(404, "", "unexpected")
        }
    });
    let id = runtime()
        .block_on(client(&url, 1, 2000).experiment_id("x"))
        .unwrap();
    assert_eq!(id, "7");
    assert_eq!(count.load(Ordering::SeqCst), 2, "found, then tagged");
}

#[test]
fn an_endless_503_storm_gives_up_after_the_policys_attempts() {
    let (url, count) = serve(|_| unavailable());
    let err = runtime()
        .block_on(client(&url, 4, 2000).experiment_id("x"))
        .unwrap_err();
    assert!(
        matches!(&err, TrackingError::Exhausted { attempts: 4, last } if matches!(**last, TrackingError::Server { status: 503, .. })),
        "{err:?}"
    );
    assert!(err.is_transient(), "the operation stays queued for later");
    assert_eq!(count.load(Ordering::SeqCst), 4);
}

#[test]
fn a_hanging_server_costs_bounded_time() {
    let (url, count) = serve(|_| Reply::Hang);
    let started = Instant::now();
    let err = runtime()
        .block_on(client(&url, 3, 300).experiment_id("x"))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(&err, TrackingError::Exhausted { attempts: 3, last } if matches!(**last, TrackingError::Timeout { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("no reply within"), "{err}");
    assert_eq!(count.load(Ordering::SeqCst), 3);
    // 3 × 300 ms of waiting plus short backoffs, far from the 30 s the server would hold us.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn retry_after_is_honoured() {
    let (url, count) = serve(|r| {
        if r.n == 0 {
            Reply::new(429, "Retry-After: 1\r\n", "slow down")
        } else {
            Reply::new(200, "", FOUND)
        }
    });
    let started = Instant::now();
    runtime()
        .block_on(client(&url, 3, 2000).experiment_id("x"))
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[test]
fn client_errors_are_not_retried_and_carry_the_servers_words() {
    let (url, count) = serve(|_| {
        Reply::new(
            400,
            "Content-Type: application/json\r\n",
            r#"{"error_code":"INVALID_PARAMETER_VALUE","message":"Changing param values is not allowed."}"#,
        )
    });
    let err = runtime()
        .block_on(client(&url, 5, 2000).experiment_id("x"))
        .unwrap_err();
    assert!(!err.is_transient());
    assert_eq!(err.server_code(), Some("INVALID_PARAMETER_VALUE"));
    assert!(
        err.to_string()
            .contains("Changing param values is not allowed"),
        "{err}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);

    let (url, _) = serve(|_| {
        Reply::new(
            403,
            "",
            "Invalid Host header - possible DNS rebinding attack detected",
        )
    });
    let err = runtime()
        .block_on(client(&url, 5, 2000).experiment_id("x"))
        .unwrap_err();
    assert!(
        err.to_string().contains("HTTP 403") && err.to_string().contains("DNS rebinding"),
        "{err}"
    );
}

#[test]
fn nobody_listening_is_a_transient_connection_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = runtime()
        .block_on(client(&format!("http://127.0.0.1:{port}"), 2, 500).experiment_id("x"))
        .unwrap_err();
    assert!(err.is_transient());
    assert!(err.to_string().contains("cannot connect"), "{err}");
}
