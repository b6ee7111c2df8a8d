//! Serializes a map as a list of `[key, value]` entries, so maps with tuple or 128-bit keys
//! round-trip through JSON (whose object keys must be strings). Entries come out in the map's
//! own order: sorted for a `BTreeMap`, which keeps snapshots byte-for-byte deterministic.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `#[serde(with = "crate::entries")]` for a `BTreeMap`.
pub(crate) fn serialize<K: Serialize, V: Serialize, S: Serializer>(
    map: &BTreeMap<K, V>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(map.iter())
}

/// The inverse of [`serialize`].
pub(crate) fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
}
