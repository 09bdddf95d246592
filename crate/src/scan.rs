//! Per-column statistics of the first pass. A column starts as "could be anything" and each
//! value strikes out the types it does not fit; once only text is left, values are no longer
//! classified at all. Nothing here allocates per value: the distinct-value set keeps integers
//! as numbers and texts in one buffer, and stops at a cap.

use crate::value::{self, DateFormat};
use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashSet};
use std::hash::BuildHasher;

/// Candidate types as bits of a mask.
pub mod bits {
    pub const BOOL: u16 = 1 << 0;
    pub const INT: u16 = 1 << 1;
    pub const FLOAT: u16 = 1 << 2;
    /// One bit per [`crate::value::DateFormat`], in the order of `DateFormat::ALL`.
    pub const DATE0: u16 = 1 << 3;
    pub const DATES: u16 = 0b11_1111 << 3;
    pub const TIMESTAMP: u16 = 1 << 9;
    pub const TIME: u16 = 1 << 10;
    pub const ALL: u16 = (1 << 11) - 1;
}

/// Values longer than this never make a category, so the distinct set stays small.
const MAX_CATEGORY_VALUE_BYTES: usize = 256;

/// The null tokens. Most fields are no token, and are told so by their length and first
/// byte alone, before any comparison.
pub struct Tokens {
    tokens: Vec<Box<[u8]>>,
    /// Bit `n` set: some token is `n` bytes long (tokens longer than 63 bytes set bit 63).
    lengths: u64,
    /// Bit `b` set: some token starts with byte `b`.
    firsts: [u64; 4],
}

impl Tokens {
    pub fn new(tokens: &[String]) -> Tokens {
        let tokens: Vec<Box<[u8]>> = tokens
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| t.as_bytes().into())
            .collect();
        let (mut lengths, mut firsts) = (0u64, [0u64; 4]);
        for t in &tokens {
            lengths |= 1 << t.len().min(63);
            firsts[t[0] as usize / 64] |= 1 << (t[0] % 64);
        }
        Tokens {
            tokens,
            lengths,
            firsts,
        }
    }

    #[inline]
    pub fn contains(&self, b: &[u8]) -> bool {
        let Some(&first) = b.first() else {
            return false;
        };
        self.lengths >> b.len().min(63) & 1 != 0
            && self.firsts[first as usize / 64] >> (first % 64) & 1 != 0
            && self.tokens.iter().any(|t| **t == *b)
    }

    /// Which token `b` is, if it is one.
    pub fn index(&self, b: &[u8]) -> Option<usize> {
        self.tokens.iter().position(|t| **t == *b)
    }
}

#[derive(Clone, Debug)]
pub struct ColumnScan {
    pub mask: u16,
    /// Non-empty fields that are not null tokens.
    pub values: u64,
    pub empty: u64,
    pub tokens: u64,
    /// Null tokens that a float column reads as NaN (`NaN`, `nan`), not as null.
    pub nan_tokens: u64,
    pub int_min: i128,
    pub int_max: i128,
    pub f32_exact: bool,
    pub f64_exact: bool,
    pub decimals: u32,
    /// Most fraction-of-second digits seen in timestamps or times.
    pub frac_digits: u8,
    pub with_offset: u64,
    pub without_offset: u64,
    pub ts_min_seconds: i64,
    pub ts_max_seconds: i64,
    /// Distinct raw values (tokens included), or `None` once past the cap.
    pub distinct: Option<Distinct>,
    distinct_cap: usize,
}

/// What a column's null count will be depends on the type it gets.
#[derive(Clone, Copy, Debug)]
pub struct NullCounts {
    empty: u64,
    tokens: u64,
    nan_tokens: u64,
}

impl NullCounts {
    /// Empty fields are always null; null tokens are null unless the column is text (where
    /// they stay text); in a float column `NaN` is a value.
    pub fn nulls(&self, kind: &crate::infer::Kind) -> u64 {
        use crate::infer::Kind;
        match kind {
            Kind::Text | Kind::Category(_) => self.empty,
            Kind::Float32 | Kind::Float64 => self.empty + self.tokens - self.nan_tokens,
            _ => self.empty + self.tokens,
        }
    }
}

