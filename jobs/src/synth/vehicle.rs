//! The simulated vehicles: which CAN IDs their ECUs send, how often, and with what payload.
//!
//! Each message is periodic with its own period and jitter (the usual automotive periods: 10 ms to
//! 1 s), and its payload has a fixed layout: 16-bit big-endian signals at the front that wander
//! around a level of their own like sensor values (a random walk pulled back towards the level, so
//! every capture of a vehicle shows the same ranges), constant bytes, a rolling 4-bit counter in the
//! second-to-last byte and a checksum over the ID and the other bytes in the last. The known vehicle (`alpha`) and the unknown
//! one (`beta`) draw their IDs from different ranges and their periods from different tables, so
//! a model trained on one meets other IDs and other timings on the other.

use serde::{Serialize, Serializer};

use super::rng::Rng;

/// How a vehicle is drawn: its name, how many IDs, from which range, with which periods.
#[derive(Debug, Clone, Copy)]
pub struct VehicleProfile {
    /// The name used in file names and synth.json.
    pub name: &'static str,
    /// How many periodic messages.
    pub ids: usize,
    /// The range the IDs are drawn from (inclusive).
    pub id_range: (u16, u16),
    /// Periods in milliseconds with their shares of the IDs.
    pub periods_ms: &'static [(f64, f64)],
}

/// The vehicle the models are trained on.
pub const KNOWN_VEHICLE: VehicleProfile = VehicleProfile {
    name: "alpha",
    ids: 26,
    id_range: (0x080, 0x5FF),
    periods_ms: &[
        (10.0, 0.25),
        (20.0, 0.25),
        (50.0, 0.2),
        (100.0, 0.15),
        (200.0, 0.1),
        (1000.0, 0.05),
    ],
};

/// The vehicle of the unknown-vehicle scenarios.
pub const UNKNOWN_VEHICLE: VehicleProfile = VehicleProfile {
    name: "beta",
    ids: 22,
    id_range: (0x200, 0x7EF),
    periods_ms: &[
        (12.0, 0.25),
        (25.0, 0.25),
        (40.0, 0.2),
        (80.0, 0.15),
        (160.0, 0.1),
        (500.0, 0.05),
    ],
};

/// One periodic message of a vehicle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EcuMessage {
    /// The CAN ID (11-bit), written in hex.
    #[serde(serialize_with = "hex_id")]
    pub id: u16,
    /// The period in microseconds.
    pub period_us: u64,
    /// Each frame is sent up to this many microseconds early or late.
    pub jitter_us: u64,
    /// Payload bytes (2..=8).
    pub dlc: u8,
    /// 16-bit signals at the front of the payload (at most [`MAX_SIGNALS`]).
    pub signals: u8,
    /// The level each signal wanders around.
    pub signal_levels: [u16; MAX_SIGNALS],
    /// The largest random change of a signal from one frame to the next.
    pub signal_step: u16,
    /// A rolling counter in byte `dlc - 2`.
    pub counter: bool,
    /// A checksum in byte `dlc - 1`.
    pub checksum: bool,
    /// The bytes no signal, counter or checksum uses.
    pub constant: [u8; 8],
}

/// The most signals a payload carries.
pub const MAX_SIGNALS: usize = 2;

/// A signal moves back towards its level by 1/`PULL` of the distance each frame: it settles within
/// a few hundred frames and then wanders about ±11 random steps around the level.
const PULL: i32 = 256;

/// A vehicle: its name and messages, sorted by ID.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vehicle {
    /// Its name.
    pub name: String,
    /// Its periodic messages.
    pub messages: Vec<EcuMessage>,
}

/// An ID as the CSV files write it: upper-case hex, 3 digits.
fn hex_id<S: Serializer>(id: &u16, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("{id:03X}"))
}

/// What a message's payload is now: its signal values and counter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PayloadState {
    signals: [u16; MAX_SIGNALS],
    counter: u8,
}

