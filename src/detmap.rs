//! A hash map with a fixed hasher whose every observable form is sorted.
//!
//! The gateway, consent and popup maps are looked up on every flow; with 100,000 users a
//! `BTreeMap` of 128-bit keys costs several cache misses per lookup (the profile's top item). A
//! `HashMap` costs one, but its iteration order depends on its history. So this map hashes with a
//! fixed function (no per-process random state), and everything that shows its contents sorts
//! first: serialization writes the `[key, value]` entry list in key order (byte-for-byte what
//! `crate::entries` writes for a `BTreeMap`), `Debug` prints in key order, and `Hash` hashes the
//! sorted entries. Equality is set equality, as for any map.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};

use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `HashMap` with the fixed Fx hash of `rustc-hash` (one add and one multiply per word; keys
/// here are small integers or 128-bit random codes, for which it spreads well; no per-process
/// state, so runs are reproducible), shown (serialized, printed, hashed) in key order.
///
/// It replaced a hand-written copy of the same function: `benches/handwritten.rs` measured no
/// gain from keeping our own (README, "Hand-written or crate").
#[derive(Clone)]
pub(crate) struct DetMap<K, V>(HashMap<K, V, FxBuildHasher>);

impl<K: Eq + Hash, V: PartialEq> PartialEq for DetMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<K: Eq + Hash, V: Eq> Eq for DetMap<K, V> {}

impl<K, V> Default for DetMap<K, V> {
    fn default() -> Self {
        DetMap(HashMap::default())
    }
}

impl<K, V> Deref for DetMap<K, V> {
    type Target = HashMap<K, V, FxBuildHasher>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<K, V> DerefMut for DetMap<K, V> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<K: Ord, V> DetMap<K, V> {
    /// The entries in key order.
    pub(crate) fn sorted(&self) -> Vec<(&K, &V)> {
        let mut entries: Vec<(&K, &V)> = self.0.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries
    }
}

impl<K: Ord + std::fmt::Debug, V: std::fmt::Debug> std::fmt::Debug for DetMap<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.sorted()).finish()
    }
}

impl<K: Ord + Hash, V: Hash> Hash for DetMap<K, V> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.0.len());
        for (k, v) in self.sorted() {
            k.hash(state);
            v.hash(state);
        }
    }
}

impl<K: Ord + Serialize, V: Serialize> Serialize for DetMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.sorted())
    }
}

impl<'de, K, V> Deserialize<'de> for DetMap<K, V>
where
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(DetMap(Vec::<(K, V)>::deserialize(d)?.into_iter().collect()))
    }
}

/// `#[serde(with = "crate::detmap::as_map")]`: a `DetMap` with string keys written as a JSON
/// object in key order, byte-for-byte what a `BTreeMap<String, _>` writes.
pub(crate) mod as_map {
    use std::hash::Hash;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::DetMap;

    /// Serializes as a map, in key order.
    pub(crate) fn serialize<K, V, S>(map: &DetMap<K, V>, s: S) -> Result<S::Ok, S::Error>
    where
        K: Ord + Serialize,
        V: Serialize,
        S: Serializer,
    {
        s.collect_map(map.sorted())
    }

    /// The inverse of [`serialize`].
    pub(crate) fn deserialize<'de, K, V, D>(d: D) -> Result<DetMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Eq + Hash,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(DetMap(std::collections::HashMap::<K, V, _>::deserialize(
            d,
        )?))
    }
}

/// `#[serde(with = "crate::detmap::shared_map")]`: [`as_map`] for a map shared between clones.
pub(crate) mod shared_map {
    use std::hash::Hash;
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::DetMap;

    /// Serializes as [`super::as_map`] does.
    pub(crate) fn serialize<K, V, S>(map: &Arc<DetMap<K, V>>, s: S) -> Result<S::Ok, S::Error>
    where
        K: Ord + Serialize,
        V: Serialize,
        S: Serializer,
    {
        super::as_map::serialize(map, s)
    }

    /// The inverse of [`serialize`].
    pub(crate) fn deserialize<'de, K, V, D>(d: D) -> Result<Arc<DetMap<K, V>>, D::Error>
    where
        K: Deserialize<'de> + Eq + Hash,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        super::as_map::deserialize(d).map(Arc::new)
    }
}

/// `#[serde(with = "crate::detmap::hex_keys")]`: a `DetMap` keyed by 128-bit codes or tokens,
/// written as an entry list in key order with each key as 32 lowercase hex digits. JSON numbers
/// beyond 2^53 are not portable (JavaScript, `serde_json::Value`), so secrets travel as strings.
pub(crate) mod hex_keys {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::DetMap;

    /// Serializes as `[["<hex>", value], ...]`, in key order.
    pub(crate) fn serialize<V: Serialize, S: Serializer>(
        map: &DetMap<u128, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            map.sorted()
                .into_iter()
                .map(|(k, v)| (super::super::hex128::Hex(*k), v)),
        )
    }

    /// A borrowed map that serializes as [`serialize`] writes it.
    pub(crate) struct HexKeys<'a, V>(pub(crate) &'a DetMap<u128, V>);

    impl<V: Serialize> Serialize for HexKeys<'_, V> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(self.0, s)
        }
    }

    /// The inverse of [`serialize`].
    pub(crate) fn deserialize<'de, V, D>(d: D) -> Result<DetMap<u128, V>, D::Error>
    where
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let entries = Vec::<(super::super::hex128::Hex, V)>::deserialize(d)?;
        Ok(DetMap(entries.into_iter().map(|(k, v)| (k.0, v)).collect()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn serializes_like_a_sorted_entry_list() {
        let mut det = DetMap::<u128, u32>::default();
        let mut tree = BTreeMap::new();
        for i in 0..1000u128 {
            let k = i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
            det.insert(k, i as u32);
            tree.insert(k, i as u32);
        }
        let from_tree = serde_json::to_string(&tree.iter().collect::<Vec<_>>()).expect("json");
        assert_eq!(serde_json::to_string(&det).expect("json"), from_tree);
        let back: DetMap<u128, u32> = serde_json::from_str(&from_tree).expect("json");
        assert_eq!(back, det);
    }

    #[test]
    fn string_keyed_maps_serialize_like_a_btreemap() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Names {
            #[serde(with = "super::as_map")]
            names: DetMap<String, u32>,
        }
        let mut det = DetMap::default();
        let mut tree = BTreeMap::new();
        for i in 0..500u32 {
            det.insert(format!("user{i}"), i);
            tree.insert(format!("user{i}"), i);
        }
        let json = serde_json::to_string(&Names { names: det }).expect("json");
        let expected = serde_json::json!({ "names": tree }).to_string();
        assert_eq!(json, expected);
        let back: Names = serde_json::from_str(&json).expect("json");
        assert_eq!(back.names.len(), 500);
    }
}
