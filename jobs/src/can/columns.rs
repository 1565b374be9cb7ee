//! `MessageColumns`: one capture file's messages as columns, ready for Arrow (the `data_field` text is
//! kept as offsets into one byte buffer, as Arrow stores strings) and for graph construction.

/// The messages of one capture file, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageColumns {
    /// Capture times in seconds.
    pub timestamp: Vec<f64>,
    /// Arbitration ids.
    pub id: Vec<u32>,
    /// Payload bytes, zero-padded to 8.
    pub payload: Vec<[u8; 8]>,
    /// 1 for attack messages.
    pub label: Vec<u8>,
    /// `data_field` text of all rows, concatenated.
    pub data_field_bytes: Vec<u8>,
    /// Offsets into `data_field_bytes`: row `i` is `offsets[i]..offsets[i + 1]`.
    pub data_field_offsets: Vec<i32>,
}

impl MessageColumns {
    /// Empty columns with room for `rows` messages.
    pub fn with_capacity(rows: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        MessageColumns {
            timestamp: Vec::with_capacity(rows),
            id: Vec::with_capacity(rows),
            payload: Vec::with_capacity(rows),
            label: Vec::with_capacity(rows),
            data_field_bytes: Vec::with_capacity(rows * 16),
            data_field_offsets: offsets,
        }
    }

    /// Appends one message.
    pub fn push(
        &mut self,
        timestamp: f64,
        id: u32,
        data_field: &[u8],
        payload: [u8; 8],
        label: u8,
    ) {
        self.timestamp.push(timestamp);
        self.id.push(id);
        self.payload.push(payload);
        self.label.push(label);
        self.data_field_bytes.extend_from_slice(data_field);
        // Payload text is at most 16 bytes a row, so the total stays far below i32::MAX for any
        // file this tool is meant for; saturate rather than wrap if it ever did not.
        let end = i32::try_from(self.data_field_bytes.len()).unwrap_or(i32::MAX);
        self.data_field_offsets.push(end);
    }

    /// Number of messages.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
}
