//! Byte masks of 64-byte blocks found with vector compares (SSE2 natively, wasm's SIMD in
//! the browser builds, a scalar loop elsewhere): bit `i` of a mask is set when `block[i]`
//! is one of the bytes asked for. The splitter (`quick`) and the cutter (`cut`) walk text
//! by these masks instead of byte by byte. Blocks shorter than 64 bytes (the end of a
//! text) are looked at byte by byte; their missing bytes have no bits.

/// Bit `i` set: `block[i]` is one of the four needles (only the first 64 bytes count).
#[inline]
pub fn any_of(block: &[u8], n: [u8; 4]) -> u64 {
    match block.first_chunk::<64>() {
        Some(block) => vector::any_of(block, n),
        None => scalar_any_of(block, n),
    }
}

/// Two masks: of the first needle, and of any of the other three.
#[inline]
pub fn one_and_others(block: &[u8], n: [u8; 4]) -> [u64; 2] {
    match block.first_chunk::<64>() {
        Some(block) => vector::one_and_others(block, n),
        None => scalar_one_and_others(block, n),
    }
}

/// One mask per needle: bit `i` of the `k`th is set when `block[i]` is `n[k]`.
#[inline]
pub fn each_of(block: &[u8], n: [u8; 2]) -> [u64; 2] {
    match block.first_chunk::<64>() {
        Some(block) => vector::each_of(block, n),
        None => scalar_each_of(block, n),
    }
}

/// Bit `i` set: an odd number of bits at or below `i` are set in `x` (for a mask of quotes,
/// the bytes inside quotes and the opening quotes). Six shifts rather than a carry-less
/// multiply, which wasm lacks.
#[inline]
pub fn prefix_xor(mut x: u64) -> u64 {
    for s in [1, 2, 4, 8, 16, 32] {
        x ^= x << s;
    }
    x
}

/// The bits below bit `n` (all of them for `n` ≥ 64).
#[inline]
pub fn below(n: usize) -> u64 {
    if n >= 64 {
        !0
    } else {
        (1 << n) - 1
    }
}

/// Masks of the first 64 bytes of `block`, byte by byte: bit `i` of mask `k` is set when
/// `test(block[i])[k]` holds. The fallback of the vector code, and its reference.
fn scalar<const K: usize>(block: &[u8], test: impl Fn(u8) -> [bool; K]) -> [u64; K] {
    let mut m = [0; K];
    for (i, &b) in block.iter().take(64).enumerate() {
        for (m, t) in m.iter_mut().zip(test(b)) {
            *m |= u64::from(t) << i;
        }
    }
    m
}

fn scalar_any_of(block: &[u8], n: [u8; 4]) -> u64 {
    scalar(block, |b| [n.contains(&b)])[0]
}

fn scalar_one_and_others(block: &[u8], n: [u8; 4]) -> [u64; 2] {
    scalar(block, |b| [b == n[0], n[1..].contains(&b)])
}

fn scalar_each_of(block: &[u8], n: [u8; 2]) -> [u64; 2] {
    scalar(block, |b| [b == n[0], b == n[1]])
}

#[cfg(target_arch = "x86_64")]
mod vector {
    use std::arch::x86_64::*;

