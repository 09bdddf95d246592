//! Grammars of the values a field can hold: integers, floats, booleans, dates, timestamps and
//! times of day. Every parser works on raw bytes, allocates nothing and accepts only text it
//! can represent exactly, so the scan pass and the convert pass agree by construction.

/// An integer in canonical form: `-?(0|[1-9][0-9]*)`, within `i64::MIN..=u64::MAX`.
/// `00501` (a code), `+5` and `-0` are rejected: writing them back as numbers would change them.
pub fn parse_int(b: &[u8]) -> Option<i128> {
    let (neg, digits) = match b.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 20 || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    let mut v: u64 = 0;
    for (i, &d) in digits.iter().enumerate() {
        let d = d.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        // 19 digits cannot overflow: only the 20th is checked (wasm has no cheap
        // overflowing multiply).
        v = if i < 19 {
            v * 10 + d as u64
        } else {
            v.checked_mul(10)?.checked_add(d as u64)?
        };
    }
    if neg {
        if v == 0 || v > i64::MAX as u64 + 1 {
            return None;
        }
        Some(-(v as i128))
    } else {
        Some(v as i128)
    }
}

/// A float as parsed; whether its text survives float32 or float64 is asked separately
/// (and only while it matters), since the exact check can cost more than the parse.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FloatValue {
    pub value: f64,
    /// Digits after the decimal point as written (0 for exponent or special forms).
    pub decimals: u32,
    /// Significant digits written (leading and trailing zeros aside); 0 for NaN and inf.
    sig_digits: u32,
    special: bool,
}

impl FloatValue {
    /// Whether float32's shortest representation of the value is the same number as `b`.
    pub fn f32_exact(&self, b: &[u8]) -> bool {
        self.exact(b, 6, (1.2e-38, 3.4e38), |t, buf| {
            let v = parse_f32(t)?;
            v.is_finite().then(|| buf.format_finite(v))
        })
    }

    /// Whether float64's shortest representation of the value is the same number as `b`.
    pub fn f64_exact(&self, b: &[u8]) -> bool {
        let v = self.value;
        self.exact(b, 15, (2.3e-308, 1.7e308), |_, buf| {
            v.is_finite().then(|| buf.format_finite(v))
        })
    }

    /// Few significant digits within the normal range are exact without formatting (any
    /// decimal of at most 6 / 15 digits round-trips through float32 / float64); the rest are
    /// compared digit by digit with the shortest representation.
    fn exact(
        &self,
        b: &[u8],
        safe_digits: u32,
        normal: (f64, f64),
        shortest: impl for<'r> Fn(&[u8], &'r mut zmij::Buffer) -> Option<&'r str>,
    ) -> bool {
        if self.special {
            return true;
        }
        let mag = self.value.abs();
        if !mag.is_finite() {
            return false;
        }
        let in_range = self.sig_digits == 0 || (normal.0..normal.1).contains(&mag);
        if in_range && self.sig_digits <= safe_digits {
            return true;
        }
        let mut buf = zmij::Buffer::new();
        let Some(s) = shortest(b, &mut buf) else {
            return false;
        };
        // Most texts are written the way the shortest representation is: no need to take
        // both apart digit by digit.
        crate::scan::same(s.as_bytes(), b)
            || matches!((Decimal::of(b), Decimal::of(s.as_bytes())), (Some(t), Some(d)) if d.same(&t))
    }
}

/// Significant digits of a decimal number with its exponent: `12.50` is digits `125`, exp -1.
/// Leading and trailing zeros are dropped so that two texts of the same number compare equal.
struct Decimal {
    digits: [u8; 24],
    len: usize,
    exp: i32,
}