impl ColumnScan {
    /// `distinct_cap`: how many distinct values to keep before giving up on the set.
    pub fn new(distinct_cap: usize) -> ColumnScan {
        ColumnScan {
            mask: bits::ALL,
            values: 0,
            empty: 0,
            tokens: 0,
            nan_tokens: 0,
            int_min: i128::MAX,
            int_max: i128::MIN,
            f32_exact: true,
            f64_exact: true,
            decimals: 0,
            frac_digits: 0,
            with_offset: 0,
            without_offset: 0,
            ts_min_seconds: i64::MAX,
            ts_max_seconds: i64::MIN,
            distinct: Some(Distinct::default()),
            distinct_cap,
        }
    }

    pub fn null_counts(&self) -> NullCounts {
        NullCounts {
            empty: self.empty,
            tokens: self.tokens,
            nan_tokens: self.nan_tokens,
        }
    }

    /// Nothing more can change the column's type: it is text with too many distinct values
    /// for a category. Its remaining fields need not be looked at.
    pub fn settled(&self) -> bool {
        self.mask == 0 && self.distinct.is_none() && self.values > 0
    }

    /// An empty scan of the same column, for a slice of rows scanned on another thread.
    pub fn fork(&self) -> ColumnScan {
        ColumnScan {
            mask: self.mask,
            f32_exact: self.f32_exact,
            f64_exact: self.f64_exact,
            distinct: self.distinct.as_ref().map(|_| Distinct::default()),
            ..ColumnScan::new(self.distinct_cap)
        }
    }

    /// Folds in a fork's findings; the order of merging does not matter.
    pub fn merge(&mut self, t: ColumnScan) {
        self.mask &= t.mask;
        self.values += t.values;
        self.empty += t.empty;
        self.tokens += t.tokens;
        self.nan_tokens += t.nan_tokens;
        self.int_min = self.int_min.min(t.int_min);
        self.int_max = self.int_max.max(t.int_max);
        self.f32_exact &= t.f32_exact;
        self.f64_exact &= t.f64_exact;
        self.decimals = self.decimals.max(t.decimals);
        self.frac_digits = self.frac_digits.max(t.frac_digits);
        self.with_offset += t.with_offset;
        self.without_offset += t.without_offset;
        self.ts_min_seconds = self.ts_min_seconds.min(t.ts_min_seconds);
        self.ts_max_seconds = self.ts_max_seconds.max(t.ts_max_seconds);
        self.distinct = match (self.distinct.take(), t.distinct) {
            (Some(mut a), Some(b)) => {
                a.ints.extend(b.ints);
                for (hash, v) in b.texts.iter() {
                    a.texts.insert(hash, v);
                }
                (a.len() <= self.distinct_cap).then_some(a)
            }
            _ => None,
        };
        self.settle_ints();
    }

    #[inline]
    pub fn observe(&mut self, b: &[u8], tokens: &Tokens) {
        let seen = self.observe_kind(b, tokens);
        self.note(b, seen);
    }

    /// Adds value `b`, which [`ColumnScan::observe_kind`] saw as `seen`, to the distinct set.
    #[inline]
    pub fn note(&mut self, b: &[u8], seen: Seen) {
        match seen {
            Seen::Empty => {}
            Seen::Int(v) => self.note_int(v),
            Seen::Other => self.note_text(b),
        }
    }

    /// Adds a value that is not a canonical integer of a column that may be integer to the
    /// distinct set, or drops the set past the cap.
    #[inline]
    fn note_text(&mut self, b: &[u8]) {
        self.note_hashed_text(text_hash(b), b);
    }

    /// [`ColumnScan::note_text`] with the value's [`text_hash`] known.
    #[inline]
    fn note_hashed_text(&mut self, hash: u64, b: &[u8]) {
        if let Some(set) = &mut self.distinct {
            if !set.texts.contains(hash, b) {
                if set.len() >= self.distinct_cap || b.len() > MAX_CATEGORY_VALUE_BYTES {
                    self.distinct = None;
                } else {
                    set.texts.insert(hash, b);
                }
            }
        }
    }