    /// One equality mask of `block` per needle, 16 bytes at a time.
    #[inline]
    fn lanes<const N: usize>(block: &[u8; 64], n: [u8; N]) -> [u64; N] {
        // SAFETY: SSE2 is part of every x86_64 CPU; each load reads 16 bytes of `block`.
        unsafe {
            let needles = n.map(|x| _mm_set1_epi8(x as i8));
            let mut m = [0u64; N];
            for k in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast());
                for (m, x) in m.iter_mut().zip(needles) {
                    *m |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, x)) as u16) << (16 * k);
                }
            }
            m
        }
    }

    #[inline]
    pub fn any_of(block: &[u8; 64], n: [u8; 4]) -> u64 {
        // SAFETY: as in `lanes`.
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

    #[inline]
    pub fn each_of(block: &[u8; 64], n: [u8; 2]) -> [u64; 2] {
        lanes(block, n)
    }

    #[inline]
    pub fn one_and_others(block: &[u8; 64], n: [u8; 4]) -> [u64; 2] {
        // SAFETY: as in `lanes`.
        unsafe {
            let [a, b, c, d] = n.map(|x| _mm_set1_epi8(x as i8));
            let mut m = [0u64; 2];
            for k in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast());
                let others = _mm_or_si128(
                    _mm_cmpeq_epi8(v, b),
                    _mm_or_si128(_mm_cmpeq_epi8(v, c), _mm_cmpeq_epi8(v, d)),
                );
                m[0] |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, a)) as u16) << (16 * k);
                m[1] |= u64::from(_mm_movemask_epi8(others) as u16) << (16 * k);
            }
            m
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod vector {
    use core::arch::wasm32::*;

    #[inline]
    fn load(block: &[u8; 64], k: usize) -> v128 {
        // SAFETY: reads 16 bytes of `block` (k < 4); v128_load needs no alignment.
        unsafe { v128_load(block.as_ptr().add(16 * k).cast()) }
    }

    #[inline]
    pub fn any_of(block: &[u8; 64], n: [u8; 4]) -> u64 {
        let [a, b, c, d] = n.map(|x| u8x16_splat(x));
        let mut m = 0u64;
        for k in 0..4 {
            let v = load(block, k);
            let hit = v128_or(
                v128_or(u8x16_eq(v, a), u8x16_eq(v, b)),
                v128_or(u8x16_eq(v, c), u8x16_eq(v, d)),
            );
            m |= u64::from(u8x16_bitmask(hit)) << (16 * k);
        }
        m
    }

    #[inline]
    pub fn each_of(block: &[u8; 64], n: [u8; 2]) -> [u64; 2] {
        let [a, b] = n.map(|x| u8x16_splat(x));
        let mut m = [0u64; 2];
        for k in 0..4 {
            let v = load(block, k);
            m[0] |= u64::from(u8x16_bitmask(u8x16_eq(v, a))) << (16 * k);
            m[1] |= u64::from(u8x16_bitmask(u8x16_eq(v, b))) << (16 * k);
        }
        m
    }

    #[inline]
    pub fn one_and_others(block: &[u8; 64], n: [u8; 4]) -> [u64; 2] {
        let [a, b, c, d] = n.map(|x| u8x16_splat(x));
        let mut m = [0u64; 2];
        for k in 0..4 {
            let v = load(block, k);
            let others = v128_or(u8x16_eq(v, b), v128_or(u8x16_eq(v, c), u8x16_eq(v, d)));
            m[0] |= u64::from(u8x16_bitmask(u8x16_eq(v, a))) << (16 * k);
            m[1] |= u64::from(u8x16_bitmask(others)) << (16 * k);
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
    pub fn any_of(block: &[u8; 64], n: [u8; 4]) -> u64 {
        super::scalar_any_of(block, n)
    }

    #[inline]
    pub fn each_of(block: &[u8; 64], n: [u8; 2]) -> [u64; 2] {
        super::scalar_each_of(block, n)
    }

    #[inline]
    pub fn one_and_others(block: &[u8; 64], n: [u8; 4]) -> [u64; 2] {
        super::scalar_one_and_others(block, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_masks_match_the_scalar_ones() {
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
                vector::any_of(&block, needles),
                scalar_any_of(&block, needles)
            );
            assert_eq!(
                vector::each_of(&block, [b'"', b'\n']),
                scalar_each_of(&block, [b'"', b'\n'])
            );
            assert_eq!(
                vector::one_and_others(&block, needles),
                scalar_one_and_others(&block, needles)
            );
        }
        assert_eq!(each_of(b"\"a\n\"", [b'"', b'\n']), [0b1001, 0b0100]);
    }

    #[test]
    fn prefix_xor_is_the_parity_so_far() {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..100 {
            x = x.wrapping_mul(0x5851_f42d_4c95_7f2d).wrapping_add(1);
            let p = prefix_xor(x);
            for i in 0..64 {
                assert_eq!(p >> i & 1, u64::from((x & below(i + 1)).count_ones() % 2));
            }
        }
        assert_eq!(below(0), 0);
        assert_eq!(below(64), !0);
    }
}
