//! Columns encoded here rather than by the parquet crate: categories, INT32 columns that
//! get a dictionary, and text.
//!
//! arrow-rs's Parquet writer re-interns every row group's values into a dictionary in order
//! of first appearance, so the sorted vocabulary the first pass collected would reach readers
//! in a different order in each row group, and pandas would see the right categories in the
//! wrong order. Its encoder trait is crate-private, so category columns are encoded here:
//! the dictionary page is our vocabulary as it stands, and data pages carry our codes as they
//! are (RLE/bit-packed hybrid, the same layout the parquet crate writes). Page headers,
//! compression and splicing into the row group still go through the parquet crate.
//!
//! Integers and dates that get a dictionary (INT32 in Parquet) are encoded here too, with
//! the layout the parquet crate would give them: a dictionary in order of first appearance,
//! plain pages once it passes 1 MiB. Its interner hashes each value as bytes and compares
//! them with `memcmp`: in WebAssembly that costs five times what it does natively (the
//! benchmark file's three such columns, ~6% of its conversion in Node). Here a value finds
//! its code in a table (8 bits) or an integer hash map instead.
//!
//! Text columns are encoded here for the same reason, with the same layout: a dictionary in
//! order of first appearance up to its byte limit (none at all for a column known to be
//! mostly unique), plain pages past it. The parquet crate's byte-array encoder cost wasm
//! seven times what it costs natively (its hasher's 128-bit multiplies, a `memcmp` per
//! value for the min/max statistics); here a value is hashed with 64-bit multiplies, and
//! the statistics compare an 8-byte prefix first and only distinct values while a
//! dictionary is kept.

use crate::error::{Error, Result};
use crate::scan::{same, text_hash};
use crate::textrange::{compare, TextRange};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Int16Type, Int32Type, Int8Type, UInt16Type, UInt32Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, StringArray};
use arrow_schema::DataType;
use bytes::Bytes;
use hashbrown::HashTable;
use parquet::basic::{Compression, Encoding, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::compression::{create_codec, Codec, CodecOptions};
use parquet::encodings::rle::RleEncoder;
use parquet::file::metadata::{ColumnChunkMetaData, PageEncodingStats};
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedPageWriter, SerializedRowGroupWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;
use rustc_hash::FxHashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Rows per data page, as the parquet crate's default, so readers can skip pages alike.
const PAGE_ROWS: usize = 20_000;

/// The most values a dictionary of integers takes: the parquet crate's default page limit
/// (1 MiB) over 4 bytes a value. Past it, the rest of the chunk is written plain, as the
/// parquet crate does.
const INTEGER_ENTRIES: usize = (1 << 20) / 4;

/// Bytes of a plain page's values past which the page is closed, as the parquet crate's
/// default data page size limit.
const PAGE_BYTES: usize = 1 << 20;

/// The parquet crate's default dictionary page limit, which text columns keep unless told
/// otherwise.
pub const TEXT_DICTIONARY_BYTES: usize = 1 << 20;

/// Longest min/max statistic of a text column, as the parquet crate's default: a longer
/// one is cut (the max then raised to stay an upper bound) and marked inexact.
const STATISTICS_BYTES: usize = 64;

/// Whether a column of this type, if dictionary-encoded, is encoded here. Its Parquet type
/// is INT32.
pub fn integers(t: &DataType) -> bool {
    matches!(
        t,
        DataType::UInt8
            | DataType::Int8
            | DataType::UInt16
            | DataType::Int16
            | DataType::UInt32
            | DataType::Int32
            | DataType::Date32
    )
}

/// What a chunk's dictionary holds.
enum Dictionary {
    /// A category column's vocabulary: the latest array's. In stream mode it grows, always
    /// by appending, so the last one seen holds every code written so far. `seen`: which
    /// codes occur in this row group, for min/max statistics.
    Category {
        vocabulary: Option<StringArray>,
        seen: Vec<bool>,
    },
    /// Integers in order of first appearance, as Parquet's INT32, and their codes.
    /// `unsigned`: ordered as unsigned (uint32; smaller unsigned types are never negative
    /// as INT32, so either order serves them).
    Integers {
        values: Vec<i32>,
        codes: Codes,
        unsigned: bool,
    },
    /// Texts in order of first appearance.
    Texts(Texts),
}

/// A text column's dictionary, its values back to back in one buffer, and the range of
/// the values written plain.
struct Texts {
    bytes: Vec<u8>,
    /// (start, length) of each value, by code.
    values: Vec<(u32, u32)>,
    /// (hash, code) of each value.
    table: HashTable<(u64, u32)>,
    /// Bytes the dictionary page may still take (PLAIN: a 4-byte length and the bytes of
    /// each value).
    room: usize,
    /// Least and greatest value of the plain pages.
    plain_range: Option<TextRange>,
}

impl Texts {
    fn value(&self, code: u32) -> &[u8] {
        Self::at(&self.bytes, &self.values, code)
    }

    fn at<'a>(bytes: &'a [u8], values: &[(u32, u32)], code: u32) -> &'a [u8] {
        let (start, len) = values[code as usize];
        &bytes[start as usize..(start + len) as usize]
    }

    /// The code of `v`, which is given one if it has none yet and the dictionary has room.
    #[inline]
    fn code(&mut self, v: &[u8]) -> Option<u32> {
        let hash = text_hash(v);
        let Texts {
            bytes,
            values,
            table,
            room,
            ..
        } = self;
        let found = table.find(hash, |&(h, c)| {
            h == hash && same(Self::at(bytes, values, c), v)
        });
        if let Some(&(_, code)) = found {
            return Some(code);
        }
        let need = 4 + v.len();
        if need > *room {
            return None;
        }
        *room -= need;
        let code = values.len() as u32;
        table.insert_unique(hash, (hash, code), |&(h, _)| h);
        values.push((bytes.len() as u32, v.len() as u32));
        bytes.extend_from_slice(v);
        Some(code)
    }
}

