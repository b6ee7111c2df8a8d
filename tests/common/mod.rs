//! A small world shared by the spec tests, and accessors for the payloads they inspect.
#![allow(dead_code)]

use authsim::ids::{AccessToken, IdArg, RefreshToken};
use authsim::payload::{AuthCodeSuccess, ClientFail, OauthTokenBody, Payload};
use authsim::prelude::*;

/// Apps and users every spec test starts from.
pub struct World {
    pub sim: Simulator,
    /// jsapi_basic + member_basic_info, personal.
    pub shop: AppId,
    /// jsapi_basic + member_basic_info, personal: a second app for cross-app checks.
    pub other: AppId,
    /// No packages at all.
    pub bare: AppId,
    /// Enterprise, every package.
    pub corp: AppId,
    /// jsapi_basic + the legacy member_info package.
    pub legacy: AppId,
    /// Nickname, avatar, mobile.
    pub alice: UserId,
    /// Nickname only.
    pub bob: UserId,
    /// No profile fields.
    pub carol: UserId,
}

pub fn world_with(config: Config, seed: u64) -> World {
    let mut sim = Simulator::new(config, seed).expect("valid config");
    let shop = sim
        .add_app(AppSpec::new("shop").packages([Package::JsapiBasic, Package::MemberBasicInfo]))
        .unwrap();
    let other = sim
        .add_app(AppSpec::new("other").packages([Package::JsapiBasic, Package::MemberBasicInfo]))
        .unwrap();
    let bare = sim.add_app(AppSpec::new("bare")).unwrap();
    let corp = sim
        .add_app(
            AppSpec::new("corp")
                .packages([
                    Package::JsapiBasic,
                    Package::MemberBasicInfo,
                    Package::MemberInfo,
                    Package::PhoneNumber,
                ])
                .enterprise(),
        )
        .unwrap();
    let legacy = sim
        .add_app(AppSpec::new("legacy").packages([Package::JsapiBasic, Package::MemberInfo]))
        .unwrap();
    let alice = sim
        .add_user(
            UserSpec::new("alice")
                .nick_name("Alice")
                .avatar("https://example.com/a.png")
                .mobile("13800000000"),
        )
        .unwrap();
    let bob = sim.add_user(UserSpec::new("bob").nick_name("Bob")).unwrap();
    let carol = sim.add_user(UserSpec::new("carol")).unwrap();
    World {
        sim,
        shop,
        other,
        bare,
        corp,
        legacy,
        alice,
        bob,
        carol,
    }
}

pub fn world() -> World {
    world_with(Config::default(), 7)
}

pub fn success(step: &Step) -> &AuthCodeSuccess {
    match &step.result {
        Payload::AuthCode(s) => s,
        other => panic!("expected a getAuthCode success, got {other:?}"),
    }
}

pub fn code(step: &Step) -> String {
    success(step).auth_code.to_string()
}

pub fn fail(step: &Step) -> &ClientFail {
    match &step.result {
        Payload::ClientFail(f) => f,
        other => panic!("expected a fail payload, got {other:?}"),
    }
}

pub fn tokens(step: &Step) -> &OauthTokenBody {
    match &step.result {
        Payload::OauthToken(t) => &t.alipay_system_oauth_token_response,
        other => panic!("expected a token response, got {other:?}"),
    }
}

pub fn sub_code(step: &Step) -> String {
    match &step.result {
        Payload::GatewayError(e) => e.error_response.sub_code.clone(),
        other => panic!("expected error_response, got {other:?}"),
    }
}

/// The inner document of a `{response: "<JSON string>"}` payload.
pub fn response_doc(step: &Step) -> serde_json::Value {
    match &step.result {
        Payload::Response(r) => serde_json::from_str(&r.response).expect("response is JSON"),
        other => panic!("expected a response string, got {other:?}"),
    }
}

pub fn json(step: &Step) -> serde_json::Value {
    serde_json::to_value(&step.result).unwrap()
}

/// A silent auth_base login plus its redemption; returns the token body's JSON.
pub fn login(w: &mut World, user: UserId, app: AppId) -> authsim::payload::OauthTokenBody {
    let s = w
        .sim
        .get_auth_code(AuthCodeRequest::new(user, app, "auth_base"))
        .unwrap();
    let t = w.sim.redeem(app, &code(&s)).unwrap();
    tokens(&t).clone()
}

impl World {
    /// A successful call's auth code.
    pub fn fresh_code(&mut self, user: UserId, app: AppId, scopes: &str) -> String {
        code(&self.call(AuthCodeRequest::new(user, app, scopes)))
    }

    /// A silent auth_base login plus its redemption; returns the token body.
    pub fn login(&mut self, user: UserId, app: AppId) -> OauthTokenBody {
        let c = self.fresh_code(user, app, "auth_base");
        tokens(&self.sim.redeem(app, &c).unwrap()).clone()
    }

    /// `alipay.system.oauth.token` with grant `refresh_token`.
    pub fn refresh(&mut self, app: AppId, token: impl IdArg<RefreshToken>) -> Step {
        self.sim.refresh_grant(app, token).unwrap()
    }

    /// `alipay.user.info.share`.
    pub fn share(&mut self, app: AppId, token: impl IdArg<AccessToken>) -> Step {
        self.sim.user_info_share(app, token).unwrap()
    }

    /// A whole `my.getAuthCode` call.
    pub fn call(&mut self, req: AuthCodeRequest) -> Step {
        self.sim.get_auth_code(req).unwrap()
    }
}
