//! The server's limits, enforced before sending. `log-batch` takes at most 1000 metrics, 100 params,
//! 100 tags, 1000 entities and 1 MB per request; keys are at most 250 characters of
//! `[A-Za-z0-9_\-. :/]` that do not escape a path; the server silently truncates params beyond 6000
//! and tags beyond 8000 characters, so longer values are refused here instead.

use serde::Serialize;

use crate::error::TrackingError;
use crate::wire::{Metric, Param, Tag};

/// Metrics per `log-batch`.
pub const MAX_METRICS: usize = 1000;
/// Params per `log-batch`.
pub const MAX_PARAMS: usize = 100;
/// Tags per `log-batch`.
pub const MAX_TAGS: usize = 100;
/// Metrics, params and tags together per `log-batch`.
pub const MAX_ENTITIES: usize = 1000;
/// Request body size we allow ourselves (the server's limit is 1 MB; headroom for the envelope).
pub const MAX_BATCH_BYTES: usize = 900_000;
/// Key length, in characters.
pub const MAX_KEY_CHARS: usize = 250;
/// Param value length, in characters.
pub const MAX_PARAM_CHARS: usize = 6000;
/// Tag value length, in characters.
pub const MAX_TAG_CHARS: usize = 8000;

/// Checks a metric, param or tag key (`what` names it in the error).
pub fn check_key(what: &str, key: &str) -> Result<(), TrackingError> {
    let invalid = |message: String| TrackingError::Invalid {
        field: format!("{what} {key:?}"),
        message,
    };
    if key.is_empty() {
        return Err(invalid("empty key".into()));
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(invalid(format!("longer than {MAX_KEY_CHARS} characters")));
    }
    if let Some(bad) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_-. :/".contains(*c)))
    {
        return Err(invalid(format!(
            "character {bad:?} is not allowed (letters, digits, `_ - . : /` and space)"
        )));
    }
    if key.starts_with('/') || key.split('/').any(|part| part == "." || part == "..") {
        return Err(invalid(
            "must be a relative path without `.` or `..` parts".into(),
        ));
    }
    Ok(())
}

/// Checks a param's key and value length.
pub fn check_param(param: &Param) -> Result<(), TrackingError> {
    check_key("param", &param.key)?;
    check_length("param", &param.key, &param.value, MAX_PARAM_CHARS)
}

/// Checks a tag's key and value length.
pub fn check_tag(tag: &Tag) -> Result<(), TrackingError> {
    check_key("tag", &tag.key)?;
    check_length("tag", &tag.key, &tag.value, MAX_TAG_CHARS)
}

fn check_length(what: &str, key: &str, value: &str, max: usize) -> Result<(), TrackingError> {
    let chars = value.chars().count();
    if chars > max {
        return Err(TrackingError::Invalid {
            field: format!("{what} {key:?}"),
            message: format!(
                "value of {chars} characters is over the server's {max} (it would be cut short)"
            ),
        });
    }
    Ok(())
}

/// One `log-batch` request's content.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Batch {
    /// Metric points.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    /// Params.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Batch {
    fn entities(&self) -> usize {
        self.metrics.len() + self.params.len() + self.tags.len()
    }
}

/// Splits metrics, params and tags into requests within the server's limits, keeping their order.
pub fn batches(metrics: Vec<Metric>, params: Vec<Param>, tags: Vec<Tag>) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    let mut current = Batch::default();
    let mut bytes = 0usize;
    let mut push =
        |current: &mut Batch, bytes: &mut usize, size: usize, fits: &dyn Fn(&Batch) -> bool| {
            if current.entities() > 0
                && (!fits(current)
                    || current.entities() >= MAX_ENTITIES
                    || *bytes + size > MAX_BATCH_BYTES)
            {
                out.push(std::mem::take(current));
                *bytes = 0;
            }
            *bytes += size;
        };
    for param in params {
        push(&mut current, &mut bytes, json_len(&param), &|b| {
            b.params.len() < MAX_PARAMS
        });
        current.params.push(param);
    }
    for tag in tags {
        push(&mut current, &mut bytes, json_len(&tag), &|b| {
            b.tags.len() < MAX_TAGS
        });
        current.tags.push(tag);
    }
    for metric in metrics {
        push(&mut current, &mut bytes, json_len(&metric), &|b| {
            b.metrics.len() < MAX_METRICS
        });
        current.metrics.push(metric);
    }
    if current.entities() > 0 {
        out.push(current);
    }
    out
}

