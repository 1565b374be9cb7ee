//! The TOML sweep file of larger sweeps (`kdgat submit --sweep-file sweep.toml`):
//!
//! ```toml
//! version = 1                         # optional; the layout this kdgat reads
//! name = "lr-sweep"                   # optional; --name wins
//! datasets = ["hcrl_sa", "set_01"]    # the command line's datasets are added
//! variants = ["teacher", "student-kd"]
//!
//! [set]                               # fixed overrides, as --set KEY=VALUE
//! max_epochs = 50
//! "curriculum.lr" = 0.001             # STAGE.KEY: one stage only
//!
//! [grid]                              # alternatives: every combination is a sweep point
//! lr = [0.001, 0.003]
//! vgae_hidden_dims = [[480, 240, 48], [256, 128, 32]]
//! ```
//!
//! Unknown keys are refused, naming them; so are fields the config does not have.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::PlanError;
use super::request::{GridAxis, ScopedOverride, scoped};

/// The layout this kdgat reads.
const SWEEP_FILE_VERSION: u32 = 1;

/// A parsed sweep file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// The layout version.
    #[serde(default)]
    pub version: Option<u32>,
    /// The sweep's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Datasets.
    #[serde(default)]
    pub datasets: Vec<String>,
    /// Variants (`teacher`, `student-kd`, `student`).
    #[serde(default)]
    pub variants: Vec<String>,
    #[serde(default)]
    set: BTreeMap<String, toml::Value>,
    #[serde(default)]
    grid: BTreeMap<String, Vec<toml::Value>>,
}

impl SweepFile {
    /// Reads a sweep file; errors name the file and the key or line.
    pub fn load(path: &Path) -> Result<SweepFile, PlanError> {
        let invalid = |message: String| PlanError::SweepFile {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
        let file: SweepFile = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if file.version.is_some_and(|v| v > SWEEP_FILE_VERSION) {
            return Err(invalid(format!(
                "version {} is newer than this kdgat reads ({SWEEP_FILE_VERSION})",
                file.version.unwrap_or_default()
            )));
        }
        file.overrides().map_err(|e| invalid(e.to_string()))?;
        file.grid().map_err(|e| invalid(e.to_string()))?;
        Ok(file)
    }

    /// The `[set]` table as overrides.
    pub fn overrides(&self) -> Result<Vec<ScopedOverride>, PlanError> {
        self.set
            .iter()
            .map(|(key, value)| {
                let (stage, o) = scoped(&format!("{key}={}", value_text(value)))?;
                Ok(ScopedOverride {
                    stage,
                    key: o.key,
                    value: o.value,
                })
            })
            .collect()
    }

    /// The `[grid]` table as axes.
    pub fn grid(&self) -> Result<Vec<GridAxis>, PlanError> {
        self.grid
            .iter()
            .map(|(key, values)| {
                if values.is_empty() {
                    return Err(PlanError::BadOverride {
                        raw: key.clone(),
                        message: "a grid axis needs at least one value".into(),
                    });
                }
                let texts: Vec<String> = values.iter().map(value_text).collect();
                let (stage, o) = scoped(&format!("{key}={}", texts[0]))?;
                Ok(GridAxis {
                    stage,
                    key: o.key,
                    values: texts,
                })
            })
            .collect()
    }
}

/// A TOML value as `--set` would take it: lists comma-separated.
fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kdgat_jobs::config::Stage;

    fn load(text: &str) -> Result<SweepFile, PlanError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.toml");
        std::fs::write(&path, text).unwrap();
        SweepFile::load(&path)
    }

    #[test]
    fn a_sweep_file_gives_overrides_and_a_grid() {
        let file = load(
            r#"
name = "lr-sweep"
datasets = ["hcrl_sa"]
variants = ["teacher"]
[set]
max_epochs = 5
"curriculum.lr" = 0.001
[grid]
gat_hidden = [24, 48]
vgae_hidden_dims = [[480, 240, 48], [256, 128, 32]]
"#,
        )
        .unwrap();
        assert_eq!(file.name.as_deref(), Some("lr-sweep"));
        let set = file.overrides().unwrap();
        assert_eq!(set[0].stage, Some(Stage::Curriculum));
        assert_eq!(
            (set[1].key.as_str(), set[1].value.as_str()),
            ("max_epochs", "5")
        );
        let grid = file.grid().unwrap();
        assert_eq!(grid[0].values, ["24", "48"]);
        assert_eq!(grid[1].values, ["480,240,48", "256,128,32"]);
    }

    #[test]
    fn bad_sweep_files_name_the_file_and_what_is_wrong() {
        for (text, want) in [
            ("datasets = [\"a\"]\nbogus = 1\n", "bogus"),
            ("[set]\ngat_hiden = 3\n", "gat_hidden"),
            ("[grid]\nlr = []\n", "at least one"),
            ("version = 7\n", "newer"),
            ("datasets = [\n", "sweep.toml"),
        ] {
            let err = load(text).unwrap_err().to_string();
            assert!(
                err.contains("sweep.toml") && err.contains(want),
                "{text}: {err}"
            );
        }
    }
}
