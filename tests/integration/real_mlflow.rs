//! The real MLflow tracking server (scripts/mlflow-up.sh): an experiment created over the REST API is
//! read back by id and by name.

use serde_json::{Value, json};

use crate::support::service;

#[test]
fn experiment_is_created_and_read_back_over_http() {
    let Some(uri) = service("MLFLOW_TRACKING_URI", "MLflow round trip") else {
        return;
    };
    let client = reqwest::blocking::Client::new();
    let api = format!("{}/api/2.0/mlflow", uri.trim_end_matches('/'));
    let name = format!(
        "kdgat-infra-check-{}-{}",
        std::process::id(),
        std::time::UNIX_EPOCH.elapsed().unwrap().as_nanos()
    );

    let created: Value = client
        .post(format!("{api}/experiments/create"))
        .json(&json!({ "name": name }))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    let id = created["experiment_id"]
        .as_str()
        .expect("experiment_id in the reply")
        .to_string();

    let by_id: Value = client
        .get(format!("{api}/experiments/get"))
        .query(&[("experiment_id", &id)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(by_id["experiment"]["name"], name.as_str());
    assert_eq!(by_id["experiment"]["lifecycle_stage"], "active");

    let by_name: Value = client
        .get(format!("{api}/experiments/get-by-name"))
        .query(&[("experiment_name", &name)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(by_name["experiment"]["experiment_id"], id.as_str());
}
