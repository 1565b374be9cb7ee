//! Writing a synthetic dataset into a directory: the vehicles and every capture's episodes drawn
//! from the seed, the captures generated in parallel (each from its own seeded stream, so the files
//! do not depend on the order they are written in), each CSV written atomically, and `synth.json`
//! last, so a directory with a `synth.json` is complete.
//!
//! A directory whose `synth.json` has the same format and parameters, with every capture present,
//! is left as it is unless forced. A non-empty directory without `synth.json` is not ours, and is
//! refused.

use std::path::{Path, PathBuf};

use super::attack::schedule;
use super::capture::{CaptureSpec, generate};
use super::plan::{
    CAPTURES, CaptureRecord, EpisodeRecord, RECORD_FILE, SYNTH_FORMAT, SynthParams, SynthRecord,
    Which,
};
use super::rng::Rng;
use super::vehicle::Vehicle;
use crate::atomic::write_atomic;
use crate::parallel::map_in_parallel;

/// The first capture's first timestamp: 2023-11-14 22:13:20 UTC, in microseconds.
const START_US: u64 = 1_700_000_000_000_000;
/// Captures start an hour apart.
const CAPTURE_SPACING_US: u64 = 3_600_000_000;

/// Why a dataset could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A parameter out of range.
    #[error("synth parameter {field}: {message}")]
    BadParams {
        /// The parameter.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The directory holds files `kdgat synth` did not write.
    #[error(
        "{0} is not empty and has no {RECORD_FILE}: kdgat synth only writes into an empty directory or one it wrote; choose another output directory"
    )]
    NotOurs(PathBuf),
    /// An existing `synth.json` cannot be read.
    #[error("{path}: {message}")]
    BadRecord {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// What `write_dataset` did.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthReport {
    /// The dataset's directory.
    pub dir: PathBuf,
    /// False when an identical dataset was already there.
    pub written: bool,
    /// The record (as in `synth.json`).
    pub record: SynthRecord,
}

impl SynthReport {
    /// Rows of every capture.
    pub fn messages(&self) -> u64 {
        self.record.captures.iter().map(|c| c.messages).sum()
    }

    /// Bytes of every capture.
    pub fn bytes(&self) -> u64 {
        self.record.captures.iter().map(|c| c.bytes).sum()
    }
}

/// Writes the dataset of `params` into `dir` (unless an identical one is there and not `force`).
pub fn write_dataset(
    dir: &Path,
    params: &SynthParams,
    force: bool,
) -> Result<SynthReport, SynthError> {
    if let Some((field, message)) = params.problem() {
        return Err(SynthError::BadParams { field, message });
    }
    if let Some(record) = existing(dir)? {
        let complete = record.captures.iter().all(|c| dir.join(&c.file).is_file());
        if !force && record.format == SYNTH_FORMAT && record.params == *params && complete {
            return Ok(SynthReport {
                dir: dir.to_path_buf(),
                written: false,
                record,
            });
        }
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SynthError::Io { path, source }
    };
    let vehicles: Vec<Vehicle> = [Which::Known, Which::Unknown]
        .iter()
        .enumerate()
        .map(|(i, which)| {
            Vehicle::generate(which.profile(), &mut Rng::new(params.seed, &[1, i as u64]))
        })
        .collect();
    let micros = |s: f64| (s * 1e6) as u64;
    let indices: Vec<usize> = (0..CAPTURES.len()).collect();
    let captures = map_in_parallel(&indices, |&i| {
        let plan = CAPTURES[i];
        let vehicle = &vehicles[usize::from(plan.vehicle == Which::Unknown)];
        let seconds = if plan.is_training() {
            params.train_seconds
        } else {
            params.test_seconds
        };
        let mut rng = Rng::new(params.seed, &[2, i as u64]);
        let [episode_lo, episode_hi] = params.episode_seconds.map(micros);
        let [gap_lo, gap_hi] = params.gap_seconds.map(micros);
        let episodes = plan.attack.map_or_else(Vec::new, |kind| {
            schedule(
                kind,
                vehicle,
                micros(seconds),
                (episode_lo, episode_hi),
                (gap_lo, gap_hi),
                &mut rng,
            )
        });
        let capture = generate(
            &CaptureSpec {
                vehicle,
                attack: plan.attack.map(|kind| (kind, episodes.as_slice())),
                duration_us: micros(seconds),
                start_us: START_US + i as u64 * CAPTURE_SPACING_US,
            },
            &mut rng,
        );
        let file = plan.rel_path();
        let path = dir.join(&file);
        write_atomic(&path, &capture.csv).map_err(io(&path))?;
        Ok(CaptureRecord {
            file,
            vehicle: vehicle.name.clone(),
            attack: plan.attack,
            seconds,
            messages: capture.messages,
            attack_messages: capture.attack_messages,
            bytes: capture.csv.len() as u64,
            episodes: episodes
                .iter()
                .map(|e| EpisodeRecord {
                    start_s: e.start_us as f64 / 1e6,
                    end_s: e.end_us as f64 / 1e6,
                    interval_ms: e.interval_us as f64 / 1e3,
                    target: e.target.map(|t| format!("{:03X}", vehicle.messages[t].id)),
                })
                .collect(),
        })
    })
    .into_iter()
    .collect::<Result<Vec<_>, SynthError>>()?;
    let record = SynthRecord {
        format: SYNTH_FORMAT,
        params: params.clone(),
        vehicles: serde_json::to_value(&vehicles).unwrap_or_default(),
        captures,
    };
    let path = dir.join(RECORD_FILE);
    let mut text = serde_json::to_vec_pretty(&record).unwrap_or_default();
    text.push(b'\n');
    write_atomic(&path, &text).map_err(io(&path))?;
    Ok(SynthReport {
        dir: dir.to_path_buf(),
        written: true,
        record,
    })
}

/// The record of the dataset in `dir`: `None` for a missing or empty directory, an error for one
/// with other files and no record.
fn existing(dir: &Path) -> Result<Option<SynthRecord>, SynthError> {
    let path = dir.join(RECORD_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| SynthError::BadRecord {
                path,
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::read_dir(dir) {
            Ok(mut entries) => match entries.next() {
                Some(_) => Err(SynthError::NotOurs(dir.to_path_buf())),
                None => Ok(None),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SynthError::Io {
                path: dir.to_path_buf(),
                source,
            }),
        },
        Err(source) => Err(SynthError::Io { path, source }),
    }
}
