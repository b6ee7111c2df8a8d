//! Popup counting, the double popup and the policy findings. Each test names its SPEC.md rule.

mod common;

use authsim::prelude::*;
use common::*;

fn ids(step: &Step) -> Vec<FindingId> {
    step.findings.iter().map(|f| f.id).collect()
}

/// R-POPUP-COUNT: each step reports its popups; the simulator keeps the total.
#[test]
fn r_popup_count_totals() {
    let mut w = world();
    let (alice, bob, shop) = (w.alice, w.bob, w.shop);
    let mut expected = 0;
    for (user, scopes) in [
        (alice, "auth_base"),
        (alice, "auth_user"),
        (alice, "auth_user"),
        (bob, "USER_NAME"),
    ] {
        expected += u64::from(w.call(AuthCodeRequest::new(user, shop, scopes)).popups);
    }
    expected += u64::from(
        w.sim
            .authorize(bob, shop, "userInfo", Decision::Accept, Network::Ok)
            .unwrap()
            .popups,
    );
    assert_eq!(expected, 3);
    assert_eq!(w.sim.totals().popups, expected);
}

/// R-DOUBLE-POPUP: auth_base + button is one popup; auth_user + button is two and a finding.
#[test]
fn r_double_popup_found_and_fixed() {
    let mut w = world();
    let (alice, bob, carol, shop) = (w.alice, w.bob, w.carol, w.shop);
    // The one-popup way.
    let a = w.call(AuthCodeRequest::new(alice, shop, "auth_base"));
    let b = w
        .sim
        .authorize(alice, shop, "userInfo", Decision::Accept, Network::Ok)
        .unwrap();
    assert_eq!(a.popups + b.popups, 1);
    assert!(a.findings.is_empty() && b.findings.is_empty());
    // The careless way: two popups and a finding naming the fix.
    let a = w.call(AuthCodeRequest::new(bob, shop, "auth_user"));
    let b = w
        .sim
        .authorize(bob, shop, "userInfo", Decision::Accept, Network::Ok)
        .unwrap();
    assert_eq!(a.popups + b.popups, 2);
    assert_eq!(ids(&b), vec![FindingId::DoublePopup]);
    assert!(b.findings[0].message.contains("auth_base"));
    // Reported once per pair.
    w.call(AuthCodeRequest::new(bob, shop, "USER_ADDRESS"));
    assert_eq!(w.sim.totals().findings[&FindingId::DoublePopup], 1);
    // Either order.
    w.sim
        .authorize(carol, shop, "userInfo", Decision::Accept, Network::Ok)
        .unwrap();
    let a = w.call(AuthCodeRequest::new(carol, shop, "auth_user"));
    assert_eq!(ids(&a), vec![FindingId::DoublePopup]);
    // A popup for something the button does not give is not its double.
    let dave = w.sim.add_user(UserSpec::new("dave")).unwrap();
    let a = w.call(AuthCodeRequest::new(dave, shop, "SEND_MESSAGE"));
    let b = w
        .sim
        .authorize(dave, shop, "userInfo", Decision::Accept, Network::Ok)
        .unwrap();
    assert_eq!(a.popups + b.popups, 2);
    assert!(a.findings.is_empty() && b.findings.is_empty());
    // USER_NICKNAME overlaps with the button's nickname: a double.
    let erin = w.sim.add_user(UserSpec::new("erin")).unwrap();
    w.call(AuthCodeRequest::new(erin, shop, "USER_NICKNAME"));
    let b = w
        .sim
        .authorize(erin, shop, "userInfo", Decision::Accept, Network::Ok)
        .unwrap();
    assert_eq!(ids(&b), vec![FindingId::DoublePopup]);
}

/// R-FIND-FIRST-SCREEN: a prompted scope on the first screen.
#[test]
fn r_find_first_screen() {
    let mut w = world();
    let page = Page {
        first_screen: true,
        ..Page::default()
    };
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user").page(page));
    assert_eq!(ids(&s), vec![FindingId::FirstScreenPrompt]);
    assert_eq!(s.outcome, Outcome::Success, "the call still runs");
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base").page(page));
    assert!(s.findings.is_empty());
}

/// R-FIND-ONLOAD: a prompted scope in onLoad; auth_base there is fine.
#[test]
fn r_find_onload() {
    let mut w = world();
    let page = Page {
        lifecycle: Lifecycle::OnLoad,
        ..Page::default()
    };
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_user").page(page));
    assert_eq!(ids(&s), vec![FindingId::PromptInOnload]);
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base").page(page));
    assert!(s.findings.is_empty());
}

/// R-FIND-ONSHOW: any getAuthCode in onShow.
#[test]
fn r_find_onshow() {
    let mut w = world();
    let page = Page {
        lifecycle: Lifecycle::OnShow,
        ..Page::default()
    };
    let s = w.call(AuthCodeRequest::new(w.alice, w.shop, "auth_base").page(page));
    assert_eq!(ids(&s), vec![FindingId::CallInOnshow]);
    assert!(s.findings[0].message.contains("onShow"));
}
