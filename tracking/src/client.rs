//! `MlflowClient`: the REST endpoints kdgat uses, over one reqwest connection pool. Every call but
//! [`MlflowClient::log_batch_once`] retries transient failures under the configured policy; calls
//! that are not idempotent on the server (run creation, metric logging) are made safe by the drain,
//! not here.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::{RequestBuilder, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::{Credentials, TrackingConfig};
use crate::error::TrackingError;
use crate::limits::{Batch, check_key};
use crate::retry::{Jitter, RetryPolicy, parse_retry_after};
use crate::secrets::Redactor;
use crate::wire::{ArtifactFile, Experiment, Metric, Run, RunInfo, RunStatus, Tag};

/// The experiment tag MLflow 3's UI reads to choose its view: a model-training experiment.
pub const EXPERIMENT_KIND: (&str, &str) = ("mlflow.experimentKind", "custom_model_development");

/// A client of one tracking server.
pub struct MlflowClient {
    http: reqwest::Client,
    base: Url,
    credentials: Credentials,
    redactor: Redactor,
    retry: RetryPolicy,
    request_timeout: Duration,
    jitter: Mutex<Jitter>,
}

/// Where the proxied artifact API stores a run's files: `mlflow-artifacts:/<exp>/<run>/artifacts`.
const PROXIED_SCHEME: &str = "mlflow-artifacts:/";

