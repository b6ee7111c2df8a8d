//! The gateway: token exchange, single-use codes, refresh, revocation, alipay.user.info.share.
//! Each test names the SPEC.md rule it checks.

mod common;

use authsim::payload::Payload;
use authsim::prelude::*;
use common::*;
use serde_json::json;

fn error_code(step: &Step) -> (String, String) {
    match &step.result {
        Payload::GatewayError(e) => (
            e.error_response.code.clone(),
            e.error_response.sub_code.clone(),
        ),
        other => panic!("expected error_response, got {other:?}"),
    }
}

/// R-GW-ERROR-SHAPE: {"error_response": {code, msg, sub_code, sub_msg}}.
#[test]
fn r_gw_error_shape() {
    let mut w = world();
    let s = w.sim.redeem(w.shop, "FORGED").unwrap();
    assert_eq!(s.outcome, Outcome::Error);
    assert_eq!(
        json(&s),
        json!({"error_response": {"code": "40002", "msg": "Invalid Arguments",
            "sub_code": "isv.code-invalid", "sub_msg": "授权码code无效"}})
    );
}

/// R-GW-SIGN: successes carry the fixed unsigned marker.
#[test]
fn r_gw_sign_placeholder() {
    let mut w = world();
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    let s = w.sim.redeem(w.shop, &c).unwrap();
    assert_eq!(json(&s)["sign"], "AUTHSIM_UNSIGNED");
}

/// R-GW-TOKEN-FIELDS: every documented field, default lifetimes, auth_start in Beijing time.
#[test]
fn r_gw_token_fields() {
    let mut w = world();
    w.sim.advance(3661);
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    let s = w.sim.redeem(w.shop, &c).unwrap();
    assert_eq!(s.outcome, Outcome::Ok);
    let v = json(&s)["alipay_system_oauth_token_response"].clone();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        vec![
            "access_token",
            "auth_start",
            "expires_in",
            "open_id",
            "re_expires_in",
            "refresh_token",
            "user_id"
        ]
    );
    let t = tokens(&s);
    assert_eq!(t.expires_in, 1_296_000);
    assert_eq!(t.re_expires_in, 2_592_000);
    assert_eq!(t.auth_start, "2026-01-01 01:01:01");
    assert!(t.access_token.to_string().starts_with("authbseB"));
    let c = w.fresh_code(w.alice, w.shop, "auth_user");
    let t = tokens(&w.sim.redeem(w.shop, &c).unwrap()).clone();
    assert!(t.access_token.to_string().starts_with("authusrB"));
    assert_ne!(t.access_token.to_string(), t.refresh_token.to_string());
}

