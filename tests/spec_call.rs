//! The `my.getAuthCode` call: validation, silent and prompted paths, the network, payloads.
//! Each test names the SPEC.md rule it checks.

mod common;

use authsim::error_codes::{ClientError, Dialect};
use authsim::prelude::*;
use authsim::scope::ScopesArg;
use common::*;
use serde_json::json;

/// R-CALL-STEPWISE: inputs the state does not expect are refused and change nothing.
#[test]
fn r_call_stepwise_refuses_unexpected_inputs() {
    let mut w = world();
    let (alice, shop) = (w.alice, w.shop);
    let started = w
        .sim
        .invoke_auth_code(alice, shop, "auth_user".into(), Page::default())
        .unwrap();
    assert_eq!(started.outcome, Outcome::Pending);
    assert_eq!(started.popups, 1);
    assert!(
        started.callbacks.is_empty(),
        "nothing fires while the popup is open"
    );
    let id = started.call.expect("a prompted call stays in flight");
    let before = serde_json::to_string(&w.sim).unwrap();
    let err = w
        .sim
        .handle(Input::Deliver {
            call: id,
            network: Network::Ok,
        })
        .unwrap_err();
    assert!(
        matches!(err, InputError::CallRefused { ref state, .. } if state == "prompting"),
        "{err}"
    );
    assert_eq!(
        serde_json::to_string(&w.sim).unwrap(),
        before,
        "a refused input changes nothing"
    );

    let decided = w
        .sim
        .handle(Input::Decide {
            call: id,
            decision: Decision::Accept,
        })
        .unwrap();
    assert_eq!(decided.outcome, Outcome::Pending);
    let err = w
        .sim
        .handle(Input::Decide {
            call: id,
            decision: Decision::Deny,
        })
        .unwrap_err();
    assert!(matches!(err, InputError::CallRefused { ref state, .. } if state == "requesting"));
    let done = w
        .sim
        .handle(Input::Deliver {
            call: id,
            network: Network::Ok,
        })
        .unwrap();
    assert_eq!(done.outcome, Outcome::Success);
    // The call has ended: it is no longer in flight.
    let err = w
        .sim
        .handle(Input::Deliver {
            call: id,
            network: Network::Ok,
        })
        .unwrap_err();
    assert_eq!(err, InputError::UnknownCall(id));
}

/// R-CALLBACKS: one success-or-fail, then one complete, on every path.
#[test]
fn r_callbacks_one_ending_then_complete() {
    let mut w = world();
    let (alice, shop, bare) = (w.alice, w.shop, w.bare);
    let cases = [
        AuthCodeRequest::new(alice, shop, "auth_base"),
        AuthCodeRequest::new(alice, shop, "auth_user").decision(Decision::Deny),
        AuthCodeRequest::new(alice, shop, "auth_user").decision(Decision::Dismiss),
        AuthCodeRequest::new(alice, shop, "auth_user").network(Network::Fail),
        AuthCodeRequest::new(alice, shop, "auth_user").network(Network::LostResponse),
        AuthCodeRequest::new(alice, bare, "auth_user"),
        AuthCodeRequest::new(alice, shop, "bogus"),
        AuthCodeRequest::new(alice, shop, "auth_user"),
    ];
    for req in cases {
        let step = w.call(req.clone());
        let expected = match step.outcome {
            Outcome::Success => Callback::Success,
            Outcome::Fail => Callback::Fail,
            other => panic!("{req:?} ended {other:?}"),
        };
        assert_eq!(
            step.callbacks,
            vec![expected, Callback::Complete],
            "{req:?}"
        );
    }
}

/// R-CALL-WEBVIEW: not supported in a web-view: error 1.
#[test]
fn r_call_webview_unsupported() {
    let mut w = world();
    let page = Page {
        container: Container::WebView,
        ..Page::default()
    };
    let step = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base").page(page));
    assert_eq!(step.outcome, Outcome::Fail);
    assert_eq!(fail(&step).error, 1);
    assert_eq!(step.popups, 0);
    assert_eq!(step.issued_code, None);
}

