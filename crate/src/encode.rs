//! The convert pass's per-column work: a field's text becomes a typed cell (or a reason it
//! cannot), cells are appended to Arrow builders, and a row group's builders become arrays.
//! A row is parsed whole into cells before any is appended, so a rejected row leaves no trace.

use crate::infer::{ticks_per_second, unit_for_fraction, ColumnPlan, IntType, Kind};
use crate::options::Encoding;
use crate::scan::Tokens;
use crate::text::decode_field;
use crate::textrange::TextRange;
use crate::value;
use arrow_array::builder::*;
use arrow_array::types::{UInt16Type, UInt8Type};
use arrow_array::{ArrayRef, DictionaryArray};
use arrow_schema::TimeUnit;
use std::borrow::Cow;
use std::sync::Arc;

/// A parsed field, before it is appended.
#[derive(Clone, Copy, Debug)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i128),
    F32(f32),
    F64(f64),
    /// Dates (days), times and timestamps (ticks).
    Ticks(i64),
    /// Text: the field's bytes are appended as they are (decoded if need be).
    Text,
    Code(u16),
}

/// What a column's type was inferred from, and so what [`parse_cell`] must check itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Every value, by a scan: float exactness need not be checked again.
    Scan,
    /// A sample, on trial while a scan runs alongside (see [`crate::onepass`]); the
    /// conversion vouches for the type, so floats are checked for exactness here.
    Trial,
    /// A sample, in a stream, or the user's word: floats are checked for exactness.
    Sample,
}

