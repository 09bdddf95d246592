//! The common records split with vector compares instead of byte by byte. csv-core's state machine
//! costs some fifteen instructions per byte, and most records of most files need none of its
//! cases: they sit on one line, and their quoted fields (if any) are closed on it. Such a
//! record is split here; anything else (a line break inside quotes, a lone CR, text after a
//! closing quote, a record not complete in the input) is declined before anything is
//! consumed, and csv-core reads it. What is split here is what csv-core would make of it (a
//! property test in `parse` holds the two to that).

use crate::masks;

/// A record split here, and the bytes it took, line break included.
pub enum Quick {
    /// No field was quoted: the record's fields are its line, one delimiter apart.
    Verbatim(usize),
    /// Some field was quoted: the unescaped fields were copied back to back.
    Copied(usize),
}

/// Splits the record at the start of `input`, filling `ends` (field ends) and, for a record
/// with quoted fields, `buf`. `limit` bounds the record's length: longer ones are left to
/// csv-core, which knows what to do with a field over the limit.
pub fn split(
    input: &[u8],
    delimiter: u8,
    quote: Option<u8>,
    limit: usize,
    buf: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> Option<Quick> {
    ends.clear();
    let needles = [delimiter, b'\n', b'\r', quote.unwrap_or(b'\n')];
    // The common case, spelled out: per block, every delimiter before the first other
    // special byte is a field end, taken from the delimiters' own mask without a look at
    // the byte (a load and a compare per field, dear in wasm).
    let mut base = 0;
    while base < input.len() {
        let [delims, others] = masks::one_and_others(&input[base..], needles);
        let first = others & others.wrapping_neg();
        let mut d = delims & first.wrapping_sub(1);
        ends.reserve(d.count_ones() as usize);
        while d != 0 {
            ends.push(base + d.trailing_zeros() as usize);
            d &= d - 1;
        }
        if first != 0 {
            let p = base + first.trailing_zeros() as usize;
            if let b'\n' | b'\r' = input[p] {
                let consumed = line_end(input, p).filter(|_| p <= limit)?;
                ends.push(p);
                return Some(Quick::Verbatim(consumed));
            }
            // A quote: the fields so far go to `buf` back to back, and the field it is in
            // is read again from its start, the block's bits from the quote on kept.
            let field = ends.last().map_or(0, |&e| e + 1);
            buf.clear();
            let mut start = 0;
            for (i, e) in ends.iter_mut().enumerate() {
                buf.extend_from_slice(&input[start..*e]);
                start = *e + 1;
                *e -= i;
            }
            let specials = Specials {
                input,
                needles,
                base,
                mask: (delims | others) & !first.wrapping_sub(1),
            };
            return copied(input, delimiter, quote?, limit, buf, ends, specials, field)
                .map(Quick::Copied);
        }
        base += 64;
    }
    None
}

/// The bytes a record ending at `input[at]` (a CR or LF) takes: its LF or CRLF included; a
/// lone CR is csv-core's to read.
fn line_end(input: &[u8], at: usize) -> Option<usize> {
    match input[at] {
        b'\n' => Some(at + 1),
        b'\r' if input.get(at + 1) == Some(&b'\n') => Some(at + 2),
        _ => None,
    }
}

/// A record with quoted fields, field by field from the field at `pos`: `buf` and `ends`
/// hold the fields before it, `specials` stands at or before it.
#[allow(clippy::too_many_arguments)]
fn copied(
    input: &[u8],
    delimiter: u8,
    q: u8,
    limit: usize,
    buf: &mut Vec<u8>,
    ends: &mut Vec<usize>,
    mut specials: Specials<'_>,
    mut pos: usize,
) -> Option<usize> {
    loop {
        if buf.len() > limit {
            return None;
        }
        // Where the field's delimiter or line break is.
        let at = if input.get(pos) == Some(&q) {
            let mut from = pos + 1;
            loop {
                let p = specials.next_from(from)?;
                match input[p] {
                    c if c == q => {
                        buf.extend_from_slice(&input[from..p]);
                        if input.get(p + 1) != Some(&q) {
                            break p + 1;
                        }
                        buf.push(q);
                        from = p + 2;
                    }
                    b'\n' | b'\r' => return None,
                    _ => {} // a delimiter inside the quotes
                }
            }
        } else {
            // A quote after a field's first byte is an ordinary byte, to csv-core too.
            let p = loop {
                let p = specials.next_from(pos)?;
                if input[p] != q {
                    break p;
                }
            };
            buf.extend_from_slice(&input[pos..p]);
            p
        };
        ends.push(buf.len());
        match *input.get(at)? {
            d if d == delimiter => pos = at + 1,
            b'\n' | b'\r' => return line_end(input, at).filter(|_| buf.len() <= limit),
            _ => return None,
        }
    }
}

/// Positions of the bytes that matter (the delimiter, CR, LF, the quote), in order, found
/// 64 bytes at a time with vector compares ([`masks`]): far cheaper than a call to `memchr`
/// per field.
struct Specials<'a> {
    input: &'a [u8],
    needles: [u8; 4],
    /// Start of the block `mask` describes.
    base: usize,
    mask: u64,
}

