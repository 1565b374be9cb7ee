//! What a synthetic dataset holds: its parameters, its captures (folder, vehicle, attack) in the
//! catalog's layout, and the record of both written beside them as `synth.json`.
//!
//! The layout mirrors hcrl_sa: two attack-free training captures and two with the known attacks
//! (DoS, fuzzing) of the known vehicle; test_01 the known attacks on the known vehicle, test_02 on
//! the unknown vehicle, test_03 and test_04 the attacks training never shows (spoofing, replay) on
//! the known and the unknown vehicle.

use serde::{Deserialize, Serialize};

use super::attack::AttackKind;
use super::vehicle::{KNOWN_VEHICLE, UNKNOWN_VEHICLE, VehicleProfile};

/// The version of what `kdgat synth` writes: bump it when the same parameters would give other files.
pub const SYNTH_FORMAT: u32 = 1;

/// The record's file name, beside the folders.
pub const RECORD_FILE: &str = "synth.json";

/// The attack-free training folder.
pub const TRAIN_FOLDER: &str = "train_01_attack_free";
/// The training folder with attacks.
pub const TRAIN_ATTACK_FOLDER: &str = "train_02_with_attacks";
/// The four test scenarios: known/unknown vehicle × known/unknown attack.
pub const TEST_FOLDERS: [&str; 4] = [
    "test_01_known_vehicle_known_attack",
    "test_02_unknown_vehicle_known_attack",
    "test_03_known_vehicle_unknown_attack",
    "test_04_unknown_vehicle_unknown_attack",
];

/// The parameters of a synthetic dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynthParams {
    /// The seed every random choice derives from.
    pub seed: u64,
    /// Seconds of traffic in each training capture.
    pub train_seconds: f64,
    /// Seconds of traffic in each test capture.
    pub test_seconds: f64,
    /// The shortest and longest attack episode, in seconds.
    pub episode_seconds: [f64; 2],
    /// The shortest and longest attack-free stretch before and between episodes, in seconds.
    pub gap_seconds: [f64; 2],
}

impl Default for SynthParams {
    fn default() -> SynthParams {
        SynthParams {
            seed: 42,
            train_seconds: 60.0,
            test_seconds: 20.0,
            episode_seconds: [3.0, 8.0],
            gap_seconds: [3.0, 8.0],
        }
    }
}

impl SynthParams {
    /// Every duration multiplied by `scale` (episodes and gaps too, so the share of attacks stays).
    pub fn scaled(&self, scale: f64) -> SynthParams {
        let times = |[a, b]: [f64; 2]| [a * scale, b * scale];
        SynthParams {
            seed: self.seed,
            train_seconds: self.train_seconds * scale,
            test_seconds: self.test_seconds * scale,
            episode_seconds: times(self.episode_seconds),
            gap_seconds: times(self.gap_seconds),
        }
    }

    /// The first field that cannot be generated, with why.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        for (field, value) in [
            ("train_seconds", self.train_seconds),
            ("test_seconds", self.test_seconds),
        ] {
            if !positive(value) || value > 1e6 {
                return Some((field, format!("{value} is not in (0, 1e6] seconds")));
            }
        }
        for (field, [lo, hi]) in [
            ("episode_seconds", self.episode_seconds),
            ("gap_seconds", self.gap_seconds),
        ] {
            if !positive(lo) || !positive(hi) || lo > hi {
                return Some((
                    field,
                    format!("[{lo}, {hi}] is not a range of positive seconds"),
                ));
            }
        }
        None
    }
}

/// Which vehicle a capture records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    /// The vehicle training sees.
    Known,
    /// The other one.
    Unknown,
}

impl Which {
    /// Its profile.
    pub(crate) fn profile(self) -> &'static VehicleProfile {
        match self {
            Which::Known => &KNOWN_VEHICLE,
            Which::Unknown => &UNKNOWN_VEHICLE,
        }
    }
}

/// One capture of the dataset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CapturePlan {
    /// Its folder.
    pub folder: &'static str,
    /// The vehicle.
    pub vehicle: Which,
    /// The attack, if any.
    pub attack: Option<AttackKind>,
    /// A number telling apart captures of the same kind in one folder.
    pub part: Option<u8>,
}

impl CapturePlan {
    /// `folder/{attack|attack-free}-{vehicle}[-{part}].csv`.
    pub(crate) fn rel_path(&self) -> String {
        let stem = self.attack.map_or("attack-free", AttackKind::file_stem);
        let part = self.part.map(|p| format!("-{p}")).unwrap_or_default();
        format!(
            "{}/{stem}-{}{part}.csv",
            self.folder,
            self.vehicle.profile().name
        )
    }

    /// Whether it is a training capture (its length is `train_seconds`).
    pub(crate) fn is_training(&self) -> bool {
        self.folder == TRAIN_FOLDER || self.folder == TRAIN_ATTACK_FOLDER
    }
}

const fn plan(folder: &'static str, vehicle: Which, attack: Option<AttackKind>) -> CapturePlan {
    CapturePlan {
        folder,
        vehicle,
        attack,
        part: None,
    }
}

/// Every capture, in the order they are seeded.
pub(crate) const CAPTURES: [CapturePlan; 12] = {
    use AttackKind::*;
    use Which::*;
    let [known_known, unknown_known, known_unknown, unknown_unknown] = TEST_FOLDERS;
    [
        CapturePlan {
            part: Some(1),
            ..plan(TRAIN_FOLDER, Known, None)
        },
        CapturePlan {
            part: Some(2),
            ..plan(TRAIN_FOLDER, Known, None)
        },
        plan(TRAIN_ATTACK_FOLDER, Known, Some(Dos)),
        plan(TRAIN_ATTACK_FOLDER, Known, Some(Fuzzing)),
        plan(known_known, Known, Some(Dos)),
        plan(known_known, Known, Some(Fuzzing)),
        plan(unknown_known, Unknown, Some(Dos)),
        plan(unknown_known, Unknown, Some(Fuzzing)),
        plan(known_unknown, Known, Some(Spoofing)),
        plan(known_unknown, Known, Some(Replay)),
        plan(unknown_unknown, Unknown, Some(Spoofing)),
        plan(unknown_unknown, Unknown, Some(Replay)),
    ]
};

/// `synth.json`: how the dataset beside it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthRecord {
    /// [`SYNTH_FORMAT`] of the generator that wrote it.
    pub format: u32,
    /// The parameters.
    pub params: SynthParams,
    /// The vehicles (`vehicles` of synth.json: IDs, periods, payload layouts), as written.
    pub vehicles: serde_json::Value,
    /// Every capture.
    pub captures: Vec<CaptureRecord>,
}

/// One capture in `synth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureRecord {
    /// `folder/file.csv`, relative to the dataset root.
    pub file: String,
    /// The vehicle's name.
    pub vehicle: String,
    /// The attack, if any.
    pub attack: Option<AttackKind>,
    /// Seconds of traffic.
    pub seconds: f64,
    /// Rows.
    pub messages: u64,
    /// Rows an attacker sent.
    pub attack_messages: u64,
    /// The file's size in bytes.
    pub bytes: u64,
    /// The attack episodes.
    pub episodes: Vec<EpisodeRecord>,
}

/// One attack episode in `synth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRecord {
    /// Start, seconds from the capture's start.
    pub start_s: f64,
    /// End.
    pub end_s: f64,
    /// Milliseconds between injected frames.
    pub interval_ms: f64,
    /// The attacked CAN ID (spoofing, replay), hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}
