//! Adam with L2 weight decay, as `torch.optim.Adam(lr, weight_decay)` computes it, with its state
//! (moments and step count) as named tensors so that a resumable checkpoint holds it and a resumed
//! run continues bit for bit. AdamW (decoupled decay) is the same with `decoupled = true`.

use tch::{Tensor, nn};

/// The optimizer.
#[derive(Debug)]
pub struct Adam {
    params: Vec<(String, Tensor)>,
    exp_avg: Vec<Tensor>,
    exp_avg_sq: Vec<Tensor>,
    /// Steps taken.
    pub steps: i64,
    weight_decay: f64,
    decoupled: bool,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

impl Adam {
    /// An optimizer over every trainable variable of `vs` (sorted by name).
    pub fn new(vs: &nn::VarStore, weight_decay: f64, decoupled: bool) -> Adam {
        let mut params: Vec<(String, Tensor)> = vs
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let zeros = |params: &[(String, Tensor)]| -> Vec<Tensor> {
            params.iter().map(|(_, t)| t.zeros_like()).collect()
        };
        Adam {
            exp_avg: zeros(&params),
            exp_avg_sq: zeros(&params),
            params,
            steps: 0,
            weight_decay,
            decoupled,
        }
    }

    /// Sets every gradient to zero.
    pub fn zero_grad(&mut self) {
        for (_, p) in &mut self.params {
            p.zero_grad();
        }
    }

    /// Scales the gradients so that their global L2 norm is at most `max_norm` (as
    /// `clip_grad_norm_`); returns the norm before clipping.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> f64 {
        tch::no_grad(|| {
            let grads: Vec<Tensor> = self
                .params
                .iter()
                .map(|(_, p)| p.grad())
                .filter(Tensor::defined)
                .collect();
            if grads.is_empty() {
                return 0.0;
            }
            let norms: Vec<Tensor> = grads.iter().map(|g| g.norm()).collect();
            let total = Tensor::stack(&norms, 0).norm().double_value(&[]);
            let coef = max_norm / (total + 1e-6);
            if coef < 1.0 {
                for mut g in grads {
                    let _ = g.g_mul_scalar_(coef);
                }
            }
            total
        })
    }

    /// Multiplies every gradient by `factor`; whether all of them are finite afterwards.
    pub fn unscale_grads(&self, factor: f64) -> bool {
        tch::no_grad(|| {
            let mut finite = true;
            for (_, p) in &self.params {
                let mut g = p.grad();
                if g.defined() {
                    let _ = g.g_mul_scalar_(factor);
                    finite &= g.isfinite().all().int64_value(&[]) != 0;
                }
            }
            finite
        })
    }

    /// One update with learning rate `lr`; parameters without a gradient are left alone.
    pub fn step(&mut self, lr: f64) {
        self.steps += 1;
        let bias1 = 1.0 - BETA1.powi(self.steps as i32);
        let bias2 = 1.0 - BETA2.powi(self.steps as i32);
        tch::no_grad(|| {
            for (i, (_, p)) in self.params.iter_mut().enumerate() {
                let mut grad = p.grad();
                if !grad.defined() {
                    continue;
                }
                if self.weight_decay != 0.0 {
                    if self.decoupled {
                        let _ = p.g_mul_scalar_(1.0 - lr * self.weight_decay);
                    } else {
                        grad = &grad + &*p * self.weight_decay;
                    }
                }
                let m = &mut self.exp_avg[i];
                let _ = m.g_mul_scalar_(BETA1);
                let _ = m.g_add_(&(&grad * (1.0 - BETA1)));
                let v = &mut self.exp_avg_sq[i];
                let _ = v.g_mul_scalar_(BETA2);
                let _ = v.g_add_(&(&grad * &grad * (1.0 - BETA2)));
                let denom = v.sqrt() / bias2.sqrt() + EPS;
                let _ = p.g_sub_(&(&*m / denom * (lr / bias1)));
            }
        });
    }

    /// The state as named tensors (`exp_avg.NAME`, `exp_avg_sq.NAME`) for a checkpoint.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        self.params
            .iter()
            .enumerate()
            .flat_map(|(i, (name, _))| {
                [
                    (format!("exp_avg.{name}"), self.exp_avg[i].shallow_clone()),
                    (
                        format!("exp_avg_sq.{name}"),
                        self.exp_avg_sq[i].shallow_clone(),
                    ),
                ]
            })
            .collect()
    }

    /// Restores the state written by [`Adam::state`]; `None` names a missing tensor.
    pub fn restore(&mut self, tensors: &[(String, Tensor)], steps: i64) -> Result<(), String> {
        let find = |key: &str| tensors.iter().find(|(n, _)| n == key).map(|(_, t)| t);
        for (i, (name, _)) in self.params.iter().enumerate() {
            for (prefix, slot) in [
                ("exp_avg", &mut self.exp_avg[i]),
                ("exp_avg_sq", &mut self.exp_avg_sq[i]),
            ] {
                let key = format!("{prefix}.{name}");
                let saved = find(&key).ok_or_else(|| format!("optimizer state {key} missing"))?;
                tch::no_grad(|| slot.copy_(saved));
            }
        }
        self.steps = steps;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    /// One parameter, a few steps of a quadratic, against values from `torch.optim.Adam` (torch
    /// 2.11: `p = [1.0, -2.0]`, loss `(p**2).sum()`, lr 0.1, weight_decay 0.01, 3 steps).
    #[test]
    fn matches_torch_adam_with_weight_decay() {
        let vs = nn::VarStore::new(Device::Cpu);
        let p = vs
            .root()
            .var_copy("p", &Tensor::from_slice(&[1.0f32, -2.0]));
        let mut adam = Adam::new(&vs, 0.01, false);
        for _ in 0..3 {
            adam.zero_grad();
            (&p * &p).sum(Kind::Float).backward();
            adam.step(0.1);
        }
        let got = Vec::<f32>::try_from(&p).unwrap();
        let want = [0.701_586_25f32, -1.700_623_4];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-5, "{got:?} vs {want:?}");
        }
    }
}
