//! The kdgat state store: sweeps, runs, attempts, the event log and the MLflow outbox in sled, with a
//! SQLite export compatible with the reference's `project.db` and its analytics.
