//! The Exporter actor: keeps the SQLite export (`project.db`) close behind the store. Changes are
//! debounced (one export per burst), exports never overlap, and the work runs off the async threads.
//! `Flush` exports now and replies once it is written (a sweep's end, a shutdown).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kdgat_store::{Store, export_sqlite};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use super::shared::blocking;

/// The Exporter actor.
pub struct ExporterActor;

/// Its arguments.
pub struct ExporterArgs {
    /// The store.
    pub store: Arc<Store>,
    /// Where the export goes.
    pub path: PathBuf,
    /// How long after a change to export (more changes meanwhile join it).
    pub debounce: Duration,
}

/// Its state.
pub struct ExporterState {
    args: ExporterArgs,
    scheduled: bool,
    exporting: bool,
    dirty: bool,
    waiting: Vec<RpcReplyPort<Result<(), String>>>,
}

/// Its messages.
pub enum ExporterMsg {
    /// The store changed.
    Changed,
    /// Export now; reply when written.
    Flush(RpcReplyPort<Result<(), String>>),
    /// The debounce elapsed.
    Due,
    /// An export ended.
    Exported(Result<(), String>),
}

impl Actor for ExporterActor {
    type Msg = ExporterMsg;
    type State = ExporterState;
    type Arguments = ExporterArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: ExporterArgs,
    ) -> Result<ExporterState, ActorProcessingErr> {
        Ok(ExporterState {
            args,
            scheduled: false,
            exporting: false,
            dirty: false,
            waiting: Vec::new(),
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: ExporterMsg,
        state: &mut ExporterState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            ExporterMsg::Changed => {
                state.dirty = true;
                if !state.scheduled {
                    state.scheduled = true;
                    myself.send_after(state.args.debounce, || ExporterMsg::Due);
                }
            }
            ExporterMsg::Flush(reply) => {
                state.dirty = true;
                state.waiting.push(reply);
                start_export(&myself, state);
            }
            ExporterMsg::Due => {
                state.scheduled = false;
                start_export(&myself, state);
            }
            ExporterMsg::Exported(result) => {
                state.exporting = false;
                if let Err(e) = &result {
                    tracing::warn!("SQLite export failed: {e}");
                }
                if state.dirty {
                    start_export(&myself, state);
                } else {
                    for reply in state.waiting.drain(..) {
                        let _ = reply.send(result.clone());
                    }
                }
            }
        }
        Ok(())
    }
}

fn start_export(myself: &ActorRef<ExporterMsg>, state: &mut ExporterState) {
    if state.exporting || !state.dirty {
        return;
    }
    state.exporting = true;
    state.dirty = false;
    let store = state.args.store.clone();
    let path = state.args.path.clone();
    let myself = myself.clone();
    tokio::spawn(async move {
        let result = blocking(move || export_sqlite(&store, &path))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        let _ = myself.cast(ExporterMsg::Exported(result));
    });
}