/// Parses one field for its column; `Err` carries the reason it does not fit. `basis`:
/// what the column's type was inferred from (see [`Basis`]). Where it is every value, or
/// a sample on trial, no timestamp or time of day may have more fraction digits than its
/// unit holds (as the scan chooses the unit for the most digits): the scan made sure of
/// that already, but on trial this check is what keeps the unit the one the scan would
/// have chosen. `ascii`: the field is known to be ASCII (its whole batch is), hence valid
/// UTF-8.
pub fn parse_cell(
    b: &[u8],
    kind: &Kind,
    tokens: &Tokens,
    enc: Encoding,
    basis: Basis,
    ascii: bool,
) -> Result<Cell, String> {
    let scanned = basis != Basis::Sample;
    if b.is_empty() {
        return Ok(Cell::Null);
    }
    // A null token is null in a column of any type but text, whatever it reads as, since
    // the first pass counted it as a null and not as a value (`--null=-999` in a column of
    // counts): only NaN is a value, the float NaN, in a float column.
    if !matches!(kind, Kind::Text | Kind::Category(_))
        && tokens.contains(b)
        && !(matches!(kind, Kind::Float32 | Kind::Float64) && value::is_nan(b))
    {
        return Ok(Cell::Null);
    }
    match kind {
        Kind::Text if ascii => Ok(Cell::Text),
        Kind::Text => match decode_field(b, enc) {
            Some(_) => Ok(Cell::Text),
            None => Err("is not valid UTF-8".into()),
        },
        Kind::Category(v) => match v.codes.get(b) {
            Some(&c) => Ok(Cell::Code(c)),
            None if decode_field(b, enc).is_none() => Err("is not valid UTF-8".into()),
            None if v.open => Err(format!(
                "would be category value number {} but the column holds at most {}",
                v.values.len() + 1,
                v.values.len()
            )),
            None => Err(format!(
                "is not one of the column's {} category values",
                v.values.len()
            )),
        },
        Kind::Bool => value::parse_bool(b)
            .map(Cell::Bool)
            .ok_or_else(|| "is not a boolean (true/false)".into()),
        Kind::Int(t) => match value::parse_int(b) {
            Some(v) => {
                let (lo, hi) = t.range();
                if (lo..=hi).contains(&v) {
                    Ok(Cell::Int(v))
                } else {
                    Err(format!("does not fit {} ({lo} to {hi})", kind.name()))
                }
            }
            None => Err(format!("is not a whole number ({})", kind.name())),
        },
        // The first pass saw this very text and found it a float or a null token. A plain
        // decimal's value is then Rust's parse alone, without our grammar's check and digit
        // counts (the two accept the same plain decimals); other forms take the long way.
        Kind::Float32 if basis == Basis::Scan && value::plain_decimal_start(b) => {
            value::fast_f32(b)
                .or_else(|| parse_std::<f32>(b, ascii))
                .map(Cell::F32)
                .ok_or_else(|| "is not a number".into())
        }
        Kind::Float64 if basis == Basis::Scan && value::plain_decimal_start(b) => {
            value::fast_f64(b)
                .or_else(|| parse_std::<f64>(b, ascii))
                .map(Cell::F64)
                .ok_or_else(|| "is not a number".into())
        }
        Kind::Float32 | Kind::Float64 => {
            // A null token that reads as a float (NaN) is the float NaN in a float column.
            let Some(f) = value::parse_float(b) else {
                return Err("is not a number".into());
            };
            if matches!(kind, Kind::Float32) {
                if basis != Basis::Scan && !f.f32_exact(b) {
                    return Err("cannot be stored exactly as float32".into());
                }
                Ok(Cell::F32(value::parse_f32(b).unwrap_or(f.value as f32)))
            } else if basis != Basis::Scan && !f.f64_exact(b) {
                Err("cannot be stored exactly as float64".into())
            } else {
                Ok(Cell::F64(f.value))
            }
        }
        Kind::Date(fmt) => match fmt.parse(b) {
            Some(d) => Ok(Cell::Ticks(d as i64)),
            None => Err(format!("is not a date ({})", date_pattern(*fmt))),
        },
        Kind::Timestamp { unit, utc } => {
            let per = ticks_per_second(*unit);
            match value::parse_timestamp(b) {
                Some(t) if t.has_offset != *utc => Err(if *utc {
                    "has no time zone offset, but the column's timestamps all have one".into()
                } else {
                    "has a time zone offset, but the column's timestamps have none".into()
                }),
                Some(t)
                    if (t.nanos as i64) % (1_000_000_000 / per) != 0
                        || scanned && unit_for_fraction(t.frac_digits) > *unit =>
                {
                    Err(format!("has more fraction digits than {}", kind.name()))
                }
                Some(t) => t
                    .ticks(per)
                    .map(Cell::Ticks)
                    .ok_or_else(|| "is out of range".into()),
                None => Err("is not a timestamp (YYYY-MM-DD HH:MM:SS)".into()),
            }
        }
        Kind::Time(unit) => match value::parse_time(b) {
            Some((nanos, digits)) => {
                let per_tick = 1_000_000_000 / ticks_per_second(*unit);
                if nanos % per_tick != 0 || scanned && unit_for_fraction(digits) > *unit {
                    Err(format!("has more fraction digits than {}", kind.name()))
                } else {
                    Ok(Cell::Ticks(nanos / per_tick))
                }
            }
            None => Err("is not a time of day (HH:MM:SS)".into()),
        },
    }
}

/// Rust's parse of `b`; `ascii`: `b` is known to be ASCII, hence UTF-8.
fn parse_std<T: std::str::FromStr>(b: &[u8], ascii: bool) -> Option<T> {
    let text = if ascii {
        // SAFETY: ASCII is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(b) }
    } else {
        std::str::from_utf8(b).ok()?
    };
    text.parse().ok()
}

fn date_pattern(f: value::DateFormat) -> &'static str {
    use value::DateFormat::*;
    match f {
        Iso => "YYYY-MM-DD",
        SlashDayFirst => "DD/MM/YYYY",
        SlashMonthFirst => "MM/DD/YYYY",
        DotDayFirst => "DD.MM.YYYY",
        DotMonthFirst => "MM.DD.YYYY",
        SlashYearFirst => "YYYY/MM/DD",
    }
}

