//! The error tables: every error code and message the simulator can produce, in one place.
//!
//! Client side (`my.getAuthCode` and friends): the fixed codes 2, 3, 4, 10, 11 with the seed pages'
//! messages, behind a [`Dialect`] so that the other published variants (S-ERR-VARIANTS) can be added
//! by name. Server side (the gateway): each `sub_code` with its `code`, `msg` and `sub_msg`.

use serde::{Deserialize, Serialize};

/// Which published table of client error messages to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Dialect {
    /// The codes the seed pages give (the four pages listed first in `docs/sources.md`): 2, 3, 4,
    /// 10, 11 (S-ERR-2 … S-ERR-11), plus 1 for an API the container does not support
    /// (S-ERR-1-UNSUPPORTED).
    #[default]
    Seeds,
}

/// A client-side failure of a JSAPI call, delivered to its `fail` callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ClientError {
    /// 1: the API is not available in this container (web-view). Modelling assumption: the
    /// platform's answer for an unsupported API (sources: S-ERR-1-UNSUPPORTED).
    Unsupported,
    /// 2: invalid parameters (sources: S-ERR-2).
    InvalidParameters,
    /// 3: the popup was closed; no authorization result (sources: S-ERR-3).
    Dismissed,
    /// 4: no permission: the app lacks the JSAPI base package (N22104, sources: S-ERR-4).
    NoPermission,
    /// 10: network failure or timeout (sources: S-ERR-10).
    Network,
    /// 11: the user tapped deny (sources: S-ERR-11).
    Denied,
}

impl ClientError {
    /// Every client error, in the order of SPEC §2.4's table (a test ties the two).
    pub const ALL: [ClientError; 6] = [
        ClientError::Unsupported,
        ClientError::InvalidParameters,
        ClientError::Dismissed,
        ClientError::NoPermission,
        ClientError::Network,
        ClientError::Denied,
    ];

    /// The numeric `error` of the fail payload.
    pub const fn code(self) -> u32 {
        match self {
            ClientError::Unsupported => 1,
            ClientError::InvalidParameters => 2,
            ClientError::Dismissed => 3,
            ClientError::NoPermission => 4,
            ClientError::Network => 10,
            ClientError::Denied => 11,
        }
    }

    /// The `errorMessage` in `dialect`.
    pub const fn message(self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Seeds => match self {
                ClientError::Unsupported => "该接口暂不支持",
                ClientError::InvalidParameters => "Invalid parameters",
                ClientError::Dismissed => "未找到授权结果",
                ClientError::NoPermission => "无权调用",
                ClientError::Network => "Empty data",
                ClientError::Denied => "用户点击拒绝授权",
            },
        }
    }

    /// The `signature` the platform adds to some failures (`N22104` for error 4, sources: S-ERR-4).
    pub const fn signature(self) -> Option<&'static str> {
        match self {
            ClientError::NoPermission => Some("N22104"),
            _ => None,
        }
    }
}

/// The value `authErrorScopes` gives a scope the user did not grant: `"10001"` (sources:
/// S-AUTHCODE-FAIL; the international page's masked example `"1***1"` has the same shape).
pub const SCOPE_NOT_GRANTED: &str = "10001";

/// A gateway (OpenAPI) error, as `error_response` carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum GatewayError {
    /// `isv.code-invalid`: unknown, used or expired auth code (sources: S-GW-SUBCODES).
    CodeInvalid,
    /// `isv.unmatched-app-id`: the code was issued to another app (sources: S-GW-SUBCODES).
    UnmatchedAppId,
    /// `isv.grant-type-invalid`: neither `authorization_code` nor `refresh_token` (sources: S-GW-SUBCODES).
    GrantTypeInvalid,
    /// `isv.refresh-token-invalid`: unknown, rotated or revoked refresh token (sources: S-GW-SUBCODES).
    RefreshTokenInvalid,
    /// `isv.refresh-token-time-out`: the refresh deadline has passed (sources: S-GW-SUBCODES).
    RefreshTokenTimeOut,
    /// `aop.invalid-auth-token`: unknown, rotated or revoked access token (sources: S-INFO-SHARE).
    InvalidAuthToken,
    /// `aop.auth-token-time-out`: the access token has expired (sources: S-INFO-SHARE).
    AuthTokenTimeOut,
    /// `isv.insufficient-isv-permissions`: the app lacks the package (sources: S-INFO-SHARE).
    InsufficientIsvPermissions,
    /// `isv.insufficient-user-permissions`: the token's grant does not cover the API (an
    /// `auth_base` token at `alipay.user.info.share`). Modelling assumption: sub-code not sourced.
    InsufficientUserPermissions,
}

impl GatewayError {
    /// Every gateway error, in the order of SPEC §6's table (a test ties the two).
    pub const ALL: [GatewayError; 9] = [
        GatewayError::CodeInvalid,
        GatewayError::UnmatchedAppId,
        GatewayError::GrantTypeInvalid,
        GatewayError::RefreshTokenInvalid,
        GatewayError::RefreshTokenTimeOut,
        GatewayError::InvalidAuthToken,
        GatewayError::AuthTokenTimeOut,
        GatewayError::InsufficientIsvPermissions,
        GatewayError::InsufficientUserPermissions,
    ];

