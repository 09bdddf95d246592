//! Per-column statistics of the first pass. A column starts as "could be anything" and each
//! value strikes out the types it does not fit; once only text is left, values are no longer
//! classified at all. Nothing here allocates per value except the distinct-value set, which
//! stops at a cap.

use crate::value::{self, DateFormat};
use rustc_hash::FxHashSet;

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
    pub distinct: Option<FxHashSet<Box<[u8]>>>,
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
            distinct: Some(FxHashSet::default()),
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
            distinct: self.distinct.as_ref().map(|_| FxHashSet::default()),
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
                a.extend(b);
                (a.len() <= self.distinct_cap).then_some(a)
            }
            _ => None,
        };
    }

    #[inline]
    pub fn observe(&mut self, b: &[u8], tokens: &Tokens) {
        if b.is_empty() {
            self.empty += 1;
            return;
        }
        if let Some(set) = &mut self.distinct {
            if !set.contains(b) {
                if set.len() >= self.distinct_cap || b.len() > MAX_CATEGORY_VALUE_BYTES {
                    self.distinct = None;
                } else {
                    set.insert(b.into());
                }
            }
        }
        if tokens.contains(b) {
            self.tokens += 1;
            if value::is_nan(b) {
                self.nan_tokens += 1;
            }
            return;
        }
        self.values += 1;
        if self.mask != 0 {
            self.classify(b);
        }
    }

    fn classify(&mut self, b: &[u8]) {
        let m = self.mask;
        let mut keep = 0;
        if m & bits::BOOL != 0 && value::parse_bool(b).is_some() {
            keep |= bits::BOOL;
        }
        let mut float_known = false;
        if m & bits::INT != 0 {
            if let Some(v) = value::parse_int(b) {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