/// R-CALL-NO-PACKAGE: no JSAPI base package: error 4, signature N22104.
#[test]
fn r_call_no_package_error_4() {
    let mut w = world();
    let step = w.call(AuthCodeRequest::new(w.alice, w.bare, "auth_user"));
    assert_eq!(
        json(&step),
        json!({"error": 4, "errorMessage": "无权调用", "signature": "N22104"})
    );
    assert_eq!(step.popups, 0);
}

/// R-CALL-CHECK-ORDER: container, then package, then scopes.
#[test]
fn r_call_check_order() {
    let mut w = world();
    let webview = Page {
        container: Container::WebView,
        ..Page::default()
    };
    // A web-view call from an app without the package, with bad scopes: the container wins.
    let s = w.call(AuthCodeRequest::new(w.alice, w.bare, "bogus").page(webview));
    assert_eq!(fail(&s).error, 1);
    // Without the package and with bad scopes: the package wins.
    let s = w.call(AuthCodeRequest::new(w.alice, w.bare, "bogus"));
    assert_eq!(fail(&s).error, 4);
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "bogus"));
    assert_eq!(fail(&s).error, 2);
}

/// R-SCOPE-DEFAULT: missing or null scopes mean auth_base.
#[test]
fn r_scope_default_is_auth_base() {
    let mut w = world();
    for scopes in [
        ScopesArg::missing(),
        ScopesArg(Some(serde_json::Value::Null)),
    ] {
        let mut req = AuthCodeRequest::new(w.alice, w.shop, "auth_base");
        req.scopes = scopes;
        let step = w.call(req);
        assert_eq!(step.popups, 0);
        assert_eq!(success(&step).auth_success_scopes, vec![Scope::AuthBase]);
    }
}

/// R-SCOPE-FORMS: a string or an array; duplicates collapse; order kept.
#[test]
fn r_scope_forms_string_and_array() {
    let mut w = world();
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user"));
    assert_eq!(success(&s).auth_success_scopes, vec![Scope::AuthUser]);
    let s = w.call(AuthCodeRequest::new(
        w.bob,
        w.shop,
        ScopesArg::list(["USER_NICKNAME", "auth_base", "USER_NICKNAME"]),
    ));
    assert_eq!(
        success(&s).auth_success_scopes,
        vec![Scope::UserNickname, Scope::AuthBase]
    );
}

/// R-SCOPE-INTL: the international scopes and auth_zhima are accepted and prompted.
#[test]
fn r_scope_intl_accepted_and_prompted() {
    let mut w = world();
    for scope in Scope::ALL.into_iter().filter(|s| *s != Scope::AuthBase) {
        let s = w.call(AuthCodeRequest::new(
            w.carol,
            w.other,
            ScopesArg::list([scope.as_str()]),
        ));
        assert_eq!(s.popups, 1, "{scope} is prompted");
        assert_eq!(success(&s).auth_success_scopes, vec![scope]);
    }
    let s = w.call(AuthCodeRequest::new(w.carol, w.other, "user_nickname"));
    assert_eq!(fail(&s).error, 2, "names are case-sensitive");
}

/// R-SCOPE-INVALID: unknown name, empty array, wrong type: error 2.
#[test]
fn r_scope_invalid_error_2() {
    let mut w = world();
    let bad = [
        json!("auth_everything"),
        json!([]),
        json!(["auth_base", 3]),
        json!(42),
        json!({"scopes": "auth_base"}),
        json!(true),
        json!(""),
    ];
    for v in bad {
        let mut req = AuthCodeRequest::new(w.alice, w.shop, "auth_base");
        req.scopes = ScopesArg(Some(v.clone()));
        let s = w.call(req);
        assert_eq!(
            json(&s),
            json!({"error": 2, "errorMessage": "Invalid parameters"}),
            "{v}"
        );
        assert_eq!(s.popups, 0);
    }
}

/// R-CALL-PLUGIN: inside a plugin the code belongs to the host app.
#[test]
fn r_call_plugin_subject_is_host() {
    let mut w = world();
    let page = Page {
        container: Container::Plugin,
        ..Page::default()
    };
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base").page(page));
    let c = code(&s);
    assert_eq!(
        sub_code(&w.sim.redeem(w.other, &c).unwrap()),
        "isv.unmatched-app-id"
    );
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base").page(page));
    let t = w.sim.redeem(w.shop, &code(&s)).unwrap();
    assert_eq!(tokens(&t).open_id, w.sim.open_id(w.alice, w.shop).unwrap());
    // The package check is the host's.
    let s = w.call(AuthCodeRequest::new(w.alice, w.bare, "auth_base").page(page));
    assert_eq!(fail(&s).error, 4);
}

