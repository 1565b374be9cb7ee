//! Injected attacks: when they happen in a capture (episodes separated by attack-free gaps) and
//! which frames they put on the bus.
//!
//! - DoS: the highest-priority ID `0x000` with an all-zero payload, flooded;
//! - fuzzing: random IDs over the whole 11-bit range with random payloads;
//! - spoofing: one of the vehicle's fast messages, sent much more often than its period with its
//!   signals pinned to one value, counter and checksum valid (a masquerading ECU);
//! - replay: one of the vehicle's messages, its frames recorded before the episode sent again,
//!   several times faster than its period (stale counters, valid checksums).
//!
//! Each episode draws its own intensity (the interval between injected frames), so some are
//! floods and some put a few frames in a 100-message window.

use serde::{Deserialize, Serialize};

use super::rng::Rng;
use super::vehicle::{EcuMessage, MAX_SIGNALS, Vehicle};

/// The kinds of attack the generator injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttackKind {
    /// Flooding with ID 0x000.
    Dos,
    /// Random IDs and payloads.
    Fuzzing,
    /// A legitimate ID with forged signal values.
    Spoofing,
    /// A legitimate ID's recorded frames sent again.
    Replay,
}

impl AttackKind {
    /// The name capture files start with.
    pub fn file_stem(self) -> &'static str {
        match self {
            AttackKind::Dos => "DoS",
            AttackKind::Fuzzing => "fuzzing",
            AttackKind::Spoofing => "spoofing",
            AttackKind::Replay => "replay",
        }
    }

    /// The range of the interval between injected frames, in microseconds; for spoofing and replay
    /// as a divisor of the target's period.
    fn intensity(self) -> (u64, u64) {
        match self {
            AttackKind::Dos => (500, 15_000),
            AttackKind::Fuzzing => (1_000, 20_000),
            AttackKind::Spoofing => (4, 12),
            AttackKind::Replay => (2, 6),
        }
    }
}

/// One attack episode of a capture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Episode {
    /// When it starts, in microseconds from the capture's start.
    pub start_us: u64,
    /// When it ends.
    pub end_us: u64,
    /// Microseconds between injected frames (± 10 %).
    pub interval_us: u64,
    /// The attacked message (spoofing, replay): its index in the vehicle's messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<usize>,
}

/// The episodes of a capture of `duration_us`: an attack-free lead-in, then episodes and gaps with
/// durations drawn from `episode_us` and `gap_us`, until the end.
pub(crate) fn schedule(
    kind: AttackKind,
    vehicle: &Vehicle,
    duration_us: u64,
    episode_us: (u64, u64),
    gap_us: (u64, u64),
    rng: &mut Rng,
) -> Vec<Episode> {
    // Spoofed and replayed messages are among the vehicle's faster ones (they carry live signals).
    let all = 0..vehicle.messages.len();
    let mut targets: Vec<usize> = all
        .clone()
        .filter(|&i| vehicle.messages[i].period_us <= 50_000)
        .collect();
    if targets.is_empty() {
        targets = all.collect();
    }
    let mut episodes = Vec::new();
    let mut t = rng.between(gap_us.0, gap_us.1);
    while t < duration_us {
        let end = (t + rng.between(episode_us.0, episode_us.1)).min(duration_us);
        let (lo, hi) = kind.intensity();
        let (interval_us, target) = match kind {
            AttackKind::Dos | AttackKind::Fuzzing => {
                // Log-uniform: as many gentle episodes as floods.
                let ratio = hi as f64 / lo as f64;
                ((lo as f64 * ratio.powf(rng.unit())) as u64, None)
            }
            AttackKind::Spoofing | AttackKind::Replay => {
                let target = targets[rng.below(targets.len() as u64) as usize];
                let period = vehicle.messages[target].period_us;
                (period / rng.between(lo, hi), Some(target))
            }
        };
        episodes.push(Episode {
            start_us: t,
            end_us: end,
            interval_us,
            target,
        });
        t = end + rng.between(gap_us.0, gap_us.1);
    }
    episodes
}

/// A frame on the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Microseconds from the capture's start.
    pub time_us: u64,
    /// The CAN ID.
    pub id: u16,
    /// Payload length.
    pub dlc: u8,
    /// Payload (bytes past `dlc` unused).
    pub data: [u8; 8],
    /// Whether an attacker sent it.
    pub attack: bool,
}

/// What an attacker has recorded of the target's frames (for replay).
pub(crate) const REPLAY_MEMORY: usize = 64;

/// The attacker of one capture: emits the injected frames of its episodes in time order.
pub(crate) struct Injector<'a> {
    kind: AttackKind,
    episodes: &'a [Episode],
    messages: &'a [EcuMessage],
    current: usize,
    next_us: Option<u64>,
    /// Spoofing: the forged signal values and the counter. Replay: the recorded payloads and the
    /// next one's index.
    forged: Option<([u16; MAX_SIGNALS], u8)>,
    recorded: Vec<[u8; 8]>,
    replayed: usize,
}