/// The codes of integers, by slot: a value's bits, read as unsigned.
enum Codes {
    /// 8 bits: the code plus one of each slot, 0 for a value not seen yet.
    Table(Box<[u32; 256]>),
    /// 16 and 32 bits: a table would be 256 KB a column at 16 bits, and a wide file has
    /// hundreds of columns open at a time.
    Map(FxHashMap<u32, u32>),
}

impl Codes {
    /// The code of the value in `slot`, which is given one if it has none yet.
    #[inline]
    fn get(&mut self, slot: u32, value: i32, values: &mut Vec<i32>) -> u32 {
        let mut new = || {
            values.push(value);
            (values.len() - 1) as u32
        };
        match self {
            Codes::Table(t) => {
                let c = &mut t[slot as usize];
                if *c == 0 {
                    *c = new() + 1;
                }
                *c - 1
            }
            Codes::Map(m) => *m.entry(slot).or_insert_with(new),
        }
    }
}

/// A file's codecs, kept for reuse by the chunks it writes. The parquet crate's zstd codec
/// makes a compression and a decompression context when created (zeroed tables of hundreds
/// of kilobytes, ~6% of the CPU of a file of 2,000 columns, one codec each); a chunk takes
/// one here and its codec comes back when the chunk is dropped.
#[derive(Clone)]
pub struct Codecs {
    compression: Compression,
    idle: Arc<Mutex<Vec<Box<dyn Codec>>>>,
}

impl Codecs {
    pub fn new(compression: Compression) -> Codecs {
        Codecs {
            compression,
            idle: Arc::default(),
        }
    }

    fn take(&self) -> Result<PooledCodec> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let codec = match idle {
            Some(c) => Some(c),
            None => create_codec(self.compression, &CodecOptions::default())?,
        };
        Ok(PooledCodec {
            codec,
            pool: self.clone(),
        })
    }
}

/// A codec taken from [`Codecs`], given back when dropped (`None`: no compression).
struct PooledCodec {
    codec: Option<Box<dyn Codec>>,
    pool: Codecs,
}

impl Drop for PooledCodec {
    fn drop(&mut self) {
        if let Some(c) = self.codec.take() {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
            idle.push(c);
        }
    }
}

