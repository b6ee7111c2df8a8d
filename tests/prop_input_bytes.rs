//! Robustness of the input door: arbitrary bytes, arbitrary JSON and arbitrary-but-valid `Input`
//! JSON thrown at `serde_json::from_slice::<Input>` and then `Simulator::handle` never panic, and
//! every rejection is an error with a message.

use authsim::explore::SmallWorld;
use authsim::prelude::*;
use proptest::prelude::*;
use serde_json::{Value, json};

fn world() -> Simulator {
    SmallWorld::new(2, 2).simulator(11)
}

/// Parses `bytes` as an input; if it parses, handles it on `sim`. Panics only if a rejection has
/// no message.
fn feed(sim: &mut Simulator, bytes: &[u8]) {
    match serde_json::from_slice::<Input>(bytes) {
        Err(e) => assert!(!e.to_string().is_empty(), "a parse error without a message"),
        Ok(input) => {
            if let Err(e) = sim.handle(input) {
                assert!(!e.to_string().is_empty(), "an InputError without a message");
            }
        }
    }
}

const OPS: [&str; 13] = [
    "my.getAuthCode",
    "call.invoke",
    "call.decide",
    "call.network",
    "button.getAuthorize",
    "my.getOpenUserInfo",
    "my.getPhoneNumber",
    "my.getSetting",
    "alipay.system.oauth.token",
    "alipay.user.info.share",
    "clock.advance",
    "user.revoke",
    "no.such.op",
];

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        proptest::sample::select(vec![
            "auth_base",
            "auth_user",
            "accept",
            "deny",
            "dismiss",
            "ok",
            "fail",
            "lostResponse",
            "authorization_code",
            "refresh_token",
            "userInfo",
            "phoneNumber",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object with a real or unknown `op` and fields named like the real ones, with any values.
fn input_shaped_json() -> impl Strategy<Value = Value> {
    let field = proptest::sample::select(vec![
        "user",
        "app",
        "scopes",
        "page",
        "decision",
        "network",
        "call",
        "scope",
        "grant_type",
        "code",
        "refresh_token",
        "auth_token",
        "seconds",
    ]);
    (
        proptest::sample::select(&OPS[..]),
        proptest::collection::vec((field, any_json()), 0..6),
    )
        .prop_map(|(op, fields)| {
            let mut m = serde_json::Map::new();
            m.insert("op".into(), Value::from(op));
            for (k, v) in fields {
                m.insert(k.into(), v);
            }
            Value::Object(m)
        })
}

/// Valid inputs, users and apps partly out of the world, every op.
fn valid_input() -> impl Strategy<Value = Input> {
    let user = (0u32..3).prop_map(UserId);
    let app = (0u32..3).prop_map(AppId);
    let scopes = prop_oneof![
        Just(ScopesArg::missing()),
        proptest::sample::select(&Scope::ALL[..]).prop_map(ScopesArg::from),
        // `null` parses back as a missing argument (both mean auth_base), so it is left out here.
        any_json()
            .prop_filter("null", |v| !v.is_null())
            .prop_map(|v| ScopesArg(Some(v))),
    ];
    let decision = prop_oneof![
        Just(Decision::Accept),
        Just(Decision::Deny),
        Just(Decision::Dismiss),
        proptest::collection::vec(proptest::sample::select(&Scope::ALL[..]), 0..3)
            .prop_map(Decision::AcceptOnly),
    ];
    let network = proptest::sample::select(vec![Network::Ok, Network::Fail, Network::LostResponse]);
    let text = prop_oneof![".{0,40}", "[0-9A-F]{32}", "authusrB[0-9a-f]{32}"];
    prop_oneof![
        (
            user.clone(),
            app.clone(),
            scopes.clone(),
            decision.clone(),
            network.clone()
        )
            .prop_map(|(u, a, s, d, n)| Input::GetAuthCode(AuthCodeRequest {
                user: u,
                app: a,
                scopes: s,
                page: Page::default(),
                decision: d,
                network: n,
            })),
        (user.clone(), app.clone(), scopes).prop_map(|(user, app, scopes)| {
            Input::InvokeAuthCode {
                user,
                app,
                scopes,
                page: Page::default(),
            }
        }),
        (0u64..4, decision.clone()).prop_map(|(c, decision)| Input::Decide {
            call: CallId(c),
            decision
        }),
        (0u64..4, network.clone()).prop_map(|(c, network)| Input::Deliver {
            call: CallId(c),
            network
        }),
        (user.clone(), app.clone(), ".{0,12}", decision, network).prop_map(
            |(user, app, scope, decision, network)| Input::Authorize {
                user,
                app,
                scope,
                decision,
                network
            }
        ),
        (user.clone(), app.clone()).prop_map(|(user, app)| Input::GetOpenUserInfo { user, app }),
        (user.clone(), app.clone()).prop_map(|(user, app)| Input::GetPhoneNumber { user, app }),
        (user.clone(), app.clone()).prop_map(|(user, app)| Input::GetSetting { user, app }),
        (
            app.clone(),
            prop_oneof![
                Just("authorization_code".to_owned()),
                Just("refresh_token".to_owned()),
                ".{0,8}"
            ],
            proptest::option::of(text.clone()),
            proptest::option::of(text.clone())
        )
            .prop_map(|(app, grant_type, code, refresh_token)| Input::OauthToken {
                app,
                grant_type,
                code,
                refresh_token
            }),
        (app.clone(), text).prop_map(|(app, auth_token)| Input::UserInfoShare { app, auth_token }),
        any::<u64>().prop_map(|seconds| Input::AdvanceClock { seconds }),
        (user, app).prop_map(|(user, app)| Input::Revoke { user, app }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Property: arbitrary bytes never panic the parser or the simulator; each rejection has a
    /// message.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut sim = world();
        feed(&mut sim, &bytes);
    }

    /// Property: arbitrary JSON documents, and objects shaped like inputs with arbitrary field
    /// values, never panic; each rejection has a message.
    #[test]
    fn arbitrary_json_never_panics(
        docs in proptest::collection::vec(prop_oneof![any_json(), input_shaped_json()], 1..8)
    ) {
        let mut sim = world();
        for doc in docs {
            feed(&mut sim, doc.to_string().as_bytes());
        }
    }

    /// Property: every valid input serializes to JSON that parses back to the same input, and a
    /// sequence of them is handled without panic, each refusal an error with a message.
    #[test]
    fn valid_input_json_round_trips_and_never_panics(
        inputs in proptest::collection::vec(valid_input(), 1..24)
    ) {
        let mut sim = world();
        for input in inputs {
            let text = serde_json::to_vec(&input).unwrap();
            let back: Input = serde_json::from_slice(&text).unwrap();
            prop_assert_eq!(&back, &input);
            feed(&mut sim, &text);
        }
    }
}

/// Parses `text` as a scenario and runs it if it parses: no panic, every error has a message.
fn feed_scenario(text: &str) {
    match authsim::scenario::parse(text) {
        Err(e) => assert!(
            !e.to_string().is_empty(),
            "a scenario error without a message"
        ),
        Ok(scenario) => {
            if let Err(e) = authsim::scenario::run(&scenario) {
                assert!(!e.to_string().is_empty(), "a run error without a message");
            }
        }
    }
}

/// The demo scenario with one value somewhere replaced by an arbitrary one.
fn mutated_demo() -> impl Strategy<Value = String> {
    let demo: Value = serde_json::from_str(include_str!("../scenarios/demo.json")).unwrap();
    (any::<proptest::sample::Index>(), any_json()).prop_map(move |(ix, replacement)| {
        let mut doc = demo.clone();
        let mut slots = Vec::new();
        collect_pointers(&doc, String::new(), &mut slots);
        let target = ix.get(&slots).clone();
        if let Some(slot) = doc.pointer_mut(&target) {
            *slot = replacement;
        }
        doc.to_string()
    })
}

fn collect_pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_pointers(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(m) => {
            for (k, item) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                collect_pointers(item, format!("{at}/{k}"), out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Property: arbitrary bytes given to the scenario parser never panic; each rejection has a
    /// message.
    #[test]
    fn scenario_parser_survives_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        feed_scenario(&String::from_utf8_lossy(&bytes));
    }

    /// Property: the demo scenario with any one value replaced by arbitrary JSON either parses
    /// and runs, or is refused with a message; nothing panics.
    #[test]
    fn scenario_parser_and_runner_survive_mutated_demo(text in mutated_demo()) {
        feed_scenario(&text);
    }
}

/// A few hand-picked malformed documents are refused with a message naming the problem.
#[test]
fn malformed_inputs_are_refused_with_clear_messages() {
    let cases = [
        (json!({"op": "no.such.op"}), "unknown variant"),
        (json!({"user": 0, "app": 0}), "missing field `op`"),
        (
            json!({"op": "my.getAuthCode", "user": 0}),
            "missing field `app`",
        ),
        (
            json!({"op": "clock.advance", "seconds": -1}),
            "invalid value",
        ),
        (
            json!({"op": "my.getAuthCode", "user": 0, "app": 0, "decision": "maybe"}),
            "did not match any variant",
        ),
    ];
    for (doc, want) in cases {
        let err = serde_json::from_slice::<Input>(doc.to_string().as_bytes()).unwrap_err();
        assert!(err.to_string().contains(want), "{doc}: {err}");
    }
    let mut sim = world();
    let err = sim
        .handle(Input::GetSetting {
            user: UserId(9),
            app: AppId(0),
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "unknown user #9");
}
