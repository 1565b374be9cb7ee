//! The model stages as `kdgat job exec --spec spec.json` runs them: `autoencoder` (the VGAE, fitted
//! to the normal graphs; every graph under `legacy`),
//! `normal` (the supervised GAT) and `curriculum` (the GAT on a curriculum drawn with the variant's
//! VGAE), each with knowledge distillation when the config says `use_kd`; `fusion` (the DQN agent
//! over the variant's VGAE and GAT); and `evaluation` (the variant's trained models on validation
//! and every test scenario, `metrics.json`).
//!
//! A stage writes into its run directory: `config.json` (the full flat config it ran with),
//! `best_model.safetensors` (the best validation epoch), `val_metrics.json` (that checkpoint's
//! metrics on the validation split, in the reference's metrics layout), `events.jsonl`, `benchmark.tsv`
//! (Snakemake's columns), and while it runs a resumable checkpoint (`resume.json` +
//! `resume-N.safetensors`), removed when it finishes. Run again after a preemption, it resumes.

pub mod curriculum;
mod evaluation;
mod fit;
pub mod fusion;
mod objectives;
mod scores;
mod teacher;
pub mod validation;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;
use tch::nn;

use crate::config::{
    ConfigError, PipelineConfig, Stage, load_config, save_config, unnamed_teacher,
};
use crate::graph::cache::{load_test_scenarios, load_train, load_vocab};
use crate::graph::cache_file::CacheFileError;
use crate::graph::{GraphSet, split_indices};
use crate::models::{GatClassifier, Vgae};
use crate::run_dir::{BENCHMARK, CONFIG, EventLog, JobSpec, METRICS, ModelWork, VAL_METRICS};
use crate::torch::{DeviceError, select_device};
use crate::training::engine::{EpochSample, Graphs, Outcome, Splits, train};
use crate::training::preempt::StopFlag;
use crate::training::resume;
use curriculum::Curriculum;
use fusion::state::StateBuilder;
use objectives::{GatKd, GatObjective, VgaeKd, VgaeObjective};
use teacher::{GAT_STAGES, Siblings, VGAE_STAGES, load_frozen};
use validation::{VgaeScorer, gat_metrics};

