//! Metric points per second delivered to a real MLflow server (`MLFLOW_TRACKING_URI`) through the
//! whole exactly-once path: queued in the store's outbox, drained in batches of 1000 with the
//! high-water marks written per batch. Run by `scripts/bench/tracking.sh`, side by side with the
//! Python client's `MlflowClient.log_batch` sending the same points.
//!
//! Usage: `log_batch POINTS` (default 20000); prints `kdgat POINTS_PER_SECOND`.

use std::time::Instant;

use kdgat_store::Store;
use kdgat_tracking::{Drainer, MetricPoint, MetricValue, MlflowClient, TrackingConfig, TrackingOp};

fn main() {
    let points: i64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let uri = std::env::var("MLFLOW_TRACKING_URI").expect("MLFLOW_TRACKING_URI");
    let mut config = TrackingConfig::new(&uri).expect("tracking URI");
    config.experiment = "kdgat-bench-log-batch".into();
    let client = MlflowClient::new(&config).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let run_key = format!(
        "bench-{}",
        std::time::UNIX_EPOCH.elapsed().expect("clock").as_nanos()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let now = || String::from("bench");
    TrackingOp::StartRun {
        run_key: run_key.clone(),
        run_name: run_key.clone(),
        parent_key: None,
        start_time_ms: 0,
        tags: vec![],
        params: vec![],
    }
    .enqueue(&store)
    .expect("enqueue");
    runtime
        .block_on(Drainer::new(&client, &store, &config.experiment, now).drain())
        .expect("start run");

    // Ten metric keys, as an epoch log has; one operation per 100 steps, as a daemon would queue.
    let started = Instant::now();
    let steps = points / 10;
    for first in (0..steps).step_by(100) {
        let points = (first..(first + 100).min(steps))
            .flat_map(|step| {
                (0..10).map(move |k| MetricPoint {
                    key: format!("metric_{k}"),
                    value: MetricValue(step as f64 * 0.001 + k as f64),
                    step,
                    timestamp_ms: 1_795_000_000_000 + step,
                })
            })
            .collect();
        TrackingOp::LogMetrics {
            run_key: run_key.clone(),
            points,
        }
        .enqueue(&store)
        .expect("enqueue");
    }
    let report = runtime
        .block_on(Drainer::new(&client, &store, &config.experiment, now).drain())
        .expect("drain");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(report.points_sent as i64, steps * 10);
    println!("kdgat {:.0}", report.points_sent as f64 / seconds);
}
