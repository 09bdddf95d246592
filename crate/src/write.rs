//! Parquet output: one row group at a time. Each column of a batch is encoded and
//! compressed by a job of its own ([`ParquetSink::column_writes`]), which the caller runs
//! on the thread pool among its other work; the row group's closed chunks are then
//! appended in order to the file.
//!
//! A column writer costs 100–300 KB before it holds a value: the parquet crate gives each
//! a zstd compression context and a decompression context (96 KB, never used by a
//! writer) and, for a column it may dictionary-encode, a 72 KB hash table. A narrow
//! schema keeps a writer per column open for the whole row group and encodes each batch
//! as it comes. A wide one (past [`WIDE_COLUMNS`]) would need hundreds of megabytes for
//! them: its row group's arrays are held instead, bounded by the row group's size, and
//! its columns encoded at the row group's end, one writer per thread at a time.

use crate::dictionary::{self, Codecs, DictionaryChunk};
use crate::error::{Error, Result};
use crate::options::{Codec, Options};
use arrow_array::ArrayRef;
use arrow_schema::{DataType, FieldRef, Schema, SchemaRef};
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory,
};
use parquet::arrow::{add_encoded_arrow_schema_to_metadata, ArrowSchemaConverter};
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::file::metadata::{KeyValue, RowGroupMetaData};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::{ColumnPath, SchemaDescPtr};
use rayon::prelude::*;
use std::io::Write;
use std::sync::Arc;

pub fn compression(opts: &Options) -> Result<Compression> {
    Ok(match opts.compression {
        Codec::Zstd => Compression::ZSTD(match opts.level {
            Some(l) => ZstdLevel::try_new(l)?,
            None => ZstdLevel::default(),
        }),
        Codec::Gzip => Compression::GZIP(match opts.level {
            Some(l) => GzipLevel::try_new(l as u32)?,
            None => GzipLevel::default(),
        }),
        Codec::Brotli => Compression::BROTLI(match opts.level {
            Some(l) => BrotliLevel::try_new(l as u32)?,
            None => BrotliLevel::default(),
        }),
        Codec::Snappy => Compression::SNAPPY,
        Codec::Lz4 => Compression::LZ4_RAW,
        Codec::None => Compression::UNCOMPRESSED,
    })
}

pub struct ParquetSink<W: Write + Send> {
    writer: SerializedFileWriter<Counting<W>>,
    factory: ArrowRowGroupWriterFactory,
    columns: Columns,
    /// Column writers of the row group being written (narrow schemas).
    open: Option<Vec<ColumnSink>>,
    /// Arrays of the row group being written, per column (wide schemas).
    held: Option<Vec<Vec<ArrayRef>>>,
    groups: usize,
    /// Compressed bytes of each column's chunks so far (data and dictionary pages).
    column_bytes: Vec<u64>,
}

/// Where one column of the open row group goes: category columns (the vocabulary as their
/// dictionary page), INT32 columns that get a dictionary and text columns are encoded by
/// us (see [`crate::dictionary`]), the others by the parquet crate's Arrow writer.
// One per column per row group, moved a handful of times: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
enum ColumnSink {
    Arrow(ArrowColumnWriter),
    Dictionary(DictionaryChunk),
}

/// Past this many columns, a row group's columns are encoded one after another at its end
/// (see the module's note).
pub const WIDE_COLUMNS: usize = 256;

/// The dictionary page limit of a text column with many distinct values (the writer's
/// default is 1 MiB): a vocabulary of thousands of short texts still fits.
pub const MANY_TEXTS_DICTIONARY_BYTES: usize = 128 << 10;

/// What opening a column writer needs.
struct Columns {
    schema: SchemaRef,
    parquet_schema: SchemaDescPtr,
    statistics: bool,
    props: WriterPropertiesPtr,
    /// Per column: who encodes it.
    encoders: Vec<Encoder>,
    /// Codecs for our columns' chunks.
    codecs: Codecs,
}

/// Who encodes a column.
#[derive(Clone, Copy)]
enum Encoder {
    /// The parquet crate's Arrow writer.
    Parquet,
    /// Ours: a category column, or INT32 values with a dictionary.
    Dictionary,
    /// Ours: text, whose dictionary page may take this many bytes (0: none).
    Text(usize),
}