impl Decimal {
    /// Parses `-?digits[.digits][e[+-]digits]` (already validated); `None` when the number has
    /// more significant digits than any float can hold exactly.
    fn of(b: &[u8]) -> Option<Decimal> {
        let b = b.strip_prefix(b"-").unwrap_or(b);
        let (mantissa, exp_part) = match b.iter().position(|&c| c == b'e' || c == b'E') {
            Some(i) => (&b[..i], Some(&b[i + 1..])),
            None => (b, None),
        };
        let mut exp: i32 = match exp_part {
            Some(e) => std::str::from_utf8(e).ok()?.parse::<i32>().ok()?,
            None => 0,
        };
        let mut d = Decimal {
            digits: [0; 24],
            len: 0,
            exp: 0,
        };
        let mut seen_point = false;
        let mut pending_zeros = 0usize;
        for &c in mantissa {
            if c == b'.' {
                seen_point = true;
                continue;
            }
            if seen_point {
                exp = exp.checked_sub(1)?;
            }
            if c == b'0' {
                if d.len > 0 {
                    pending_zeros += 1;
                }
                continue;
            }
            if d.len + pending_zeros + 1 > d.digits.len() {
                return None;
            }
            for _ in 0..pending_zeros {
                d.digits[d.len] = 0;
                d.len += 1;
            }
            pending_zeros = 0;
            d.digits[d.len] = c - b'0';
            d.len += 1;
        }
        // Trailing zeros of the significand move into the exponent.
        d.exp = exp.checked_add(pending_zeros as i32)?;
        Some(d)
    }

    fn same(&self, other: &Decimal) -> bool {
        self.len == other.len
            && (self.len == 0 || self.exp == other.exp)
            && self.digits[..self.len] == other.digits[..other.len]
    }
}

/// The length of the run of ASCII digits at the start of `b`.
fn digit_run(b: &[u8]) -> usize {
    b.iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(b.len())
}

/// Significant digits of a number written as `int.frac`: from the first non-zero digit to
/// the last one, across the point (`0.0120` has 2, `1200` has 2, `0` has 0).
fn sig_digits(int: &[u8], frac: &[u8]) -> u32 {
    let nonzero = |c: &u8| *c != b'0';
    let first = match int.iter().position(nonzero) {
        Some(p) => p,
        None => match frac.iter().position(nonzero) {
            Some(p) => int.len() + p,
            None => return 0,
        },
    };
    let last = match frac.iter().rposition(nonzero) {
        Some(p) => int.len() + p,
        // A non-zero digit exists (`first` found one), so it is in `int` here.
        None => int.iter().rposition(nonzero).unwrap_or(first),
    };
    (last - first + 1) as u32
}

/// Whether `b` is NaN as [`parse_float`] reads it (any case, no sign): the one null token
/// that is a value, the float NaN, in a float column. The scan and the convert pass both
/// decide by it.
pub fn is_nan(b: &[u8]) -> bool {
    b.eq_ignore_ascii_case(b"nan")
}

/// Parses a float and reports whether float32/float64 hold its text exactly. Accepts decimal
/// and exponent notation (`1.5`, `-.5`, `2e10`, `7`) and `NaN`, `inf`, `infinity` in any case
/// with an optional `-`. An integer part with a superfluous leading zero (`01.5`) is rejected.
pub fn parse_float(b: &[u8]) -> Option<FloatValue> {
    plain_float(b).or_else(|| any_float(b))
}

/// [`parse_float`] of a plain decimal of at most 19 digits (`-?\d*\.?\d*`, the common
/// case), in one pass that takes its digits, point and significant digits at once; `None`
/// for anything else, valid or not. Read as any float (a look for `nan` and `inf`, then
/// three passes over the digits), the benchmark file's conversion took 3.7% more CPU in
/// wasm.
#[inline]
fn plain_float(b: &[u8]) -> Option<FloatValue> {
    let body = b.strip_prefix(b"-").unwrap_or(b);
    if body.len() > 20 {
        return None;
    }
    let (mut m, mut digits, mut point) = (0u64, 0usize, None);
    // Indices among the digits of the first and the last non-zero one.
    let (mut first, mut last) = (usize::MAX, 0);
    for &c in body {
        let d = c.wrapping_sub(b'0');
        if d <= 9 {
            // 19 digits cannot overflow; more are turned away below.
            m = m.wrapping_mul(10).wrapping_add(u64::from(d));
            if d != 0 {
                first = first.min(digits);
                last = digits;
            }
            digits += 1;
        } else if c == b'.' && point.is_none() {
            point = Some(digits);
        } else {
            return None;
        }
    }
    let int_digits = point.unwrap_or(digits);
    if digits == 0 || digits > 19 || (int_digits > 1 && body[0] == b'0') {
        return None;
    }
    let frac = digits - int_digits;
    let value = if m <= 1 << 53 && frac < POW10_F64.len() {
        m as f64 / POW10_F64[frac]
    } else {
        // SAFETY: every byte was checked above to be an ASCII digit or point.
        unsafe { std::str::from_utf8_unchecked(body) }
            .parse()
            .ok()?
    };
    Some(FloatValue {
        value: if body.len() < b.len() { -value } else { value },
        decimals: frac as u32,
        sig_digits: if first == usize::MAX {
            0
        } else {
            (last - first + 1) as u32
        },
        special: false,
    })
}

