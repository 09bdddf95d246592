//! The common records split with vector compares instead of byte by byte. csv-core's state machine
//! costs some fifteen instructions per byte, and most records of most files need none of its
//! cases: they sit on one line, and their quoted fields (if any) are closed on it. Such a
//! record is split here; anything else (a line break inside quotes, a lone CR, text after a
//! closing quote, a record not complete in the input) is declined before anything is
//! consumed, and csv-core reads it. What is split here is what csv-core would make of it (a
//! property test in `parse` holds the two to that).

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
    // The common case, spelled out: one mask per block, every delimiter an end.
    let mut base = 0;
    while base < input.len() {
        let mut mask = mask64(&input[base..], needles);
        while mask != 0 {
            let p = base + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            match input[p] {
                c if c == delimiter => ends.push(p),
                b'\n' | b'\r' => {
                    let consumed = line_end(input, p).filter(|_| p <= limit)?;
                    ends.push(p);
                    return Some(Quick::Verbatim(consumed));
                }
                _ => return copied(input, delimiter, quote?, limit, buf, ends).map(Quick::Copied),
            }
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

/// A record with quoted fields, field by field.
fn copied(
    input: &[u8],
    delimiter: u8,
    q: u8,
    limit: usize,
    buf: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> Option<usize> {
    buf.clear();
    ends.clear();
    let mut specials = Specials::new(input, [delimiter, b'\n', b'\r', q]);
    let mut pos = 0;
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
/// 64 bytes at a time with vector compares (SSE2, or wasm's SIMD): far cheaper than a call
/// to `memchr` per field.
struct Specials<'a> {
    input: &'a [u8],
    needles: [u8; 4],
    /// Start of the block `mask` describes.
    base: usize,
    mask: u64,
}

impl<'a> Specials<'a> {
    fn new(input: &'a [u8], needles: [u8; 4]) -> Specials<'a> {
        let mask = mask64(input, needles);
        Specials {
            input,
            needles,
            base: 0,
            mask,
        }
    }

    /// The next position at or after `from`.
    #[inline]
    fn next_from(&mut self, from: usize) -> Option<usize> {
        loop {
            while self.mask == 0 {
                self.base += 64;
                if self.base >= self.input.len() {
                    return None;
                }
                self.mask = mask64(&self.input[self.base..], self.needles);
            }
            let p = self.base + self.mask.trailing_zeros() as usize;
            self.mask &= self.mask - 1;
            if p >= from {
                return Some(p);
            }
        }
    }
}

/// Bit `i` set: `block[i]` is one of the needles (only the first 64 bytes are looked at).
#[inline]
fn mask64(block: &[u8], n: [u8; 4]) -> u64 {
    match block.first_chunk::<64>() {
        Some(block) => vector::mask64(block, n),
        None => scalar_mask(block, n),
    }
}

fn scalar_mask(block: &[u8], n: [u8; 4]) -> u64 {
    block.iter().take(64).enumerate().fold(0, |m, (i, &b)| {
        m | (u64::from(b == n[0] || b == n[1] || b == n[2] || b == n[3]) << i)
    })
}

#[cfg(target_arch = "x86_64")]
mod vector {
    use std::arch::x86_64::*;

    #[inline]
    pub fn mask64(block: &[u8; 64], n: [u8; 4]) -> u64 {
        // SAFETY: SSE2 is part of every x86_64 CPU; each load reads 16 bytes of `block`.
        unsafe {
            let [a, b, c, d] = n.map(|x| _mm_set1_epi8(x as i8));
            let mut m = 0u64;
            for k in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast());
                let hit = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)),
                    _mm_or_si128(_mm_cmpeq_epi8(v, c), _mm_cmpeq_epi8(v, d)),
                );
                m |= u64::from(_mm_movemask_epi8(hit) as u16) << (16 * k);
            }
            m
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod vector {
    use core::arch::wasm32::*;

    #[inline]
    pub fn mask64(block: &[u8; 64], n: [u8; 4]) -> u64 {
        let [a, b, c, d] = n.map(|x| u8x16_splat(x));
        let mut m = 0u64;
        for k in 0..4 {
            // SAFETY: reads 16 bytes of `block`; v128_load needs no alignment.
            let v = unsafe { v128_load(block.as_ptr().add(16 * k).cast()) };
            let hit = v128_or(
                v128_or(u8x16_eq(v, a), u8x16_eq(v, b)),
                v128_or(u8x16_eq(v, c), u8x16_eq(v, d)),
            );
            m |= u64::from(u8x16_bitmask(hit)) << (16 * k);
        }
        m
    }
}

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
mod vector {
    #[inline]
    pub fn mask64(block: &[u8; 64], n: [u8; 4]) -> u64 {
        super::scalar_mask(block, n)
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

    #[test]
    fn vector_masks_match_the_scalar_one() {
        let needles = [b',', b'\n', b'\r', b'"'];
        let mut block = [0u8; 64];
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..1000 {
            for b in block.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = b",\n\r\"a\xff"[(x % 6) as usize];
            }
            assert_eq!(
                vector::mask64(&block, needles),
                scalar_mask(&block, needles)
            );
        }
    }
}
