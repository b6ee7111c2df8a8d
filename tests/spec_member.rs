//! Member basic info and the phone number. Each test names the SPEC.md rule it checks.

mod common;

use authsim::payload::Payload;
use authsim::prelude::*;
use common::*;
use serde_json::json;

fn tap(
    w: &mut World,
    user: UserId,
    app: AppId,
    scope: &str,
    decision: Decision,
    network: Network,
) -> Step {
    w.sim
        .authorize(user, app, scope, decision, network)
        .unwrap()
}

fn on_error(step: &Step) -> String {
    match &step.result {
        Payload::AuthorizeError(e) => {
            assert_eq!(e.kind, "getAuthorize");
            e.error_message.clone()
        }
        other => panic!("expected onError detail, got {other:?}"),
    }
}

/// R-BTN-ONE-SCOPE: exactly one of userInfo / phoneNumber; anything else is onError, no popup.
#[test]
fn r_btn_one_scope() {
    let mut w = world();
    let (alice, corp) = (w.alice, w.corp);
    for attr in [
        "userInfo,phoneNumber",
        "userInfo phoneNumber",
        "userinfo",
        "",
        "auth_user",
        "[\"userInfo\"]",
    ] {
        let s = tap(&mut w, alice, corp, attr, Decision::Accept, Network::Ok);
        assert_eq!(s.outcome, Outcome::Fail, "{attr:?}");
        assert_eq!(s.popups, 0, "{attr:?}");
        assert!(on_error(&s).contains("exactly one scope"), "{attr:?}");
    }
    let c = w.sim.consent().get(alice, corp);
    assert!(!c.user_info && !c.phone_number);
}

/// R-BTN-POPUP: a popup unless consented; accept records consent; refusals do not.
#[test]
fn r_btn_popup_paths() {
    let mut w = world();
    let (alice, bob, carol, shop) = (w.alice, w.bob, w.carol, w.shop);
    let s = tap(&mut w, alice, shop, "userInfo", Decision::Deny, Network::Ok);
    assert_eq!((s.outcome, s.popups), (Outcome::Fail, 1));
    on_error(&s);
    let s = tap(
        &mut w,
        alice,
        shop,
        "userInfo",
        Decision::Dismiss,
        Network::Ok,
    );
    assert_eq!((s.outcome, s.popups), (Outcome::Fail, 1));
    let s = tap(
        &mut w,
        alice,
        shop,
        "userInfo",
        Decision::Accept,
        Network::Fail,
    );
    assert_eq!((s.outcome, s.popups), (Outcome::Fail, 1));
    assert!(!w.sim.consent().get(alice, shop).user_info);
    let s = tap(
        &mut w,
        alice,
        shop,
        "userInfo",
        Decision::Accept,
        Network::Ok,
    );
    assert_eq!((s.outcome, s.popups), (Outcome::Success, 1));
    assert_eq!(json(&s), json!({}));
    assert_eq!(s.callbacks, vec![Callback::Success, Callback::Complete]);
    let s = tap(&mut w, alice, shop, "userInfo", Decision::Deny, Network::Ok);
    assert_eq!(
        (s.outcome, s.popups),
        (Outcome::Success, 0),
        "already consented: no popup"
    );
    // A lost response records the consent but fires onError.
    let s = tap(
        &mut w,
        bob,
        shop,
        "userInfo",
        Decision::Accept,
        Network::LostResponse,
    );
    assert_eq!(s.outcome, Outcome::Fail);
    assert!(w.sim.consent().get(bob, shop).user_info);
    // A partial decision on a one-scope popup is an accept.
    let s = tap(
        &mut w,
        carol,
        shop,
        "userInfo",
        Decision::AcceptOnly(vec![]),
        Network::Ok,
    );
    assert_eq!(s.outcome, Outcome::Success);
}

/// R-BTN-PHONE-ENTERPRISE: phoneNumber only in enterprise apps.
#[test]
fn r_btn_phone_enterprise_only() {
    let mut w = world();
    let (alice, shop, corp) = (w.alice, w.shop, w.corp);
    let s = tap(
        &mut w,
        alice,
        shop,
        "phoneNumber",
        Decision::Accept,
        Network::Ok,
    );
    assert_eq!((s.outcome, s.popups), (Outcome::Fail, 0));
    assert!(on_error(&s).contains("enterprise"));
    let s = tap(
        &mut w,
        alice,
        corp,
        "phoneNumber",
        Decision::Accept,
        Network::Ok,
    );
    assert_eq!((s.outcome, s.popups), (Outcome::Success, 1));
}

