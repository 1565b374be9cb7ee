//! A followed sweep, shown as it goes: on a terminal, indicatif bars (the sweep's runs, and one bar
//! per training run with its epoch and latest loss); otherwise plain timestamped lines, an epoch
//! line at most every few seconds per run, so logs stay readable.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use kdgat_actors::machine::Outcome;
use kdgat_actors::tree::Progress;

use crate::output::outln;

/// How often a plain epoch line may repeat for one run.
const EPOCH_LINE_EVERY: Duration = Duration::from_secs(10);

/// What the user sees of a followed sweep.
pub struct SweepDisplay {
    bars: Option<Bars>,
    last_epoch_line: BTreeMap<String, Instant>,
    started: Instant,
}

struct Bars {
    multi: MultiProgress,
    sweep: ProgressBar,
    runs: BTreeMap<String, ProgressBar>,
}

impl SweepDisplay {
    /// Bars when standard error is a terminal, lines otherwise.
    pub fn new() -> SweepDisplay {
        let bars = std::io::stderr().is_terminal().then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let sweep = multi.add(ProgressBar::new(0));
            sweep.set_style(style(
                "{prefix:.bold} [{bar:30}] {pos}/{len} runs {elapsed_precise} {msg}",
            ));
            Bars {
                multi,
                sweep,
                runs: BTreeMap::new(),
            }
        });
        SweepDisplay {
            bars,
            last_epoch_line: BTreeMap::new(),
            started: Instant::now(),
        }
    }

    /// Shows one progress report.
    pub fn show(&mut self, progress: &Progress) {
        match progress {
            Progress::Planned { sweep, runs } => {
                let to_run = runs.iter().filter(|(_, r)| *r).count();
                let line = format!(
                    "sweep {sweep}: {} runs, {to_run} to run, {} up to date",
                    runs.len(),
                    runs.len() - to_run
                );
                match &self.bars {
                    Some(b) => {
                        b.sweep.set_length(runs.len() as u64);
                        b.sweep.set_prefix(sweep.clone());
                        let _ = b.multi.println(line);
                    }
                    None => self.line(&line),
                }
            }
            Progress::Phase { run, what, detail } => self.phase(run, what, detail),
            Progress::Epoch {
                run,
                done,
                of,
                metrics,
            } => self.epoch(run, *done, *of, metrics),
            Progress::Ended {
                run,
                outcome,
                skipped,
            } => self.ended(run, outcome, *skipped),
            Progress::Scheduler {
                reachable: false,
                detail,
            } => self.note(&format!(
                "the scheduler does not answer; runs wait, none fails for it: {detail}"
            )),
            Progress::Scheduler { detail, .. } => {
                self.note(&format!("the scheduler answers again ({detail})"));
            }
            Progress::SweepEnded { .. } => {
                if let Some(b) = &self.bars {
                    b.sweep.finish_and_clear();
                }
            }
        }
    }

    /// Prints a note between the bars (or as a line).
    pub fn note(&mut self, text: &str) {
        match &self.bars {
            Some(b) => {
                let _ = b.multi.println(text);
            }
            None => self.line(text),
        }
    }

    fn phase(&mut self, run: &str, what: &str, detail: &str) {
        let text = match what {
            "submitted" => format!("{run}: submitted ({detail})"),
            "running" => format!("{run}: running"),
            "resume" => format!("{run}: {detail}; resuming from its checkpoint"),
            "lost" | "submit_failed" | "actor_failed" => format!("{run}: {what}: {detail}"),
            _ => return,
        };
        match &mut self.bars {
            Some(b) if what == "running" => {
                let bar = b.multi.add(ProgressBar::new(0));
                bar.set_style(style("  {prefix:40} [{bar:20}] {pos}/{len} {msg}"));
                bar.set_prefix(run.to_string());
                b.runs.insert(run.to_string(), bar);
            }
            Some(b) => {
                let _ = b.multi.println(text);
            }
            None => self.line(&text),
        }
    }

    fn epoch(&mut self, run: &str, done: i64, of: i64, metrics: &[(String, f64)]) {
        let shown: Vec<String> = metrics
            .iter()
            .filter(|(k, _)| k.starts_with("val_"))
            .take(2)
            .map(|(k, v)| format!("{k}={v:.4}"))
            .collect();
        if let Some(b) = &self.bars {
            if let Some(bar) = b.runs.get(run) {
                bar.set_length(of.max(done) as u64);
                bar.set_position(done as u64);
                bar.set_message(shown.join(" "));
            }
            return;
        }
        let due = self
            .last_epoch_line
            .get(run)
            .is_none_or(|t| t.elapsed() >= EPOCH_LINE_EVERY);
        if due {
            self.last_epoch_line.insert(run.to_string(), Instant::now());
            // A stage that says nothing of how many epochs it has (the graph cache) shows its count.
            let epochs = if of > 0 {
                format!("{done}/{of}")
            } else {
                done.to_string()
            };
            self.line(&format!("{run}: epoch {epochs} {}", shown.join(" ")));
        }
    }

    fn ended(&mut self, run: &str, outcome: &Outcome, skipped: bool) {
        let text = match (outcome, skipped) {
            (Outcome::Complete, true) => format!("{run}: up to date"),
            (Outcome::Complete, false) => format!("{run}: complete"),
            (Outcome::Failed(why), _) => format!("{run}: FAILED: {why}"),
            (Outcome::Cancelled, _) => format!("{run}: cancelled"),
        };
        match &mut self.bars {
            Some(b) => {
                if let Some(bar) = b.runs.remove(run) {
                    bar.finish_and_clear();
                }
                b.sweep.inc(1);
                let _ = b.multi.println(text);
            }
            None => self.line(&text),
        }
    }

    fn line(&self, text: &str) {
        let elapsed = self.started.elapsed().as_secs();
        // A reader that went away does not stop the sweep; the summary's write reports it.
        let _ = outln!(
            "[{:02}:{:02}:{:02}] {text}",
            elapsed / 3600,
            elapsed / 60 % 60,
            elapsed % 60
        );
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// A spinner with a message and the time spent, on standard error when it is a terminal, for work
/// in the foreground that reports only when it is done (ingest, the graph cache); nothing
/// otherwise. It is cleared when dropped.
pub struct Working(Option<ProgressBar>);

impl Working {
    /// Starts showing `message`.
    pub fn new(message: String) -> Working {
        Working(std::io::stderr().is_terminal().then(|| {
            let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            spinner.set_style(style("{spinner} {msg} {elapsed}"));
            spinner.set_message(message);
            spinner.enable_steady_tick(Duration::from_millis(120));
            spinner
        }))
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        if let Some(spinner) = &self.0 {
            spinner.finish_and_clear();
        }
    }
}
