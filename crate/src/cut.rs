//! Cuts text into pieces of whole records without parsing it, so that the pieces can be
//! parsed on different threads. csv-core is a sequential state machine; splitting ahead of
//! it is what lets both passes parse on every core.
//!
//! A line break outside quotes ends a record. "Outside quotes" is judged by the parity of
//! the quote characters seen so far, which is right for every well-formed CSV. It can be
//! wrong where a quote stands inside an unquoted field (`5'11"`), so a cut is only a guess:
//! the parser of the piece before it confirms it (that piece must end between records), and
//! the caller falls back to sequential parsing where it does not.

/// One piece: where it ends in the text, and how many line breaks it holds (for numbering
/// the lines of the next one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub end: usize,
    pub lines: u64,
}

/// Cuts `text`, which starts at a record boundary, into pieces that end just after a record
/// terminator `term` outside quotes: each piece is about `bytes` long, or holds at most
/// `records` terminators. Text after the last such terminator is left out (it is the start
/// of a record that continues in later text). Lines are counted by `term` bytes, inside
/// quotes too, as the parser counts them.
pub fn cut(text: &[u8], quote: Option<u8>, term: u8, bytes: usize, records: usize) -> Vec<Piece> {
    let (bytes, records) = (bytes.max(1), records.max(1));
    let mut pieces = Vec::new();
    let (mut start, mut lines, mut ends) = (0usize, 0u64, 0usize);
    let mut quoted = false;
    let mut close = |at: usize, lines: &mut u64, ends: &mut usize, start: &mut usize| {
        pieces.push(Piece {
            end: at,
            lines: *lines,
        });
        *lines = 0;
        *ends = 0;
        *start = at;
    };
    match quote {
        Some(q) => {
            for i in memchr::memchr2_iter(q, term, text) {
                if text[i] == q {
                    quoted = !quoted;
                    continue;
                }
                lines += 1;
                if quoted {
                    continue;
                }
                ends += 1;
                if i + 1 - start >= bytes || ends >= records {
                    close(i + 1, &mut lines, &mut ends, &mut start);
                }
            }
        }
        None => {
            for i in memchr::memchr_iter(term, text) {
                lines += 1;
                ends += 1;
                if i + 1 - start >= bytes || ends >= records {
                    close(i + 1, &mut lines, &mut ends, &mut start);
                }
            }
        }
    }
    // The record ends seen since the last cut close a final, shorter piece. Its line count
    // covers only the breaks up to its end, so count them again from its start.
    if let Some(last_end) = last_boundary(&text[start..], quote, term, quoted) {
        let end = start + last_end;
        let lines = memchr::memchr_iter(term, &text[start..end]).count() as u64;
        pieces.push(Piece { end, lines });
    }
    pieces
}

/// The end of the last record terminator outside quotes in `tail`, which ends in the quote
/// state `quoted_at_end`; found by walking back from the end.
fn last_boundary(tail: &[u8], quote: Option<u8>, term: u8, quoted_at_end: bool) -> Option<usize> {
    let Some(q) = quote else {
        return memchr::memrchr(term, tail).map(|i| i + 1);
    };
    let mut quoted = quoted_at_end;
    for i in memchr::memrchr2_iter(q, term, tail) {
        if tail[i] == q {
            quoted = !quoted;
        } else if !quoted {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(text: &str, bytes: usize, records: usize) -> Vec<(usize, u64)> {
        cut(text.as_bytes(), Some(b'"'), b'\n', bytes, records)
            .into_iter()
            .map(|p| (p.end, p.lines))
            .collect()
    }

    #[test]
    fn cuts_only_outside_quotes() {
        let text = "a,b\n\"x\ny\",2\n3,4\n5,\"open";
        // Records end after bytes 4, 12 and 16; the quoted line break is not an end.
        assert_eq!(ends(text, 1, 100), vec![(4, 1), (12, 2), (16, 1)]);
        assert_eq!(ends(text, 100, 100), vec![(16, 4)]);
        assert_eq!(ends(text, 100, 2), vec![(12, 3), (16, 1)]);
        assert_eq!(ends("no end yet", 1, 1), vec![]);
    }

    #[test]
    fn pieces_cover_the_text_up_to_the_last_record_end() {
        let text = "1,\"a\"\"b\"\n\n2,\"c\nd\"\n3,e\n4,f";
        for bytes in 1..text.len() + 2 {
            for records in 1..5 {
                let p = ends(text, bytes, records);
                assert_eq!(p.last().map(|p| p.0), Some(text.rfind('\n').unwrap() + 1));
                assert!(p.windows(2).all(|w| w[0].0 < w[1].0));
                let lines: u64 = p.iter().map(|p| p.1).sum();
                assert_eq!(lines, 5, "bytes {bytes} records {records}");
            }
        }
    }

    #[test]
    fn without_quoting_every_break_ends_a_record() {
        let p = cut(b"a\"\nb\nc", None, b'\n', 1, 10);
        assert_eq!(
            p,
            vec![Piece { end: 3, lines: 1 }, Piece { end: 5, lines: 1 }]
        );
    }
}
