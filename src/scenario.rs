//! Scenarios and traces: the JSON contract between authsim and everything outside Rust.
//!
//! A [`Scenario`] declares a world (seed, [`Config`], apps, users) and a list of [`StepSpec`]s;
//! [`run`] plays it on a fresh [`Simulator`](crate::sim::Simulator) and returns a [`Trace`]: per
//! step the outcome, the popups, the payload exactly as Alipay delivers it and the policy
//! findings, plus any [`Expect`]ation that did not hold. [`parse`] reads a scenario from text and
//! reports any problem as one [`ScenarioError`] with its `line:column` and step number.
//! SPEC.md §8 defines both formats; `schemas/` holds their JSON Schemas, generated
//! from these types by `scenario_schema` and `trace_schema` (feature `schema`).
//!
//! ```
//! let text = r#"{"apps": [{"name": "shop", "packages": ["jsapi_basic"]}],
//!                "users": [{"name": "alice"}],
//!                "steps": [{"op": "my.getAuthCode", "user": "alice", "app": "shop",
//!                           "expect": {"outcome": "success", "popups": 0}}]}"#;
//! let scenario = authsim::scenario::parse(text).unwrap();
//! let trace = authsim::scenario::run(&scenario).unwrap();
//! assert_eq!(trace.summary.expectations_failed, 0);
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::call::{Decision, Network, Page};
use crate::config::Config;
use crate::findings::FindingId;
use crate::scope::ScopesArg;
use crate::world::Package;

pub mod locate;
mod parse;
mod run;

pub use parse::{from_value, parse, parse_header, parse_step, validate};

impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        from_value(value).map_err(serde::de::Error::custom)
    }
}
pub use run::{
    Refusal, Runner, SavedStep, Summary, Trace, TraceOutcome, TraceResult, TraceStep, run,
};
#[cfg(feature = "schema")]
pub use run::{scenario_schema, trace_schema};

/// A scenario: the world, then the steps played in it. Deserializing one checks it as
/// [`parse`] does (without positions).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct Scenario {
    /// The world: everything but the steps.
    #[serde(flatten)]
    pub header: Header,
    /// The steps, played in order.
    pub steps: Vec<StepSpec>,
}

/// Everything in a scenario except its steps (also the first line of `authsim serve --stdio`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Header {
    /// Seeds the one random stream every code, id and token is drawn from (default 0).
    #[serde(default)]
    pub seed: u64,
    /// The platform's configuration; every field has a default.
    #[serde(default)]
    pub config: Config,
    /// The mini programs, each with a unique name.
    #[serde(default)]
    pub apps: Vec<AppDecl>,
    /// The Alipay accounts, each with a unique name.
    #[serde(default)]
    pub users: Vec<UserDecl>,
    /// The SPEC.md rule ids this scenario checks (conformance vectors); not interpreted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// What the scenario shows; not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A mini program: its name, the feature packages it has signed, and whether it is an
/// enterprise mini program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AppDecl {
    /// Unique among the apps; steps name the app by it.
    pub name: String,
    /// `jsapi_basic`, `member_basic_info`, `member_info`, `phone_number` (default none).
    #[serde(default)]
    pub packages: Vec<Package>,
    /// Only enterprise mini programs may ask for the phone number (default false).
    #[serde(default)]
    pub enterprise: bool,
    /// The app's `app_id` as Alipay's gateway knows it: 16 ASCII digits, unique among the apps.
    /// Only the wire form reads it (the `authsim` tool's HTTP gateway and signed traces); absent,
    /// the tool derives one from the seed (SPEC R-HTTP-APP-ID).
    #[serde(default, rename = "appId", skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// The app's public key as the Alipay console takes it (PEM, or bare base64 of the
    /// SubjectPublicKeyInfo). Carried for the tool's wire form; the model does not read it.
    #[serde(default, rename = "publicKey", skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// The app's content-encryption AES key, base64 of 16 bytes (`my.getPhoneNumber`'s wire
    /// form). Carried for the tool; the model does not read it.
    #[serde(default, rename = "aesKey", skip_serializing_if = "Option::is_none")]
    pub aes_key: Option<String>,
}

impl AppDecl {
    /// Whether the app carries any wire-form setting (`appId`, `publicKey` or `aesKey`).
    pub fn has_wire_settings(&self) -> bool {
        self.app_id.is_some() || self.public_key.is_some() || self.aes_key.is_some()
    }
}

/// An Alipay account: its name and the profile fields it has (each may be absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserDecl {
    /// Unique among the users; steps name the user by it.
    pub name: String,
    /// The nickname; absent means the account has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// The avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// The mobile number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