impl Columns {
    /// Our writer of column `i`, if it is one of ours.
    fn ours(&self, i: usize) -> Result<Option<DictionaryChunk>> {
        let descr = self.parquet_schema.column(i);
        let (c, s) = (&self.codecs, self.statistics);
        match (self.encoders[i], self.schema.fields()[i].data_type()) {
            (Encoder::Parquet, _) => return Ok(None),
            (Encoder::Text(bytes), _) => DictionaryChunk::texts(descr, c, s, true, bytes),
            (Encoder::Dictionary, DataType::Dictionary(..)) => {
                DictionaryChunk::category(descr, c, s, true)
            }
            (Encoder::Dictionary, t) => DictionaryChunk::integers(descr, t, c, s, true),
        }
        .map(Some)
    }

    /// A writer of column `i` alone. Its chunk appends to the file's row group like one
    /// from the file's own factory: a flat column's descriptor (leaf type, levels, path)
    /// is the same in a schema of its own.
    fn column_alone(&self, i: usize, group: usize) -> Result<ColumnSink> {
        if let Some(ours) = self.ours(i)? {
            return Ok(ColumnSink::Dictionary(ours));
        }
        let field: &FieldRef = &self.schema.fields()[i];
        let schema = Arc::new(Schema::new(vec![field.clone()]));
        let parquet_schema = ArrowSchemaConverter::new().convert(&schema)?;
        let file = SerializedFileWriter::new(
            std::io::sink(),
            parquet_schema.root_schema_ptr(),
            self.props.clone(),
        )?;
        let factory = ArrowRowGroupWriterFactory::new(&file, schema);
        let writer = factory.create_column_writers(group)?.pop();
        writer
            .map(ColumnSink::Arrow)
            .ok_or(Error::State("a one-column schema gave no column writer"))
    }
}

impl ColumnSink {
    fn write(&mut self, field: &FieldRef, arrays: Vec<ArrayRef>) -> Result<()> {
        for array in arrays {
            match self {
                ColumnSink::Arrow(w) => {
                    for leaf in compute_leaves(field, &array)? {
                        w.write(&leaf)?;
                    }
                }
                ColumnSink::Dictionary(w) => w.write(&array)?,
            }
        }
        Ok(())
    }

    fn close(self) -> Result<ColumnDone> {
        Ok(match self {
            ColumnSink::Arrow(w) => ColumnDone::Arrow(w.close()?),
            ColumnSink::Dictionary(c) => ColumnDone::Dictionary(c),
        })
    }
}

/// One column's share of a batch (see [`ParquetSink::column_writes`]).
pub struct ColumnWrite<'a> {
    writer: Writer<'a>,
    field: FieldRef,
    arrays: Vec<ArrayRef>,
}

enum Writer<'a> {
    Open(&'a mut ColumnSink),
    /// The row group ends with this write: the writer closes its chunk after it.
    Closing(Box<ColumnSink>),
}

/// A column chunk closed by a [`ColumnWrite`], for [`ParquetSink::append_row_group`].
pub struct ClosedColumn(Box<ColumnDone>);

impl ColumnWrite<'_> {
    /// Writes the arrays; closes the chunk if the row group ends with them.
    pub fn run(self) -> Result<Option<ClosedColumn>> {
        match self.writer {
            Writer::Open(w) => w.write(&self.field, self.arrays).map(|_| None),
            Writer::Closing(mut w) => {
                w.write(&self.field, self.arrays)?;
                w.close().map(|c| Some(ClosedColumn(Box::new(c))))
            }
        }
    }
}

/// A column of the row group being closed: its open writer (narrow schemas), or its index
/// and arrays (wide schemas), which get a writer of their own now.
#[allow(clippy::large_enum_variant)]
enum Unfinished {
    Open(ColumnSink),
    Held((usize, Vec<ArrayRef>)),
}

impl Unfinished {
    fn finish(self, columns: &Columns, group: usize) -> Result<ColumnDone> {
        match self {
            Unfinished::Open(w) => w.close(),
            Unfinished::Held((i, arrays)) => {
                let mut w = columns.column_alone(i, group)?;
                w.write(&columns.schema.fields()[i], arrays)?;
                w.close()
            }
        }
    }
}

#[allow(clippy::large_enum_variant)]
enum ColumnDone {
    Arrow(ArrowColumnChunk),
    Dictionary(DictionaryChunk),
}

