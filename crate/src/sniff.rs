//! Dialect sniffing from the first bytes: delimiter, quote, header and line ending. Each choice
//! is made by parsing the sample the way the converter will, not by counting characters, so a
//! comma inside quotes cannot fool it.

use crate::options::Options;
use crate::parse::{Record, Shape, Splitter};
use crate::value;
use serde::Serialize;

/// How lines end in the input (reported; csv-core accepts all three anyway).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LineEnding {
    #[serde(rename = "LF")]
    Lf,
    #[serde(rename = "CRLF")]
    CrLf,
    #[serde(rename = "CR")]
    Cr,
}

/// The sniffed (or given) shape of a CSV file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dialect {
    #[serde(serialize_with = "as_char")]
    pub delimiter: u8,
    #[serde(serialize_with = "as_opt_char")]
    pub quote: Option<u8>,
    pub header: bool,
    pub line_ending: LineEnding,
}

fn as_char<S: serde::Serializer>(c: &u8, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&(*c as char).to_string())
}
fn as_opt_char<S: serde::Serializer>(c: &Option<u8>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => as_char(c, s),
        None => s.serialize_none(),
    }
}

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Records of the sample used to judge a delimiter and the header.
const SAMPLE_RECORDS: usize = 200;

/// Sniffs the dialect of `sample` (text already past the encoding stage). `complete` says
/// the sample is the whole input, so its last record is not cut short.
pub fn sniff(sample: &[u8], complete: bool, opts: &Options) -> Dialect {
    let line_ending = line_ending(sample);
    let quote = opts.quote.unwrap_or_else(|| Some(sniff_quote(sample)));
    let shape = |delimiter| Shape {
        delimiter,
        quote,
        cr_lines: line_ending == LineEnding::Cr,
        max_field_bytes: usize::MAX,
    };
    let delimiter = opts.delimiter.unwrap_or_else(|| {
        // The delimiter that splits the sample into the most consistent, widest rows wins;
        // ties go to the earlier (more common) candidate.
        let mut best = (b',', 0.0f64);
        for d in DELIMITERS {
            let rows = records(sample, complete, shape(d));
            let score = consistency(&rows);
            if score > best.1 {
                best = (d, score);
            }
        }
        best.0
    });
    let header = opts.header.unwrap_or_else(|| {
        let rows = records(sample, complete, shape(delimiter));
        looks_like_header(&rows)
    });
    Dialect {
        delimiter,
        quote,
        header,
        line_ending,
    }
}

fn line_ending(sample: &[u8]) -> LineEnding {
    let crlf = memchr::memmem::find_iter(sample, b"\r\n").count();
    let lf = memchr::memchr_iter(b'\n', sample).count() - crlf;
    let cr = memchr::memchr_iter(b'\r', sample).count() - crlf;
    if cr > lf && cr > crlf {
        LineEnding::Cr
    } else if crlf > 0 && crlf >= lf {
        LineEnding::CrLf
    } else {
        LineEnding::Lf
    }
}

/// `'` only when it wraps fields (after a delimiter or line start) and `"` never appears.
fn sniff_quote(sample: &[u8]) -> u8 {
    if memchr::memchr(b'"', sample).is_some() {
        return b'"';
    }
    let wrapped = sample
        .windows(2)
        .filter(|w| w[1] == b'\'' && (DELIMITERS.contains(&w[0]) || w[0] == b'\n'))
        .count();
    if wrapped >= 2 {
        b'\''
    } else {
        b'"'
    }
}

fn records(sample: &[u8], complete: bool, shape: Shape) -> Vec<Vec<Vec<u8>>> {
    let mut rows = Vec::new();
    let mut sp = Splitter::new(shape);
    let mut take = |r: Record<'_>| -> Result<(), ()> {
        if rows.len() >= SAMPLE_RECORDS {
            return Err(());
        }
        rows.push(r.fields().map(|f| f.to_vec()).collect());
        Ok(())
    };
    let _ = sp.feed(sample, false, &mut take);
    if complete {
        let _ = sp.feed(&[], true, &mut take);
    }
    rows
}

