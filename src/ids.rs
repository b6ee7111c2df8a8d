//! Typed identifiers: auth codes, access and refresh tokens, `user_id`, `open_id` and
//! `auth_start` as small `Copy` values that render Alipay's exact text only when asked.
//!
//! Each type writes its text through [`Display`](std::fmt::Display) and
//! [`Serialize`] (without a heap allocation) and reads it back through
//! [`FromStr`] and [`Deserialize`]; text that is not exactly what
//! Alipay would write is refused (`Err(`[`NotOurs`]`)`), which the gateway answers as an unknown
//! code or token.
//!
//! ```
//! use authsim::ids::{AlipayUserId, AuthCode};
//! use authsim::prelude::*;
//!
//! let mut sim = Simulator::new(Config::default(), 7).unwrap();
//! let app = sim.add_app(AppSpec::new("shop").packages([Package::JsapiBasic])).unwrap();
//! let alice = sim.add_user(UserSpec::new("alice")).unwrap();
//!
//! // A user_id as a number and as Alipay's text.
//! let id: AlipayUserId = sim.alipay_user_id(alice).unwrap();
//! let number: u64 = id.get();
//! let text: String = id.to_string();
//! assert_eq!(text, number.to_string());
//! assert!(text.starts_with("2088") && text.len() == 16);
//! assert_eq!(text.parse::<AlipayUserId>(), Ok(id));
//! assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
//!
//! // A code: 32 uppercase hex digits on the wire, a u128 inside.
//! let code: AuthCode = "0123456789ABCDEF0123456789ABCDEF".parse().unwrap();
//! assert_eq!(code.get(), 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
//! assert!("0123456789abcdef0123456789abcdef".parse::<AuthCode>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::identity;

/// Text that cannot be one of the simulator's identifiers of that kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an identifier this platform issues")]
pub struct NotOurs;

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("identifiers are ASCII")
}

macro_rules! text_serde {
    ($t:ty, $what:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.with_text(|t| s.serialize_str(t))
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let t = std::borrow::Cow::<str>::deserialize(d)?;
                t.parse().map_err(|_| {
                    serde::de::Error::custom(format_args!(concat!("not ", $what, ": {:?}"), t))
                })
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.with_text(|t| f.write_str(t))
            }
        }

        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.with_text(|t| t == other)
            }
        }

        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.with_text(|t| t == *other)
            }
        }

        impl PartialEq<String> for $t {
            fn eq(&self, other: &String) -> bool {
                self.with_text(|t| t == other)
            }
        }
    };
}

/// What a method that takes an identifier accepts: the typed value itself, or text that is
/// parsed once, here (text that cannot be one of ours gives `None`, which the platform treats as
/// an unknown code or token, with the same error as any other unknown one).
pub trait IdArg<T> {
    /// The identifier, if this can be one.
    fn to_id(self) -> Option<T>;
}

macro_rules! id_arg {
    ($t:ty) => {
        impl IdArg<$t> for $t {
            fn to_id(self) -> Option<$t> {
                Some(self)
            }
        }
        impl IdArg<$t> for &$t {
            fn to_id(self) -> Option<$t> {
                Some(*self)
            }
        }
        impl IdArg<$t> for Option<$t> {
            fn to_id(self) -> Option<$t> {
                self
            }
        }
        impl IdArg<$t> for &str {
            fn to_id(self) -> Option<$t> {
                self.parse().ok()
            }
        }
        impl IdArg<$t> for &String {
            fn to_id(self) -> Option<$t> {
                self.parse().ok()
            }
        }
    };
}

/// A single-use auth code: 128 random bits, written as 32 uppercase hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthCode(u128);

impl AuthCode {
    /// The code with these bits.
    pub const fn new(bits: u128) -> Self {
        AuthCode(bits)
    }

    /// Its bits.
    pub const fn get(self) -> u128 {
        self.0
    }

    /// Calls `f` with the text, built on the stack.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(text(&crate::hex128::digits(self.0, true)))
    }
}

impl FromStr for AuthCode {
    type Err = NotOurs;
    fn from_str(s: &str) -> Result<Self, NotOurs> {
        identity::parse_code(s).map(AuthCode).ok_or(NotOurs)
    }
}

text_serde!(AuthCode, "an auth code");
id_arg!(AuthCode);

macro_rules! token {
    ($t:ident, $doc:literal) => {
        #[doc = $doc]
        ///
        /// 128 random bits behind a prefix that says how the grant was obtained: `authusrB` for a
        /// grant with more than `auth_base`, `authbseB` otherwise; lowercase hex.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $t {
            bits: u128,
            prompted: bool,
        }

        impl $t {
            /// The token with these bits, for a grant that did (`prompted`) or did not go
            /// beyond `auth_base`.
            pub const fn new(bits: u128, prompted: bool) -> Self {
                $t { bits, prompted }
            }

            /// Its bits.
            pub const fn get(self) -> u128 {
                self.bits
            }

            /// Whether its prefix is `authusrB`.
            pub const fn prompted(self) -> bool {
                self.prompted
            }

            /// Calls `f` with the text, built on the stack.
            pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
                f(text(&identity::token_bytes(self.bits, self.prompted)))
            }
        }

        impl FromStr for $t {
            type Err = NotOurs;
            fn from_str(s: &str) -> Result<Self, NotOurs> {
                let prompted = s.starts_with("authusrB");
                identity::parse_token(s)
                    .map(|bits| $t { bits, prompted })
                    .ok_or(NotOurs)
            }
        }

        text_serde!($t, "a token");
    };
}

token!(
    AccessToken,
    "An access token (`access_token`, `auth_token`)."
);
token!(RefreshToken, "A refresh token.");
id_arg!(AccessToken);
id_arg!(RefreshToken);

