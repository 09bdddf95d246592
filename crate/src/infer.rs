//! Turns first-pass statistics into column types: the narrowest type that holds every value
//! exactly, or text. Also the column names, the selection and the user's overrides.

use crate::error::{Error, Result};
use crate::options::{Encoding, Options, TypeOverride};
use crate::scan::{bits, ColumnScan};
use crate::sniff::Dialect;
use crate::text::decode_field;
use crate::value::DateFormat;
use arrow_array::{ArrayRef, StringArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use rustc_hash::FxHashMap;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntType {
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
}

impl IntType {
    pub fn range(self) -> (i128, i128) {
        match self {
            IntType::Int8 => (i8::MIN as i128, i8::MAX as i128),
            IntType::Int16 => (i16::MIN as i128, i16::MAX as i128),
            IntType::Int32 => (i32::MIN as i128, i32::MAX as i128),
            IntType::Int64 => (i64::MIN as i128, i64::MAX as i128),
            IntType::UInt8 => (0, u8::MAX as i128),
            IntType::UInt16 => (0, u16::MAX as i128),
            IntType::UInt32 => (0, u32::MAX as i128),
            IntType::UInt64 => (0, u64::MAX as i128),
        }
    }

    /// The narrowest type holding `min..=max`: unsigned when nothing is negative.
    pub fn narrowest(min: i128, max: i128) -> Option<IntType> {
        use IntType::*;
        let order: &[IntType] = if min >= 0 {
            &[UInt8, UInt16, UInt32, UInt64]
        } else {
            &[Int8, Int16, Int32, Int64]
        };
        order.iter().copied().find(|t| {
            let (lo, hi) = t.range();
            lo <= min && max <= hi
        })
    }
}

/// Ticks per second of a unit no coarser than milliseconds (Parquet has no seconds unit).
pub fn unit_for_fraction(digits: u8) -> TimeUnit {
    match digits {
        0..=3 => TimeUnit::Millisecond,
        4..=6 => TimeUnit::Microsecond,
        _ => TimeUnit::Nanosecond,
    }
}

pub fn ticks_per_second(u: TimeUnit) -> i64 {
    match u {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

fn unit_name(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::Second => "s",
        TimeUnit::Millisecond => "ms",
        TimeUnit::Microsecond => "us",
        TimeUnit::Nanosecond => "ns",
    }
}

/// A category column's vocabulary: sorted, fixed for the whole file in two-pass mode, so
/// every row group carries the same dictionary and codes mean the same everywhere.
#[derive(Clone, Debug, PartialEq)]
pub struct Vocabulary {
    pub values: Vec<String>,
    /// Raw field bytes → code. Keyed by raw bytes so the convert pass needs no decoding.
    pub codes: FxHashMap<Box<[u8]>, u16>,
    /// Codes wider than a byte are needed (decided up front so every row group agrees).
    pub wide: bool,
    /// May new values be appended (stream mode, where the sample did not see them all)?
    pub open: bool,
    pub limit: usize,
}

impl Vocabulary {
    pub(crate) fn new(raw: Vec<Box<[u8]>>, enc: Encoding, open: bool, limit: usize) -> Vocabulary {
        let mut pairs: Vec<(String, Box<[u8]>)> = raw
            .into_iter()
            .map(|r| {
                (
                    decode_field(&r, enc).map_or_else(|| lossy(&r), |s| s.into_owned()),
                    r,
                )
            })
            .collect();
        pairs.sort();
        let codes = pairs
            .iter()
            .enumerate()
            .map(|(i, (_, r))| (r.clone(), i as u16))
            .collect();
        let wide = if open { limit > 256 } else { pairs.len() > 256 };
        Vocabulary {
            values: pairs.into_iter().map(|p| p.0).collect(),
            codes,
            wide,
            open,
            limit,
        }
    }

    /// The code of a raw value, adding it when the vocabulary is open and has room.
    pub fn code(&mut self, raw: &[u8], enc: Encoding) -> Option<u16> {
        if let Some(&c) = self.codes.get(raw) {
            return Some(c);
        }
        let cap = if self.wide {
            self.limit.min(1 << 16)
        } else {
            self.limit.min(256)
        };
        if !self.open || self.values.len() >= cap {
            return None;
        }
        let text = decode_field(raw, enc)?.into_owned();
        let c = self.values.len() as u16;
        self.values.push(text);
        self.codes.insert(raw.into(), c);
        Some(c)
    }

    pub fn array(&self) -> ArrayRef {
        Arc::new(StringArray::from_iter_values(self.values.iter()))
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Bool,
    Int(IntType),
    Float32,
    Float64,
    Date(DateFormat),
    Timestamp { unit: TimeUnit, utc: bool },
    Time(TimeUnit),
    Text,
    Category(Box<Vocabulary>),
}

impl Kind {
    /// The type's name in reports: `uint8`, `timestamp[ms, UTC]`, `category` …
    pub fn name(&self) -> String {
        match self {
            Kind::Bool => "bool".into(),
            Kind::Int(t) => format!("{t:?}").to_lowercase(),
            Kind::Float32 => "float32".into(),
            Kind::Float64 => "float64".into(),
            Kind::Date(_) => "date".into(),
            Kind::Timestamp { unit, utc: false } => format!("timestamp[{}]", unit_name(*unit)),
            Kind::Timestamp { unit, utc: true } => format!("timestamp[{}, UTC]", unit_name(*unit)),
            Kind::Time(u) => format!("time[{}]", unit_name(*u)),
            Kind::Text => "text".into(),
            Kind::Category(_) => "category".into(),
        }
    }

    /// Types whose columns, once past a thousand distinct values, rarely repeat enough for
    /// dictionary encoding to pay: measurements, wide integers, instants.
    pub fn mostly_unique(&self) -> bool {
        matches!(
            self,
            Kind::Float32
                | Kind::Float64
                | Kind::Int(IntType::Int32 | IntType::Int64 | IntType::UInt32 | IntType::UInt64)
                | Kind::Timestamp { .. }
                | Kind::Time(_)
        )
    }

    pub fn data_type(&self) -> DataType {
        match self {
            Kind::Bool => DataType::Boolean,
            Kind::Int(t) => match t {
                IntType::Int8 => DataType::Int8,
                IntType::Int16 => DataType::Int16,
                IntType::Int32 => DataType::Int32,
                IntType::Int64 => DataType::Int64,
                IntType::UInt8 => DataType::UInt8,
                IntType::UInt16 => DataType::UInt16,
                IntType::UInt32 => DataType::UInt32,
                IntType::UInt64 => DataType::UInt64,
            },
            Kind::Float32 => DataType::Float32,
            Kind::Float64 => DataType::Float64,
            Kind::Date(_) => DataType::Date32,
            Kind::Timestamp { unit, utc } => {
                DataType::Timestamp(*unit, utc.then(|| Arc::from("UTC")))
            }
            Kind::Time(TimeUnit::Millisecond) => DataType::Time32(TimeUnit::Millisecond),
            Kind::Time(u) => DataType::Time64(*u),
            Kind::Text => DataType::Utf8,
            Kind::Category(v) => DataType::Dictionary(
                Box::new(if v.wide {
                    DataType::UInt16
                } else {
                    DataType::UInt8
                }),
                Box::new(DataType::Utf8),
            ),
        }
    }
}

/// One output column: where it comes from and what it becomes.
#[derive(Clone, Debug)]
pub struct ColumnPlan {
    pub name: String,
    /// Index of the field in each record.
    pub source: usize,
    pub kind: Kind,
    /// The user forced the type.
    pub forced: bool,
    /// Distinct non-empty values seen in the first pass, when under the cap.
    pub distinct: Option<usize>,
    /// Most digits after the decimal point (float columns).
    pub decimals: Option<u32>,
    /// Nulls the first pass saw in this column, given its type.
    pub nulls: u64,
    /// The first few distinct values, as text, for previews.
    pub samples: Vec<String>,
}

/// Everything the first pass learned: enough to convert, and to preview the result.
#[derive(Clone, Debug)]
pub struct Inference {
    pub dialect: Dialect,
    pub encoding: Encoding,
    pub bom: bool,
    /// Fields per record (the header's width).
    pub width: usize,
    pub columns: Vec<ColumnPlan>,
    /// `Some(n)`: types come from the first `n` rows only (stream mode).
    pub sampled_rows: Option<u64>,
    /// Data rows the types were decided from: all of them, or the sample's.
    pub rows_scanned: u64,
    pub sniff_ms: f64,
    pub scan_ms: f64,
}

impl Inference {
    /// Whether a conversion with `other` would write what one with `self` writes: the same
    /// reading of the input, the same columns and types, and the same writer settings
    /// (which depend on whether a column was past the distinct-value cap). Statistics that
    /// only reach the report may differ.
    pub fn converts_like(&self, other: &Inference) -> bool {
        let column = |a: &ColumnPlan, b: &ColumnPlan| {
            a.name == b.name
                && a.source == b.source
                && a.forced == b.forced
                && a.kind == b.kind
                && a.distinct.is_none() == b.distinct.is_none()
        };
        self.dialect == other.dialect
            && self.encoding == other.encoding
            && self.bom == other.bom
            && self.width == other.width
            && self.sampled_rows == other.sampled_rows
            && self.columns.len() == other.columns.len()
            && self
                .columns
                .iter()
                .zip(&other.columns)
                .all(|(a, b)| column(a, b))
    }

    pub fn schema(&self) -> Schema {
        Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(&c.name, c.kind.data_type(), true))
                .collect::<Vec<_>>(),
        )
    }
}

/// Column names from the header (decoded, de-duplicated, never empty) or `column_N`.
pub fn column_names(header: Option<&[Vec<u8>]>, width: usize, enc: Encoding) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(width);
    let mut taken: rustc_hash::FxHashSet<String> = Default::default();
    let mut next_suffix: FxHashMap<String, usize> = Default::default();
    for i in 0..width {
        let raw = header.and_then(|h| h.get(i)).map(|r| {
            decode_field(r, enc)
                .map_or_else(|| lossy(r), |s| s.into_owned())
                .trim()
                .to_string()
        });
        let base = match raw {
            Some(n) if !n.is_empty() => n,
            _ => format!("column_{}", i + 1),
        };
        // Next suffix to try per base name: a header of thousands of `a`s stays linear.
        let k = next_suffix.entry(base.clone()).or_insert(2);
        let mut name = base.clone();
        while taken.contains(&name) {
            name = format!("{base}_{k}");
            *k += 1;
        }
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

/// Which source columns to keep, in output order.
pub fn select(names: &[String], opts: &Options) -> Result<Vec<usize>> {
    for (n, _) in &opts.types {
        if !names.contains(n) {
            return Err(no_such_column(n, names));
        }
    }
    match &opts.columns {
        None => Ok((0..names.len()).collect()),
        Some(wanted) if wanted.is_empty() => {
            Err(Error::Options("select at least one column".into()))
        }
        Some(wanted) => wanted
            .iter()
            .map(|w| {
                names
                    .iter()
                    .position(|n| n == w)
                    .ok_or_else(|| no_such_column(w, names))
            })
            .collect(),
    }
}

fn no_such_column(name: &str, names: &[String]) -> Error {
    let shown: Vec<&str> = names.iter().take(20).map(|s| s.as_str()).collect();
    Error::Options(format!(
        "no column named {name:?}; the columns are {}{}",
        shown.join(", "),
        if names.len() > 20 { ", …" } else { "" }
    ))
}

/// The category key capacity when a column is forced to be a category.
pub const FORCED_CATEGORY_CAP: usize = 1 << 16;

/// Chooses a column's type from its statistics (and the user's override, if any).
pub fn decide(
    name: &str,
    scan: ColumnScan,
    forced: Option<TypeOverride>,
    opts: &Options,
    enc: Encoding,
    stream: bool,
) -> Result<(Kind, Option<usize>)> {
    let distinct = scan.distinct.as_ref().map(|s| s.len());
    if let Some(t) = forced {
        return Ok((forced_kind(name, t, scan, enc, stream)?, distinct));
    }
    let kind = inferred_kind(&scan);
    if matches!(kind, Kind::Text) {
        let non_null = scan.values + scan.tokens;
        if let Some(set) = scan.distinct {
            let n = set.len();
            if opts.category_max > 0
                && n <= opts.category_max
                && non_null >= 2
                && n as f64 <= opts.category_ratio * non_null as f64
            {
                let vocab = Vocabulary::new(set.into_values(), enc, stream, opts.category_max);
                return Ok((Kind::Category(Box::new(vocab)), distinct));
            }
        }
    }
    Ok((kind, distinct))
}

fn date_format(mask: u16) -> Option<DateFormat> {
    use DateFormat::*;
    let has = |f: DateFormat| {
        let i = DateFormat::ALL.iter().position(|x| *x == f).unwrap_or(0);
        mask & (bits::DATE0 << i) != 0
    };
    // Ambiguous day/month order (every value ≤ 12 in both places): slash means the US
    // month-first order, dot the European day-first order.
    [
        Iso,
        SlashYearFirst,
        SlashMonthFirst,
        SlashDayFirst,
        DotDayFirst,
        DotMonthFirst,
    ]
    .into_iter()
    .find(|f| has(*f))
}

pub(crate) fn inferred_kind(s: &ColumnScan) -> Kind {
    if s.values == 0 {
        return Kind::Text;
    }
    let m = s.mask;
    if m & bits::BOOL != 0 {
        return Kind::Bool;
    }
    if m & bits::INT != 0 {
        if let Some(t) = IntType::narrowest(s.int_min, s.int_max) {
            return Kind::Int(t);
        }
    }
    if m & bits::FLOAT != 0 {
        if s.f32_exact {
            return Kind::Float32;
        }
        if s.f64_exact {
            return Kind::Float64;
        }
    }
    if let Some(f) = date_format(m) {
        return Kind::Date(f);
    }
    if m & bits::TIMESTAMP != 0 && (s.with_offset == 0 || s.without_offset == 0) {
        let unit = unit_for_fraction(s.frac_digits);
        // Nanoseconds in an i64 span 1677–2262; outside that the column cannot be exact.
        let fits = s
            .ts_min_seconds
            .checked_mul(ticks_per_second(unit))
            .is_some()
            && s.ts_max_seconds
                .checked_mul(ticks_per_second(unit))
                .is_some();
        if fits {
            return Kind::Timestamp {
                unit,
                utc: s.with_offset > 0,
            };
        }
    }
    if m & bits::TIME != 0 {
        return Kind::Time(unit_for_fraction(s.frac_digits));
    }
    Kind::Text
}

fn forced_kind(
    name: &str,
    t: TypeOverride,
    s: ColumnScan,
    enc: Encoding,
    stream: bool,
) -> Result<Kind> {
    use TypeOverride as T;
    Ok(match t {
        T::Text => Kind::Text,
        T::Bool => Kind::Bool,
        T::Int8 => Kind::Int(IntType::Int8),
        T::Int16 => Kind::Int(IntType::Int16),
        T::Int32 => Kind::Int(IntType::Int32),
        T::Int64 => Kind::Int(IntType::Int64),
        T::UInt8 => Kind::Int(IntType::UInt8),
        T::UInt16 => Kind::Int(IntType::UInt16),
        T::UInt32 => Kind::Int(IntType::UInt32),
        T::UInt64 => Kind::Int(IntType::UInt64),
        T::Float32 => Kind::Float32,
        T::Float64 => Kind::Float64,
        T::Date => Kind::Date(date_format(s.mask).unwrap_or(DateFormat::Iso)),
        T::Timestamp => Kind::Timestamp {
            unit: unit_for_fraction(s.frac_digits),
            utc: s.with_offset > 0 && s.without_offset == 0,
        },
        T::Time => Kind::Time(unit_for_fraction(s.frac_digits)),
        T::Category => {
            let Some(set) = s.distinct else {
                return Err(Error::Options(format!(
                    "column {name:?} has more than {FORCED_CATEGORY_CAP} distinct values (or values \
                     over 256 bytes) and cannot be a category"
                )));
            };
            let limit = if stream {
                FORCED_CATEGORY_CAP
            } else {
                set.len()
            };
            Kind::Category(Box::new(Vocabulary::new(
                set.into_values(),
                enc,
                stream,
                limit,
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Tokens;

    fn kind_of(values: &[&str]) -> String {
        let tokens = Tokens::new(&Options::default().null_tokens);
        let mut s = ColumnScan::new(1001);
        for v in values {
            s.observe(v.as_bytes(), &tokens);
        }
        decide("c", s, None, &Options::default(), Encoding::Utf8, false)
            .unwrap()
            .0
            .name()
    }

    #[test]
    fn narrowest_types() {
        assert_eq!(kind_of(&["0", "255"]), "uint8");
        assert_eq!(kind_of(&["0", "256"]), "uint16");
        assert_eq!(kind_of(&["-128", "127"]), "int8");
        assert_eq!(kind_of(&["-129", "1"]), "int16");
        assert_eq!(kind_of(&["18446744073709551615", "1"]), "uint64");
        assert_eq!(kind_of(&["-1", "18446744073709551615"]), "text");
        assert_eq!(kind_of(&["00501", "90210", "12345"]), "text");
        assert_eq!(kind_of(&["0.5", "0.25", "1"]), "float32");
        assert_eq!(kind_of(&["0.123456789", "1"]), "float64");
        assert_eq!(kind_of(&["1", "NA", ""]), "uint8");
        assert_eq!(kind_of(&["1.5", "NaN"]), "float32");
        assert_eq!(kind_of(&["TRUE", "false", "True"]), "bool");
        assert_eq!(kind_of(&["2024-01-01", "2024-12-31"]), "date");
        assert_eq!(
            kind_of(&["2024-01-01T10:00:00Z", "2024-01-01 11:00:00.5+01:00"]),
            "timestamp[ms, UTC]"
        );
        assert_eq!(
            kind_of(&["2024-01-01T10:00:00.123456", "2024-01-01 11:00"]),
            "timestamp[us]"
        );
        assert_eq!(
            kind_of(&["2024-01-01T10:00:00Z", "2024-01-01 11:00"]),
            "text"
        );
        assert_eq!(kind_of(&["10:00", "23:59:59.123456789"]), "time[ns]");
    }

    #[test]
    fn tokens_stay_text_in_text_columns() {
        // Country codes: Namibia's NA is a value, and few distinct values make a category.
        assert_eq!(kind_of(&["NA", "FR", "DE", "FR", "NA", "DE"]), "category");
        let unique: Vec<String> = (0..50).map(|i| format!("name {i}")).collect();
        let refs: Vec<&str> = unique.iter().map(|s| s.as_str()).chain(["NA"]).collect();
        assert_eq!(kind_of(&refs), "text");
    }

    #[test]
    fn names_are_unique_and_never_empty() {
        let h: Vec<Vec<u8>> = vec![b"a".to_vec(), b"".to_vec(), b"a".to_vec(), b"a_2".to_vec()];
        assert_eq!(
            column_names(Some(&h), 5, Encoding::Utf8),
            ["a", "column_2", "a_2", "a_2_2", "column_5"]
        );
    }

    #[test]
    fn vocabulary_is_sorted_and_stable() {
        let raw: Vec<Box<[u8]>> = vec![b"b".as_slice().into(), b"a".as_slice().into()];
        let mut v = Vocabulary::new(raw, Encoding::Utf8, false, 10);
        assert_eq!(v.values, ["a", "b"]);
        assert_eq!(v.code(b"b", Encoding::Utf8), Some(1));
        assert_eq!(v.code(b"c", Encoding::Utf8), None);
    }
}
