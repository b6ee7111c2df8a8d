//! Property tests over arbitrary sequences of calls, user decisions, network outcomes, clock
//! advances, redemptions (issued, replayed, foreign-app and forged codes), refreshes, button taps
//! and revocations. Each property is stated in its test's name and doc, and names the SPEC rules
//! it checks. `PROPTEST_CASES=N` runs deeper (the default is sized for CI).

mod common;

use authsim::ids::{AlipayUserId, OpenId, RefreshToken};
use std::collections::{BTreeMap, BTreeSet};

use authsim::payload::Payload;
use authsim::prelude::*;
use authsim::scope::ScopesArg;
use common::*;
use proptest::prelude::*;
use serde_json::json;

/// One abstract input; indices are taken modulo what exists when it is applied.
#[derive(Clone, Debug)]
enum Op {
    Call {
        user: usize,
        app: usize,
        scopes: usize,
        decision: usize,
        network: usize,
        page: usize,
    },
    Invoke {
        user: usize,
        app: usize,
        scopes: usize,
    },
    Decide {
        call: usize,
        decision: usize,
    },
    Deliver {
        call: usize,
        network: usize,
    },
    Redeem {
        app: usize,
        code: usize,
    },
    Forge {
        app: usize,
        text: String,
    },
    Refresh {
        app: usize,
        token: usize,
    },
    Button {
        user: usize,
        app: usize,
        phone: bool,
        decision: usize,
        network: usize,
    },
    OpenInfo {
        user: usize,
        app: usize,
    },
    Advance(u64),
    Revoke {
        user: usize,
        app: usize,
    },
}

const SCOPES: [&[&str]; 7] = [
    &["auth_base"],
    &["auth_user"],
    &["USER_NICKNAME", "auth_base"],
    &["auth_user", "USER_AVATAR"],
    &["auth_zhima"],
    &[],
    &["no_such_scope"],
];

fn scopes(i: usize) -> ScopesArg {
    match i % 8 {
        7 => ScopesArg::missing(),
        i => ScopesArg::list(SCOPES[i].iter().copied()),
    }
}

fn decision(i: usize) -> Decision {
    match i % 5 {
        0 | 1 => Decision::Accept,
        2 => Decision::Deny,
        3 => Decision::Dismiss,
        _ => Decision::AcceptOnly(vec![Scope::UserAvatar, Scope::UserNickname]),
    }
}

fn network(i: usize) -> Network {
    [
        Network::Ok,
        Network::Ok,
        Network::Ok,
        Network::Fail,
        Network::LostResponse,
    ][i % 5]
}

fn page(i: usize) -> Page {
    let lifecycle = [
        Lifecycle::OnTap,
        Lifecycle::OnLoad,
        Lifecycle::OnShow,
        Lifecycle::OnReady,
    ][i % 4];
    let container = [
        Container::Page,
        Container::Page,
        Container::Plugin,
        Container::WebView,
    ][i / 4 % 4];
    Page {
        first_screen: i.is_multiple_of(3),
        lifecycle,
        container,
    }
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0usize..64;
    prop_oneof![
        4 => (i.clone(), i.clone(), i.clone(), i.clone(), i.clone(), i.clone()).prop_map(
            |(user, app, scopes, decision, network, page)| Op::Call { user, app, scopes, decision, network, page }
        ),
        1 => (i.clone(), i.clone(), i.clone()).prop_map(|(user, app, scopes)| Op::Invoke { user, app, scopes }),
        1 => (i.clone(), i.clone()).prop_map(|(call, decision)| Op::Decide { call, decision }),
        1 => (i.clone(), i.clone()).prop_map(|(call, network)| Op::Deliver { call, network }),
        4 => (i.clone(), i.clone()).prop_map(|(app, code)| Op::Redeem { app, code }),
        1 => (i.clone(), "[0-9A-F]{0,34}|.{0,8}").prop_map(|(app, text)| Op::Forge { app, text }),
        1 => (i.clone(), i.clone()).prop_map(|(app, token)| Op::Refresh { app, token }),
        2 => (i.clone(), i.clone(), any::<bool>(), i.clone(), i.clone()).prop_map(
            |(user, app, phone, decision, network)| Op::Button { user, app, phone, decision, network }
        ),
        1 => (i.clone(), i.clone()).prop_map(|(user, app)| Op::OpenInfo { user, app }),
        2 => prop_oneof![Just(1u64), Just(60), Just(179), Just(180), Just(181), Just(86_400), Just(2_592_000)]
            .prop_map(Op::Advance),
        1 => (i.clone(), i).prop_map(|(user, app)| Op::Revoke { user, app }),
    ]
}