impl MlflowClient {
    /// A client for `config`'s server (no request is made yet).
    pub fn new(config: &TrackingConfig) -> Result<MlflowClient, TrackingError> {
        let invalid = |message: String| TrackingError::Invalid {
            field: "MLFLOW_TRACKING_URI".into(),
            message,
        };
        let base = Url::parse(&format!("{}/", config.uri)).map_err(|e| invalid(e.to_string()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("kdgat/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        Ok(MlflowClient {
            http,
            base,
            credentials: config.credentials.clone(),
            redactor: Redactor::new(&config.credentials),
            retry: config.retry,
            request_timeout: config.request_timeout,
            jitter: Mutex::new(Jitter::new()),
        })
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    fn api(&self, endpoint: &str) -> Url {
        let mut segments = vec!["api", "2.0", "mlflow"];
        segments.extend(endpoint.split('/'));
        self.url(&segments)
    }

    fn authorized(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.credentials {
            Credentials::None => request,
            Credentials::Token(token) => request.bearer_auth(token),
            Credentials::Basic { username, password } => {
                request.basic_auth(username, Some(password))
            }
        }
    }

    /// Sends one request and returns the success body. What the server or the network stack says
    /// in a failure is kept with the credentials blanked out (a server may echo the token).
    async fn send_once(
        &self,
        endpoint: &str,
        request: RequestBuilder,
        timeout: Duration,
    ) -> Result<Vec<u8>, TrackingError> {
        let transport =
            |e: reqwest::Error| classify(endpoint, &self.base, timeout, e, &self.redactor);
        let response = self
            .authorized(request)
            .timeout(timeout)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = response.bytes().await.map_err(transport)?.to_vec();
        if status.is_success() {
            return Ok(body);
        }
        Err(server_error(
            endpoint,
            status,
            &body,
            retry_after,
            &self.redactor,
        ))
    }

    /// Runs `attempt` until it succeeds, fails permanently, or the policy's attempts are spent.
    pub(crate) async fn with_retries<T, F, Fut>(&self, mut attempt: F) -> Result<T, TrackingError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, TrackingError>>,
    {
        let mut failed = 0;
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) => {
                    failed += 1;
                    self.back_off(failed, error).await?;
                }
            }
        }
    }

    /// After the `failed`-th failure in a row: a permanent error, or a transient one past the
    /// policy's attempts, is returned; otherwise waits the policy's delay (or the server's
    /// `Retry-After`) and returns `Ok` for another attempt.
    pub(crate) async fn back_off(
        &self,
        failed: u32,
        error: TrackingError,
    ) -> Result<(), TrackingError> {
        if !error.is_transient() {
            return Err(error);
        }
        if failed >= self.retry.max_attempts {
            return Err(TrackingError::Exhausted {
                attempts: failed,
                last: Box::new(error),
            });
        }
        let retry_after = match &error {
            TrackingError::Server { retry_after, .. } => *retry_after,
            _ => None,
        };
        let delay = {
            let mut jitter = self.jitter.lock().unwrap_or_else(|p| p.into_inner());
            self.retry.delay(failed, retry_after, &mut jitter)
        };
        tracing::debug!("{error}; retry {failed} in {delay:?}");
        tokio::time::sleep(delay).await;
        Ok(())
    }

    async fn post<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        body: &Value,
    ) -> Result<T, TrackingError> {
        let url = self.api(endpoint);
        self.call(endpoint, || self.http.post(url.clone()).json(body))
            .await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> Result<T, TrackingError> {
        let url = self.api(endpoint);
        self.call(endpoint, || self.http.get(url.clone()).query(query))
            .await
    }

    /// Sends the request `build` makes, with retries, and decodes the reply.
    async fn call<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<T, TrackingError> {
        let bytes = self
            .with_retries(|| self.send_once(endpoint, build(), self.request_timeout))
            .await?;
        decode(endpoint, &bytes)
    }

    /// The experiment called `name`, if it exists.
    pub async fn experiment_by_name(
        &self,
        name: &str,
    ) -> Result<Option<Experiment>, TrackingError> {
        #[derive(Deserialize)]
        struct Reply {
            experiment: Experiment,
        }
        match self
            .get::<Reply>("experiments/get-by-name", &[("experiment_name", name)])
            .await
        {
            Ok(reply) => Ok(Some(reply.experiment)),
            Err(e) if e.server_code() == Some("RESOURCE_DOES_NOT_EXIST") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The id of the experiment called `name`, created if missing (a concurrent creation is fine).
    /// It is marked as a model-training experiment ([`EXPERIMENT_KIND`]), so that MLflow 3's UI opens
    /// it on its runs rather than on the GenAI views.
    pub async fn experiment_id(&self, name: &str) -> Result<String, TrackingError> {
        for _ in 0..3 {
            if let Some(experiment) = self.experiment_by_name(name).await? {
                if experiment.lifecycle_stage == "deleted" {
                    return Err(TrackingError::Invalid {
                        field: format!("experiment {name:?}"),
                        message: "is deleted on the server; restore it or choose another name \
                                  (MLFLOW_EXPERIMENT_NAME)"
                            .into(),
                    });
                }
                let (key, value) = EXPERIMENT_KIND;
                if !experiment.tags.iter().any(|t| t.key == key) {
                    let tag = json!({ "experiment_id": experiment.experiment_id, "key": key, "value": value });
                    self.post::<Value>("experiments/set-experiment-tag", &tag)
                        .await?;
                }
                return Ok(experiment.experiment_id);
            }
            #[derive(Deserialize)]
            struct Reply {
                experiment_id: String,
            }
            let (key, value) = EXPERIMENT_KIND;
            let create = json!({ "name": name, "tags": [{ "key": key, "value": value }] });
            match self.post::<Reply>("experiments/create", &create).await {
                Ok(reply) => return Ok(reply.experiment_id),
                Err(e) if e.server_code() == Some("RESOURCE_ALREADY_EXISTS") => continue,
                Err(e) => return Err(e),
            }
        }
        Err(TrackingError::Invalid {
            field: format!("experiment {name:?}"),
            message: "neither found nor created after 3 tries".into(),
        })
    }

    /// Creates a run, one attempt. Not idempotent: the drain looks for the run by tag before each
    /// attempt.
    pub async fn create_run_once(
        &self,
        experiment_id: &str,
        run_name: &str,
        start_time_ms: i64,
        tags: &[Tag],
    ) -> Result<Run, TrackingError> {
        #[derive(Deserialize)]
        struct Reply {
            run: Run,
        }
        let body = json!({
            "experiment_id": experiment_id,
            "run_name": run_name,
            "start_time": start_time_ms,
            "tags": tags,
        });
        let request = self.http.post(self.api("runs/create")).json(&body);
        let bytes = self
            .send_once("runs/create", request, self.request_timeout)
            .await?;
        Ok(decode::<Reply>("runs/create", &bytes)?.run)
    }

    /// A run, if it exists.
    pub async fn run(&self, run_id: &str) -> Result<Option<Run>, TrackingError> {
        #[derive(Deserialize)]
        struct Reply {
            run: Run,
        }
        match self.get::<Reply>("runs/get", &[("run_id", run_id)]).await {
            Ok(reply) => Ok(Some(reply.run)),
            Err(e) if e.server_code() == Some("RESOURCE_DOES_NOT_EXIST") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sets a run's status and, when given, its end time.
    pub async fn update_run(
        &self,
        run_id: &str,
        status: RunStatus,
        end_time_ms: Option<i64>,
    ) -> Result<RunInfo, TrackingError> {
        #[derive(Deserialize)]
        struct Reply {
            run_info: RunInfo,
        }
        let mut body = json!({ "run_id": run_id, "status": status });
        if let Some(end) = end_time_ms {
            body["end_time"] = json!(end);
        }
        Ok(self.post::<Reply>("runs/update", &body).await?.run_info)
    }

    /// Every active run of the experiments matching `filter` (MLflow's search syntax), all pages.
    pub async fn search_runs(
        &self,
        experiment_ids: &[&str],
        filter: &str,
    ) -> Result<Vec<Run>, TrackingError> {
        #[derive(Deserialize)]
        struct Reply {
            #[serde(default)]
            runs: Vec<Run>,
            #[serde(default)]
            next_page_token: Option<String>,
        }
        let mut runs = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({
                "experiment_ids": experiment_ids,
                "filter": filter,
                "max_results": 1000,
                "order_by": ["attributes.start_time ASC"],
            });
            if let Some(t) = &token {
                body["page_token"] = json!(t);
            }
            let reply: Reply = self.post("runs/search", &body).await?;
            runs.extend(reply.runs);
            match reply.next_page_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(runs),
            }
        }
    }

    /// The oldest active run of the experiment whose tag `key` equals `value`.
    pub async fn find_run_by_tag(
        &self,
        experiment_id: &str,
        key: &str,
        value: &str,
    ) -> Result<Option<Run>, TrackingError> {
        check_key("tag", key)?;
        if value.contains(['\'', '\\']) {
            return Err(TrackingError::Invalid {
                field: format!("tag {key:?}"),
                message: format!("value {value:?} cannot be searched for (quote or backslash)"),
            });
        }
        let filter = format!("tags.`{key}` = '{value}'");
        Ok(self
            .search_runs(&[experiment_id], &filter)
            .await?
            .into_iter()
            .next())
    }

    /// Sends one `log-batch` request, without retrying: a failure whose outcome is unknown may
    /// still have been applied (see the drain's reconciliation).
    pub async fn log_batch_once(&self, run_id: &str, batch: &Batch) -> Result<(), TrackingError> {
        let request = self
            .http
            .post(self.api("runs/log-batch"))
            .json(&batch_body(run_id, batch));
        self.send_once("runs/log-batch", request, self.request_timeout)
            .await
            .map(drop)
    }

    /// Sends a `log-batch` request, retrying: for params and tags, which the server applies
    /// idempotently (an equal param again is a no-op; a tag is overwritten).
    pub async fn log_batch(&self, run_id: &str, batch: &Batch) -> Result<(), TrackingError> {
        self.post::<Value>("runs/log-batch", &batch_body(run_id, batch))
            .await
            .map(drop)
    }

    /// Every point of a run's metric, in the server's order.
    pub async fn metric_history(
        &self,
        run_id: &str,
        key: &str,
    ) -> Result<Vec<Metric>, TrackingError> {
        #[derive(Deserialize)]
        struct Reply {
            #[serde(default)]
            metrics: Vec<Metric>,
            #[serde(default)]
            next_page_token: Option<String>,
        }
        let mut points = Vec::new();
        let mut token = String::new();
        loop {
            let mut query = vec![
                ("run_id", run_id),
                ("metric_key", key),
                ("max_results", "25000"),
            ];
            if !token.is_empty() {
                query.push(("page_token", &token));
            }
            let reply: Reply = self.get("metrics/get-history", &query).await?;
            points.extend(reply.metrics);
            match reply.next_page_token {
                Some(t) if !t.is_empty() => token = t,
                _ => return Ok(points),
            }
        }
    }

    fn artifact_url(&self, artifact_uri: &str, path: &str) -> Result<Url, TrackingError> {
        let root = artifact_uri.strip_prefix(PROXIED_SCHEME).ok_or_else(|| {
            TrackingError::Invalid {
                field: "artifact_uri".into(),
                message: format!(
                    "{artifact_uri:?} is not served by the tracking server; start it with artifact \
                 proxying (the default of `mlflow server` 2.x and 3.x, --artifacts-destination)"
                ),
            }
        })?;
        check_key("artifact path", path)?;
        let mut segments = vec!["api", "2.0", "mlflow-artifacts", "artifacts"];
        segments.extend(
            root.trim_start_matches('/')
                .split('/')
                .filter(|s| !s.is_empty()),
        );
        segments.extend(path.split('/'));
        Ok(self.url(&segments))
    }

    /// Uploads `bytes` as `path` under a run's artifact root, through the server's artifact proxy.
    pub async fn upload_artifact(
        &self,
        artifact_uri: &str,
        path: &str,
        bytes: Vec<u8>,
    ) -> Result<(), TrackingError> {
        let url = self.artifact_url(artifact_uri, path)?;
        let timeout = self.request_timeout + Duration::from_secs(bytes.len() as u64 >> 20);
        let bytes = &bytes;
        self.with_retries(|| {
            let request = self.http.put(url.clone()).body(bytes.clone());
            self.send_once("artifacts upload", request, timeout)
        })
        .await
        .map(drop)
    }

    /// Downloads a run's artifact.
    pub async fn download_artifact(
        &self,
        artifact_uri: &str,
        path: &str,
    ) -> Result<Vec<u8>, TrackingError> {
        let url = self.artifact_url(artifact_uri, path)?;
        self.with_retries(|| {
            self.send_once(
                "artifacts download",
                self.http.get(url.clone()),
                self.request_timeout,
            )
        })
        .await
    }

    /// Lists a run's artifacts under `path` (the root when empty).
    pub async fn list_artifacts(
        &self,
        run_id: &str,
        path: &str,
    ) -> Result<Vec<ArtifactFile>, TrackingError> {
        #[derive(Deserialize)]
        struct Reply {
            #[serde(default)]
            files: Vec<ArtifactFile>,
        }
        let mut query = vec![("run_id", run_id)];
        if !path.is_empty() {
            query.push(("path", path));
        }
        Ok(self.get::<Reply>("artifacts/list", &query).await?.files)
    }
}

fn batch_body(run_id: &str, batch: &Batch) -> Value {
    let mut body = serde_json::to_value(batch).unwrap_or_else(|_| json!({}));
    body["run_id"] = json!(run_id);
    body
}

fn decode<T: DeserializeOwned>(endpoint: &str, bytes: &[u8]) -> Result<T, TrackingError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| TrackingError::Decode {
        endpoint: endpoint.to_string(),
        message: e.to_string(),
    })
}