fn json_len<T: Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len()) + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::MetricValue;

    fn metric(i: i64) -> Metric {
        Metric {
            key: format!("m{}", i % 7),
            value: MetricValue(i as f64),
            timestamp: 1,
            step: i,
        }
    }

    fn param(i: usize, len: usize) -> Param {
        Param {
            key: format!("p{i}"),
            value: "x".repeat(len),
        }
    }

    #[test]
    fn keys_follow_the_servers_rules() {
        for good in [
            "val_loss",
            "test.gat.test_01.f1",
            "a/b c:d-e",
            &"k".repeat(250),
        ] {
            check_key("metric", good).unwrap();
        }
        for bad in ["", "a\"b", "../x", "a/../b", "/abs", "é", &"k".repeat(251)] {
            let err = check_key("metric", bad).unwrap_err().to_string();
            assert!(err.starts_with("metric "), "{err}");
        }
    }

    #[test]
    fn long_values_are_refused_not_truncated() {
        check_param(&param(0, MAX_PARAM_CHARS)).unwrap();
        let err = check_param(&param(0, MAX_PARAM_CHARS + 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"p0\"") && err.contains("6000"), "{err}");
        check_tag(&Tag::new("t", "y".repeat(MAX_TAG_CHARS))).unwrap();
        assert!(check_tag(&Tag::new("t", "y".repeat(MAX_TAG_CHARS + 1))).is_err());
    }

    #[test]
    fn batches_respect_every_limit_and_keep_everything_in_order() {
        let metrics: Vec<Metric> = (0..2500).map(metric).collect();
        let params: Vec<Param> = (0..250).map(|i| param(i, 10)).collect();
        let tags: Vec<Tag> = (0..130).map(|i| Tag::new(format!("t{i}"), i)).collect();
        let out = batches(metrics.clone(), params.clone(), tags.clone());
        for b in &out {
            assert!(b.metrics.len() <= MAX_METRICS && b.params.len() <= MAX_PARAMS);
            assert!(b.tags.len() <= MAX_TAGS && b.entities() <= MAX_ENTITIES);
            assert!(serde_json::to_vec(b).unwrap().len() <= MAX_BATCH_BYTES + 100);
        }
        let flat = |f: fn(&Batch) -> usize| out.iter().map(f).sum::<usize>();
        assert_eq!(flat(|b| b.metrics.len()), 2500);
        let all_metrics: Vec<Metric> = out.iter().flat_map(|b| b.metrics.clone()).collect();
        assert_eq!(all_metrics, metrics);
        let all_params: Vec<Param> = out.iter().flat_map(|b| b.params.clone()).collect();
        assert_eq!(all_params, params);
        let all_tags: Vec<Tag> = out.iter().flat_map(|b| b.tags.clone()).collect();
        assert_eq!(all_tags, tags);
    }

    #[test]
    fn big_values_split_by_bytes() {
        let params: Vec<Param> = (0..100).map(|i| param(i, MAX_PARAM_CHARS)).collect();
        let tags: Vec<Tag> = (0..100)
            .map(|i| Tag::new(format!("t{i}"), "z".repeat(MAX_TAG_CHARS)))
            .collect();
        let out = batches(Vec::new(), params, tags);
        assert!(out.len() >= 2);
        for b in &out {
            assert!(serde_json::to_vec(b).unwrap().len() <= MAX_BATCH_BYTES + 100);
        }
        assert!(batches(Vec::new(), Vec::new(), Vec::new()).is_empty());
    }
}
