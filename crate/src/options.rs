//! One options type for every front end (Rust API, CLI, wasm bindings, npm package), so a
//! knob is added in one place. `Options::default()` is the zero-configuration conversion.

use serde::{Deserialize, Serialize};

/// Parquet compression codec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    #[default]
    Zstd,
    Snappy,
    Gzip,
    Brotli,
    Lz4,
    None,
}

/// What to do with a row that cannot be converted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BadRows {
    /// Stop with an error naming line, column, value and reason.
    #[default]
    Error,
    /// Leave the row out and count it as rejected.
    Skip,
    /// Leave the row out and return it, with its line and reason, in the report.
    Collect,
}

/// Text encodings the input can be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encoding {
    #[serde(rename = "UTF-8")]
    Utf8,
    #[serde(rename = "UTF-16LE")]
    Utf16Le,
    #[serde(rename = "UTF-16BE")]
    Utf16Be,
    #[serde(rename = "windows-1252")]
    Windows1252,
}

/// A column type a user can force with an override.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeOverride {
    Text,
    Category,
    Bool,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float32,
    Float64,
    Date,
    Timestamp,
    Time,
}

impl std::str::FromStr for TypeOverride {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_type_name(s).ok_or_else(|| {
            format!(
                "unknown type {s:?}: expected one of text, category, bool, int8, int16, int32, \
                 int64, uint8, uint16, uint32, uint64, float32, float64, date, timestamp, time"
            )
        })
    }
}

fn parse_type_name(s: &str) -> Option<TypeOverride> {
    use TypeOverride::*;
    Some(match s.to_ascii_lowercase().as_str() {
        "text" | "string" => Text,
        "category" => Category,
        "bool" | "boolean" => Bool,
        "int8" => Int8,
        "int16" => Int16,
        "int32" => Int32,
        "int64" => Int64,
        "uint8" => UInt8,
        "uint16" => UInt16,
        "uint32" => UInt32,
        "uint64" => UInt64,
        "float32" => Float32,
        "float64" => Float64,
        "date" => Date,
        "timestamp" => Timestamp,
        "time" => Time,
        _ => return None,
    })
}

/// Every knob of a conversion. `None` means "sniff it from the data".
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Options {
    /// Field delimiter; sniffed among `,` `;` tab `|` when `None`.
    pub delimiter: Option<u8>,
    /// Quote character; `Some(None)` disables quoting. Sniffed (`"` or `'`) when `None`.
    #[allow(clippy::option_option)]
    #[serde(deserialize_with = "present")]
    pub quote: Option<Option<u8>>,
    /// Whether the first row names the columns; sniffed when `None`.
    pub header: Option<bool>,
    /// Text encoding; sniffed (BOM, then UTF-8 validity) when `None`.
    pub encoding: Option<Encoding>,
    /// Non-empty texts that mean "no value" where the column keeps a non-text type.
    pub null_tokens: Vec<String>,
    /// A text column with at most this many distinct values becomes a category (0: never).
    pub category_max: usize,
    /// … and only when distinct values are at most this fraction of its non-null values.
    pub category_ratio: f64,
    /// Forced column types, by column name.
    pub types: Vec<(String, TypeOverride)>,
    /// Keep only these columns, in this order.
    pub columns: Option<Vec<String>>,
    pub bad_rows: BadRows,
    pub compression: Codec,
    /// Codec level (zstd 1–22, gzip 0–9, brotli 0–11); the codec's default when `None`.
    pub level: Option<i32>,
    /// Rows per row group, at most.
    pub row_group_rows: usize,
    /// Bytes of CSV text per row group, at most: bounds memory on wide or long-text files.
    pub row_group_bytes: usize,
    /// Rows used for inference when the input cannot be read twice; when it can, the rows
    /// whose types a one-pass conversion tries first (see [`crate::onepass`]).
    pub sample_rows: usize,
    /// A field longer than this rejects its row (and bounds memory on a runaway quote).
    pub max_field_bytes: usize,
    /// Write min/max statistics into the Parquet file.
    pub statistics: bool,
    /// Text per piece parsed on one thread (see [`crate::cut`]). A tuning knob, and small
    /// pieces let tests reach every cut; not among the JSON options.
    #[serde(skip)]
    pub piece_bytes: usize,
}

