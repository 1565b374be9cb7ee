//! The `fusion` stage (REFERENCE.md §5): a DQN agent learns, per graph, the weight α between the
//! VGAE and the GAT from the graph's 15-D state; a graph is called an attack when α > 0.5.
//!
//! The states of the first `fusion_max_samples` training graphs and `max_val_samples` validation
//! graphs are computed once, batched, with the variant's trained VGAE and GAT. Each of
//! `fusion_episodes` episodes draws `episode_sample_size` training states, acts ε-greedily, rewards
//! ±3 for a right or wrong decision, and then takes `gpu_training_steps` Double-DQN steps. Every 50
//! episodes (and after the last) the agent decides on the first 5,000 validation states with the
//! same rule (α > 0.5) and the Q-network in eval mode; the best accuracy's Q-network is
//! `best_model.safetensors`.
//!
//! Fixes, each kept as the reference had it under `legacy`: ε decays by `dqn_epsilon_decay` after
//! every episode down to `dqn_min_epsilon` (the reference never decayed it); validation decides
//! with α > 0.5 (the reference's model selection used another rule, `(1 − α)·anomaly + α·p > 0.5`
//! with its ad-hoc anomaly score); the Q-network decides in eval mode (the reference's kept
//! dropout on). Its `ReduceLROnPlateau` (patience 1000 validations) never fired in 500 episodes and
//! is not reproduced.
//!
//! The agent runs on the CPU whatever the config's device (its networks are small and the states
//! are cached there); the states are computed on the config's device.
//!
//! Randomness is reseeded from (seed, episode) at every episode, and a resumable checkpoint
//! (networks, optimizer, replay buffer, ε, counters) is written at every validation and when a stop
//! is requested: a resumed run continues exactly as an uninterrupted one on the CPU.

pub mod agent;
pub mod state;

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tch::{Kind, Tensor};

use crate::config::PipelineConfig;
use crate::graph::derive_seed;
use crate::metrics::{AlphaHistogram, compute};
use crate::models::QNetwork;
use crate::run_dir::BEST_CHECKPOINT;
use crate::run_dir::EventLog;
use crate::training::engine::{Outcome, save_model};
use crate::training::preempt::StopFlag;
use crate::training::resume::{load_state, save_state};
use agent::{Agent, AgentCounters, decisions, greedy_actions};
use state::States;

/// Episodes between validations (a constant in the reference).
const VALIDATE_EVERY: u32 = 50;
/// Validation states the agent is selected on (a constant in the reference).
const VALIDATION_STATES: i64 = 5_000;

/// Where a fusion run is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FusionProgress {
    /// Episodes done.
    episode: u32,
    /// The best validation accuracy so far and its episode (1-based, as logged).
    best: Option<(f64, u32)>,
    /// Σ training-step losses and steps since the last validation.
    loss_sum: f64,
    loss_steps: u64,
    /// The agent's counters.
    agent: AgentCounters,
}

/// The agent's decisions on `states` (α > 0.5) and their metrics, with α as the score, and how often
/// it chose each α (`alpha`); `dropout` decides with the Q-network in train mode (the reference's
/// evaluation).
pub fn fusion_metrics(q: &QNetwork, states: &States, alpha_steps: i64, dropout: bool) -> Value {
    let (attack, alpha) = decisions(&greedy_actions(q, &states.states, dropout), alpha_steps);
    let preds: Vec<u8> = Vec::<bool>::try_from(&attack)
        .unwrap_or_default()
        .into_iter()
        .map(u8::from)
        .collect();
    let scores = Vec::<f64>::try_from(&alpha).unwrap_or_default();
    let mut metrics =
        serde_json::to_value(compute(&states.labels, &preds, Some(&scores))).unwrap_or_default();
    let histogram = AlphaHistogram::of(&states.labels, &scores, alpha_steps.max(1) as usize);
    metrics["alpha"] = serde_json::to_value(histogram).unwrap_or_default();
    metrics
}

/// The reference's model-selection rule (`legacy`): fuse a VGAE anomaly score
/// `clip(0.4·s0 + 0.35·s1 + 0.25·s2, 0, 1)` and `softmax(s8, s9)[1]` with α, attack above 0.5.
fn legacy_fused_decisions(states: &Tensor, alpha: &Tensor) -> Tensor {
    let s = states.to_kind(Kind::Double);
    let anomaly =
        (s.select(1, 0) * 0.4 + s.select(1, 1) * 0.35 + s.select(1, 2) * 0.25).clamp(0.0, 1.0);
    let gat = s.narrow(1, 8, 2).softmax(1, Kind::Double).select(1, 1);
    ((-alpha + 1.0) * anomaly + alpha * gat).gt(0.5)
}

