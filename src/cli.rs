//! The command line as clap sees it: raw flags and subcommands, nothing resolved. Commands turn these
//! into settings; nothing outside `src/` sees clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use kdgat_jobs::can::BadRowPolicy;

/// kdgat runs the KD-GAT CAN-bus intrusion-detection pipeline (graph construction, VGAE, GAT with
/// curriculum, DQN fusion, knowledge distillation, evaluation) on a SLURM cluster or on one machine,
/// and tracks every run in a state store, a SQLite project database and MLflow.
#[derive(Debug, Parser)]
#[command(
    name = "kdgat",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Dataset catalog in the legacy datasets.yaml format [default: the built-in catalog of six datasets and `synthetic`]
    #[arg(long, global = true, value_name = "FILE", env = "KDGAT_CATALOG")]
    pub catalog: Option<PathBuf>,
    /// Root of the raw data: a catalog csv_dir `data/automotive/X` means `<DIR>/automotive/X`
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        default_value = "data",
        env = "KDGAT_DATA_ROOT"
    )]
    pub data_root: PathBuf,
    /// kdgat's state directory: the state store, the SQLite export (project.db), logs
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        default_value = ".kdgat",
        env = "KDGAT_STATE_DIR"
    )]
    pub state_dir: PathBuf,
    /// More log output (-v: debug, -vv: trace); RUST_LOG overrides it
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the catalog's datasets with what is present on disk (files, sizes) and what is missing
    Datasets(DatasetsArgs),
    /// Show, compare and check pipeline configurations
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Convert a dataset's CSV captures to Parquet (CSV→Parquet ingest with validation)
    Ingest(IngestArgs),
    /// Build the graph cache of a dataset (100-message windows, one graph per window), or show one graph
    Graphs(GraphsArgs),
    /// Generate the synthetic CAN dataset (two vehicles; DoS, fuzzing, spoofing and replay attacks) in
    /// the catalog's layout, so the pipeline runs without real captures
    Synth(SynthArgs),
    /// Print a model's parameter count and tensors for a preset
    Models(ModelsArgs),
    /// Launch a sweep: datasets × variants × config overrides, expanded into the stage DAG; handed
    /// to the daemon when one runs, else run to the end in this process (local executor or SLURM,
    /// as the cluster config says)
    Submit(SubmitArgs),
    /// The cluster supervisor as a daemon: it takes the sweeps `kdgat submit` hands it and drives
    /// their batch jobs to the end, shipping tracking data, after you log out
    #[command(subcommand)]
    Daemon(DaemonCommand),
    /// Show the state of sweeps, runs and attempts
    Status(StatusArgs),
    /// Cancel a sweep, or a run and the runs after it, through the daemon; returns once their batch
    /// jobs have ended
    Cancel(CancelArgs),
    /// Print a run's batch job output (its latest attempt's stdout, or stderr), or follow it
    Logs(LogsArgs),
    /// Write one self-contained HTML report of the runs: evaluation beside the reference's figures,
    /// training curves, ROC and PR curves, confusion matrices, fusion α, stage times
    Report(ReportArgs),
    /// Rebuild or repair the state store from run directories (the legacy pipeline's too)
    Recover(RecoverArgs),
    /// Export the SQLite project database, or query it read-only
    #[command(subcommand)]
    Db(DbCommand),
    /// Sweep, leaderboard, compare, diff and dataset analytics over the project database
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// MLflow tracking: deliver queued tracking data to the server, import run directories
    #[command(subcommand)]
    Mlflow(MlflowCommand),
    /// The compute inside a batch job; run by sbatch scripts and the local executor
    #[command(subcommand)]
    Job(JobCommand),
    /// Print a shell completion script (e.g. `kdgat completions bash > ~/.local/share/bash-completion/completions/kdgat`)
    Completions(CompletionsArgs),
}

/// `kdgat completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_name = "bash|zsh|fish|elvish|powershell")]
    pub shell: clap_complete::Shell,
}

