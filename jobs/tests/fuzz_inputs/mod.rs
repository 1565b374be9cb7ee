//! Inputs for the parsers' no-panic properties (the catalog, config, spec and event-log parsers):
//! arbitrary printable text, a valid file with some bytes changed, and deep nesting, each test
//! running a bounded number of cases.

use proptest::prelude::*;

/// Cases per property: enough to reach odd corners, few enough to stay within seconds.
pub const CASES: u32 = 150;

/// Printable text with line breaks, up to 300 characters.
pub fn text() -> impl Strategy<Value = String> {
    "[ -~\n\t]{0,300}"
}

/// Byte edits for [`mutate`]: 1 to 7 positions and new bytes.
pub fn edits() -> impl Strategy<Value = Vec<(usize, u8)>> {
    proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)
}

/// `valid` with the bytes at `edits` replaced (positions wrap around the text).
pub fn mutate(valid: &str, edits: &[(usize, u8)]) -> Vec<u8> {
    let mut bytes = valid.as_bytes().to_vec();
    for &(at, byte) in edits {
        let len = bytes.len();
        bytes[at % len] = byte;
    }
    bytes
}

/// `open` `depth` times, then `close` as often.
pub fn nested(open: &str, close: &str, depth: usize) -> String {
    format!("{}{}", open.repeat(depth), close.repeat(depth))
}
