//! The daemon's serving loop: binds the socket (mode 0600), starts the supervisor tree — which takes
//! up the sweeps a previous daemon left active — fans its progress out to followers, and answers
//! each connection's request until told to stop (a `stop` request, or the future the caller passes:
//! SIGTERM, say). Stopping closes the socket, writes the export and delivers what MLflow takes;
//! batch jobs keep running, and the next daemon picks them up from the store.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kdgat_store::Store;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::{Notify, broadcast};

use super::protocol::{DaemonInfo, MAX_REQUEST_BYTES, Reply, Request};
use super::{DaemonError, DaemonLock, DaemonPaths};
use crate::machine::Outcome;
use crate::tree::{Progress, Session, SessionConfig, SessionHandle, active_sweeps, recorded};

/// Progress reports a slow follower may fall behind by before it skips some.
const PROGRESS_BACKLOG: usize = 1 << 14;

/// How long a `cancel` request waits for the batch jobs to end before it answers anyway.
const CANCEL_WAIT: Duration = Duration::from_secs(600);

/// Serves `state_dir` — which `_lock` proves this process holds — until `stop` completes or a
/// client asks it to; returns the tracking operations still queued.
pub async fn serve(
    _lock: &DaemonLock,
    config: SessionConfig,
    info: DaemonInfo,
    stop: impl Future<Output = ()>,
) -> Result<usize, DaemonError> {
    let paths = DaemonPaths::of(&info.state_dir);
    let listener = bind(&paths.socket)?;
    let store = config.store.clone();
    let mut session = Session::start(config)
        .await
        .map_err(|e| DaemonError::Start(e.to_string()))?;
    let (events, _) = broadcast::channel(PROGRESS_BACKLOG);
    let mut progress = session.take_progress();
    let scheduler_problem = Arc::new(std::sync::Mutex::new(None));
    let forward = {
        let (events, problem) = (events.clone(), scheduler_problem.clone());
        tokio::spawn(async move {
            while let Some(report) = progress.recv().await {
                log(&report);
                if let Progress::Scheduler { reachable, detail } = &report {
                    let since = format!(
                        "since {}: {detail}",
                        kdgat_jobs::timestamp::utc_now_iso8601()
                    );
                    *problem.lock().unwrap_or_else(|e| e.into_inner()) =
                        (!reachable).then_some(since);
                }
                let _ = events.send(report);
            }
        })
    };
    let daemon = Arc::new(Daemon {
        session: session.handle(),
        events,
        scheduler_problem,
        store,
        info,
        stopping: Notify::new(),
    });
    tracing::info!(
        "serving state directory {} on {} (pid {}, {} scheduler)",
        daemon.info.state_dir.display(),
        paths.socket.display(),
        daemon.info.pid,
        daemon.info.scheduler
    );
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let daemon = daemon.clone();
                    tokio::spawn(async move {
                        if let Err(e) = answer(&daemon, stream).await {
                            tracing::debug!("a client went away: {e}");
                        }
                    });
                }
                Err(e) => tracing::warn!("accepting a connection on the socket failed: {e}"),
            },
            () = &mut stop => break,
            () = daemon.stopping.notified() => break,
        }
    }
    drop(listener);
    let _ = std::fs::remove_file(&paths.socket);
    tracing::info!("stopping: writing the export and delivering tracking data");
    let pending = session.shutdown().await;
    forward.abort();
    Ok(pending)
}

/// The daemon log's account of a sweep: sweeps taken and ended, runs that failed.
fn log(report: &Progress) {
    match report {
        Progress::Planned { sweep, runs } => tracing::info!("sweep {sweep}: {} runs", runs.len()),
        Progress::Ended {
            run,
            outcome: Outcome::Failed(why),
            ..
        } => tracing::warn!("run {run} failed: {why}"),
        Progress::SweepEnded { sweep, outcomes } => {
            tracing::info!("sweep {sweep} {}", crate::tree::sweep_state(outcomes));
        }
        Progress::Phase { run, what, detail } => tracing::debug!("run {run}: {what} {detail}"),
        Progress::Scheduler {
            reachable: false,
            detail,
        } => tracing::warn!("the scheduler does not answer; runs wait: {detail}"),
        Progress::Scheduler { detail, .. } => {
            tracing::info!("the scheduler answers again, {detail}")
        }
        Progress::Epoch { .. } | Progress::Ended { .. } => {}
    }
}

/// What every connection shares.
struct Daemon {
    session: SessionHandle,
    events: broadcast::Sender<Progress>,
    /// Why the scheduler does not answer, while it does not.
    scheduler_problem: Arc<std::sync::Mutex<Option<String>>>,
    store: Arc<Store>,
    info: DaemonInfo,
    stopping: Notify,
}