/// One step of a scenario, tagged by `op`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op")]
pub enum StepSpec {
    /// A whole `my.getAuthCode` call.
    #[serde(rename = "my.getAuthCode")]
    GetAuthCode(AuthCodeStep),
    /// A tap on `<button open-type="getAuthorize" scope="…">`.
    #[serde(rename = "button.getAuthorize")]
    Authorize(ButtonStep),
    /// `my.getOpenUserInfo`.
    #[serde(rename = "my.getOpenUserInfo")]
    GetOpenUserInfo(PairStep),
    /// `my.getPhoneNumber`.
    #[serde(rename = "my.getPhoneNumber")]
    GetPhoneNumber(PairStep),
    /// `my.getSetting`.
    #[serde(rename = "my.getSetting")]
    GetSetting(PairStep),
    /// `alipay.system.oauth.token`, called by the app's server.
    #[serde(rename = "alipay.system.oauth.token")]
    OauthToken(TokenStep),
    /// `alipay.user.info.share`, called by the app's server.
    #[serde(rename = "alipay.user.info.share")]
    UserInfoShare(ShareStep),
    /// Time passes.
    #[serde(rename = "clock.advance")]
    AdvanceClock(ClockStep),
    /// The user revokes the app in its settings.
    #[serde(rename = "user.revoke")]
    Revoke(PairStep),
    /// Starts a `my.getAuthCode` call driven step by step; its `save` name is the call's handle.
    #[serde(rename = "call.invoke")]
    Invoke(InvokeStep),
    /// The user answers the popup of a step-wise call.
    #[serde(rename = "call.decide")]
    Decide(DecideStep),
    /// The network answers the request of a step-wise call.
    #[serde(rename = "call.network")]
    Deliver(NetworkStep),
}

/// The `op` names, in the order [`StepSpec`] lists them.
pub const OPS: [&str; 12] = [
    "my.getAuthCode",
    "button.getAuthorize",
    "my.getOpenUserInfo",
    "my.getPhoneNumber",
    "my.getSetting",
    "alipay.system.oauth.token",
    "alipay.user.info.share",
    "clock.advance",
    "user.revoke",
    "call.invoke",
    "call.decide",
    "call.network",
];

/// `my.getAuthCode`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthCodeStep {
    /// The user's name.
    pub user: String,
    /// The app's name (the host app, when the call comes from a plugin).
    pub app: String,
    /// The raw `scopes` argument: a string, an array of strings, or absent (`auth_base`).
    /// Anything else is passed on as written and fails the call with error 2.
    #[serde(default, skip_serializing_if = "is_missing")]
    pub scopes: ScopesArg,
    /// The user's answer if a popup shows (default `accept`).
    #[serde(default)]
    pub decision: Decision,
    /// What the network does (default `ok`).
    #[serde(default)]
    pub network: Network,
    /// Where the call is made (default: not the first screen, `onTap`, container `page`).
    #[serde(default)]
    pub page: Page,
    /// Names this step's result for later `"$name.field"` references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// What this step must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// A note for people (the demo's table shows it); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `call.invoke`: starts a `my.getAuthCode` call that later `call.decide` / `call.network` steps
/// drive, naming it by this step's `save`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct InvokeStep {
    /// The user's name.
    pub user: String,
    /// The app's name (the host app, when the call comes from a plugin).
    pub app: String,
    /// The raw `scopes` argument, as for `my.getAuthCode`.
    #[serde(default, skip_serializing_if = "is_missing")]
    pub scopes: ScopesArg,
    /// Where the call is made (default: not the first screen, `onTap`, container `page`).
    #[serde(default)]
    pub page: Page,
    /// Names the call: later steps drive it with `"call": "$name"`; also names this step's
    /// result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// What this step must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// A note for people (the demo's table shows it); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `call.decide`: the user answers the popup of the call started by a `call.invoke` step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DecideStep {
    /// `"$name"`: the `save` name of an earlier `call.invoke` step.
    pub call: String,
    /// The user's answer.
    pub decision: Decision,
    /// Names this step's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// What this step must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// A note for people (the demo's table shows it); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `call.network`: the network answers the request of the call started by a `call.invoke` step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NetworkStep {
    /// `"$name"`: the `save` name of an earlier `call.invoke` step.
    pub call: String,
    /// What the network does.
    pub network: Network,
    /// Names this step's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// What this step must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// A note for people (the demo's table shows it); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn is_missing(s: &ScopesArg) -> bool {
    s.0.is_none()
}

