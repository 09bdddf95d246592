//! What a conversion tells its caller: progress while it runs, a report when it is done.

use crate::error::Rejection;
use crate::options::Encoding;
use crate::sniff::Dialect;
use serde::Serialize;

/// What a conversion is doing, in the order phases come: a conversion goes through some of
/// them, never back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The dialect, from the first bytes (and, before a trial, the sample's types).
    Sniff,
    /// One read that converts with the first rows' types and checks every row against them
    /// (see [`crate::onepass`]). If they hold, the conversion is done with it.
    Trial,
    /// A read that finds every column's type.
    Scan,
    /// A read that converts with known types.
    Convert,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Progress {
    pub phase: Phase,
    /// Input bytes consumed in this phase.
    pub bytes: u64,
    /// Data rows read in this phase.
    pub rows: u64,
    /// Live heap bytes, where the counting allocator is installed (else 0).
    pub heap_bytes: u64,
}

pub type ProgressFn = Box<dyn FnMut(&Progress)>;

#[derive(Clone, Debug, Serialize)]
pub struct DialectReport {
    #[serde(flatten)]
    pub dialect: Dialect,
    pub bom: bool,
    pub encoding: Encoding,
}

#[derive(Clone, Debug, Serialize)]
pub struct ColumnReport {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub forced: bool,
    pub nulls: u64,
    pub min: Option<String>,
    pub max: Option<String>,
    pub distinct: Option<usize>,
    pub decimals: Option<u32>,
    /// Compressed bytes of the column's chunks in the Parquet file (pages and dictionaries,
    /// without the footer's metadata).
    pub bytes: u64,
    /// A category column's vocabulary in code order: sorted in two-pass mode; in stream mode
    /// the sample's values sorted, then later ones as met. Every row group's dictionary page
    /// holds this list (in stream mode, the part of it known by then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub sniff: f64,
    pub scan: f64,
    pub convert: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub rows_in: u64,
    pub rows_written: u64,
    pub rows_rejected: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub row_groups: usize,
    pub dialect: DialectReport,
    /// "one-pass" (exact types, which the first rows had: the input was read once),
    /// "two-pass" (exact types, read twice) or "stream" (the sample's types).
    pub mode: &'static str,
    pub columns: Vec<ColumnReport>,
    /// Rejected rows (filled under the `collect` policy).
    pub rejected: Vec<Rejection>,
    pub timings_ms: Timings,
    pub peak_heap_bytes: u64,
}
