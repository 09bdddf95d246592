//! Cuts text into pieces of whole records without parsing it, so that the pieces can be
//! parsed on different threads. csv-core is a sequential state machine; splitting ahead of
//! it is what lets both passes parse on every core.
//!
//! A line break outside quotes ends a record. "Outside quotes" is judged by the parity of
//! the quote characters seen so far, which is right for every well-formed CSV. It can be
//! wrong where a quote stands inside an unquoted field (`5'11"`), so a cut is only a guess:
//! the parser of the piece before it confirms it (that piece must end between records), and
//! the caller falls back to sequential parsing where it does not.

use crate::masks;

/// One piece: where it ends in the text, and how many line breaks it holds (for numbering
/// the lines of the next one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub end: usize,
    pub lines: u64,
}

/// Cuts `text`, which starts at a record boundary, into pieces that end just after a record
/// terminator `term` outside quotes: each piece is about `bytes` long, or holds at most
/// `records` terminators. Text after the last whole piece is left out, whole records or
/// not: where the text ends is where an input's chunk happened to end, and the pieces (the
/// batches, the pages written) must not depend on that. So is text after `max_pieces`.
/// Lines are counted by `term` bytes, inside quotes too, as the parser counts them.
///
/// The text is walked 64 bytes at a time by masks (see [`masks`]): a block's quote parity is
/// a few instructions, where `memchr` would stop at every quote and line. The stretch of a
/// piece before the first place it may end is not even walked but counted (line breaks,
/// and quotes for the parity) with `memchr`'s vector counts, which are faster still.
pub fn cut(
    text: &[u8],
    quote: Option<u8>,
    term: u8,
    bytes: usize,
    records: usize,
    max_pieces: usize,
) -> Vec<Piece> {
    let (bytes, records) = (bytes.max(1), records.max(1));
    let count = |b: u8, s: &[u8]| memchr::memchr_iter(b, s).count();
    let mut pieces = Vec::new();
    // The piece under way starts at `start`; `lines` and `ends` count its line breaks and
    // record ends before `base` (`ends` at most, after a count).
    let (mut start, mut lines, mut ends) = (0usize, 0u64, 0usize);
    // Whether the piece under way may be counted: not when its line breaks could reach
    // `records` before its first possible end.
    let mut countable = true;
    // All ones while inside quotes at `base`.
    let mut carry = 0u64;
    let mut base = 0;
    while base < text.len() {
        // A record end here or later ends the piece.
        let reach = start + bytes - 1;
        if countable && reach > base + 64 {
            let stretch = &text[base..reach.min(text.len())];
            let n = count(term, stretch);
            if ends + n < records {
                if quote.is_some_and(|q| count(q, stretch) % 2 == 1) {
                    carry = !carry;
                }
                (lines, ends) = (lines + n as u64, ends + n);
                base += stretch.len();
                continue;
            }
            countable = false;
        }
        let block = base;
        base += 64;
        let [quotes, breaks] = masks::each_of(&text[block..], [quote.unwrap_or(term), term]);
        let mut record_ends = match quote {
            Some(_) => {
                let inside = masks::prefix_xor(quotes) ^ carry;
                carry = ((inside as i64) >> 63) as u64;
                breaks & !inside
            }
            None => breaks,
        };
        // Bits below `from` belong to pieces closed in this block.
        let mut from = 0;
        if block + 64 >= start + bytes || ends + record_ends.count_ones() as usize >= records {
            while record_ends != 0 {
                let b = record_ends.trailing_zeros() as usize;
                record_ends &= record_ends - 1;
                ends += 1;
                if block + b + 1 - start >= bytes || ends >= records {
                    let end = block + b + 1;
                    lines += u64::from(
                        (breaks & masks::below(b + 1) & !masks::below(from)).count_ones(),
                    );
                    pieces.push(Piece { end, lines });
                    if pieces.len() >= max_pieces {
                        return pieces;
                    }
                    (start, lines, ends, from, countable) = (end, 0, 0, b + 1, true);
                }
            }
        } else {
            ends += record_ends.count_ones() as usize;
        }
        lines += u64::from((breaks & !masks::below(from)).count_ones());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(text: &str, bytes: usize, records: usize) -> Vec<(usize, u64)> {
        cut(
            text.as_bytes(),
            Some(b'"'),
            b'\n',
            bytes,
            records,
            usize::MAX,
        )
        .into_iter()
        .map(|p| (p.end, p.lines))
        .collect()
    }

    #[test]
    fn cuts_only_outside_quotes() {
        let text = "a,b\n\"x\ny\",2\n3,4\n5,\"open";
        // Records end after bytes 4, 12 and 16; the quoted line break is not an end.
        assert_eq!(ends(text, 1, 100), vec![(4, 1), (12, 2), (16, 1)]);
        // A piece short of both limits is left for later text.
        assert_eq!(ends(text, 100, 100), vec![]);
        assert_eq!(ends(text, 100, 2), vec![(12, 3)]);
        assert_eq!(ends("no end yet", 1, 1), vec![]);
    }

    #[test]
    fn pieces_do_not_depend_on_where_the_text_stops() {
        let text = "1,\"a\"\"b\"\n\n2,\"c\nd\"\n3,e\n4,f\n";
        for bytes in 1..text.len() + 2 {
            for records in 1..5 {
                let all = ends(text, bytes, records);
                for k in 0..text.len() {
                    let p = ends(&text[..k], bytes, records);
                    assert_eq!(
                        p[..],
                        all[..p.len()],
                        "bytes {bytes} records {records} k {k}"
                    );
                    let rest = all.get(p.len()).map_or(usize::MAX, |q| q.0);
                    assert!(rest > k, "a whole piece was left out");
                }
            }
        }
    }

    /// What `cut` must give, byte by byte.
    fn reference(
        text: &[u8],
        quote: Option<u8>,
        term: u8,
        bytes: usize,
        records: usize,
    ) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let (mut start, mut lines, mut ends, mut quoted) = (0, 0, 0, false);
        for (i, &c) in text.iter().enumerate() {
            if Some(c) == quote {
                quoted = !quoted;
            } else if c == term {
                lines += 1;
                if !quoted {
                    ends += 1;
                    if i + 1 - start >= bytes || ends >= records {
                        pieces.push(Piece { end: i + 1, lines });
                        (start, lines, ends) = (i + 1, 0, 0);
                    }
                }
            }
        }
        pieces
    }

    #[test]
    fn cuts_at_the_edges_of_blocks() {
        // Record ends on either side of the 64-byte blocks the masks cover.
        for k in 0..140 {
            for m in [0, 1, 62, 63, 64, 65] {
                let text = format!(
                    "{}\n\"{}\n\"\n{}\n",
                    "x".repeat(k),
                    "q".repeat(m),
                    "y".repeat(m)
                );
                for bytes in 1..150 {
                    for records in [1, 2, 3] {
                        let t = text.as_bytes();
                        assert_eq!(
                            cut(t, Some(b'"'), b'\n', bytes, records, usize::MAX),
                            reference(t, Some(b'"'), b'\n', bytes, records),
                            "k {k} m {m} bytes {bytes} records {records}"
                        );
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn cuts_as_the_byte_by_byte_walk_does(
            text in proptest::collection::vec(proptest::sample::select(b"ab,\"\n\r".to_vec()), 0..400),
            bytes in 1usize..200,
            records in 1usize..12,
            quoted in proptest::bool::ANY,
            cr in proptest::bool::ANY,
            max in 1usize..8,
        ) {
            let quote = quoted.then_some(b'"');
            let term = if cr { b'\r' } else { b'\n' };
            let mut want = reference(&text, quote, term, bytes, records);
            proptest::prop_assert_eq!(cut(&text, quote, term, bytes, records, usize::MAX), want.clone());
            // Stopping after `max` pieces gives the first `max` of them.
            want.truncate(max);
            proptest::prop_assert_eq!(cut(&text, quote, term, bytes, records, max), want);
        }
    }

    #[test]
    fn without_quoting_every_break_ends_a_record() {
        let p = cut(b"a\"\nb\nc", None, b'\n', 1, 10, usize::MAX);
        assert_eq!(
            p,
            vec![Piece { end: 3, lines: 1 }, Piece { end: 5, lines: 1 }]
        );
    }
}
