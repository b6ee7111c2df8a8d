//! Scopes: what a mini program asks `my.getAuthCode` for, and how the raw `scopes` argument is read.
//!
//! `auth_base` is silent (no popup); every other scope is prompted (sources: S-SCOPE-SILENT).
//! The argument is kept as raw JSON ([`ScopesArg`]) because the real API accepts a String or an
//! Array and the simulator must be able to reject anything else with error 2.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One authorization scope accepted by `my.getAuthCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Scope {
    /// Silent: yields only `user_id` through `alipay.system.oauth.token` (sources: S-SCOPE-SILENT).
    #[serde(rename = "auth_base")]
    AuthBase,
    /// Prompted: member information through `alipay.user.info.share` (sources: S-SCOPE-AUTH-USER).
    #[serde(rename = "auth_user")]
    AuthUser,
    /// Prompted: Zhima credit; listed by an older Chinese page (sources: S-SCOPES-INTL).
    #[serde(rename = "auth_zhima")]
    AuthZhima,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "SEND_MESSAGE")]
    SendMessage,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "USER_NICKNAME")]
    UserNickname,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "USER_NAME")]
    UserName,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "USER_LOGIN_ID")]
    UserLoginId,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "PLAINTEXT_USER_LOGIN_ID")]
    PlaintextUserLoginId,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "HASH_LOGIN_ID")]
    HashLoginId,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "USER_AVATAR")]
    UserAvatar,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "USER_GENDER")]
    UserGender,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "USER_BIRTHDAY")]
    UserBirthday,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "USER_NATIONALITY")]
    UserNationality,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "USER_CONTACTINFO")]
    UserContactInfo,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "USER_ADDRESS")]
    UserAddress,
    /// Prompted (sources: S-SCOPES-INTL).
    #[serde(rename = "PLAINTEXT_MOBILE_PHONE")]
    PlaintextMobilePhone,
}

impl Scope {
    /// Every scope, in canonical order (the order of the bits in [`ScopeSet`]).
    pub const ALL: [Scope; 16] = [
        Scope::AuthBase,
        Scope::AuthUser,
        Scope::AuthZhima,
        Scope::SendMessage,
        Scope::UserNickname,
        Scope::UserName,
        Scope::UserLoginId,
        Scope::PlaintextUserLoginId,
        Scope::HashLoginId,
        Scope::UserAvatar,
        Scope::UserGender,
        Scope::UserBirthday,
        Scope::UserNationality,
        Scope::UserContactInfo,
        Scope::UserAddress,
        Scope::PlaintextMobilePhone,
    ];

    /// The name a mini program passes, e.g. `"auth_user"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::AuthBase => "auth_base",
            Scope::AuthUser => "auth_user",
            Scope::AuthZhima => "auth_zhima",
            Scope::SendMessage => "SEND_MESSAGE",
            Scope::UserNickname => "USER_NICKNAME",
            Scope::UserName => "USER_NAME",
            Scope::UserLoginId => "USER_LOGIN_ID",
            Scope::PlaintextUserLoginId => "PLAINTEXT_USER_LOGIN_ID",
            Scope::HashLoginId => "HASH_LOGIN_ID",
            Scope::UserAvatar => "USER_AVATAR",
            Scope::UserGender => "USER_GENDER",
            Scope::UserBirthday => "USER_BIRTHDAY",
            Scope::UserNationality => "USER_NATIONALITY",
            Scope::UserContactInfo => "USER_CONTACTINFO",
            Scope::UserAddress => "USER_ADDRESS",
            Scope::PlaintextMobilePhone => "PLAINTEXT_MOBILE_PHONE",
        }
    }

    /// Reads a scope name; names are case-sensitive, as the platform's are.
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// `auth_base` never shows a popup; every other scope needs the user's consent (sources: S-SCOPE-SILENT).
    pub const fn is_silent(self) -> bool {
        matches!(self, Scope::AuthBase)
    }

    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes as a bit mask: cheap to copy, hash and compare (the explorer hashes states).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ScopeSet(u32);

impl ScopeSet {
    /// The empty set.
    pub const EMPTY: ScopeSet = ScopeSet(0);

    /// Whether `scope` is in the set.
    pub const fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// The set with `scope` added (usable in constants).
    pub const fn with(self, scope: Scope) -> ScopeSet {
        ScopeSet(self.0 | scope.bit())
    }

    /// Whether the two sets share a scope.
    pub const fn intersects(self, other: ScopeSet) -> bool {
        self.0 & other.0 != 0
    }

    /// Adds `scope`.
    pub fn insert(&mut self, scope: Scope) {
        self.0 |= scope.bit();
    }

    /// The union of two sets.
    pub const fn union(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 | other.0)
    }

    /// The scopes of `self` not in `other`.
    pub const fn minus(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & !other.0)
    }

    /// Whether every scope of `self` is in `other`.
    pub const fn is_subset(self, other: ScopeSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes in canonical order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut set = ScopeSet::EMPTY;
        for s in iter {
            set.insert(s);
        }
        set
    }
}

/// The raw `scopes` argument of `my.getAuthCode`, exactly as a mini program would pass it.
///
/// `None` means the argument was left out (it defaults to `auth_base`, sources: S-SCOPES-ARG). Anything that
/// is not a known scope name or a non-empty array of them is rejected with error 2 (sources: S-ERR-2).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct ScopesArg(pub Option<Value>);

/// The argument as the mini program wrote it (`ScopesArg("auth_user")`, `ScopesArg(missing)`):
/// counterexamples print actions, and the JSON reads better than `Some(String(…))`.
impl std::fmt::Debug for ScopesArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("ScopesArg(missing)"),
            Some(v) => write!(f, "ScopesArg({v})"),
        }
    }
}

