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