/// `kdgat datasets`.
#[derive(Debug, Args)]
pub struct DatasetsArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `kdgat ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The dataset to convert
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub dataset: Option<String>,
    /// Convert every catalog dataset present under the data root
    #[arg(long)]
    pub all: bool,
    /// Where the Parquet files go (`<DIR>/{domain}/{dataset}/{subdir}__{stem}.parquet`)
    #[arg(long, value_name = "DIR", default_value = "data/parquet")]
    pub parquet_root: PathBuf,
    /// An invalid row: `fail` names its file and line and stops; `skip` drops it, counts it, reports it
    #[arg(long, value_name = "fail|skip", default_value = "fail")]
    pub on_bad_row: BadRowPolicy,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

/// `kdgat synth`.
#[derive(Debug, Args)]
#[command(
    after_help = "Every random choice derives from the seed: the same seed and scale give \
    byte-identical files, recorded with their parameters in synth.json beside the folders. A directory \
    already holding the same dataset is left as it is; one with other files and no synth.json is refused."
)]
pub struct SynthArgs {
    /// Where to write the dataset [default: the catalog's `synthetic` csv_dir, i.e.
    /// <data-root>/automotive/synthetic]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The seed every random choice derives from
    #[arg(long, default_value_t = kdgat_jobs::synth::SynthParams::default().seed)]
    pub seed: u64,
    /// Multiply every duration (captures, attack episodes, gaps) by this factor
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, value_parser = positive_factor)]
    pub scale: f64,
    /// Write the dataset even when the same one is already there
    #[arg(long)]
    pub force: bool,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

/// A finite factor above zero.
fn positive_factor(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{raw}` is not a number above 0")),
    }
}

/// `kdgat graphs`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct GraphsArgs {
    /// `show`: print one graph
    #[command(subcommand)]
    pub command: Option<GraphsCommand>,
    /// The dataset whose graph cache to build
    #[arg(required = true)]
    pub dataset: Option<String>,
    /// Where caches go (`<DIR>/{dataset}/`)
    #[arg(long, value_name = "DIR", default_value = "data/cache")]
    pub cache_root: PathBuf,
    /// Rebuild even when the cache is up to date
    #[arg(long)]
    pub force: bool,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
    /// How to read and window the captures
    #[command(flatten)]
    pub input: GraphInputArgs,
}

/// `kdgat graphs show`.
#[derive(Debug, Subcommand)]
pub enum GraphsCommand {
    /// Print one window's graph (num_nodes, edge_index, x, edge_attr, y)
    Show(GraphShowArgs),
}

/// `kdgat graphs show`.
#[derive(Debug, Args)]
pub struct GraphShowArgs {
    /// The dataset
    pub dataset: String,
    /// The capture, relative to the dataset root, e.g. `train_02_with_attacks/DoS-kia.csv`
    #[arg(long, value_name = "SUBDIR/FILE.csv")]
    pub file: String,
    /// The window index within that capture (0-based)
    #[arg(long, value_name = "N")]
    pub window: usize,
    /// Print JSON (the only format so far; accepted for scripts)
    #[arg(long)]
    pub json: bool,
    /// How to read and window the captures
    #[command(flatten)]
    pub input: GraphInputArgs,
}

/// Graph construction options shared by `graphs` and `graphs show`.
#[derive(Debug, Args)]
pub struct GraphInputArgs {
    /// Reproduce the reference exactly: 5000-row chunks that each drop a row, both training folders
    /// with their duplicated captures, suppress/masquerade captures excluded
    #[arg(long)]
    pub legacy: bool,
    /// Read the captures from `csv` or from the `parquet` that `kdgat ingest` wrote
    #[arg(long, value_name = "csv|parquet", default_value = "csv")]
    pub from: GraphSource,
    /// Where `kdgat ingest` wrote Parquet (with `--from parquet`)
    #[arg(long, value_name = "DIR", default_value = "data/parquet")]
    pub parquet_root: PathBuf,
    /// An invalid CSV row: fail or skip
    #[arg(long, value_name = "fail|skip", default_value = "fail")]
    pub on_bad_row: BadRowPolicy,
}

/// Where graph construction reads messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphSource {
    /// The raw CSV captures.
    Csv,
    /// Parquet from `kdgat ingest`.
    Parquet,
}

