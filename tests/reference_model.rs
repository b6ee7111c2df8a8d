//! The reference model itself: its generator reaches every kind of outcome, its predictions
//! follow the rules on hand-written sequences, and its `apply` is fast.
#![cfg(feature = "reference-model")]

use std::collections::BTreeSet;

use authsim::explore::SmallWorld;
use authsim::findings::FindingId;
use authsim::prelude::*;
use authsim::reference::strategies;
use authsim::reference::{
    Action, CODE_INVALID, CodeRef, Decision, Expected, ModelState, REFRESH_TOKEN_TIME_OUT,
    ScopesArg, UNMATCHED_APP_ID, model::requested_scopes,
};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};

fn runner() -> TestRunner {
    TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(7),
        ..Config::default()
    })
}

fn sequences(n: usize, len: usize) -> Vec<Vec<Action>> {
    let mut r = runner();
    let strat = strategies::actions(SmallWorld::default(), len..=len);
    (0..n)
        .map(|_| strat.new_tree(&mut r).expect("generates").current())
        .collect()
}

fn kind(a: &Action, e: &Expected) -> String {
    let op = match a {
        Action::GetAuthCode { .. } => "call",
        Action::Button { .. } => "button",
        Action::GetSetting { .. } => "setting",
        Action::GetOpenUserInfo { .. } => "openUserInfo",
        Action::GetPhoneNumber { .. } => "phoneNumber",
        Action::Redeem { .. } => "redeem",
        Action::Refresh { .. } => "refresh",
        Action::AdvanceClock { .. } => "clock",
        Action::Revoke { .. } => "revoke",
    };
    format!(
        "{op} {:?} {:?} {:?} popups={}{}",
        e.outcome,
        e.error,
        e.sub_code,
        e.popups,
        e.member_code
            .map(|c| format!(" code={c}"))
            .unwrap_or_default()
    )
}

/// Property: over 300 generated sequences the generator reaches every outcome the model knows,
/// so the harness exercises each path and not only the easy ones.
#[test]
fn generated_sequences_reach_every_outcome_kind() {
    let mut seen = BTreeSet::new();
    for seq in sequences(300, 40) {
        let mut s = ModelState::new(SmallWorld::default());
        for a in &seq {
            assert!(s.allows(a), "the generator produced a disallowed {a:?}");
            s.step(a);
            seen.insert(kind(a, &s.expected));
            if let Some(f) = s.expected.finding {
                seen.insert(format!("finding {}", f.as_str()));
            }
        }
    }
    for want in [
        "call Success None None popups=0",
        "call Success None None popups=1",
        "call Fail Some(11) None popups=1",
        "call Fail Some(3) None popups=1",
        "call Fail Some(10) None popups=1",
        "call Fail Some(2) None popups=0",
        "redeem Ok None None popups=0",
        "redeem Error None Some(\"isv.code-invalid\") popups=0",
        "redeem Error None Some(\"isv.unmatched-app-id\") popups=0",
        "refresh Ok None None popups=0",
        "refresh Error None Some(\"isv.refresh-token-invalid\") popups=0",
        "button Success None None popups=1",
        "button Fail None None popups=1",
        "openUserInfo Success None None popups=0 code=10000",
        "openUserInfo Success None None popups=0 code=40003",
        "phoneNumber Success None None popups=0 code=10000",
        "phoneNumber Success None None popups=0 code=40006",
        // R-DOUBLE-POPUP: the generated journeys reach the finding, so the harness checks it.
        "finding double-popup",
    ] {
        assert!(
            seen.contains(want),
            "never generated: {want}\nseen: {seen:#?}"
        );
    }
}

fn step(s: &mut ModelState, a: Action) -> Expected {
    assert!(s.allows(&a), "{a:?}");
    s.step(&a);
    s.expected
}

