//! The Exporter actor: keeps the SQLite export (`project.db`) close behind the store. Changes are
//! debounced (one export per burst; under changes that never stop, a pause four times as long as
//! the last export between exports), exports never overlap, and the work runs off the async threads.
//! `Flush` replies once the export has everything the store has (a sweep's end, a shutdown, a
//! `kdgat status` through the daemon): at once when nothing changed since the last export, else
//! after an export made now (or the one in progress and, if changes came meanwhile, the next).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// The export on disk has everything the store had at the last change.
    current: bool,
    /// When the export in progress (or the last one) started.
    export_started: Instant,
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
            current: false,
            export_started: Instant::now(),
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
                state.current = false;
                if !state.scheduled {
                    state.scheduled = true;
                    myself.send_after(state.args.debounce, || ExporterMsg::Due);
                }
            }
            // Nothing changed since the last export: it is current already.
            ExporterMsg::Flush(reply) if state.current && !state.exporting => {
                let _ = reply.send(Ok(()));
            }
            ExporterMsg::Flush(reply) => {
                state.waiting.push(reply);
                if !state.exporting {
                    state.dirty = true;
                    start_export(&myself, state);
                }
            }
            ExporterMsg::Due => {
                state.scheduled = false;
                start_export(&myself, state);
            }
            ExporterMsg::Exported(result) => {
                state.exporting = false;
                state.current = result.is_ok() && !state.dirty;
                if let Err(e) = &result {
                    tracing::warn!("SQLite export failed: {e}");
                }
                if state.dirty && !state.waiting.is_empty() {
                    start_export(&myself, state);
                } else if state.dirty {
                    // Changes keep coming (a large sweep): export again after a pause four times
                    // as long as this export took, so exporting holds at most a fifth of a core.
                    let pause = state.args.debounce.max(state.export_started.elapsed() * 4);
                    if !state.scheduled {
                        state.scheduled = true;
                        myself.send_after(pause, || ExporterMsg::Due);
                    }
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
    state.export_started = Instant::now();
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn flush(exporter: &ActorRef<ExporterMsg>) {
        ractor::call_t!(exporter, ExporterMsg::Flush, 30_000)
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn a_flush_exports_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("project.db");
        let args = ExporterArgs {
            store: Arc::new(Store::open(&dir.path().join("store")).unwrap()),
            path: path.clone(),
            debounce: Duration::from_secs(3600),
        };
        let (exporter, _) = Actor::spawn(None, ExporterActor, args).await.unwrap();
        flush(&exporter).await;
        let written = std::fs::metadata(&path).unwrap().modified().unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        flush(&exporter).await;
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            written,
            "nothing changed: no new export"
        );
        exporter.cast(ExporterMsg::Changed).unwrap();
        flush(&exporter).await;
        assert!(
            std::fs::metadata(&path).unwrap().modified().unwrap() > written,
            "a change: exported again, without waiting for the debounce"
        );
    }
}