/// `kdgat report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run directories (`<DIR>/{dataset}/{size}_{stage}[_kd]/`)
    #[arg(long, value_name = "DIR", default_value = "experimentruns")]
    pub runs_dir: PathBuf,
    /// Only this dataset
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,
    /// Where to write the report [default: <runs-dir>/report.html]
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `kdgat recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// A run directory tree laid out as `{dataset}/{size}_{stage}[_kd]/` (e.g. `experimentruns`)
    #[arg(long, value_name = "DIR")]
    pub runs_dir: PathBuf,
    /// Graph caches whose metadata describe the datasets (`<DIR>/{dataset}/cache_metadata.json`)
    #[arg(long, value_name = "DIR", default_value = "data/cache")]
    pub cache_root: PathBuf,
    /// Also record each attempt's batch job (`attempt-N/slurm_job_id`) as SLURM reports it: final
    /// state, exit status, node, elapsed time and allocation (one squeue and one sacct)
    #[arg(long)]
    pub slurm: bool,
    /// Also end the MLflow runs left RUNNING whose run or sweep is over, with their true final
    /// status and end time (MLFLOW_TRACKING_URI)
    #[arg(long)]
    pub mlflow: bool,
    /// The cluster config (for `--slurm`: where SLURM's tools are, whether accounting works)
    #[arg(long, value_name = "FILE")]
    pub cluster_config: Option<PathBuf>,
}

/// `kdgat mlflow …`.
#[derive(Debug, Subcommand)]
pub enum MlflowCommand {
    /// Deliver the queued tracking operations to the server (MLFLOW_TRACKING_URI), exactly once;
    /// with --runs-dir, first queue every run directory found there as a run nested under a sweep
    #[command(after_help = "Credentials come from MLFLOW_TRACKING_TOKEN, or \
        MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or user:password@ in \
        MLFLOW_TRACKING_URI); they are never shown, logged or stored. Operations the server cannot \
        take now, and all of them when the credentials or the URL are wrong, stay queued: fix what \
        the error says and run the command again. Operations the server refused are set aside; \
        --retry-set-aside queues them again.")]
    Sync(MlflowSyncArgs),
}

/// `kdgat mlflow sync`.
#[derive(Debug, Args)]
pub struct MlflowSyncArgs {
    /// Also queue the runs of this tree (`{dataset}/{size}_{stage}[_kd]/`, ours or the legacy
    /// pipeline's): config, epoch and evaluation metrics, tags, artifacts
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    /// The sweep the imported runs are nested under (default: the runs directory's name)
    #[arg(long, value_name = "NAME", requires = "runs_dir")]
    pub sweep: Option<String>,
    /// The experiment runs are created in
    #[arg(
        long,
        value_name = "NAME",
        env = "MLFLOW_EXPERIMENT_NAME",
        default_value = kdgat_tracking::DEFAULT_EXPERIMENT
    )]
    pub experiment: String,
    /// Attempts per request before a transient failure (no connection, timeout, 429, 5xx) stops the
    /// sync; what is not delivered stays queued
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: u32,
    /// First queue again the operations the server refused before (set aside), then deliver
    #[arg(long)]
    pub retry_set_aside: bool,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

/// How a table is printed.
#[derive(Debug, Args)]
pub struct TableFormat {
    /// Print JSON
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV
    #[arg(long)]
    pub csv: bool,
}

/// `kdgat db …`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Write the SQLite project database (atomically) [default path: <state dir>/project.db]
    Export {
        /// Where to write it: a new file or a regular file to replace, outside the state directory
        path: Option<PathBuf>,
    },
    /// Run read-only SQL against the project database (refreshed from the store first); a statement
    /// that would write anything is refused
    Query {
        /// The SQL
        sql: String,
        /// Stop the query after this many seconds
        #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
        time_limit: f64,
        /// Output format
        #[command(flatten)]
        format: TableFormat,
    },
}

/// `kdgat analytics …`.
#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// A config parameter against a metric: count, min, max, mean per parameter value
    Sweep {
        /// The config field
        #[arg(long)]
        param: String,
        /// The metric
        #[arg(long)]
        metric: String,
        /// Which runs
        #[command(flatten)]
        runs: RunFilter,
        /// Output format
        #[command(flatten)]
        format: TableFormat,
    },
    /// The best runs by a metric
    Leaderboard {
        /// The metric
        #[arg(long)]
        metric: String,
        /// How many
        #[arg(long, default_value_t = 10)]
        top: u32,
        /// Only this scenario (`val` or a test scenario)
        #[arg(long)]
        scenario: Option<String>,
        /// Only this model (gat, vgae, fusion)
        #[arg(long)]
        model: Option<String>,
        /// Which runs
        #[command(flatten)]
        runs: RunFilter,
        /// Output format
        #[command(flatten)]
        format: TableFormat,
    },
    /// Every metric of two runs side by side
    Compare(RunPair),
    /// The config keys that differ between two runs
    Diff(RunPair),
    /// A dataset's runs and its best f1, accuracy, auc and mcc
    Dataset {
        /// The dataset
        name: String,
        /// Output format
        #[command(flatten)]
        format: TableFormat,
    },
}

/// Run filters of the analytics commands.
#[derive(Debug, Args)]
pub struct RunFilter {
    /// Only this dataset
    #[arg(long)]
    pub dataset: Option<String>,
    /// Only this stage
    #[arg(long)]
    pub stage: Option<String>,
}

/// Two runs to set side by side.
#[derive(Debug, Args)]
pub struct RunPair {
    /// The first run id
    pub a: String,
    /// The second run id
    pub b: String,
    /// Output format
    #[command(flatten)]
    pub format: TableFormat,
}

/// `kdgat config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the resolved flat configuration as JSON (defaults, preset, file, overrides, in that order)
    Show(ConfigShowArgs),
    /// Print the keys whose values differ between two config.json files
    Diff(ConfigDiffArgs),
}