/// A tap on `<button open-type="getAuthorize" scope="…">`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ButtonStep {
    /// The user's name.
    pub user: String,
    /// The app's name.
    pub app: String,
    /// The button's `scope` attribute as written: `userInfo` or `phoneNumber` work; anything
    /// else ends in `onError`.
    pub scope: String,
    /// The user's answer if a popup shows (default `accept`).
    #[serde(default)]
    pub decision: Decision,
    /// What the network does (default `ok`).
    #[serde(default)]
    pub network: Network,
    /// Names this step's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// What this step must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// A note for people (the demo's table shows it); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A step about one (user, app) pair: `my.getOpenUserInfo`, `my.getPhoneNumber`,
/// `my.getSetting`, `user.revoke`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PairStep {
    /// The user's name.
    pub user: String,
    /// The app's name.
    pub app: String,
    /// Names this step's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// What this step must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// A note for people (the demo's table shows it); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `alipay.system.oauth.token`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenStep {
    /// The calling app's name.
    pub app: String,
    /// `authorization_code`, `refresh_token`, or anything else (refused by the gateway).
    pub grant_type: String,
    /// The code, for `authorization_code`; usually a reference like `"$c1.authCode"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The refresh token, for `refresh_token`; usually `"$t1.refresh_token"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Names this step's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// What this step must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// A note for people (the demo's table shows it); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `alipay.user.info.share`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ShareStep {
    /// The calling app's name.
    pub app: String,
    /// The access token; usually `"$t1.access_token"`.
    pub auth_token: String,
    /// Names this step's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// What this step must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// A note for people (the demo's table shows it); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `clock.advance`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClockStep {
    /// How many seconds pass.
    pub seconds: u64,
    /// Names this step's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// What this step must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// A note for people (the demo's table shows it); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a step must produce. Every field is optional; each one given is checked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The trace's `outcome`: `success`/`fail` (client), `ok`/`error` (gateway), `ok` (clock,
    /// revoke), `pending` (only `call.*` steps), `refused` (only `call.decide` / `call.network`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<TraceOutcome>,
    /// Popups shown by the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub popups: Option<u32>,
    /// The client error number: `result.error` of a `fail` payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<u32>,
    /// The business code: `code` inside a gateway result's `*_response` object, or inside the
    /// `response` JSON string of `my.getOpenUserInfo` / `my.getPhoneNumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The business sub-code, from the same place: `sub_code` (gateway) or `subCode` (client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_code: Option<String>,
    /// The exact set of finding ids the step raised (`[]` asserts none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<Vec<FindingId>>,
    /// A pattern the `result` must match (see SPEC.md §8.5): objects match when every
    /// member given matches; `"$name.field"` strings are references; `{"$ne": v}`,
    /// `{"$exact": v}` and `{"$absent": true}` are operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
}

/// Evaluates `$body` with `$s` bound to the op-specific struct of any step: every one of them
/// carries `save`, `expect` and `note` (as fields of its own, since serde cannot combine
/// `flatten` with `deny_unknown_fields`).
macro_rules! any_step {
    ($step:expr, $s:ident => $body:expr) => {
        match $step {
            StepSpec::GetAuthCode($s) => $body,
            StepSpec::Authorize($s) => $body,
            StepSpec::GetOpenUserInfo($s)
            | StepSpec::GetPhoneNumber($s)
            | StepSpec::GetSetting($s)
            | StepSpec::Revoke($s) => $body,
            StepSpec::OauthToken($s) => $body,
            StepSpec::UserInfoShare($s) => $body,
            StepSpec::AdvanceClock($s) => $body,
            StepSpec::Invoke($s) => $body,
            StepSpec::Decide($s) => $body,
            StepSpec::Deliver($s) => $body,
        }
    };
}

