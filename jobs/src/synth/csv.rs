//! CSV rows in the catalog's layout (`timestamp,arbitration_id,data_field,attack`), formatted by
//! hand into one buffer: the generator's hot loop, where `write!` would cost more than the traffic
//! model. Timestamps are seconds with 6 decimals, IDs upper-case hex of 3 digits (11-bit IDs), the
//! payload contiguous upper-case hex, 2 characters a byte.

use super::attack::Frame;
use crate::can::HEADER;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The header line.
pub(crate) fn push_header(out: &mut Vec<u8>) {
    out.extend_from_slice(HEADER.join(",").as_bytes());
    out.push(b'\n');
}

/// One row for `frame` of a capture that started at `start_us` (microseconds since the epoch).
pub(crate) fn push_row(out: &mut Vec<u8>, start_us: u64, frame: &Frame) {
    let time = start_us + frame.time_us;
    push_decimal(out, time / 1_000_000);
    out.push(b'.');
    let mut micros = [b'0'; 6];
    let mut rest = time % 1_000_000;
    for digit in micros.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend_from_slice(&micros);
    out.push(b',');
    let id = usize::from(frame.id);
    out.extend_from_slice(&[HEX[id >> 8 & 0xF], HEX[id >> 4 & 0xF], HEX[id & 0xF], b',']);
    for &byte in &frame.data[..usize::from(frame.dlc)] {
        out.extend_from_slice(&[HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xF)]]);
    }
    out.extend_from_slice(if frame.attack { b",1\n" } else { b",0\n" });
}

fn push_decimal(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::can::parse_row;

    #[test]
    fn rows_read_back_through_the_ingest_parser() {
        let mut out = Vec::new();
        push_header(&mut out);
        let frame = Frame {
            time_us: 7_000_123,
            id: 0x0A4,
            dlc: 3,
            data: [0xD0, 0x1C, 0x0F, 0xFF, 0, 0, 0, 0],
            attack: true,
        };
        push_row(&mut out, 1_700_000_000_000_000, &frame);
        push_row(
            &mut out,
            0,
            &Frame {
                attack: false,
                ..frame
            },
        );
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "timestamp,arbitration_id,data_field,attack\n\
             1700000007.000123,0A4,D01C0F,1\n\
             7.000123,0A4,D01C0F,0\n"
        );
        let row = parse_row(text.lines().nth(1).unwrap().as_bytes()).unwrap();
        assert_eq!(
            (row.id, row.label, row.payload[..3].to_vec()),
            (0xA4, 1, vec![0xD0, 0x1C, 0x0F])
        );
    }
}
