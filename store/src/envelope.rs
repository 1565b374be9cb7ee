//! The versioned envelope around every stored record: a magic byte, the record kind, the schema
//! version, then the record in bincode. Reading checks all three; a record of an older version goes
//! through [`upgrade`]; one of a newer version is refused with a clear message instead of being
//! misread.
//!
//! Bump [`SCHEMA_VERSION`] when a record's layout changes, and teach [`upgrade`] the old layout.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The current schema version of every record kind.
pub const SCHEMA_VERSION: u16 = 2;
const MAGIC: u8 = 0xCD;

/// Record kinds, one byte each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[expect(missing_docs, reason = "one per record type")]
pub enum Kind {
    Dataset = 1,
    Sweep = 2,
    Run = 3,
    Attempt = 4,
    Event = 5,
    Metric = 6,
    Outbox = 7,
    Benchmark = 8,
    TrackedRun = 9,
    MetricMarks = 10,
    Follow = 11,
    SetAside = 12,
}

/// Encodes a record of `kind` at the current version.
pub fn encode<T: Serialize>(kind: Kind, record: &T) -> Vec<u8> {
    let mut out = vec![MAGIC, kind as u8];
    out.extend_from_slice(&SCHEMA_VERSION.to_le_bytes());
    // Our records are plain structs of strings, numbers and options: bincode cannot fail on them.
    let body =
        bincode::serde::encode_to_vec(record, bincode::config::standard()).unwrap_or_default();
    out.extend_from_slice(&body);
    out
}

/// Decodes a record of `kind`, upgrading older versions.
pub fn decode<T: DeserializeOwned>(kind: Kind, bytes: &[u8]) -> Result<T, String> {
    let [magic, stored_kind, v0, v1, body @ ..] = bytes else {
        return Err("record too short".into());
    };
    if *magic != MAGIC || *stored_kind != kind as u8 {
        return Err(format!("not a {kind:?} record"));
    }
    let version = u16::from_le_bytes([*v0, *v1]);
    if version > SCHEMA_VERSION {
        return Err(format!(
            "written by a newer kdgat (schema version {version}, this one reads up to {SCHEMA_VERSION})"
        ));
    }
    let body = upgrade(kind, version, body)?;
    let (record, used) = bincode::serde::decode_from_slice(&body, bincode::config::standard())
        .map_err(|e| e.to_string())?;
    if used != body.len() {
        return Err(format!("{} trailing bytes", body.len() - used));
    }
    Ok(record)
}

/// Brings an older record body to the current layout.
///
/// Version 2 changed the sweep and attempt layouts (plan and state; job name, directory, node),
/// which version 1 never wrote (it had no orchestrator), and added run statuses at the end of their
/// enum: every version-1 record that exists reads as it is.
fn upgrade(kind: Kind, version: u16, body: &[u8]) -> Result<Vec<u8>, String> {
    match (version, kind) {
        (SCHEMA_VERSION, _) => Ok(body.to_vec()),
        (1, k) if !matches!(k, Kind::Sweep | Kind::Attempt) => Ok(body.to_vec()),
        (old, _) => Err(format!(
            "no upgrade from schema version {old} for {kind:?} records"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{RunRecord, RunStatus};

    fn run() -> RunRecord {
        RunRecord {
            run_id: "hcrl_sa/teacher_curriculum".into(),
            dataset: "hcrl_sa".into(),
            model_size: "teacher".into(),
            stage: "curriculum".into(),
            use_kd: false,
            status: RunStatus::Running,
            teacher_run: None,
            started_at: Some("2026-11-27T00:00:00Z".into()),
            completed_at: None,
            mlflow_run_id: None,
            config_json: Some("{}".into()),
            sweep_id: None,
        }
    }

    #[test]
    fn round_trip_and_every_kind_of_damage_is_refused() {
        let bytes = encode(Kind::Run, &run());
        assert_eq!(decode::<RunRecord>(Kind::Run, &bytes).unwrap(), run());
        assert!(
            decode::<RunRecord>(Kind::Attempt, &bytes)
                .unwrap_err()
                .contains("not a Attempt record")
        );
        let mut newer = bytes.clone();
        newer[2..4].copy_from_slice(&(SCHEMA_VERSION + 1).to_le_bytes());
        assert!(
            decode::<RunRecord>(Kind::Run, &newer)
                .unwrap_err()
                .contains("newer kdgat")
        );
        let mut v1 = bytes.clone();
        v1[2..4].copy_from_slice(&1u16.to_le_bytes());
        assert_eq!(
            decode::<RunRecord>(Kind::Run, &v1).unwrap(),
            run(),
            "v1 runs read as they are"
        );
        let mut older = bytes.clone();
        older[2..4].copy_from_slice(&0u16.to_le_bytes());
        assert!(
            decode::<RunRecord>(Kind::Run, &older)
                .unwrap_err()
                .contains("no upgrade from schema version 0")
        );
        for len in 0..bytes.len() {
            assert!(
                decode::<RunRecord>(Kind::Run, &bytes[..len]).is_err(),
                "truncated to {len}"
            );
        }
    }
}
