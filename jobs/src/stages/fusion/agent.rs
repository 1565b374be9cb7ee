//! The fusion agent (the reference's `EnhancedDQNFusionAgent`): a Double DQN over the 15-D states,
//! with `alpha_steps` actions α = k / (steps − 1), a target network synchronised every
//! `dqn_target_update` training steps, a replay buffer of the last `dqn_buffer_size` transitions,
//! AdamW (weight decay 1e-5), the smooth-L1 loss and gradient-norm clipping at 1.0.
//!
//! As in the reference each transition is one-step with `s′ = s` and `done = false`, so the target
//! is `r + γ·Q_target(s, argmax_a Q(s, a))`; the buffer keeps only `(s, a, r)`. Acting and the
//! training steps run the networks in train mode (dropout on), as the reference did; decisions
//! at validation and evaluation run the Q-network in eval mode unless `legacy`.

use tch::{Device, Kind, Reduction, Tensor, nn};

use crate::config::PipelineConfig;
use crate::models::{QNetwork, STATE_DIM};
use crate::training::adam::Adam;
use crate::training::resume::{prefixed_vars, restore_vars, with_prefix};

/// AdamW's weight decay (a constant in the reference).
const WEIGHT_DECAY: f64 = 1e-5;
/// The gradient-norm clip.
const GRAD_CLIP: f64 = 1.0;
/// The reward of a right (+) or wrong (−) decision.
pub const REWARD: f64 = 3.0;

/// The last `capacity` transitions, oldest overwritten first.
pub struct Replay {
    states: Tensor,
    actions: Tensor,
    rewards: Tensor,
    len: i64,
    next: i64,
}

impl Replay {
    fn new(capacity: i64, device: Device) -> Replay {
        Replay {
            states: Tensor::zeros([capacity, STATE_DIM], (Kind::Float, device)),
            actions: Tensor::zeros([capacity], (Kind::Int64, device)),
            rewards: Tensor::zeros([capacity], (Kind::Float, device)),
            len: 0,
            next: 0,
        }
    }

    fn capacity(&self) -> i64 {
        self.actions.size()[0]
    }

    /// Transitions held.
    fn held(&self) -> i64 {
        self.len
    }

    /// Appends transitions in order (a batch larger than the buffer keeps its last ones).
    fn push(&mut self, states: &Tensor, actions: &Tensor, rewards: &Tensor) {
        let cap = self.capacity();
        let n = actions.size()[0];
        let skip = (n - cap).max(0);
        let kept = n - skip;
        let slots =
            (Tensor::arange(kept, (Kind::Int64, self.actions.device())) + self.next).remainder(cap);
        let _ = self
            .states
            .index_copy_(0, &slots, &states.narrow(0, skip, kept));
        let _ = self
            .actions
            .index_copy_(0, &slots, &actions.narrow(0, skip, kept));
        let _ = self
            .rewards
            .index_copy_(0, &slots, &rewards.narrow(0, skip, kept));
        self.next = (self.next + kept) % cap;
        self.len = (self.len + kept).min(cap);
    }
}

/// The agent: online and target Q-networks, optimizer, replay buffer, exploration rate.
pub struct Agent {
    online_vs: nn::VarStore,
    online: QNetwork,
    target_vs: nn::VarStore,
    target: QNetwork,
    adam: Adam,
    replay: Replay,
    /// The exploration rate.
    pub epsilon: f64,
    /// Training steps taken.
    pub updates: u64,
    actions: i64,
    gamma: f64,
    batch_size: i64,
    target_update: u64,
    lr: f64,
}

/// What the agent's checkpoint holds besides tensors.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AgentCounters {
    /// The exploration rate.
    pub epsilon: f64,
    /// Training steps taken.
    pub updates: u64,
    /// Transitions in the replay buffer.
    pub replay_len: i64,
    /// The buffer's next slot.
    pub replay_next: i64,
}

/// Builds a Q-network of `config`'s size under `p`.
pub fn q_network(p: &nn::Path, config: &PipelineConfig) -> QNetwork {
    QNetwork::new(
        p,
        i64::from(config.dqn_hidden),
        i64::from(config.dqn_layers),
        i64::from(config.alpha_steps),
    )
}

/// The attack decisions (α > 0.5) and α values of `actions` out of `steps`.
pub fn decisions(actions: &Tensor, steps: i64) -> (Tensor, Tensor) {
    let alpha = actions.to_kind(Kind::Double) / (steps - 1) as f64;
    (alpha.gt(0.5), alpha)
}

