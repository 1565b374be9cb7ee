use super::*;

#[test]
fn the_schema_keeps_the_reference_tables_column_for_column() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(SCHEMA_SQL).unwrap();
    let columns = |table: &str| -> Vec<String> {
        let mut stmt = conn
            .prepare(&format!("PRAGMA table_info({table})"))
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(1))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        columns("datasets"),
        [
            "name",
            "domain",
            "protocol",
            "source",
            "description",
            "num_files",
            "num_samples",
            "num_graphs",
            "num_unique_ids",
            "attack_types",
            "added_by",
            "added_date",
            "cache_valid",
            "parquet_path"
        ]
    );
    assert_eq!(
        columns("runs"),
        [
            "run_id",
            "dataset",
            "model_size",
            "stage",
            "use_kd",
            "status",
            "teacher_run",
            "started_at",
            "completed_at",
            "mlflow_run_id",
            "config_json"
        ]
    );
    assert_eq!(
        columns("metrics"),
        ["run_id", "model", "scenario", "metric_name", "value"]
    );
}
