//! The virtual clock. No wall clock is ever read: time moves only when an input advances it.

use serde::{Deserialize, Serialize};

/// A point on the virtual clock: whole seconds since the simulation began.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Instant(pub u64);

impl Instant {
    /// The instant `seconds` later (saturating: the clock never wraps).
    pub const fn plus(self, seconds: u64) -> Instant {
        Instant(self.0.saturating_add(seconds))
    }

    /// Seconds from `earlier` to `self`, zero if `earlier` is later.
    pub const fn since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Formats a Unix time as Beijing local time (`UTC+8`, proleptic Gregorian),
/// `"YYYY-MM-DD HH:MM:SS"`, the way the gateway writes `auth_start` (SPEC R-GW-AUTH-START): the
/// year has at least four digits, more when it needs them, and a `-` before a negative one
/// (`-0001` is the year before `0000`). Wide enough for any `clockOriginUnix` plus any clock
/// reading, exactly, without saturating.
pub fn format_beijing(unix_seconds: i128) -> String {
    match beijing_digits(unix_seconds) {
        Ok(buf) => String::from(std::str::from_utf8(&buf).expect("ASCII digits")),
        Err(long) => long,
    }
}

/// [`format_beijing`] without a heap allocation for years 0 to 9999 (`Ok`); other years come
/// back already formatted (`Err`).
pub(crate) fn beijing_digits(unix_seconds: i128) -> Result<[u8; 19], String> {
    // Saturating only at the edge of i128, which no i64 origin plus u64 clock comes near.
    let local = unix_seconds.saturating_add(8 * 3600);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
    if !(0..=9999).contains(&y) {
        let sign = if y < 0 { "-" } else { "" };
        let year = y.unsigned_abs();
        return Err(format!(
            "{sign}{year:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}"
        ));
    }
    // By hand: this runs on every token exchange, and `format!` is most of its cost.
    let mut buf = *b"0000-00-00 00:00:00";
    let mut put = |at: usize, width: usize, mut v: u64| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y as u64);
    put(5, 2, u64::from(m));
    put(8, 2, u64::from(d));
    put(11, 2, hh as u64);
    put(14, 2, mm as u64);
    put(17, 2, ss as u64);
    Ok(buf)
}

/// The inverse of [`format_beijing`] for years 0 to 9999: `YYYY-MM-DD HH:MM:SS`, Beijing time, to
/// Unix seconds. `None` for anything else, including dates that do not exist.
pub(crate) fn parse_beijing(text: &str) -> Option<i128> {
    let b = text.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i128> {
        b[r].iter().try_fold(0i128, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i128::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let days = days_from_civil(y, m as u32, d as u32);
    let unix = days * 86_400 + hh * 3600 + mm * 60 + ss - 8 * 3600;
    // Rejects 31 February and the like: the date must come back as written.
    (beijing_digits(unix).ok()? == *b).then_some(unix)
}

/// A proleptic Gregorian date to days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i128, m: u32, d: u32) -> i128 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i128::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i128::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i128) -> (i128, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i128::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_format_of_known_instants() {
        assert_eq!(format_beijing(0), "1970-01-01 08:00:00");
        // 2026-01-01 00:00:00 Beijing is 2025-12-31 16:00:00 UTC.
        assert_eq!(format_beijing(1_767_196_800), "2026-01-01 00:00:00");
        assert_eq!(
            format_beijing(951_782_400 - 8 * 3600),
            "2000-02-29 00:00:00"
        );
        assert_eq!(
            format_beijing(253_402_300_799 - 8 * 3600),
            "9999-12-31 23:59:59"
        );
        assert_eq!(
            format_beijing(253_402_300_800 - 8 * 3600),
            "10000-01-01 00:00:00"
        );
        // The year before 0000 is -0001 (at least four digits after the sign).
        assert_eq!(
            format_beijing(-62_167_219_200 - 8 * 3600 - 1),
            "-0001-12-31 23:59:59"
        );
        // No saturation at i64::MAX: the origin plus the clock is exact.
        assert_ne!(
            format_beijing(i128::from(i64::MAX) + 1),
            format_beijing(i128::from(i64::MAX))
        );
    }

    #[test]
    fn beijing_text_parses_back() {
        for t in [
            0,
            1_767_196_800,
            951_782_400 - 8 * 3600,
            253_402_300_799 - 8 * 3600,
            -62_167_248_000,
        ] {
            assert_eq!(parse_beijing(&format_beijing(t)), Some(t), "{t}");
        }
        for bad in [
            "2026-02-30 00:00:00",
            "2026-01-01T00:00:00",
            "2026-1-01 00:00:00",
            "",
            "2026-01-01 24:00:00",
        ] {
            assert_eq!(parse_beijing(bad), None, "{bad}");
        }
    }
}
