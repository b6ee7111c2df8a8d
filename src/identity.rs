//! Identifiers: the one `user_id` per account, `open_id` per (user, app), and the random strings
//! for auth codes and tokens, all drawn from the simulator's single seeded ChaCha stream.
//!
//! `user_id` and `open_id` are computed, not stored: a keyed Feistel permutation (keys drawn from
//! the stream when the simulator is created) maps a user index to a distinct 12-digit tail, so two
//! users can never share a `user_id` and a world of a million users costs no memory for them.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The simulator's only source of randomness: one ChaCha8 stream seeded by the user's seed.
///
/// Serializes as seed plus stream position, so a snapshot continues exactly where it stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entropy(ChaCha8Rng);

impl Entropy {
    /// The stream for `seed`.
    pub fn new(seed: u64) -> Self {
        Entropy(ChaCha8Rng::seed_from_u64(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// The next 128 random bits.
    pub fn next_u128(&mut self) -> u128 {
        (u128::from(self.0.next_u64()) << 64) | u128::from(self.0.next_u64())
    }
}

/// Keys of the identifier permutations, drawn once from the stream at creation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdentityKeys {
    user: [u32; 4],
    open: [u64; 4],
}

/// 10^12: the number of 12-digit tails after the `2088` prefix of a `user_id`.
const USER_TAIL_SPACE: u64 = 1_000_000_000_000;

impl IdentityKeys {
    /// Draws fresh keys.
    pub fn draw(entropy: &mut Entropy) -> Self {
        let a = entropy.next_u128();
        let b = entropy.next_u128();
        let c = entropy.next_u128();
        IdentityKeys {
            user: [
                a as u32,
                (a >> 32) as u32,
                (a >> 64) as u32,
                (a >> 96) as u32,
            ],
            open: [b as u64, (b >> 64) as u64, c as u64, (c >> 64) as u64],
        }
    }

    /// The `user_id` of the user with index `user`: 16 digits starting `2088` (sources: S-ID-USER).
    pub fn user_id(&self, user: u32) -> u64 {
        2088 * USER_TAIL_SPACE + self.user_tail(u64::from(user))
    }

    /// A bijection of [0, 10^12): a 40-bit Feistel network with cycle walking.
    fn user_tail(&self, index: u64) -> u64 {
        let mut x = index;
        loop {
            x = feistel40(x, &self.user);
            if x < USER_TAIL_SPACE {
                return x;
            }
        }
    }

    /// The `open_id` of (user, app): 47 alphanumerics (the published example's length, sources: S-ID-OPEN),
    /// distinct for every pair because its first 11 characters encode a 64-bit permutation of it.
    pub fn open_id(&self, user: u32, app: u32) -> String {
        self.open_id_value(user, app).to_string()
    }

    /// [`open_id`](Self::open_id) as a typed value, without a heap allocation.
    pub fn open_id_value(&self, user: u32, app: u32) -> crate::ids::OpenId {
        let pair = (u64::from(app) << 32) | u64::from(user);
        let w0 = feistel64(pair, &self.open);
        let mut buf = [0u8; 47];
        put_base62(&mut buf[..11], w0);
        for k in 1..4 {
            let at = 11 + 12 * (k - 1);
            put_base62(&mut buf[at..at + 12], mix64(w0 ^ self.open[k]));
        }
        crate::ids::OpenId::from_ascii(buf)
    }
}

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn feistel40(x: u64, keys: &[u32; 4]) -> u64 {
    const MASK: u64 = (1 << 20) - 1;
    let (mut l, mut r) = (x >> 20 & MASK, x & MASK);
    for k in keys {
        let f = mix64(r ^ u64::from(*k)) & MASK;
        (l, r) = (r, l ^ f);
    }
    (l << 20) | r
}

fn feistel64(x: u64, keys: &[u64; 4]) -> u64 {
    let (mut l, mut r) = (x >> 32, x & 0xffff_ffff);
    for k in keys {
        let f = mix64(r ^ k) & 0xffff_ffff;
        (l, r) = (r, l ^ f);
    }
    (l << 32) | r
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The low digits of `v` in base 62, as many as `out` is long, most significant first.
fn put_base62(out: &mut [u8], mut v: u64) {
    // Five digits at a time in 32-bit arithmetic (62^5 < 2^32): cheaper than 64-bit division
    // by 62 per digit, and the same digits.
    const P5: u64 = 62u64.pow(5);
    for chunk in out.rchunks_mut(5) {
        let mut part = (v % P5) as u32;
        v /= P5;
        for slot in chunk.iter_mut().rev() {
            *slot = BASE62[(part % 62) as usize];
            part /= 62;
        }
    }
}

/// "00" "01" … "99": two decimal digits per division.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Renders a `user_id` as the gateway sends it (a string of digits).
pub fn user_id_text(user_id: u64) -> String {
    let mut buf = [0u8; 20];
    let at = put_decimal(&mut buf, user_id);
    ascii(&buf[at..])
}

/// Writes `v` in decimal at the end of `buf`; returns where the digits start.
pub(crate) fn put_decimal(buf: &mut [u8; 20], v: u64) -> usize {
    // By hand: `to_string` goes through the formatting machinery, on every token exchange.
    let mut at = buf.len();
    let mut v = v;
    while v >= 100 {
        let pair = (v % 100) as usize;
        v /= 100;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&DIGIT_PAIRS[2 * pair..2 * pair + 2]);
    }
    if v >= 10 {
        at -= 2;
        buf[at..at + 2].copy_from_slice(&DIGIT_PAIRS[2 * v as usize..2 * v as usize + 2]);
    } else {
        at -= 1;
        buf[at] = b'0' + v as u8;
    }
    at
}

/// ASCII bytes, built in a stack buffer, as a `String`: one allocation, one validation pass.
fn ascii(bytes: &[u8]) -> String {
    String::from(std::str::from_utf8(bytes).expect("ASCII"))
}

/// Reads exactly 32 hex digits of one case (`upper` or lower) back into a number.
fn parse_hex32(text: &[u8], upper: bool) -> Option<u128> {
    if text.len() != 32 {
        return None;
    }
    let letters = if upper { b'A' } else { b'a' };
    text.iter().try_fold(0u128, |acc, &b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            _ if (letters..letters + 6).contains(&b) => b - letters + 10,
            _ => return None,
        };
        Some(acc << 4 | u128::from(d))
    })
}

