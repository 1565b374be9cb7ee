//! Parquet for capture files, in the reference's schema: `timestamp` f64, `id` u32, `data_field`
//! string, `label` u8, `source_file` string; 500k-row row groups, Snappy compression (pyarrow's
//! default). Writes are atomic: a temporary file in the target directory, then a rename.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, Float64Array, RecordBatch, StringArray, UInt8Array, UInt32Array};
use arrow::buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::CanDataError;
use super::columns::MessageColumns;
use super::row::CanRow;
use crate::atomic::write_atomic;

/// Rows per Parquet row group.
pub const ROW_GROUP_SIZE: usize = 500_000;

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("timestamp", DataType::Float64, false),
        Field::new("id", DataType::UInt32, false),
        Field::new("data_field", DataType::Utf8, false),
        Field::new("label", DataType::UInt8, false),
        Field::new("source_file", DataType::Utf8, false),
    ]))
}

fn parquet_error(path: &Path) -> impl Fn(&dyn std::fmt::Display) -> CanDataError + '_ {
    move |err| CanDataError::Parquet {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

/// Writes one capture's messages; `source_file` is the `subdir/file.csv` they came from.
pub fn write_parquet(
    columns: MessageColumns,
    source_file: &str,
    path: &Path,
) -> Result<(), CanDataError> {
    let err = parquet_error(path);
    let rows = columns.len();
    let data_field = StringArray::try_new(
        OffsetBuffer::new(ScalarBuffer::from(columns.data_field_offsets)),
        Buffer::from_vec(columns.data_field_bytes),
        None,
    )
    .map_err(|e| err(&e))?;
    let source: StringArray = std::iter::repeat_n(Some(source_file), rows).collect();
    let batch = RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Float64Array::from(columns.timestamp)),
            Arc::new(UInt32Array::from(columns.id)),
            Arc::new(data_field),
            Arc::new(UInt8Array::from(columns.label)),
            Arc::new(source),
        ],
    )
    .map_err(|e| err(&e))?;
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(ROW_GROUP_SIZE))
        .set_compression(Compression::SNAPPY)
        .build();
    let mut bytes = Vec::with_capacity(rows * 8);
    let mut writer =
        ArrowWriter::try_new(&mut bytes, schema(), Some(props)).map_err(|e| err(&e))?;
    writer.write(&batch).map_err(|e| err(&e))?;
    writer.close().map_err(|e| err(&e))?;
    write_atomic(path, &bytes).map_err(|source| CanDataError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a capture written by [`write_parquet`] (or by the reference's ingest) back into columns;
/// each `data_field` is validated as in the CSV reader.
pub fn read_parquet(path: &Path) -> Result<MessageColumns, CanDataError> {
    let err = parquet_error(path);
    let file = File::open(path).map_err(|source| CanDataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| err(&e))?
        .build()
        .map_err(|e| err(&e))?;
    let mut columns = MessageColumns::default();
    columns.data_field_offsets.push(0);
    for batch in reader {
        let batch = batch.map_err(|e| err(&e))?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| err(&format!("no column `{name}`")))
        };
        let timestamp = downcast::<Float64Array>(column("timestamp")?, "timestamp", path)?;
        let id = downcast::<UInt32Array>(column("id")?, "id", path)?;
        let data_field = downcast::<StringArray>(column("data_field")?, "data_field", path)?;
        let label = downcast::<UInt8Array>(column("label")?, "label", path)?;
        for i in 0..batch.num_rows() {
            // The same rules as CSV rows, so both inputs give the same messages.
            let row = CanRow::from_values(
                timestamp.value(i),
                id.value(i),
                data_field.value(i).as_bytes(),
                label.value(i),
            )
            .map_err(|e| err(&format!("row {i}: {e}")))?;
            columns.push(
                row.timestamp,
                row.id,
                row.data_field,
                row.payload,
                row.label,
            );
        }
    }
    Ok(columns)
}

fn downcast<'a, T: 'static>(
    array: &'a Arc<dyn Array>,
    name: &str,
    path: &Path,
) -> Result<&'a T, CanDataError> {
    array
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| CanDataError::Parquet {
            path: path.to_path_buf(),
            message: format!("column `{name}` has type {}", array.data_type()),
        })
}
