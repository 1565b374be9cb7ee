//! Learning-rate schedules, per epoch, as PyTorch's schedulers compute them: cosine annealing over
//! `t_max` epochs (`-1`: over `max_epochs`), step decay by `gamma` every `step_size` epochs, and
//! reduce-on-plateau of `val_loss` (factor `gamma`, patience `step_size` epochs). Its state is
//! plain numbers, kept in the resumable checkpoint.

use serde::{Deserialize, Serialize};

use crate::config::{PipelineConfig, SchedulerType};

/// A schedule and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    kind: Option<SchedulerType>,
    base_lr: f64,
    t_max: f64,
    step_size: u32,
    gamma: f64,
    /// The current learning rate.
    pub lr: f64,
    plateau_best: Option<f64>,
    plateau_bad: u32,
}

impl Schedule {
    /// The schedule `config` asks for (constant when `use_scheduler` is off).
    pub fn new(config: &PipelineConfig) -> Schedule {
        let t_max = if config.scheduler_t_max > 0 {
            config.scheduler_t_max as f64
        } else {
            f64::from(config.max_epochs)
        };
        Schedule {
            kind: config.use_scheduler.then_some(config.scheduler_type),
            base_lr: config.lr,
            t_max,
            step_size: config.scheduler_step_size.max(1),
            gamma: config.scheduler_gamma,
            lr: config.lr,
            plateau_best: None,
            plateau_bad: 0,
        }
    }

    /// Moves to the learning rate for the epoch after `finished_epoch` (from 0), given that epoch's
    /// validation loss.
    pub fn end_epoch(&mut self, finished_epoch: u32, val_loss: f64) {
        let next = f64::from(finished_epoch + 1);
        match self.kind {
            None => {}
            Some(SchedulerType::Cosine) => {
                let phase = std::f64::consts::PI * (next.min(self.t_max) / self.t_max);
                self.lr = self.base_lr * (1.0 + phase.cos()) / 2.0;
            }
            Some(SchedulerType::Step) => {
                let decays = (finished_epoch + 1) / self.step_size;
                self.lr = self.base_lr * self.gamma.powi(decays as i32);
            }
            Some(SchedulerType::Plateau) => {
                if self
                    .plateau_best
                    .is_none_or(|best| val_loss < best * (1.0 - 1e-4))
                {
                    self.plateau_best = Some(val_loss);
                    self.plateau_bad = 0;
                } else {
                    self.plateau_bad += 1;
                    if self.plateau_bad > self.step_size {
                        self.lr *= self.gamma;
                        self.plateau_bad = 0;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: SchedulerType) -> PipelineConfig {
        PipelineConfig {
            lr: 0.1,
            max_epochs: 10,
            use_scheduler: true,
            scheduler_type: kind,
            scheduler_step_size: 3,
            scheduler_gamma: 0.5,
            ..PipelineConfig::default()
        }
    }

    #[test]
    fn cosine_reaches_zero_at_t_max() {
        let mut s = Schedule::new(&config(SchedulerType::Cosine));
        for epoch in 0..10 {
            s.end_epoch(epoch, 1.0);
        }
        assert!(s.lr.abs() < 1e-12, "{}", s.lr);
        let mut half = Schedule::new(&config(SchedulerType::Cosine));
        for epoch in 0..5 {
            half.end_epoch(epoch, 1.0);
        }
        assert!((half.lr - 0.05).abs() < 1e-12);
    }

    #[test]
    fn step_and_plateau_decay() {
        let mut s = Schedule::new(&config(SchedulerType::Step));
        let lrs: Vec<f64> = (0..7)
            .map(|e| {
                s.end_epoch(e, 1.0);
                s.lr
            })
            .collect();
        assert_eq!(lrs, [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]);
        let mut p = Schedule::new(&config(SchedulerType::Plateau));
        p.end_epoch(0, 1.0);
        for e in 1..=4 {
            p.end_epoch(e, 1.0);
        }
        assert_eq!(p.lr, 0.05, "four epochs without improvement, patience 3");
        let constant = Schedule::new(&PipelineConfig {
            lr: 0.2,
            ..PipelineConfig::default()
        });
        assert_eq!(constant.lr, 0.2);
    }
}