/// [`parse_float`] of any form: exponents, NaN and infinities, long digit runs.
fn any_float(b: &[u8]) -> Option<FloatValue> {
    let body = b.strip_prefix(b"-").unwrap_or(b);
    if body.eq_ignore_ascii_case(b"nan")
        || body.eq_ignore_ascii_case(b"inf")
        || body.eq_ignore_ascii_case(b"infinity")
    {
        if body.len() == 3 && body[0].eq_ignore_ascii_case(&b'n') && body.len() != b.len() {
            return None; // "-nan" has no meaning worth keeping
        }
        let value = if body[0].eq_ignore_ascii_case(&b'n') {
            f64::NAN
        } else if body.len() == b.len() {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
        return Some(FloatValue {
            value,
            decimals: 0,
            sig_digits: 0,
            special: true,
        });
    }
    // Validate the grammar by hand: Rust's parser also takes forms we do not want ("+1", "1_0").
    // Significant digits run from the first non-zero digit to the last one.
    let int_digits = digit_run(body);
    let mut i = int_digits;
    if int_digits > 1 && body[0] == b'0' {
        return None;
    }
    let mut frac_digits = 0;
    if i < body.len() && body[i] == b'.' {
        frac_digits = digit_run(&body[i + 1..]);
        i += 1 + frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    let mut has_exp = false;
    if i < body.len() && (body[i] == b'e' || body[i] == b'E') {
        has_exp = true;
        i += 1;
        if i < body.len() && (body[i] == b'+' || body[i] == b'-') {
            i += 1;
        }
        let s = i;
        while i < body.len() && body[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return None;
        }
    }
    if i != body.len() {
        return None;
    }
    // SAFETY: every byte was checked above to be an ASCII digit, sign, point or exponent mark.
    let text = unsafe { std::str::from_utf8_unchecked(b) };
    let value: f64 = match has_exp {
        false => fast_f64(b),
        true => None,
    }
    .or_else(|| text.parse().ok())?;
    let decimals = if has_exp { 0 } else { frac_digits as u32 };
    let frac_start = int_digits + usize::from(body.get(int_digits) == Some(&b'.'));
    let sig_digits = sig_digits(
        &body[..int_digits],
        &body[frac_start..frac_start + frac_digits],
    );
    Some(FloatValue {
        value,
        decimals,
        sig_digits,
        special: false,
    })
}

/// Whether `b` starts like a plain decimal (`-?` then a digit or a point, no superfluous
/// leading zero): for such text Rust's float parser and [`parse_float`] accept the same.
pub fn plain_decimal_start(b: &[u8]) -> bool {
    let body = b.strip_prefix(b"-").unwrap_or(b);
    match body {
        [b'0', d, ..] if d.is_ascii_digit() => false,
        [c, ..] => c.is_ascii_digit() || *c == b'.',
        [] => false,
    }
}

/// Parses the float32 value of a text already accepted by [`parse_float`].
pub fn parse_f32(b: &[u8]) -> Option<f32> {
    fast_f32(b).or_else(|| std::str::from_utf8(b).ok()?.parse().ok())
}

/// `-?digits[.digits]` with at most 19 digits: (negative, the digits as one integer, digits
/// after the point). Anything else (an exponent, a sign but `-`, no digit) is `None`.
fn plain_decimal(b: &[u8]) -> Option<(bool, u64, usize)> {
    let (neg, body) = match b.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, b),
    };
    if body.len() > 20 {
        return None;
    }
    let (mut m, mut point) = (0u64, None);
    for (i, &c) in body.iter().enumerate() {
        match c {
            // 19 digits cannot overflow; more are turned away below.
            b'0'..=b'9' => m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0')),
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    let digits = body.len() - usize::from(point.is_some());
    if digits == 0 || digits > 19 {
        return None;
    }
    Some((neg, m, point.map_or(0, |p| body.len() - p - 1)))
}

/// Powers of ten that float64 (float32) holds exactly.
const POW10_F64: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];
const POW10_F32: [f32; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/// The float64 value of a plain decimal whose digits make an integer float64 holds exactly,
/// with at most 22 after the point: that integer divided by an exact power of ten, one
/// correctly rounded division (Clinger's fast path). Rust's parser takes the same path for
/// these, after a general parse that costs more than the division.
pub fn fast_f64(b: &[u8]) -> Option<f64> {
    let (neg, m, frac) = plain_decimal(b)?;
    if m > 1 << 53 || frac >= POW10_F64.len() {
        return None;
    }
    let v = m as f64 / POW10_F64[frac];
    Some(if neg { -v } else { v })
}

/// [`fast_f64`] for float32: at most 2^24 as digits, and 10 after the point.
pub fn fast_f32(b: &[u8]) -> Option<f32> {
    let (neg, m, frac) = plain_decimal(b)?;
    if m > 1 << 24 || frac >= POW10_F32.len() {
        return None;
    }
    let v = m as f32 / POW10_F32[frac];
    Some(if neg { -v } else { v })
}

/// `true`/`false` in any case.
pub fn parse_bool(b: &[u8]) -> Option<bool> {
    if b.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if b.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> Option<i32> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    if let Ok(y) = u32::try_from(y) {
        if y <= 9999 {
            return Some(days_from_civil_4(y, m, d));
        }
    }
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146097 + doe - 719468).ok()
}

/// [`days_from_civil`] for a valid date of a four-digit year (every year a date field
/// spells), in unsigned 32-bit arithmetic: a date column costs one call per field, and
/// 64-bit signed division is a real division in wasm. The year is taken 400 years on
/// (146,097 days), so that January and February of year 0 stay positive.
fn days_from_civil_4(y: u32, m: u32, d: u32) -> i32 {
    let y = y + 400 - (m <= 2) as u32;
    let (era, yoe) = (y / 400, y % 400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe) as i32 - 719_468 - 146_097
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
    })
}