/// What the test remembers of issued codes: the oracle for the gateway properties.
#[derive(Default)]
struct Ledger {
    /// code → (issued at, app, successful redemptions)
    codes: BTreeMap<String, (u64, AppId, u32)>,
    order: Vec<String>,
    refresh_tokens: Vec<(AppId, RefreshToken)>,
    /// Step-wise calls in flight (and finished), with the app each was made from.
    calls: Vec<(CallId, AppId)>,
    user_ids: BTreeMap<UserId, AlipayUserId>,
    open_ids: BTreeMap<(UserId, AppId), OpenId>,
}

/// Applies `op` to the world, checks the per-step properties, and returns the serialized step
/// (or the error text).
fn apply(w: &mut World, ledger: &mut Ledger, op: &Op) -> String {
    let users = [w.alice, w.bob, w.carol];
    let apps = [w.shop, w.other, w.bare, w.corp, w.legacy];
    let user = |i: usize| users[i % users.len()];
    let app = |i: usize| apps[i % apps.len()];
    let now = w.sim.now().0;
    let ttl = w.sim.config().code_ttl_seconds;
    // The app any code this step issues must belong to: the calling app (the host, in a plugin).
    let mut issuer: Option<AppId> = None;
    let result = match op {
        Op::Call {
            user: u,
            app: a,
            scopes: s,
            decision: d,
            network: n,
            page: p,
        } => {
            let req = AuthCodeRequest::new(user(*u), app(*a), scopes(*s))
                .decision(decision(*d))
                .network(network(*n))
                .page(page(*p));
            issuer = Some(req.app);
            let expected_popups = expected_popups(w, &req);
            let step = w.sim.get_auth_code(req).expect("known user and app");
            // R-SILENT, R-PROMPT-ONE-POPUP: silent shows none; unconsented prompted shows one.
            assert_eq!(step.popups, expected_popups, "{op:?}");
            check_finished(&step);
            Ok(step)
        }
        Op::Invoke {
            user: u,
            app: a,
            scopes: s,
        } => {
            let step = w
                .sim
                .invoke_auth_code(user(*u), app(*a), scopes(*s), Page::default())
                .expect("known user and app");
            match step.call {
                Some(id) => {
                    assert!(
                        step.callbacks.is_empty(),
                        "R-CALLBACKS: nothing fires while pending"
                    );
                    ledger.calls.push((id, app(*a)));
                }
                None => check_finished(&step),
            }
            Ok(step)
        }
        Op::Decide { call, decision: d } | Op::Deliver { call, network: d } => {
            if ledger.calls.is_empty() {
                return "no call".into();
            }
            let (id, call_app) = ledger.calls[*call % ledger.calls.len()];
            issuer = Some(call_app);
            let input = match op {
                Op::Decide { .. } => Input::Decide {
                    call: id,
                    decision: decision(*d),
                },
                _ => Input::Deliver {
                    call: id,
                    network: network(*d),
                },
            };
            let before = serde_json::to_string(&w.sim).unwrap();
            let r = w.sim.handle(input);
            match &r {
                Ok(step) if step.outcome != Outcome::Pending => check_finished(step),
                Ok(step) => assert!(step.callbacks.is_empty()),
                // R-CALL-STEPWISE / R-INPUT-ERRORS: a refused input changes nothing.
                Err(_) => assert_eq!(serde_json::to_string(&w.sim).unwrap(), before),
            }
            r
        }
        Op::Redeem { app: a, code } => {
            if ledger.order.is_empty() {
                return "no code".into();
            }
            let text = ledger.order[*code % ledger.order.len()].clone();
            let a = app(*a);
            let step = w.sim.redeem(a, &text).unwrap();
            let (issued, owner, successes) = ledger.codes.get_mut(&text).unwrap();
            if step.outcome == Outcome::Ok {
                *successes += 1;
                // R-GW-CODE-ONCE, R-GW-CODE-TTL, R-GW-CODE-FOREIGN.
                assert_eq!(*successes, 1, "a code redeemed twice");
                assert!(now < *issued + ttl, "redeemed after expiry");
                assert_eq!(*owner, a, "redeemed by another app");
                let t = tokens(&step);
                let user = match w
                    .sim
                    .gateway()
                    .code(authsim::identity::parse_code(&text).unwrap())
                {
                    Some(rec) => rec.user,
                    None => panic!("redeemed code unknown to the gateway"),
                };
                // R-GW-USER-ID, R-GW-OPEN-ID: stable per user / per pair.
                let uid = ledger.user_ids.entry(user).or_insert_with(|| t.user_id);
                assert_eq!(uid, &t.user_id);
                let oid = ledger
                    .open_ids
                    .entry((user, a))
                    .or_insert_with(|| t.open_id);
                assert_eq!(oid, &t.open_id);
                ledger.refresh_tokens.push((a, t.refresh_token));
            }
            Ok(step)
        }
        Op::Forge { app: a, text } => {
            let step = w.sim.redeem(app(*a), text).unwrap();
            if !ledger.codes.contains_key(text) {
                // R-GW-CODE-FORGED.
                assert_eq!(sub_code(&step), "isv.code-invalid");
            }
            Ok(step)
        }
        Op::Refresh { app: a, token } => {
            if ledger.refresh_tokens.is_empty() {
                return "no token".into();
            }
            let (owner, t) = ledger.refresh_tokens[*token % ledger.refresh_tokens.len()];
            let a = app(*a);
            let step = w
                .sim
                .oauth_token(a, "refresh_token", None, Some(&t.to_string()))
                .unwrap();
            if step.outcome == Outcome::Ok {
                assert_eq!(owner, a, "another app's refresh token worked");
                ledger.refresh_tokens.push((a, tokens(&step).refresh_token));
            }
            Ok(step)
        }
        Op::Button {
            user: u,
            app: a,
            phone,
            decision: d,
            network: n,
        } => {
            let attr = if *phone { "phoneNumber" } else { "userInfo" };
            let step = w
                .sim
                .authorize(user(*u), app(*a), attr, decision(*d), network(*n))
                .unwrap();
            check_finished(&step);
            assert!(step.popups <= 1);
            Ok(step)
        }
        Op::OpenInfo { user: u, app: a } => w.sim.get_open_user_info(user(*u), app(*a)),
        Op::Advance(s) => Ok(w.sim.advance(*s)),
        Op::Revoke { user: u, app: a } => w.sim.revoke(user(*u), app(*a)),
    };
    match result {
        Ok(step) => {
            if let Some(code) = &step.issued_code {
                let owner = issuer.expect("only calls issue codes");
                assert!(
                    ledger
                        .codes
                        .insert(code.to_string(), (now, owner, 0))
                        .is_none(),
                    "a code issued twice"
                );
                ledger.order.push(code.to_string());
            }
            serde_json::to_string(&step).unwrap()
        }
        Err(e) => format!("error: {e}"),
    }
}

