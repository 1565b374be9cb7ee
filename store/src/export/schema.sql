-- The reference's project database (pipeline/db.py), column for column.
CREATE TABLE datasets (
    name TEXT PRIMARY KEY,
    domain TEXT NOT NULL,
    protocol TEXT,
    source TEXT,
    description TEXT,
    num_files INTEGER,
    num_samples INTEGER,
    num_graphs INTEGER,
    num_unique_ids INTEGER,
    attack_types TEXT,
    added_by TEXT,
    added_date TEXT,
    cache_valid INTEGER DEFAULT 0,
    parquet_path TEXT
);
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    dataset TEXT REFERENCES datasets(name),
    model_size TEXT,
    stage TEXT,
    use_kd INTEGER,
    status TEXT,
    teacher_run TEXT,
    started_at TEXT,
    completed_at TEXT,
    mlflow_run_id TEXT,
    config_json TEXT
);
CREATE TABLE metrics (
    run_id TEXT REFERENCES runs(run_id),
    model TEXT,
    scenario TEXT,
    metric_name TEXT,
    value REAL,
    PRIMARY KEY (run_id, model, scenario, metric_name)
);
-- kdgat's own tables.
CREATE TABLE sweeps (
    sweep_id TEXT PRIMARY KEY,
    created_at TEXT,
    description TEXT,
    state TEXT,
    ended_at TEXT
);
CREATE TABLE run_sweeps (
    run_id TEXT PRIMARY KEY REFERENCES runs(run_id),
    sweep_id TEXT REFERENCES sweeps(sweep_id)
);
CREATE TABLE attempts (
    run_id TEXT REFERENCES runs(run_id),
    attempt INTEGER,
    scheduler_job_id TEXT,
    state TEXT,
    exit TEXT,
    submitted_at TEXT,
    ended_at TEXT,
    elapsed_seconds REAL,
    gpus INTEGER,
    cpus INTEGER,
    job_name TEXT,
    attempt_dir TEXT,
    reason TEXT,
    node TEXT,
    started_at TEXT,
    decision TEXT,
    PRIMARY KEY (run_id, attempt)
);
-- Where each run's events.jsonl was last read: its latest epoch and metrics.
CREATE TABLE run_progress (
    run_id TEXT PRIMARY KEY REFERENCES runs(run_id),
    last_step INTEGER,
    last_metrics TEXT,
    last_event_ms INTEGER
);
CREATE TABLE events (
    run_id TEXT REFERENCES runs(run_id),
    seq INTEGER,
    at TEXT,
    kind TEXT,
    payload TEXT,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE benchmarks (
    run_id TEXT PRIMARY KEY REFERENCES runs(run_id),
    s REAL,
    "h:m:s" TEXT,
    max_rss REAL,
    max_vms REAL,
    max_uss REAL,
    max_pss REAL,
    io_in REAL,
    io_out REAL,
    mean_load REAL,
    cpu_time REAL
);
-- Each run's allocation over all its attempts, as the cluster bills it: elapsed (sacct's, where
-- the run went through SLURM) times the CPUs and GPUs allocated.
CREATE VIEW run_resources AS
    SELECT run_id,
           SUM(elapsed_seconds) / 3600.0 AS elapsed_hours,
           SUM(elapsed_seconds * gpus) / 3600.0 AS gpu_hours,
           SUM(elapsed_seconds * cpus) / 3600.0 AS cpu_hours
    FROM attempts GROUP BY run_id;
