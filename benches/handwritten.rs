//! Hand-written against crate: should the model keep its own Fx hasher (formerly in
//! `src/detmap.rs`, kept below for this comparison) and its SWAR hex (`src/hex128.rs`, behind
//! `AuthCode` / `AccessToken` text), or use `rustc-hash` / `foldhash` and `const-hex`? Issue 10
//! asks for the crate unless the hand-written one wins; README "Hand-written or crate" has the
//! figures.
//!
//! Group `hash`: the key shapes the model's maps use (128-bit codes and tokens, (user, app)
//! pairs), hashed alone, and a 100,000-entry code map filled and probed as the gateway does.
//! Group `hex`: a code's 32 uppercase digits and a token's prefix + 32 lowercase digits, from the
//! model's SWAR rendering and from `const-hex`.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The model's SWAR hex, compiled here from its own source (no copy to drift). Only
/// `digits` is used here; its unit tests are the library's.
#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../src/hex128.rs"]
mod hex128;

/// The hand-written Fx hash `src/detmap.rs` had until this comparison, verbatim.
#[derive(Clone, Copy, Default)]
struct HandFx(u64);

const SEED: u64 = 0xf135_7aea_2e62_a9c5;

impl HandFx {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = self.0.wrapping_add(word).wrapping_mul(SEED);
    }
}

impl Hasher for HandFx {
    #[inline]
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }

    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }

    #[inline]
    fn write_u128(&mut self, v: u128) {
        self.add(v as u64);
        self.add((v >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
}

const KEYS: usize = 1024;
const MAP: usize = 100_000;

/// Random-looking 128-bit keys (a fixed odd multiplier: no RNG dependency needed).
fn codes(n: usize) -> Vec<u128> {
    (1..=n as u128)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) ^ (i << 64))
        .collect()
}

fn hash_all<B: BuildHasher, K: Hash>(b: &B, keys: &[K]) -> u64 {
    keys.iter().fold(0, |acc, k| acc ^ b.hash_one(k))
}

/// Fill a map with `keys` (entry API, as `issue_code` does) and look each up once.
fn fill_and_probe<B: BuildHasher + Default>(keys: &[u128]) -> u64 {
    let mut map: HashMap<u128, u32, B> = HashMap::default();
    for (i, k) in keys.iter().enumerate() {
        map.entry(*k).or_insert(i as u32);
    }
    keys.iter()
        .map(|k| u64::from(*map.get(k).expect("present")))
        .sum()
}

fn hashers(c: &mut Criterion) {
    let keys = codes(KEYS);
    let pairs: Vec<(u32, u32)> = (0..KEYS as u32).map(|i| (i * 7, i % 4)).collect();
    let own = BuildHasherDefault::<HandFx>::default();
    let rustc = rustc_hash::FxBuildHasher;
    let fold = foldhash::fast::FixedState::with_seed(0);

    let mut g = c.benchmark_group("hash");
    g.throughput(Throughput::Elements(KEYS as u64));
    g.bench_function("u128/handwritten_fx", |b| {
        b.iter(|| hash_all(&own, black_box(&keys)))
    });
    g.bench_function("u128/rustc_hash", |b| {
        b.iter(|| hash_all(&rustc, black_box(&keys)))
    });
    g.bench_function("u128/foldhash", |b| {
        b.iter(|| hash_all(&fold, black_box(&keys)))
    });
    g.bench_function("pair/handwritten_fx", |b| {
        b.iter(|| hash_all(&own, black_box(&pairs)))
    });
    g.bench_function("pair/rustc_hash", |b| {
        b.iter(|| hash_all(&rustc, black_box(&pairs)))
    });
    g.bench_function("pair/foldhash", |b| {
        b.iter(|| hash_all(&fold, black_box(&pairs)))
    });
    g.finish();

    let big = codes(MAP);
    let mut g = c.benchmark_group("code_map");
    g.throughput(Throughput::Elements(MAP as u64));
    g.sample_size(20);
    g.bench_function("handwritten_fx", |b| {
        b.iter(|| fill_and_probe::<BuildHasherDefault<HandFx>>(black_box(&big)))
    });
    g.bench_function("rustc_hash", |b| {
        b.iter(|| fill_and_probe::<rustc_hash::FxBuildHasher>(black_box(&big)))
    });
    g.bench_function("foldhash", |b| {
        b.iter(|| fill_and_probe::<foldhash::fast::FixedState>(black_box(&big)))
    });
    g.finish();
}

fn crate_hex32(v: u128, upper: bool) -> [u8; 32] {
    let mut buf = [0u8; 32];
    let bytes = v.to_be_bytes();
    if upper {
        const_hex::encode_to_slice_upper(bytes, &mut buf).expect("32 digits");
    } else {
        const_hex::encode_to_slice(bytes, &mut buf).expect("32 digits");
    }
    buf
}

/// Renders every key as a code (32 uppercase digits) or a token (prefix + 32 lowercase).
fn render_all(keys: &[u128], token: bool, hex32: fn(u128, bool) -> [u8; 32]) -> u8 {
    keys.iter().fold(0, |acc, k| {
        let mut buf = [0u8; 40];
        let digits = if token {
            buf[..8].copy_from_slice(b"authusrB");
            &mut buf[8..]
        } else {
            &mut buf[..32]
        };
        digits.copy_from_slice(&hex32(*k, !token));
        acc ^ black_box(buf)[31]
    })
}

fn hex(c: &mut Criterion) {
    let keys = codes(KEYS);
    // Same text from both (the model's tests compare its rendering with `format!` too).
    for k in &keys {
        assert_eq!(hex128::digits(*k, true), crate_hex32(*k, true));
        assert_eq!(hex128::digits(*k, false), crate_hex32(*k, false));
    }
    let mut g = c.benchmark_group("hex");
    g.throughput(Throughput::Elements(KEYS as u64));
    for (kind, token) in [("code", false), ("token", true)] {
        g.bench_function(format!("{kind}/handwritten_swar"), |b| {
            b.iter(|| render_all(black_box(&keys), token, hex128::digits))
        });
        g.bench_function(format!("{kind}/const_hex"), |b| {
            b.iter(|| render_all(black_box(&keys), token, crate_hex32))
        });
    }
    g.finish();
}

/// Both hashers are one algorithm (rustc-hash 2's Fx: add, multiply by 0xf1357aea2e62a9c5,
/// rotate by 26 at the end); the benchmark is about speed, this about sameness.
fn same_hashes_as_rustc_hash() {
    let own = BuildHasherDefault::<HandFx>::default();
    for k in codes(64) {
        assert_eq!(
            own.hash_one(k),
            rustc_hash::FxBuildHasher.hash_one(k),
            "{k:x}"
        );
    }
}

fn check(_: &mut Criterion) {
    same_hashes_as_rustc_hash();
}

criterion_group!(benches, check, hashers, hex);
criterion_main!(benches);
