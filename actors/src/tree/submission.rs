//! A sweep as the store keeps it: its plan and each run's plan-time decision in the sweep record
//! (so the tree can be rebuilt from the store alone), its runs recorded `pending` with the reason
//! each will run or is up to date — all written in one commit before any actor acts on them.

use std::collections::BTreeMap;

use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::{Change, NewEvent, RunStatus, Store, StoreError, SweepRecord};
use kdgat_tracking::reference::sweep_start;
use serde::{Deserialize, Serialize};

use super::run_book::{new_record, queue};
use crate::machine::Outcome;
use crate::plan::{Freshness, Plan};

/// A planned sweep, ready to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSubmission {
    /// The plan.
    pub plan: Plan,
    /// Each run's decision (up to date, or why it runs).
    pub decisions: BTreeMap<String, Freshness>,
    /// The command line that made it.
    pub description: String,
}

/// Records a new sweep and its runs; refuses one whose runs another active sweep still has.
pub fn record(store: &Store, s: &SweepSubmission, tracking: bool) -> Result<(), String> {
    let sweep = &s.plan.request.name;
    if store.sweep(sweep).map_err(|e| e.to_string())?.is_some() {
        return Err(format!(
            "a sweep named `{sweep}` exists already: choose another --name"
        ));
    }
    for (other, theirs) in active_sweeps(store).map_err(|e| e.to_string())? {
        for run in &s.plan.runs {
            let theirs = theirs.plan.run(&run.run_id).is_some();
            let live = store
                .run(&run.run_id)
                .map_err(|e| e.to_string())?
                .is_some_and(|r| !r.status.is_final());
            if theirs && live {
                return Err(format!(
                    "run {} belongs to sweep `{other}`, which is still active",
                    run.run_id
                ));
            }
        }
    }
    let plan_json = serde_json::to_string(s).map_err(|e| e.to_string())?;
    let now = utc_now_iso8601();
    let mut change = Change {
        sweeps: vec![SweepRecord {
            sweep_id: sweep.clone(),
            created_at: now.clone(),
            description: s.description.clone(),
            plan_json,
            state: "active".into(),
            ended_at: None,
        }],
        ..Change::default()
    };
    for run in &s.plan.runs {
        change.runs.push(new_record(sweep, run));
        let why = match s.decisions.get(&run.run_id) {
            Some(Freshness::UpToDate) => "up to date".to_string(),
            Some(Freshness::Run { why, .. }) => why.clone(),
            None => String::new(),
        };
        change.events.push((
            run.run_id.clone(),
            NewEvent {
                at: now.clone(),
                kind: "planned".into(),
                payload: serde_json::json!({ "sweep": sweep, "why": why }).to_string(),
            },
        ));
    }
    if tracking {
        queue(
            &mut change,
            vec![sweep_start(sweep, kdgat_jobs::run_dir::now_ms())],
        );
    }
    store.commit(&change).map_err(|e| e.to_string())
}

/// The sweeps a supervisor left active, by id.
pub fn active_sweeps(store: &Store) -> Result<Vec<(String, SweepSubmission)>, StoreError> {
    let mut active = Vec::new();
    for record in store.sweeps()? {
        if record.state != "active" {
            continue;
        }
        match serde_json::from_str::<SweepSubmission>(&record.plan_json) {
            Ok(s) => active.push((record.sweep_id, s)),
            Err(e) => tracing::error!(
                "sweep {} cannot be resumed: its stored plan is unreadable ({e})",
                record.sweep_id
            ),
        }
    }
    Ok(active)
}

/// A recorded sweep as the store has it now.
#[derive(Debug, Clone)]
pub struct RecordedSweep {
    /// Its plan and decisions.
    pub submission: SweepSubmission,
    /// Whether its runs are still being driven.
    pub active: bool,
    /// The runs of it that are over, with how they ended, in plan order.
    pub ended: Vec<(String, Outcome)>,
}

/// The sweep named `sweep`, if the store has it (`Err` with why if its plan cannot be read).
pub fn recorded(store: &Store, sweep: &str) -> Result<Option<RecordedSweep>, String> {
    let Some(record) = store.sweep(sweep).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let submission: SweepSubmission = serde_json::from_str(&record.plan_json)
        .map_err(|e| format!("sweep {sweep}'s stored plan is unreadable: {e}"))?;
    let mut ended = Vec::new();
    for run in &submission.plan.runs {
        let Some(run) = store.run(&run.run_id).map_err(|e| e.to_string())? else {
            continue;
        };
        if run.sweep_id.as_deref() != Some(sweep) {
            continue;
        }
        if let Some(outcome) = stored_outcome(run.status) {
            ended.push((run.run_id, outcome));
        }
    }
    Ok(Some(RecordedSweep {
        submission,
        active: record.state == "active",
        ended,
    }))
}

/// How a run the store holds in `status` ended; `None` while it has not.
pub fn stored_outcome(status: RunStatus) -> Option<Outcome> {
    match status {
        RunStatus::Complete => Some(Outcome::Complete),
        RunStatus::Failed => Some(Outcome::Failed("failed".into())),
        RunStatus::Cancelled => Some(Outcome::Cancelled),
        RunStatus::Running | RunStatus::Pending | RunStatus::Unknown => None,
    }
}

/// Marks a sweep failed for good (its actor could not be kept alive).
pub fn give_up(store: &Store, sweep: &str, why: &str) -> Result<(), StoreError> {
    let Some(mut record) = store.sweep(sweep)? else {
        return Ok(());
    };
    record.state = "failed".into();
    record.ended_at = Some(utc_now_iso8601());
    store.commit(&Change {
        sweeps: vec![record],
        events: vec![(
            kdgat_tracking::reference::sweep_key(sweep),
            NewEvent {
                at: utc_now_iso8601(),
                kind: "failed".into(),
                payload: serde_json::json!({ "detail": why }).to_string(),
            },
        )],
        ..Change::default()
    })
}