/// Running statistics of what was actually written to a column, kept by the kind of value
/// so that a value costs a comparison or two, not an allocation.
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub nulls: u64,
    /// Least and greatest whole number (integers, booleans, days, ticks).
    ints: Option<(i128, i128)>,
    /// Least and greatest float; NaN never enters.
    floats: Option<(f64, f64)>,
    /// Least and greatest text, by bytes (UTF-8 order, the order Arrow compares in).
    texts: Option<TextRange>,
    /// The category codes written, one bit each: their values are compared only at the end.
    /// In a column of bytes (uint8, int8), the values written (offset by 128 for int8); in
    /// a column of booleans, their spellings (see [`bool_spelling`]); in both, from bit 256
    /// on, the null tokens met. They count the distinct values as a scan would (see
    /// [`Written::distinct_counted`]).
    codes: Vec<u64>,
    /// In a float column on trial, the most digits after the point written.
    decimals: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Extreme {
    Int(i128),
    Float(f64),
    Text(String),
}

fn widen<T: PartialOrd + Copy>(range: &mut Option<(T, T)>, v: T) {
    match range {
        Some((lo, hi)) => {
            if v < *lo {
                *lo = v;
            } else if v > *hi {
                *hi = v;
            }
        }
        None => *range = Some((v, v)),
    }
}

impl Written {
    /// Folds in the statistics of another slice of rows.
    pub fn merge(&mut self, o: Written) {
        self.nulls += o.nulls;
        self.decimals = self.decimals.max(o.decimals);
        if let Some((lo, hi)) = o.ints {
            widen(&mut self.ints, lo);
            widen(&mut self.ints, hi);
        }
        if let Some((lo, hi)) = o.floats {
            widen(&mut self.floats, lo);
            widen(&mut self.floats, hi);
        }
        if let Some(r) = o.texts {
            self.see_bytes(r.lo());
            self.see_bytes(r.hi());
        }
        if self.codes.len() < o.codes.len() {
            self.codes.resize(o.codes.len(), 0);
        }
        for (a, b) in self.codes.iter_mut().zip(o.codes) {
            *a |= b;
        }
    }

    #[inline]
    fn see_bytes(&mut self, b: &[u8]) {
        TextRange::widen(&mut self.texts, b);
    }

    #[inline]
    fn see_code(&mut self, c: usize) {
        let (word, bit) = (c / 64, c % 64);
        if word >= self.codes.len() {
            self.codes.resize(word + 1, 0);
        }
        self.codes[word] |= 1 << bit;
    }

    /// The distinct values and null tokens of a column of bytes or booleans, as a scan
    /// counts them: integers by value (their text is canonical), booleans and tokens by
    /// their text. `None` for other columns.
    pub fn distinct_counted(&self, kind: &Kind) -> Option<usize> {
        counts_distinct(kind).then(|| self.codes.iter().map(|w| w.count_ones() as usize).sum())
    }

    /// Notes the digits after the point of float `b` (none for an exponent form), as the
    /// scan notes them for the report.
    pub fn see_decimals(&mut self, b: &[u8]) {
        if !b.iter().any(|c| matches!(c, b'e' | b'E')) {
            if let Some(p) = b.iter().position(|&c| c == b'.') {
                self.decimals = self.decimals.max((b.len() - p - 1) as u32);
            }
        }
    }

    /// The most digits after the point a float written had (see [`Written::see_decimals`]).
    pub fn decimals(&self) -> u32 {
        self.decimals
    }

    /// Notes null token number `k` met in a column of bytes or booleans (see
    /// `Written::codes`).
    pub fn see_token(&mut self, k: usize) {
        self.see_code(256 + k);
    }

