//! `kdgat daemon start|stop|status`. `start` launches this binary again as `daemon start
//! --foreground` in its own process group, its output appended to `<state dir>/daemon.log`, and
//! returns once the daemon answers on its socket. `--foreground` is the daemon itself: it takes the
//! state directory's lock, checks the scheduler and the tracking server, and serves until `kdgat
//! daemon stop`, SIGTERM or SIGINT (SIGHUP is ignored: logging out does not stop it).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kdgat_actors::daemon::{self, DaemonClient, DaemonInfo, DaemonLock, DaemonPaths, Request};
use kdgat_jobs::timestamp::utc_now_iso8601;
use tokio::signal::unix::{SignalKind, signal};

use super::supervisor;
use crate::cli::{DaemonCommand, DaemonStartArgs, GlobalArgs};
use crate::error::UserError;
use crate::output::outln;

/// How long `start` waits for the new daemon to answer (its scheduler and tracking checks included).
const START_WAIT: Duration = Duration::from_secs(120);

/// How long `stop` waits for the daemon to write its export and deliver tracking data.
const STOP_WAIT: Duration = Duration::from_secs(900);

/// Runs a `daemon` subcommand.
pub fn run(global: &GlobalArgs, command: DaemonCommand) -> anyhow::Result<()> {
    match command {
        DaemonCommand::Start(args) if args.foreground => foreground(global, &args),
        DaemonCommand::Start(args) => start(global, &args),
        DaemonCommand::Stop => stop(global),
        DaemonCommand::Status { json } => status(global, json),
    }
}

/// Starts the daemon in the background and waits until it answers.
fn start(global: &GlobalArgs, args: &DaemonStartArgs) -> anyhow::Result<()> {
    if let Some((_, info)) = connect(&global.state_dir)? {
        return Err(UserError::from(daemon::DaemonError::AlreadyRunning {
            state_dir: info.state_dir,
            pid: info.pid.to_string(),
        })
        .into());
    }
    let state_dir = std::path::absolute(&global.state_dir)?;
    std::fs::create_dir_all(&state_dir)?;
    let paths = DaemonPaths::of(&state_dir);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&paths.log)?;
    let mut command = Command::new(std::env::current_exe()?);
    command.arg("--state-dir").arg(&state_dir);
    for _ in 0..global.verbose {
        command.arg("-v");
    }
    command.args(["daemon", "start", "--foreground"]);
    if let Some(file) = &args.cluster_config {
        command
            .arg("--cluster-config")
            .arg(std::path::absolute(file)?);
    }
    let mut child = {
        use std::os::unix::process::CommandExt;
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()?
    };
    let started = Instant::now();
    while started.elapsed() < START_WAIT {
        if let Some((_, info)) = connect(&state_dir)? {
            outln!(
                "daemon started: pid {}, {} scheduler, tracking {}",
                info.pid,
                info.scheduler,
                info.tracking.as_deref().unwrap_or("off")
            )?;
            outln!(
                "  socket {}  log {}",
                paths.socket.display(),
                info.log.display()
            )?;
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!(
                "the daemon stopped as it started ({status}); its log {} ends:\n{}",
                paths.log.display(),
                tail(&paths.log, 20)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    anyhow::bail!(
        "the daemon did not answer within {} s; see its log {}",
        START_WAIT.as_secs(),
        paths.log.display()
    )
}

/// The daemon itself, in this process.
fn foreground(global: &GlobalArgs, args: &DaemonStartArgs) -> anyhow::Result<()> {
    let state_dir = std::path::absolute(&global.state_dir)?;
    let lock = DaemonLock::claim(&state_dir).map_err(UserError::from)?;
    let file = supervisor::settings_file(global, args.cluster_config.as_deref());
    let settings = supervisor::settings(file.as_deref())?;
    let scheduler = settings.scheduler.name().to_string();
    let config = supervisor::checked_config(global, settings, file.as_deref())?;
    let info = DaemonInfo {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        scheduler,
        tracking: config.tracking.as_ref().map(|t| t.uri.clone()),
        started_at: utc_now_iso8601(),
        active_sweeps: Vec::new(),
        log: DaemonPaths::of(&state_dir).log,
        state_dir,
        scheduler_problem: None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let pending = runtime.block_on(async {
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        // Held, never read: a hangup (the terminal that started it closing) must not stop it.
        let _hangup = signal(SignalKind::hangup())?;
        let stop = async {
            tokio::select! {
                _ = terminate.recv() => tracing::info!("SIGTERM"),
                _ = interrupt.recv() => tracing::info!("SIGINT"),
            }
        };
        anyhow::Ok(daemon::serve(&lock, config, info, stop).await?)
    })?;
    if pending > 0 {
        tracing::warn!(
            "{pending} tracking operations stay queued: the next daemon or `kdgat mlflow sync` delivers them"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

/// Asks the daemon to stop and waits until it has.
fn stop(global: &GlobalArgs) -> anyhow::Result<()> {
    let Some((daemon, info)) = connect(&global.state_dir)? else {
        outln!(
            "no daemon runs for state directory {}",
            global.state_dir.display()
        )?;
        return Ok(());
    };
    daemon.request(&Request::Stop).map_err(UserError::from)?;
    let asked = Instant::now();
    while asked.elapsed() < STOP_WAIT {
        match DaemonLock::claim(&info.state_dir) {
            Ok(_released) => {
                outln!("daemon {} stopped", info.pid)?;
                return Ok(());
            }
            Err(daemon::DaemonError::AlreadyRunning { .. }) => {
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => return Err(UserError::from(e).into()),
        }
    }
    anyhow::bail!(
        "daemon {} is still stopping after {} s; see its log {}",
        info.pid,
        STOP_WAIT.as_secs(),
        info.log.display()
    )
}

fn status(global: &GlobalArgs, json: bool) -> anyhow::Result<()> {
    let Some((_, info)) = connect(&global.state_dir)? else {
        return Err(UserError::NoDaemon {
            state_dir: global.state_dir.clone(),
        }
        .into());
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&info)?)?;
        return Ok(());
    }
    outln!(
        "daemon pid {} (kdgat {}), running since {}",
        info.pid,
        info.version,
        info.started_at
    )?;
    outln!("  state directory  {}", info.state_dir.display())?;
    outln!("  scheduler        {}", info.scheduler)?;
    outln!(
        "  tracking         {}",
        info.tracking.as_deref().unwrap_or("off")
    )?;
    outln!("  log              {}", info.log.display())?;
    let active = if info.active_sweeps.is_empty() {
        "none".to_string()
    } else {
        info.active_sweeps.join(", ")
    };
    outln!("  active sweeps    {active}")?;
    Ok(())
}

/// The daemon of `state_dir`, if one answers.
pub fn connect(state_dir: &Path) -> Result<Option<(DaemonClient, DaemonInfo)>, UserError> {
    Ok(DaemonClient::connect(state_dir)?)
}

/// The last `lines` lines of a file, for an error message.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