/// `kdgat config show`.
#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// Start from a preset MODEL,SIZE (vgae|gat|dqn, teacher|student), e.g. `gat,student`
    #[arg(long, value_name = "MODEL,SIZE", conflicts_with = "config")]
    pub preset: Option<String>,
    /// Start from a config.json file (unknown keys are kept and reported)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Override a field, e.g. `--set gat_hidden=24` (repeatable; checked against the field's type)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
}

/// `kdgat submit`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
kdgat submit hcrl_sa                                   # teacher, distilled student, student\n  \
kdgat submit hcrl_sa --variant teacher --set max_epochs=5 --set fusion_episodes=100\n  \
kdgat submit hcrl_sa set_01 --set lr=0.001,0.003 --set curriculum.gat_hidden=24,48 --name lr-sweep\n  \
kdgat submit --sweep-file sweep.toml --dry-run --json\n\n\
`--set KEY=V1,V2` is a grid axis (every combination is a sweep point; a list field's commas are the\n\
list's: give its alternatives in a sweep file); `STAGE.KEY` scopes it to one stage. A run that\n\
finished with the same config on the same inputs is skipped (--force reruns it); an interrupted one\n\
resumes from its checkpoint. Resources per stage come from the cluster config (<state dir>/\n\
cluster.toml or --cluster-config; KDGAT_RESOURCES_TRAIN_MEM_MB=… and the like override it).\n\
Exit status 1 if any run failed; Ctrl-C cancels the sweep's batch jobs (they checkpoint) and stops.")]
pub struct SubmitArgs {
    /// Datasets of the catalog (added to the sweep file's)
    pub datasets: Vec<String>,
    /// Variants [default: teacher,student-kd,student]; the distilled student brings in the
    /// teacher's runs it needs
    #[arg(
        long = "variant",
        value_name = "teacher|student-kd|student",
        value_delimiter = ','
    )]
    pub variants: Vec<kdgat_jobs::config::Variant>,
    /// Override a config field of every stage (`max_epochs=5`) or of one (`curriculum.lr=0.001`);
    /// comma-separated values make a grid axis (`lr=0.001,0.003`); repeatable, later ones win
    #[arg(long = "set", value_name = "[STAGE.]KEY=VALUE[,VALUE…]")]
    pub overrides: Vec<String>,
    /// A TOML sweep file: name, datasets, variants, [set] and [grid] tables
    #[arg(long, value_name = "FILE")]
    pub sweep_file: Option<PathBuf>,
    /// The sweep's name [default: the sweep file's, else sweep-<UTC date and time>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Where the run directories go (`<DIR>/{dataset}/{size}_{stage}[_kd]`)
    #[arg(long, value_name = "DIR", default_value = "experimentruns")]
    pub runs_dir: PathBuf,
    /// Where graph caches go (`<DIR>/{dataset}/`)
    #[arg(long, value_name = "DIR", default_value = "data/cache")]
    pub cache_root: PathBuf,
    /// The cluster config [default: <state dir>/cluster.toml when present, else the defaults]
    #[arg(long, value_name = "FILE", env = "KDGAT_CLUSTER_CONFIG")]
    pub cluster_config: Option<PathBuf>,
    /// Rerun runs that finished with the same config
    #[arg(long)]
    pub force: bool,
    /// Print the plan (runs, dependencies, resources, estimated GPU-hours) and submit nothing
    #[arg(long)]
    pub dry_run: bool,
    /// When a daemon takes the sweep: follow it to its end with progress bars (Ctrl-C stops
    /// following, not the sweep). Without a daemon the sweep always runs in this process to its end
    #[arg(long)]
    pub wait: bool,
    /// Print JSON (the plan with --dry-run, else the outcome)
    #[arg(long)]
    pub json: bool,
    /// How to read and window the captures; `--legacy` also trains and scores as the reference did
    /// where kdgat fixed it
    #[command(flatten)]
    pub input: GraphInputArgs,
}