impl ColumnDone {
    fn append_to<W: Write + Send>(self, rg: &mut SerializedRowGroupWriter<'_, W>) -> Result<()> {
        match self {
            ColumnDone::Arrow(c) => c.append_to_row_group(rg)?,
            ColumnDone::Dictionary(c) => c.append_to(rg)?,
        }
        Ok(())
    }
}

impl<W: Write + Send> ParquetSink<W> {
    /// `plain_columns`: columns known to hold too many distinct values for a dictionary to
    /// pay (the writer would build one per row group, only to fall back to plain encoding).
    /// `many_texts`: text columns past the category cap, which may still repeat enough for
    /// one: their dictionary may grow to [`MANY_TEXTS_DICTIONARY_BYTES`] before the chunk
    /// falls back to plain pages, so that a column of unique texts is not interned value by
    /// value for a megabyte of dictionary in every row group.
    pub fn new(
        out: W,
        schema: SchemaRef,
        opts: &Options,
        plain_columns: &[String],
        many_texts: &[String],
    ) -> Result<Self> {
        let mut builder = WriterProperties::builder();
        for name in plain_columns {
            builder = builder.set_column_dictionary_enabled(ColumnPath::from(name.as_str()), false);
        }
        let codec = compression(opts)?;
        let mut props = builder
            .set_compression(codec)
            .set_statistics_enabled(if opts.statistics {
                EnabledStatistics::Chunk
            } else {
                EnabledStatistics::None
            })
            .set_created_by(format!("parquetry {}", env!("CARGO_PKG_VERSION")))
            .build();
        // Readers (pyarrow, pandas, polars) restore exact Arrow types from this schema:
        // unsigned widths, categories, time zones.
        add_encoded_arrow_schema_to_metadata(&schema, &mut props);
        let parquet_schema = ArrowSchemaConverter::new().convert(&schema)?;
        let out = Counting {
            inner: out,
            bytes: 0,
        };
        let props = Arc::new(props);
        let writer =
            SerializedFileWriter::new(out, parquet_schema.root_schema_ptr(), props.clone())?;
        let factory = ArrowRowGroupWriterFactory::new(&writer, schema.clone());
        let schema_len = schema.fields().len();
        // INT32 columns are ours unless they were to be written plain; text columns are
        // ours, with a dictionary as the parquet crate would give them.
        let encoders = schema
            .fields()
            .iter()
            .map(|f| {
                let plain = plain_columns.contains(f.name());
                match f.data_type() {
                    DataType::Dictionary(..) => Encoder::Dictionary,
                    DataType::Utf8 if plain => Encoder::Text(0),
                    DataType::Utf8 if many_texts.contains(f.name()) => {
                        Encoder::Text(MANY_TEXTS_DICTIONARY_BYTES)
                    }
                    DataType::Utf8 => Encoder::Text(dictionary::TEXT_DICTIONARY_BYTES),
                    t if dictionary::integers(t) && !plain => Encoder::Dictionary,
                    _ => Encoder::Parquet,
                }
            })
            .collect();
        Ok(ParquetSink {
            columns: Columns {
                schema,
                parquet_schema: Arc::new(parquet_schema),
                statistics: opts.statistics,
                props,
                encoders,
                codecs: Codecs::new(codec),
            },
            writer,
            factory,
            open: None,
            held: None,
            groups: 0,
            column_bytes: vec![0; schema_len],
        })
    }