/// `YYYY-MM-DD` → days since the epoch.
pub fn parse_iso_date(b: &[u8]) -> Option<i32> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    days_from_civil(digits(&b[..4])? as i32, digits(&b[5..7])?, digits(&b[8..])?)
}

/// The spellings of a date other than ISO, as a column's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `YYYY-MM-DD`
    Iso,
    /// `DD/MM/YYYY`
    SlashDayFirst,
    /// `MM/DD/YYYY`
    SlashMonthFirst,
    /// `DD.MM.YYYY`
    DotDayFirst,
    /// `MM.DD.YYYY`
    DotMonthFirst,
    /// `YYYY/MM/DD`
    SlashYearFirst,
}

impl DateFormat {
    pub const ALL: [DateFormat; 6] = [
        DateFormat::Iso,
        DateFormat::SlashDayFirst,
        DateFormat::SlashMonthFirst,
        DateFormat::DotDayFirst,
        DateFormat::DotMonthFirst,
        DateFormat::SlashYearFirst,
    ];

    pub fn parse(self, b: &[u8]) -> Option<i32> {
        match self {
            DateFormat::Iso => parse_iso_date(b),
            DateFormat::SlashYearFirst => {
                let [y, m, d] = three_parts(b, b'/')?;
                if y.len() != 4 {
                    return None;
                }
                days_from_civil(digits(y)? as i32, day_or_month(m)?, day_or_month(d)?)
            }
            _ => {
                let sep = if matches!(self, DateFormat::DotDayFirst | DateFormat::DotMonthFirst) {
                    b'.'
                } else {
                    b'/'
                };
                let [a, c, y] = three_parts(b, sep)?;
                if y.len() != 4 {
                    return None;
                }
                let (a, c) = (day_or_month(a)?, day_or_month(c)?);
                let (d, m) = match self {
                    DateFormat::SlashDayFirst | DateFormat::DotDayFirst => (a, c),
                    _ => (c, a),
                };
                days_from_civil(digits(y)? as i32, m, d)
            }
        }
    }
}