    /// The least and greatest value written, for a column of `kind`.
    pub fn extremes(&self, kind: &Kind) -> Option<(Extreme, Extreme)> {
        if let Kind::Category(v) = kind {
            let mut seen = self.codes.iter().enumerate().flat_map(|(w, &bits)| {
                (0..64)
                    .filter(move |b| bits >> b & 1 != 0)
                    .map(move |b| w * 64 + b)
            });
            let first = seen.next().and_then(|c| v.values.get(c))?;
            let (lo, hi) = seen
                .filter_map(|c| v.values.get(c))
                .fold((first, first), |(lo, hi), x| (lo.min(x), hi.max(x)));
            return Some((Extreme::Text(lo.clone()), Extreme::Text(hi.clone())));
        }
        if let Some((lo, hi)) = self.ints {
            return Some((Extreme::Int(lo), Extreme::Int(hi)));
        }
        if let Some((lo, hi)) = self.floats {
            return Some((Extreme::Float(lo), Extreme::Float(hi)));
        }
        // Text columns keep their values decoded, so these bytes are UTF-8.
        let text = |b: &[u8]| Extreme::Text(String::from_utf8_lossy(b).into_owned());
        let r = self.texts.as_ref()?;
        Some((text(r.lo()), text(r.hi())))
    }
}

/// Whether [`Written`] counts a column's distinct values (see `Written::codes`).
pub fn counts_distinct(kind: &Kind) -> bool {
    matches!(kind, Kind::Bool | Kind::Int(IntType::UInt8 | IntType::Int8))
}

/// A number for each spelling of a boolean: which of its letters are capitals, one bit
/// each, then `false`'s 32 after `true`'s 16.
fn bool_spelling(b: &[u8]) -> usize {
    let caps = b
        .iter()
        .enumerate()
        .fold(0, |n, (i, c)| n | usize::from(c.is_ascii_uppercase()) << i);
    match b.len() {
        4 => caps,
        _ => 16 + caps,
    }
}

/// Arrow builders, one variant per physical layout.
pub enum Builder {
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    U8(UInt8Builder),
    U16(UInt16Builder),
    U32(UInt32Builder),
    U64(UInt64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Date(Date32Builder),
    TsMs(TimestampMillisecondBuilder),
    TsUs(TimestampMicrosecondBuilder),
    TsNs(TimestampNanosecondBuilder),
    TimeMs(Time32MillisecondBuilder),
    TimeUs(Time64MicrosecondBuilder),
    TimeNs(Time64NanosecondBuilder),
    Text(StringBuilder),
    Code8(UInt8Builder),
    Code16(UInt16Builder),
}

pub struct ColumnBuilder {
    pub builder: Builder,
    pub written: Written,
    utc: bool,
}

impl ColumnBuilder {
    /// A builder of `rows` values of `plan`'s column, with room for them (`text_bytes` of
    /// text, for a text column): an array keeps its builder's capacity, and the default
    /// of 1,024 values cost a wide file's small batches ~8 KB an array.
    pub fn with_capacity(plan: &ColumnPlan, rows: usize, text_bytes: usize) -> ColumnBuilder {
        let b = match &plan.kind {
            Kind::Bool => Builder::Bool(BooleanBuilder::with_capacity(rows)),
            Kind::Int(t) => match t {
                IntType::Int8 => Builder::I8(Int8Builder::with_capacity(rows)),
                IntType::Int16 => Builder::I16(Int16Builder::with_capacity(rows)),
                IntType::Int32 => Builder::I32(Int32Builder::with_capacity(rows)),
                IntType::Int64 => Builder::I64(Int64Builder::with_capacity(rows)),
                IntType::UInt8 => Builder::U8(UInt8Builder::with_capacity(rows)),
                IntType::UInt16 => Builder::U16(UInt16Builder::with_capacity(rows)),
                IntType::UInt32 => Builder::U32(UInt32Builder::with_capacity(rows)),
                IntType::UInt64 => Builder::U64(UInt64Builder::with_capacity(rows)),
            },
            Kind::Float32 => Builder::F32(Float32Builder::with_capacity(rows)),
            Kind::Float64 => Builder::F64(Float64Builder::with_capacity(rows)),
            Kind::Date(_) => Builder::Date(Date32Builder::with_capacity(rows)),
            Kind::Timestamp { unit, .. } => match unit {
                TimeUnit::Microsecond => {
                    Builder::TsUs(TimestampMicrosecondBuilder::with_capacity(rows))
                }
                TimeUnit::Nanosecond => {
                    Builder::TsNs(TimestampNanosecondBuilder::with_capacity(rows))
                }
                _ => Builder::TsMs(TimestampMillisecondBuilder::with_capacity(rows)),
            },
            Kind::Time(unit) => match unit {
                TimeUnit::Microsecond => {
                    Builder::TimeUs(Time64MicrosecondBuilder::with_capacity(rows))
                }
                TimeUnit::Nanosecond => {
                    Builder::TimeNs(Time64NanosecondBuilder::with_capacity(rows))
                }
                _ => Builder::TimeMs(Time32MillisecondBuilder::with_capacity(rows)),
            },
            Kind::Text => Builder::Text(StringBuilder::with_capacity(rows, text_bytes)),
            Kind::Category(v) if v.wide => Builder::Code16(UInt16Builder::with_capacity(rows)),
            Kind::Category(_) => Builder::Code8(UInt8Builder::with_capacity(rows)),
        };
        let utc = matches!(plan.kind, Kind::Timestamp { utc: true, .. });
        ColumnBuilder {
            builder: b,
            written: Written::default(),
            utc,
        }
    }

