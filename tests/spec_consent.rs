//! Consent memory, revocation and `my.getSetting`. Each test names the SPEC.md rule it checks.

mod common;

use authsim::prelude::*;
use common::*;
use serde_json::json;

/// R-CONSENT-REMEMBER: an accepted prompted scope makes later calls for it silent.
#[test]
fn r_consent_remember_second_call_silent() {
    let mut w = world();
    let first = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user"));
    assert_eq!(first.popups, 1);
    let second = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user"));
    assert_eq!(second.popups, 0);
    assert_eq!(success(&second).auth_success_scopes, vec![Scope::AuthUser]);
    // Per (user, app): another app, or another user, is prompted again.
    assert_eq!(
        w.call(AuthCodeRequest::new(w.alice, w.other, "auth_user"))
            .popups,
        1
    );
    assert_eq!(
        w.call(AuthCodeRequest::new(w.bob, w.shop, "auth_user"))
            .popups,
        1
    );
    // Per scope: a new scope for the same pair is prompted.
    assert_eq!(
        w.call(AuthCodeRequest::new(w.alice, w.shop, "USER_ADDRESS"))
            .popups,
        1
    );
}

/// R-CONSENT-NO-REMEMBER: with the switch off, every prompted call shows its popup.
#[test]
fn r_consent_no_remember_always_prompts() {
    let config = Config {
        remember_consent: false,
        ..Config::default()
    };
    let mut w = world_with(config, 7);
    for _ in 0..3 {
        let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user"));
        assert_eq!(s.popups, 1);
        assert_eq!(s.outcome, Outcome::Success);
    }
    assert_eq!(
        w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base"))
            .popups,
        0
    );
}

/// R-CONSENT-REVOKE: revocation clears prompted scopes and button consents.
#[test]
fn r_consent_revoke_clears_everything() {
    let mut w = world();
    let (alice, corp) = (w.alice, w.corp);
    w.call(AuthCodeRequest::new(alice, corp, "auth_user"));
    w.sim
        .authorize(alice, corp, "userInfo", Decision::Accept, Network::Ok)
        .unwrap();
    w.sim
        .authorize(alice, corp, "phoneNumber", Decision::Accept, Network::Ok)
        .unwrap();
    let c = w.sim.consent().get(alice, corp);
    assert!(c.user_info && c.phone_number && c.scopes.contains(Scope::AuthUser));
    let step = w.sim.revoke(alice, corp).unwrap();
    assert_eq!(step.outcome, Outcome::Ok);
    assert_eq!(w.sim.consent().get(alice, corp), Default::default());
    assert_eq!(
        w.call(AuthCodeRequest::new(alice, corp, "auth_user"))
            .popups,
        1
    );
    let tap = w
        .sim
        .authorize(alice, corp, "userInfo", Decision::Accept, Network::Ok)
        .unwrap();
    assert_eq!(tap.popups, 1);
}

/// R-SETTING: my.getSetting reports the button consents.
#[test]
fn r_setting_reports_button_consents() {
    let mut w = world();
    let (alice, corp) = (w.alice, w.corp);
    let s = w.sim.get_setting(alice, corp).unwrap();
    assert_eq!(s.outcome, Outcome::Success);
    assert_eq!(
        json(&s),
        json!({"authSetting": {"userInfo": false, "phoneNumber": false}})
    );
    w.sim
        .authorize(alice, corp, "userInfo", Decision::Accept, Network::Ok)
        .unwrap();
    let s = w.sim.get_setting(alice, corp).unwrap();
    assert_eq!(
        json(&s),
        json!({"authSetting": {"userInfo": true, "phoneNumber": false}})
    );
    w.sim
        .authorize(alice, corp, "phoneNumber", Decision::Accept, Network::Ok)
        .unwrap();
    let s = w.sim.get_setting(alice, corp).unwrap();
    assert_eq!(
        json(&s),
        json!({"authSetting": {"userInfo": true, "phoneNumber": true}})
    );
}