/// One dictionary-encoded column's chunk of the open row group.
pub struct DictionaryChunk {
    descr: ColumnDescPtr,
    codec: PooledCodec,
    statistics: bool,
    offset_index: bool,
    dictionary: Dictionary,
    /// Codes of the page being filled, non-null values only. As u64, what the RLE
    /// encoder's batch call takes.
    codes: Vec<u64>,
    /// Set when the dictionary is full: from then on the chunk's pages are plain, and
    /// `plain` holds the PLAIN values of the page being filled.
    fallen_back: bool,
    plain: Vec<u8>,
    plain_pages: i32,
    /// Least and greatest integer of the plain pages, in the column's order.
    plain_range: Option<(i64, i64)>,
    /// Definition level (0 null, 1 present) per row of the page being filled.
    levels: Vec<u64>,
    /// Data pages done, header included, as they will appear after the dictionary page.
    pages: Vec<u8>,
    locations: Vec<PageLocation>,
    rows: usize,
    page_first_row: usize,
    nulls: u64,
    data_pages: i32,
    uncompressed: usize,
}

impl DictionaryChunk {
    /// A chunk of a category column, whose arrays are dictionary arrays over our
    /// vocabulary.
    pub fn category(
        descr: ColumnDescPtr,
        codecs: &Codecs,
        statistics: bool,
        offset_index: bool,
    ) -> Result<Self> {
        let dictionary = Dictionary::Category {
            vocabulary: None,
            seen: Vec::new(),
        };
        Self::new(descr, codecs, statistics, offset_index, dictionary)
    }

    /// A chunk of a column of integers (see [`integers`]).
    pub fn integers(
        descr: ColumnDescPtr,
        t: &DataType,
        codecs: &Codecs,
        statistics: bool,
        offset_index: bool,
    ) -> Result<Self> {
        let codes = match t {
            DataType::UInt8 | DataType::Int8 => Codes::Table(Box::new([0; 256])),
            _ => Codes::Map(FxHashMap::default()),
        };
        let dictionary = Dictionary::Integers {
            values: Vec::new(),
            codes,
            unsigned: *t == DataType::UInt32,
        };
        Self::new(descr, codecs, statistics, offset_index, dictionary)
    }

    /// A chunk of a text column, whose dictionary page may take `dictionary_bytes` (0: the
    /// chunk is written plain).
    pub fn texts(
        descr: ColumnDescPtr,
        codecs: &Codecs,
        statistics: bool,
        offset_index: bool,
        dictionary_bytes: usize,
    ) -> Result<Self> {
        let dictionary = Dictionary::Texts(Texts {
            bytes: Vec::new(),
            values: Vec::new(),
            table: HashTable::new(),
            room: dictionary_bytes,
            plain_range: None,
        });
        Self::new(descr, codecs, statistics, offset_index, dictionary)
    }

    fn new(
        descr: ColumnDescPtr,
        codecs: &Codecs,
        statistics: bool,
        offset_index: bool,
        dictionary: Dictionary,
    ) -> Result<Self> {
        Ok(DictionaryChunk {
            descr,
            codec: codecs.take()?,
            statistics,
            offset_index,
            dictionary,
            codes: Vec::new(),
            fallen_back: false,
            plain: Vec::new(),
            plain_pages: 0,
            plain_range: None,
            levels: Vec::new(),
            pages: Vec::new(),
            locations: Vec::new(),
            rows: 0,
            page_first_row: 0,
            nulls: 0,
            data_pages: 0,
            uncompressed: 0,
        })
    }

