//! Records gathered into one flat buffer, so that a batch can be worked on column by column,
//! one column per thread: the parser is sequential, the per-field work is not.

use crate::error::RejectKind;
use crate::parse::Record;

/// Rows per batch, at most: enough to amortise a parallel step, few enough to stay small.
pub const BATCH_ROWS: usize = 16 * 1024;
/// Field bytes per batch, at most (wide or long-text files reach this before the row cap).
pub const BATCH_BYTES: usize = 4 << 20;

/// A row, in 40 bytes: a batch of short rows is mostly these.
struct Row {
    line: u64,
    /// Offset of the record's first byte in `bytes`, and of its first field end in `ends`.
    base: usize,
    first_end: usize,
    fields: usize,
    /// Bytes between fields (see [`Record::gap`]): 0 or 1.
    gap: u8,
    /// The row's problem is in [`Batch::problems`].
    problem: bool,
}

const _: () = assert!(std::mem::size_of::<Row>() <= 40);

/// The problem of a row, by the row's index: few rows have one.
type Problem = (usize, (RejectKind, Option<usize>));

/// `bytes.is_ascii()`, 64 bytes at a time: an OR of the block's words, which beats the
/// standard library's early-exit loop, in wasm most of all (a batch is almost always ASCII).
pub fn is_ascii(bytes: &[u8]) -> bool {
    let (blocks, rest) = bytes.as_chunks::<64>();
    blocks.iter().all(block_is_ascii) && rest.is_ascii()
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn block_is_ascii(b: &[u8; 64]) -> bool {
    let words = b.as_chunks::<8>().0.iter().map(|w| u64::from_le_bytes(*w));
    words.fold(0, |acc, w| acc | w) & 0x8080_8080_8080_8080 == 0
}

/// LLVM does not turn the word loop into wasm's vector instructions by itself.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn block_is_ascii(b: &[u8; 64]) -> bool {
    use core::arch::wasm32::*;
    // SAFETY: each load reads 16 of the block's 64 bytes; v128_load needs no alignment.
    let v = |k: usize| unsafe { v128_load(b.as_ptr().add(16 * k).cast()) };
    u8x16_bitmask(v128_or(v128_or(v(0), v(1)), v128_or(v(2), v(3)))) == 0
}

pub struct Batch {
    bytes: Vec<u8>,
    /// Field ends relative to their record's first byte, as the parser gives them.
    ends: Vec<usize>,
    rows: Vec<Row>,
    /// Rows with a problem, in row order.
    problems: Vec<Problem>,
    /// The fewest and most fields of a row: with `problems`, whether every row is sound is
    /// known without a look at each.
    fields: (usize, usize),
    /// The sum of [`Batch::text_bytes`] over the rows.
    text_bytes: usize,
    /// Whether `bytes` are all ASCII, once asked: the scan and the conversion both ask.
    ascii: std::sync::OnceLock<bool>,
    /// What a pass made of the batch on the thread that parsed it (see
    /// [`crate::rows::PieceWork`]), for the pass to take when it processes the batch.
    pub findings: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl Default for Batch {
    fn default() -> Batch {
        Batch::with_capacity(0, 0, 0)
    }
}

impl Batch {
    /// An empty batch with room for `bytes` of fields in `rows` rows of `fields` fields in
    /// all: a batch grown a row at a time would copy itself over and over.
    pub fn with_capacity(bytes: usize, rows: usize, fields: usize) -> Batch {
        Batch {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(fields),
            rows: Vec::with_capacity(rows),
            problems: Vec::new(),
            fields: (usize::MAX, 0),
            text_bytes: 0,
            ascii: std::sync::OnceLock::new(),
            findings: None,
        }
    }

    pub fn push(&mut self, r: &Record<'_>) {
        let (base, first_end) = (self.bytes.len(), self.ends.len());
        // Forgotten only once known: a store for every record otherwise.
        if self.ascii.get().is_some() {
            self.ascii.take();
        }
        self.bytes.extend_from_slice(r.bytes());
        self.ends.extend_from_slice(r.ends());
        self.rows.push(Row {
            line: r.line,
            base,
            first_end,
            fields: r.len(),
            gap: r.gap() as u8,
            problem: r.problem.is_some(),
        });
        if let Some(p) = r.problem {
            self.problems.push((self.rows.len() - 1, p));
        }
        self.fields = (self.fields.0.min(r.len()), self.fields.1.max(r.len()));
        self.text_bytes += self.text_bytes(self.rows.len() - 1);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_ascii(&self) -> bool {
        *self.ascii.get_or_init(|| is_ascii(&self.bytes))
    }

    pub fn is_full(&self) -> bool {
        self.rows.len() >= BATCH_ROWS || self.bytes.len() >= BATCH_BYTES
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.rows.clear();
        self.problems.clear();
        (self.fields, self.text_bytes) = ((usize::MAX, 0), 0);
        self.ascii.take();
        self.findings = None;
    }

    /// The sum of [`Batch::text_bytes`] over `rows`.
    pub fn text_bytes_of(&self, rows: std::ops::Range<usize>) -> usize {
        if rows == (0..self.rows.len()) {
            return self.text_bytes;
        }
        rows.map(|i| self.text_bytes(i)).sum()
    }

    /// The CSV text row `i` stands for, quotes aside: its fields and a delimiter or line
    /// break after each. The same whichever splitter read the row.
    pub fn text_bytes(&self, i: usize) -> usize {
        let r = &self.rows[i];
        let last_end = match r.fields {
            0 => 0,
            n => self.ends[r.first_end + n - 1],
        };
        // Back to back, the fields need their delimiters added; verbatim, they hold them.
        last_end + if r.gap == 0 { r.fields } else { 1 }
    }

    /// Row `i` as a record view.
    pub fn record(&self, i: usize) -> Record<'_> {
        let r = &self.rows[i];
        let ends = &self.ends[r.first_end..r.first_end + r.fields];
        let len = ends
            .last()
            .copied()
            .unwrap_or(0)
            .min(self.bytes.len() - r.base);
        Record::new(
            r.line,
            &self.bytes[r.base..r.base + len],
            ends,
            usize::from(r.gap),
            self.problem(i),
        )
    }