/// Binds the socket readable and writable by its owner only: it is bound inside a fresh directory
/// only the owner can enter, made 0600 there, then moved into place, so it is never reachable with
/// wider permissions. Any socket already in place is a dead daemon's: this process holds the lock.
fn bind(path: &Path) -> Result<UnixListener, DaemonError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    // sun_path is 108 bytes on Linux, with its terminating NUL.
    const MAX: usize = 107;
    let private = path.with_extension(format!("binding-{}", std::process::id()));
    let staged = private.join("s");
    let len = path.as_os_str().len().max(staged.as_os_str().len());
    if len > MAX {
        return Err(DaemonError::SocketPathTooLong {
            path: path.to_path_buf(),
            len,
            max: MAX,
        });
    }
    let _ = std::fs::remove_dir_all(&private);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&private)
        .map_err(DaemonError::io(&private))?;
    let bound = std::os::unix::net::UnixListener::bind(&staged)
        .and_then(|listener| {
            std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))?;
            std::fs::rename(&staged, path)?;
            listener.set_nonblocking(true)?;
            Ok(listener)
        })
        .map_err(DaemonError::io(path));
    let _ = std::fs::remove_dir_all(&private);
    UnixListener::from_std(bound?).map_err(DaemonError::io(path))
}

/// Reads one request and answers it.
async fn answer(daemon: &Daemon, stream: tokio::net::UnixStream) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_REQUEST_BYTES as u64))
        .read_line(&mut line)
        .await?;
    let request = match serde_json::from_str::<Request>(&line) {
        Ok(request) => request,
        Err(e) => {
            let why = format!("the request could not be read: {e}");
            return send(&mut write, &Reply::Refused { why }).await;
        }
    };
    let reply = match request {
        Request::Hello => Reply::Hello(hello(daemon).await),
        Request::Submit { submission } => {
            let sweep = submission.plan.request.name.clone();
            let runs = submission.plan.runs.len();
            match daemon.session.submit(*submission).await {
                Ok(()) => Reply::Done {
                    message: format!("sweep {sweep} accepted: {runs} runs"),
                },
                Err(why) => Reply::Refused { why },
            }
        }
        Request::Follow { sweep } => return follow(daemon, &sweep, &mut write).await,
        Request::Cancel { target } => cancel(daemon, &target).await,
        Request::Export => match daemon.session.export().await {
            Ok(()) => Reply::Done {
                message: "exported".into(),
            },
            Err(why) => Reply::Refused { why },
        },
        Request::Stop => {
            daemon.stopping.notify_one();
            Reply::Done {
                message: format!("daemon {} stopping", daemon.info.pid),
            }
        }
    };
    send(&mut write, &reply).await
}

async fn send(write: &mut OwnedWriteHalf, reply: &Reply) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(reply).map_err(std::io::Error::other)?;
    line.push(b'\n');
    write.write_all(&line).await
}

async fn hello(daemon: &Daemon) -> DaemonInfo {
    let store = daemon.store.clone();
    let active = tokio::task::spawn_blocking(move || active_sweeps(&store))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    DaemonInfo {
        active_sweeps: active.into_iter().map(|(sweep, _)| sweep).collect(),
        scheduler_problem: daemon
            .scheduler_problem
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone(),
        ..daemon.info.clone()
    }
}

/// The store's view of `sweep`, read off the async threads.
async fn lookup(
    daemon: &Daemon,
    sweep: &str,
) -> Result<Option<crate::tree::RecordedSweep>, String> {
    let store = daemon.store.clone();
    let sweep = sweep.to_string();
    tokio::task::spawn_blocking(move || recorded(&store, &sweep))
        .await
        .map_err(|e| e.to_string())?
}

