//! Reading and writing `config.json`, and comparing two of them.
//!
//! Loading follows the reference (missing keys take defaults) and improves on it: unknown keys are
//! neither dropped nor fatal, they are kept in [`LoadedConfig::unknown`] and written back on save, so
//! a file from another version of the pipeline round-trips unchanged. A key given twice is refused
//! (JSON parsers silently keep one of them), and at most [`MAX_CONFIG_BYTES`] are read, so an
//! endless input (`/dev/zero`, a pipe) is refused instead of filling memory.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::error::ConfigError;
use super::pipeline::PipelineConfig;
use crate::atomic::write_atomic;

/// A config read from JSON, with the keys this version does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedConfig {
    /// The typed config.
    pub config: PipelineConfig,
    /// Keys not in [`PipelineConfig`], with their values, in file order.
    pub unknown: Map<String, Value>,
}

impl LoadedConfig {
    /// Builds a config from a flat JSON object; `origin` names the source in errors.
    pub fn from_json_map(map: Map<String, Value>, origin: &str) -> Result<Self, ConfigError> {
        let known: BTreeSet<String> = PipelineConfig::field_names().into_iter().collect();
        let (known_map, unknown): (Map<_, _>, Map<_, _>) =
            map.into_iter().partition(|(k, _)| known.contains(k));
        let config = typed_from_map(known_map, origin)?;
        Ok(LoadedConfig { config, unknown })
    }

    /// The flat JSON object: every field, then the unknown keys.
    pub fn to_json_map(&self) -> Map<String, Value> {
        let mut map = self.config.to_json_map();
        map.extend(self.unknown.clone());
        map
    }
}

/// Deserialises known fields, naming the field at fault on error.
pub(crate) fn typed_from_map(
    map: Map<String, Value>,
    origin: &str,
) -> Result<PipelineConfig, ConfigError> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|err| ConfigError::Field {
        origin: origin.to_string(),
        field: err.path().to_string(),
        message: err.into_inner().to_string(),
    })
}

/// The most a config file may hold; real ones are a few kilobytes.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Reads a `config.json`.
pub fn load_config(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let io = |source| ConfigError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_CONFIG_BYTES,
        });
    }
    let object: UniqueKeys = serde_json::from_str(&text).map_err(|err| ConfigError::Syntax {
        path: path.to_path_buf(),
        line: err.line(),
        column: err.column(),
        message: err.to_string(),
    })?;
    LoadedConfig::from_json_map(object.0, &path.display().to_string())
}

/// A JSON object whose keys are all different.
struct UniqueKeys(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = UniqueKeys;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of config fields")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueKeys, A::Error> {
                let mut map = Map::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(A::Error::custom(format!(
                            "key `{key}` appears twice (which one is meant?)"
                        )));
                    }
                    map.insert(key, access.next_value()?);
                }
                Ok(UniqueKeys(map))
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

/// Writes a `config.json` (pretty, two-space indent, as the reference's `json.dump(indent=2)`),
/// atomically.
pub fn save_config(config: &LoadedConfig, path: &Path) -> Result<(), ConfigError> {
    let io_err = |source| ConfigError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    };
    let mut text = serde_json::to_string_pretty(&Value::Object(config.to_json_map()))
        .map_err(|e| io_err(std::io::Error::other(e)))?;
    text.push('\n');
    write_atomic(path, text.as_bytes()).map_err(io_err)
}

/// Writes a config with no unknown keys (what a spec's `config` is).
pub fn write_config(config: &PipelineConfig, path: &Path) -> Result<(), ConfigError> {
    let loaded = LoadedConfig {
        config: config.clone(),
        unknown: Map::new(),
    };
    save_config(&loaded, path)
}

/// One key whose value differs between two configs (`None`: absent on that side).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConfigDifference {
    /// The key.
    pub param: String,
    /// The value in the first config.
    pub value_a: Option<Value>,
    /// The value in the second config.
    pub value_b: Option<Value>,
}

/// The keys whose values differ, over the union of both key sets, sorted by key (the reference's
/// `config_diff`).
pub fn config_diff(a: &LoadedConfig, b: &LoadedConfig) -> Vec<ConfigDifference> {
    let (a, b) = (a.to_json_map(), b.to_json_map());
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| ConfigDifference {
            param: k.clone(),
            value_a: a.get(k).cloned(),
            value_b: b.get(k).cloned(),
        })
        .collect()
}