    /// Appends a cell that [`parse_cell`] produced for this column's kind.
    pub fn append(&mut self, cell: Cell, field: &[u8], enc: Encoding) {
        use Builder as B;
        let w = &mut self.written;
        if let Cell::Null = cell {
            w.nulls += 1;
            match &mut self.builder {
                B::Bool(b) => b.append_null(),
                B::I8(b) => b.append_null(),
                B::I16(b) => b.append_null(),
                B::I32(b) => b.append_null(),
                B::I64(b) => b.append_null(),
                B::U8(b) | B::Code8(b) => b.append_null(),
                B::U16(b) | B::Code16(b) => b.append_null(),
                B::U32(b) => b.append_null(),
                B::U64(b) => b.append_null(),
                B::F32(b) => b.append_null(),
                B::F64(b) => b.append_null(),
                B::Date(b) => b.append_null(),
                B::TsMs(b) => b.append_null(),
                B::TsUs(b) => b.append_null(),
                B::TsNs(b) => b.append_null(),
                B::TimeMs(b) => b.append_null(),
                B::TimeUs(b) => b.append_null(),
                B::TimeNs(b) => b.append_null(),
                B::Text(b) => b.append_null(),
            }
            return;
        }
        // Narrowing casts below are exact: parse_cell range-checked every value.
        match (&mut self.builder, cell) {
            (B::Bool(b), Cell::Bool(v)) => {
                b.append_value(v);
                widen(&mut w.ints, v as i128);
                w.see_code(bool_spelling(field));
            }
            (builder, Cell::Int(v)) => {
                match builder {
                    B::I8(b) => {
                        b.append_value(v as i8);
                        w.see_code((v + 128) as usize);
                    }
                    B::I16(b) => b.append_value(v as i16),
                    B::I32(b) => b.append_value(v as i32),
                    B::I64(b) => b.append_value(v as i64),
                    B::U8(b) => {
                        b.append_value(v as u8);
                        w.see_code(v as usize);
                    }
                    B::U16(b) => b.append_value(v as u16),
                    B::U32(b) => b.append_value(v as u32),
                    B::U64(b) => b.append_value(v as u64),
                    _ => unreachable_cell(),
                }
                widen(&mut w.ints, v);
            }
            (B::F32(b), Cell::F32(v)) => {
                b.append_value(v);
                if !v.is_nan() {
                    widen(&mut w.floats, v as f64);
                }
            }
            (B::F64(b), Cell::F64(v)) => {
                b.append_value(v);
                if !v.is_nan() {
                    widen(&mut w.floats, v);
                }
            }
            (builder, Cell::Ticks(v)) => {
                match builder {
                    B::Date(b) => b.append_value(v as i32),
                    B::TsMs(b) => b.append_value(v),
                    B::TsUs(b) => b.append_value(v),
                    B::TsNs(b) => b.append_value(v),
                    B::TimeMs(b) => b.append_value(v as i32),
                    B::TimeUs(b) => b.append_value(v),
                    B::TimeNs(b) => b.append_value(v),
                    _ => unreachable_cell(),
                }
                widen(&mut w.ints, v as i128);
            }
            (B::Text(b), Cell::Text) => {
                let text = match enc {
                    Encoding::Windows1252 => decode_field(field, enc),
                    // SAFETY: parse_cell makes Cell::Text only once these very bytes passed
                    // UTF-8 validation (decode_field) or are ASCII; validating again would
                    // only cost time.
                    _ => Some(Cow::Borrowed(unsafe {
                        std::str::from_utf8_unchecked(field)
                    })),
                };
                if let Some(s) = text {
                    b.append_value(&s);
                    w.see_bytes(s.as_bytes());
                }
            }
            (B::Code8(b), Cell::Code(c)) => {
                b.append_value(c as u8);
                w.see_code(c as usize);
            }
            (B::Code16(b), Cell::Code(c)) => {
                b.append_value(c);
                w.see_code(c as usize);
            }
            _ => unreachable_cell(),
        }
    }