impl Agent {
    /// A fresh agent as `config` describes it, on `device` (weights from the current RNG state).
    pub fn new(config: &PipelineConfig, device: Device) -> Agent {
        let online_vs = nn::VarStore::new(device);
        let online = q_network(&online_vs.root(), config);
        let mut target_vs = nn::VarStore::new(device);
        let target = q_network(&target_vs.root(), config);
        let _ = target_vs.copy(&online_vs);
        target_vs.freeze();
        let adam = Adam::new(&online_vs, WEIGHT_DECAY, true);
        Agent {
            replay: Replay::new(i64::from(config.dqn_buffer_size), device),
            online_vs,
            online,
            target_vs,
            target,
            adam,
            epsilon: config.dqn_epsilon,
            updates: 0,
            actions: i64::from(config.alpha_steps),
            gamma: config.dqn_gamma,
            batch_size: i64::from(config.dqn_batch_size),
            target_update: u64::from(config.dqn_target_update),
            lr: config.fusion_lr,
        }
    }

    /// The online Q-network's store (the checkpointed model).
    pub fn online_store(&self) -> &nn::VarStore {
        &self.online_vs
    }

    /// The online Q-network and its store, to load weights into.
    pub fn online_mut(&mut self) -> (&QNetwork, &mut nn::VarStore) {
        (&self.online, &mut self.online_vs)
    }

    /// ε-greedy actions for `states` (`[n × 15]`): the online network's best, or with probability ε
    /// a uniformly random one.
    fn act(&self, states: &Tensor) -> Tensor {
        let greedy = tch::no_grad(|| self.online.forward(states, true).argmax(1, false));
        let n = states.size()[0];
        let device = states.device();
        let explore = Tensor::rand([n], (Kind::Float, device)).lt(self.epsilon);
        let random = Tensor::randint(self.actions, [n], (Kind::Int64, device));
        random.where_self(&explore, &greedy)
    }

    /// One episode's experience: acts on `states` with labels `labels` (`[n]`, 0/1), rewards ±3,
    /// stores the transitions; the episode's total reward.
    pub fn experience(&mut self, states: &Tensor, labels: &Tensor) -> f64 {
        let actions = self.act(states);
        let (attack, _) = decisions(&actions, self.actions);
        let right = attack.eq_tensor(&labels.to_kind(Kind::Bool));
        let rewards = (right.to_kind(Kind::Float) * 2.0 - 1.0) * REWARD;
        self.replay.push(states, &actions, &rewards);
        rewards.sum(Kind::Double).double_value(&[])
    }

    /// Whether the buffer holds a training batch.
    pub fn can_train(&self) -> bool {
        self.replay.held() >= self.batch_size
    }

    /// One Double-DQN step on a random batch of the buffer; its loss.
    pub fn train_step(&mut self) -> f64 {
        let device = self.replay.actions.device();
        let pick = Tensor::randperm(self.replay.held(), (Kind::Int64, device)).narrow(
            0,
            0,
            self.batch_size,
        );
        let states = self.replay.states.index_select(0, &pick);
        let actions = self.replay.actions.index_select(0, &pick).unsqueeze(1);
        let rewards = self.replay.rewards.index_select(0, &pick);
        let current = self
            .online
            .forward(&states, true)
            .gather(1, &actions, false)
            .squeeze_dim(1);
        let target = tch::no_grad(|| {
            let next_actions = self.online.forward(&states, true).argmax(1, true);
            let next_q = self
                .target
                .forward(&states, true)
                .gather(1, &next_actions, false)
                .squeeze_dim(1);
            rewards + next_q * self.gamma
        });
        let loss = current.smooth_l1_loss(&target, Reduction::Mean, 1.0);
        self.adam.zero_grad();
        loss.backward();
        self.adam.clip_grad_norm(GRAD_CLIP);
        self.adam.step(self.lr);
        self.updates += 1;
        if self.updates % self.target_update == 0 {
            let _ = self.target_vs.copy(&self.online_vs);
        }
        loss.double_value(&[])
    }

    /// Greedy actions for `states`; the Q-network in eval mode unless `dropout` (the reference's
    /// evaluation).
    pub fn greedy(&self, states: &Tensor, dropout: bool) -> Tensor {
        greedy_actions(&self.online, states, dropout)
    }

    /// The checkpoint's tensors and counters.
    pub fn state(&self) -> (Vec<(String, Tensor)>, AgentCounters) {
        let mut tensors = prefixed_vars(&self.online_vs, "online");
        tensors.extend(prefixed_vars(&self.target_vs, "target"));
        tensors.extend(
            self.adam
                .state()
                .into_iter()
                .map(|(n, t)| (format!("optim.{n}"), t)),
        );
        for (name, t) in [
            ("replay.states", &self.replay.states),
            ("replay.actions", &self.replay.actions),
            ("replay.rewards", &self.replay.rewards),
        ] {
            tensors.push((name.to_string(), t.shallow_clone()));
        }
        let counters = AgentCounters {
            epsilon: self.epsilon,
            updates: self.updates,
            replay_len: self.replay.len,
            replay_next: self.replay.next,
        };
        (tensors, counters)
    }