impl StepSpec {
    /// The `op` name.
    pub fn op(&self) -> &'static str {
        match self {
            StepSpec::GetAuthCode(_) => OPS[0],
            StepSpec::Authorize(_) => OPS[1],
            StepSpec::GetOpenUserInfo(_) => OPS[2],
            StepSpec::GetPhoneNumber(_) => OPS[3],
            StepSpec::GetSetting(_) => OPS[4],
            StepSpec::OauthToken(_) => OPS[5],
            StepSpec::UserInfoShare(_) => OPS[6],
            StepSpec::AdvanceClock(_) => OPS[7],
            StepSpec::Revoke(_) => OPS[8],
            StepSpec::Invoke(_) => OPS[9],
            StepSpec::Decide(_) => OPS[10],
            StepSpec::Deliver(_) => OPS[11],
        }
    }

    /// The name the step's result is saved under.
    pub fn save(&self) -> Option<&str> {
        any_step!(self, s => s.save.as_deref())
    }

    /// The step's expectations.
    pub fn expect(&self) -> Option<&Expect> {
        any_step!(self, s => s.expect.as_ref())
    }

    /// The step's note.
    pub fn note(&self) -> Option<&str> {
        any_step!(self, s => s.note.as_deref())
    }

    /// The user and app names the step refers to.
    pub fn names(&self) -> (Option<&str>, Option<&str>) {
        match self {
            StepSpec::GetAuthCode(s) => (Some(&s.user), Some(&s.app)),
            StepSpec::Authorize(s) => (Some(&s.user), Some(&s.app)),
            StepSpec::GetOpenUserInfo(s)
            | StepSpec::GetPhoneNumber(s)
            | StepSpec::GetSetting(s)
            | StepSpec::Revoke(s) => (Some(&s.user), Some(&s.app)),
            StepSpec::OauthToken(s) => (None, Some(&s.app)),
            StepSpec::UserInfoShare(s) => (None, Some(&s.app)),
            StepSpec::AdvanceClock(_) => (None, None),
            StepSpec::Invoke(s) => (Some(&s.user), Some(&s.app)),
            StepSpec::Decide(_) | StepSpec::Deliver(_) => (None, None),
        }
    }

    /// For `call.decide` and `call.network`, the `call` member (`"$name"`).
    pub fn call_handle(&self) -> Option<&str> {
        match self {
            StepSpec::Decide(s) => Some(&s.call),
            StepSpec::Deliver(s) => Some(&s.call),
            _ => None,
        }
    }

    /// The string arguments that may hold `"$name.field"` references, with their field names.
    pub fn reference_fields(&self) -> Vec<(&'static str, &str)> {
        match self {
            StepSpec::OauthToken(s) => {
                let mut v = Vec::new();
                if let Some(c) = &s.code {
                    v.push(("code", c.as_str()));
                }
                if let Some(r) = &s.refresh_token {
                    v.push(("refresh_token", r.as_str()));
                }
                v
            }
            StepSpec::UserInfoShare(s) => vec![("auth_token", s.auth_token.as_str())],
            _ => Vec::new(),
        }
    }
}

/// A problem with a scenario: where it is, and what it is. Displays as one line:
/// `12:7: step 3: unknown op "my.getAuthcode"` (the command prefixes the file name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// `line:column` in the scenario text, when known.
    pub pos: Option<locate::Pos>,
    /// The step (counted from 1), when the problem is in one.
    pub step: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// JSON Pointer of the offending value, to find `pos` once the text is at hand.
    pub(crate) pointer: Option<String>,
    /// Whether `pos` should be the member's key (an unknown field) rather than its value.
    pub(crate) on_key: bool,
}

impl ScenarioError {
    /// An error with just a message.
    pub fn new(message: impl Into<String>) -> Self {
        ScenarioError {
            pos: None,
            step: None,
            message: message.into(),
            pointer: None,
            on_key: false,
        }
    }

    /// Points at the key of the member rather than its value.
    pub(crate) fn on_key(mut self) -> Self {
        self.on_key = true;
        self
    }

    /// Puts the pointer under `prefix` (a step's pointer inside the document).
    pub(crate) fn under(mut self, prefix: &str) -> Self {
        self.pointer = Some(format!("{prefix}{}", self.pointer.as_deref().unwrap_or("")));
        self
    }

    /// Sets the step number.
    pub fn at_step(mut self, step: usize) -> Self {
        self.step = Some(step);
        self
    }

    /// Sets the JSON Pointer (RFC 6901) of the offending value, relative to the step or
    /// document being read.
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    /// The JSON Pointer of the offending value, when known.
    pub fn pointer(&self) -> Option<&str> {
        self.pointer.as_deref()
    }

    /// The one-line message with `source` (a file name, `-` for standard input) in front.
    pub fn with_source(&self, source: &str) -> String {
        if self.pos.is_some() {
            format!("{source}:{self}")
        } else {
            format!("{source}: {self}")
        }
    }
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(p) = self.pos {
            write!(f, "{}:{}: ", p.line, p.column)?;
        }
        if let Some(s) = self.step {
            write!(f, "step {s}: ")?;
        }
        // One line, whatever the message holds: values clipped to 80 characters, control and
        // bidirectional characters escaped (R-LIMIT-ECHO).
        f.write_str(&crate::text::tidy(&self.message))
    }
}

impl std::error::Error for ScenarioError {}
