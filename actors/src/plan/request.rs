//! What a user asks `kdgat submit` for, before it is planned: the datasets, the variants, fixed
//! config overrides and a grid of alternatives, each optionally scoped to one stage
//! (`curriculum.lr=0.001`), from the command line (`--set KEY=V1,V2`) or a TOML sweep file.
//!
//! Names that become paths (the sweep, the datasets) are checked here, where they are read, with
//! the field named: a name is letters, digits, `_` and `-` (a sweep name may also have `.` after
//! its first character), at most 64 characters.

use std::path::PathBuf;

use kdgat_jobs::config::{Override, PipelineConfig, Stage, Variant, apply_overrides};

use super::PlanError;

/// A config override for every stage (`stage: None`) or one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScopedOverride {
    /// The stage it applies to; all when `None`.
    pub stage: Option<Stage>,
    /// The config field.
    pub key: String,
    /// The value, as `--set` takes it.
    pub value: String,
}

/// A grid axis: one config field (optionally one stage's) and its alternatives.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GridAxis {
    /// The stage it applies to; all when `None`.
    pub stage: Option<Stage>,
    /// The config field.
    pub key: String,
    /// The alternatives, in order.
    pub values: Vec<String>,
}

/// A sweep to plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepRequest {
    /// The sweep's name (its id).
    pub name: String,
    /// The datasets, in order.
    pub datasets: Vec<String>,
    /// The variants, in order (the distilled student brings in the teacher's runs it needs).
    pub variants: Vec<Variant>,
    /// Fixed overrides, applied in order.
    pub overrides: Vec<ScopedOverride>,
    /// The grid: every combination of its axes' values is a sweep point.
    pub grid: Vec<GridAxis>,
    /// Where run directories go (absolute).
    pub runs_root: PathBuf,
    /// Where graph caches go (absolute).
    pub cache_root: PathBuf,
    /// The raw data root (absolute).
    pub data_root: PathBuf,
    /// A catalog file (absolute), or the built-in catalog.
    pub catalog: Option<PathBuf>,
    /// Read `kdgat ingest`'s Parquet under this root instead of the CSV captures.
    pub parquet_root: Option<PathBuf>,
    /// Invalid CSV rows: fail or skip.
    pub on_bad_row: kdgat_jobs::can::BadRowPolicy,
    /// Do what the reference did where kdgat fixed it.
    pub legacy: bool,
    /// Rerun runs that finished with the same config.
    pub force: bool,
}

const MAX_NAME: usize = 64;

/// Checks a name that becomes a path component or part of a batch job name.
pub fn check_name(field: &str, name: &str, dots: bool) -> Result<(), PlanError> {
    let bad = |why: &str| PlanError::BadName {
        field: field.to_string(),
        name: name.escape_debug().to_string(),
        why: why.to_string(),
    };
    if name.is_empty() {
        return Err(bad("is empty"));
    }
    if name.len() > MAX_NAME {
        return Err(bad("is longer than 64 characters"));
    }
    if name.starts_with(['.', '-']) {
        return Err(bad("starts with `.` or `-`"));
    }
    match name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || (dots && c == '.')))
    {
        Some(c) => Err(bad(&format!(
            "has the character {c:?} (allowed: letters, digits, `_`, `-`{})",
            if dots { ", `.`" } else { "" }
        ))),
        None => Ok(()),
    }
}

/// Splits `[STAGE.]KEY=VALUE`; the key is checked against the config's fields.
pub(super) fn scoped(raw: &str) -> Result<(Option<Stage>, Override), PlanError> {
    let o: Override = raw.parse()?;
    let (stage, key) = match o.key.split_once('.') {
        Some((stage, key)) => {
            let stage: Stage = stage.parse().map_err(|message| PlanError::BadOverride {
                raw: raw.to_string(),
                message,
            })?;
            (Some(stage), key.to_string())
        }
        None => (None, o.key),
    };
    // Unknown fields are refused now, with the closest name, not when the plan is built.
    apply_overrides(
        &PipelineConfig::default(),
        &[Override {
            key: key.clone(),
            value: o.value.clone(),
        }],
    )
    .or_else(|e| match e {
        kdgat_jobs::config::ConfigError::UnknownField { .. } => Err(e),
        // A value check needs the stage's own config; the planner does it.
        _ => Ok(PipelineConfig::default()),
    })?;
    Ok((
        stage,
        Override {
            key,
            value: o.value,
        },
    ))
}

