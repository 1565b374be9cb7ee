//! The Tracking actor: drives the existing exactly-once outbox drain (`kdgat_tracking::Drainer`)
//! when MLflow is configured. It drains on every nudge and on a timer; drains never overlap; a
//! server that does not answer leaves everything queued for the next one. `Flush` drains until the
//! queue is empty or a drain fails (the server does not answer, or refuses), and replies with what
//! is left: a shutdown never waits for a server that is down.

use std::sync::Arc;
use std::time::Duration;

use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::Store;
use kdgat_tracking::{Drainer, MlflowClient, TrackingConfig};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use super::shared::blocking;

/// The Tracking actor.
pub struct TrackingActor;

/// Its arguments.
pub struct TrackingArgs {
    /// The store and its outbox.
    pub store: Arc<Store>,
    /// The server.
    pub config: TrackingConfig,
    /// Time between drains when nothing nudges.
    pub every: Duration,
}

/// Its state.
pub struct TrackingState {
    store: Arc<Store>,
    client: Arc<MlflowClient>,
    experiment: String,
    draining: bool,
    again: bool,
    waiting: Vec<RpcReplyPort<usize>>,
}

/// Its messages.
pub enum TrackingMsg {
    /// Something was queued.
    Drain,
    /// Drain, then reply with the operations still queued.
    Flush(RpcReplyPort<usize>),
    /// A drain ended, with the operations still queued and whether it failed.
    Drained {
        /// Operations still queued.
        pending: usize,
        /// Whether the drain stopped on an error (nothing more can be delivered now).
        failed: bool,
    },
}

impl Actor for TrackingActor {
    type Msg = TrackingMsg;
    type State = TrackingState;
    type Arguments = TrackingArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: TrackingArgs,
    ) -> Result<TrackingState, ActorProcessingErr> {
        let client = MlflowClient::new(&args.config)?;
        myself.send_interval(args.every, || TrackingMsg::Drain);
        Ok(TrackingState {
            store: args.store,
            client: Arc::new(client),
            experiment: args.config.experiment,
            draining: false,
            again: false,
            waiting: Vec::new(),
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: TrackingMsg,
        state: &mut TrackingState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            TrackingMsg::Drain => start_drain(&myself, state),
            TrackingMsg::Flush(reply) => {
                state.waiting.push(reply);
                start_drain(&myself, state);
            }
            TrackingMsg::Drained { pending, failed } => {
                state.draining = false;
                // A failed drain answers a flush at once: the next would wait on the server.
                let flushing = !state.waiting.is_empty();
                if state.again && !(failed && flushing) {
                    start_drain(&myself, state);
                } else {
                    for reply in state.waiting.drain(..) {
                        let _ = reply.send(pending);
                    }
                }
            }
        }
        Ok(())
    }
}

fn start_drain(myself: &ActorRef<TrackingMsg>, state: &mut TrackingState) {
    if state.draining {
        state.again = true;
        return;
    }
    state.draining = true;
    state.again = false;
    let (store, client) = (state.store.clone(), state.client.clone());
    let experiment = state.experiment.clone();
    let handle = tokio::runtime::Handle::current();
    let myself = myself.clone();
    tokio::spawn(async move {
        let (pending, failed) = blocking(move || {
            let mut drainer = Drainer::new(&client, &store, &experiment, utc_now_iso8601);
            let result = handle.block_on(drainer.drain());
            if let Err(e) = &result {
                tracing::warn!("MLflow delivery paused, operations stay queued: {e}");
            }
            (store.outbox().map_or(0, |o| o.len()), result.is_err())
        })
        .await
        .unwrap_or((0, true));
        let _ = myself.cast(TrackingMsg::Drained { pending, failed });
    });
}