/// R-SILENT: auth_base, or only consented scopes: no popup.
#[test]
fn r_silent_no_popup() {
    let mut w = world();
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base").decision(Decision::Deny));
    assert_eq!(s.popups, 0);
    assert_eq!(
        s.outcome,
        Outcome::Success,
        "the decision is not consulted without a popup"
    );
    w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user"));
    let s = w.call(
        AuthCodeRequest::new(w.alice, w.shop, ScopesArg::list(["auth_base", "auth_user"]))
            .decision(Decision::Dismiss),
    );
    assert_eq!(s.popups, 0);
    assert_eq!(s.outcome, Outcome::Success);
}

/// R-PROMPT-ONE-POPUP: one popup for all prompted scopes not yet consented.
#[test]
fn r_prompt_one_popup() {
    let mut w = world();
    let s = w.call(AuthCodeRequest::new(
        w.alice,
        w.shop,
        ScopesArg::list(["auth_user", "USER_AVATAR", "auth_base"]),
    ));
    assert_eq!(s.popups, 1);
    // Only the scope not yet consented is prompted now.
    let started = w
        .sim
        .invoke_auth_code(
            w.alice,
            w.shop,
            ScopesArg::list(["auth_user", "USER_GENDER"]),
            Page::default(),
        )
        .unwrap();
    assert_eq!(started.popups, 1);
    let id = started.call.unwrap();
    let denied = w
        .sim
        .handle(Input::Decide {
            call: id,
            decision: Decision::Deny,
        })
        .unwrap();
    let errs = fail(&denied).auth_error_scopes.clone().unwrap();
    assert_eq!(
        errs.keys().copied().collect::<Vec<_>>(),
        vec![Scope::UserGender]
    );
}

/// R-DECIDE-ACCEPT: accept grants every requested scope.
#[test]
fn r_decide_accept_success() {
    let mut w = world();
    let s = w.call(AuthCodeRequest::new(
        w.alice,
        w.shop,
        ScopesArg::list(["auth_base", "auth_user"]),
    ));
    assert_eq!(s.outcome, Outcome::Success);
    let ok = success(&s);
    assert_eq!(
        ok.auth_success_scopes,
        vec![Scope::AuthBase, Scope::AuthUser]
    );
    assert!(ok.auth_error_scopes.is_empty());
    assert_eq!(ok.auth_code.to_string().len(), 32);
}

/// R-DECIDE-DENY: error 11 with authErrorScopes "10001".
#[test]
fn r_decide_deny_error_11() {
    let mut w = world();
    let s = w.call(
        AuthCodeRequest::new(w.alice, w.shop, ScopesArg::list(["auth_base", "auth_user"]))
            .decision(Decision::Deny),
    );
    assert_eq!(
        json(&s),
        json!({"error": 11, "errorMessage": "用户点击拒绝授权", "authErrorScopes": {"auth_user": "10001"}})
    );
    assert_eq!(s.issued_code, None);
    // Nothing was remembered: the next call prompts again.
    let again = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user"));
    assert_eq!(again.popups, 1);
}

/// R-DECIDE-DISMISS: closing the popup: error 3.
#[test]
fn r_decide_dismiss_error_3() {
    let mut w = world();
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user").decision(Decision::Dismiss));
    assert_eq!(
        json(&s),
        json!({"error": 3, "errorMessage": "未找到授权结果"})
    );
    assert_eq!(s.popups, 1);
}

