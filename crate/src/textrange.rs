//! The least and greatest of many texts, in byte order (UTF-8 order, the one Arrow and
//! Parquet compare text in), kept as each value goes by: the report's min/max of a text
//! column and a text chunk's statistics.
//!
//! Most values are neither a new least nor a new greatest, and most differ from both in
//! their first 8 bytes: a value is placed by those bytes as one integer, and its whole
//! bytes are compared only on a tie. A slice comparison is a call to `memcmp`, which in
//! wasm is a call and a byte loop.

use std::cmp::Ordering;

/// A text's first 8 bytes as a big-endian integer (zeros past its end): two texts whose
/// prefixes differ are in the order of their prefixes.
#[inline]
pub fn prefix(v: &[u8]) -> u64 {
    match v.first_chunk::<8>() {
        Some(w) => u64::from_be_bytes(*w),
        None => v
            .iter()
            .enumerate()
            .fold(0, |k, (i, &b)| k | u64::from(b) << (56 - 8 * i)),
    }
}

/// Byte order of two texts, by their prefixes where they differ.
#[inline]
pub fn compare(a: &[u8], b: &[u8]) -> Ordering {
    prefix(a).cmp(&prefix(b)).then_with(|| a.cmp(b))
}

/// The least and greatest of the texts seen, each with its [`prefix`].
#[derive(Clone, Debug)]
pub struct TextRange {
    lo: (u64, Vec<u8>),
    hi: (u64, Vec<u8>),
}

impl TextRange {
    pub fn new(v: &[u8]) -> TextRange {
        let key = prefix(v);
        TextRange {
            lo: (key, v.to_vec()),
            hi: (key, v.to_vec()),
        }
    }

    /// Widens the range to take in `v` (copied only if it is a new least or greatest).
    #[inline]
    pub fn see(&mut self, v: &[u8]) {
        let key = prefix(v);
        if (key, v) < (self.lo.0, &self.lo.1[..]) {
            self.lo = (key, v.to_vec());
        } else if (key, v) > (self.hi.0, &self.hi.1[..]) {
            self.hi = (key, v.to_vec());
        }
    }

    /// Widens `range`, which may hold no text yet, to take in `v`.
    #[inline]
    pub fn widen(range: &mut Option<TextRange>, v: &[u8]) {
        match range {
            Some(r) => r.see(v),
            None => *range = Some(TextRange::new(v)),
        }
    }

    pub fn lo(&self) -> &[u8] {
        &self.lo.1
    }

    pub fn hi(&self) -> &[u8] {
        &self.hi.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn texts_compare_as_their_bytes(
            a in proptest::collection::vec(any::<u8>(), 0..20),
            b in proptest::collection::vec(any::<u8>(), 0..20),
            shared in proptest::collection::vec(any::<u8>(), 0..12),
        ) {
            // A shared start makes the prefixes tie often, as real texts do.
            let (a, b) = ([&shared[..], &a[..]].concat(), [&shared[..], &b[..]].concat());
            prop_assert_eq!(compare(&a, &b), a.cmp(&b));
        }

        #[test]
        fn a_range_holds_the_least_and_the_greatest(
            values in proptest::collection::vec(
                proptest::collection::vec(0u8..4, 0..12), 1..40),
        ) {
            let mut range = None;
            for v in &values {
                TextRange::widen(&mut range, v);
            }
            let range = range.unwrap();
            prop_assert_eq!(range.lo(), values.iter().min().unwrap().as_slice());
            prop_assert_eq!(range.hi(), values.iter().max().unwrap().as_slice());
        }
    }
}
