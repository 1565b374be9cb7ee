//! Catalog entries and loading (built-in or from a `datasets.yaml`). Every catalog value that
//! becomes part of a path kdgat writes or reads under a root it was given (the dataset's name, its
//! `domain`, its folders) must be one plain folder name; it is checked when the catalog is read.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

const BUILTIN_CATALOG: &str = include_str!("builtin.yaml");

/// A catalog could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file could not be read.
    #[error("failed to read catalog {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The YAML is malformed or an entry has a bad or unknown field.
    #[error("catalog {path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A value that becomes a path is not one plain name.
    #[error(
        "catalog {path}: dataset `{dataset}`: {field} {value:?} must be one plain folder name \
         (not empty, no `/`, `\\`, `.` or `..`)"
    )]
    BadName {
        /// The file.
        path: PathBuf,
        /// The dataset.
        dataset: String,
        /// The field (`name`, `domain`, `test_subdirs[2]`, …).
        field: String,
        /// The value given.
        value: String,
    },
}

/// One dataset of the catalog, as in the legacy `datasets.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetEntry {
    /// `automotive` for all known datasets.
    pub domain: String,
    /// `CAN`.
    #[serde(default)]
    pub protocol: String,
    /// Where the data comes from.
    #[serde(default)]
    pub source: String,
    /// What it contains.
    #[serde(default)]
    pub description: String,
    /// The CSV root, relative to the data root when it starts with `data/`.
    pub csv_dir: String,
    /// Column names and their types.
    #[serde(default)]
    pub csv_columns: BTreeMap<String, String>,
    /// The attack-free training folder.
    pub train_subdir: String,
    /// The training folder with attacks.
    pub train_attack_subdir: String,
    /// One folder per test scenario.
    #[serde(default)]
    pub test_subdirs: Vec<String>,
    /// Who added it.
    #[serde(default)]
    pub added_by: String,
    /// Capture files to leave out of graph construction: a file is excluded when its lower-cased name
    /// contains one of these (lower-cased) strings. Not in the legacy format; empty by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_files: Vec<String>,
}

/// What a dataset folder is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderRole {
    /// Attack-free training captures.
    Train,
    /// Training captures with attacks.
    TrainAttack,
    /// A test scenario.
    Test,
}

impl DatasetEntry {
    /// The dataset's CSV root under `data_root`: a leading `data/` of `csv_dir` stands for the data
    /// root; an absolute `csv_dir` is used as is; any other relative path is taken under the data root.
    pub fn csv_path(&self, data_root: &Path) -> PathBuf {
        let dir = Path::new(&self.csv_dir);
        if dir.is_absolute() {
            return dir.to_path_buf();
        }
        let mut components = dir.components();
        if dir.components().next() == Some(Component::Normal("data".as_ref())) {
            components.next();
        }
        data_root.join(components.as_path())
    }

    /// Every folder the pipeline reads, with its role, in catalog order.
    pub fn folders(&self) -> Vec<(FolderRole, &str)> {
        let mut folders = vec![
            (FolderRole::Train, self.train_subdir.as_str()),
            (FolderRole::TrainAttack, self.train_attack_subdir.as_str()),
        ];
        folders.extend(
            self.test_subdirs
                .iter()
                .map(|t| (FolderRole::Test, t.as_str())),
        );
        folders
    }
}

/// Checks every value of a dataset that becomes a path component; the first bad one as
/// `(field, value)`.
fn check_names<'a>(name: &'a str, entry: &'a DatasetEntry) -> Result<(), (String, &'a str)> {
    let fields = [
        ("name".to_string(), name),
        ("domain".to_string(), entry.domain.as_str()),
        ("train_subdir".to_string(), entry.train_subdir.as_str()),
        (
            "train_attack_subdir".to_string(),
            entry.train_attack_subdir.as_str(),
        ),
    ];
    let tests = entry
        .test_subdirs
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("test_subdirs[{i}]"), t.as_str()));
    match fields
        .into_iter()
        .chain(tests)
        .find(|(_, value)| !is_plain_name(value))
    {
        Some(bad) => Err(bad),
        None => Ok(()),
    }
}

/// One normal path component: not empty, no separator, not `.` or `..`, no NUL.
fn is_plain_name(value: &str) -> bool {
    !value.is_empty() && !value.contains(['/', '\\', '\0']) && value != "." && value != ".."
}

/// The set of known datasets, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    datasets: BTreeMap<String, DatasetEntry>,
}

