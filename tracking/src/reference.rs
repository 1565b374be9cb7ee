//! The reference pipeline's conventions for MLflow (REFERENCE.md §8) that every producer of tracking
//! operations shares: a sweep's parent run, the `model_arch` tag of a stage, and params printed as
//! Python's `str()` printed them for `mlflow.log_params`.

use serde_json::Value;

use crate::ops::TrackingOp;
use crate::wire::Tag;

/// The parent run of a sweep: key `sweep/{name}`, shown as `sweep {name}`.
pub fn sweep_start(name: &str, start_time_ms: i64) -> TrackingOp {
    TrackingOp::StartRun {
        run_key: sweep_key(name),
        run_name: format!("sweep {name}"),
        parent_key: None,
        start_time_ms,
        tags: vec![Tag::new("kdgat.sweep", name)],
        params: Vec::new(),
    }
}

/// The run key of a sweep's parent run.
pub fn sweep_key(name: &str) -> String {
    format!("sweep/{name}")
}

/// The reference's `model_arch` tag of a stage.
pub fn model_arch(stage: &str) -> &'static str {
    match stage {
        "autoencoder" => "vgae",
        "curriculum" | "normal" => "gat",
        "fusion" => "dqn",
        "evaluation" => "eval",
        _ => "unknown",
    }
}

/// A JSON value as Python's `str()` prints the value `json.load` gives (what `mlflow.log_params`
/// stored for the reference).
pub fn python_str(value: &Value) -> String {
    fn repr(value: &Value) -> String {
        match value {
            Value::String(s) => format!("'{s}'"),
            other => python_str(other),
        }
    }
    match value {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => python_float(f),
            _ => n.to_string(),
        },
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("'{k}': {}", repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's `repr(float)`: shortest round trip, exponent form below 1e-4 and from 1e16.
fn python_float(f: f64) -> String {
    let magnitude = f.abs();
    if f != 0.0 && f.is_finite() && !(1e-4..1e16).contains(&magnitude) {
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exponent),
        };
        format!("{mantissa}e{sign}{digits:0>2}")
    } else if f.is_finite() && f.fract() == 0.0 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_print_as_python_did() {
        let cases = [
            (json!(true), "True"),
            (json!(null), "None"),
            (json!("gat"), "gat"),
            (json!(7), "7"),
            (json!(0.001), "0.001"),
            (json!(1.0), "1.0"),
            (json!(1e-05), "1e-05"),
            (json!(2.5e-7), "2.5e-07"),
            (json!([480, 240, 48]), "[480, 240, 48]"),
            (json!(["a", 1.5]), "['a', 1.5]"),
            (json!({"k": "v"}), "{'k': 'v'}"),
        ];
        for (value, text) in cases {
            assert_eq!(python_str(&value), text, "{value}");
        }
    }
}
