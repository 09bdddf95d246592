//! Splits a stream of text chunks into records with csv-core. Chunks may be cut anywhere
//! (inside a quoted field, between CR and LF); each record comes out as one flat byte buffer
//! plus field end offsets, with the line it starts on and any problem found in it.

use crate::error::RejectKind;
use crate::quick::{self, Quick};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// The shape of the text a [`Splitter`] reads.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub delimiter: u8,
    pub quote: Option<u8>,
    /// Count lines by CR instead of LF (old Mac files end lines with CR alone).
    pub cr_lines: bool,
    pub max_field_bytes: usize,
}

/// One record: the unescaped bytes of its fields, and where each ends. The fields lie back to
/// back (csv-core's output) or, for a line read verbatim, one delimiter apart (`gap` 1).
#[derive(Clone, Copy)]
pub struct Record<'a> {
    pub line: u64,
    bytes: &'a [u8],
    ends: &'a [usize],
    gap: usize,
    /// A problem that rejects the whole record, and the field it is in (if one).
    pub problem: Option<(RejectKind, Option<usize>)>,
}

impl<'a> Record<'a> {
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub(crate) fn new(
        line: u64,
        bytes: &'a [u8],
        ends: &'a [usize],
        gap: usize,
        problem: Option<(RejectKind, Option<usize>)>,
    ) -> Record<'a> {
        Record {
            line,
            bytes,
            ends,
            gap,
            problem,
        }
    }

    /// Bytes between one field's end and the next one's start (0 or 1).
    pub fn gap(&self) -> usize {
        self.gap
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Where each field ends, relative to the record's first byte.
    pub fn ends(&self) -> &'a [usize] {
        self.ends
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of field `i` (empty for a record whose oversized field was dropped).
    pub fn field(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] + self.gap
        };
        self.bytes.get(start..self.ends[i]).unwrap_or(&[])
    }

    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(move |i| self.field(i))
    }

    /// The record written back as one CSV line (quoted where needed), for reject reports.
    pub fn to_csv_line(&self, delimiter: u8, quote: Option<u8>) -> Vec<u8> {
        let q = quote.unwrap_or(b'"');
        let mut out = Vec::with_capacity(self.bytes.len() + self.len() + 2);
        for (i, f) in self.fields().enumerate() {
            if i > 0 {
                out.push(delimiter);
            }
            if f.iter()
                .any(|&c| c == delimiter || c == q || c == b'\n' || c == b'\r')
            {
                out.push(q);
                for &c in f {
                    if c == q {
                        out.push(q);
                    }
                    out.push(c);
                }
                out.push(q);
            } else {
                out.extend_from_slice(f);
            }
        }
        out
    }
}

/// csv-core's reader of text of this shape.
fn csv_reader(shape: &Shape) -> Reader {
    let mut b = ReaderBuilder::new();
    b.delimiter(shape.delimiter);
    match shape.quote {
        Some(q) => b.quote(q),
        None => b.quoting(false),
    };
    b.build()
}

pub struct Splitter {
    /// csv-core's reader, built when a record first needs it: most pieces of a block are
    /// split by [`quick`] alone, and building one (its state machine's tables) for each
    /// cost more than 1% of a conversion in WebAssembly.
    reader: Option<Reader>,
    pub shape: Shape,
    buf: Vec<u8>,
    nbuf: usize,
    ends: Vec<usize>,
    nends: usize,
    /// Whether records are split by [`quick`] where it can (off to test csv-core alone).
    pub quick: bool,
    /// The fields and field ends of the last record split by [`quick`].
    quick_buf: Vec<u8>,
    quick_ends: Vec<usize>,
    /// Set once the current record's buffer passed the field limit: from then on its bytes
    /// go to `scratch` and are dropped, so a runaway quote cannot exhaust memory.
    oversized: bool,
    scratch: Vec<u8>,
    /// Line breaks counted here (see `count_lines`).
    lines: u64,
    record_line: u64,
    in_record: bool,
    /// The end-of-input probe for an open quote was fed, and what it found.
    probed: bool,
    quote_open: bool,
}