/// Streams `sweep`'s progress: first its plan and the runs already over, then every report until
/// it ends.
async fn follow(daemon: &Daemon, sweep: &str, write: &mut OwnedWriteHalf) -> std::io::Result<()> {
    // Subscribed before the store is read: nothing that happens in between is missed.
    let mut events = daemon.events.subscribe();
    let found = match lookup(daemon, sweep).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            let why = format!("no sweep `{sweep}` (`kdgat status` lists them)");
            return send(write, &Reply::Refused { why }).await;
        }
        Err(why) => return send(write, &Reply::Refused { why }).await,
    };
    let plan = &found.submission.plan;
    let planned = Progress::Planned {
        sweep: sweep.to_string(),
        runs: plan
            .runs
            .iter()
            .map(|r| {
                let runs = found
                    .submission
                    .decisions
                    .get(&r.run_id)
                    .is_none_or(|d| d.runs());
                (r.run_id.clone(), runs)
            })
            .collect(),
    };
    send(write, &Reply::Progress { progress: planned }).await?;
    if !found.active {
        let outcomes = plan
            .runs
            .iter()
            .map(|r| {
                let outcome = found
                    .ended
                    .iter()
                    .find(|(run, _)| *run == r.run_id)
                    .map_or(Outcome::Failed("did not end".into()), |(_, o)| o.clone());
                (r.run_id.clone(), outcome)
            })
            .collect();
        let progress = Progress::SweepEnded {
            sweep: sweep.to_string(),
            outcomes,
        };
        return send(write, &Reply::Progress { progress }).await;
    }
    for (run, outcome) in found.ended {
        let progress = Progress::Ended {
            run,
            outcome,
            skipped: false,
        };
        send(write, &Reply::Progress { progress }).await?;
    }
    let runs: BTreeSet<&str> = plan.runs.iter().map(|r| r.run_id.as_str()).collect();
    loop {
        let report = match events.recv().await {
            Ok(report) => report,
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!("a follower of sweep {sweep} fell behind: {missed} reports skipped");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => {
                let why = "the daemon stopped; the sweep goes on when a daemon starts again".into();
                return send(write, &Reply::Refused { why }).await;
            }
        };
        let ends = matches!(&report, Progress::SweepEnded { sweep: s, .. } if s == sweep);
        if concerns(&report, sweep, &runs) {
            send(write, &Reply::Progress { progress: report }).await?;
        }
        if ends {
            return Ok(());
        }
    }
}

/// Whether `report` is about `sweep` (or one of its runs, or the scheduler they wait for).
fn concerns(report: &Progress, sweep: &str, runs: &BTreeSet<&str>) -> bool {
    match report {
        Progress::Planned { sweep: s, .. } | Progress::SweepEnded { sweep: s, .. } => s == sweep,
        Progress::Phase { run, .. } | Progress::Epoch { run, .. } | Progress::Ended { run, .. } => {
            runs.contains(run.as_str())
        }
        Progress::Scheduler { .. } => true,
    }
}

/// Cancels an active sweep, or an unfinished run of one, and waits for its batch jobs to end.
async fn cancel(daemon: &Daemon, target: &str) -> Reply {
    let mut events = daemon.events.subscribe();
    let store = daemon.store.clone();
    let active = match tokio::task::spawn_blocking(move || active_sweeps(&store)).await {
        Ok(Ok(active)) => active,
        Ok(Err(e)) => return refused(e.to_string()),
        Err(e) => return refused(e.to_string()),
    };
    if active.iter().any(|(sweep, _)| sweep == target) {
        daemon.session.cancel(target);
        let ended = wait_for(&mut events, |report| match report {
            Progress::SweepEnded { sweep, outcomes } if sweep == target => Some(
                outcomes
                    .iter()
                    .filter(|(_, o)| *o == Outcome::Cancelled)
                    .count(),
            ),
            _ => None,
        })
        .await;
        return Reply::Done {
            message: match ended {
                Some(cancelled) => format!(
                    "sweep {target} cancelled: {cancelled} runs cancelled, their batch jobs ended"
                ),
                None => format!("sweep {target} is being cancelled (`kdgat status {target}`)"),
            },
        };
    }
    let owner = active
        .iter()
        .find(|(_, s)| s.plan.run(target).is_some())
        .map(|(sweep, _)| sweep.clone());
    let Some(sweep) = owner else {
        return refused(format!(
            "no active sweep or run `{target}` (`kdgat status` lists the sweeps and their runs)"
        ));
    };
    let already = lookup(daemon, &sweep)
        .await
        .ok()
        .flatten()
        .and_then(|s| s.ended.into_iter().find(|(run, _)| run == target));
    if let Some((_, outcome)) = already {
        return refused(format!("run {target} has ended already ({outcome:?})"));
    }
    daemon.session.cancel_run(&sweep, target);
    let ended = wait_for(&mut events, |report| match report {
        Progress::Ended { run, outcome, .. } if run == target => Some(outcome.clone()),
        _ => None,
    })
    .await;
    Reply::Done {
        message: match ended {
            Some(Outcome::Cancelled) => format!(
                "run {target} of sweep {sweep} cancelled, and the runs after it; its batch job ended"
            ),
            Some(outcome) => {
                format!("run {target} ended before it could be cancelled ({outcome:?})")
            }
            None => format!("run {target} is being cancelled (`kdgat status {target}`)"),
        },
    }
}

fn refused(why: String) -> Reply {
    Reply::Refused { why }
}

/// The first report `pick` takes, within [`CANCEL_WAIT`].
async fn wait_for<T>(
    events: &mut broadcast::Receiver<Progress>,
    pick: impl Fn(&Progress) -> Option<T>,
) -> Option<T> {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(report) => {
                    if let Some(found) = pick(&report) {
                        return Some(found);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    };
    tokio::time::timeout(CANCEL_WAIT, wait).await.ok().flatten()
}