/// The model's predictions on a hand-written journey: partial grant, remembered consent,
/// single use, foreign app, expiry, refresh deadline, revocation.
#[test]
fn model_predictions_follow_the_rules() {
    let (u, a0, a1) = (UserId(0), AppId(0), AppId(1));
    let mut s = ModelState::new(SmallWorld::default());
    let both: authsim::scope::ScopeSet =
        [Scope::AuthUser, Scope::UserNickname].into_iter().collect();
    let user: authsim::scope::ScopeSet = [Scope::AuthUser].into_iter().collect();
    let call = |scopes: ScopesArg, decision: Decision| Action::GetAuthCode {
        user: u,
        app: a0,
        scopes,
        decision,
        network: Network::Ok,
    };
    let e = step(
        &mut s,
        call(
            ScopesArg::list(both.iter().map(Scope::as_str)),
            Decision::AcceptOnly(vec![Scope::AuthUser]),
        ),
    );
    assert_eq!(
        (e.outcome, e.popups, e.granted),
        (Outcome::Success, 1, Some(user))
    );
    // auth_user is remembered: silent now, USER_NICKNAME still prompts.
    let e = step(
        &mut s,
        call(ScopesArg::from(Scope::AuthUser), Decision::Deny),
    );
    assert_eq!((e.outcome, e.popups), (Outcome::Success, 0));
    let e = step(
        &mut s,
        call(ScopesArg::from(Scope::UserNickname), Decision::Dismiss),
    );
    assert_eq!((e.outcome, e.popups, e.error), (Outcome::Fail, 1, Some(3)));
    let redeem = |app, i| Action::Redeem {
        app,
        code: CodeRef::Issued(i),
    };
    assert_eq!(step(&mut s, redeem(a0, 0)).identity, Some((u, a0)));
    assert_eq!(step(&mut s, redeem(a0, 0)).sub_code, Some(CODE_INVALID));
    assert_eq!(step(&mut s, redeem(a1, 1)).sub_code, Some(UNMATCHED_APP_ID));
    assert_eq!(step(&mut s, redeem(a0, 1)).sub_code, Some(CODE_INVALID));
    // The replay revoked grant 0.
    let refresh = |grant| Action::Refresh {
        app: a0,
        grant,
        stale: false,
    };
    assert_eq!(step(&mut s, refresh(0)).outcome, Outcome::Error);
    // A fresh code expires at exactly the TTL.
    step(&mut s, call(ScopesArg::missing(), Decision::Accept));
    step(&mut s, Action::AdvanceClock { seconds: 179 });
    step(&mut s, call(ScopesArg::missing(), Decision::Accept));
    step(&mut s, Action::AdvanceClock { seconds: 1 });
    assert_eq!(step(&mut s, redeem(a0, 2)).sub_code, Some(CODE_INVALID));
    assert_eq!(step(&mut s, redeem(a0, 3)).identity, Some((u, a0)));
    step(
        &mut s,
        Action::AdvanceClock {
            seconds: SmallWorld::default().refresh_ttl,
        },
    );
    assert_eq!(
        step(&mut s, refresh(1)).sub_code,
        Some(REFRESH_TOKEN_TIME_OUT)
    );
    // Revocation clears consent: auth_user prompts again.
    step(&mut s, Action::Revoke { user: u, app: a0 });
    let e = step(
        &mut s,
        call(ScopesArg::from(Scope::AuthUser), Decision::Accept),
    );
    assert_eq!(e.popups, 1);
}

/// R-DOUBLE-POPUP in the model: an `auth_user` popup and then the `userInfo` button's popup for
/// the same (user, app) predict the `double-popup` finding once; `auth_base` plus the button
/// predicts none; a revocation starts the history afresh.
#[test]
fn r_double_popup_model_predicts_the_finding_once() {
    let (u, a0, a1) = (UserId(0), AppId(0), AppId(1));
    let mut s = ModelState::new(SmallWorld::default());
    let call = |app, scopes: ScopesArg| Action::GetAuthCode {
        user: u,
        app,
        scopes,
        decision: Decision::Accept,
        network: Network::Ok,
    };
    let button = |app, decision| Action::Button {
        user: u,
        app,
        scope: authsim::reference::ButtonChoice::UserInfo,
        decision,
        network: Network::Ok,
    };
    // The recommended journey: silent auth_base, then the button: one popup, no finding.
    assert_eq!(step(&mut s, call(a1, ScopesArg::missing())).finding, None);
    let e = step(&mut s, button(a1, Decision::Accept));
    assert_eq!((e.popups, e.finding), (1, None));
    // auth_user's popup, then the button's (even dismissed): the finding, once.
    assert_eq!(
        step(&mut s, call(a0, ScopesArg::from(Scope::AuthUser))).finding,
        None
    );
    let e = step(&mut s, button(a0, Decision::Dismiss));
    assert_eq!((e.popups, e.finding), (1, Some(FindingId::DoublePopup)));
    let e = step(&mut s, button(a0, Decision::Accept));
    assert_eq!((e.popups, e.finding), (1, None), "raised once per history");
    step(&mut s, Action::Revoke { user: u, app: a0 });
    assert_eq!(step(&mut s, button(a0, Decision::Accept)).finding, None);
    let e = step(&mut s, call(a0, ScopesArg::from(Scope::UserNickname)));
    assert_eq!(e.finding, Some(FindingId::DoublePopup), "history restarted");
}

/// Property: every `valid_scopes()` argument is read the same way by the model and by the
/// simulator's parser (same scope set), and every `invalid_scopes()` argument is malformed for
/// both (error 2): the strategies mean what their names say (R-SCOPE-FORMS, R-SCOPE-INVALID).
#[test]
fn scope_strategies_valid_resolve_and_invalid_are_rejected() {
    let mut r = runner();
    let (valid, invalid) = (strategies::valid_scopes(), strategies::invalid_scopes());
    for _ in 0..300 {
        let arg = valid.new_tree(&mut r).expect("generates").current();
        let parsed = arg
            .resolve()
            .unwrap_or_else(|e| panic!("{arg:?} was refused: {e}"));
        assert_eq!(requested_scopes(&arg), Some(parsed.set()), "{arg:?}");
        let arg = invalid.new_tree(&mut r).expect("generates").current();
        assert!(arg.resolve().is_err(), "{arg:?} was accepted");
        assert_eq!(requested_scopes(&arg), None, "{arg:?}");
    }
}
