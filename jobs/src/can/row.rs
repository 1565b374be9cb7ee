//! One CAN message row of the can-train-and-test CSV layout (`timestamp,arbitration_id,data_field,
//! attack`), parsed and validated from raw bytes. Pure and total: any input gives a row or a
//! [`RowError`], never a panic (a property test feeds it arbitrary bytes).

use std::fmt;

/// The header line every CSV must start with.
pub const HEADER: [&str; 4] = ["timestamp", "arbitration_id", "data_field", "attack"];

/// The largest 29-bit (extended) CAN identifier.
pub const MAX_CAN_ID: u32 = 0x1FFF_FFFF;

/// A validated CAN message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CanRow<'a> {
    /// Capture time in seconds (finite, ≥ 0).
    pub timestamp: f64,
    /// The arbitration id (11- or 29-bit).
    pub id: u32,
    /// The payload as written: 0 to 16 hex digits (ASCII), even length.
    pub data_field: &'a [u8],
    /// The payload bytes, zero-padded to 8.
    pub payload: [u8; 8],
    /// 1 for an attack message, else 0.
    pub label: u8,
}

/// Why a row is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowError {
    /// Not exactly four comma-separated fields.
    FieldCount(usize),
    /// A field has an unbalanced or embedded double quote.
    StrayQuote(&'static str),
    /// A field is not valid UTF-8.
    NotUtf8(&'static str),
    /// The timestamp is not a finite number ≥ 0.
    Timestamp(String),
    /// The id is not hex or exceeds 29 bits.
    Id(String),
    /// The payload is not an even number (≤ 16) of hex digits.
    DataField(String),
    /// The label is not 0 or 1.
    Label(String),
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowError::FieldCount(n) => write!(f, "expected 4 fields, found {n}"),
            RowError::StrayQuote(field) => write!(f, "{field}: stray double quote"),
            RowError::NotUtf8(field) => write!(f, "{field}: not valid UTF-8"),
            RowError::Timestamp(v) => write!(f, "timestamp: `{v}` is not a finite number >= 0"),
            RowError::Id(v) => write!(
                f,
                "arbitration_id: `{v}` is not a hex CAN id of at most 29 bits"
            ),
            RowError::DataField(v) => {
                write!(
                    f,
                    "data_field: `{v}` is not an even number of hex digits (at most 16, DLC 0..8)"
                )
            }
            RowError::Label(v) => write!(f, "attack: `{v}` is not 0 or 1"),
        }
    }
}

/// Parses one line (without its `\n`; a trailing `\r` is ignored).
pub fn parse_row(line: &[u8]) -> Result<CanRow<'_>, RowError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut fields = [&b""[..]; 4];
    let mut count = 0;
    for field in line.split(|&b| b == b',') {
        if count < 4 {
            fields[count] = unquote(field);
        }
        count += 1;
    }
    if count != 4 {
        return Err(RowError::FieldCount(count));
    }
    let [timestamp, id, data_field, label] = fields;
    let timestamp = parse_timestamp(timestamp)
        .ok_or_else(|| invalid(timestamp, "timestamp", RowError::Timestamp))?;
    let id = parse_id(id).ok_or_else(|| invalid(id, "arbitration_id", RowError::Id))?;
    let payload = parse_payload(data_field)
        .ok_or_else(|| invalid(data_field, "data_field", RowError::DataField))?;
    let label = match label {
        b"0" => 0,
        b"1" => 1,
        _ => return Err(invalid(label, "attack", RowError::Label)),
    };
    Ok(CanRow {
        timestamp,
        id,
        data_field,
        payload,
        label,
    })
}

impl<'a> CanRow<'a> {
    /// Validates already-typed values (as read from Parquet) under the same rules as CSV rows.
    pub fn from_values(
        timestamp: f64,
        id: u32,
        data_field: &'a [u8],
        label: u8,
    ) -> Result<Self, RowError> {
        if !(timestamp.is_finite() && timestamp >= 0.0) {
            return Err(RowError::Timestamp(timestamp.to_string()));
        }
        if id > MAX_CAN_ID {
            return Err(RowError::Id(format!("{id:X}")));
        }
        if label > 1 {
            return Err(RowError::Label(label.to_string()));
        }
        let payload = parse_payload(data_field)
            .ok_or_else(|| RowError::DataField(clip(&String::from_utf8_lossy(data_field))))?;
        Ok(CanRow {
            timestamp,
            id,
            payload,
            data_field,
            label,
        })
    }
}

/// Whether a line is the expected header (names compared case-insensitively, quotes allowed).
pub fn is_header(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let names: Vec<&[u8]> = line.split(|&b| b == b',').collect();
    names.len() == HEADER.len()
        && names
            .iter()
            .zip(HEADER)
            .all(|(got, want)| unquote(got).eq_ignore_ascii_case(want.as_bytes()))
}

/// A field without surrounding whitespace and one pair of enclosing double quotes.
fn unquote(raw: &[u8]) -> &[u8] {
    let raw = raw.trim_ascii();
    match raw {
        [b'"', inner @ .., b'"'] => inner,
        _ => raw,
    }
}

/// The error for an invalid field: a stray quote or bad UTF-8 first, else the field's own error.
fn invalid(raw: &[u8], field: &'static str, make: fn(String) -> RowError) -> RowError {
    if raw.contains(&b'"') {
        return RowError::StrayQuote(field);
    }
    match std::str::from_utf8(raw) {
        Ok(text) => make(clip(text)),
        Err(_) => RowError::NotUtf8(field),
    }
}

/// A finite, non-negative timestamp. Plain `digits[.digits]` whose digits form an integer below 2^53
/// take an exact fast path (that integer and a power of ten up to 10^22 are exact in f64, so one
/// division rounds correctly, as the standard parser would); anything else goes through the standard
/// parser.
fn parse_timestamp(raw: &[u8]) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut fraction: Option<usize> = None;
    for &b in raw {
        match b {
            b'0'..=b'9' if digits < 19 => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                if let Some(f) = fraction.as_mut() {
                    *f += 1;
                }
            }
            b'.' if fraction.is_none() => fraction = Some(0),
            _ => return parse_timestamp_slow(raw),
        }
    }
    if digits == 0 || mantissa >= 1 << 53 {
        return parse_timestamp_slow(raw);
    }
    Some(mantissa as f64 / POW10[fraction.unwrap_or(0)])
}

fn parse_timestamp_slow(raw: &[u8]) -> Option<f64> {
    let t: f64 = std::str::from_utf8(raw).ok()?.parse().ok()?;
    (t.is_finite() && t >= 0.0).then_some(t)
}

fn parse_id(raw: &[u8]) -> Option<u32> {
    let digits = raw
        .strip_prefix(b"0x")
        .or_else(|| raw.strip_prefix(b"0X"))
        .unwrap_or(raw);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let mut id: u32 = 0;
    for &b in digits {
        id = (id << 4) | u32::from(hex_value(b)?);
    }
    (id <= MAX_CAN_ID).then_some(id)
}

fn parse_payload(raw: &[u8]) -> Option<[u8; 8]> {
    if raw.len() % 2 != 0 || raw.len() > 16 {
        return None;
    }
    let mut payload = [0u8; 8];
    for (i, pair) in raw.chunks_exact(2).enumerate() {
        payload[i] = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
    }
    Some(payload)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A value shortened for an error message (a huge field must not make a huge message).
fn clip(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests;