/// R-DECIDE-PARTIAL: some scopes granted, the rest in authErrorScopes; none is a denial.
#[test]
fn r_decide_partial_grant() {
    let mut w = world();
    let req = AuthCodeRequest::new(
        w.alice,
        w.shop,
        ScopesArg::list(["auth_base", "USER_NICKNAME", "USER_AVATAR"]),
    );
    let s = w.call(req.clone().decision(Decision::AcceptOnly(vec![
        Scope::UserAvatar,
        Scope::UserGender,
    ])));
    assert_eq!(s.outcome, Outcome::Success);
    let ok = success(&s);
    assert_eq!(
        ok.auth_success_scopes,
        vec![Scope::AuthBase, Scope::UserAvatar]
    );
    assert_eq!(
        serde_json::to_value(&ok.auth_error_scopes).unwrap(),
        json!({"USER_NICKNAME": "10001"})
    );
    // Only the accepted scope is remembered: USER_NICKNAME prompts again, alone.
    let s = w.call(req.clone().decision(Decision::AcceptOnly(vec![])));
    assert_eq!(s.popups, 1);
    assert_eq!(fail(&s).error, 11);
    assert_eq!(
        serde_json::to_value(fail(&s).auth_error_scopes.as_ref().unwrap()).unwrap(),
        json!({"USER_NICKNAME": "10001"})
    );
}

/// R-NET-FAIL: error 10, no code issued, no consent recorded.
#[test]
fn r_net_fail_error_10_nothing_issued() {
    let mut w = world();
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user").network(Network::Fail));
    assert_eq!(json(&s), json!({"error": 10, "errorMessage": "Empty data"}));
    assert_eq!(s.issued_code, None);
    assert_eq!(w.sim.gateway_stats().codes_issued, 0);
    assert!(w.sim.consent().get(w.alice, w.shop).scopes.is_empty());
}

/// R-NET-LOST: error 10, but the server issued a code (never delivered) and recorded consent.
#[test]
fn r_net_lost_code_issued_never_delivered() {
    let mut w = world();
    let s =
        w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user").network(Network::LostResponse));
    assert_eq!(fail(&s).error, 10);
    let issued = s.issued_code.expect("the server issued a code");
    assert_eq!(w.sim.gateway_stats().codes_issued, 1);
    assert!(
        w.sim
            .consent()
            .get(w.alice, w.shop)
            .scopes
            .contains(Scope::AuthUser)
    );
    assert_eq!(w.sim.codes_expired_unused(), 0);
    w.sim.advance(180);
    assert_eq!(
        w.sim.codes_expired_unused(),
        1,
        "the lost code expires unused"
    );
    assert_eq!(
        sub_code(&w.sim.redeem(w.shop, issued).unwrap()),
        "isv.code-invalid"
    );
}

/// R-PAYLOAD-SHAPES: exactly Alipay's fields, nothing else.
#[test]
fn r_payload_shapes_exact_json() {
    let mut w = world();
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base"));
    let v = json(&s);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        vec!["authCode", "authErrorScopes", "authSuccessScopes"]
    );
    assert_eq!(v["authErrorScopes"], json!({}));
    assert_eq!(v["authSuccessScopes"], json!(["auth_base"]));
    let f = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user").decision(Decision::Dismiss));
    let v = json(&f);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["error", "errorMessage"]);
}

/// R-ERROR-TABLE: codes and messages of the seeds dialect.
#[test]
fn r_error_table_codes_and_messages() {
    let table = [
        (ClientError::Unsupported, 1, "该接口暂不支持"),
        (ClientError::InvalidParameters, 2, "Invalid parameters"),
        (ClientError::Dismissed, 3, "未找到授权结果"),
        (ClientError::NoPermission, 4, "无权调用"),
        (ClientError::Network, 10, "Empty data"),
        (ClientError::Denied, 11, "用户点击拒绝授权"),
    ];
    for (e, code, msg) in table {
        assert_eq!(e.code(), code);
        assert_eq!(e.message(Dialect::Seeds), msg);
        assert_eq!(e.signature().is_some(), code == 4);
    }
}

/// R-DECIDE-PARTIAL: the JSON form of a partial decision is exactly `{"accept": [...]}`.
#[test]
fn r_decide_partial_json_form_is_strict() {
    let d: Decision = serde_json::from_value(json!({"accept": ["auth_user"]})).unwrap();
    assert_eq!(d, Decision::AcceptOnly(vec![Scope::AuthUser]));
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        json!({"accept": ["auth_user"]})
    );
    for bad in [
        json!({"accept": ["auth_user"], "acept": 1}),
        json!({"accept": "auth_user"}),
        json!("Accept"),
    ] {
        assert!(
            serde_json::from_value::<Decision>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}