    /// Adds an integer to the distinct set: as a number while the column may be integer,
    /// else as its text.
    #[inline]
    fn note_int(&mut self, v: i128) {
        if self.mask & bits::INT == 0 {
            self.note_text(v.to_string().as_bytes());
        } else if let Some(set) = &mut self.distinct {
            if !set.ints.contains(&v) {
                if set.len() >= self.distinct_cap {
                    self.distinct = None;
                } else {
                    set.ints.insert(v);
                }
            }
        }
    }

    /// Once the column cannot be integer, its integers are kept as text like its other
    /// values: the same text then always lands in the same set.
    fn settle_ints(&mut self) {
        if self.mask & bits::INT == 0 {
            if let Some(set) = &mut self.distinct {
                set.ints_to_texts();
            }
        }
    }

    /// Whether the column still counts distinct values, and up to how many.
    pub fn distinct_cap(&self) -> Option<usize> {
        self.distinct.as_ref().map(|_| self.distinct_cap)
    }

    /// [`ColumnScan::observe`] but for the distinct set, which the caller keeps: what
    /// the value is, for that set.
    #[inline]
    pub fn observe_kind(&mut self, b: &[u8], tokens: &Tokens) -> Seen {
        if b.is_empty() {
            self.empty += 1;
            return Seen::Empty;
        }
        if tokens.contains(b) {
            self.tokens += 1;
            if value::is_nan(b) {
                self.nan_tokens += 1;
            }
            return Seen::Other;
        }
        self.values += 1;
        if self.mask == 0 {
            return Seen::Other;
        }
        match self.classify(b) {
            Some(v) => Seen::Int(v),
            None => Seen::Other,
        }
    }

    /// Strikes out the types `b` does not fit; returns it as an integer while the column
    /// may be integer.
    fn classify(&mut self, b: &[u8]) -> Option<i128> {
        let m = self.mask;
        let mut int = None;
        let mut keep = 0;
        if m & bits::BOOL != 0 && value::parse_bool(b).is_some() {
            keep |= bits::BOOL;
        }
        let mut float_known = false;
        if m & bits::INT != 0 {
            if let Some(v) = value::parse_int(b) {
                int = Some(v);
                keep |= bits::INT;
                self.int_min = self.int_min.min(v);
                self.int_max = self.int_max.max(v);
                // An integer is a float too, and up to 2^24 (2^53) float32 (float64) holds
                // it exactly, its digits as the shortest representation: no need to parse
                // it again as a float to know what the float statistics would learn.
                let mag = v.unsigned_abs();
                if m & bits::FLOAT != 0 && mag <= 1 << 53 && (mag <= 1 << 24 || !self.f32_exact) {
                    keep |= bits::FLOAT;
                    float_known = true;
                }
            }
        }
        if m & bits::FLOAT != 0 && !float_known {
            if let Some(f) = value::parse_float(b) {
                keep |= bits::FLOAT;
                self.f32_exact = self.f32_exact && f.f32_exact(b);
                self.f64_exact = self.f64_exact && (self.f32_exact || f.f64_exact(b));
                self.decimals = self.decimals.max(f.decimals);
            }
        }
        if m & bits::DATES != 0 {
            for (i, f) in DateFormat::ALL.iter().enumerate() {
                let bit = bits::DATE0 << i;
                if m & bit != 0 && f.parse(b).is_some() {
                    keep |= bit;
                }
            }
        }
        if m & bits::TIMESTAMP != 0 {
            if let Some(t) = value::parse_timestamp(b) {
                keep |= bits::TIMESTAMP;
                self.frac_digits = self.frac_digits.max(t.frac_digits);
                if t.has_offset {
                    self.with_offset += 1;
                } else {
                    self.without_offset += 1;
                }
                self.ts_min_seconds = self.ts_min_seconds.min(t.seconds);
                self.ts_max_seconds = self.ts_max_seconds.max(t.seconds);
            }
        }
        if m & bits::TIME != 0 {
            if let Some((_, frac)) = value::parse_time(b) {
                keep |= bits::TIME;
                self.frac_digits = self.frac_digits.max(frac);
            }
        }
        self.mask = keep;
        if m & bits::INT != 0 && keep & bits::INT == 0 {
            self.settle_ints();
        }
        int
    }
}

/// What a value is, for the distinct set.
pub enum Seen {
    Empty,
    /// A canonical integer (see [`value::parse_int`]) while the column may be integer.
    Int(i128),
    /// Anything else: a null token, or a value of a column that cannot be integer.
    Other,
}