impl<'a> Specials<'a> {
    /// The next position at or after `from`.
    #[inline]
    fn next_from(&mut self, from: usize) -> Option<usize> {
        loop {
            while self.mask == 0 {
                self.base += 64;
                if self.base >= self.input.len() {
                    return None;
                }
                self.mask = masks::any_of(&self.input[self.base..], self.needles);
            }
            let p = self.base + self.mask.trailing_zeros() as usize;
            self.mask &= self.mask - 1;
            if p >= from {
                return Some(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Option<(usize, Vec<String>)> {
        let (mut buf, mut ends) = (Vec::new(), Vec::new());
        let input = text.as_bytes();
        let (n, bytes, gap) = match split(input, b',', Some(b'"'), 1000, &mut buf, &mut ends)? {
            Quick::Verbatim(n) => (n, input, 1),
            Quick::Copied(n) => (n, &buf[..], 0),
        };
        let mut start = 0;
        let fields = ends
            .iter()
            .map(|&e| {
                let f = String::from_utf8(bytes[start..e].to_vec()).unwrap();
                start = e + gap;
                f
            })
            .collect();
        Some((n, fields))
    }

    #[test]
    fn plain_and_quoted_records_are_split() {
        assert_eq!(
            run("a,,b\nx"),
            Some((5, vec!["a".into(), "".into(), "b".into()]))
        );
        assert_eq!(run("a,b\r\n"), Some((5, vec!["a".into(), "b".into()])));
        assert_eq!(
            run("\"x,\"\"y\"\"\",,\"\"\r\nz"),
            Some((15, vec!["x,\"y\"".into(), "".into(), "".into()]))
        );
        assert_eq!(run("1,\"a\"\n"), Some((6, vec!["1".into(), "a".into()])));
        // A quote inside a field is an ordinary byte.
        assert_eq!(run("a\"b,c\n"), Some((6, vec!["a\"b".into(), "c".into()])));
    }

    #[test]
    fn a_quote_past_the_first_blocks_is_read_where_the_scan_stands() {
        // Plain fields over two 64-byte blocks, then a quoted field, a quote inside a
        // field, and a quoted field again.
        let plain: Vec<String> = (0..30).map(|i| format!("f{i}")).collect();
        let text = format!("{},\"q,\"\"x\",a\"b,\"\"\nnext", plain.join(","));
        let (n, fields) = run(&text).unwrap();
        assert_eq!(n, text.len() - "next".len());
        let mut want = plain.clone();
        want.extend(["q,\"x".to_string(), "a\"b".to_string(), String::new()]);
        assert_eq!(fields, want);
    }

    #[test]
    fn the_hard_cases_are_declined() {
        for text in [
            "a,b",            // not complete
            "a\rb\n",         // lone CR
            "\"a\nb\",c\n",   // line break in quotes
            "\"a\"b,c\n",     // text after a closing quote
            "\"a\"",          // the record may go on
            "\"open,field\n", // never closed here
        ] {
            assert!(run(text).is_none(), "{text:?}");
        }
    }
}