/// Whether a config field holds a list (its `--set` value is comma-separated, so it cannot be a
/// command-line grid: alternatives of a list go in a sweep file).
fn is_list_field(key: &str) -> bool {
    PipelineConfig::default()
        .to_json_map()
        .get(key)
        .is_some_and(serde_json::Value::is_array)
}

/// Parses `--set` arguments: `KEY=VALUE` is a fixed override, `KEY=V1,V2,…` a grid axis (for a
/// list field the commas are the list's and the value is one).
pub fn parse_sets(raw: &[String]) -> Result<(Vec<ScopedOverride>, Vec<GridAxis>), PlanError> {
    let mut overrides = Vec::new();
    let mut grid: Vec<GridAxis> = Vec::new();
    for text in raw {
        let (stage, o) = scoped(text)?;
        let values: Vec<String> = if is_list_field(&o.key) {
            vec![o.value.clone()]
        } else {
            o.value.split(',').map(|v| v.trim().to_string()).collect()
        };
        if values.iter().any(String::is_empty) {
            return Err(PlanError::BadOverride {
                raw: text.clone(),
                message: "an empty alternative".into(),
            });
        }
        if values.len() == 1 {
            overrides.push(ScopedOverride {
                stage,
                key: o.key,
                value: o.value,
            });
        } else if grid.iter().any(|a| a.stage == stage && a.key == o.key) {
            return Err(PlanError::BadOverride {
                raw: text.clone(),
                message: "this key already has a grid".into(),
            });
        } else {
            grid.push(GridAxis {
                stage,
                key: o.key,
                values,
            });
        }
    }
    Ok((overrides, grid))
}

/// Whether `o` applies to `stage`.
pub fn applies(scope: Option<Stage>, stage: Stage) -> bool {
    scope.is_none_or(|s| s == stage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_split_into_fixed_overrides_and_grid_axes() {
        let raw: Vec<String> = [
            "max_epochs=3",
            "lr=0.001,0.01",
            "curriculum.gat_hidden=24, 48",
            "vgae_hidden_dims=480,240,48",
        ]
        .map(String::from)
        .to_vec();
        let (fixed, grid) = parse_sets(&raw).unwrap();
        assert_eq!(fixed.len(), 2);
        assert_eq!(fixed[1].key, "vgae_hidden_dims");
        assert_eq!(
            fixed[1].value, "480,240,48",
            "a list field's commas are the list's"
        );
        assert_eq!(grid.len(), 2);
        assert_eq!(grid[0].values, ["0.001", "0.01"]);
        assert_eq!(grid[1].stage, Some(Stage::Curriculum));
        assert_eq!(grid[1].values, ["24", "48"]);
    }

    #[test]
    fn bad_sets_name_what_is_wrong() {
        for (raw, want) in [
            ("lrr=3", "lr"),
            ("fusoin.lr=3", "fusoin"),
            ("lr=1,,2", "empty alternative"),
            ("noequals", "KEY=VALUE"),
        ] {
            let err = parse_sets(&[raw.to_string()]).unwrap_err().to_string();
            assert!(err.contains(want), "{raw}: {err}");
        }
        let twice = ["lr=1,2".to_string(), "lr=3,4".to_string()];
        assert!(
            parse_sets(&twice)
                .unwrap_err()
                .to_string()
                .contains("already")
        );
    }

    #[test]
    fn names_that_become_paths_cannot_escape() {
        for bad in [
            "",
            "..",
            "../x",
            "/abs",
            "a/b",
            "a b",
            ".hidden",
            "-x",
            "ü",
            &"x".repeat(65),
        ] {
            assert!(check_name("dataset", bad, false).is_err(), "{bad:?}");
        }
        assert!(check_name("sweep", "a.b", false).is_err());
        check_name("sweep", "lr-sweep.2", true).unwrap();
        check_name("dataset", "set_01", false).unwrap();
        let err = check_name("dataset", "../etc", false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("dataset") && err.contains("../etc"), "{err}");
    }
}