fn classify(
    endpoint: &str,
    base: &Url,
    timeout: Duration,
    error: reqwest::Error,
    redactor: &Redactor,
) -> TrackingError {
    if error.is_timeout() {
        return TrackingError::Timeout {
            endpoint: endpoint.to_string(),
            seconds: timeout.as_secs_f64(),
        };
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    let message = if error.is_connect() {
        format!(
            "cannot connect to {}: {message}",
            base.as_str().trim_end_matches('/')
        )
    } else {
        format!("connection failed: {message}")
    };
    TrackingError::Transport {
        endpoint: endpoint.to_string(),
        message: redactor.redact(&message),
    }
}

fn server_error(
    endpoint: &str,
    status: StatusCode,
    body: &[u8],
    retry_after: Option<Duration>,
    redactor: &Redactor,
) -> TrackingError {
    #[derive(Deserialize)]
    struct MlflowError {
        #[serde(default)]
        error_code: String,
        #[serde(default)]
        message: String,
    }
    let (code, message) = match serde_json::from_slice::<MlflowError>(body) {
        Ok(e) => (e.error_code, e.message),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text: String = text.trim().chars().take(300).collect();
            (String::new(), text)
        }
    };
    TrackingError::Server {
        endpoint: endpoint.to_string(),
        status: status.as_u16(),
        code,
        message: redactor.redact(&message),
        retry_after,
    }
}