impl Catalog {
    /// The built-in catalog: the six datasets and `synthetic`.
    pub fn builtin() -> Catalog {
        match Catalog::parse(BUILTIN_CATALOG, Path::new("<built-in catalog>")) {
            Ok(catalog) => catalog,
            // The built-in file is fixed and covered by tests.
            Err(err) => unreachable!("{err}"),
        }
    }

    /// Reads a catalog file in the legacy `datasets.yaml` format.
    pub fn from_file(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Catalog::parse(&text, path)
    }

    /// The built-in catalog, or the file when one is given.
    pub fn load(path: Option<&Path>) -> Result<Catalog, CatalogError> {
        path.map_or_else(|| Ok(Catalog::builtin()), Catalog::from_file)
    }

    fn parse(text: &str, path: &Path) -> Result<Catalog, CatalogError> {
        let datasets: BTreeMap<String, DatasetEntry> =
            serde_yaml_ng::from_str(text).map_err(|err| CatalogError::Format {
                path: path.to_path_buf(),
                message: err.to_string(),
            })?;
        for (name, entry) in &datasets {
            check_names(name, entry).map_err(|(field, value)| CatalogError::BadName {
                path: path.to_path_buf(),
                dataset: name.clone(),
                field,
                value: value.to_string(),
            })?;
        }
        Ok(Catalog { datasets })
    }

    /// One dataset by name.
    pub fn get(&self, name: &str) -> Option<&DatasetEntry> {
        self.datasets.get(name)
    }

    /// The dataset names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.datasets.keys().map(String::as_str)
    }

    /// Every dataset with its name, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &DatasetEntry)> {
        self.datasets.iter().map(|(k, v)| (k.as_str(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_has_the_six_datasets_and_the_synthetic_one() {
        let c = Catalog::builtin();
        assert_eq!(
            c.names().collect::<Vec<_>>(),
            [
                "hcrl_ch",
                "hcrl_sa",
                "set_01",
                "set_02",
                "set_03",
                "set_04",
                "synthetic"
            ]
        );
        let sa = c.get("hcrl_sa").unwrap();
        assert_eq!(sa.test_subdirs.len(), 4);
        assert_eq!(c.get("set_01").unwrap().test_subdirs.len(), 6);
    }

    #[test]
    fn csv_dir_resolves_against_the_data_root() {
        let sa = Catalog::builtin().get("hcrl_sa").unwrap().clone();
        assert_eq!(
            sa.csv_path(Path::new("../shared/data")),
            Path::new("../shared/data/automotive/hcrl_sa")
        );
        let custom = DatasetEntry {
            csv_dir: "/abs/x".into(),
            ..sa.clone()
        };
        assert_eq!(custom.csv_path(Path::new("data")), Path::new("/abs/x"));
        let relative = DatasetEntry {
            csv_dir: "mine/x".into(),
            ..sa
        };
        assert_eq!(relative.csv_path(Path::new("d")), Path::new("d/mine/x"));
    }

    #[test]
    fn malformed_catalogs_name_the_file_and_line() {
        let err = Catalog::parse(
            "x:\n  domain: a\n  csv_dir: b\n  bogus: 1\n",
            Path::new("c.yaml"),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("catalog c.yaml: ") && msg.contains("bogus") && msg.contains("line"),
            "{msg}"
        );
        let err = Catalog::parse("x: [", Path::new("c.yaml")).unwrap_err();
        assert!(err.to_string().contains("c.yaml"));
    }

    /// Issue 19: names that would lead outside the roots they are joined to are refused.
    #[test]
    fn names_that_become_paths_are_plain_folder_names() {
        let entry = |key: &str, domain: &str, test: &str| {
            format!(
                "{key}:\n  domain: {domain}\n  csv_dir: data/x\n  train_subdir: a\n  \
                 train_attack_subdir: b\n  test_subdirs: [t1, {test:?}]\n"
            )
        };
        for (text, field, value) in [
            (entry("../up", "automotive", "t2"), "name", "../up"),
            (entry("x", "/abs", "t2"), "domain", "/abs"),
            (
                entry("x", "automotive", "../../out"),
                "test_subdirs[1]",
                "../../out",
            ),
            (entry("x", "automotive", ".."), "test_subdirs[1]", ".."),
            (entry("x", "automotive", ""), "test_subdirs[1]", ""),
        ] {
            let err = Catalog::parse(&text, Path::new("c.yaml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(field)
                    && err.contains(&format!("{value:?}"))
                    && err.contains("c.yaml"),
                "{field}: {err}"
            );
        }
        assert!(Catalog::parse(&entry("x", "automotive", "t2"), Path::new("c.yaml")).is_ok());
    }
}