/// R-GW-USER-ID: 16 digits starting 2088, one per account across codes and apps.
#[test]
fn r_gw_user_id_one_per_account() {
    let mut w = world();
    let (alice, bob, shop, other) = (w.alice, w.bob, w.shop, w.other);
    let a1 = w.login(alice, shop).user_id.to_string();
    let a2 = w.login(alice, shop).user_id.to_string();
    let a3 = w.login(alice, other).user_id.to_string();
    let b1 = w.login(bob, shop).user_id.to_string();
    assert_eq!(a1.len(), 16);
    assert!(a1.starts_with("2088") && a1.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(a1, a2);
    assert_eq!(a1, a3);
    assert_ne!(a1, b1);
    assert_eq!(Some(a1), w.sim.user_id(alice));
}

/// R-GW-OPEN-ID: one per (user, app); different across apps.
#[test]
fn r_gw_open_id_per_app() {
    let mut w = world();
    let (alice, bob, shop, other) = (w.alice, w.bob, w.shop, w.other);
    let a1 = w.login(alice, shop).open_id.to_string();
    let a2 = w.login(alice, shop).open_id.to_string();
    let a3 = w.login(alice, other).open_id.to_string();
    let b1 = w.login(bob, shop).open_id.to_string();
    assert_eq!(a1.len(), 47);
    assert!(a1.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(a1, a2);
    assert_ne!(a1, a3);
    assert_ne!(a1, b1);
}

/// R-GW-CODE-ONCE: the first attempt burns the code, even a failed one.
#[test]
fn r_gw_code_once() {
    let mut w = world();
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    assert_eq!(w.sim.redeem(w.shop, &c).unwrap().outcome, Outcome::Ok);
    assert_eq!(
        sub_code(&w.sim.redeem(w.shop, &c).unwrap()),
        "isv.code-invalid"
    );
    // A failed first attempt (wrong app) burns it too.
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    assert_eq!(
        sub_code(&w.sim.redeem(w.other, &c).unwrap()),
        "isv.unmatched-app-id"
    );
    assert_eq!(
        sub_code(&w.sim.redeem(w.shop, &c).unwrap()),
        "isv.code-invalid"
    );
    // An unknown grant type is not a redemption attempt.
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    w.sim
        .oauth_token(w.shop, "password", Some(&c), None)
        .unwrap();
    assert_eq!(w.sim.redeem(w.shop, &c).unwrap().outcome, Outcome::Ok);
    assert_eq!(w.sim.gateway_stats().codes_redeemed, 2);
}

/// R-GW-CODE-REPLAY: a replay is refused and revokes the tokens of the first redemption.
#[test]
fn r_gw_code_replay_revokes_tokens() {
    let mut w = world();
    let corp = w.corp;
    let c = w.fresh_code(w.alice, corp, "auth_user");
    let t = tokens(&w.sim.redeem(corp, &c).unwrap()).clone();
    // The grant works, and survives a refresh...
    assert_eq!(w.share(corp, t.access_token).outcome, Outcome::Ok);
    let r = tokens(&w.refresh(corp, t.refresh_token)).clone();
    // ...until the code is replayed.
    let s = w.sim.redeem(corp, &c).unwrap();
    assert_eq!(error_code(&s), ("40002".into(), "isv.code-invalid".into()));
    assert_eq!(
        sub_code(&w.share(corp, r.access_token)),
        "aop.invalid-auth-token"
    );
    assert_eq!(
        sub_code(&w.refresh(corp, r.refresh_token)),
        "isv.refresh-token-invalid"
    );
    let stats = w.sim.gateway_stats();
    assert_eq!(
        (stats.replays_refused, stats.grants_revoked_by_replay),
        (1, 1)
    );
}

/// R-GW-CODE-TTL: refused at issue + TTL, accepted one second before; TTL configurable.
#[test]
fn r_gw_code_ttl() {
    let mut w = world();
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    w.sim.advance(179);
    assert_eq!(w.sim.redeem(w.shop, &c).unwrap().outcome, Outcome::Ok);
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    w.sim.advance(180);
    assert_eq!(
        sub_code(&w.sim.redeem(w.shop, &c).unwrap()),
        "isv.code-invalid"
    );
    assert_eq!(w.sim.gateway_stats().expired_refused, 1);

    let config = Config {
        code_ttl_seconds: 3600,
        ..Config::default()
    };
    let mut w = world_with(config, 1);
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    w.sim.advance(3599);
    assert_eq!(w.sim.redeem(w.shop, &c).unwrap().outcome, Outcome::Ok);
    for bad in [179, 86_401] {
        let config = Config {
            code_ttl_seconds: bad,
            ..Config::default()
        };
        let err = Simulator::new(config, 0).unwrap_err();
        assert!(err.to_string().contains("codeTtlSeconds"), "{err}");
    }
}

/// R-GW-CODE-FOREIGN: another app's code: isv.unmatched-app-id.
#[test]
fn r_gw_code_foreign_app() {
    let mut w = world();
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    let s = w.sim.redeem(w.other, &c).unwrap();
    assert_eq!(
        error_code(&s),
        ("40002".into(), "isv.unmatched-app-id".into())
    );
    assert_eq!(w.sim.gateway_stats().foreign_refused, 1);
}

/// R-GW-CODE-FORGED: never-issued strings are refused.
#[test]
fn r_gw_code_forged() {
    let mut w = world();
    for forged in [
        "",
        "abc",
        "00000000000000000000000000000000",
        "8570a1f08b20351941dee18fe5a31feb",
        "💥",
    ] {
        assert_eq!(
            sub_code(&w.sim.redeem(w.shop, forged).unwrap()),
            "isv.code-invalid",
            "{forged:?}"
        );
    }
    // A missing code is no code.
    let s = w
        .sim
        .oauth_token(w.shop, "authorization_code", None, None)
        .unwrap();
    assert_eq!(sub_code(&s), "isv.code-invalid");
}

/// R-GW-GRANT-TYPE: unknown grant types are refused.
#[test]
fn r_gw_grant_type_invalid() {
    let mut w = world();
    for g in ["password", "", "AUTHORIZATION_CODE", "client_credentials"] {
        let s = w.sim.oauth_token(w.shop, g, Some("x"), None).unwrap();
        assert_eq!(sub_code(&s), "isv.grant-type-invalid", "{g:?}");
    }
}

/// R-GW-REFRESH: both tokens rotate, old ones void, the deadline is not restarted.
#[test]
fn r_gw_refresh_rotates() {
    let mut w = world();
    let corp = w.corp;
    let c = w.fresh_code(w.alice, corp, "auth_user");
    let t = tokens(&w.sim.redeem(corp, &c).unwrap()).clone();
    w.sim.advance(1000);
    let r = tokens(&w.refresh(corp, t.refresh_token)).clone();
    assert_ne!(r.access_token, t.access_token);
    assert_ne!(r.refresh_token, t.refresh_token);
    assert_eq!(r.re_expires_in, t.re_expires_in - 1000);
    assert_eq!(r.expires_in, 1_296_000);
    assert_eq!((r.user_id, r.open_id), (t.user_id, t.open_id));
    assert_eq!(
        sub_code(&w.share(corp, t.access_token)),
        "aop.invalid-auth-token"
    );
    assert_eq!(
        sub_code(&w.refresh(corp, t.refresh_token)),
        "isv.refresh-token-invalid"
    );
    assert_eq!(w.share(corp, r.access_token).outcome, Outcome::Ok);
}

/// R-GW-REFRESH-EXPIRED: at the deadline, isv.refresh-token-time-out.
#[test]
fn r_gw_refresh_expired() {
    let mut w = world();
    let c = w.fresh_code(w.alice, w.shop, "auth_base");
    let t = tokens(&w.sim.redeem(w.shop, &c).unwrap()).clone();
    w.sim.advance(2_592_000 - 1);
    let r = tokens(&w.refresh(w.shop, t.refresh_token)).clone();
    assert_eq!(r.re_expires_in, 1);
    w.sim.advance(1);
    assert_eq!(
        sub_code(&w.refresh(w.shop, r.refresh_token)),
        "isv.refresh-token-time-out"
    );
}

/// R-GW-REFRESH-INVALID: unknown, other-app or revoked refresh tokens.
#[test]
fn r_gw_refresh_invalid() {
    let mut w = world();
    let (alice, shop, other) = (w.alice, w.shop, w.other);
    assert_eq!(
        sub_code(&w.refresh(shop, "authbseBnope")),
        "isv.refresh-token-invalid"
    );
    let t = w.login(alice, shop);
    assert_eq!(
        sub_code(&w.refresh(other, t.refresh_token)),
        "isv.refresh-token-invalid"
    );
    w.sim.revoke(alice, shop).unwrap();
    assert_eq!(
        sub_code(&w.refresh(shop, t.refresh_token)),
        "isv.refresh-token-invalid"
    );
}

/// R-GW-REVOKE: revocation voids the pair's tokens and unredeemed codes; later ones work.
#[test]
fn r_gw_revoke_voids_tokens_and_codes() {
    let mut w = world();
    let (alice, bob, corp) = (w.alice, w.bob, w.corp);
    let pending = w.fresh_code(alice, corp, "auth_user");
    let t = w.login(alice, corp);
    let bobs = w.login(bob, corp);
    w.sim.revoke(alice, corp).unwrap();
    assert_eq!(
        sub_code(&w.sim.redeem(corp, &pending).unwrap()),
        "isv.code-invalid"
    );
    assert_eq!(
        sub_code(&w.share(corp, t.access_token)),
        "aop.invalid-auth-token"
    );
    // Other users' grants are untouched; new codes work.
    assert_eq!(w.refresh(corp, bobs.refresh_token).outcome, Outcome::Ok);
    let c = w.fresh_code(alice, corp, "auth_user");
    let t2 = tokens(&w.sim.redeem(corp, &c).unwrap()).clone();
    assert_eq!(w.share(corp, t2.access_token).outcome, Outcome::Ok);
}

/// R-GW-INFO-SHARE: profile for an auth_user token of a member_info app; errors otherwise.
#[test]
fn r_gw_info_share() {
    let mut w = world();
    let (alice, carol, corp, legacy, shop) = (w.alice, w.carol, w.corp, w.legacy, w.shop);
    let c = w.fresh_code(alice, corp, "auth_user");
    let t = tokens(&w.sim.redeem(corp, &c).unwrap()).clone();
    let s = w.share(corp, t.access_token);
    assert_eq!(
        json(&s),
        json!({"alipay_user_info_share_response": {"code": "10000", "msg": "Success",
            "user_id": t.user_id, "avatar": "https://example.com/a.png", "nick_name": "Alice"},
            "sign": "AUTHSIM_UNSIGNED"})
    );
    // No legacy package: 40006, whatever the token.
    let shop_t = w.login(alice, shop);
    assert_eq!(
        error_code(&w.share(shop, shop_t.access_token)),
        ("40006".into(), "isv.insufficient-isv-permissions".into())
    );
    // An auth_base token: 40006 user permissions.
    let base = w.login(carol, legacy);
    assert_eq!(
        error_code(&w.share(legacy, base.access_token)),
        ("40006".into(), "isv.insufficient-user-permissions".into())
    );
    // Another app's token, a forged one: 20001.
    assert_eq!(
        error_code(&w.share(legacy, t.access_token)),
        ("20001".into(), "aop.invalid-auth-token".into())
    );
    assert_eq!(
        sub_code(&w.share(corp, "authusrBforged")),
        "aop.invalid-auth-token"
    );
    // Expired: 20001 time-out.
    w.sim.advance(1_296_000);
    assert_eq!(
        error_code(&w.share(corp, t.access_token)),
        ("20001".into(), "aop.auth-token-time-out".into())
    );
}