    /// Restores what [`Agent::state`] saved; errors name what is missing.
    pub fn restore(
        &mut self,
        tensors: &[(String, Tensor)],
        counters: AgentCounters,
        source: &std::path::Path,
    ) -> std::io::Result<()> {
        restore_vars(&self.online_vs, &with_prefix(tensors, "online"), source)?;
        restore_vars(&self.target_vs, &with_prefix(tensors, "target"), source)?;
        let steps = i64::try_from(counters.updates).unwrap_or(i64::MAX);
        self.adam
            .restore(&with_prefix(tensors, "optim"), steps)
            .map_err(|e| std::io::Error::other(format!("{}: {e}", source.display())))?;
        let replay = with_prefix(tensors, "replay");
        for (name, slot) in [
            ("states", &mut self.replay.states),
            ("actions", &mut self.replay.actions),
            ("rewards", &mut self.replay.rewards),
        ] {
            let saved = replay.iter().find(|(n, _)| n == name).ok_or_else(|| {
                std::io::Error::other(format!("{}: replay.{name} missing", source.display()))
            })?;
            *slot = saved.1.to_device(slot.device());
        }
        self.epsilon = counters.epsilon;
        self.updates = counters.updates;
        self.replay.len = counters.replay_len;
        self.replay.next = counters.replay_next;
        Ok(())
    }
}

/// Greedy actions of `q` for `states`, without gradients; `dropout` runs it in train mode.
pub fn greedy_actions(q: &QNetwork, states: &Tensor, dropout: bool) -> Tensor {
    tch::no_grad(|| q.forward(states, dropout).argmax(1, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_buffer_keeps_the_newest_transitions() {
        let mut replay = Replay::new(4, Device::Cpu);
        let push = |replay: &mut Replay, from: i64, n: i64| {
            let actions = Tensor::arange_start(from, from + n, (Kind::Int64, Device::Cpu));
            let states = actions
                .to_kind(Kind::Float)
                .unsqueeze(1)
                .repeat([1, STATE_DIM]);
            replay.push(&states, &actions, &actions.to_kind(Kind::Float));
        };
        push(&mut replay, 0, 3);
        assert_eq!(replay.held(), 3);
        push(&mut replay, 3, 3);
        assert_eq!(replay.held(), 4);
        let mut held = Vec::<i64>::try_from(&replay.actions).unwrap();
        held.sort_unstable();
        assert_eq!(held, [2, 3, 4, 5]);
        // A batch larger than the buffer keeps its last ones.
        push(&mut replay, 10, 6);
        let mut held = Vec::<i64>::try_from(&replay.actions).unwrap();
        held.sort_unstable();
        assert_eq!(held, [12, 13, 14, 15]);
        let states = Vec::<f32>::try_from(&replay.states.select(1, 7)).unwrap();
        let rewards = Vec::<f32>::try_from(&replay.rewards).unwrap();
        assert_eq!(states, rewards, "rows stay together");
    }

    #[test]
    fn decisions_are_alpha_above_one_half() {
        let (attack, alpha) = decisions(&Tensor::from_slice(&[0i64, 10, 11, 20]), 21);
        assert_eq!(
            Vec::<bool>::try_from(&attack).unwrap(),
            [false, false, true, true]
        );
        assert_eq!(Vec::<f64>::try_from(&alpha).unwrap(), [0.0, 0.5, 0.55, 1.0]);
    }

    /// On states whose label is written in them, the agent learns to decide by it.
    #[test]
    fn the_agent_learns_a_separable_decision() {
        tch::manual_seed(7);
        let config = PipelineConfig {
            dqn_hidden: 32,
            dqn_layers: 2,
            dqn_batch_size: 64,
            dqn_buffer_size: 4096,
            dqn_target_update: 20,
            ..PipelineConfig::default()
        };
        let mut agent = Agent::new(&config, Device::Cpu);
        let labels = Tensor::randint(2, [512], (Kind::Int64, Device::Cpu));
        let states = Tensor::randn([512, STATE_DIM], (Kind::Float, Device::Cpu)) * 0.1;
        states.select(1, 9).copy_(&labels.to_kind(Kind::Float));
        for _ in 0..60 {
            agent.experience(&states, &labels);
            for _ in 0..8 {
                agent.train_step();
            }
        }
        let (attack, _) = decisions(&agent.greedy(&states, false), 21);
        let accuracy = attack
            .eq_tensor(&labels.to_kind(Kind::Bool))
            .to_kind(Kind::Float)
            .mean(Kind::Float)
            .double_value(&[]);
        assert!(accuracy > 0.95, "accuracy {accuracy}");
    }
}