/// Renders an auth code: 32 uppercase hex digits (a 32-character string is typical, sources: S-ID-CODE).
pub fn code_text(code: u128) -> String {
    ascii(&crate::hex128::digits(code, true))
}

/// Reads an auth code back; anything not of the shape [`code_text`] makes is no code at all.
pub fn parse_code(text: &str) -> Option<u128> {
    parse_hex32(text.as_bytes(), true)
}

/// Token prefixes as real Alipay tokens show them: `authbseB` for an `auth_base` grant,
/// `authusrB` for a prompted grant (modelling assumption: observed format, not documented).
pub fn token_text(token: u128, prompted: bool) -> String {
    ascii(&token_bytes(token, prompted))
}

pub(crate) fn token_bytes(token: u128, prompted: bool) -> [u8; 40] {
    let prefix = if prompted { "authusrB" } else { "authbseB" };
    let mut buf = [0u8; 40];
    buf[..8].copy_from_slice(prefix.as_bytes());
    buf[8..].copy_from_slice(&crate::hex128::digits(token, false));
    buf
}

/// Reads a token back; anything else is no token at all.
pub fn parse_token(text: &str) -> Option<u128> {
    let hex = text
        .strip_prefix("authusrB")
        .or_else(|| text.strip_prefix("authbseB"))?;
    parse_hex32(hex.as_bytes(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_distinct_and_well_formed() {
        let keys = IdentityKeys::draw(&mut Entropy::new(1));
        let mut seen = std::collections::HashSet::new();
        for u in 0..20_000 {
            let id = keys.user_id(u);
            let text = user_id_text(id);
            assert_eq!(text.len(), 16);
            assert!(text.starts_with("2088"));
            assert!(seen.insert(id), "user {u} repeats a user_id");
        }
    }

    #[test]
    fn base62_in_chunks_matches_digit_by_digit() {
        for v in [
            0,
            61,
            62,
            916_132_831,
            916_132_832,
            u64::MAX,
            0x0123_4567_89ab_cdef,
        ] {
            for width in [11, 12] {
                let mut fast = vec![0u8; width];
                put_base62(&mut fast, v);
                let (mut slow, mut x) = (vec![0u8; width], v);
                for slot in slow.iter_mut().rev() {
                    *slot = BASE62[(x % 62) as usize];
                    x /= 62;
                }
                assert_eq!(fast, slow, "{v} in {width} digits");
            }
        }
    }

    #[test]
    fn open_ids_are_47_alphanumerics_and_distinct() {
        let keys = IdentityKeys::draw(&mut Entropy::new(2));
        let mut seen = std::collections::HashSet::new();
        for u in 0..500 {
            for a in 0..8 {
                let id = keys.open_id(u, a);
                assert_eq!(id.len(), 47);
                assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
                assert!(seen.insert(id));
            }
        }
    }

    #[test]
    fn code_and_token_text_round_trip() {
        let mut e = Entropy::new(3);
        for _ in 0..100 {
            let v = e.next_u128();
            assert_eq!(parse_code(&code_text(v)), Some(v));
            assert_eq!(parse_token(&token_text(v, true)), Some(v));
            assert_eq!(parse_token(&token_text(v, false)), Some(v));
        }
        assert_eq!(parse_code("not a code"), None);
        assert_eq!(parse_code(&"g".repeat(32)), None);
        assert_eq!(parse_token("authusrBzz"), None);
        for v in [
            0,
            0xabc,
            u128::MAX,
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
        ] {
            assert_eq!(code_text(v), format!("{v:032X}"));
            assert_eq!(token_text(v, true), format!("authusrB{v:032x}"));
        }
        assert_eq!(
            token_text(u128::MAX, false),
            format!("authbseB{:032x}", u128::MAX)
        );
        assert_eq!(parse_code(&format!("{:032x}", 0xabcu128)), None);
        assert_eq!(parse_token(&format!("authbseB{:032X}", 0xabcu128)), None);
        for v in [0, 7, 10, 99, 100, 101, 2_088_123_456_789_012, u64::MAX] {
            assert_eq!(user_id_text(v), v.to_string());
        }
    }
}
