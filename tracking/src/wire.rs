//! The server's JSON, typed to accept what it really sends: empty fields omitted (protobuf JSON),
//! metric values as numbers or as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An experiment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Experiment {
    /// Its id (a string).
    pub experiment_id: String,
    /// Its name.
    pub name: String,
    /// Where its artifacts go.
    #[serde(default)]
    pub artifact_location: String,
    /// `active` or `deleted`.
    #[serde(default)]
    pub lifecycle_stage: String,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// A run's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[expect(missing_docs, reason = "MLflow's run states")]
pub enum RunStatus {
    Running,
    Scheduled,
    Finished,
    Failed,
    Killed,
}

/// A run's identity and state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RunInfo {
    /// The run's id.
    pub run_id: String,
    /// Its experiment.
    pub experiment_id: String,
    /// Its name.
    #[serde(default)]
    pub run_name: String,
    /// Its status.
    pub status: RunStatus,
    /// Epoch milliseconds.
    #[serde(default)]
    pub start_time: Option<i64>,
    /// Epoch milliseconds, once ended.
    #[serde(default)]
    pub end_time: Option<i64>,
    /// Its artifact root.
    #[serde(default)]
    pub artifact_uri: String,
    /// `active` or `deleted`.
    #[serde(default)]
    pub lifecycle_stage: String,
}

/// A run's logged data: the **latest** value of each metric, params, tags.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RunData {
    /// Latest value per metric key.
    #[serde(default)]
    pub metrics: Vec<Metric>,
    /// Params.
    #[serde(default)]
    pub params: Vec<Param>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// A run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Run {
    /// Identity and state.
    pub info: RunInfo,
    /// Logged data.
    #[serde(default)]
    pub data: RunData,
}

impl Run {
    /// The value of tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.data
            .tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }
}

/// One metric point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// The key.
    pub key: String,
    /// The value.
    pub value: MetricValue,
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// The step (0 when omitted).
    #[serde(default)]
    pub step: i64,
}

/// A metric value. Non-finite values travel as MLflow's strings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricValue(pub f64);

impl Serialize for MetricValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_nan() {
            serializer.serialize_str("NaN")
        } else if v.is_infinite() {
            serializer.serialize_str(if v > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            serializer.serialize_f64(v)
        }
    }
}

impl<'de> Deserialize<'de> for MetricValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(v) => Ok(MetricValue(v)),
            Raw::Text(s) => match s.to_ascii_lowercase().as_str() {
                "nan" => Ok(MetricValue(f64::NAN)),
                "infinity" | "inf" => Ok(MetricValue(f64::INFINITY)),
                "-infinity" | "-inf" => Ok(MetricValue(f64::NEG_INFINITY)),
                _ => Err(serde::de::Error::custom(format!("metric value {s:?}"))),
            },
        }
    }
}

/// A param (values are always strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

impl Tag {
    /// A tag from anything printable.
    pub fn new(key: impl Into<String>, value: impl ToString) -> Tag {
        Tag {
            key: key.into(),
            value: value.to_string(),
        }
    }
}

/// An entry of an artifact listing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ArtifactFile {
    /// Path relative to the run's artifact root.
    pub path: String,
    /// Whether it is a directory.
    #[serde(default)]
    pub is_dir: bool,
    /// Size in bytes (files only).
    #[serde(default)]
    pub file_size: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_values_round_trip_through_mlflow_strings() {
        for (v, text) in [
            (1.5, "1.5"),
            (f64::INFINITY, "\"Infinity\""),
            (f64::NEG_INFINITY, "\"-Infinity\""),
        ] {
            assert_eq!(serde_json::to_string(&MetricValue(v)).unwrap(), text);
            let back: MetricValue = serde_json::from_str(text).unwrap();
            assert_eq!(back.0, v);
        }
        assert_eq!(
            serde_json::to_string(&MetricValue(f64::NAN)).unwrap(),
            "\"NaN\""
        );
        let nan: MetricValue = serde_json::from_str("\"NaN\"").unwrap();
        assert!(nan.0.is_nan());
        let inf: MetricValue = serde_json::from_str("\"inf\"").unwrap();
        assert_eq!(inf.0, f64::INFINITY);
        assert!(serde_json::from_str::<MetricValue>("\"abc\"").is_err());
    }

    #[test]
    fn omitted_fields_are_accepted() {
        let run: Run = serde_json::from_str(
            r#"{"info":{"run_id":"a","experiment_id":"1","status":"RUNNING"},"inputs":{}}"#,
        )
        .unwrap();
        assert!(run.data.metrics.is_empty() && run.info.end_time.is_none());
        let metric: Metric =
            serde_json::from_str(r#"{"key":"k","value":"NaN","timestamp":1}"#).unwrap();
        assert_eq!(metric.step, 0);
    }
}