    /// A batch's writes, one per column, to run on any threads in any order: each column's
    /// writes must only run in the order of their batches. `closing` when the row group
    /// ends with this batch: each write then also closes its column's chunk, and
    /// [`ParquetSink::append_row_group`] ends the group. Empty for a wide schema, whose
    /// arrays are held until its row group ends.
    /// `columns[c]` holds column `c`'s arrays, in row order.
    pub fn column_writes(
        &mut self,
        columns: Vec<Vec<ArrayRef>>,
        closing: bool,
    ) -> Result<Vec<ColumnWrite<'_>>> {
        if self.columns.schema.fields().len() > WIDE_COLUMNS {
            let held = self
                .held
                .get_or_insert_with(|| vec![Vec::new(); columns.len()]);
            for (held, arrays) in held.iter_mut().zip(columns) {
                held.extend(arrays);
            }
            return Ok(Vec::new());
        }
        if self.open.is_none() {
            let arrow = self.factory.create_column_writers(self.groups)?;
            let sinks = arrow
                .into_iter()
                .enumerate()
                .map(|(i, w)| {
                    Ok(match self.columns.ours(i)? {
                        Some(ours) => ColumnSink::Dictionary(ours),
                        None => ColumnSink::Arrow(w),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            self.open = Some(sinks);
        }
        let fields = self.columns.schema.fields().iter().cloned();
        // Our columns are flat: one Parquet leaf per Arrow column.
        let writers: Vec<Writer<'_>> = match closing {
            true => self
                .open
                .take()
                .into_iter()
                .flatten()
                .map(|w| Writer::Closing(Box::new(w)))
                .collect(),
            false => self.open.iter_mut().flatten().map(Writer::Open).collect(),
        };
        Ok(writers
            .into_iter()
            .zip(columns.into_iter().zip(fields))
            .map(|(writer, (arrays, field))| ColumnWrite {
                writer,
                field,
                arrays,
            })
            .collect())
    }

    /// Ends the row group whose last [`ParquetSink::column_writes`] were `closing`, with
    /// the chunks they closed, in column order (a wide schema's held columns are encoded
    /// now).
    pub fn append_row_group(&mut self, closed: Vec<ClosedColumn>) -> Result<()> {
        if closed.is_empty() {
            return self.end_row_group();
        }
        let mut rg = self.writer.next_row_group()?;
        for chunk in closed {
            chunk.0.append_to(&mut rg)?;
        }
        let meta = rg.close()?;
        self.row_group_closed(&meta);
        Ok(())
    }

    /// Counts a row group closed (its metadata) in.
    fn row_group_closed(&mut self, meta: &RowGroupMetaData) {
        for (bytes, chunk) in self.column_bytes.iter_mut().zip(meta.columns()) {
            *bytes += chunk.compressed_size().max(0) as u64;
        }
        self.groups += 1;
    }

    /// Closes the open row group: its column chunks are finished in parallel and appended,
    /// a window of columns at a time (every closed chunk waits in memory until it is
    /// appended: for 32,768 columns of 3 rows, mostly metadata, 100 MB at once).
    pub fn end_row_group(&mut self) -> Result<()> {
        let columns: Vec<Unfinished> = if let Some(held) = self.held.take() {
            held.into_iter().enumerate().map(Unfinished::Held).collect()
        } else if let Some(open) = self.open.take() {
            open.into_iter().map(Unfinished::Open).collect()
        } else {
            return Ok(());
        };
        let (layout, group) = (&self.columns, self.groups);
        let mut rg = self.writer.next_row_group()?;
        let mut columns = columns.into_iter();
        loop {
            let window: Vec<Unfinished> = columns.by_ref().take(WIDE_COLUMNS).collect();
            if window.is_empty() {
                break;
            }
            let chunks: Vec<ColumnDone> = window
                .into_par_iter()
                .map(|c| c.finish(layout, group))
                .collect::<Result<_>>()?;
            for chunk in chunks {
                chunk.append_to(&mut rg)?;
            }
        }
        let meta = rg.close()?;
        self.row_group_closed(&meta);
        Ok(())
    }

    pub fn row_groups(&self) -> usize {
        self.groups
    }

    /// Compressed bytes per column in the row groups written so far.
    pub fn column_bytes(&self) -> &[u64] {
        &self.column_bytes
    }

    /// Writes the footer with `metadata` and hands back the sink and the file's size.
    /// Stops writing: the caller's sink and the bytes it was given (a footer included, which
    /// the parquet crate writes on the way out), for a caller that will discard them.
    pub fn abandon(self) -> Result<(W, u64)> {
        let mut out = self.writer.into_inner()?;
        out.inner.flush()?;
        Ok((out.inner, out.bytes))
    }

    pub fn finish(mut self, metadata: Vec<KeyValue>) -> Result<(W, u64)> {
        self.end_row_group()?;
        for kv in metadata {
            self.writer.append_key_value_metadata(kv);
        }
        let mut out = self.writer.into_inner()?;
        out.inner.flush()?;
        Ok((out.inner, out.bytes))
    }
}

/// Counts the bytes that reach the caller's sink: the file's size, whatever the sink is.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