fn day_or_month(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 2 {
        return None;
    }
    digits(b)
}

fn three_parts(b: &[u8], sep: u8) -> Option<[&[u8]; 3]> {
    let mut it = b.splitn(4, |&c| c == sep);
    let parts = [it.next()?, it.next()?, it.next()?];
    if it.next().is_some() {
        return None;
    }
    Some(parts)
}

/// A time of day as nanoseconds since midnight, with the number of fraction digits written.
/// `HH:MM[:SS[.fffffffff]]`, hours 00–23 with two digits.
pub fn parse_time(b: &[u8]) -> Option<(i64, u8)> {
    if b.len() < 5 || b[2] != b':' {
        return None;
    }
    let h = two(&b[0..2])?;
    let m = two(&b[3..5])?;
    if h > 23 || m > 59 {
        return None;
    }
    let mut nanos = (h as i64 * 3600 + m as i64 * 60) * 1_000_000_000;
    let rest = &b[5..];
    if rest.is_empty() {
        return Some((nanos, 0));
    }
    if rest.len() < 3 || rest[0] != b':' {
        return None;
    }
    let s = two(&rest[1..3])?;
    if s > 59 {
        return None;
    }
    nanos += s as i64 * 1_000_000_000;
    let frac = &rest[3..];
    if frac.is_empty() {
        return Some((nanos, 0));
    }
    if frac[0] != b'.' || frac.len() < 2 || frac.len() > 10 {
        return None;
    }
    let f = digits(&frac[1..])? as i64;
    let n = (frac.len() - 1) as u32;
    nanos += f * 10i64.pow(9 - n);
    Some((nanos, n as u8))
}

fn two(b: &[u8]) -> Option<u32> {
    if b.len() == 2 && b[0].is_ascii_digit() && b[1].is_ascii_digit() {
        Some(((b[0] - b'0') * 10 + (b[1] - b'0')) as u32)
    } else {
        None
    }
}

