//! The world: apps (mini programs) with their feature packages, and users (Alipay accounts).

use serde::{Deserialize, Serialize};

/// A feature package an app has signed in the Alipay console.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Package {
    /// The JSAPI base package: without it `my.getAuthCode` fails with error 4 (N22104, sources: S-ERR-4).
    JsapiBasic,
    /// Member basic info: `my.getOpenUserInfo` (sources: S-OPENUSERINFO-ERRORS).
    MemberBasicInfo,
    /// The legacy member-info package behind `alipay.user.info.share`, closed to new apps since
    /// 2019-05-25 (sources: S-MEMBER-PACKAGE).
    MemberInfo,
    /// Phone number: `my.getPhoneNumber` (sources: S-PHONE).
    PhoneNumber,
}

/// How an app is declared: its name, packages and whether its owner is an enterprise.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppSpec {
    /// A name unique in the world.
    pub name: String,
    /// The packages the app has.
    #[serde(default)]
    pub packages: Vec<Package>,
    /// Enterprise mini programs may ask for the phone number; personal ones may not (sources: S-PHONE).
    #[serde(default)]
    pub enterprise: bool,
}

impl AppSpec {
    /// A personal app with no packages.
    pub fn new(name: impl Into<String>) -> Self {
        AppSpec {
            name: name.into(),
            packages: Vec::new(),
            enterprise: false,
        }
    }

    /// Adds packages.
    pub fn packages(mut self, packages: impl IntoIterator<Item = Package>) -> Self {
        self.packages.extend(packages);
        self
    }

    /// Marks the app as an enterprise mini program.
    pub fn enterprise(mut self) -> Self {
        self.enterprise = true;
        self
    }

    /// Whether the app has `package`.
    pub fn has(&self, package: Package) -> bool {
        self.packages.contains(&package)
    }
}

/// How a user is declared: a name and the profile fields their account may or may not have.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserSpec {
    /// A name unique in the world.
    pub name: String,
    /// Some accounts have no nickname (sources: S-OPENUSERINFO-RESPONSE); then `nickName` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// Avatar URL, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Mobile number, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

impl UserSpec {
    /// A user with no profile fields.
    pub fn new(name: impl Into<String>) -> Self {
        UserSpec {
            name: name.into(),
            nick_name: None,
            avatar: None,
            mobile: None,
        }
    }

    /// Sets the nickname.
    pub fn nick_name(mut self, nick: impl Into<String>) -> Self {
        self.nick_name = Some(nick.into());
        self
    }

    /// Sets the avatar URL.
    pub fn avatar(mut self, url: impl Into<String>) -> Self {
        self.avatar = Some(url.into());
        self
    }

    /// Sets the mobile number.
    pub fn mobile(mut self, mobile: impl Into<String>) -> Self {
        self.mobile = Some(mobile.into());
        self
    }
}

/// Handle of an app in a simulator (its index).
#[derive(
    Default, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct AppId(pub u32);

/// Handle of a user in a simulator (its index).
#[derive(
    Default, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct UserId(pub u32);
