//! # parquetry
//!
//! Streaming CSV → exactly typed, compact Parquet. Every column gets the narrowest type that
//! loses nothing (uint8 … int64, float32 only when exact, bool, date, timestamp, time, low-
//! cardinality text as a category), decided from every row, not a sample.
//!
//! The engine is free of I/O: feed byte chunks cut anywhere, get Parquet written to any
//! `std::io::Write`, row group by row group, in bounded memory.
//!
//! ```
//! use parquetry::{convert_seekable, Options};
//! use std::io::Cursor;
//!
//! let csv = "zip,price,when\n00501,1.5,2024-01-02\n90210,2.25,2024-03-04\n";
//! let mut out = Vec::new();
//! let report = convert_seekable(Cursor::new(csv), &mut out, &Options::default(), |_| {}).unwrap();
//! let types: Vec<&str> = report.columns.iter().map(|c| c.type_name.as_str()).collect();
//! assert_eq!(types, ["text", "float32", "date"]);
//! assert_eq!(report.rows_written, 2);
//! assert_eq!(&out[..4], b"PAR1");
//! ```
//!
//! Stages, each a module: [`sniff`] (dialect), [`parse`] (records), [`value`] (field
//! grammars), [`scan`] (first-pass statistics), [`infer`] (types), [`encode`] (Arrow columns),
//! [`write`] (Parquet), tied together by [`convert`].

pub mod alloc;
pub mod batch;
pub mod convert;
pub mod cut;
pub mod dictionary;
pub mod drive;
pub mod encode;
pub mod error;
pub mod infer;
pub mod masks;
pub mod onepass;
pub mod options;
pub mod parse;
pub mod quick;
pub mod report;
pub mod rows;
pub mod scan;
pub mod schedule;
pub mod sniff;
pub mod text;
pub mod textrange;
pub mod value;
pub mod write;

pub use convert::{Converter, Scanner, StreamConverter, METADATA_KEY};
pub use drive::{convert_seekable, convert_stream, inspect, Retract};
pub use error::{Error, RejectKind, Rejection, Result};
pub use infer::Inference;
pub use options::{BadRows, Codec, Encoding, Options, TypeOverride};
pub use report::{Phase, Progress, Report};
