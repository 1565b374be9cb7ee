//! `kdgat submit`: builds the sweep request from the command line and the sweep file, plans it,
//! and either prints the plan (`--dry-run`), hands it to the state directory's daemon when one runs
//! (following it with `--wait`), or — once the scheduler and the tracking server pass their checks
//! (`preflight`) — runs it to the end with the supervisor in this process, showing its progress.
//! Exit status 1 names the failed runs and their logs.

use std::path::{Path, PathBuf};

use kdgat_actors::daemon::{DaemonClient, DaemonInfo, Request};
use kdgat_actors::machine::Outcome;
use kdgat_actors::plan::{self, SweepFile, SweepRequest, check_name, dry_run, parse_sets};
use kdgat_actors::tree::{Session, SweepSubmission};
use kdgat_cluster::STDERR_FILE;
use kdgat_jobs::config::Variant;
use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::Analytics;

use crate::cli::{GlobalArgs, GraphSource, SubmitArgs};
use crate::error::{UserError, warn};
use crate::output::outln;

use super::{preflight, supervisor};
use crate::progress::SweepDisplay;

/// Plans the sweep, then prints it, hands it to the daemon, or runs it.
pub fn run(global: &GlobalArgs, args: &SubmitArgs) -> anyhow::Result<()> {
    let catalog = super::load_catalog(global)?;
    let request = request(global, args)?;
    let known: Vec<&str> = catalog.names().collect();
    let plan = plan::plan(&request, &known).map_err(invalid)?;
    let settings_file = supervisor::settings_file(global, args.cluster_config.as_deref());
    let settings = supervisor::settings(settings_file.as_deref())?;
    let observed = plan::observe(&plan, &catalog);
    let decisions = plan::decide(&plan, &observed, request.force);
    if args.dry_run {
        return print_dry_run(&dry_run(&plan, &decisions, &settings), args.json);
    }
    preflight::data(&plan, &decisions, &catalog)?;
    let submission = SweepSubmission {
        plan,
        decisions,
        description: std::env::args().collect::<Vec<_>>().join(" "),
    };
    if let Some((daemon, info)) =
        DaemonClient::connect(&global.state_dir).map_err(UserError::from)?
    {
        if args.cluster_config.is_some() && info.scheduler != settings.scheduler.name() {
            warn(&anyhow::anyhow!(
                "the daemon (pid {}) runs the {} scheduler, which takes this sweep; its cluster \
                 config, not this command's, applies",
                info.pid,
                info.scheduler
            ));
        }
        return hand_over(global, &daemon, &info, submission, args);
    }
    let config = supervisor::checked_config(global, settings, settings_file.as_deref())?;
    let store = config.store.clone();
    let sweep = request.name.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (outcomes, pending) = runtime.block_on(async {
        let mut session = Session::start(config).await?;
        session
            .submit(submission)
            .await
            .map_err(anyhow::Error::msg)?;
        let mut display = SweepDisplay::new();
        let cancel = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let outcomes = session.follow(&sweep, cancel, |p| display.show(p)).await;
        display.note("writing the project database and delivering tracking data…");
        let pending = session.shutdown().await;
        anyhow::Ok((outcomes.unwrap_or_default(), pending))
    })?;
    report(&sweep, &outcomes, pending, args.json, |run| {
        let attempts = store.attempts_of(run).ok()?;
        Some(PathBuf::from(&attempts.last()?.attempt_dir))
    })
}

/// Gives the sweep to the daemon; with `--wait`, follows it to its end.
fn hand_over(
    global: &GlobalArgs,
    daemon: &DaemonClient,
    info: &DaemonInfo,
    submission: SweepSubmission,
    args: &SubmitArgs,
) -> anyhow::Result<()> {
    let sweep = submission.plan.request.name.clone();
    let accepted = daemon
        .request(&Request::Submit {
            submission: Box::new(submission),
        })
        .map_err(UserError::from)?;
    if !args.wait {
        if args.json {
            outln!(
                "{}",
                serde_json::json!({ "sweep": sweep, "state": "active", "daemon_pid": info.pid })
            )?;
        } else {
            outln!(
                "{accepted}; the daemon (pid {}, {} scheduler) drives it",
                info.pid,
                info.scheduler
            )?;
            outln!(
                "  follow it: kdgat status {sweep}    stop it: kdgat cancel {sweep}    its log: {}",
                info.log.display()
            )?;
        }
        return Ok(());
    }
    let mut display = SweepDisplay::new();
    display.note(&format!(
        "{accepted}; following it (Ctrl-C stops following; the daemon goes on)"
    ));
    let outcomes = daemon
        .follow(&sweep, |p| display.show(p))
        .map_err(UserError::from)?;
    drop(display);
    daemon.request(&Request::Export).map_err(UserError::from)?;
    let db = Analytics::open(&super::db::default_export(&global.state_dir))?;
    report(&sweep, &outcomes, 0, args.json, |run| {
        Some(db.attempt_place(run, None).ok()??.dir)
    })
}

