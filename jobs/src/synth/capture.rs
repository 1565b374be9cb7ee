//! One capture: a vehicle's periodic messages merged in time order with an attacker's frames, as CSV.
//!
//! Each message is due at `phase + k·period`, sent up to its jitter early or late; the earliest due
//! frame goes next (lower ID first on a tie, as CAN arbitration decides). An injected frame due
//! before it goes first. Every ECU's clock is off by up to [`CLOCK_SKEW_PPM`] in each capture, so the
//! messages' relative phases drift through a capture, as they do on a real bus: which ID follows
//! which is not fixed by the capture's starting phases. The attacker of a replay listens to its target's frames and keeps the last
//! [`REPLAY_MEMORY`] of them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::attack::{AttackKind, Episode, Frame, Injector, REPLAY_MEMORY};
use super::csv::{push_header, push_row};
use super::rng::Rng;
use super::vehicle::Vehicle;

/// The largest clock error of an ECU, in parts per million of its period.
const CLOCK_SKEW_PPM: u64 = 5_000;

/// What a capture is made of.
pub(crate) struct CaptureSpec<'a> {
    /// The vehicle whose traffic it records.
    pub vehicle: &'a Vehicle,
    /// The attack and its episodes, if any.
    pub attack: Option<(AttackKind, &'a [Episode])>,
    /// Its length in microseconds.
    pub duration_us: u64,
    /// Its first timestamp, in microseconds since the epoch.
    pub start_us: u64,
}

/// A generated capture.
pub(crate) struct Capture {
    /// The CSV file's bytes, header included.
    pub csv: Vec<u8>,
    /// Rows.
    pub messages: u64,
    /// Rows an attacker sent.
    pub attack_messages: u64,
}

/// Generates the capture of `spec` from `rng`.
pub(crate) fn generate(spec: &CaptureSpec<'_>, rng: &mut Rng) -> Capture {
    let messages = &spec.vehicle.messages;
    let mut states: Vec<_> = messages.iter().map(|m| m.initial_state(rng)).collect();
    let periods: Vec<u64> = messages
        .iter()
        .map(|m| {
            let ppm = rng.jitter(1_000_000, CLOCK_SKEW_PPM);
            m.period_us * ppm / 1_000_000
        })
        .collect();
    let mut nominal: Vec<u64> = periods.iter().map(|&p| rng.below(p)).collect();
    let mut due: BinaryHeap<Reverse<(u64, u16, usize)>> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| Reverse((nominal[i], m.id, i)))
        .collect();
    let mut injector = spec
        .attack
        .map(|(kind, episodes)| Injector::new(kind, episodes, messages));
    let mut history: VecDeque<[u8; 8]> = VecDeque::with_capacity(REPLAY_MEMORY);
    let mut listening = None;

    let rate: u64 = messages.iter().map(|m| 1_000_000 / m.period_us).sum();
    let mut csv = Vec::with_capacity((rate * spec.duration_us / 1_000_000 * 42) as usize);
    push_header(&mut csv);
    let (mut count, mut attack_count) = (0, 0);
    while let Some(&Reverse((time_us, id, i))) = due.peek() {
        let injected = injector
            .as_ref()
            .and_then(Injector::next_time)
            .filter(|&t| t < time_us && t < spec.duration_us);
        let frame = match (injected, injector.as_mut()) {
            (Some(_), Some(attacker)) => {
                attack_count += 1;
                attacker.emit(rng, history.make_contiguous())
            }
            _ => {
                if time_us >= spec.duration_us {
                    break;
                }
                due.pop();
                let message = &messages[i];
                let data = message.next_payload(&mut states[i], rng);
                let target = injector.as_ref().and_then(Injector::target);
                if target != listening {
                    history.clear();
                    listening = target;
                }
                if target == Some(i) {
                    if history.len() == REPLAY_MEMORY {
                        history.pop_front();
                    }
                    history.push_back(data);
                }
                nominal[i] += periods[i];
                let next = rng.jitter(nominal[i], message.jitter_us);
                due.push(Reverse((next, id, i)));
                Frame {
                    time_us,
                    id,
                    dlc: message.dlc,
                    data,
                    attack: false,
                }
            }
        };
        push_row(&mut csv, spec.start_us, &frame);
        count += 1;
    }
    Capture {
        csv,
        messages: count,
        attack_messages: attack_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::can::parse_row;
    use crate::synth::attack::schedule;
    use crate::synth::vehicle::KNOWN_VEHICLE;

    fn rows(csv: &[u8]) -> Vec<(f64, u32, u8)> {
        csv.split(|&b| b == b'\n')
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let row = parse_row(l).unwrap();
                (row.timestamp, row.id, row.label)
            })
            .collect()
    }

    #[test]
    fn traffic_is_periodic_in_time_order_and_attacks_stay_in_their_episodes() {
        let mut rng = Rng::new(5, &[]);
        let vehicle = Vehicle::generate(&KNOWN_VEHICLE, &mut rng);
        let duration_us = 20_000_000;
        for kind in [
            AttackKind::Dos,
            AttackKind::Fuzzing,
            AttackKind::Spoofing,
            AttackKind::Replay,
        ] {
            let episodes = schedule(
                kind,
                &vehicle,
                duration_us,
                (2_000_000, 3_000_000),
                (2_000_000, 3_000_000),
                &mut rng,
            );
            assert!(episodes.len() >= 3, "{kind:?}: {episodes:?}");
            let spec = CaptureSpec {
                vehicle: &vehicle,
                attack: Some((kind, &episodes)),
                duration_us,
                start_us: 1_000_000_000_000,
            };
            let capture = generate(&spec, &mut rng);
            let rows = rows(&capture.csv);
            assert_eq!(rows.len() as u64, capture.messages);
            let attacks: Vec<_> = rows.iter().filter(|r| r.2 == 1).collect();
            assert_eq!(attacks.len() as u64, capture.attack_messages);
            assert!(capture.attack_messages > 100, "{kind:?}");
            assert!(rows.windows(2).all(|w| w[0].0 <= w[1].0), "time order");
            for (t, id, _) in attacks {
                let us = ((t - 1_000_000.0) * 1e6).round() as u64;
                assert!(
                    episodes
                        .iter()
                        .any(|e| (e.start_us..e.end_us).contains(&us)),
                    "{kind:?} frame at {us} outside its episodes"
                );
                if kind == AttackKind::Dos {
                    assert_eq!(*id, 0);
                }
            }
            // Every message keeps its rate, up to its clock's error: duration / period frames.
            for m in &vehicle.messages {
                let n = rows
                    .iter()
                    .filter(|r| r.1 == u32::from(m.id) && r.2 == 0)
                    .count() as u64;
                let expected = duration_us / m.period_us;
                let slack = expected * CLOCK_SKEW_PPM / 1_000_000 + 1;
                assert!(
                    n.abs_diff(expected) <= slack,
                    "{:X}: {n} vs {expected}",
                    m.id
                );
            }
        }
    }
}
