//! Category columns, written with the dictionary page we choose.
//!
//! arrow-rs's Parquet writer re-interns every row group's values into a dictionary in order
//! of first appearance, so the sorted vocabulary the first pass collected would reach readers
//! in a different order in each row group, and pandas would see the right categories in the
//! wrong order. Its encoder trait is crate-private, so category columns are encoded here:
//! the dictionary page is our vocabulary as it stands, and data pages carry our codes as they
//! are (RLE/bit-packed hybrid, the same layout the parquet crate writes). Page headers,
//! compression and splicing into the row group still go through the parquet crate.

use crate::error::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{UInt16Type, UInt8Type};
use arrow_array::{Array, ArrayRef, StringArray};
use arrow_schema::DataType;
use bytes::Bytes;
use parquet::basic::{Compression, Encoding, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::compression::{create_codec, Codec, CodecOptions};
use parquet::encodings::rle::RleEncoder;
use parquet::file::metadata::{ColumnChunkMetaData, PageEncodingStats};
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedPageWriter, SerializedRowGroupWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;
use std::io::Write;

/// Rows per data page, as the parquet crate's default, so readers can skip pages alike.
const PAGE_ROWS: usize = 20_000;

/// One category column's chunk of the open row group.
pub struct DictionaryChunk {
    descr: ColumnDescPtr,
    codec: Option<Box<dyn Codec>>,
    compression: Compression,
    statistics: bool,
    offset_index: bool,
    /// The vocabulary of the latest array. In stream mode it grows, always by appending,
    /// so the last one seen holds every code written so far.
    vocabulary: Option<StringArray>,
    /// Codes of the page being filled, non-null values only.
    codes: Vec<u16>,
    /// Definition level (0 null, 1 present) per row of the page being filled.
    levels: Vec<u8>,
    /// Data pages done, header included, as they will appear after the dictionary page.
    pages: Vec<u8>,
    locations: Vec<PageLocation>,
    rows: usize,
    page_first_row: usize,
    nulls: u64,
    data_pages: i32,
    uncompressed: usize,
    /// Which codes occur in this row group, for min/max statistics.
    seen: Vec<bool>,
}

impl DictionaryChunk {
    pub fn new(
        descr: ColumnDescPtr,
        compression: Compression,
        statistics: bool,
        offset_index: bool,
    ) -> Result<Self> {
        Ok(DictionaryChunk {
            descr,
            codec: create_codec(compression, &CodecOptions::default())?,
            compression,
            statistics,
            offset_index,
            vocabulary: None,
            codes: Vec::new(),
            levels: Vec::new(),
            pages: Vec::new(),
            locations: Vec::new(),
            rows: 0,
            page_first_row: 0,
            nulls: 0,
            data_pages: 0,
            uncompressed: 0,
            seen: Vec::new(),
        })
    }

    /// Appends a dictionary array (uint8 or uint16 keys over our vocabulary).
    pub fn write(&mut self, array: &ArrayRef) -> Result<()> {
        let (codes, values): (Vec<Option<u16>>, &ArrayRef) = match array.data_type() {
            DataType::Dictionary(k, _) if **k == DataType::UInt8 => {
                let d = array.as_dictionary::<UInt8Type>();
                (
                    d.keys().iter().map(|k| k.map(u16::from)).collect(),
                    d.values(),
                )
            }
            DataType::Dictionary(k, _) if **k == DataType::UInt16 => {
                let d = array.as_dictionary::<UInt16Type>();
                (d.keys().iter().collect(), d.values())
            }
            _ => return Err(Error::State("a category column got a non-dictionary array")),
        };
        let values = values.as_string::<i32>().clone();
        if self
            .vocabulary
            .as_ref()
            .is_none_or(|v| v.len() <= values.len())
        {
            self.seen.resize(values.len(), false);
            self.vocabulary = Some(values);
        }
        for code in codes {
            match code {
                Some(c) => {
                    self.codes.push(c);
                    self.levels.push(1);
                    self.seen[c as usize] = true;
                }
                None => {
                    self.levels.push(0);
                    self.nulls += 1;
                }
            }
            self.rows += 1;
            if self.levels.len() == PAGE_ROWS {
                self.flush_page()?;
            }
        }
        Ok(())
    }

    fn flush_page(&mut self) -> Result<()> {
        if self.levels.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        if self.descr.max_def_level() > 0 {
            let mut enc = RleEncoder::new(1, self.levels.len() / 8 + 16);
            for &l in &self.levels {
                enc.put(l as u64);
            }
            let levels = enc.consume();
            buf.extend_from_slice(&(levels.len() as u32).to_le_bytes());
            buf.extend_from_slice(&levels);
        }
        let entries = self.vocabulary.as_ref().map_or(0, |v| v.len());
        let width = bit_width(entries);
        buf.push(width);
        let mut enc = RleEncoder::new_from_buf(width, buf);
        for &c in &self.codes {
            enc.put(c as u64);
        }
        let num_values = self.levels.len() as u32;
        let offset = self.pages.len() as i64;
        let spec = write_page(
            &mut self.pages,
            enc.consume(),
            self.codec.as_deref_mut(),
            |buf| Page::DataPage {
                buf,
                num_values,
                encoding: Encoding::RLE_DICTIONARY,
                def_level_encoding: Encoding::RLE,
                rep_level_encoding: Encoding::RLE,
                statistics: None,
            },
        )?;
        self.uncompressed += spec.0;
        self.locations.push(PageLocation {
            offset,
            compressed_page_size: spec.1 as i32,
            first_row_index: self.page_first_row as i64,
        });
        self.data_pages += 1;
        self.page_first_row = self.rows;
        self.codes.clear();
        self.levels.clear();
        Ok(())
    }

    /// Finishes the chunk and splices it into `rg`, the row group being written.
    pub fn append_to<W: Write + Send>(
        mut self,
        rg: &mut SerializedRowGroupWriter<W>,
    ) -> Result<()> {
        self.flush_page()?;
        let vocabulary = self
            .vocabulary
            .take()
            .unwrap_or_else(|| StringArray::from(Vec::<&str>::new()));
        // PLAIN byte arrays: a little-endian u32 length before each value.
        let mut plain = Vec::new();
        for v in vocabulary.iter().flatten() {
            plain.extend_from_slice(&(v.len() as u32).to_le_bytes());
            plain.extend_from_slice(v.as_bytes());
        }
        let sorted = vocabulary
            .iter()
            .flatten()
            .zip(vocabulary.iter().flatten().skip(1))
            .all(|(a, b)| a < b);
        let num_values = vocabulary.len() as u32;
        let mut chunk = Vec::new();
        let (dict_uncompressed, dict_len) =
            write_page(&mut chunk, plain, self.codec.as_deref_mut(), |buf| {
                Page::DictionaryPage {
                    buf,
                    num_values,
                    encoding: Encoding::PLAIN,
                    is_sorted: sorted,
                }
            })?;
        chunk.extend_from_slice(&self.pages);

        let mut meta = ColumnChunkMetaData::builder(self.descr.clone())
            .set_compression(self.compression)
            .set_encodings(vec![
                Encoding::PLAIN,
                Encoding::RLE,
                Encoding::RLE_DICTIONARY,
            ])
            .set_page_encoding_stats(vec![
                PageEncodingStats {
                    page_type: PageType::DICTIONARY_PAGE,
                    encoding: Encoding::PLAIN,
                    count: 1,
                },
                PageEncodingStats {
                    page_type: PageType::DATA_PAGE,
                    encoding: Encoding::RLE_DICTIONARY,
                    count: self.data_pages,
                },
            ])
            .set_total_compressed_size(chunk.len() as i64)
            .set_total_uncompressed_size((dict_uncompressed + self.uncompressed) as i64)
            .set_num_values(self.rows as i64)
            .set_dictionary_page_offset(Some(0))
            .set_data_page_offset(dict_len as i64);
        if self.statistics {
            let mut present = self
                .seen
                .iter()
                .enumerate()
                .filter(|(_, s)| **s)
                .map(|(i, _)| vocabulary.value(i).as_bytes());
            let first = present.next();
            let (min, max) = present.fold((first, first), |(lo, hi), v| {
                (lo.min(Some(v)), hi.max(Some(v)))
            });
            meta = meta.set_statistics(Statistics::byte_array(
                min.map(Into::into),
                max.map(Into::into),
                None,
                Some(self.nulls),
                false,
            ));
        }
        let offset_index = self.offset_index.then(|| OffsetIndexMetaData {
            page_locations: self
                .locations
                .iter()
                .map(|l| PageLocation {
                    offset: l.offset + dict_len as i64,
                    ..l.clone()
                })
                .collect(),
            unencoded_byte_array_data_bytes: None,
        });
        let close = ColumnCloseResult {
            bytes_written: chunk.len() as u64,
            rows_written: self.rows as u64,
            metadata: meta.build()?,
            bloom_filter: None,
            column_index: None,
            offset_index,
        };
        rg.append_column(&Bytes::from(chunk), close)?;
        Ok(())
    }
}

/// Bits per code for a dictionary of `entries` values, as the parquet crate computes it.
fn bit_width(entries: usize) -> u8 {
    (usize::BITS - entries.saturating_sub(1).leading_zeros()) as u8
}

/// Compresses `body`, wraps it with `page` and serializes it, header first, onto `out`.
/// Returns the page's uncompressed and written sizes, header included.
fn write_page(
    out: &mut Vec<u8>,
    body: Vec<u8>,
    codec: Option<&mut (dyn Codec + 'static)>,
    page: impl FnOnce(Bytes) -> Page,
) -> Result<(usize, usize)> {
    let raw = body.len();
    let buf = match codec {
        Some(c) => {
            let mut compressed = Vec::with_capacity(raw / 2);
            c.compress(&body, &mut compressed)?;
            compressed
        }
        None => body,
    };
    let mut sink = TrackedWrite::new(out);
    let spec = SerializedPageWriter::new(&mut sink)
        .write_page(CompressedPage::new(page(buf.into()), raw))?;
    sink.flush()?;
    Ok((spec.uncompressed_size, spec.bytes_written as usize))
}

#[cfg(test)]
mod tests {
    use super::bit_width;

    #[test]
    fn bit_widths_match_the_parquet_crate() {
        assert_eq!(bit_width(0), 0);
        assert_eq!(bit_width(1), 0);
        assert_eq!(bit_width(2), 1);
        assert_eq!(bit_width(256), 8);
        assert_eq!(bit_width(257), 9);
        assert_eq!(bit_width(65536), 16);
    }
}
