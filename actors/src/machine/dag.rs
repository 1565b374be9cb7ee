//! The gate of a dataset's DAG, pure: which runs may start (every run they depend on complete) and
//! which never will (one failed: the run fails; one was cancelled: it is cancelled too), as runs
//! end. Each run is released once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a run ended, as the DAG cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Finished (or up to date).
    Complete,
    /// Failed, or could not run.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
}

/// What the gate decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Start this run: everything it depends on is complete.
    Start(String),
    /// This run will never start: the first run it depends on that failed, and why.
    Blocked {
        /// The run.
        run: String,
        /// Why (`{dep} failed`).
        why: String,
    },
    /// This run is cancelled with a run it depends on.
    Cancelled(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Waiting,
    Released,
    Ended(Outcome),
}

/// A dataset's runs and their dependencies.
#[derive(Debug, Clone)]
pub struct Dag {
    deps: BTreeMap<String, Vec<String>>,
    nodes: BTreeMap<String, Node>,
    order: Vec<String>,
}

impl Dag {
    /// The runs, in plan order, with their dependencies; `ended` are the runs that are already over
    /// (a rebuild from the store), `started` those already released.
    pub fn new(
        runs: impl IntoIterator<Item = (String, Vec<String>)>,
        ended: &BTreeMap<String, Outcome>,
        started: &[String],
    ) -> Dag {
        let mut dag = Dag {
            deps: BTreeMap::new(),
            nodes: BTreeMap::new(),
            order: Vec::new(),
        };
        for (run, deps) in runs {
            let node = match ended.get(&run) {
                Some(outcome) => Node::Ended(outcome.clone()),
                None if started.contains(&run) => Node::Released,
                None => Node::Waiting,
            };
            dag.nodes.insert(run.clone(), node);
            dag.deps.insert(run.clone(), deps);
            dag.order.push(run);
        }
        dag
    }

    /// Records how `run` ended; returns what that releases or blocks (blocking cascades).
    pub fn ended(&mut self, run: &str, outcome: Outcome) -> Vec<Gate> {
        if let Some(node) = self.nodes.get_mut(run) {
            *node = Node::Ended(outcome);
        }
        self.release()
    }

    /// The runs that can start or never will, given what has ended so far.
    pub fn release(&mut self) -> Vec<Gate> {
        let mut gates = Vec::new();
        loop {
            let mut changed = false;
            for run in &self.order {
                if self.nodes[run] != Node::Waiting {
                    continue;
                }
                let mut ready = true;
                let mut blocked = None;
                for dep in &self.deps[run] {
                    match self.nodes.get(dep) {
                        Some(Node::Ended(Outcome::Complete)) | None => {}
                        Some(Node::Ended(Outcome::Failed(_))) => {
                            blocked.get_or_insert(Some(format!("{dep} failed")));
                        }
                        Some(Node::Ended(Outcome::Cancelled)) => {
                            blocked.get_or_insert(None);
                        }
                        Some(_) => ready = false,
                    }
                }
                if let Some(why) = blocked {
                    let (gate, outcome) = match why {
                        Some(why) => (
                            Gate::Blocked {
                                run: run.clone(),
                                why: why.clone(),
                            },
                            Outcome::Failed(why),
                        ),
                        None => (Gate::Cancelled(run.clone()), Outcome::Cancelled),
                    };
                    gates.push(gate);
                    self.nodes.insert(run.clone(), Node::Ended(outcome));
                    changed = true;
                } else if ready {
                    gates.push(Gate::Start(run.clone()));
                    self.nodes.insert(run.clone(), Node::Released);
                }
            }
            if !changed {
                return gates;
            }
        }
    }

    /// Whether every run has ended.
    pub fn is_done(&self) -> bool {
        self.nodes.values().all(|n| matches!(n, Node::Ended(_)))
    }

    /// Every run's outcome so far (`None`: not ended), in plan order.
    pub fn outcomes(&self) -> Vec<(&str, Option<&Outcome>)> {
        self.order
            .iter()
            .map(|run| match &self.nodes[run] {
                Node::Ended(outcome) => (run.as_str(), Some(outcome)),
                _ => (run.as_str(), None),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> Vec<(String, Vec<String>)> {
        [
            ("g", vec![]),
            ("ae", vec!["g"]),
            ("cur", vec!["g", "ae"]),
            ("ae_kd", vec!["g", "ae"]),
            ("cur_kd", vec!["g", "ae_kd", "cur"]),
        ]
        .into_iter()
        .map(|(r, d)| (r.to_string(), d.into_iter().map(String::from).collect()))
        .collect()
    }

    fn start(run: &str) -> Gate {
        Gate::Start(run.into())
    }

    #[test]
    fn runs_start_once_everything_before_them_completed() {
        let mut dag = Dag::new(chain(), &BTreeMap::new(), &[]);
        assert_eq!(dag.release(), [start("g")]);
        assert!(dag.release().is_empty(), "released once");
        assert_eq!(dag.ended("g", Outcome::Complete), [start("ae")]);
        assert_eq!(
            dag.ended("ae", Outcome::Complete),
            [start("cur"), start("ae_kd")]
        );
        assert!(dag.ended("ae_kd", Outcome::Complete).is_empty());
        assert_eq!(dag.ended("cur", Outcome::Complete), [start("cur_kd")]);
        assert!(!dag.is_done());
        dag.ended("cur_kd", Outcome::Complete);
        assert!(dag.is_done());
    }

    #[test]
    fn a_failure_blocks_everything_downstream_and_only_that() {
        let mut dag = Dag::new(chain(), &BTreeMap::new(), &[]);
        dag.release();
        dag.ended("g", Outcome::Complete);
        let gates = dag.ended("ae", Outcome::Failed("oom".into()));
        assert_eq!(
            gates,
            [
                Gate::Blocked {
                    run: "cur".into(),
                    why: "ae failed".into()
                },
                Gate::Blocked {
                    run: "ae_kd".into(),
                    why: "ae failed".into()
                },
                Gate::Blocked {
                    run: "cur_kd".into(),
                    why: "ae_kd failed".into()
                },
            ]
        );
        assert!(dag.is_done());
    }

    #[test]
    fn a_rebuilt_dag_continues_where_the_store_left_it() {
        let ended: BTreeMap<String, Outcome> = [
            ("g".to_string(), Outcome::Complete),
            ("ae".to_string(), Outcome::Complete),
        ]
        .into();
        let mut dag = Dag::new(chain(), &ended, &["cur".to_string()]);
        assert_eq!(dag.release(), [start("ae_kd")], "cur is already running");
        assert_eq!(
            dag.ended("cur", Outcome::Cancelled),
            [Gate::Cancelled("cur_kd".into())],
            "cancelled with cur at once, without waiting for ae_kd"
        );
        assert!(dag.ended("ae_kd", Outcome::Complete).is_empty());
        assert!(dag.is_done());
        assert_eq!(
            dag.outcomes().last(),
            Some(&("cur_kd", Some(&Outcome::Cancelled)))
        );
    }
}