/// The request of the command line and the sweep file (the command line's values added after).
fn request(global: &GlobalArgs, args: &SubmitArgs) -> anyhow::Result<SweepRequest> {
    let file = match &args.sweep_file {
        Some(path) => SweepFile::load(path).map_err(invalid)?,
        None => SweepFile::default(),
    };
    let mut datasets = file.datasets.clone();
    datasets.extend(args.datasets.iter().cloned());
    if datasets.is_empty() {
        return Err(UserError::InvalidData(
            "no dataset: name one (`kdgat submit hcrl_sa`; `kdgat datasets` lists them)".into(),
        )
        .into());
    }
    let mut variants: Vec<Variant> = file
        .variants
        .iter()
        .map(|v| v.parse::<Variant>())
        .collect::<Result<_, _>>()
        .map_err(|e| UserError::InvalidData(e.into()))?;
    variants.extend(args.variants.iter().copied());
    if variants.is_empty() {
        variants = Variant::ALL.to_vec();
    }
    let mut overrides = file.overrides().map_err(invalid)?;
    let mut grid = file.grid().map_err(invalid)?;
    let (more_overrides, more_grid) = parse_sets(&args.overrides).map_err(invalid)?;
    overrides.extend(more_overrides);
    grid.extend(more_grid);
    let name = match args.name.clone().or(file.name.clone()) {
        Some(name) => {
            check_name("sweep name", &name, true).map_err(invalid)?;
            name
        }
        None => generated_name(),
    };
    let here = std::env::current_dir()?;
    let absolute = |p: &Path| -> PathBuf { here.join(p).components().collect() };
    Ok(SweepRequest {
        name,
        datasets,
        variants,
        overrides,
        grid,
        runs_root: absolute(&args.runs_dir),
        cache_root: absolute(&args.cache_root),
        data_root: absolute(&global.data_root),
        catalog: global.catalog.as_deref().map(absolute),
        parquet_root: (args.input.from == GraphSource::Parquet)
            .then(|| absolute(&args.input.parquet_root)),
        on_bad_row: args.input.on_bad_row,
        legacy: args.input.legacy,
        force: args.force,
    })
}

/// `sweep-YYYYMMDD-HHMMSS` (UTC).
fn generated_name() -> String {
    let now = utc_now_iso8601();
    let digits: String = now.chars().take(19).filter(char::is_ascii_digit).collect();
    format!("sweep-{}-{}", &digits[..8], &digits[8..])
}

fn print_dry_run(d: &plan::DryRun, json: bool) -> anyhow::Result<()> {
    if json {
        outln!("{}", serde_json::to_string_pretty(d)?)?;
        return Ok(());
    }
    outln!(
        "sweep {} ({} scheduler): {} runs",
        d.sweep,
        d.scheduler,
        d.runs.len()
    )?;
    outln!(
        "  {:<48} {:<11} {:>5} {:>8} {:>4} {:>4}  decision",
        "run",
        "stage",
        "min",
        "mem_mb",
        "cpus",
        "gpus"
    )?;
    for r in &d.runs {
        let decision = if r.runs {
            format!("runs: {}", r.why)
        } else {
            r.why.clone()
        };
        let res = &r.resources;
        outln!(
            "  {:<48} {:<11} {:>5} {:>8} {:>4} {:>4}  {decision}",
            r.run,
            r.stage,
            res.time_minutes,
            res.mem_mb,
            res.cpus,
            res.gpus
        )?;
        if !r.deps.is_empty() {
            outln!("      after {}", r.deps.join(", "))?;
        }
    }
    outln!(
        "{} to run, {} up to date; at most {:.1} GPU-hours (every run at its time limit); nothing submitted",
        d.to_run,
        d.up_to_date,
        d.gpu_hours_at_most
    )?;
    Ok(())
}

/// Prints how the sweep ended; an error when a run failed, naming its logs (`attempt_dir` finds a
/// run's latest attempt directory).
fn report(
    sweep: &str,
    outcomes: &[(String, Outcome)],
    pending: usize,
    json: bool,
    attempt_dir: impl Fn(&str) -> Option<PathBuf>,
) -> anyhow::Result<()> {
    let failed: Vec<(&String, &String)> = outcomes
        .iter()
        .filter_map(|(run, o)| match o {
            Outcome::Failed(why) => Some((run, why)),
            _ => None,
        })
        .collect();
    let state = kdgat_actors::tree::sweep_state(outcomes);
    if json {
        let runs: Vec<_> = outcomes
            .iter()
            .map(|(run, o)| serde_json::json!({ "run": run, "outcome": format!("{o:?}") }))
            .collect();
        outln!(
            "{}",
            serde_json::json!({ "sweep": sweep, "state": state, "runs": runs,
                                "tracking_pending": pending })
        )?;
    } else {
        let complete = outcomes
            .iter()
            .filter(|(_, o)| *o == Outcome::Complete)
            .count();
        outln!(
            "sweep {sweep} {state}: {complete} of {} runs complete, {} failed",
            outcomes.len(),
            failed.len()
        )?;
        if pending > 0 {
            outln!(
                "{pending} tracking operations stay queued: `kdgat mlflow sync` delivers them once the server answers"
            )?;
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    let mut lines = Vec::new();
    for (run, why) in &failed {
        let log = attempt_dir(run).map_or_else(
            || "no attempt was made".into(),
            |dir| dir.join(STDERR_FILE).display().to_string(),
        );
        lines.push(format!("  {run}: {why}\n    log: {log}"));
    }
    anyhow::bail!("{} runs failed:\n{}", failed.len(), lines.join("\n"))
}

fn invalid(e: impl std::error::Error + Send + Sync + 'static) -> anyhow::Error {
    UserError::InvalidData(Box::new(e)).into()
}