impl Vehicle {
    /// The vehicle of `profile`, drawn from `rng`.
    pub(crate) fn generate(profile: &VehicleProfile, rng: &mut Rng) -> Vehicle {
        let (lo, hi) = profile.id_range;
        let mut ids: Vec<u16> = Vec::with_capacity(profile.ids);
        while ids.len() < profile.ids {
            let id = rng.between(u64::from(lo), u64::from(hi)) as u16;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        // Every period gets its share of the IDs (stratified), in a random order.
        let total: f64 = profile.periods_ms.iter().map(|(_, w)| w).sum();
        let mut periods: Vec<f64> = (0..profile.ids)
            .map(|i| {
                let u = (i as f64 + 0.5) / profile.ids as f64 * total;
                let mut acc = 0.0;
                profile
                    .periods_ms
                    .iter()
                    .find(|(_, w)| {
                        acc += w;
                        u < acc
                    })
                    .map_or(profile.periods_ms[0].0, |(p, _)| *p)
            })
            .collect();
        for i in (1..periods.len()).rev() {
            periods.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let messages = ids
            .into_iter()
            .zip(periods)
            .map(|(id, period_ms)| {
                let period_us = (period_ms * 1000.0) as u64;
                let dlc = if rng.chance(0.7) {
                    8
                } else {
                    rng.between(4, 7) as u8
                };
                let counter = rng.chance(0.8);
                let checksum = rng.chance(0.7);
                let room = dlc - u8::from(counter) - u8::from(checksum);
                let mut constant = [0u8; 8];
                for byte in &mut constant[..usize::from(dlc)] {
                    *byte = if rng.chance(0.5) {
                        0
                    } else {
                        rng.below(256) as u8
                    };
                }
                EcuMessage {
                    id,
                    period_us,
                    jitter_us: (period_us as f64 * rng.uniform(0.005, 0.03)) as u64,
                    dlc,
                    signals: (rng.between(1, MAX_SIGNALS as u64) as u8).min(room / 2),
                    signal_levels: [(); MAX_SIGNALS].map(|()| rng.between(0x1000, 0xB000) as u16),
                    signal_step: rng.between(2, 96) as u16,
                    counter,
                    checksum,
                    constant,
                }
            })
            .collect();
        Vehicle {
            name: profile.name.to_string(),
            messages,
        }
    }
}

impl EcuMessage {
    /// A fresh payload state: each signal somewhere around its level, the counter anywhere.
    pub(crate) fn initial_state(&self, rng: &mut Rng) -> PayloadState {
        let spread = u64::from(self.signal_step) * 16;
        PayloadState {
            signals: self
                .signal_levels
                .map(|level| rng.jitter(u64::from(level), spread).min(0xFFFF) as u16),
            counter: rng.below(16) as u8,
        }
    }

    /// The next frame's payload: every signal takes a random step of up to `signal_step` and is
    /// pulled back towards its level; the counter advances.
    pub(crate) fn next_payload(&self, state: &mut PayloadState, rng: &mut Rng) -> [u8; 8] {
        let step = u64::from(self.signal_step);
        let used = usize::from(self.signals);
        for (s, level) in state.signals[..used].iter_mut().zip(self.signal_levels) {
            let moved = rng.jitter(u64::from(*s), step) as i32;
            let pulled = moved + (i32::from(level) - moved) / PULL;
            *s = pulled.clamp(0, 0xFFFF) as u16;
        }
        state.counter = (state.counter + 1) & 0x0F;
        self.payload(&state.signals, state.counter)
    }

    /// The payload with these signal values and counter, its checksum filled in.
    pub(crate) fn payload(&self, signals: &[u16; MAX_SIGNALS], counter: u8) -> [u8; 8] {
        let dlc = usize::from(self.dlc);
        let mut data = self.constant;
        for (i, s) in signals[..usize::from(self.signals)].iter().enumerate() {
            data[2 * i..2 * i + 2].copy_from_slice(&s.to_be_bytes());
        }
        if self.counter {
            data[dlc - 2] = (data[dlc - 2] & 0xF0) | counter;
        }
        if self.checksum {
            let [hi, lo] = self.id.to_be_bytes();
            data[dlc - 1] = data[..dlc - 1]
                .iter()
                .fold(hi.wrapping_add(lo), |sum, b| sum.wrapping_add(*b))
                ^ 0xFF;
        }
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vehicles_have_distinct_ids_their_periods_and_valid_layouts() {
        for profile in [KNOWN_VEHICLE, UNKNOWN_VEHICLE] {
            let v = Vehicle::generate(&profile, &mut Rng::new(1, &[]));
            assert_eq!(v.messages.len(), profile.ids);
            assert!(v.messages.windows(2).all(|w| w[0].id < w[1].id));
            for m in &v.messages {
                assert!((profile.id_range.0..=profile.id_range.1).contains(&m.id));
                let ms = m.period_us as f64 / 1000.0;
                assert!(profile.periods_ms.iter().any(|(p, _)| *p == ms));
                assert!(m.jitter_us * 2 < m.period_us);
                let used = 2 * m.signals + u8::from(m.counter) + u8::from(m.checksum);
                assert!((2..=8).contains(&m.dlc) && used <= m.dlc, "{m:?}");
            }
            let fastest = profile.periods_ms[0].0;
            let fast = v
                .messages
                .iter()
                .filter(|m| m.period_us as f64 == fastest * 1000.0)
                .count();
            let share = profile.ids as f64 * profile.periods_ms[0].1;
            assert!(
                (fast as f64 - share).abs() <= 1.0,
                "{fast} of {}",
                profile.ids
            );
        }
    }

    #[test]
    fn payloads_count_and_carry_a_checksum() {
        let message = EcuMessage {
            id: 0x1A4,
            period_us: 10_000,
            jitter_us: 100,
            dlc: 6,
            signals: 1,
            signal_levels: [0x4000, 0],
            signal_step: 8,
            counter: true,
            checksum: true,
            constant: [0xAB, 0, 0x12, 0x34, 0x50, 0, 0, 0],
        };
        let mut rng = Rng::new(3, &[]);
        let mut state = message.initial_state(&mut rng);
        let mut last = None;
        for _ in 0..40 {
            let data = message.next_payload(&mut state, &mut rng);
            assert_eq!(data[2..4], [0x12, 0x34], "constant bytes stay");
            assert_eq!(data[4] & 0xF0, 0x50, "the counter keeps the high nibble");
            let sum = data[..5]
                .iter()
                .fold(0x01u8.wrapping_add(0xA4), |s, b| s.wrapping_add(*b));
            assert_eq!(data[5], sum ^ 0xFF);
            if let Some(prev) = last {
                assert_eq!(data[4] & 0x0F, (prev + 1) & 0x0F);
            }
            last = Some(data[4] & 0x0F);
            assert_eq!(data[6..], [0, 0], "bytes past the DLC stay zero");
        }
    }

    #[test]
    fn signals_wander_around_their_level_in_every_capture() {
        let message = EcuMessage {
            id: 0x2B0,
            period_us: 10_000,
            jitter_us: 100,
            dlc: 8,
            signals: 2,
            signal_levels: [0x3000, 0x9000],
            signal_step: 96,
            counter: false,
            checksum: false,
            constant: [0; 8],
        };
        for capture in 0..3 {
            let mut rng = Rng::new(11, &[capture]);
            let mut state = message.initial_state(&mut rng);
            let mut sums = [0f64; 2];
            let frames = 20_000;
            for _ in 0..frames {
                let data = message.next_payload(&mut state, &mut rng);
                for (i, sum) in sums.iter_mut().enumerate() {
                    let value = u16::from_be_bytes([data[2 * i], data[2 * i + 1]]);
                    assert!(
                        value.abs_diff(message.signal_levels[i]) < 96 * 40,
                        "{value:X}"
                    );
                    *sum += f64::from(value);
                }
            }
            for (sum, level) in sums.iter().zip(message.signal_levels) {
                let mean = sum / f64::from(frames);
                assert!(
                    (mean - f64::from(level)).abs() < 96.0 * 8.0,
                    "capture {capture}: {mean}"
                );
            }
        }
    }
}