/// Share of rows with the most common field count, times that count (so 1 field scores low).
fn consistency(rows: &[Vec<Vec<u8>>]) -> f64 {
    if rows.is_empty() {
        return 0.0;
    }
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for r in rows {
        match counts.iter_mut().find(|(n, _)| *n == r.len()) {
            Some(c) => c.1 += 1,
            None => counts.push((r.len(), 1)),
        }
    }
    let &(width, freq) = counts
        .iter()
        .max_by_key(|(n, f)| (*f, *n))
        .unwrap_or(&(1, 0));
    if width < 2 {
        return 0.0;
    }
    let share = freq as f64 / rows.len() as f64;
    share * share * (1.0 + (width as f64).ln())
}

/// Coarse kind of a value, enough to tell a header row from a data row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Empty,
    Text,
    Number,
    Bool,
    Temporal,
}

fn kind(b: &[u8]) -> Kind {
    if b.is_empty() {
        Kind::Empty
    } else if value::parse_int(b).is_some() || value::parse_float(b).is_some() {
        Kind::Number
    } else if value::parse_bool(b).is_some() {
        Kind::Bool
    } else if value::DateFormat::ALL.iter().any(|f| f.parse(b).is_some())
        || value::parse_timestamp(b).is_some()
        || value::parse_time(b).is_some()
    {
        Kind::Temporal
    } else {
        Kind::Text
    }
}

/// The first row is a header unless it looks like data: a header is assumed when some column
/// holds one non-text kind below it while its first value is text, or when every column is
/// text (where a header is the common case); it is refused when its values repeat.
fn looks_like_header(rows: &[Vec<Vec<u8>>]) -> bool {
    let Some((first, body)) = rows.split_first() else {
        return true;
    };
    let distinct = first
        .iter()
        .enumerate()
        .all(|(i, a)| first[..i].iter().all(|b| a != b));
    if body.is_empty() {
        return distinct || first.len() == 1;
    }
    let mut typed_columns = 0;
    let mut votes_header = 0;
    for (c, head) in first.iter().enumerate() {
        let mut col_kind = None;
        let mut consistent = true;
        for row in body {
            let k = row.get(c).map_or(Kind::Empty, |v| kind(v));
            if k == Kind::Empty {
                continue;
            }
            match col_kind {
                None => col_kind = Some(k),
                Some(prev) if prev != k => consistent = false,
                _ => {}
            }
        }
        match col_kind {
            Some(k) if consistent && k != Kind::Text => {
                typed_columns += 1;
                let hk = kind(head);
                if hk != k && hk != Kind::Empty {
                    votes_header += 1;
                }
            }
            _ => {}
        }
    }
    if typed_columns == 0 {
        return true;
    }
    // Text above typed values is a header, even with repeated or empty names.
    votes_header > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Dialect {
        sniff(text.as_bytes(), true, &Options::default())
    }

    #[test]
    fn delimiters() {
        assert_eq!(s("a;b;c\n1;2,5;3\n4;5;6\n").delimiter, b';');
        assert_eq!(s("a\tb\n1\t2\n").delimiter, b'\t');
        assert_eq!(s("a|b|c\n1|2|3\n").delimiter, b'|');
        assert_eq!(s("name,note\nx,\"a;b;c\"\ny,\"d;e\"\n").delimiter, b',');
        assert_eq!(s("just one column\nvalue\n").delimiter, b',');
    }

    #[test]
    fn headers() {
        assert!(s("id,name\n1,x\n2,y\n").header);
        assert!(!s("1,x\n2,y\n3,z\n").header);
        assert!(s("city,country\nParis,France\nLima,Peru\n").header);
        assert!(!s("2024-01-01,5\n2024-01-02,6\n").header);
        assert!(s("a,b\n").header);
        assert!(s("a,,a\n1,2,3\n4,5,6\n").header);
    }

    #[test]
    fn line_endings_and_quotes() {
        assert_eq!(s("a,b\r\n1,2\r\n").line_ending, LineEnding::CrLf);
        assert_eq!(s("a,b\r1,2\r").line_ending, LineEnding::Cr);
        assert_eq!(s("a,b\n1,2\n").line_ending, LineEnding::Lf);
        assert_eq!(s("a,b\n'x,y',2\n'z',3\n").quote, Some(b'\''));
        assert_eq!(s("a,b\n\"x,y\",2\n").quote, Some(b'"'));
    }
}