    /// The row group's array; the builder is left empty for the next one.
    pub fn finish(&mut self, kind: &Kind) -> ArrayRef {
        use Builder as B;
        match &mut self.builder {
            B::Bool(b) => Arc::new(b.finish()),
            B::I8(b) => Arc::new(b.finish()),
            B::I16(b) => Arc::new(b.finish()),
            B::I32(b) => Arc::new(b.finish()),
            B::I64(b) => Arc::new(b.finish()),
            B::U8(b) => Arc::new(b.finish()),
            B::U16(b) => Arc::new(b.finish()),
            B::U32(b) => Arc::new(b.finish()),
            B::U64(b) => Arc::new(b.finish()),
            B::F32(b) => Arc::new(b.finish()),
            B::F64(b) => Arc::new(b.finish()),
            B::Date(b) => Arc::new(b.finish()),
            B::TsMs(b) => Arc::new(b.finish().with_timezone_opt(self.utc.then_some("UTC"))),
            B::TsUs(b) => Arc::new(b.finish().with_timezone_opt(self.utc.then_some("UTC"))),
            B::TsNs(b) => Arc::new(b.finish().with_timezone_opt(self.utc.then_some("UTC"))),
            B::TimeMs(b) => Arc::new(b.finish()),
            B::TimeUs(b) => Arc::new(b.finish()),
            B::TimeNs(b) => Arc::new(b.finish()),
            B::Text(b) => Arc::new(b.finish()),
            B::Code8(b) => {
                let values = vocabulary(kind);
                Arc::new(DictionaryArray::<UInt8Type>::new(b.finish(), values))
            }
            B::Code16(b) => {
                let values = vocabulary(kind);
                Arc::new(DictionaryArray::<UInt16Type>::new(b.finish(), values))
            }
        }
    }
}

fn vocabulary(kind: &Kind) -> ArrayRef {
    match kind {
        Kind::Category(v) => v.array(),
        _ => Arc::new(arrow_array::StringArray::new_null(0)),
    }
}

#[cold]
fn unreachable_cell() {
    // parse_cell only makes cells of its column's kind; reaching here is a bug, and dropping
    // the value would lose data silently, so fail loudly in debug builds.
    debug_assert!(false, "cell does not match its column's builder");
}