impl Splitter {
    pub fn new(shape: Shape) -> Splitter {
        Splitter::at_line(shape, 0)
    }

    /// A splitter for text that starts after `lines` line breaks (a piece of a larger
    /// input, cut at a record boundary), so that records are numbered as in the whole.
    pub fn at_line(shape: Shape, lines: u64) -> Splitter {
        Splitter {
            reader: None,
            shape,
            // Small at first and grown on demand: a block may be cut into many small pieces,
            // each with its own splitter, and most pieces never leave the quick path.
            buf: vec![0; 1024],
            nbuf: 0,
            ends: vec![0; 32],
            nends: 0,
            quick: true,
            quick_buf: Vec::new(),
            quick_ends: Vec::new(),
            oversized: false,
            scratch: Vec::new(),
            lines,
            record_line: 1,
            in_record: false,
            probed: false,
            quote_open: false,
        }
    }

    /// Counts line breaks in bytes that csv-core did not see (blank lines skipped here), and
    /// in everything when lines end in CR alone, which csv-core does not count.
    fn count_lines(&mut self, consumed: &[u8], by_csv_core: bool) {
        if self.shape.cr_lines {
            self.lines += memchr::memchr_iter(b'\r', consumed).count() as u64;
        } else if !by_csv_core {
            self.lines += memchr::memchr_iter(b'\n', consumed).count() as u64;
        }
    }

    /// Line breaks consumed so far.
    pub fn lines(&self) -> u64 {
        if self.shape.cr_lines {
            self.lines
        } else {
            // csv-core counts the '\n's it reads, starting from 1.
            self.lines + self.reader.as_ref().map_or(1, Reader::line) - 1
        }
    }

    /// Whether a record has been started and not yet completed.
    pub fn in_record(&self) -> bool {
        self.in_record
    }

