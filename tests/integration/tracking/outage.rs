//! Exactly-once delivery through faults: the real MLflow server stopped in the middle of a run's
//! logging and started again (a private server on its own port and database), and a reply lost on
//! the way back after the server applied the batch (a small proxy of the test's own in front of the
//! real server drops it: a fault the server cannot produce on demand). In both, every metric point
//! ends up on the server exactly once, compared through `metrics/get-history`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::Store;
use kdgat_tracking::{
    Drainer, MetricPoint, MetricValue, MlflowClient, RetryPolicy, TrackingConfig, TrackingOp,
};

use super::unique;
use crate::support::{python, service};

/// An MLflow server of this test's own, in its own process group.
pub(crate) struct PrivateServer {
    mlflow: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl PrivateServer {
    pub(crate) fn new(mlflow: PathBuf, dir: &Path) -> PrivateServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        PrivateServer {
            mlflow,
            dir: dir.to_path_buf(),
            port,
            child: None,
        }
    }

    pub(crate) fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn start(&mut self) {
        use std::os::unix::process::CommandExt;
        let log = std::fs::File::create(self.dir.join("server.log")).unwrap();
        let child = Command::new(&self.mlflow)
            .args(["server", "--host", "127.0.0.1", "--workers", "1", "--port"])
            .arg(self.port.to_string())
            .arg("--backend-store-uri")
            .arg(format!(
                "sqlite:///{}",
                self.dir.join("mlflow.db").display()
            ))
            .arg("--artifacts-destination")
            .arg(self.dir.join("artifacts"))
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let health = format!("{}/health", self.uri());
        let deadline = Instant::now() + Duration::from_secs(180);
        while Instant::now() < deadline {
            if reqwest::blocking::get(&health).is_ok_and(|r| r.status().is_success()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "private MLflow server did not come up; see {}",
            self.dir.join("server.log").display()
        );
    }

    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The server and its workers share the process group the server leads.
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            let deadline = Instant::now() + Duration::from_secs(30);
            while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn quick_client(uri: &str, experiment: &str) -> (MlflowClient, String) {
    let mut config = TrackingConfig::new(uri).unwrap();
    config.experiment = experiment.to_string();
    config.request_timeout = Duration::from_secs(10);
    config.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
    };
    (MlflowClient::new(&config).unwrap(), config.experiment)
}

fn start_op(run_key: &str) -> TrackingOp {
    TrackingOp::StartRun {
        run_key: run_key.into(),
        run_name: run_key.into(),
        parent_key: None,
        start_time_ms: 1_795_000_000_000,
        tags: vec![],
        params: vec![],
    }
}

/// Steps `steps` of `loss` and `acc`.
fn metrics_op(run_key: &str, steps: std::ops::Range<i64>) -> TrackingOp {
    let points = steps
        .flat_map(|step| {
            ["loss", "acc"].map(|key| MetricPoint {
                key: key.into(),
                value: MetricValue(value(key, step)),
                step,
                timestamp_ms: 1_795_000_000_000 + step,
            })
        })
        .collect();
    TrackingOp::LogMetrics {
        run_key: run_key.into(),
        points,
    }
}

fn value(key: &str, step: i64) -> f64 {
    if key == "loss" {
        1.0 / (step + 1) as f64
    } else {
        step as f64 / 100.0
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Asserts that the server holds steps `0..steps` of both keys, each exactly once, with their values
/// (the server's storage may move a value by an ulp or two).
fn assert_exactly_once(
    rt: &tokio::runtime::Runtime,
    client: &MlflowClient,
    store: &Store,
    run_key: &str,
    steps: i64,
) {
    let run = store.tracked_run(run_key).unwrap().unwrap();
    for key in ["loss", "acc"] {
        let mut history = rt
            .block_on(client.metric_history(&run.mlflow_run_id, key))
            .unwrap();
        history.sort_by_key(|m| m.step);
        let got: Vec<i64> = history.iter().map(|m| m.step).collect();
        assert_eq!(
            got,
            (0..steps).collect::<Vec<_>>(),
            "{key}: every step exactly once"
        );
        for m in &history {
            let want = value(key, m.step);
            assert!(
                (m.value.0 - want).abs() <= 1e-12 * want.abs(),
                "{key} step {}: {} vs {want}",
                m.step,
                m.value.0
            );
        }
    }
}

#[test]
fn metrics_survive_a_server_outage_exactly_once() {
    let Some(python) = python("MLflow outage") else {
        return;
    };
    let mlflow = Path::new(&python).with_file_name("mlflow");
    let dir = tempfile::tempdir().unwrap();
    let mut server = PrivateServer::new(mlflow, dir.path());
    server.start();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let (client, experiment) = quick_client(&server.uri(), "outage");
    let rt = runtime();
    let drain = || rt.block_on(Drainer::new(&client, &store, &experiment, utc_now_iso8601).drain());

    start_op("run").enqueue(&store).unwrap();
    for first in (0..50).step_by(10) {
        metrics_op("run", first..first + 10)
            .enqueue(&store)
            .unwrap();
    }
    let report = drain().unwrap();
    assert_eq!(report.points_sent, 100);

    server.stop();
    for first in (50..100).step_by(10) {
        metrics_op("run", first..first + 10)
            .enqueue(&store)
            .unwrap();
    }
    let err = drain().unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert_eq!(
        store.outbox().unwrap().len(),
        5,
        "nothing is lost while the server is down"
    );

    server.start();
    let report = drain().unwrap();
    assert_eq!((report.delivered, report.points_sent), (5, 100));
    assert!(store.outbox().unwrap().is_empty());
    assert_exactly_once(&rt, &client, &store, "run", 100);
}

/// A proxy that forwards each request to `upstream` on a fresh connection and passes the reply
/// back, except for the `drop_nth` metric batch (from 0), whose reply it swallows after the server
/// applied it. Returns its URL and the request lines it saw.
fn lossy_proxy(upstream: &str, drop_nth: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let upstream = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut metric_batches = 0;
        for client in listener.incoming().flatten() {
            let Some((head, body)) = read_request(&client) else {
                continue;
            };
            let line = head.lines().next().unwrap_or_default().to_string();
            let is_metric_batch = line.contains("/runs/log-batch")
                && String::from_utf8_lossy(&body).contains("\"metrics\"");
            log.lock().unwrap().push(line);
            let mut server = TcpStream::connect(&upstream).unwrap();
            let head: String = head
                .lines()
                .filter(|l| !l.to_ascii_lowercase().starts_with("connection:") && !l.is_empty())
                .map(|l| format!("{l}\r\n"))
                .collect();
            server
                .write_all(format!("{head}Connection: close\r\n\r\n").as_bytes())
                .unwrap();
            server.write_all(&body).unwrap();
            let mut reply = Vec::new();
            let _ = server.read_to_end(&mut reply);
            if is_metric_batch {
                metric_batches += 1;
                if metric_batches - 1 == drop_nth {
                    // Applied by the server; the client never hears of it.
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    continue;
                }
            }
            let mut client = client;
            let _ = client.write_all(&reply);
        }
    });
    (url, seen)
}

fn read_request(stream: &TcpStream) -> Option<(String, Vec<u8>)> {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

#[test]
fn a_lost_reply_is_settled_with_the_server_not_resent() {
    let Some(uri) = service("MLFLOW_TRACKING_URI", "MLflow lost reply") else {
        return;
    };
    let (proxy, seen) = lossy_proxy(&uri, 1);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let (client, experiment) = quick_client(&proxy, &unique("kdgat-lost-reply"));
    let rt = runtime();
    start_op("run").enqueue(&store).unwrap();
    // Two batches of 1000 points (500 steps × 2 keys) and a third: the second one's reply is lost.
    metrics_op("run", 0..1200).enqueue(&store).unwrap();
    let report = rt
        .block_on(Drainer::new(&client, &store, &experiment, utc_now_iso8601).drain())
        .unwrap();
    assert_eq!(report.points_sent, 2400);
    let requests = seen.lock().unwrap().clone();
    let batches = requests
        .iter()
        .filter(|l| l.contains("/runs/log-batch"))
        .count();
    assert_eq!(
        batches, 3,
        "the lost batch is not sent again: {requests:#?}"
    );
    assert!(
        requests.iter().any(|l| l.contains("/metrics/get-history")),
        "the lost batch was settled by asking the server: {requests:#?}"
    );
    assert_exactly_once(&rt, &client, &store, "run", 1200);
}
