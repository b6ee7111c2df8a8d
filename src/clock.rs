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

/// Formats a Unix time as Beijing local time (`UTC+8`), `"YYYY-MM-DD HH:MM:SS"`, the way the
/// gateway writes `auth_start`.
pub fn format_beijing(unix_seconds: i64) -> String {
    // Saturating: a far-future virtual clock must not overflow (no input panics).
    let local = unix_seconds.saturating_add(8 * 3600);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
    if !(0..=9999).contains(&y) {
        return format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}");
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
    String::from(std::str::from_utf8(&buf).expect("ASCII digits"))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
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
    }
}
