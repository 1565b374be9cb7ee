//! `metrics.json` in the reference's layout, read in one place:
//!
//! ```json
//! {"gat": {"core": {"f1": 0.99, …}, "additional": {…, "detection_at_fpr": {…}}},
//!  "vgae": {…}, "fusion": {…},
//!  "test": {"gat": {"test_01_known_vehicle_known_attack": {"core": {…}, "additional": {…}}}, …}}
//! ```
//!
//! A top-level model is scored on validation (scenario `val`); the `test` subtree gives
//! `(model, scenario)`. Only the numeric leaves of `core` and `additional` are metrics (booleans as
//! 0/1); nested objects (`detection_at_fpr`) and other sections (curves) are not. A name in both
//! sections takes the later section's value, as the reference's project database does.
//! What each consumer keeps is its own choice: the project database all of them, MLflow the
//! validation `core` and every test metric (REFERENCE.md §7-8).

use std::path::Path;

use serde_json::Value;

/// The section of a model's metrics a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricSection {
    /// `core`: accuracy, precision, recall, f1, auc, …
    Core,
    /// `additional`: kappa, mcc, detection rates, …
    Additional,
}

/// One metric value.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricEntry {
    /// `gat`, `vgae` or `fusion`.
    pub model: String,
    /// `val`, or a test scenario.
    pub scenario: String,
    /// Its section.
    pub section: MetricSection,
    /// The metric's name.
    pub name: String,
    /// Its value.
    pub value: f64,
}

/// The metrics of a parsed `metrics.json`.
pub fn metric_entries(metrics: &Value) -> Vec<MetricEntry> {
    let mut entries: Vec<MetricEntry> = Vec::new();
    let mut add = |model: &str, scenario: &str, sections: &Value| {
        for (section, name) in [
            (MetricSection::Core, "core"),
            (MetricSection::Additional, "additional"),
        ] {
            let values = sections.get(name).and_then(Value::as_object);
            for (metric, value) in values.into_iter().flatten() {
                let value = match value {
                    Value::Number(n) => n.as_f64(),
                    Value::Bool(b) => Some(f64::from(u8::from(*b))),
                    _ => None,
                };
                let Some(value) = value else { continue };
                entries
                    .retain(|e| !(e.model == model && e.scenario == scenario && e.name == *metric));
                entries.push(MetricEntry {
                    model: model.to_string(),
                    scenario: scenario.to_string(),
                    section,
                    name: metric.clone(),
                    value,
                });
            }
        }
    };
    for (model, body) in metrics.as_object().into_iter().flatten() {
        if model == "test" {
            for (sub_model, scenarios) in body.as_object().into_iter().flatten() {
                for (scenario, sections) in scenarios.as_object().into_iter().flatten() {
                    add(sub_model, scenario, sections);
                }
            }
        } else {
            add(model, "val", body);
        }
    }
    entries
}

/// Reads `metrics.json` at `path`; the error names the file.
pub fn read_metrics(path: &Path) -> Result<(Value, Vec<MetricEntry>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let entries = metric_entries(&value);
    Ok((value, entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_walk_of_the_reference_layout() {
        let doc = json!({
            "gat": {"core": {"f1": 0.99, "n": 10}, "additional": {"kappa": 0.9, "f1": 0.98,
                    "detection_at_fpr": {"0.05": 1.0}}, "curves": {"roc": [1, 2]}},
            "test": {"gat": {"test_01": {"core": {"f1": 0.5, "ok": true},
                                          "additional": {"mcc": 0.4}}}}
        });
        let got: Vec<(String, String, MetricSection, String, f64)> = metric_entries(&doc)
            .into_iter()
            .map(|e| (e.model, e.scenario, e.section, e.name, e.value))
            .collect();
        let want = [
            ("gat", "val", MetricSection::Core, "n", 10.0),
            ("gat", "val", MetricSection::Additional, "kappa", 0.9),
            ("gat", "val", MetricSection::Additional, "f1", 0.98),
            ("gat", "test_01", MetricSection::Core, "f1", 0.5),
            ("gat", "test_01", MetricSection::Core, "ok", 1.0),
            ("gat", "test_01", MetricSection::Additional, "mcc", 0.4),
        ]
        .map(|(m, s, sec, n, v)| (m.to_string(), s.to_string(), sec, n.to_string(), v));
        assert_eq!(got, want);
        assert!(metric_entries(&json!([1, 2])).is_empty());
    }
}