impl ScopesArg {
    /// The argument left out: `auth_base`.
    pub fn missing() -> Self {
        ScopesArg(None)
    }

    /// An array of scope names, as the international page requires (sources: S-SCOPES-ARG).
    pub fn list<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        ScopesArg(Some(Value::Array(
            names
                .into_iter()
                .map(|n| Value::String(n.as_ref().to_owned()))
                .collect(),
        )))
    }

    /// Resolves the argument into the requested scopes, deduplicated, in the order given.
    pub fn resolve(&self) -> Result<RequestedScopes, ScopeError> {
        let mut req = RequestedScopes::default();
        match &self.0 {
            None | Some(Value::Null) => req.push(Scope::AuthBase),
            Some(Value::String(name)) => req.push(parse_name(name)?),
            Some(Value::Array(items)) => {
                if items.is_empty() {
                    return Err(ScopeError::EmptyArray);
                }
                for item in items {
                    match item {
                        Value::String(name) => req.push(parse_name(name)?),
                        other => return Err(ScopeError::WrongType(json_type(other).into())),
                    }
                }
            }
            Some(other) => return Err(ScopeError::WrongType(json_type(other).into())),
        }
        Ok(req)
    }
}

impl From<&str> for ScopesArg {
    fn from(name: &str) -> Self {
        ScopesArg(Some(Value::String(name.to_owned())))
    }
}

impl From<Scope> for ScopesArg {
    fn from(scope: Scope) -> Self {
        ScopesArg::from(scope.as_str())
    }
}

impl<const N: usize> From<[Scope; N]> for ScopesArg {
    fn from(scopes: [Scope; N]) -> Self {
        ScopesArg::list(scopes.iter().map(|s| s.as_str()))
    }
}

fn parse_name(name: &str) -> Result<Scope, ScopeError> {
    Scope::parse(name).ok_or_else(|| ScopeError::Unknown(name.to_owned()))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Why a `scopes` argument was rejected (the call fails with error 2).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ScopeError {
    /// A name that is not a known scope.
    #[error("unknown scope {0:?}")]
    Unknown(String),
    /// `[]`.
    #[error("scopes is an empty array")]
    EmptyArray,
    /// Neither a string nor an array of strings.
    #[error("scopes has the wrong type ({0}); expected a string or an array of strings")]
    WrongType(String),
}

/// Scopes in a given order, each at most once (so at most 16), kept inline: a step's
/// `authSuccessScopes` needs no heap allocation. Reads as a slice; serializes as a JSON array.
#[derive(Clone, Copy)]
pub struct ScopeList {
    len: u8,
    items: [Scope; Scope::ALL.len()],
}

impl ScopeList {
    /// No scope.
    pub const EMPTY: ScopeList = ScopeList {
        len: 0,
        items: [Scope::AuthBase; Scope::ALL.len()],
    };

    /// Appends `scope` unless the list has it already; says whether it was appended.
    pub fn push(&mut self, scope: Scope) -> bool {
        if self.contains(&scope) {
            return false;
        }
        // A list holds each of the 16 scopes at most once, so there is always room.
        self.items[usize::from(self.len)] = scope;
        self.len += 1;
        true
    }

    /// The scopes, in order.
    pub fn as_slice(&self) -> &[Scope] {
        &self.items[..usize::from(self.len)]
    }
}

impl Default for ScopeList {
    fn default() -> Self {
        ScopeList::EMPTY
    }
}

impl std::ops::Deref for ScopeList {
    type Target = [Scope];
    fn deref(&self) -> &[Scope] {
        self.as_slice()
    }
}

impl std::fmt::Debug for ScopeList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl PartialEq for ScopeList {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for ScopeList {}

impl std::hash::Hash for ScopeList {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl PartialEq<[Scope]> for ScopeList {
    fn eq(&self, other: &[Scope]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<Vec<Scope>> for ScopeList {
    fn eq(&self, other: &Vec<Scope>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<const N: usize> PartialEq<[Scope; N]> for ScopeList {
    fn eq(&self, other: &[Scope; N]) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl FromIterator<Scope> for ScopeList {
    /// The scopes in order, each kept the first time it comes.
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut list = ScopeList::EMPTY;
        for s in iter {
            list.push(s);
        }
        list
    }
}

impl<'a> IntoIterator for &'a ScopeList {
    type Item = &'a Scope;
    type IntoIter = std::slice::Iter<'a, Scope>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl Serialize for ScopeList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ScopeList {
    /// An array of scope names, each at most once.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut list = ScopeList::EMPTY;
        for s in Vec::<Scope>::deserialize(d)? {
            if !list.push(s) {
                return Err(serde::de::Error::custom(format_args!(
                    "scope {s} listed twice"
                )));
            }
        }
        Ok(list)
    }
}

/// The scopes a call asked for: the order the caller gave (for `authSuccessScopes`) and a set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestedScopes {
    order: ScopeList,
    set: ScopeSet,
}

impl RequestedScopes {
    fn push(&mut self, scope: Scope) {
        if !self.set.contains(scope) {
            self.set.insert(scope);
            self.order.push(scope);
        }
    }

    /// The scopes in the order requested, without duplicates.
    pub fn in_order(&self) -> &[Scope] {
        &self.order
    }

    /// The scopes as a set.
    pub fn set(&self) -> ScopeSet {
        self.set
    }

    /// The scopes that need consent (all but `auth_base`).
    pub fn prompted(&self) -> ScopeSet {
        self.order
            .iter()
            .copied()
            .filter(|s| !s.is_silent())
            .collect()
    }
}