/// R-SILENT / R-PROMPT-ONE-POPUP oracle: one popup iff the call is valid and some prompted scope
/// is not yet consented.
fn expected_popups(w: &World, req: &AuthCodeRequest) -> u32 {
    let Ok(requested) = req.scopes.resolve() else {
        return 0;
    };
    let app = w.sim.app(req.app).unwrap();
    if req.page.container == Container::WebView || !app.has(Package::JsapiBasic) {
        return 0;
    }
    let remembered = w.sim.consent().get(req.user, req.app).scopes;
    u32::from(!requested.prompted().minus(remembered).is_empty())
}

/// R-CALLBACKS: a finished client call fired exactly one of success/fail, then complete.
fn check_finished(step: &Step) {
    let first = match step.outcome {
        Outcome::Success => Callback::Success,
        Outcome::Fail => Callback::Fail,
        other => panic!("a finished client call ended {other:?}"),
    };
    assert_eq!(step.callbacks, vec![first, Callback::Complete]);
}

fn run(seed: u64, ops: &[Op]) -> (Vec<String>, World, Ledger) {
    let mut w = world_with(Config::default(), seed);
    let mut ledger = Ledger::default();
    let out = ops
        .iter()
        .map(|op| apply(&mut w, &mut ledger, op))
        .collect();
    (out, w, ledger)
}

