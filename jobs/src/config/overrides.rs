//! Typed `key=value` overrides (`--set gat_hidden=24`). The value is parsed as the field's type; an
//! unknown key is rejected with the closest known name, a bad value with the type that was expected.

use std::str::FromStr;

use serde_json::{Number, Value};

use super::error::ConfigError;
use super::file::LoadedConfig;
use super::pipeline::PipelineConfig;

/// One `key=value` override as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The field name.
    pub key: String,
    /// The unparsed value.
    pub value: String,
}

impl FromStr for Override {
    type Err = ConfigError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => Ok(Override {
                key: key.trim().replace('-', "_"),
                value: value.to_string(),
            }),
            _ => Err(ConfigError::BadOverride {
                raw: raw.to_string(),
                message: "expected KEY=VALUE, e.g. gat_hidden=24".into(),
            }),
        }
    }
}

/// Applies overrides in order to a config; the result is checked field by field.
pub fn apply_overrides(
    base: &PipelineConfig,
    overrides: &[Override],
) -> Result<PipelineConfig, ConfigError> {
    let mut map = base.to_json_map();
    for o in overrides {
        let Some(current) = map.get(&o.key) else {
            return Err(ConfigError::UnknownField {
                key: o.key.clone(),
                suggestion: closest_field(&o.key),
            });
        };
        let parsed =
            parse_like(current, &o.value).map_err(|expected| ConfigError::BadOverride {
                raw: format!("{}={}", o.key, o.value),
                message: format!("expected {expected}"),
            })?;
        map.insert(o.key.clone(), parsed);
    }
    let loaded = LoadedConfig::from_json_map(map, "--set")?;
    Ok(loaded.config)
}

/// Parses `raw` as a value of the same JSON type as `current`; on failure, names that type.
fn parse_like(current: &Value, raw: &str) -> Result<Value, &'static str> {
    let raw = raw.trim();
    match current {
        Value::Bool(_) => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(Value::Bool(true)),
            "false" | "0" | "no" => Ok(Value::Bool(false)),
            _ => Err("a boolean (true/false, 1/0, yes/no)"),
        },
        Value::Number(n) if n.is_f64() => raw
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or("a finite number"),
        Value::Number(_) => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "an integer"),
        Value::Array(_) => {
            let inner = raw.trim_start_matches('[').trim_end_matches(']');
            // Comma-separated, every item present (`1,,2` is refused), or separated by spaces.
            let items: Vec<&str> = if inner.contains(',') {
                inner.split(',').map(str::trim).collect()
            } else {
                inner.split_whitespace().collect()
            };
            items
                .into_iter()
                .map(|s| s.parse::<i64>().map(Value::from))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
                .map_err(|_| "a list of integers with no empty item, e.g. 480,240,48")
        }
        _ => Ok(Value::String(raw.to_string())),
    }
}

fn closest_field(key: &str) -> Option<String> {
    PipelineConfig::field_names()
        .into_iter()
        .map(|name| (strsim::jaro_winkler(key, &name), name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[&str]) -> Result<PipelineConfig, ConfigError> {
        let overrides: Vec<Override> = pairs.iter().map(|p| p.parse().unwrap()).collect();
        apply_overrides(&PipelineConfig::default(), &overrides)
    }

    #[test]
    fn overrides_parse_each_type() {
        let c = set(&[
            "gat_hidden=24",
            "lr=0.01",
            "use_kd=yes",
            "teacher_path=a/b.pt",
            "vgae_hidden_dims=80,40,16",
            "scheduler_t_max=-1",
            "model-size=student",
        ])
        .unwrap();
        assert_eq!(c.gat_hidden, 24);
        assert_eq!(c.lr, 0.01);
        assert!(c.use_kd);
        assert_eq!(c.teacher_path, "a/b.pt");
        assert_eq!(c.vgae_hidden_dims, vec![80, 40, 16]);
        assert_eq!(c.model_size.as_str(), "student");
    }

    #[test]
    fn unknown_key_gets_a_suggestion() {
        let err = set(&["gat_hiden=3"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--set gat_hiden: unknown config field (did you mean `gat_hidden`?)"
        );
    }

    #[test]
    fn bad_values_name_the_field_and_the_type() {
        let err = set(&["gat_hidden=big"]).unwrap_err().to_string();
        assert_eq!(err, "--set gat_hidden=big: expected an integer");
        let err = set(&["use_kd=maybe"]).unwrap_err().to_string();
        assert!(err.contains("expected a boolean"), "{err}");
        let err = set(&["gat_hidden=-4"]).unwrap_err().to_string();
        assert!(err.contains("field `gat_hidden`"), "{err}");
        let err = set(&["model_size=huge"]).unwrap_err().to_string();
        assert!(
            err.contains("field `model_size`") && err.contains("teacher"),
            "{err}"
        );
        assert!(matches!(
            "novalue".parse::<Override>(),
            Err(ConfigError::BadOverride { .. })
        ));
    }

    #[test]
    fn a_list_with_an_empty_item_is_refused() {
        for raw in [
            "vgae_hidden_dims=1,,2",
            "vgae_hidden_dims=1,2,",
            "vgae_hidden_dims=,1",
        ] {
            let err = set(&[raw]).unwrap_err().to_string();
            assert!(err.contains("no empty item"), "{raw}: {err}");
        }
        for (raw, dims) in [
            ("vgae_hidden_dims=[80, 40]", vec![80, 40]),
            ("vgae_hidden_dims=80 40 16", vec![80, 40, 16]),
        ] {
            assert_eq!(set(&[raw]).unwrap().vgae_hidden_dims, dims, "{raw}");
        }
    }
}
