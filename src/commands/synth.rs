//! `kdgat synth`: writes the synthetic dataset where the catalog's `synthetic` entry reads it (or
//! into `--out`), and says what it wrote.

use std::time::Instant;

use kdgat_jobs::synth::{DATASET, SynthError, SynthParams, write_dataset};
use serde_json::json;

use crate::cli::{GlobalArgs, SynthArgs};
use crate::error::UserError;

/// Writes the dataset and prints a summary (or JSON).
pub fn run(global: &GlobalArgs, args: &SynthArgs) -> anyhow::Result<()> {
    let dir = match &args.out {
        Some(dir) => dir.clone(),
        None => {
            let catalog = super::load_catalog(global)?;
            super::dataset(&catalog, DATASET)?.csv_path(&global.data_root)
        }
    };
    let params = SynthParams {
        seed: args.seed,
        ..SynthParams::default()
    }
    .scaled(args.scale);
    let started = Instant::now();
    let report = write_dataset(&dir, &params, args.force).map_err(|e| match e {
        SynthError::Io { .. } => anyhow::Error::from(e),
        other => UserError::InvalidData(Box::new(other)).into(),
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let (messages, bytes) = (report.messages(), report.bytes());
    let injected: u64 = report
        .record
        .captures
        .iter()
        .map(|c| c.attack_messages)
        .sum();
    if args.json {
        let summary = json!({
            "dir": dir,
            "written": report.written,
            "seed": params.seed,
            "files": report.record.captures.len(),
            "messages": messages,
            "attack_messages": injected,
            "bytes": bytes,
            "seconds": seconds,
        });
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if report.written {
        println!(
            "wrote {} captures, {messages} messages ({injected} injected), {:.1} MiB in {seconds:.2} s \
             ({:.1} M messages/s), seed {}",
            report.record.captures.len(),
            bytes as f64 / (1024.0 * 1024.0),
            messages as f64 / seconds.max(1e-9) / 1e6,
            params.seed
        );
        println!("{}", dir.display());
    } else {
        println!(
            "the same dataset is already there (seed {}, {messages} messages); --force writes it again",
            params.seed
        );
        println!("{}", dir.display());
    }
    Ok(())
}