/// R-OPENINFO-SUCCESS: the documented response string; nickName absent without a nickname.
#[test]
fn r_openinfo_success_shape() {
    let mut w = world();
    let (alice, carol, shop) = (w.alice, w.carol, w.shop);
    tap(
        &mut w,
        alice,
        shop,
        "userInfo",
        Decision::Accept,
        Network::Ok,
    );
    let s = w.sim.get_open_user_info(alice, shop).unwrap();
    assert_eq!(s.outcome, Outcome::Success);
    let Payload::Response(r) = &s.result else {
        panic!()
    };
    assert_eq!(
        r.response,
        r#"{"response":{"code":"10000","msg":"Success","gender":"","countryCode":"","province":"","city":"","nickName":"Alice","avatar":"https://example.com/a.png"}}"#
    );
    tap(
        &mut w,
        carol,
        shop,
        "userInfo",
        Decision::Accept,
        Network::Ok,
    );
    let doc = response_doc(&w.sim.get_open_user_info(carol, shop).unwrap());
    assert_eq!(doc["response"]["code"], "10000");
    assert!(doc["response"].get("nickName").is_none());
    assert!(doc["response"].get("avatar").is_none());
}

/// R-OPENINFO-NO-CONSENT: 40003 isv.invalid-auth-relations, in the success callback.
#[test]
fn r_openinfo_no_consent_40003() {
    let mut w = world();
    let (alice, shop) = (w.alice, w.shop);
    // An auth_user getAuthCode is not the userInfo consent.
    w.call(AuthCodeRequest::new(alice, shop, "auth_user"));
    let s = w.sim.get_open_user_info(alice, shop).unwrap();
    assert_eq!(s.outcome, Outcome::Success);
    assert_eq!(
        response_doc(&s),
        json!({"response": {"code": "40003", "msg": "Insufficient Conditions",
            "subCode": "isv.invalid-auth-relations", "subMsg": "无效的授权关系"}})
    );
}

/// R-OPENINFO-NO-PACKAGE: 40006, before consent, even with the legacy package.
#[test]
fn r_openinfo_no_package_40006() {
    let mut w = world();
    let (alice, legacy) = (w.alice, w.legacy);
    tap(
        &mut w,
        alice,
        legacy,
        "userInfo",
        Decision::Accept,
        Network::Ok,
    );
    let doc = response_doc(&w.sim.get_open_user_info(alice, legacy).unwrap());
    assert_eq!(doc["response"]["code"], "40006");
    assert_eq!(
        doc["response"]["subCode"],
        "isv.insufficient-isv-permissions"
    );
}

/// R-PHONE-SUCCESS (and R-PHONE-PLAIN): the decrypted mobile document.
#[test]
fn r_phone_success_plain() {
    let mut w = world();
    let (alice, bob, corp) = (w.alice, w.bob, w.corp);
    tap(
        &mut w,
        alice,
        corp,
        "phoneNumber",
        Decision::Accept,
        Network::Ok,
    );
    let s = w.sim.get_phone_number(alice, corp).unwrap();
    assert_eq!(s.outcome, Outcome::Success);
    assert_eq!(
        response_doc(&s),
        json!({"response": {"code": "10000", "msg": "Success", "mobile": "13800000000"}})
    );
    tap(
        &mut w,
        bob,
        corp,
        "phoneNumber",
        Decision::Accept,
        Network::Ok,
    );
    let doc = response_doc(&w.sim.get_phone_number(bob, corp).unwrap());
    assert!(doc["response"].get("mobile").is_none());
}

/// R-PHONE-ERRORS: 40006 for personal apps or no package, 40003 without consent.
#[test]
fn r_phone_errors() {
    let mut w = world();
    let (alice, shop, corp) = (w.alice, w.shop, w.corp);
    let doc = response_doc(&w.sim.get_phone_number(alice, shop).unwrap());
    assert_eq!(doc["response"]["code"], "40006");
    let doc = response_doc(&w.sim.get_phone_number(alice, corp).unwrap());
    assert_eq!(doc["response"]["code"], "40003");
    assert_eq!(doc["response"]["subCode"], "isv.invalid-auth-relations");
    // The userInfo consent is not the phone consent.
    tap(
        &mut w,
        alice,
        corp,
        "userInfo",
        Decision::Accept,
        Network::Ok,
    );
    let doc = response_doc(&w.sim.get_phone_number(alice, corp).unwrap());
    assert_eq!(doc["response"]["code"], "40003");
}