/// The default null tokens (the empty field is always null and needs no token).
pub const DEFAULT_NULL_TOKENS: &[&str] = &[
    "NA", "N/A", "n/a", "null", "NULL", "Null", "NaN", "nan", "None", "none", "-",
];

impl Default for Options {
    fn default() -> Self {
        Options {
            delimiter: None,
            quote: None,
            header: None,
            encoding: None,
            null_tokens: DEFAULT_NULL_TOKENS.iter().map(|s| s.to_string()).collect(),
            category_max: 1000,
            category_ratio: 0.5,
            types: Vec::new(),
            columns: None,
            bad_rows: BadRows::Error,
            compression: Codec::Zstd,
            level: None,
            row_group_rows: 256 * 1024,
            row_group_bytes: 64 << 20,
            sample_rows: 10_000,
            max_field_bytes: 16 << 20,
            statistics: true,
            piece_bytes: 1 << 20,
        }
    }
}

impl Options {
    /// Checks values no type can rule out; every front end calls this before converting.
    pub fn validate(&self) -> Result<(), String> {
        if self.row_group_rows == 0 {
            return Err("row group size must be at least 1 row".into());
        }
        if self.row_group_bytes == 0 {
            return Err("row group bytes must be at least 1".into());
        }
        if self.sample_rows == 0 {
            return Err("sample rows must be at least 1".into());
        }
        if self.piece_bytes == 0 {
            return Err("piece bytes must be at least 1".into());
        }
        if self.max_field_bytes == 0 {
            return Err("max field bytes must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.category_ratio) {
            return Err("category ratio must be between 0 and 1".into());
        }
        if self.category_max > u16::MAX as usize + 1 {
            return Err(format!("category max is at most {}", u16::MAX as usize + 1));
        }
        for (d, what) in [
            (self.delimiter, "delimiter"),
            (self.quote.flatten(), "quote"),
        ] {
            if let Some(c) = d {
                if !c.is_ascii() || c == b'\n' || c == b'\r' {
                    return Err(format!(
                        "{what} must be one ASCII character other than a line break"
                    ));
                }
            }
        }
        if self.delimiter.is_some() && self.delimiter == self.quote.flatten() {
            return Err("delimiter and quote must differ".into());
        }
        let level_ok = match (self.compression, self.level) {
            (_, None) => true,
            (Codec::Zstd, Some(l)) => (1..=22).contains(&l),
            (Codec::Gzip, Some(l)) => (0..=9).contains(&l),
            (Codec::Brotli, Some(l)) => (0..=11).contains(&l),
            (_, Some(_)) => false,
        };
        if !level_ok {
            return Err(format!(
                "compression level {:?} does not suit {:?} (zstd 1–22, gzip 0–9, brotli 0–11, \
                 others take none)",
                self.level.unwrap_or_default(),
                self.compression
            ));
        }
        Ok(())
    }

    pub(crate) fn type_override(&self, name: &str) -> Option<TypeOverride> {
        self.types
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t)
    }
}

/// For a double option: a field that is present (even as `null`) is `Some`, so JSON can say
/// "no quote character" (`"quote": null`) apart from "sniff it" (no `quote` key).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u8>>, D::Error> {
    Option::<u8>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::Options;

    #[test]
    fn json_tells_no_quote_from_sniffed_quote() {
        let parse = |s: &str| serde_json::from_str::<Options>(s).unwrap().quote;
        assert_eq!(parse("{}"), None);
        assert_eq!(parse(r#"{"quote": null}"#), Some(None));
        assert_eq!(parse(r#"{"quote": 39}"#), Some(Some(b'\'')));
    }
}
