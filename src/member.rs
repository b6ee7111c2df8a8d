//! Member basic info and the phone number: the `getAuthorize` button and the JSAPIs behind it.
//!
//! Consent for these comes only from tapping `<button open-type="getAuthorize" scope="…">`, which
//! takes exactly one scope, `userInfo` or `phoneNumber`; the two are never asked for in the same
//! popup (sources: S-BUTTON). `my.getOpenUserInfo` and `my.getPhoneNumber` then deliver their result (or
//! their business error) as a JSON string in the `success` callback's `response` (sources: S-OPENUSERINFO-ERRORS).

use serde::{Deserialize, Serialize};

use crate::error_codes::ResponseError;
use crate::payload::{
    AuthSetting, AuthorizeError, OpenUserInfoBody, PhoneNumberBody, ResponseErrorBody,
    ResponseString, SettingSuccess, response_string,
};
use crate::world::{AppSpec, Package, UserSpec};

/// The one scope a `getAuthorize` button asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum ButtonScope {
    /// Avatar and nickname, read by `my.getOpenUserInfo`.
    UserInfo,
    /// The mobile number, read by `my.getPhoneNumber` (enterprise apps only).
    PhoneNumber,
}

impl ButtonScope {
    /// Reads the button's `scope` attribute: exactly `userInfo` or `phoneNumber`, as in the
    /// platform's sample code (the FAQ's prose writes `userinfo`, sources: S-BUTTON; see SPEC R-BTN-ONE-SCOPE).
    pub fn parse(attr: &str) -> Option<ButtonScope> {
        match attr {
            "userInfo" => Some(ButtonScope::UserInfo),
            "phoneNumber" => Some(ButtonScope::PhoneNumber),
            _ => None,
        }
    }
}

/// Why a button tap ended in `onError`; each has its `errorMessage` (modelling assumption:
/// the platform documents the shape `{type, errorMessage}`, not the messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ButtonError {
    /// `scope` is not exactly one of `userInfo`, `phoneNumber`.
    InvalidScope,
    /// `phoneNumber` in a personal mini program.
    NotEnterprise,
    /// The user denied.
    Denied,
    /// The user closed the popup.
    Dismissed,
    /// The network failed.
    Network,
}

impl ButtonError {
    /// Every reason, in the order of SPEC §4's table (a test ties the two).
    pub const ALL: [ButtonError; 5] = [
        ButtonError::InvalidScope,
        ButtonError::NotEnterprise,
        ButtonError::Denied,
        ButtonError::Dismissed,
        ButtonError::Network,
    ];

    /// The `errorMessage` of the `onError` detail.
    pub const fn message(self) -> &'static str {
        match self {
            ButtonError::InvalidScope => {
                "invalid scope: getAuthorize takes exactly one scope, userInfo or phoneNumber"
            }
            ButtonError::NotEnterprise => {
                "phoneNumber is available to enterprise mini programs only"
            }
            ButtonError::Denied => "user denied the authorization",
            ButtonError::Dismissed => "user closed the authorization popup",
            ButtonError::Network => "network error",
        }
    }

    /// The `onError` detail.
    pub fn detail(self) -> AuthorizeError {
        AuthorizeError {
            kind: "getAuthorize".into(),
            error_message: self.message().into(),
        }
    }
}

/// `my.getOpenUserInfo`'s `response`: checks the package, then the consent (R-OPENINFO-*).
pub fn open_user_info(app: &AppSpec, user: &UserSpec, consented: bool) -> ResponseString {
    if !app.has(Package::MemberBasicInfo) {
        return response_string(&ResponseErrorBody::from(
            ResponseError::InsufficientIsvPermissions,
        ));
    }
    if !consented {
        return response_string(&ResponseErrorBody::from(
            ResponseError::InvalidAuthRelations,
        ));
    }
    response_string(&OpenUserInfoBody {
        code: "10000".into(),
        msg: "Success".into(),
        gender: String::new(),
        country_code: String::new(),
        province: String::new(),
        city: String::new(),
        nick_name: user.nick_name.clone(),
        avatar: user.avatar.clone(),
    })
}

/// `my.getPhoneNumber`'s `response` (decrypted): enterprise app with the package, then consent.
pub fn phone_number(app: &AppSpec, user: &UserSpec, consented: bool) -> ResponseString {
    if !app.enterprise || !app.has(Package::PhoneNumber) {
        return response_string(&ResponseErrorBody::from(
            ResponseError::InsufficientIsvPermissions,
        ));
    }
    if !consented {
        return response_string(&ResponseErrorBody::from(
            ResponseError::InvalidAuthRelations,
        ));
    }
    response_string(&PhoneNumberBody {
        code: "10000".into(),
        msg: "Success".into(),
        mobile: user.mobile.clone(),
    })
}

/// `my.getSetting`'s success payload.
pub fn setting(user_info: bool, phone_number: bool) -> SettingSuccess {
    SettingSuccess {
        auth_setting: AuthSetting {
            user_info,
            phone_number,
        },
    }
}
