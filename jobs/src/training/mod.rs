//! The training engine shared by the model stages: our Adam (its state checkpointable), learning-rate
//! schedules, the epoch loop with validation, early stopping on `val_loss` and the **best**
//! validation checkpoint, per-step seeding (so a resumed run continues bit for bit on CPU),
//! preemption on SIGUSR2/SIGTERM with a resumable checkpoint, and the run directory's
//! `events.jsonl` and `benchmark.tsv`.

pub mod adam;
pub mod engine;
pub mod preempt;
pub mod resume;
pub mod schedule;
