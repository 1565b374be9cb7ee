//! Which planned runs are up to date, decided from what their run directories hold ([`Observed`])
//! without touching the disk. A run is up to date when it finished with the planned config, every
//! run it depends on is up to date, and each of them is still the one it was built on (its finish
//! stamp is the one the run's last attempt recorded). Otherwise it runs, with the reason; it
//! resumes from its checkpoint only when it was interrupted and nothing it depends on changed.

use std::collections::BTreeMap;

use kdgat_jobs::run_dir::Completion;

use super::planner::Plan;

/// What a run directory holds, as far as planning cares.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Finished or not.
    pub completion: Completion,
    /// Whether the config it ran with is the planned one.
    pub config_matches: bool,
    /// When it finished (opaque; changes whenever it finishes again).
    pub stamp: Option<String>,
    /// The finish stamps of the runs it was built on, as its last attempt recorded them.
    pub inputs: BTreeMap<String, String>,
}

impl Observed {
    /// Nothing there.
    pub fn nothing() -> Observed {
        Observed {
            completion: Completion::NotStarted,
            config_matches: false,
            stamp: None,
            inputs: BTreeMap::new(),
        }
    }
}

/// The decision for one run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Freshness {
    /// Finished with this config on these inputs: skipped.
    UpToDate,
    /// To run.
    Run {
        /// Why.
        why: String,
        /// Resume from its checkpoint (else any checkpoint is discarded).
        resume: bool,
    },
}

impl Freshness {
    /// Whether it runs.
    pub fn runs(&self) -> bool {
        matches!(self, Freshness::Run { .. })
    }
}

/// Decides every run of `plan`; `force` reruns them all.
pub fn decide(
    plan: &Plan,
    observed: &BTreeMap<String, Observed>,
    force: bool,
) -> BTreeMap<String, Freshness> {
    let mut decisions: BTreeMap<String, Freshness> = BTreeMap::new();
    let nothing = Observed::nothing();
    for run in &plan.runs {
        let obs = observed.get(&run.run_id).unwrap_or(&nothing);
        let rerun_dep = run
            .deps
            .iter()
            .find(|d| decisions.get(d.as_str()).is_none_or(Freshness::runs));
        let changed_dep = run.deps.iter().find(|d| {
            let now = observed.get(d.as_str()).and_then(|o| o.stamp.as_ref());
            obs.inputs
                .get(d.as_str())
                .is_some_and(|then| Some(then) != now)
        });
        let run_because = |why: String| Freshness::Run { why, resume: false };
        let decision = if force {
            run_because("--force".into())
        } else if obs.completion == Completion::NotStarted {
            run_because("not run yet".into())
        } else if !obs.config_matches && obs.completion != Completion::NotStarted {
            run_because("its config changed".into())
        } else if let Some(dep) = rerun_dep {
            run_because(format!("{dep} runs first"))
        } else if let Some(dep) = changed_dep {
            run_because(format!("{dep} changed since it ran"))
        } else {
            match &obs.completion {
                Completion::Finished => Freshness::UpToDate,
                Completion::Interrupted => Freshness::Run {
                    why: "interrupted: resumes from its checkpoint".into(),
                    resume: true,
                },
                Completion::Failed { error, .. } => run_because(format!("failed before ({error})")),
                Completion::Unfinished => run_because("started before and did not finish".into()),
                Completion::NotStarted => run_because("not run yet".into()),
            }
        };
        decisions.insert(run.run_id.clone(), decision);
    }
    decisions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::planner::plan;
    use crate::plan::planner::tests::request;
    use kdgat_jobs::config::Variant;

    fn finished(stamp: &str, inputs: &[(&str, &str)]) -> Observed {
        Observed {
            completion: Completion::Finished,
            config_matches: true,
            stamp: Some(stamp.into()),
            inputs: inputs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn running(decisions: &BTreeMap<String, Freshness>) -> Vec<&str> {
        decisions
            .iter()
            .filter(|(_, d)| d.runs())
            .map(|(id, _)| id.as_str())
            .collect()
    }

    #[test]
    fn only_what_is_downstream_of_a_change_reruns() {
        let plan = plan(
            &request(&[Variant::Teacher, Variant::StudentKd]),
            &["hcrl_sa"],
        )
        .unwrap();
        // Everything finished, each run built on its dependencies' current stamps.
        let mut observed: BTreeMap<String, Observed> = BTreeMap::new();
        for run in &plan.runs {
            let inputs: Vec<(&str, &str)> = run.deps.iter().map(|d| (d.as_str(), "t0")).collect();
            observed.insert(run.run_id.clone(), finished("t0", &inputs));
        }
        assert!(running(&decide(&plan, &observed, false)).is_empty());
        assert_eq!(
            running(&decide(&plan, &observed, true)).len(),
            plan.runs.len()
        );

        // The teacher's fusion config changed: it, its evaluation and the student's fusion and
        // evaluation rerun; nothing upstream, and not the student's autoencoder or curriculum.
        observed
            .get_mut("hcrl_sa/teacher_fusion")
            .unwrap()
            .config_matches = false;
        let decisions = decide(&plan, &observed, false);
        assert_eq!(
            running(&decisions),
            [
                "hcrl_sa/student_evaluation_kd",
                "hcrl_sa/student_fusion_kd",
                "hcrl_sa/teacher_evaluation",
                "hcrl_sa/teacher_fusion",
            ]
        );
        assert_eq!(
            decisions["hcrl_sa/student_fusion_kd"],
            Freshness::Run {
                why: "hcrl_sa/teacher_fusion runs first".into(),
                resume: false
            }
        );

        // The teacher's curriculum finished again since the student's was built on it.
        observed
            .get_mut("hcrl_sa/teacher_fusion")
            .unwrap()
            .config_matches = true;
        observed
            .get_mut("hcrl_sa/teacher_curriculum")
            .unwrap()
            .stamp = Some("t1".into());
        let decisions = decide(&plan, &observed, false);
        assert!(decisions["hcrl_sa/student_curriculum_kd"].runs());
        assert!(decisions["hcrl_sa/teacher_fusion"].runs());
        assert!(!decisions["hcrl_sa/student_autoencoder_kd"].runs());
    }

    #[test]
    fn an_interrupted_run_resumes_only_when_nothing_before_it_changed() {
        let plan = plan(&request(&[Variant::Teacher]), &["hcrl_sa"]).unwrap();
        let mut observed: BTreeMap<String, Observed> = plan
            .runs
            .iter()
            .map(|r| (r.run_id.clone(), finished("t0", &[])))
            .collect();
        let cur = observed.get_mut("hcrl_sa/teacher_curriculum").unwrap();
        cur.completion = Completion::Interrupted;
        let decisions = decide(&plan, &observed, false);
        assert!(matches!(
            decisions["hcrl_sa/teacher_curriculum"],
            Freshness::Run { resume: true, .. }
        ));
        observed
            .get_mut("hcrl_sa/teacher_autoencoder")
            .unwrap()
            .completion = Completion::Failed {
            error: "oom".into(),
            transient: false,
        };
        let decisions = decide(&plan, &observed, false);
        assert_eq!(
            decisions["hcrl_sa/teacher_autoencoder"],
            Freshness::Run {
                why: "failed before (oom)".into(),
                resume: false
            }
        );
        assert!(matches!(
            decisions["hcrl_sa/teacher_curriculum"],
            Freshness::Run { resume: false, .. }
        ));
    }
}