/// `kdgat daemon`.
#[derive(Debug, Subcommand)]
pub enum DaemonCommand {
    /// Start the state directory's daemon in the background (its log: <state dir>/daemon.log)
    Start(DaemonStartArgs),
    /// Stop it: it writes the project database and delivers tracking data; batch jobs keep running
    /// and the next daemon takes them up
    Stop,
    /// Whether it runs: pid, scheduler, tracking server, active sweeps
    Status {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

/// `kdgat daemon start`.
#[derive(Debug, Args)]
pub struct DaemonStartArgs {
    /// Stay in the foreground, logging to stderr (for systemd or tmux)
    #[arg(long)]
    pub foreground: bool,
    /// Cluster configuration (TOML) [default: <state dir>/cluster.toml if present, else the local executor]
    #[arg(long, value_name = "FILE", env = "KDGAT_CLUSTER_CONFIG")]
    pub cluster_config: Option<PathBuf>,
}

/// `kdgat cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// A sweep's name, or a run id (`kdgat status` lists them)
    pub target: String,
}

/// `kdgat status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// A sweep (its runs) or a run id (its attempts) [default: every sweep]
    pub target: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// `kdgat logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The run id, e.g. `hcrl_sa/teacher_curriculum`
    pub run: String,
    /// Which attempt [default: the latest]
    #[arg(long, value_name = "N")]
    pub attempt: Option<u32>,
    /// The standard error instead of the standard output
    #[arg(long)]
    pub stderr: bool,
    /// Keep printing what the attempt writes until it ends
    #[arg(long, short)]
    pub follow: bool,
}

/// `kdgat models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// The model and size, MODEL,SIZE (vgae|gat|dqn, teacher|student), e.g. `gat,teacher`
    #[arg(long, value_name = "MODEL,SIZE")]
    pub preset: String,
    /// The CAN-ID vocabulary size (the embedding rows; hcrl_sa's cache has 2049 with OOV)
    #[arg(long, value_name = "N", default_value_t = 2049, value_parser = clap::value_parser!(i64).range(1..))]
    pub num_ids: i64,
    /// Override a field, e.g. `--set gat_hidden=24` (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Print JSON: the totals and every tensor's name, shape and whether it is trained
    #[arg(long)]
    pub json: bool,
}

/// `kdgat config diff`.
#[derive(Debug, Args)]
pub struct ConfigDiffArgs {
    /// The first config.json
    pub a: PathBuf,
    /// The second config.json
    pub b: PathBuf,
    /// Print JSON (`[{param, value_a, value_b}]`) instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `kdgat job …`.
#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Execute one attempt from its spec.json (what a batch job runs)
    #[command(
        after_help = "Stages: graphs (the dataset's graph cache); autoencoder (VGAE), normal \
        (supervised GAT) and curriculum (GAT on a VGAE-mined curriculum), with KD when the config \
        has use_kd; fusion (the DQN agent); evaluation (the variant's trained GAT, VGAE and fusion \
        agent on validation and every test scenario, metrics.json). On SIGUSR2 or SIGTERM a model \
        stage finishes its step, writes a resumable checkpoint into the run directory and exits \
        with status 75; run it again to resume. precision `16-mixed` uses autocast and a dynamic \
        loss scale on CUDA (fp32 on CPU). gradient_checkpointing is accepted but has no effect: \
        tch has no activation recomputation API."
    )]
    Exec(JobExecArgs),
    /// Write the spec.json of a model stage's run, for `kdgat job exec --spec` by hand
    Spec(JobSpecArgs),
}

/// `kdgat job exec`.
#[derive(Debug, Args)]
pub struct JobExecArgs {
    /// The attempt's spec.json (`kdgat job spec` writes one): {"version", "stage", "run_dir",
    /// "legacy", and "config", "cache_dir", "base_dir" for a model stage or "dataset",
    /// "data_root", "catalog", "cache_dir", "parquet_root", "on_bad_row" for graphs}
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
}

/// `kdgat job spec`.
#[derive(Debug, Args)]
pub struct JobSpecArgs {
    /// The stage
    #[arg(long, value_name = "autoencoder|curriculum|normal|fusion|evaluation")]
    pub stage: kdgat_jobs::config::Stage,
    /// The flat config.json to run with
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The run directory (outputs)
    #[arg(long, value_name = "DIR")]
    pub run_dir: PathBuf,
    /// The dataset's graph cache
    #[arg(long, value_name = "DIR")]
    pub cache_dir: PathBuf,
    /// What the config's teacher_path is relative to [default: the current directory]
    #[arg(long, value_name = "DIR")]
    pub base_dir: Option<PathBuf>,
    /// Train and score as the reference did where kdgat fixed it
    #[arg(long)]
    pub legacy: bool,
    /// Where to write it [default: <run dir>/spec.json]
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
