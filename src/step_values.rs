//! The values tests ask a [`Step`] for, typed: the auth code, `user_id`, `open_id`, tokens, the
//! client `error`, the gateway `sub_code` and the findings, without matching on [`Payload`].
//!
//! ```
//! use authsim::prelude::*;
//! use authsim::{CODE_INVALID, ERROR_DENIED};
//!
//! let mut sim = Simulator::new(Config::default(), 7)?;
//! let shop = sim.add_app(AppSpec::new("shop").packages([Package::JsapiBasic]))?;
//! let alice = sim.add_user(UserSpec::new("alice"))?;
//! let login = sim.get_auth_code(AuthCodeRequest::new(alice, shop, "auth_base"))?;
//! let code = login.auth_code().expect("a silent call delivers a code");
//! let token = sim.redeem(shop, code)?;
//! assert_eq!(token.user_id(), sim.alipay_user_id(alice));
//! assert!(token.open_id().is_some() && token.refresh_token().is_some());
//! assert_eq!(sim.redeem(shop, code)?.sub_code(), Some(CODE_INVALID)); // a replay
//! let denied = sim.get_auth_code(
//!     AuthCodeRequest::new(alice, shop, "auth_user").decision(Decision::Deny),
//! )?;
//! assert_eq!(denied.client_error(), Some(ERROR_DENIED));
//! # Ok::<(), InputError>(())
//! ```

use crate::findings::FindingId;
use crate::ids::{AccessToken, AlipayUserId, AuthCode, OpenId, RefreshToken};
use crate::payload::{OauthTokenBody, Payload};
use crate::sim::Step;

impl Step {
    /// The `authCode` a successful `my.getAuthCode` delivered.
    pub fn auth_code(&self) -> Option<AuthCode> {
        match &self.result {
            Payload::AuthCode(ok) => Some(ok.auth_code),
            _ => None,
        }
    }

    fn token_body(&self) -> Option<&OauthTokenBody> {
        match &self.result {
            Payload::OauthToken(ok) => Some(&ok.alipay_system_oauth_token_response),
            _ => None,
        }
    }

    /// The `user_id` of a token response or of `alipay.user.info.share`.
    pub fn user_id(&self) -> Option<AlipayUserId> {
        match &self.result {
            Payload::UserInfoShare(ok) => Some(ok.alipay_user_info_share_response.user_id),
            _ => self.token_body().map(|b| b.user_id),
        }
    }

    /// The `open_id` of a token response.
    pub fn open_id(&self) -> Option<OpenId> {
        self.token_body().map(|b| b.open_id)
    }

    /// The `access_token` of a token response.
    pub fn access_token(&self) -> Option<AccessToken> {
        self.token_body().map(|b| b.access_token)
    }

    /// The `refresh_token` of a token response.
    pub fn refresh_token(&self) -> Option<RefreshToken> {
        self.token_body().map(|b| b.refresh_token)
    }

    /// The numeric `error` of a failed `my.getAuthCode` (compare with
    /// [`ERROR_DENIED`](crate::ERROR_DENIED) and its neighbours).
    pub fn client_error(&self) -> Option<u32> {
        match &self.result {
            Payload::ClientFail(f) => Some(f.error),
            _ => None,
        }
    }

    /// The `sub_code` of a gateway `error_response` (compare with
    /// [`CODE_INVALID`](crate::CODE_INVALID) and its neighbours).
    pub fn sub_code(&self) -> Option<&str> {
        match &self.result {
            Payload::GatewayError(e) => Some(&e.error_response.sub_code),
            _ => None,
        }
    }

    /// The ids of the findings this step raised.
    pub fn finding_ids(&self) -> impl Iterator<Item = FindingId> + '_ {
        self.findings.iter().map(|f| f.id)
    }

    /// Whether this step raised the finding `id`.
    pub fn has_finding(&self, id: FindingId) -> bool {
        self.finding_ids().any(|f| f == id)
    }
}
