//! Determinism, snapshots, the virtual clock and API misuse. Each test names its SPEC.md rule.

mod common;

use authsim::prelude::*;
use common::*;

/// A fixed script touching every kind of input; returns every step serialized.
fn script(w: &mut World) -> Vec<String> {
    let (alice, bob, shop, corp) = (w.alice, w.bob, w.shop, w.corp);
    let mut out = Vec::new();
    let mut push = |s: Step| out.push(serde_json::to_string(&s).unwrap());
    let a = w.call(AuthCodeRequest::new(alice, shop, "auth_user"));
    let code_a = code(&a);
    push(a);
    push(w.call(AuthCodeRequest::new(bob, corp, "auth_base").network(Network::LostResponse)));
    let t = w.sim.redeem(shop, &code_a).unwrap();
    let refresh_token = tokens(&t).refresh_token;
    push(t);
    push(w.sim.advance(60));
    push(
        w.sim
            .oauth_token(
                shop,
                "refresh_token",
                None,
                Some(&refresh_token.to_string()),
            )
            .unwrap(),
    );
    push(
        w.sim
            .authorize(bob, corp, "userInfo", Decision::Accept, Network::Ok)
            .unwrap(),
    );
    push(w.sim.get_open_user_info(bob, corp).unwrap());
    push(w.sim.redeem(shop, &code_a).unwrap());
    push(w.sim.revoke(alice, shop).unwrap());
    push(w.call(AuthCodeRequest::new(alice, shop, "auth_user").decision(Decision::Deny)));
    out
}

/// R-DET-SEED: same seed and inputs give the same bytes; another seed gives other codes.
#[test]
fn r_det_seed_same_bytes() {
    let a = script(&mut world_with(Config::default(), 42));
    let b = script(&mut world_with(Config::default(), 42));
    assert_eq!(a, b);
    let c = script(&mut world_with(Config::default(), 43));
    assert_ne!(a[0], c[0], "codes come from the seed");
}

/// R-DET-SNAPSHOT: serialize, restore, continue: identical to the uninterrupted run, including
/// a call in flight with its popup open.
#[test]
fn r_det_snapshot_restore_continues() {
    let mut w = world();
    let (alice, shop) = (w.alice, w.shop);
    let started = w
        .sim
        .invoke_auth_code(alice, shop, "auth_user".into(), Page::default())
        .unwrap();
    let id = started.call.unwrap();
    let snapshot = serde_json::to_string(&w.sim).unwrap();
    let mut restored: Simulator = serde_json::from_str(&snapshot).unwrap();
    assert_eq!(
        serde_json::to_string(&restored).unwrap(),
        snapshot,
        "snapshot is a fixed point"
    );
    let mut original = w.sim.clone();
    for sim in [&mut original, &mut restored] {
        sim.handle(Input::Decide {
            call: id,
            decision: Decision::Accept,
        })
        .unwrap();
    }
    let a = original
        .handle(Input::Deliver {
            call: id,
            network: Network::Ok,
        })
        .unwrap();
    let b = restored
        .handle(Input::Deliver {
            call: id,
            network: Network::Ok,
        })
        .unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert_eq!(a.outcome, Outcome::Success);
    assert_eq!(
        serde_json::to_string(&original).unwrap(),
        serde_json::to_string(&restored).unwrap()
    );
}

/// R-DET-CLOCK: nothing expires until the clock is advanced.
#[test]
fn r_det_clock_only_moves_by_input() {
    let mut w = world();
    let c = code(&w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base")));
    assert_eq!(w.sim.now().0, 0);
    for _ in 0..1000 {
        w.call(AuthCodeRequest::new(w.bob, w.shop, "auth_base"));
    }
    assert_eq!(w.sim.now().0, 0);
    assert_eq!(w.sim.redeem(w.shop, &c).unwrap().outcome, Outcome::Ok);
}

/// R-INPUT-ERRORS: unknown handles, duplicate names and bad config are errors that change nothing.
#[test]
fn r_input_errors_change_nothing() {
    let mut w = world();
    let before = serde_json::to_string(&w.sim).unwrap();
    let ghost = UserId(99);
    let nowhere = AppId(99);
    let errors = [
        w.sim
            .handle(Input::GetAuthCode(AuthCodeRequest::new(
                ghost,
                w.shop,
                "auth_base",
            )))
            .unwrap_err(),
        w.sim
            .handle(Input::GetAuthCode(AuthCodeRequest::new(
                w.alice,
                nowhere,
                "auth_base",
            )))
            .unwrap_err(),
        w.sim
            .handle(Input::GetSetting {
                user: ghost,
                app: w.shop,
            })
            .unwrap_err(),
        w.sim
            .handle(Input::OauthToken {
                app: nowhere,
                grant_type: "authorization_code".into(),
                code: None,
                refresh_token: None,
            })
            .unwrap_err(),
        w.sim
            .handle(Input::Decide {
                call: CallId(5),
                decision: Decision::Accept,
            })
            .unwrap_err(),
        w.sim.add_user(UserSpec::new("alice")).unwrap_err(),
        w.sim.add_app(AppSpec::new("shop")).unwrap_err(),
    ];
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        vec![
            "unknown user #99",
            "unknown app #99",
            "unknown user #99",
            "unknown app #99",
            "no call #5 is in flight",
            "duplicate user name \"alice\": names must be unique",
            "duplicate app name \"shop\": names must be unique",
        ]
    );
    assert_eq!(serde_json::to_string(&w.sim).unwrap(), before);
}

/// R-DET-SNAPSHOT, R-INPUT-ERRORS: a corrupted snapshot is refused with an error naming the
/// problem, never accepted to panic later; a restored one equals the original, calls in flight
/// included.
#[test]
fn r_det_snapshot_corrupted_is_an_error_not_a_panic() {
    let mut w = world();
    let (alice, corp) = (w.alice, w.corp);
    let c = w.fresh_code(alice, corp, "auth_user");
    w.sim.redeem(corp, &c).unwrap();
    w.sim
        .authorize(alice, corp, "userInfo", Decision::Accept, Network::Ok)
        .unwrap();
    w.sim
        .invoke_auth_code(alice, corp, "USER_ADDRESS".into(), Page::default())
        .unwrap();
    let good = serde_json::to_value(&w.sim).unwrap();
    let restored: Simulator = serde_json::from_value(good.clone()).unwrap();
    assert_eq!(
        restored, w.sim,
        "restored equals original, with a call in flight"
    );

    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 6] = [
        ("codeTtlSeconds", |v| {
            v["config"]["codeTtlSeconds"] = 5.into()
        }),
        ("name indexes", |v| {
            v["users"].as_array_mut().unwrap().pop();
        }),
        ("grant #0", |v| {
            v["gateway"]["grants"][0]["user"] = 99.into()
        }),
        ("missing user, app or grant", |v| {
            v["gateway"]["codes"][0][1]["state"] = serde_json::json!({"Burned": 77})
        }),
        ("consent or popup history", |v| {
            v["consent"]["entries"][0][0][0] = 99.into()
        }),
        ("call #0", |v| {
            v["calls"][0][1]["shared_storage"]["app"] = 99.into()
        }),
    ];
    for (expected, edit) in edits {
        let mut bad = good.clone();
        edit(&mut bad);
        assert_ne!(
            bad, good,
            "the edit for {expected:?} must change the snapshot"
        );
        let err = serde_json::from_value::<Simulator>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{expected:?} not in {err:?}");
    }
}
