//! A run directory's `events.jsonl` (written by a job that may have been killed mid-line, or by
//! anything else) never makes its readers panic — the supervisor's follower and the import:
//! arbitrary lines, a valid log with bytes changed, odd values where numbers belong, deep nesting.

#[path = "../../jobs/tests/fuzz_inputs/mod.rs"]
mod fuzz_inputs;

use kdgat_actors::import::{epoch_points, run_dir_ops};
use kdgat_jobs::run_dir::EventTail;
use proptest::prelude::*;

use fuzz_inputs::{CASES, edits, mutate, nested, text};

const EVENTS: &str = "{\"kind\":\"started\",\"host\":\"n1\"}\n\
    {\"kind\":\"epoch\",\"step\":0,\"time_ms\":1795000000000,\"metrics\":{\"train_loss\":2.0,\"val_loss\":2.5}}\n\
    {\"kind\":\"epoch\",\"step\":1,\"time_ms\":1795000001000,\"metrics\":{\"train_loss\":1.0}}\n";

/// A value of any JSON type, for fields that should hold numbers or strings.
fn odd_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_string()),
        Just("-1e400".to_string()),
        Just("18446744073709551616".to_string()),
        Just("\"NaN\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        "[ -~]{0,12}".prop_map(|s| format!("{s:?}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn the_event_log_reader_never_panics(
        lines in text(),
        edits in edits(),
        step in odd_value(),
        time in odd_value(),
        metric in odd_value(),
        depth in 0usize..400,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        let run = runs.join("hcrl_sa/teacher_autoencoder");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("config.json"), r#"{"lr": 0.003}"#).unwrap();
        let typed = format!(
            "{{\"kind\":\"epoch\",\"step\":{step},\"time_ms\":{time},\"metrics\":{{\"m\":{metric}}}}}\n"
        );
        let deep = format!("{}\n", nested("[", "]", depth));
        for bytes in [
            lines.into_bytes(),
            mutate(EVENTS, &edits),
            typed.into_bytes(),
            deep.into_bytes(),
        ] {
            std::fs::write(run.join("events.jsonl"), bytes).unwrap();
            let _ = run_dir_ops(&runs, &run, Some("s"));
            if let Ok(read) = EventTail::new(&run.join("events.jsonl")).read(7, 1) {
                let _ = epoch_points(&read.events);
            }
        }
    }
}
