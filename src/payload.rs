//! Payloads exactly as Alipay delivers them: the objects a mini program's callbacks receive and
//! the JSON documents the OpenAPI gateway returns. Field names and shapes are Alipay's own.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error_codes::{ClientError, Dialect, GatewayError, ResponseError};
use crate::ids::{AccessToken, AlipayUserId, AuthCode, AuthStart, OpenId, RefreshToken};
use crate::scope::{Scope, ScopeList};

/// What a step delivered: one of Alipay's payload shapes. Serializes without a tag, as the
/// platform's JSON does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Payload {
    /// `my.getAuthCode` success.
    AuthCode(AuthCodeSuccess),
    /// Any JSAPI `fail` callback.
    ClientFail(ClientFail),
    /// `my.getOpenUserInfo` / `my.getPhoneNumber`: a JSON *string* in `response`.
    Response(ResponseString),
    /// `my.getSetting`.
    Setting(SettingSuccess),
    /// The `getAuthorize` button's `onError` detail.
    AuthorizeError(AuthorizeError),
    /// `alipay.system.oauth.token` success.
    OauthToken(OauthTokenSuccess),
    /// `alipay.user.info.share` success.
    UserInfoShare(UserInfoShareSuccess),
    /// Any gateway failure.
    GatewayError(GatewayErrorResponse),
    /// Nothing (clock and revocation steps, the button's `onGetAuthorize`, a call still waiting).
    Empty(Empty),
}

/// `{}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// `my.getAuthCode` success: `{authCode, authSuccessScopes, authErrorScopes}` (sources: S-AUTHCODE-SUCCESS).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthCodeSuccess {
    /// The single-use auth code.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub auth_code: AuthCode,
    /// Scopes granted.
    // In the order requested; inline (a `ScopeList`), so a step needs no heap allocation for it.
    #[cfg_attr(feature = "schema", schemars(with = "Vec<Scope>"))]
    pub auth_success_scopes: ScopeList,
    /// Scopes not granted, each with its error code as a string.
    pub auth_error_scopes: BTreeMap<Scope, String>,
}

/// A JSAPI fail payload: `{error, errorMessage}`, plus `authErrorScopes` where scopes failed and
/// `signature` where the platform gives one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientFail {
    /// The numeric error code.
    pub error: u32,
    /// The dialect's message for it.
    pub error_message: String,
    /// Scopes that failed, where any did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_error_scopes: Option<BTreeMap<Scope, String>>,
    /// E.g. `N22104` for error 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl ClientFail {
    /// The payload of `error` in `dialect`.
    pub fn new(error: ClientError, dialect: Dialect) -> Self {
        ClientFail {
            error: error.code(),
            error_message: error.message(dialect).to_owned(),
            auth_error_scopes: None,
            signature: error.signature().map(str::to_owned),
        }
    }
}

/// `{response: "<JSON string>"}` of `my.getOpenUserInfo` and `my.getPhoneNumber`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ResponseString {
    /// The inner document, serialized: Alipay delivers a string, not an object.
    pub response: String,
}

/// The document inside `my.getOpenUserInfo`'s `response` string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenUserInfoDoc {
    /// The inner object.
    pub response: OpenUserInfoBody,
}

/// `{"code":"10000","msg":"Success","gender":"","countryCode":"","province":"","city":"",
/// "nickName":…,"avatar":…}`; gender, countryCode, province and city are always empty
/// (sources: S-OPENUSERINFO-RESPONSE); `nickName` is absent for a user without one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenUserInfoBody {
    /// `"10000"` on success.
    pub code: String,
    /// `"Success"` on success.
    pub msg: String,
    /// Always empty.
    pub gender: String,
    /// Always empty.
    pub country_code: String,
    /// Always empty.
    pub province: String,
    /// Always empty.
    pub city: String,
    /// Absent for a user without a nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// Absent for a user without an avatar (modelling assumption, like `nickName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

/// The document inside `my.getPhoneNumber`'s `response` (decrypted; see SPEC R-PHONE-PLAIN).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumberBody {
    /// `"10000"`.
    pub code: String,
    /// `"Success"`.
    pub msg: String,
    /// The mobile number; absent if the account has none (modelling assumption).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

