//! The one error type of the engine. Every failure a user can cause is an [`Error`] that says
//! what happened in words; none is a panic.

use serde::Serialize;
use std::fmt;

/// Why a row could not be converted: a stable code for programs, words for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectKind {
    /// The row has a different number of fields than the header (or first row).
    Ragged,
    /// A field holds a NUL byte: most likely not a text file.
    NulByte,
    /// A field is longer than `max_field_bytes`.
    FieldTooLong,
    /// A quoted field is still open at the end of the input.
    UnterminatedQuote,
    /// A value does not fit its column's type.
    BadValue,
    /// Bytes that are not valid in the input's text encoding.
    InvalidText,
}

/// A row that was not written, with where it is and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rejection {
    /// 1-based line where the record starts.
    pub line: u64,
    pub kind: RejectKind,
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
    /// What a user can do about it, when there is something to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The row re-written as one CSV line, so a user can fix and re-import it.
    pub record: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(c) = &self.column {
            write!(f, ", column {c:?}")?;
        }
        match &self.value {
            Some(v) => write!(f, ": value {:?} {}", shorten(v, 80), self.reason)?,
            None => write!(f, ": {}", self.reason)?,
        }
        if let Some(h) = &self.hint {
            write!(f, ". {h}")?;
        }
        Ok(())
    }
}

/// Keeps a message readable when a value is a 10 MB blob.
pub(crate) fn shorten(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max_chars).collect();
        t.push('…');
        t
    }
}

#[derive(Debug)]
pub enum Error {
    /// The input holds no record at all (nothing, or only blank lines and a BOM).
    EmptyInput,
    /// A row could not be converted and the bad-row policy is `error`.
    BadRow(Box<Rejection>),
    /// An option is out of range or names a column that does not exist.
    Options(String),
    /// The converter was used out of order (a bug in the caller, reported, never a panic).
    State(&'static str),
    Io(std::io::Error),
    Parquet(parquet::errors::ParquetError),
    Arrow(arrow_schema::ArrowError),
}

impl Error {
    /// A stable code for programs (the npm package's `ParquetryError.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyInput => "empty_input",
            Error::BadRow(_) => "bad_row",
            Error::Options(_) => "bad_option",
            Error::State(_) => "internal",
            Error::Io(_) => "io",
            Error::Parquet(_) | Error::Arrow(_) => "write",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyInput => write!(f, "empty input: the file holds no rows"),
            Error::BadRow(r) => r.fmt(f),
            Error::Options(m) => write!(f, "{m}"),
            Error::State(m) => write!(f, "internal error: {m}"),
            Error::Io(e) => write!(f, "{e}"),
            Error::Parquet(e) => write!(f, "writing Parquet: {e}"),
            Error::Arrow(e) => write!(f, "building columns: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}
impl From<parquet::errors::ParquetError> for Error {
    fn from(e: parquet::errors::ParquetError) -> Self {
        Error::Parquet(e)
    }
}
impl From<arrow_schema::ArrowError> for Error {
    fn from(e: arrow_schema::ArrowError) -> Self {
        Error::Arrow(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