/// The one `user_id` of an account: 16 decimal digits starting `2088`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlipayUserId(u64);

impl AlipayUserId {
    /// The id with this value.
    pub const fn new(value: u64) -> Self {
        AlipayUserId(value)
    }

    /// Its value.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Calls `f` with the text, built on the stack.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        let mut buf = [0u8; 20];
        let at = identity::put_decimal(&mut buf, self.0);
        f(text(&buf[at..]))
    }
}

impl FromStr for AlipayUserId {
    type Err = NotOurs;
    /// Decimal digits without sign or leading zeros, as [`Display`](fmt::Display) writes them.
    fn from_str(s: &str) -> Result<Self, NotOurs> {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 20 || (b[0] == b'0' && b.len() > 1) {
            return Err(NotOurs);
        }
        b.iter()
            .try_fold(0u64, |acc, &c| {
                if !c.is_ascii_digit() {
                    return None;
                }
                acc.checked_mul(10)?.checked_add(u64::from(c - b'0'))
            })
            .map(AlipayUserId)
            .ok_or(NotOurs)
    }
}

text_serde!(AlipayUserId, "a user_id");

/// An `open_id`, one per (user, app): 47 base-62 characters, kept as they are written.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpenId([u8; 47]);

impl OpenId {
    pub(crate) const fn from_ascii(bytes: [u8; 47]) -> Self {
        OpenId(bytes)
    }

    /// Its text.
    pub fn as_str(&self) -> &str {
        text(&self.0)
    }

    /// Calls `f` with the text.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self.as_str())
    }
}

impl fmt::Debug for OpenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl FromStr for OpenId {
    type Err = NotOurs;
    fn from_str(s: &str) -> Result<Self, NotOurs> {
        let bytes: [u8; 47] = s.as_bytes().try_into().map_err(|_| NotOurs)?;
        if bytes.iter().all(u8::is_ascii_alphanumeric) {
            Ok(OpenId(bytes))
        } else {
            Err(NotOurs)
        }
    }
}

text_serde!(OpenId, "an open_id");

/// When a grant's current token began: Unix seconds, written as Beijing time
/// `YYYY-MM-DD HH:MM:SS`. Wider than i64: `clockOriginUnix` plus the clock is exact (SPEC
/// R-GW-AUTH-START).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthStart(i128);

impl AuthStart {
    /// The instant `unix_seconds`.
    pub const fn from_unix(unix_seconds: i128) -> Self {
        AuthStart(unix_seconds)
    }

    /// Unix seconds.
    pub const fn unix(self) -> i128 {
        self.0
    }

    /// Calls `f` with the text (on the stack for years 0 to 9999).
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match crate::clock::beijing_digits(self.0) {
            Ok(buf) => f(text(&buf)),
            Err(long) => f(&long),
        }
    }
}

impl FromStr for AuthStart {
    type Err = NotOurs;
    /// `YYYY-MM-DD HH:MM:SS`, Beijing time, years 0 to 9999.
    fn from_str(s: &str) -> Result<Self, NotOurs> {
        crate::clock::parse_beijing(s).map(AuthStart).ok_or(NotOurs)
    }
}

text_serde!(AuthStart, "an auth_start");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{Entropy, IdentityKeys};

    fn round_trip<T>(v: T, want: &str)
    where
        T: fmt::Display + FromStr + Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug,
        <T as FromStr>::Err: fmt::Debug,
    {
        assert_eq!(v.to_string(), want);
        assert_eq!(want.parse::<T>().unwrap(), v);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, serde_json::to_string(want).unwrap());
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), v);
    }

    #[test]
    fn text_is_todays_text() {
        let mut e = Entropy::new(9);
        let keys = IdentityKeys::draw(&mut e);
        for _ in 0..200 {
            let v = e.next_u128();
            round_trip(AuthCode::new(v), &identity::code_text(v));
            for p in [false, true] {
                round_trip(AccessToken::new(v, p), &identity::token_text(v, p));
                round_trip(RefreshToken::new(v, p), &identity::token_text(v, p));
            }
            let u = v as u32 % 1_000_000;
            let id = keys.user_id(u);
            round_trip(AlipayUserId::new(id), &identity::user_id_text(id));
            round_trip(keys.open_id_value(u, 3), &keys.open_id(u, 3));
            let t = (v % 4_000_000_000) as i128;
            round_trip(AuthStart::from_unix(t), &crate::clock::format_beijing(t));
        }
        assert_eq!(
            AuthStart::from_unix(i128::from(i64::MAX)).to_string(),
            crate::clock::format_beijing(i128::from(i64::MAX))
        );
    }

    #[test]
    fn foreign_text_is_refused() {
        for bad in [
            "",
            "x",
            "0123456789abcdef0123456789abcdef",
            " 0123456789ABCDEF0123456789ABCDEF",
        ] {
            assert_eq!(bad.parse::<AuthCode>(), Err(NotOurs), "{bad:?}");
        }
        for bad in ["authusrB", "authxxxB0123456789abcdef0123456789abcdef"] {
            assert_eq!(bad.parse::<AccessToken>(), Err(NotOurs), "{bad:?}");
        }
        for bad in ["", "02088", "+2088", "20881234567890123456789", "2088a"] {
            assert_eq!(bad.parse::<AlipayUserId>(), Err(NotOurs), "{bad:?}");
        }
        assert_eq!("a".repeat(46).parse::<OpenId>(), Err(NotOurs));
        assert_eq!(
            format!("{}-", "a".repeat(46)).parse::<OpenId>(),
            Err(NotOurs)
        );
        assert!(serde_json::from_str::<AuthCode>("\"nope\"").is_err());
    }
}