/// `PROPTEST_CASES` if set (for the long runs), else `default`: sized for CI.
fn deep_or(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: deep_or(96), ..ProptestConfig::default() })]

    /// Each auth code is redeemed successfully at most once, never at or after its expiry and
    /// never by an app it was not issued to; forged codes are refused; silent calls show no popup
    /// and unconsented prompted calls exactly one; every finished call fires one success-or-fail
    /// then complete; refused inputs change nothing; no input panics.
    /// R-GW-CODE-ONCE R-GW-CODE-TTL R-GW-CODE-FOREIGN R-GW-CODE-FORGED R-SILENT
    /// R-PROMPT-ONE-POPUP R-CALLBACKS R-CALL-STEPWISE R-INPUT-ERRORS
    #[test]
    fn codes_once_popups_exact_callbacks_paired_no_panic(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..80)) {
        let (_, w, ledger) = run(seed, &ops);
        // The gateway agrees with the ledger about successful redemptions.
        let succeeded = ledger.codes.values().filter(|c| c.2 == 1).count() as u64;
        prop_assert_eq!(w.sim.gateway_stats().codes_redeemed, succeeded);
        // Codes issued to a pair are redeemable only by that pair's app (the gateway's record).
        for text in &ledger.order {
            let rec = w.sim.gateway().code(authsim::identity::parse_code(text).unwrap()).unwrap();
            prop_assert!(rec.expires_at.0 == rec.issued_at.0 + 180);
        }
    }

    /// Every user maps to exactly one user_id and distinct users never share one; open_id is
    /// stable per (user, app) and differs across apps. R-GW-USER-ID R-GW-OPEN-ID
    #[test]
    fn one_user_id_per_user_open_id_per_pair(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..80)) {
        let (_, w, ledger) = run(seed, &ops);
        let distinct: BTreeSet<&AlipayUserId> = ledger.user_ids.values().collect();
        prop_assert_eq!(distinct.len(), ledger.user_ids.len());
        for (user, uid) in &ledger.user_ids {
            prop_assert_eq!(Some(uid.to_string()), w.sim.user_id(*user));
        }
        for ((u1, a1), o1) in &ledger.open_ids {
            for ((u2, a2), o2) in &ledger.open_ids {
                prop_assert_eq!((u1, a1) == (u2, a2), o1 == o2);
            }
        }
    }

    /// Same seed + same inputs give byte-identical outputs; a snapshot taken anywhere, restored
    /// and continued gives exactly the uninterrupted run. R-DET-SEED R-DET-SNAPSHOT
    #[test]
    fn same_seed_same_bytes_and_snapshot_changes_nothing(
        seed in any::<u64>(),
        ops in prop::collection::vec(op(), 1..60),
        split in any::<prop::sample::Index>(),
    ) {
        let (a, w_a, _) = run(seed, &ops);
        let (b, _, _) = run(seed, &ops);
        prop_assert_eq!(&a, &b);

        let cut = split.index(ops.len() + 1);
        let mut w = world_with(Config::default(), seed);
        let mut ledger = Ledger::default();
        let mut out: Vec<String> = ops[..cut].iter().map(|op| apply(&mut w, &mut ledger, op)).collect();
        let snapshot = serde_json::to_string(&w.sim).unwrap();
        w.sim = serde_json::from_str(&snapshot).unwrap();
        prop_assert_eq!(serde_json::to_string(&w.sim).unwrap(), snapshot);
        out.extend(ops[cut..].iter().map(|op| apply(&mut w, &mut ledger, op)));
        prop_assert_eq!(&out, &a);
        prop_assert_eq!(serde_json::to_string(&w.sim).unwrap(), serde_json::to_string(&w_a.sim).unwrap());
    }
}

/// The op generator reaches every consent path (so the properties above are not vacuous).
#[test]
fn generator_reaches_every_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeSet::new();
    for _ in 0..40 {
        let ops = prop::collection::vec(op(), 60)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let (out, _, _) = run(1, &ops);
        for s in out {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&s) else {
                continue;
            };
            let r = &v["result"];
            if let Some(e) = r.get("error") {
                seen.insert(format!("error {e}"));
            }
            if r.get("authCode").is_some() {
                seen.insert(
                    if r["authErrorScopes"] == json!({}) {
                        "success"
                    } else {
                        "partial"
                    }
                    .to_string(),
                );
            }
            if let Some(sc) = r.get("error_response").and_then(|e| e.get("sub_code")) {
                seen.insert(sc.as_str().unwrap().to_string());
            }
            if r.get("alipay_system_oauth_token_response").is_some() {
                seen.insert("token".into());
            }
        }
    }
    for path in [
        "success",
        "partial",
        "token",
        "error 1",
        "error 2",
        "error 3",
        "error 4",
        "error 10",
        "error 11",
        "isv.code-invalid",
        "isv.unmatched-app-id",
        "isv.refresh-token-invalid",
    ] {
        assert!(seen.contains(path), "never reached {path}; saw {seen:?}");
    }
    let _ = Payload::Empty(Default::default());
}