    /// Field `col` of row `row` (the row must have more than `col` fields).
    #[inline]
    pub fn field(&self, row: usize, col: usize) -> &[u8] {
        let r = &self.rows[row];
        let end = self.ends[r.first_end + col];
        let start = if col == 0 {
            0
        } else {
            self.ends[r.first_end + col - 1] + usize::from(r.gap)
        };
        self.bytes.get(r.base + start..r.base + end).unwrap_or(&[])
    }

    /// What rejects row `i` as a whole, if anything.
    fn problem(&self, i: usize) -> Option<(RejectKind, Option<usize>)> {
        if !self.rows[i].problem {
            return None;
        }
        let at = self.problems.binary_search_by_key(&i, |p| p.0).ok()?;
        Some(self.problems[at].1)
    }

    /// Whether every row is whole and of the expected width (or there are none).
    pub fn all_sound(&self, width: usize) -> bool {
        self.rows.is_empty() || self.problems.is_empty() && self.fields == (width, width)
    }

    /// Whether row `i` is whole and of the expected width.
    pub fn is_sound(&self, i: usize, width: usize) -> bool {
        !self.rows[i].problem && self.rows[i].fields == width
    }

    /// Rows that are whole and of the expected width: the ones worth looking at per field.
    pub fn sound_rows(&self, width: usize) -> Vec<usize> {
        if self.all_sound(width) {
            return (0..self.rows.len()).collect();
        }
        (0..self.rows.len())
            .filter(|&i| self.is_sound(i, width))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_row_counts_the_same_text_whichever_splitter_read_it() {
        use crate::parse::Record;
        let mut b = super::Batch::default();
        // "ab,c" kept verbatim, and the same fields back to back (csv-core's way).
        b.push(&Record::new(1, b"ab,c", &[2, 4], 1, None));
        b.push(&Record::new(2, b"abc", &[2, 3], 0, None));
        assert_eq!((b.text_bytes(0), b.text_bytes(1)), (5, 5));
        assert_eq!((b.field(0, 1), b.field(1, 1)), (&b"c"[..], &b"c"[..]));
    }

    #[test]
    fn what_a_batch_keeps_in_sums_matches_a_look_at_each_row() {
        use crate::error::RejectKind;
        use crate::parse::Record;
        let rows: [(&[u8], &[usize], usize, _); 4] = [
            (b"ab,c", &[2, 4], 1, None),
            (b"xyz", &[1, 3], 0, None),
            (b"q", &[1], 0, None),
            (b"r,s", &[1, 3], 1, Some((RejectKind::NulByte, Some(1)))),
        ];
        for n in 0..=rows.len() {
            let mut b = super::Batch::default();
            for (i, &(bytes, ends, gap, problem)) in rows[..n].iter().enumerate() {
                b.push(&Record::new(i as u64 + 1, bytes, ends, gap, problem));
            }
            for width in [1, 2] {
                let each: Vec<usize> = (0..n).filter(|&i| b.is_sound(i, width)).collect();
                assert_eq!(b.sound_rows(width), each, "{n} rows, width {width}");
                assert_eq!(
                    b.all_sound(width),
                    each.len() == n,
                    "{n} rows, width {width}"
                );
            }
            for (i, row) in rows[..n].iter().enumerate() {
                assert_eq!(b.record(i).problem, row.3, "row {i}");
            }
            let each: usize = (0..n).map(|i| b.text_bytes(i)).sum();
            assert_eq!(b.text_bytes_of(0..n), each);
            assert_eq!(
                b.text_bytes_of(1.min(n)..n),
                each - b.text_bytes_of(0..1.min(n))
            );
        }
    }

    #[test]
    fn ascii_is_told_in_blocks_and_the_rest() {
        for len in [0, 1, 63, 64, 65, 200] {
            let mut b = vec![b'a'; len];
            assert!(super::is_ascii(&b));
            for i in 0..len {
                b[i] = 0x80;
                assert!(!super::is_ascii(&b), "{len} {i}");
                b[i] = b'a';
            }
        }
    }
}