/// Validation accuracy of the agent's current decisions.
fn validation_accuracy(agent: &Agent, val: &States, alpha_steps: i64, legacy: bool) -> f64 {
    if val.is_empty() {
        return 0.0;
    }
    let (attack, alpha) = decisions(&agent.greedy(&val.states, legacy), alpha_steps);
    let attack = if legacy {
        legacy_fused_decisions(&val.states, &alpha)
    } else {
        attack
    };
    attack
        .eq_tensor(&val.label_tensor().to_kind(Kind::Bool))
        .to_kind(Kind::Double)
        .mean(Kind::Double)
        .double_value(&[])
}

/// The fusion stage's data: training and validation states.
pub struct FusionData {
    /// Training states (at most `fusion_max_samples`).
    pub train: States,
    /// Validation states (at most `max_val_samples`).
    pub val: States,
}

/// Trains (or resumes) the agent in `run_dir`; writes `best_model.safetensors`.
pub fn train_agent(
    data: &FusionData,
    config: &PipelineConfig,
    run_dir: &Path,
    legacy: bool,
    stop: &StopFlag,
) -> std::io::Result<(Outcome, Agent)> {
    let device = tch::Device::Cpu;
    tch::manual_seed(config.seed as i64);
    let mut agent = Agent::new(config, device);
    let events = EventLog::new(run_dir);
    let mut progress = match load_state::<FusionProgress>(run_dir)? {
        Some((progress, tensors)) => {
            agent.restore(
                &tensors,
                progress.agent,
                &run_dir.join(crate::run_dir::RESUME),
            )?;
            events.append(
                "resumed",
                serde_json::json!({ "episode": progress.episode }),
            )?;
            progress
        }
        None => FusionProgress {
            episode: 0,
            best: None,
            loss_sum: 0.0,
            loss_steps: 0,
            agent: agent.state().1,
        },
    };
    let alpha_steps = i64::from(config.alpha_steps);
    let val = data.val.first(VALIDATION_STATES);
    let labels = data.train.label_tensor();
    let sample = i64::from(config.episode_sample_size).min(data.train.len());
    let save = |agent: &Agent, progress: &mut FusionProgress| {
        let (tensors, counters) = agent.state();
        progress.agent = counters;
        save_state(run_dir, &tensors, progress)
    };
    while progress.episode < config.fusion_episodes {
        if stop.raised() {
            save(&agent, &mut progress)?;
            events.append(
                "preempted",
                serde_json::json!({ "episode": progress.episode }),
            )?;
            return Ok((
                Outcome::Preempted {
                    epoch: progress.episode,
                    step: 0,
                },
                agent,
            ));
        }
        let episode = progress.episode;
        tch::manual_seed(derive_seed(config.seed, &[u64::from(episode)]) as i64);
        let pick = Tensor::randperm(data.train.len(), (Kind::Int64, device)).narrow(0, 0, sample);
        let total_reward = agent.experience(
            &data.train.states.index_select(0, &pick),
            &labels.index_select(0, &pick),
        );
        if agent.can_train() {
            for _ in 0..config.gpu_training_steps {
                progress.loss_sum += agent.train_step();
                progress.loss_steps += 1;
            }
        }
        if !legacy {
            agent.epsilon = (agent.epsilon * config.dqn_epsilon_decay).max(config.dqn_min_epsilon);
        }
        progress.episode += 1;
        let done = progress.episode;
        if done % VALIDATE_EVERY == 0 || done == config.fusion_episodes {
            let accuracy = validation_accuracy(&agent, &val, alpha_steps, legacy);
            if progress.best.is_none_or(|(best, _)| accuracy > best) {
                progress.best = Some((accuracy, done));
                save_model(agent.online_store(), &run_dir.join(BEST_CHECKPOINT))?;
                events.append(
                    "checkpoint",
                    serde_json::json!({ "episode": done, "val_accuracy": accuracy }),
                )?;
            }
            let mut metrics = vec![
                ("total_reward", total_reward),
                ("val_accuracy", accuracy),
                ("epsilon", agent.epsilon),
                ("best_accuracy", progress.best.map_or(accuracy, |b| b.0)),
            ];
            if progress.loss_steps > 0 {
                metrics.push(("train_loss", progress.loss_sum / progress.loss_steps as f64));
            }
            events.epoch(done, &metrics)?;
            progress.loss_sum = 0.0;
            progress.loss_steps = 0;
            save(&agent, &mut progress)?;
        }
    }
    Ok((
        Outcome::Finished {
            epochs: progress.episode,
            best_epoch: progress.best.map(|b| b.1),
            best_val_loss: None,
            stopped_early: false,
        },
        agent,
    ))
}