/// A business error inside a `response` string: `{code, msg, subCode, subMsg}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseErrorBody {
    /// E.g. `"40003"`.
    pub code: String,
    /// E.g. `"Insufficient Conditions"`.
    pub msg: String,
    /// E.g. `"isv.invalid-auth-relations"`.
    pub sub_code: String,
    /// E.g. `"无效的授权关系"`.
    pub sub_msg: String,
}

impl From<ResponseError> for ResponseErrorBody {
    fn from(e: ResponseError) -> Self {
        let (code, msg, sub_code, sub_msg) = e.parts();
        ResponseErrorBody {
            code: code.into(),
            msg: msg.into(),
            sub_code: sub_code.into(),
            sub_msg: sub_msg.into(),
        }
    }
}

/// `{"response": …}` wrapping an inner body, serialized to the string the client delivers.
pub(crate) fn response_string<T: Serialize>(inner: &T) -> ResponseString {
    #[derive(Serialize)]
    struct Wrap<'a, T> {
        response: &'a T,
    }
    ResponseString {
        response: serde_json::to_string(&Wrap { response: inner })
            .expect("response bodies are plain data"),
    }
}

/// `my.getSetting` success: `{authSetting: {userInfo, phoneNumber}}` (sources: S-GETSETTING).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingSuccess {
    /// The consent flags.
    pub auth_setting: AuthSetting,
}

/// Past consent, as `my.getSetting` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthSetting {
    /// Member basic info consented.
    pub user_info: bool,
    /// Phone number consented.
    pub phone_number: bool,
}

/// The `getAuthorize` button's `onError` detail: `{type: "getAuthorize", errorMessage}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizeError {
    /// Always `"getAuthorize"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Why.
    pub error_message: String,
}

/// `{"alipay_system_oauth_token_response": {...}, "sign": "..."}` (sources: S-GW-SHAPE).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OauthTokenSuccess {
    /// The response body.
    pub alipay_system_oauth_token_response: OauthTokenBody,
    /// A placeholder: the simulator holds no keys, so nothing is signed (see SPEC R-GW-SIGN).
    // Borrowed (`UNSIGNED`) when the simulator writes it: no heap allocation per exchange.
    pub sign: Cow<'static, str>,
}

/// The body of a successful token exchange or refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OauthTokenBody {
    /// 16 digits starting 2088: one per account.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub user_id: AlipayUserId,
    /// One per (user, app).
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub open_id: OpenId,
    /// The access token.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub access_token: AccessToken,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// The refresh token.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub refresh_token: RefreshToken,
    /// Seconds until the refresh deadline (shrinks on refresh: the deadline is not restarted).
    pub re_expires_in: u64,
    /// When the grant's current token began, Beijing time `YYYY-MM-DD HH:MM:SS`.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub auth_start: AuthStart,
}

/// `{"alipay_user_info_share_response": {...}, "sign": "..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UserInfoShareSuccess {
    /// The response body.
    pub alipay_user_info_share_response: UserInfoShareBody,
    /// A placeholder, as for the token exchange.
    pub sign: Cow<'static, str>,
}

/// The member profile `alipay.user.info.share` returns (field names from sources: S-INFO-SHARE).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UserInfoShareBody {
    /// `"10000"`.
    pub code: String,
    /// `"Success"`.
    pub msg: String,
    /// The account's user_id.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub user_id: AlipayUserId,
    /// Avatar URL, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Nickname, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
}

/// `{"error_response": {code, msg, sub_code, sub_msg}}` (sources: S-GW-SHAPE).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GatewayErrorResponse {
    /// The error.
    pub error_response: GatewayErrorBody,
}

/// The body of a gateway error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GatewayErrorBody {
    /// E.g. `"40002"`.
    pub code: String,
    /// E.g. `"Invalid Arguments"`.
    pub msg: String,
    /// E.g. `"isv.code-invalid"`.
    pub sub_code: String,
    /// E.g. `"授权码code无效"`.
    pub sub_msg: String,
}

impl From<GatewayError> for GatewayErrorResponse {
    fn from(e: GatewayError) -> Self {
        let (code, msg, sub_code, sub_msg) = e.parts();
        GatewayErrorResponse {
            error_response: GatewayErrorBody {
                code: code.into(),
                msg: msg.into(),
                sub_code: sub_code.into(),
                sub_msg: sub_msg.into(),
            },
        }
    }
}

/// The `sign` placeholder of gateway successes.
pub const UNSIGNED: &str = "AUTHSIM_UNSIGNED";