/// A column's distinct raw values. While the column may be integer its values are
/// canonical integers, one text each, and are kept as numbers: no allocation, and a
/// compare of two words rather than of bytes. Null tokens and, once the column cannot be
/// integer, all values are kept as text.
#[derive(Clone, Debug, Default)]
pub struct Distinct {
    pub ints: FxHashSet<i128>,
    pub texts: TextSet,
}

impl Distinct {
    pub fn len(&self) -> usize {
        self.ints.len() + self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn ints_to_texts(&mut self) {
        for v in self.ints.drain() {
            let b = v.to_string();
            self.texts.insert(text_hash(b.as_bytes()), b.as_bytes());
        }
    }

    /// The values as text.
    pub fn into_values(mut self) -> Vec<Box<[u8]>> {
        self.ints_to_texts();
        self.texts.iter().map(|(_, v)| v.into()).collect()
    }
}

/// The hash of a text value in the distinct sets.
#[inline]
pub fn text_hash(b: &[u8]) -> u64 {
    FxBuildHasher.hash_one(b)
}

/// Whether two short values are equal, without a call to `memcmp` (in wasm a call and a
/// byte loop): 8 bytes at a time, then the rest. Asked where the answer is nearly always
/// yes (the hashes matched already), of values most of which are a few bytes long.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 64 {
        return a == b;
    }
    let (wa, ra) = a.as_chunks::<8>();
    let (wb, rb) = b.as_chunks::<8>();
    let word = |w: &[u8; 8]| u64::from_ne_bytes(*w);
    wa.iter().zip(wb).all(|(x, y)| word(x) == word(y)) && ra.iter().zip(rb).all(|(x, y)| x == y)
}

/// A set of texts held in one buffer: no allocation per value (a float column allocated
/// a thousand boxed values before its set reached the cap), and a value's whole hash is
/// compared before its bytes.
#[derive(Clone, Default)]
pub struct TextSet {
    bytes: Vec<u8>,
    /// (hash, start in `bytes`, length) of each value.
    table: HashTable<(u64, u32, u32)>,
}

/// The values, sorted: the same for the same values, whatever order they came in.
impl std::fmt::Debug for TextSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut values: Vec<&[u8]> = self.iter().map(|(_, v)| v).collect();
        values.sort();
        f.debug_set()
            .entries(values.iter().map(|v| String::from_utf8_lossy(v)))
            .finish()
    }
}

impl TextSet {
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    fn value(bytes: &[u8], start: u32, len: u32) -> &[u8] {
        &bytes[start as usize..start as usize + len as usize]
    }

    /// Whether `b`, of [`text_hash`] `hash`, is in the set.
    #[inline]
    pub fn contains(&self, hash: u64, b: &[u8]) -> bool {
        self.table
            .find(hash, |&(h, s, l)| {
                h == hash && same(Self::value(&self.bytes, s, l), b)
            })
            .is_some()
    }

    /// Adds `b`, of [`text_hash`] `hash`, unless it is in the set.
    pub fn insert(&mut self, hash: u64, b: &[u8]) {
        let TextSet { bytes, table } = self;
        let entry = table.entry(
            hash,
            |&(h, s, l)| h == hash && same(Self::value(bytes, s, l), b),
            |&(h, _, _)| h,
        );
        if let hashbrown::hash_table::Entry::Vacant(v) = entry {
            v.insert((hash, bytes.len() as u32, b.len() as u32));
            bytes.extend_from_slice(b);
        }
    }

    /// The values, with their hashes.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &[u8])> + '_ {
        self.table
            .iter()
            .map(|&(h, s, l)| (h, Self::value(&self.bytes, s, l)))
    }
}

/// The distinct values of one column in one batch, kept as the row where each first occurs
/// rather than as copies: a batch observed on its own thread finds its values without an
/// allocation per value, and the column's set copies only those it has not seen (a set of
/// boxed values per batch cost 2,000 narrow columns 2 s of `malloc` per 23 MB).
pub struct BatchDistinct {
    /// (hash, row) of each distinct value so far but integers.
    table: HashTable<(u64, u32)>,
    /// Integers of a column that may be integer (see [`Distinct`]).
    ints: FxHashSet<i128>,
    cap: usize,
    /// More than `cap` distinct values, or one too long for a category.
    over: bool,
}

