//! Synthetic CAN traffic (`kdgat synth`): a dataset in the catalog's CSV layout that any machine can
//! make in a second, so the pipeline runs where the real captures are not.
//!
//! Two simulated vehicles send periodic ECU traffic (IDs with their own periods and jitter,
//! payloads with drifting signals, rolling counters and checksums); attackers inject DoS floods,
//! fuzzing, spoofed and replayed frames in episodes. The folders are the catalog's: two training
//! folders and the four test scenarios (known/unknown vehicle × known/unknown attack), the unknown
//! attacks being kinds training never shows. Everything is drawn from one seed: the same
//! parameters give byte-identical files, and `synth.json` records them beside the folders.
//!
//! The built-in catalog's `synthetic` entry reads what this module writes under
//! `<data root>/automotive/synthetic`.

mod attack;
mod capture;
mod csv;
mod plan;
mod rng;
mod vehicle;
mod write;

pub use attack::AttackKind;
pub use plan::{
    CaptureRecord, EpisodeRecord, RECORD_FILE, SYNTH_FORMAT, SynthParams, SynthRecord,
    TEST_FOLDERS, TRAIN_ATTACK_FOLDER, TRAIN_FOLDER,
};
pub use vehicle::{EcuMessage, KNOWN_VEHICLE, UNKNOWN_VEHICLE, Vehicle, VehicleProfile};
pub use write::{SynthError, SynthReport, write_dataset};

/// The catalog name of the synthetic dataset.
pub const DATASET: &str = "synthetic";