/// Why a stage could not run.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The spec file is unreadable or wrong.
    #[error(transparent)]
    Spec(#[from] crate::run_dir::SpecError),
    /// The config is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The graph cache is missing or corrupt.
    #[error(transparent)]
    Cache(#[from] CacheFileError),
    /// The requested device is not there.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// A trained model (a KD teacher, an evaluated model) could not be loaded.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// Its checkpoint.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The training split cannot have a curriculum.
    #[error(transparent)]
    Curriculum(#[from] curriculum::OneClassSplit),
    /// A split has no graph to fit the autoencoder to.
    #[error(transparent)]
    NothingToFit(#[from] fit::NothingToFit),
    /// The evaluation found no trained model of its variant.
    #[error("no trained GAT or VGAE of this variant in {0} to evaluate")]
    NothingToEvaluate(PathBuf),
    /// Writing the run directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl StageError {
    /// Whether it may pass if the job runs again: an I/O error of that kind, or a GPU that is not
    /// there on this node ([`crate::transient`]).
    pub fn is_transient(&self) -> bool {
        match self {
            StageError::Io { source, .. } => crate::transient::io_error_is_transient(source),
            StageError::Device(DeviceError::Unavailable { .. }) => true,
            _ => false,
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StageError + '_ {
    move |source| StageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One attempt of a model stage: its spec's fields in one place.
struct Task<'a> {
    stage: Stage,
    upstream: &'a std::collections::BTreeMap<Stage, PathBuf>,
    cache_dir: &'a Path,
    base_dir: &'a Path,
    run_dir: &'a Path,
    legacy: bool,
}

impl Task<'_> {
    /// Where it finds its variant's other models.
    fn siblings<'a>(&'a self, config: &'a PipelineConfig) -> Siblings<'a> {
        Siblings {
            run_dir: self.run_dir,
            config,
            upstream: self.upstream,
        }
    }
}

/// Runs (or resumes) the model stage of `spec`; `stop` asks it to checkpoint and return early. A
/// failure is recorded as the run's `failed` event before it is returned.
pub fn run(spec: &JobSpec, work: &ModelWork, stop: &StopFlag) -> Result<Outcome, StageError> {
    let task = Task {
        stage: work.stage,
        upstream: &work.upstream,
        cache_dir: &work.cache_dir,
        base_dir: &work.base_dir,
        run_dir: &spec.run_dir,
        legacy: spec.legacy,
    };
    if !spec.resumes() {
        resume::clear(&spec.run_dir).map_err(io(&spec.run_dir))?;
    }
    let result = run_task(&task, &work.config, stop);
    if let Err(error) = &result {
        // Best effort: the error itself is what the caller reports.
        let _ = std::fs::create_dir_all(task.run_dir);
        let _ = EventLog::new(task.run_dir).failed(&error.to_string(), error.is_transient());
    }
    result
}

fn run_task(task: &Task<'_>, config_path: &Path, stop: &StopFlag) -> Result<Outcome, StageError> {
    let started = Instant::now();
    crate::torch::keep_freed_memory();
    let loaded = load_config(config_path)?;
    loaded.config.validate_fields()?;
    // The evaluation and the fusion agent read trained models, not a teacher.
    if let Some(problem) = unnamed_teacher(&loaded.config)
        .filter(|_| !matches!(task.stage, Stage::Evaluation | Stage::Fusion))
    {
        return Err(ConfigError::Invalid(vec![problem]).into());
    }
    let config = &loaded.config;
    let run_dir = task.run_dir;
    std::fs::create_dir_all(run_dir).map_err(io(run_dir))?;
    save_config(&loaded, &run_dir.join(CONFIG))?;
    let events = EventLog::new(run_dir);
    let device = select_device(&config.device)?;
    events
        .append(
            "started",
            json!({ "stage": task.stage.to_string(), "host": host(), "device": format!("{device:?}") }),
        )
        .map_err(io(run_dir))?;

    let set = load_train(task.cache_dir)?;
    let num_ids = load_vocab(task.cache_dir)?.num_ids() as i64;
    let (train_idx, val_idx) = split_indices(set.len(), config.seed);
    let curriculum = match task.stage {
        Stage::Curriculum => Some(build_curriculum(task, config, &set, &train_idx, device)?),
        _ => None,
    };
    if let Some(c) = &curriculum {
        let (attacks, normals) = c.counts();
        events
            .append(
                "curriculum",
                json!({ "attacks": attacks, "normals": normals, "legacy": task.legacy }),
            )
            .map_err(io(run_dir))?;
    }
    let data = Splits {
        set: &set,
        train: train_idx,
        val: val_idx,
        sample: curriculum.as_ref().map(|c| c as &dyn EpochSample),
    };
    tch::manual_seed(config.seed as i64);
    let mut vs = nn::VarStore::new(device);
    let teacher_path = task.base_dir.join(&config.teacher_path);
    let batch_size = config.batch_size as usize;
    let outcome = match task.stage {
        Stage::Evaluation => {
            let tests = load_test_scenarios(task.cache_dir)?;
            let (metrics, sources) = evaluation::evaluate(
                &task.siblings(config),
                config,
                &data,
                &tests,
                device,
                task.legacy,
            )?;
            events
                .append("evaluated", json!({ "checkpoints": sources }))
                .map_err(io(run_dir))?;
            let path = run_dir.join(METRICS);
            let text = serde_json::to_vec_pretty(&metrics).unwrap_or_default();
            crate::atomic::write_atomic(&path, &text).map_err(io(&path))?;
            Outcome::Finished {
                epochs: 0,
                best_epoch: None,
                best_val_loss: None,
                stopped_early: false,
            }
        }
        Stage::Fusion => {
            let siblings = task.siblings(config);
            let vgae =
                siblings.required(VGAE_STAGES, device, |p, c, n| Vgae::new(p, &c.vgae(), n))?;
            let gat = siblings.required(GAT_STAGES, device, |p, c, n| {
                GatClassifier::new(p, &c.gat(), n)
            })?;
            let builder = StateBuilder {
                vgae: &vgae.model,
                gat: &gat.model,
                num_ids,
                batch_size: scores::STATE_BATCH,
                device,
                legacy: task.legacy,
            };
            let first =
                |indices: &[usize], n: u32| indices[..indices.len().min(n as usize)].to_vec();
            let train_states = first(&data.train, config.fusion_max_samples);
            let val_states = first(&data.val, config.max_val_samples);
            let fusion_data = fusion::FusionData {
                train: builder.states(Graphs {
                    set: &set,
                    indices: &train_states,
                }),
                val: builder.states(Graphs {
                    set: &set,
                    indices: &val_states,
                }),
            };
            events
                .append(
                    "states",
                    json!({ "train": fusion_data.train.len(), "val": fusion_data.val.len() }),
                )
                .map_err(io(run_dir))?;
            let (outcome, mut agent) =
                fusion::train_agent(&fusion_data, config, run_dir, task.legacy, stop)
                    .map_err(io(run_dir))?;
            let (q, q_vs) = agent.online_mut();
            finish(&outcome, q_vs, run_dir, || {
                let steps = i64::from(config.alpha_steps);
                json!({ "fusion": fusion::fusion_metrics(q, &fusion_data.val, steps, task.legacy) })
            })?;
            outcome
        }
        Stage::Autoencoder => {
            let model = Vgae::new(&vs.root(), &config.vgae(), num_ids);
            let teacher = config
                .use_kd
                .then(|| load_frozen(&teacher_path, device, |p, c, n| Vgae::new(p, &c.vgae(), n)))
                .transpose()?;
            let kd = teacher.as_ref().map(|t| {
                let (student, teacher_latent) = (config.vgae_latent_dim, t.config.vgae_latent_dim);
                VgaeKd {
                    teacher: &t.model,
                    projection: (student != teacher_latent).then(|| {
                        nn::linear(
                            vs.root() / "kd_projection",
                            i64::from(student),
                            i64::from(teacher_latent),
                            Default::default(),
                        )
                    }),
                    alpha: config.kd_alpha,
                    latent_weight: config.kd_vgae_latent_weight,
                    recon_weight: config.kd_vgae_recon_weight,
                }
            });
            let objective = VgaeObjective {
                model: &model,
                num_ids,
                kd,
            };
            let fitted = fit::autoencoder_splits(&data, task.legacy)?;
            events
                .append(
                    "fit",
                    json!({ "graphs": fit::kind(task.legacy),
                            "train": fitted.train.len(), "val": fitted.val.len() }),
                )
                .map_err(io(run_dir))?;
            let outcome =
                train(&vs, &objective, &fitted, config, run_dir, stop).map_err(io(run_dir))?;
            finish(&outcome, &mut vs, run_dir, || {
                let scorer = VgaeScorer {
                    model: &model,
                    batch_size,
                    device,
                    legacy: task.legacy,
                };
                json!({ "vgae": scorer.validation(data.val_graphs()).0 })
            })?;
            outcome
        }
        Stage::Normal | Stage::Curriculum => {
            let model = GatClassifier::new(&vs.root(), &config.gat(), num_ids);
            let teacher = config
                .use_kd
                .then(|| {
                    load_frozen(&teacher_path, device, |p, c, n| {
                        GatClassifier::new(p, &c.gat(), n)
                    })
                })
                .transpose()?;
            let objective = GatObjective {
                model: &model,
                kd: teacher.as_ref().map(|t| GatKd {
                    teacher: &t.model,
                    temperature: config.kd_temperature,
                    alpha: config.kd_alpha,
                }),
            };
            let outcome =
                train(&vs, &objective, &data, config, run_dir, stop).map_err(io(run_dir))?;
            finish(
                &outcome,
                &mut vs,
                run_dir,
                || json!({ "gat": gat_metrics(&model, data.val_graphs(), batch_size, device, task.legacy) }),
            )?;
            outcome
        }
    };
    if let Outcome::Finished {
        epochs,
        best_epoch,
        best_val_loss,
        stopped_early,
    } = &outcome
    {
        crate::run_dir::write_benchmark(&run_dir.join(BENCHMARK), started).map_err(io(run_dir))?;
        events
            .append(
                "finished",
                json!({ "epochs": epochs, "best_epoch": best_epoch, "best_val_loss": best_val_loss,
                        "stopped_early": stopped_early }),
            )
            .map_err(io(run_dir))?;
        resume::clear(run_dir).map_err(io(run_dir))?;
    }
    Ok(outcome)
}

/// The curriculum of the training split: every normal training graph's difficulty from the
/// variant's trained VGAE.
fn build_curriculum(
    task: &Task<'_>,
    config: &PipelineConfig,
    set: &GraphSet,
    train: &[usize],
    device: tch::Device,
) -> Result<Curriculum, StageError> {
    let vgae = task
        .siblings(config)
        .required(VGAE_STAGES, device, |p, c, n| Vgae::new(p, &c.vgae(), n))?;
    let (attacks, normals): (Vec<usize>, Vec<usize>) =
        train.iter().partition(|&&g| set.get(g).y == 1);
    let difficulty = scores::difficulty(
        &vgae.model,
        Graphs {
            set,
            indices: &normals,
        },
        scores::STATE_BATCH,
        device,
        task.legacy,
    );
    Ok(Curriculum::new(
        attacks,
        normals,
        difficulty,
        config,
        task.legacy,
    )?)
}

/// After a finished run: loads the best checkpoint back into `vs` and writes its validation metrics.
fn finish(
    outcome: &Outcome,
    vs: &mut nn::VarStore,
    run_dir: &Path,
    metrics: impl FnOnce() -> serde_json::Value,
) -> Result<(), StageError> {
    if !matches!(
        outcome,
        Outcome::Finished {
            best_epoch: Some(_),
            ..
        }
    ) {
        return Ok(());
    }
    // The best checkpoint has every model tensor; auxiliary ones (the KD projection) stay as they are.
    let best = run_dir.join(crate::run_dir::BEST_CHECKPOINT);
    vs.load_partial(&best).map_err(|e| StageError::Io {
        path: best.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let path = run_dir.join(VAL_METRICS);
    let text = serde_json::to_vec_pretty(&metrics()).unwrap_or_default();
    crate::atomic::write_atomic(&path, &text).map_err(io(&path))
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}
