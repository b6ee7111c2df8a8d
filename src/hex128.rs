//! 128-bit secrets (auth codes, tokens) in snapshots as 32 lowercase hex digits: JSON numbers
//! beyond 2^53 do not survive JavaScript or `serde_json::Value`, and snapshots are meant to be
//! read by other implementations too.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `u128` that serializes as 32 lowercase hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hex(pub(crate) u128);

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:032x}", self.0))
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        if text.len() != 32 {
            return Err(serde::de::Error::custom(format!(
                "expected 32 hex digits, got {text:?}"
            )));
        }
        u128::from_str_radix(&text, 16)
            .map(Hex)
            .map_err(|_| serde::de::Error::custom(format!("expected 32 hex digits, got {text:?}")))
    }
}

/// `v` as 32 hex digits, uppercase (codes) or lowercase (tokens), on the stack. Hand-written
/// SWAR: `benches/handwritten.rs` measured it ahead of `const-hex` (README, "Hand-written or
/// crate").
pub(crate) fn digits(v: u128, upper: bool) -> [u8; 32] {
    let mut buf = [0u8; 32];
    for (i, word) in [
        (v >> 96) as u32,
        (v >> 64) as u32,
        (v >> 32) as u32,
        v as u32,
    ]
    .into_iter()
    .enumerate()
    {
        buf[8 * i..8 * i + 8].copy_from_slice(&hex8(word, upper));
    }
    buf
}

/// `v` as 8 hex digits, eight at a time in one `u64` (SWAR): a table lookup per digit showed
/// up in the population profile.
fn hex8(v: u32, upper: bool) -> [u8; 8] {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // One nibble per byte, the most significant nibble in the most significant byte.
    let mut x = u64::from(v);
    x = (x | x << 16) & 0x0000_ffff_0000_ffff;
    x = (x | x << 8) & 0x00ff_00ff_00ff_00ff;
    x = (x | x << 4) & 0x0f0f_0f0f_0f0f_0f0f;
    // 1 in each byte holding 10..=15, which needs a letter.
    let letters = ((x + 6 * ONES) >> 4) & ONES;
    let gap = if upper {
        b'A' - b'9' - 1
    } else {
        b'a' - b'9' - 1
    };
    (x + u64::from(b'0') * ONES + letters * u64::from(gap)).to_be_bytes()
}

/// `#[serde(with = "crate::hex128")]` for a `u128` field.
pub(crate) fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
    Hex(*v).serialize(s)
}

/// The inverse of [`serialize`].
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
    Ok(Hex::deserialize(d)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_non_hex() {
        for v in [
            0u128,
            1,
            u128::MAX,
            0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        ] {
            let json = serde_json::to_string(&Hex(v)).unwrap();
            assert_eq!(json.len(), 34);
            assert_eq!(serde_json::from_str::<Hex>(&json).unwrap(), Hex(v));
        }
        for bad in ["\"xyz\"", "\"\"", "12", &format!("\"{}\"", "g".repeat(32))] {
            assert!(serde_json::from_str::<Hex>(bad).is_err(), "{bad}");
        }
    }
}