impl BatchDistinct {
    /// For `rows` values of `column`, if it still counts distinct values. The set its
    /// values will go to starts with room for a few: growing from nothing, rehash by
    /// rehash, cost a column of a thousand integers 7 allocations a batch.
    pub fn for_column(column: &ColumnScan, rows: usize) -> Option<BatchDistinct> {
        let cap = column.distinct_cap()?;
        let room = rows.min(cap).min(128);
        let mut d = BatchDistinct {
            table: HashTable::new(),
            ints: FxHashSet::default(),
            cap,
            over: false,
        };
        if column.mask & bits::INT != 0 {
            d.ints.reserve(room);
        } else {
            d.table.reserve(room, |&(h, _)| h);
        }
        Some(d)
    }

    /// Notes value `b`, found at `row` and seen as `seen`; `value_at(r)` is the value at
    /// row `r`.
    #[inline]
    pub fn note<'a>(
        &mut self,
        b: &[u8],
        seen: Seen,
        row: usize,
        value_at: impl Fn(usize) -> &'a [u8],
    ) {
        if self.over {
            return;
        }
        let len = self.table.len() + self.ints.len();
        let hash = match seen {
            Seen::Empty => return,
            Seen::Int(v) => {
                if !self.ints.contains(&v) {
                    if len >= self.cap {
                        self.set_over();
                    } else {
                        self.ints.insert(v);
                    }
                }
                return;
            }
            // The column stopped being integer within the batch: its integers so far
            // stand for their texts.
            Seen::Other
                if !self.ints.is_empty()
                    && value::parse_int(b).is_some_and(|v| self.ints.contains(&v)) =>
            {
                return
            }
            Seen::Other => text_hash(b),
        };
        if self
            .table
            .find(hash, |&(h, r)| h == hash && same(value_at(r as usize), b))
            .is_some()
        {
            return;
        }
        if len >= self.cap || b.len() > MAX_CATEGORY_VALUE_BYTES {
            self.set_over();
            return;
        }
        self.table
            .insert_unique(hash, (hash, row as u32), |&(h, _)| h);
    }

    fn set_over(&mut self) {
        self.over = true;
        self.table = HashTable::new();
        self.ints = FxHashSet::default();
    }

    /// Folds the values into the column's set, as observing them there would have. The
    /// column must have merged the statistics of the same rows first.
    pub fn fold_into<'a>(self, scan: &mut ColumnScan, value_at: impl Fn(usize) -> &'a [u8]) {
        if self.over {
            scan.distinct = None;
            return;
        }
        for v in self.ints {
            scan.note_int(v);
        }
        for (hash, row) in self.table {
            scan.note_hashed_text(hash, value_at(row as usize));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn same_is_equality(
            shared in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
            a in proptest::collection::vec(0u8..3, 0..12),
            b in proptest::collection::vec(0u8..3, 0..12),
        ) {
            // A shared start and a tiny alphabet make equal values, and near misses, common.
            let (a, b) = ([&shared[..], &a[..]].concat(), [&shared[..], &b[..]].concat());
            proptest::prop_assert_eq!(same(&a, &b), a == b);
        }
    }

    fn scan(values: &[&str]) -> ColumnScan {
        let tokens = Tokens::new(&["NA".to_string(), "NaN".to_string()]);
        let mut c = ColumnScan::new(1000);
        for v in values {
            c.observe(v.as_bytes(), &tokens);
        }
        c
    }

    #[test]
    fn a_late_value_strikes_out_a_type() {
        let c = scan(&["1", "2", "", "NA", "3.5"]);
        assert_eq!(c.mask, bits::FLOAT);
        assert_eq!((c.values, c.empty, c.tokens), (3, 1, 1));
        let c = scan(&["01/02/2024", "13/02/2024"]);
        assert_eq!(c.mask, bits::DATE0 << 1); // day first
    }

    #[test]
    fn forks_merge_to_the_same_statistics() {
        let values = ["1", "200", "NA", "", "3.25", "7", "x"];
        let tokens = Tokens::new(&["NA".to_string()]);
        for cut in 0..values.len() {
            let mut whole = ColumnScan::new(10);
            values
                .iter()
                .for_each(|v| whole.observe(v.as_bytes(), &tokens));
            let mut a = ColumnScan::new(10);
            let mut b = a.fork();
            values[..cut]
                .iter()
                .for_each(|v| a.observe(v.as_bytes(), &tokens));
            values[cut..]
                .iter()
                .for_each(|v| b.observe(v.as_bytes(), &tokens));
            a.merge(b);
            assert_eq!(
                format!("{a:?}").len(),
                format!("{whole:?}").len(),
                "cut {cut}"
            );
            assert_eq!(
                (a.mask, a.values, a.empty, a.tokens),
                (whole.mask, whole.values, whole.empty, whole.tokens)
            );
            assert_eq!(a.distinct.map(|d| d.len()), whole.distinct.map(|d| d.len()));
        }
    }

    #[test]
    fn tokens_are_found_whatever_their_length() {
        let long = "x".repeat(70);
        let t = Tokens::new(&["NA".into(), "-".into(), long.clone(), String::new()]);
        for yes in ["NA", "-", long.as_str()] {
            assert!(t.contains(yes.as_bytes()), "{yes}");
        }
        for no in ["", "N", "NB", "--", "na", &long[1..], &format!("{long}x")] {
            assert!(!t.contains(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn distinct_set_stops_at_cap() {
        let mut c = ColumnScan::new(2);
        let t = Tokens::new(&[]);
        for v in ["a", "b", "a"] {
            c.observe(v.as_bytes(), &t);
        }
        assert_eq!(c.distinct.as_ref().map(|s| s.len()), Some(2));
        c.observe(b"c", &t);
        assert!(c.distinct.is_none());
    }

    /// The distinct values a column's set holds, as sorted texts.
    fn distinct_texts(c: &ColumnScan) -> Option<Vec<Box<[u8]>>> {
        let mut v = c.distinct.clone()?.into_values();
        v.sort();
        Some(v)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Batches observed on their own (statistics forked, distinct values by row) and
        /// folded in, in any order, give the column what observing every value in turn
        /// gives: the same distinct values, or none past the cap, whether the column stays
        /// integer or not, and however a value is spelt (`7`, `07`, a null token `-1`).
        #[test]
        fn batches_fold_into_the_distinct_set_that_observing_builds(
            values in proptest::collection::vec(
                proptest::sample::select(vec!["1", "7", "-3", "07", "-1", "NA", "x", "", "2.5"]),
                0..40,
            ),
            cuts in proptest::collection::vec(0usize..40, 0..4),
            cap in 1usize..8,
            reverse in proptest::bool::ANY,
        ) {
            let tokens = Tokens::new(&["NA".to_string(), "-1".to_string()]);
            let mut whole = ColumnScan::new(cap);
            values.iter().for_each(|v| whole.observe(v.as_bytes(), &tokens));

            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(values.len())).collect();
            cuts.extend([0, values.len()]);
            cuts.sort();
            let mut batches: Vec<&[&str]> = cuts.windows(2).map(|w| &values[w[0]..w[1]]).collect();
            if reverse {
                batches.reverse();
            }
            let mut column = ColumnScan::new(cap);
            for batch in batches {
                let mut fork = column.fork();
                let mut distinct = BatchDistinct::for_column(&column, batch.len());
                for (row, v) in batch.iter().enumerate() {
                    let seen = fork.observe_kind(v.as_bytes(), &tokens);
                    if let Some(d) = &mut distinct {
                        d.note(v.as_bytes(), seen, row, |r| batch[r].as_bytes());
                    }
                }
                column.merge(fork);
                if let Some(d) = distinct {
                    d.fold_into(&mut column, |r| batch[r].as_bytes());
                }
            }
            proptest::prop_assert_eq!(column.mask, whole.mask);
            proptest::prop_assert_eq!(distinct_texts(&column), distinct_texts(&whole));
            if let Some(v) = distinct_texts(&whole) {
                let mut texts: Vec<&[u8]> = values.iter().filter(|v| !v.is_empty()).map(|v| v.as_bytes()).collect();
                texts.sort();
                texts.dedup();
                proptest::prop_assert_eq!(v.iter().map(|b| &b[..]).collect::<Vec<_>>(), texts);
            }
        }
    }
}