impl<'a> Injector<'a> {
    /// The attacker of `episodes` against a vehicle with `messages`.
    pub(crate) fn new(
        kind: AttackKind,
        episodes: &'a [Episode],
        messages: &'a [EcuMessage],
    ) -> Injector<'a> {
        Injector {
            kind,
            episodes,
            messages,
            current: 0,
            next_us: episodes.first().map(|e| e.start_us),
            forged: None,
            recorded: Vec::new(),
            replayed: 0,
        }
    }

    /// When the next injected frame is due, if any is left.
    pub(crate) fn next_time(&self) -> Option<u64> {
        self.next_us
    }

    /// The message whose frames the attacker listens to now (replay), for `record`.
    pub(crate) fn target(&self) -> Option<usize> {
        let episode = self.episodes.get(self.current)?;
        (self.kind == AttackKind::Replay).then_some(episode.target?)
    }

    /// The frame due now; moves on to the next one. `history` is what the attacker recorded of the
    /// target before the episode (replay).
    pub(crate) fn emit(&mut self, rng: &mut Rng, history: &[[u8; 8]]) -> Frame {
        let episode = &self.episodes[self.current];
        let time_us = self.next_us.unwrap_or(episode.start_us);
        let first = time_us == episode.start_us;
        let (id, dlc, data) = match (self.kind, episode.target.map(|t| &self.messages[t])) {
            (AttackKind::Dos, _) => (0x000, 8, [0u8; 8]),
            (AttackKind::Fuzzing, _) => (rng.below(0x800) as u16, 8, rng.next_u64().to_le_bytes()),
            (AttackKind::Spoofing, Some(m)) => {
                if first || self.forged.is_none() {
                    // Every signal pinned near the top of its range; the counter goes on.
                    let value = 0xF000 + rng.below(0x0FFF) as u16;
                    self.forged = Some(([value; MAX_SIGNALS], rng.below(16) as u8));
                }
                let (signals, counter) = self.forged.get_or_insert(([0xF000; MAX_SIGNALS], 0));
                *counter = (*counter + 1) & 0x0F;
                (m.id, m.dlc, m.payload(signals, *counter))
            }
            (AttackKind::Replay, Some(m)) => {
                if first || self.recorded.is_empty() {
                    self.recorded = history.to_vec();
                    self.replayed = 0;
                }
                let data = self
                    .recorded
                    .get(self.replayed % self.recorded.len().max(1))
                    .copied()
                    .unwrap_or_else(|| m.payload(&[0; MAX_SIGNALS], 0));
                self.replayed += 1;
                (m.id, m.dlc, data)
            }
            // Spoofing and replay episodes always have a target (`schedule`).
            (_, None) => (0x000, 8, [0u8; 8]),
        };
        let next = rng
            .jitter(episode.interval_us, episode.interval_us / 10)
            .max(1);
        self.next_us = if time_us + next < episode.end_us {
            Some(time_us + next)
        } else {
            self.current += 1;
            self.episodes.get(self.current).map(|e| e.start_us)
        };
        Frame {
            time_us,
            id,
            dlc,
            data,
            attack: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::vehicle::KNOWN_VEHICLE;

    #[test]
    fn episodes_follow_each_other_inside_the_capture_with_their_targets() {
        let mut rng = Rng::new(9, &[]);
        let vehicle = Vehicle::generate(&KNOWN_VEHICLE, &mut rng);
        for kind in [AttackKind::Dos, AttackKind::Spoofing, AttackKind::Replay] {
            let duration = 60_000_000;
            let episodes = schedule(
                kind,
                &vehicle,
                duration,
                (3_000_000, 8_000_000),
                (3_000_000, 8_000_000),
                &mut rng,
            );
            assert!(
                (3..=10).contains(&episodes.len()),
                "{kind:?}: {}",
                episodes.len()
            );
            assert!(episodes[0].start_us >= 3_000_000, "an attack-free lead-in");
            assert!(
                episodes
                    .windows(2)
                    .all(|w| w[1].start_us >= w[0].end_us + 3_000_000)
            );
            for e in &episodes {
                assert!(e.start_us < e.end_us && e.end_us <= duration);
                match e.target {
                    Some(t) => {
                        let period = vehicle.messages[t].period_us;
                        assert!(
                            period <= 50_000 && e.interval_us < period,
                            "{kind:?}: {e:?}"
                        );
                    }
                    None => {
                        assert_eq!(kind, AttackKind::Dos);
                        assert!((500..=15_000).contains(&e.interval_us), "{e:?}");
                    }
                }
            }
        }
    }
}
