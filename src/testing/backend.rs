//! What the code under test is: an app's server (and the scopes its pages ask for), and the
//! gateway client the harness hands it.

use std::fmt;

use crate::ids::{AccessToken, RefreshToken};
use crate::payload::{GatewayErrorBody, OauthTokenBody, UserInfoShareBody};
use crate::scope::ScopesArg;
use crate::world::AppId;

/// An account in your server's database (whatever number your server gives it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub u64);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "account #{}", self.0)
    }
}

/// Why your server refused a request: its own reason, or the gateway's answer passed on.
///
/// The harness only asks *whether* a request was refused, never why: a server that refuses an
/// empty code itself, without asking the gateway, is as right as one that passes the gateway's
/// `isv.code-invalid` on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The server refused by itself (an empty code, a banned user, …).
    #[error("refused by the server: {0}")]
    Refused(String),
    /// The gateway answered `error_response`.
    #[error("refused by the gateway: {} ({})", .0.sub_code, .0.sub_msg)]
    Gateway(GatewayErrorBody),
}

impl From<GatewayErrorBody> for BackendError {
    fn from(e: GatewayErrorBody) -> Self {
        BackendError::Gateway(e)
    }
}

/// The OpenAPI gateway as one app's server calls it: the client is bound to that app (its
/// `app_id` and keys), as an SDK client is. The harness's client is backed by the simulator.
pub trait GatewayClient {
    /// The app whose server this client signs for.
    fn app(&self) -> AppId;
    /// `alipay.system.oauth.token` with `grant_type=authorization_code`: the code as the page
    /// sent it.
    fn oauth_token(&mut self, code: &str) -> Result<OauthTokenBody, GatewayErrorBody>;
    /// `alipay.system.oauth.token` with `grant_type=refresh_token`. Each success rotates both
    /// tokens: keep the new `refresh_token`, the one presented is void from now on.
    fn refresh_token(&mut self, token: RefreshToken) -> Result<OauthTokenBody, GatewayErrorBody>;
    /// `alipay.user.info.share` (needs the legacy member-info package, which the harness's
    /// apps, like every app created since 2019, do not have).
    fn user_info_share(
        &mut self,
        token: AccessToken,
    ) -> Result<UserInfoShareBody, GatewayErrorBody>;
}

/// What the mini program's pages ask `my.getAuthCode` for: part of the app under test, since a
/// page's scopes decide the popups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pages {
    /// The login page's `scopes` (called in `onLoad` of the first screen). Recommended:
    /// `"auth_base"`, silent.
    pub login_scopes: ScopesArg,
    /// A `my.getAuthCode` the profile page makes on a tap, before the `userInfo` button, whose
    /// code is posted to the same login endpoint. Recommended: `None` (the button alone asks).
    /// `Some("auth_user")` is the legacy profile page: two popups.
    pub profile_scopes: Option<ScopesArg>,
}

impl Pages {
    /// Silent `auth_base` at login, then the `userInfo` button on the profile page.
    pub fn recommended() -> Self {
        Pages {
            login_scopes: "auth_base".into(),
            profile_scopes: None,
        }
    }

    /// The legacy profile page: `my.getAuthCode("auth_user")`, then the `userInfo` button.
    pub fn legacy_profile() -> Self {
        Pages {
            profile_scopes: Some("auth_user".into()),
            ..Pages::recommended()
        }
    }
}

impl Default for Pages {
    fn default() -> Self {
        Pages::recommended()
    }
}

/// Your app's server, as the harness drives it: the login endpoint the page posts its code to,
/// the token refresh a session needs, and a count of accounts.
///
/// Apps and users are those of a [`SmallWorld`](crate::explore::SmallWorld) (`a0`, `a1`, …;
/// `u0`, `u1`, …). One server serves every app of the world, as one company's server serves its
/// mini programs: an Alipay user must get one account across all of them.
pub trait Backend {
    /// `POST /login` from `app`'s page with the text it got from `my.getAuthCode` (after a
    /// failed call, a careless page posts `""`). Redeem it with `gateway` and answer the account
    /// you logged in, or refuse.
    fn login(
        &mut self,
        app: AppId,
        code: &str,
        gateway: &mut dyn GatewayClient,
    ) -> Result<AccountId, BackendError>;

    /// Refresh the tokens of `account`'s session with `app` (a background job, or before a call
    /// that needs a live access token). `Ok` means the session still holds live tokens.
    fn refresh(
        &mut self,
        app: AppId,
        account: AccountId,
        gateway: &mut dyn GatewayClient,
    ) -> Result<(), BackendError>;

    /// How many accounts exist.
    fn accounts(&self) -> usize;

    /// The scopes the app's pages ask for.
    fn pages(&self) -> Pages {
        Pages::recommended()
    }
}
