use proptest::prelude::*;

use super::*;

#[test]
fn a_valid_row_parses() {
    let row = parse_row(b"1513920254.785127,110,D01C100900000000,0").unwrap();
    assert_eq!(row.timestamp, 1513920254.785127);
    assert_eq!(row.id, 0x110);
    assert_eq!(row.payload, [0xD0, 0x1C, 0x10, 0x09, 0, 0, 0, 0]);
    assert_eq!(row.data_field, b"D01C100900000000");
    assert_eq!(row.label, 0);
}

#[test]
fn short_payloads_pad_with_zeros_and_crlf_and_quotes_are_accepted() {
    let row = parse_row(b"\"0.5\",\"7ff\",ab12,1\r").unwrap();
    assert_eq!(
        (row.id, row.payload, row.label),
        (0x7FF, [0xAB, 0x12, 0, 0, 0, 0, 0, 0], 1)
    );
    assert_eq!(parse_row(b"1,18FEF100,,0").unwrap().payload, [0; 8]);
}

#[test]
fn each_kind_of_bad_row_is_named() {
    let cases: [(&[u8], &str); 10] = [
        (b"1,110,00", "expected 4 fields, found 3"),
        (b"1,110,00,0,9", "expected 4 fields, found 5"),
        (b"-1,110,00,0", "timestamp: `-1`"),
        (b"nan,110,00,0", "timestamp: `nan`"),
        (b"1,XYZ,00,0", "arbitration_id: `XYZ`"),
        (b"1,20000000,00,0", "arbitration_id: `20000000`"),
        (b"1,110,ABC,0", "data_field: `ABC`"),
        (b"1,110,001122334455667788,0", "data_field"),
        (b"1,110,00,2", "attack: `2`"),
        (b"1,1\"10,00,0", "arbitration_id: stray double quote"),
    ];
    for (line, expected) in cases {
        let err = parse_row(line).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{}: {err}",
            String::from_utf8_lossy(line)
        );
    }
    assert_eq!(
        parse_row(b"1,\xff\xfe,00,0"),
        Err(RowError::NotUtf8("arbitration_id"))
    );
}

#[test]
fn header_is_recognised() {
    assert!(is_header(b"timestamp,arbitration_id,data_field,attack"));
    assert!(is_header(
        b"Timestamp,\"arbitration_id\",data_field,attack\r"
    ));
    assert!(!is_header(b"1,110,00,0"));
}

#[test]
fn huge_fields_give_short_messages() {
    let mut line = b"1,".to_vec();
    line.extend(std::iter::repeat_n(b'A', 1_000_000));
    line.extend(b",00,0");
    assert!(parse_row(&line).unwrap_err().to_string().len() < 200);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    /// The parser is total over arbitrary bytes.
    #[test]
    fn never_panics_on_arbitrary_bytes(line in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_row(&line);
        let _ = is_header(&line);
    }

    /// Lines made of CSV-ish pieces reach the deeper validation paths without panicking.
    #[test]
    fn never_panics_on_csv_like_lines(fields in proptest::collection::vec("[0-9a-fA-FxX.\",\\r -]{0,20}", 0..6)) {
        let line = fields.join(",");
        if let Ok(row) = parse_row(line.as_bytes()) {
            prop_assert!(row.id <= MAX_CAN_ID && row.label <= 1 && row.timestamp >= 0.0);
        }
    }

    /// Every valid row round-trips its values.
    #[test]
    fn valid_rows_round_trip(ts in 0.0f64..2e9, id in 0u32..=MAX_CAN_ID, payload in proptest::collection::vec(any::<u8>(), 0..=8), label in 0u8..=1) {
        let hex: String = payload.iter().map(|b| format!("{b:02X}")).collect();
        let line = format!("{ts},{id:X},{hex},{label}");
        let row = parse_row(line.as_bytes()).unwrap();
        prop_assert_eq!(row.timestamp, ts);
        prop_assert_eq!(row.id, id);
        prop_assert_eq!(&row.payload[..payload.len()], &payload[..]);
        prop_assert_eq!(row.label, label);
    }
}

proptest! {
    /// The timestamp fast path agrees with the standard parser on the captures' format.
    #[test]
    fn timestamp_fast_path_equals_std(whole in 0u64..10_000_000_000, frac in 0u64..1_000_000, width in 0usize..7) {
        let text = if width == 0 { format!("{whole}") } else { format!("{whole}.{:0width$}", frac % 10u64.pow(width as u32)) };
        prop_assert_eq!(parse_timestamp(text.as_bytes()), Some(text.parse::<f64>().unwrap()));
    }
}

#[test]
fn timestamp_slow_path_handles_other_forms() {
    for text in ["1e3", "0.5", "1513920254.7851270001", ".5", "5."] {
        assert_eq!(
            parse_timestamp(text.as_bytes()),
            Some(text.parse::<f64>().unwrap()),
            "{text}"
        );
    }
    for bad in ["", ".", "-1", "inf", "NaN", "1.2.3", "1e999"] {
        assert_eq!(parse_timestamp(bad.as_bytes()), None, "{bad}");
    }
}