    /// Appends an array: of the column's integers or dates, or of its dictionary (uint8 or
    /// uint16 keys over our vocabulary).
    pub fn write(&mut self, array: &ArrayRef) -> Result<()> {
        // An integer's slot among the codes is its bits read as unsigned; its value, the
        // INT32 the parquet crate writes for it.
        macro_rules! integers {
            ($t:ty, $slot:expr, $value:expr) => {{
                for v in array.as_primitive::<$t>() {
                    self.integer(v.map(|v| ($slot(v), $value(v))))?;
                }
                return Ok(());
            }};
        }
        match array.data_type() {
            DataType::UInt8 => integers!(UInt8Type, u32::from, i32::from),
            DataType::Int8 => integers!(Int8Type, |v| u32::from(v as u8), i32::from),
            DataType::UInt16 => integers!(UInt16Type, u32::from, i32::from),
            DataType::Int16 => integers!(Int16Type, |v| u32::from(v as u16), i32::from),
            DataType::UInt32 => integers!(UInt32Type, |v| v, |v| v as i32),
            DataType::Int32 => integers!(Int32Type, |v| v as u32, |v| v),
            DataType::Date32 => integers!(Date32Type, |v| v as u32, |v| v),
            DataType::Utf8 => {
                let a = array.as_string::<i32>();
                let (offsets, data) = (a.value_offsets(), a.value_data());
                for i in 0..a.len() {
                    if a.is_null(i) {
                        self.row(false)?;
                    } else {
                        self.text(&data[offsets[i] as usize..offsets[i + 1] as usize])?;
                    }
                }
                return Ok(());
            }
            _ => {}
        }
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
            _ => {
                return Err(Error::State(
                    "a dictionary column got an array of another type",
                ))
            }
        };
        let Dictionary::Category { vocabulary, seen } = &mut self.dictionary else {
            return Err(Error::State("a column of values got a dictionary array"));
        };
        let values = values.as_string::<i32>().clone();
        if vocabulary.as_ref().is_none_or(|v| v.len() <= values.len()) {
            seen.resize(values.len(), false);
            *vocabulary = Some(values);
        }
        for c in codes.iter().flatten() {
            seen[*c as usize] = true;
        }
        for code in codes {
            if let Some(c) = code {
                self.codes.push(c.into());
            }
            self.row(code.is_some())?;
        }
        Ok(())
    }

    /// Appends an integer (its slot among the codes, and its value), or a null.
    fn integer(&mut self, v: Option<(u32, i32)>) -> Result<()> {
        let Some((slot, value)) = v else {
            return self.row(false);
        };
        let Dictionary::Integers {
            values,
            codes,
            unsigned,
        } = &mut self.dictionary
        else {
            return Err(Error::State("a column of another type got integers"));
        };
        let unsigned = *unsigned;
        if !self.fallen_back {
            let code = codes.get(slot, value, values);
            if values.len() <= INTEGER_ENTRIES {
                self.codes.push(code.into());
                return self.row(true);
            }
            // A value past the dictionary's limit: it goes plain, as the rest will.
            values.pop();
            self.fall_back()?;
        }
        let key = order_key(value, unsigned);
        let (lo, hi) = self.plain_range.get_or_insert((key, key));
        (*lo, *hi) = ((*lo).min(key), (*hi).max(key));
        self.plain.extend_from_slice(&value.to_le_bytes());
        self.row(true)
    }

    /// Appends a text.
    fn text(&mut self, v: &[u8]) -> Result<()> {
        let Dictionary::Texts(texts) = &mut self.dictionary else {
            return Err(Error::State("a column of another type got texts"));
        };
        if !self.fallen_back {
            if let Some(code) = texts.code(v) {
                self.codes.push(code.into());
                return self.row(true);
            }
            self.fall_back()?;
        }
        if let Dictionary::Texts(texts) = &mut self.dictionary {
            TextRange::widen(&mut texts.plain_range, v);
        }
        self.plain
            .extend_from_slice(&(v.len() as u32).to_le_bytes());
        self.plain.extend_from_slice(v);
        self.row(true)?;
        if self.plain.len() >= PAGE_BYTES {
            self.flush_page()?;
        }
        Ok(())
    }

    /// The dictionary is full: the page being filled ends (unless no value has a code yet:
    /// it holds nulls at most, which the first plain page takes), and the rest of the chunk
    /// is written plain.
    fn fall_back(&mut self) -> Result<()> {
        if self.entries() > 0 {
            self.flush_page()?;
        }
        self.fallen_back = true;
        Ok(())
    }

    /// Counts a row in, present or null, whose value (if any) is pushed already.
    fn row(&mut self, present: bool) -> Result<()> {
        self.levels.push(u64::from(present));
        if !present {
            self.nulls += 1;
        }
        self.rows += 1;
        if self.levels.len() == PAGE_ROWS {
            self.flush_page()?;
        }
        Ok(())
    }

    /// Entries of the dictionary as it stands.
    fn entries(&self) -> usize {
        match &self.dictionary {
            Dictionary::Category { vocabulary, .. } => vocabulary.as_ref().map_or(0, |v| v.len()),
            Dictionary::Integers { values, .. } => values.len(),
            Dictionary::Texts(t) => t.values.len(),
        }
    }

    fn flush_page(&mut self) -> Result<()> {
        if self.levels.is_empty() {
            return Ok(());
        }
        // Sized once: grown by doubling, a megabyte page was copied over and over (each a
        // locked realloc in threaded wasm).
        let width = bit_width(self.entries());
        let body = match self.fallen_back {
            true => self.plain.len(),
            false => 1 + RleEncoder::max_buffer_size(width, self.codes.len()),
        };
        let mut buf = Vec::with_capacity(4 + self.levels.len() / 8 + 16 + body);
        if self.descr.max_def_level() > 0 {
            let mut enc = RleEncoder::new(1, self.levels.len() / 8 + 16);
            enc.put_batch(&self.levels);
            let levels = enc.consume();
            buf.extend_from_slice(&(levels.len() as u32).to_le_bytes());
            buf.extend_from_slice(&levels);
        }
        let encoding = if self.fallen_back {
            buf.extend_from_slice(&self.plain);
            self.plain.clear();
            self.plain_pages += 1;
            Encoding::PLAIN
        } else {
            buf.push(width);
            let mut enc = RleEncoder::new_from_buf(width, buf);
            enc.put_batch(&self.codes);
            buf = enc.consume();
            Encoding::RLE_DICTIONARY
        };
        let num_values = self.levels.len() as u32;
        let offset = self.pages.len() as i64;
        let spec = write_page(
            &mut self.pages,
            buf,
            self.codec.codec.as_deref_mut(),
            |buf| Page::DataPage {
                buf,
                num_values,
                encoding,
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

    /// The dictionary page's body (PLAIN values), its number of values, and whether they
    /// are sorted.
    fn dictionary_page(&self) -> (Vec<u8>, u32, bool) {
        let mut plain = Vec::new();
        match &self.dictionary {
            Dictionary::Category { vocabulary, .. } => {
                let words = || vocabulary.iter().flat_map(|v| v.iter().flatten());
                // PLAIN byte arrays: a little-endian u32 length before each value.
                for v in words() {
                    plain.extend_from_slice(&(v.len() as u32).to_le_bytes());
                    plain.extend_from_slice(v.as_bytes());
                }
                let sorted = words().zip(words().skip(1)).all(|(a, b)| a < b);
                (plain, words().count() as u32, sorted)
            }
            Dictionary::Integers {
                values, unsigned, ..
            } => {
                for v in values {
                    plain.extend_from_slice(&v.to_le_bytes());
                }
                let key = |v: &i32| order_key(*v, *unsigned);
                let sorted = values.windows(2).all(|w| key(&w[0]) < key(&w[1]));
                (plain, values.len() as u32, sorted)
            }
            Dictionary::Texts(t) => {
                let n = t.values.len() as u32;
                plain.reserve(t.bytes.len() + 4 * t.values.len());
                for code in 0..n {
                    let v = t.value(code);
                    plain.extend_from_slice(&(v.len() as u32).to_le_bytes());
                    plain.extend_from_slice(v);
                }
                let sorted = (1..n).all(|c| compare(t.value(c - 1), t.value(c)).is_lt());
                (plain, n, sorted)
            }
        }
    }

    /// The chunk's min/max (of the values present in it) and null count.
    fn chunk_statistics(&self) -> Statistics {
        match &self.dictionary {
            Dictionary::Category { vocabulary, seen } => {
                let mut present = vocabulary.iter().flat_map(|v| {
                    v.iter()
                        .zip(seen)
                        .filter_map(|(w, s)| w.filter(|_| *s).map(str::as_bytes))
                });
                let first = present.next();
                let (min, max) = present.fold((first, first), |(lo, hi), v| {
                    (lo.min(Some(v)), hi.max(Some(v)))
                });
                Statistics::byte_array(
                    min.map(Into::into),
                    max.map(Into::into),
                    None,
                    Some(self.nulls),
                    false,
                )
            }
            Dictionary::Integers {
                values, unsigned, ..
            } => {
                // Every value of the chunk is in its dictionary or its plain pages. Signed
                // orders also fill the deprecated min/max fields, as the parquet crate does.
                let keys = values.iter().map(|v| order_key(*v, *unsigned));
                let range = keys.chain(self.plain_range.into_iter().flat_map(|(a, b)| [a, b]));
                let (min, max) = range
                    .fold(None, |r: Option<(i64, i64)>, k| {
                        Some(r.map_or((k, k), |(lo, hi)| (lo.min(k), hi.max(k))))
                    })
                    .unzip();
                // Keys are the values themselves, or their bits as unsigned: back to INT32.
                let stats = ValueStatistics::new(
                    min.map(|k| k as i32),
                    max.map(|k| k as i32),
                    None,
                    Some(self.nulls),
                    false,
                )
                .with_backwards_compatible_min_max(self.descr.sort_order().is_signed());
                Statistics::Int32(stats)
            }
            Dictionary::Texts(t) => {
                // Every value of the chunk is in its dictionary or its plain pages.
                let mut range = t.plain_range.clone();
                for code in 0..t.values.len() as u32 {
                    TextRange::widen(&mut range, t.value(code));
                }
                let Some(range) = range else {
                    return Statistics::byte_array(None, None, None, Some(self.nulls), false);
                };
                let (min, max) = (range.lo(), range.hi());
                let (min, min_exact) = truncated_min(min);
                let (max, max_exact) = truncated_max(max);
                let Statistics::ByteArray(stats) = Statistics::byte_array(
                    Some(min.into()),
                    Some(max.into()),
                    None,
                    Some(self.nulls),
                    false,
                ) else {
                    unreachable!("made as a byte array")
                };
                Statistics::ByteArray(
                    stats
                        .with_min_is_exact(min_exact)
                        .with_max_is_exact(max_exact),
                )
            }
        }
    }

    /// Finishes the chunk and splices it into `rg`, the row group being written.
    pub fn append_to<W: Write + Send>(
        mut self,
        rg: &mut SerializedRowGroupWriter<W>,
    ) -> Result<()> {
        self.flush_page()?;
        // A chunk written plain from its start (no dictionary, or a first value too long
        // for it) has no dictionary page.
        let coded_pages = self.data_pages - self.plain_pages;
        let mut dictionary = Vec::new();
        let (dict_uncompressed, dict_len) = if coded_pages > 0 {
            let (plain, num_values, sorted) = self.dictionary_page();
            write_page(
                &mut dictionary,
                plain,
                self.codec.codec.as_deref_mut(),
                |buf| Page::DictionaryPage {
                    buf,
                    num_values,
                    encoding: Encoding::PLAIN,
                    is_sorted: sorted,
                },
            )?
        } else {
            (0, 0)
        };
        let mut chunk = Vec::with_capacity(dictionary.len() + self.pages.len());
        chunk.extend_from_slice(&dictionary);
        chunk.extend_from_slice(&self.pages);

        let mut encodings = vec![Encoding::PLAIN, Encoding::RLE];
        if coded_pages > 0 {
            encodings.push(Encoding::RLE_DICTIONARY);
        }
        let mut meta = ColumnChunkMetaData::builder(self.descr.clone())
            .set_compression(self.codec.pool.compression)
            .set_encodings(encodings)
            .set_page_encoding_stats(
                [
                    (
                        PageType::DICTIONARY_PAGE,
                        Encoding::PLAIN,
                        i32::from(coded_pages > 0),
                    ),
                    (PageType::DATA_PAGE, Encoding::RLE_DICTIONARY, coded_pages),
                    (PageType::DATA_PAGE, Encoding::PLAIN, self.plain_pages),
                ]
                .into_iter()
                .filter(|&(_, _, count)| count > 0)
                .map(|(page_type, encoding, count)| PageEncodingStats {
                    page_type,
                    encoding,
                    count,
                })
                .collect(),
            )
            .set_total_compressed_size(chunk.len() as i64)
            .set_total_uncompressed_size((dict_uncompressed + self.uncompressed) as i64)
            .set_num_values(self.rows as i64)
            .set_dictionary_page_offset((coded_pages > 0).then_some(0))
            .set_data_page_offset(dict_len as i64);
        if self.statistics {
            meta = meta.set_statistics(self.chunk_statistics());
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

/// An INT32's place in its column's order: uint32 columns are ordered as unsigned.
fn order_key(v: i32, unsigned: bool) -> i64 {
    if unsigned {
        (v as u32).into()
    } else {
        v.into()
    }
}

/// A text cut to [`STATISTICS_BYTES`] at most (on a character boundary) for a min
/// statistic, and whether it is whole.
fn truncated_min(v: &[u8]) -> (Vec<u8>, bool) {
    if v.len() <= STATISTICS_BYTES {
        return (v.to_vec(), true);
    }
    let at = std::str::from_utf8(v)
        .ok()
        .and_then(|text| (1..=STATISTICS_BYTES).rfind(|&i| text.is_char_boundary(i)))
        .unwrap_or(STATISTICS_BYTES);
    (v[..at].to_vec(), false)
}

/// A text cut for a max statistic, its last character raised so that it stays an upper
/// bound (as the parquet crate does), and whether it is whole. Kept whole when no
/// character can be raised.
fn truncated_max(v: &[u8]) -> (Vec<u8>, bool) {
    if v.len() <= STATISTICS_BYTES {
        return (v.to_vec(), true);
    }
    let Ok(text) = std::str::from_utf8(v) else {
        return (v.to_vec(), true);
    };
    // Cut at a boundary at most 3 bytes short of the limit, then raise the last character
    // that can be raised without growing its width, dropping those after it.
    let raised = (STATISTICS_BYTES.saturating_sub(3)..=STATISTICS_BYTES)
        .rfind(|&i| text.is_char_boundary(i))
        .and_then(|at| {
            let cut = &text[..at];
            cut.char_indices().rev().find_map(|(i, c)| {
                let next = char::from_u32(c as u32 + 1).filter(|n| n.len_utf8() == c.len_utf8())?;
                let mut out = cut.as_bytes()[..i].to_vec();
                out.extend_from_slice(next.encode_utf8(&mut [0; 4]).as_bytes());
                Some(out)
            })
        });
    match raised {
        Some(out) => (out, false),
        None => (v.to_vec(), true),
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
            // The codec reserves its bound itself.
            let mut compressed = Vec::new();
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
    use super::{bit_width, truncated_max, truncated_min, STATISTICS_BYTES};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn cut_statistics_still_bound_the_text(s in "\\PC{0,80}") {
            let v = s.as_bytes();
            let (min, min_exact) = truncated_min(v);
            let (max, max_exact) = truncated_max(v);
            prop_assert!(min.as_slice() <= v && max.as_slice() >= v);
            prop_assert!(std::str::from_utf8(&min).is_ok() && std::str::from_utf8(&max).is_ok());
            prop_assert_eq!(min_exact, v.len() <= STATISTICS_BYTES);
            prop_assert_eq!(min_exact, min == v);
            prop_assert!(min.len() <= STATISTICS_BYTES);
            prop_assert!(max_exact == (max == v) && (max_exact || max.len() <= STATISTICS_BYTES));
        }
    }

    #[test]
    fn a_long_max_is_cut_and_its_last_character_raised() {
        let v = "b".repeat(100);
        assert_eq!(
            truncated_max(v.as_bytes()),
            (("b".repeat(63) + "c").into_bytes(), false)
        );
        // A character at the cut is not split; U+10FFFF cannot be raised, the one before it is.
        let v = format!("{}é{}", "a".repeat(63), "z".repeat(10));
        assert_eq!(
            truncated_max(v.as_bytes()).0,
            ("a".repeat(62) + "b").into_bytes()
        );
        let v = "\u{10FFFF}".repeat(30);
        assert_eq!(truncated_max(v.as_bytes()), (v.clone().into_bytes(), true));
    }

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