    /// Parses `input`, calling `emit` for every record completed in it. `last` marks the end
    /// of the input: the final record is completed even without a line break.
    pub fn feed<E>(
        &mut self,
        input: &[u8],
        last: bool,
        emit: &mut impl FnMut(Record<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.parse(input, last, false, emit).map(|_| ())
    }

    /// Parses `input` until one record (the one under way, if any) is complete and returns
    /// how many bytes that took: the rest of `input` starts at a record boundary.
    pub fn feed_one<E>(
        &mut self,
        input: &[u8],
        last: bool,
        emit: &mut impl FnMut(Record<'_>) -> Result<(), E>,
    ) -> Result<usize, E> {
        self.parse(input, last, true, emit)
    }

    fn parse<E>(
        &mut self,
        mut input: &[u8],
        last: bool,
        one_record: bool,
        emit: &mut impl FnMut(Record<'_>) -> Result<(), E>,
    ) -> Result<usize, E> {
        let whole = input.len();
        // One look for NUL bytes in all the input spares one in every record split quickly
        // (whose bytes all come from this input); csv-core's records may hold earlier input.
        let nul_free = memchr::memchr(0, input).is_none();
        if input.is_empty() && !last {
            // csv-core takes empty input as the end of the data: an empty chunk is not that.
            return Ok(0);
        }
        loop {
            if !self.in_record {
                // Blank lines and the LF of a CRLF are skipped here, so that a record's
                // first byte (and hence its line) is known.
                let skip = input.iter().position(|&c| c != b'\r' && c != b'\n');
                let n = skip.unwrap_or(input.len());
                self.count_lines(&input[..n], false);
                input = &input[n..];
                if input.is_empty() {
                    return Ok(whole);
                }
                self.in_record = true;
                self.record_line = self.lines() + 1;
                if let Some((n, record)) = self.quick_record(input, nul_free) {
                    let r = emit(record);
                    self.in_record = false;
                    // One line break, which csv-core did not see.
                    self.lines += 1;
                    input = &input[n..];
                    r?;
                    if one_record {
                        return Ok(whole - input.len());
                    }
                    if input.is_empty() && !last {
                        return Ok(whole);
                    }
                    continue;
                }
            }
            if input.is_empty() && last && self.shape.quote.is_some() && !self.probed {
                // csv-core ends a record at end of input even inside quotes. To tell, feed it
                // one line break first: inside a quoted field it becomes part of the field.
                self.probed = true;
                input = b"\n";
            }
            let out: &mut [u8] = if self.oversized {
                &mut self.scratch
            } else {
                &mut self.buf[self.nbuf..]
            };
            let reader = self.reader.get_or_insert_with(|| csv_reader(&self.shape));
            let (res, nin, nout, nend) =
                reader.read_record(input, out, &mut self.ends[self.nends..]);
            let consumed = &input[..nin];
            input = &input[nin..];
            if !self.probed {
                self.count_lines(consumed, true);
            }
            if !self.oversized {
                self.nbuf += nout;
            }
            self.nends += nend;
            match res {
                // All input was read; at the end, one more call with no input ends the record.
                ReadRecordResult::InputEmpty if !last => return Ok(whole),
                ReadRecordResult::InputEmpty => self.quote_open |= self.probed,
                ReadRecordResult::OutputFull => self.grow_output(),
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len();
                    self.ends.resize(n * 2, 0);
                }
                ReadRecordResult::Record => {
                    let mut problem = None;
                    let ends = &self.ends[..self.nends];
                    let mut start = 0;
                    for (i, &end) in ends.iter().enumerate() {
                        if end - start > self.shape.max_field_bytes {
                            problem = Some((RejectKind::FieldTooLong, Some(i)));
                            break;
                        }
                        start = end;
                    }
                    let bytes = &self.buf[..if self.oversized { 0 } else { self.nbuf }];
                    if problem.is_none() {
                        if let Some(p) = memchr::memchr(0, bytes) {
                            problem = Some((
                                RejectKind::NulByte,
                                Some(ends.partition_point(|&e| e <= p)),
                            ));
                        }
                    }
                    if problem.is_none() && self.quote_open {
                        problem = Some((RejectKind::UnterminatedQuote, Some(ends.len() - 1)));
                    }
                    let record = Record {
                        line: self.record_line,
                        bytes,
                        ends,
                        gap: 0,
                        problem,
                    };
                    let r = emit(record);
                    self.nbuf = 0;
                    self.nends = 0;
                    self.oversized = false;
                    self.scratch = Vec::new();
                    self.in_record = false;
                    r?;
                    if one_record {
                        return Ok(whole - input.len());
                    }
                    if input.is_empty() && !last {
                        return Ok(whole);
                    }
                }
                ReadRecordResult::End => return Ok(whole),
            }
        }
    }

    /// Splits the record at the start of `input` with [`quick`] if it can: the number of
    /// bytes it took and the record. `nul_free`: `input` holds no NUL byte.
    fn quick_record<'s>(
        &'s mut self,
        input: &'s [u8],
        nul_free: bool,
    ) -> Option<(usize, Record<'s>)> {
        if !self.quick || self.shape.cr_lines || self.nbuf != 0 || self.nends != 0 {
            return None;
        }
        let s = &self.shape;
        let (n, bytes, gap) = match quick::split(
            input,
            s.delimiter,
            s.quote,
            s.max_field_bytes,
            &mut self.quick_buf,
            &mut self.quick_ends,
        )? {
            Quick::Verbatim(n) => (n, &input[..n], 1),
            Quick::Copied(n) => (n, &self.quick_buf[..], 0),
        };
        let ends = &self.quick_ends;
        let bytes = &bytes[..*ends.last()?];
        let nul = if nul_free {
            None
        } else {
            memchr::memchr(0, bytes)
        };
        let problem = nul.map(|p| {
            // The field the NUL is in: the first that ends after it.
            (RejectKind::NulByte, Some(ends.partition_point(|&e| e <= p)))
        });
        let record = Record {
            line: self.record_line,
            bytes,
            ends,
            gap,
            problem,
        };
        Some((n, record))
    }

    fn grow_output(&mut self) {
        let field_start = if self.nends == 0 {
            0
        } else {
            self.ends[self.nends - 1]
        };
        if self.oversized || self.nbuf - field_start > self.shape.max_field_bytes {
            self.oversized = true;
            self.scratch.resize(64 * 1024, 0);
        } else {
            let n = self.buf.len();
            self.buf.resize(n * 2, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Split = Vec<(u64, Vec<String>, Option<RejectKind>)>;

    fn split(text: &[u8], cut: usize, shape: Shape) -> Split {
        split_with(text, cut, shape, true)
    }

    fn split_with(text: &[u8], cut: usize, shape: Shape, quick: bool) -> Split {
        let mut sp = Splitter::new(shape);
        sp.quick = quick;
        let mut out = Vec::new();
        let mut emit = |r: Record<'_>| -> Result<(), ()> {
            let fields = r
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((r.line, fields, r.problem.map(|p| p.0)));
            Ok(())
        };
        for c in text.chunks(cut.max(1)) {
            sp.feed(c, false, &mut emit).unwrap();
            // An empty chunk is no end of input (csv-core alone would take it as one).
            sp.feed(&[], false, &mut emit).unwrap();
        }
        sp.feed(&[], true, &mut emit).unwrap();
        out
    }

    fn shape() -> Shape {
        Shape {
            delimiter: b',',
            quote: Some(b'"'),
            cr_lines: false,
            max_field_bytes: 1 << 20,
        }
    }

    #[test]
    fn lines_and_quotes_survive_every_cut() {
        let text = b"a,b\r\n\r\n\"x\ny\",2\r\n3,\"q\"\"\"\r\n4,5";
        for cut in 1..text.len() + 1 {
            let got = split(text, cut, shape());
            assert_eq!(
                got,
                vec![
                    (1, vec!["a".into(), "b".into()], None),
                    (3, vec!["x\ny".into(), "2".into()], None),
                    (5, vec!["3".into(), "q\"".into()], None),
                    (6, vec!["4".into(), "5".into()], None),
                ],
                "cut {cut}"
            );
        }
    }

    #[test]
    fn cr_only_lines_are_counted() {
        let s = Shape {
            cr_lines: true,
            ..shape()
        };
        let got = split(b"a\rb\rc", 2, s);
        assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn problems_are_flagged() {
        let got = split(b"a,b\n1,\"open\n2,3\n", 3, shape());
        assert_eq!(got.last().unwrap().2, Some(RejectKind::UnterminatedQuote));
        let got = split(b"a,b\n1,x\0y\n", 3, shape());
        assert_eq!(got[1].2, Some(RejectKind::NulByte));
        let s = Shape {
            max_field_bytes: 10,
            ..shape()
        };
        let long = format!("a,b\n1,{}\n2,3\n", "z".repeat(200_000));
        let got = split(long.as_bytes(), 7, s);
        assert_eq!(got[1].2, Some(RejectKind::FieldTooLong));
        assert_eq!(got[2], (3, vec!["2".into(), "3".into()], None));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Records split by `quick` come out exactly as csv-core alone makes them, lines,
        /// fields and problems alike, however the text is cut.
        #[test]
        fn quick_splitting_agrees_with_csv_core(
            text in proptest::collection::vec(
                proptest::sample::select(b"ab,;\"\r\n\0".to_vec()), 0..200),
            cut in 1usize..210,
            semicolon: bool,
            quoting: bool,
            limit in 1usize..80,
        ) {
            let s = Shape {
                delimiter: if semicolon { b';' } else { b',' },
                quote: quoting.then_some(b'"'),
                max_field_bytes: limit,
                ..shape()
            };
            proptest::prop_assert_eq!(split_with(&text, cut, s, true), split_with(&text, cut, s, false));
        }
    }
}