    /// `code`, `msg`, `sub_code`, `sub_msg` of the error.
    pub const fn parts(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            GatewayError::CodeInvalid => (
                "40002",
                "Invalid Arguments",
                "isv.code-invalid",
                "授权码code无效",
            ),
            GatewayError::UnmatchedAppId => (
                "40002",
                "Invalid Arguments",
                "isv.unmatched-app-id",
                "授权码与应用不匹配",
            ),
            GatewayError::GrantTypeInvalid => (
                "40002",
                "Invalid Arguments",
                "isv.grant-type-invalid",
                "grant_type参数不正确",
            ),
            GatewayError::RefreshTokenInvalid => (
                "40002",
                "Invalid Arguments",
                "isv.refresh-token-invalid",
                "刷新令牌refresh_token无效",
            ),
            GatewayError::RefreshTokenTimeOut => (
                "40002",
                "Invalid Arguments",
                "isv.refresh-token-time-out",
                "刷新令牌refresh_token过期",
            ),
            GatewayError::InvalidAuthToken => (
                "20001",
                "Insufficient Token Permissions",
                "aop.invalid-auth-token",
                "无效的访问令牌",
            ),
            GatewayError::AuthTokenTimeOut => (
                "20001",
                "Insufficient Token Permissions",
                "aop.auth-token-time-out",
                "访问令牌已过期",
            ),
            GatewayError::InsufficientIsvPermissions => (
                "40006",
                "Insufficient Permissions",
                "isv.insufficient-isv-permissions",
                "ISV权限不足",
            ),
            GatewayError::InsufficientUserPermissions => (
                "40006",
                "Insufficient Permissions",
                "isv.insufficient-user-permissions",
                "用户授权权限不足",
            ),
        }
    }

    /// The `sub_code`.
    pub const fn sub_code(self) -> &'static str {
        self.parts().2
    }
}

/// A business result inside a client `response` string (`my.getOpenUserInfo`,
/// `my.getPhoneNumber`): the OpenAPI codes, spelled in camelCase as the client spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ResponseError {
    /// 40003 `isv.invalid-auth-relations`: no consent for this data (sources: S-OPENUSERINFO-ERRORS).
    InvalidAuthRelations,
    /// 40006 `isv.insufficient-isv-permissions`: the app lacks the package (sources:
    /// S-OPENUSERINFO-ERRORS).
    InsufficientIsvPermissions,
}

impl ResponseError {
    /// Every business error of a client `response`, in the order of SPEC §4's table (a test
    /// ties the two).
    pub const ALL: [ResponseError; 2] = [
        ResponseError::InvalidAuthRelations,
        ResponseError::InsufficientIsvPermissions,
    ];

    /// `code`, `msg`, `subCode`, `subMsg`.
    pub const fn parts(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            ResponseError::InvalidAuthRelations => (
                "40003",
                "Insufficient Conditions",
                "isv.invalid-auth-relations",
                "无效的授权关系",
            ),
            ResponseError::InsufficientIsvPermissions => (
                "40006",
                "Insufficient Permissions",
                "isv.insufficient-isv-permissions",
                "ISV权限不足",
            ),
        }
    }
}

// The numbers and sub-codes tests compare against, named once (re-exported at the crate root), so
// that a test reads `step.client_error() == Some(ERROR_DENIED)`, not a bare 11.

/// `error` 1: the API is not available in this container.
pub const ERROR_UNSUPPORTED: u32 = ClientError::Unsupported.code();
/// `error` 2: invalid parameters (a malformed `scopes`).
pub const ERROR_INVALID_PARAMETERS: u32 = ClientError::InvalidParameters.code();
/// `error` 3: the user closed the popup.
pub const ERROR_DISMISSED: u32 = ClientError::Dismissed.code();
/// `error` 4: the app lacks the JSAPI base package.
pub const ERROR_NO_PERMISSION: u32 = ClientError::NoPermission.code();
/// `error` 10: the network failed, or the response was lost.
pub const ERROR_NETWORK: u32 = ClientError::Network.code();
/// `error` 11: the user tapped deny.
pub const ERROR_DENIED: u32 = ClientError::Denied.code();

/// `isv.code-invalid`: an unknown, used, expired or revoked auth code.
pub const CODE_INVALID: &str = GatewayError::CodeInvalid.sub_code();
/// `isv.unmatched-app-id`: the code was issued to another app.
pub const UNMATCHED_APP_ID: &str = GatewayError::UnmatchedAppId.sub_code();
/// `isv.grant-type-invalid`.
pub const GRANT_TYPE_INVALID: &str = GatewayError::GrantTypeInvalid.sub_code();
/// `isv.refresh-token-invalid`: an unknown, rotated or revoked refresh token.
pub const REFRESH_TOKEN_INVALID: &str = GatewayError::RefreshTokenInvalid.sub_code();
/// `isv.refresh-token-time-out`: the refresh deadline has passed.
pub const REFRESH_TOKEN_TIME_OUT: &str = GatewayError::RefreshTokenTimeOut.sub_code();
/// `aop.invalid-auth-token`: an unknown, rotated or revoked access token.
pub const INVALID_AUTH_TOKEN: &str = GatewayError::InvalidAuthToken.sub_code();
/// `aop.auth-token-time-out`: the access token has expired.
pub const AUTH_TOKEN_TIME_OUT: &str = GatewayError::AuthTokenTimeOut.sub_code();
/// `isv.insufficient-isv-permissions`: the app lacks the package.
pub const INSUFFICIENT_ISV_PERMISSIONS: &str = GatewayError::InsufficientIsvPermissions.sub_code();
/// `isv.insufficient-user-permissions`: the token's grant does not cover the API.
pub const INSUFFICIENT_USER_PERMISSIONS: &str =
    GatewayError::InsufficientUserPermissions.sub_code();