/// A timestamp: nanoseconds since the epoch in its own clock (UTC-adjusted when an offset
/// was given), whether an offset (`Z`, `±HH`, `±HH:MM`, `±HHMM`) was given, and the
/// fraction digits written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// Seconds since the epoch and the nanoseconds within that second. Kept apart so that
    /// dates outside the ±292-year range of an i64 of nanoseconds still parse.
    pub seconds: i64,
    pub nanos: u32,
    pub has_offset: bool,
    pub frac_digits: u8,
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.f{1,9}]][Z|±HH[:MM]]`.
pub fn parse_timestamp(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 16 || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let days = parse_iso_date(&b[..10])?;
    let rest = &b[11..];
    // The time part ends where an offset starts.
    let (time, offset) = match rest
        .iter()
        .position(|&c| c == b'Z' || c == b'+' || c == b'-')
    {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let (nanos_of_day, frac_digits) = parse_time(time)?;
    let offset_seconds = match offset {
        None => 0,
        Some(b"Z") => 0,
        Some(o) => {
            let sign = if o[0] == b'-' { -1 } else { 1 };
            let o = &o[1..];
            let (h, m) = match o.len() {
                2 => (two(o)?, 0),
                4 => (two(&o[..2])?, two(&o[2..])?),
                5 if o[2] == b':' => (two(&o[..2])?, two(&o[3..])?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h as i64 * 3600 + m as i64 * 60)
        }
    };
    let seconds = days as i64 * 86_400 + nanos_of_day / 1_000_000_000 - offset_seconds;
    Some(Timestamp {
        seconds,
        nanos: (nanos_of_day % 1_000_000_000) as u32,
        has_offset: offset.is_some(),
        frac_digits,
    })
}

impl Timestamp {
    /// The value in units of `per_second` ticks (1_000 for ms …), `None` when out of range.
    pub fn ticks(&self, per_second: i64) -> Option<i64> {
        let sub = self.nanos as i64 / (1_000_000_000 / per_second);
        self.seconds.checked_mul(per_second)?.checked_add(sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_are_canonical() {
        assert_eq!(parse_int(b"0"), Some(0));
        assert_eq!(parse_int(b"-128"), Some(-128));
        assert_eq!(parse_int(b"18446744073709551615"), Some(u64::MAX as i128));
        assert_eq!(
            parse_int(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_int(b"-9223372036854775808"), Some(i64::MIN as i128));
        for bad in [
            "",
            "-",
            "00501",
            "+5",
            "-0",
            "1.0",
            "18446744073709551616",
            "99999999999999999999",
            "1844674407370955161x",
            "1e3",
            " 1",
        ] {
            assert_eq!(parse_int(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(parse_int(b"-9223372036854775809"), None);
    }

    #[test]
    fn significant_digits_span_the_point() {
        for (int, frac, n) in [
            ("0", "0120", 2),
            ("1200", "", 2),
            ("0", "", 0),
            ("", "000", 0),
            ("10", "01", 4),
            ("7", "", 1),
            ("", "5", 1),
            ("123456789", "123456789", 18),
        ] {
            assert_eq!(
                sig_digits(int.as_bytes(), frac.as_bytes()),
                n,
                "{int}.{frac}"
            );
        }
        assert_eq!(parse_float(b"-0.0120").unwrap().sig_digits, 2);
        assert_eq!(parse_float(b".5e3").unwrap().sig_digits, 1);
    }

    #[test]
    fn float_exactness() {
        let f32x = |s: &str| parse_float(s.as_bytes()).unwrap().f32_exact(s.as_bytes());
        let f64x = |s: &str| parse_float(s.as_bytes()).unwrap().f64_exact(s.as_bytes());
        let f = |s: &str| parse_float(s.as_bytes()).unwrap();
        assert!(f32x("0.1"));
        assert!(f32x("0.25"));
        assert!(f32x("123456.7")); // 7 digits, but float32 keeps it
        assert!(f32x("1200000000")); // trailing zeros are not significant
        assert!(f32x("0.000001"));
        assert!(!f32x("0.123456789"));
        assert!(f64x("0.123456789"));
        assert!(!f32x("16777217"));
        assert!(f32x("16777216"));
        assert!(!f32x("1e39"));
        assert!(f64x("1e39"));
        assert!(f64x("1751.8171564391391"));
        assert!(!f64x("0.1000000000000000055511151231257827"));
        assert!(!f64x("12345678901234567890"));
        assert!(!f64x("1e400"));
        assert!(f32x("-0.0"));
        assert!(f32x("NaN") && f64x("-inf"));
        assert!(f("NaN").value.is_nan());
        assert_eq!(f("-inf").value, f64::NEG_INFINITY);
        assert_eq!(f("12.50").decimals, 2);
        for bad in [
            "", ".", "-", "01.5", "1.2.3", "1e", "+1", "1_0", "-nan", "e5", "0x10",
        ] {
            assert!(parse_float(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(parse_iso_date(b"1970-01-01"), Some(0));
        assert_eq!(parse_iso_date(b"2024-02-29"), Some(19782));
        assert_eq!(parse_iso_date(b"2023-02-29"), None);
        assert_eq!(parse_iso_date(b"1969-12-31"), Some(-1));
        for days in [-800_000, -1, 0, 59, 19782, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y as i32, m, d), Some(days as i32));
        }
        // Every day of the four-digit years, through the 32-bit path, and the years just
        // outside it through the general one.
        let first = days_from_civil(-1, 12, 31).unwrap() + 1;
        for days in first - 400..=days_from_civil(9999, 12, 31).unwrap() + 400 {
            let (y, m, d) = civil_from_days(days as i64);
            assert_eq!(days_from_civil(y as i32, m, d), Some(days), "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(0, 1, 1), Some(-719_528));
        assert_eq!(
            DateFormat::SlashDayFirst.parse(b"13/01/2024"),
            parse_iso_date(b"2024-01-13")
        );
        assert_eq!(DateFormat::SlashMonthFirst.parse(b"13/01/2024"), None);
        assert_eq!(
            DateFormat::DotDayFirst.parse(b"1.2.2024"),
            parse_iso_date(b"2024-02-01")
        );
        assert_eq!(
            DateFormat::SlashYearFirst.parse(b"2024/2/1"),
            parse_iso_date(b"2024-02-01")
        );
        assert_eq!(DateFormat::SlashDayFirst.parse(b"1/2/24"), None);
    }

    #[test]
    fn times_and_timestamps() {
        assert_eq!(parse_time(b"00:00"), Some((0, 0)));
        assert_eq!(parse_time(b"23:59:59.5"), Some((86_399_500_000_000, 1)));
        assert_eq!(parse_time(b"24:00"), None);
        let t = parse_timestamp(b"2024-01-01T10:00:00+02:00").unwrap();
        assert!(t.has_offset);
        assert_eq!(
            t.seconds,
            parse_iso_date(b"2024-01-01").unwrap() as i64 * 86400 + 8 * 3600
        );
        let t = parse_timestamp(b"2024-01-01 10:00:00.123456").unwrap();
        assert_eq!(
            (t.nanos, t.frac_digits, t.has_offset),
            (123_456_000, 6, false)
        );
        assert_eq!(t.ticks(1_000), Some(t.seconds * 1000 + 123));
        assert!(parse_timestamp(b"2024-01-01T10:00Z").unwrap().has_offset);
        assert!(parse_timestamp(b"2024-01-01").is_none());
        assert!(parse_timestamp(b"2024-01-01T10:00+2").is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// The fast path for plain decimals gives Rust's parse, bit for bit, or nothing.
        #[test]
        fn plain_decimals_take_the_fast_path_to_the_same_value(
            neg in proptest::bool::ANY,
            int in "[0-9]{0,20}",
            frac in proptest::option::of("[0-9]{0,24}"),
            junk in proptest::option::of("[-+.eE_a ]"),
            at in 0usize..48,
        ) {
            let mut text = format!("{}{int}", if neg { "-" } else { "" });
            if let Some(f) = &frac {
                text = format!("{text}.{f}");
            }
            if let Some(j) = &junk {
                text.insert_str(at.min(text.len()), j);
            }
            let std64: Option<f64> = text.parse().ok();
            let std32: Option<f32> = text.parse().ok();
            if let Some(v) = fast_f64(text.as_bytes()) {
                proptest::prop_assert_eq!(Some(v.to_bits()), std64.map(f64::to_bits), "{}", text);
            }
            if let Some(v) = fast_f32(text.as_bytes()) {
                proptest::prop_assert_eq!(Some(v.to_bits()), std32.map(f32::to_bits), "{}", text);
            }
            // Short plain decimals do take it.
            let digits = int.len() + frac.as_ref().map_or(0, String::len);
            if junk.is_none() && (1..=15).contains(&digits) && frac.as_ref().map_or(0, String::len) <= 22 {
                proptest::prop_assert!(fast_f64(text.as_bytes()).is_some(), "{}", text);
            }
            // The one-pass reading of plain decimals agrees with the general one in every
            // field (value to the bit, NaN aside), and turns away what it turns away.
            let (plain, any) = (plain_float(text.as_bytes()), any_float(text.as_bytes()));
            let bits = |f: Option<FloatValue>| f.map(|f| (f.value.to_bits(), f.decimals, f.sig_digits, f.special));
            if plain.is_some() {
                proptest::prop_assert_eq!(bits(plain), bits(any), "{}", text);
            }
            if junk.is_none() && digits <= 19 && any.is_some() {
                proptest::prop_assert!(plain.is_some(), "{}", text);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        /// The convert pass's shortcut: where a text starts like a plain decimal, Rust's
        /// parser takes it exactly when ours does, with the same value.
        #[test]
        fn plain_decimals_parse_the_same_both_ways(
            text in proptest::collection::vec(
                proptest::sample::select(b"0123456789.-+eEna_ ".to_vec()), 1..12),
        ) {
            if plain_decimal_start(&text) {
                let ours = parse_float(&text).map(|f| f.value);
                let std: Option<f64> = std::str::from_utf8(&text).unwrap().parse().ok();
                proptest::prop_assert_eq!(ours.map(f64::to_bits), std.map(f64::to_bits));
            }
        }
    }
}
