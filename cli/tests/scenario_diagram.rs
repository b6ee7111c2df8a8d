//! `authsim diagram` against the machine: drive calls through the simulator's public step-wise
//! API (`call.invoke`, `call.decide`, `call.network`) in many worlds, record every transition
//! seen, and require exactly the generated diagram's edges: a transition the diagram lacks, or
//! an edge no call makes, fails.

use std::collections::BTreeSet;

use authsim::prelude::*;
use authsim_cli::diagram::{Edge, edges};
use serde_json::Value;

type Seen = BTreeSet<(String, String, String, String)>;

fn key(from: &str, event: &str, effect: String, to: &str) -> (String, String, String, String) {
    (from.into(), event.into(), effect, to.into())
}

/// The state a finished step leaves the call in, and what the user saw.
fn observe(sim: &Simulator, step: &Step) -> (String, String) {
    let to = match (step.outcome, step.call) {
        (Outcome::Pending, Some(id)) => sim
            .calls_in_flight()
            .find(|(c, _)| *c == id)
            .map(|(_, s)| s.to_owned())
            .expect("a pending call is in flight"),
        (Outcome::Success, _) => "succeeded".into(),
        (Outcome::Fail, _) => "failed".into(),
        other => panic!("unexpected {other:?}"),
    };
    let effect = match step.outcome {
        Outcome::Success => "success".to_owned(),
        Outcome::Fail => {
            let v = serde_json::to_value(&step.result).unwrap();
            format!("error {}", v["error"])
        }
        _ if step.popups > 0 => "popup".into(),
        _ => String::new(),
    };
    (to, effect)
}

fn decisions() -> Vec<(&'static str, Decision)> {
    vec![
        ("accept", Decision::Accept),
        ("deny", Decision::Deny),
        ("dismiss", Decision::Dismiss),
        (
            "accept only",
            Decision::AcceptOnly(vec![Scope::UserNickname]),
        ),
        ("accept only", Decision::AcceptOnly(vec![])),
    ]
}

fn networks() -> Vec<(&'static str, Network)> {
    vec![
        ("network ok", Network::Ok),
        ("network fail", Network::Fail),
        ("lost response", Network::LostResponse),
    ]
}

/// Every input a call in flight could get, by label.
fn drive_inputs(id: CallId) -> Vec<(&'static str, Input)> {
    let mut v: Vec<(&str, Input)> = decisions()
        .into_iter()
        .map(|(l, decision)| (l, Input::Decide { call: id, decision }))
        .collect();
    v.extend(
        networks()
            .into_iter()
            .map(|(l, network)| (l, Input::Deliver { call: id, network })),
    );
    v
}

/// Explores every sequence of inputs from `sim`'s call `id`, recording transitions.
fn explore(sim: &Simulator, id: CallId, seen: &mut Seen, depth: usize) {
    assert!(depth < 6, "the machine should end within a few inputs");
    let from = sim
        .calls_in_flight()
        .find(|(c, _)| *c == id)
        .map(|(_, s)| s.to_owned())
        .unwrap();
    for (label, input) in drive_inputs(id) {
        let mut s = sim.clone();
        let Ok(step) = s.handle(input) else { continue };
        let (to, effect) = observe(&s, &step);
        seen.insert(key(&from, label, effect, &to));
        if step.outcome == Outcome::Pending {
            explore(&s, id, seen, depth + 1);
        }
    }
}

#[test]
fn the_diagram_is_exactly_what_calls_do() {
    let scopes: Vec<ScopesArg> = vec![
        ScopesArg::missing(),
        ScopesArg::from("auth_base"),
        ScopesArg::from("auth_user"),
        ScopesArg::list(["auth_user", "USER_NICKNAME"]),
        ScopesArg::from("unknown_scope"),
        ScopesArg(Some(Value::from(5))),
    ];
    let mut seen = Seen::new();
    for packaged in [true, false] {
        for remembered in [false, true] {
            for container in [Container::Page, Container::WebView, Container::Plugin] {
                for s in &scopes {
                    let mut sim = Simulator::new(Config::default(), 1).unwrap();
                    let mut app = AppSpec::new("app");
                    if packaged {
                        app = app.packages([Package::JsapiBasic]);
                    }
                    let app = sim.add_app(app).unwrap();
                    let user = sim.add_user(UserSpec::new("u")).unwrap();
                    if remembered && packaged {
                        sim.get_auth_code(AuthCodeRequest::new(user, app, "auth_user"))
                            .unwrap();
                    }
                    let page = Page {
                        container,
                        ..Page::default()
                    };
                    let step = sim
                        .handle(Input::InvokeAuthCode {
                            user,
                            app,
                            scopes: s.clone(),
                            page,
                        })
                        .unwrap();
                    let (to, effect) = observe(&sim, &step);
                    seen.insert(key("validating", "invoke", effect, &to));
                    if let Some(id) = step.call {
                        explore(&sim, id, &mut seen, 0);
                    }
                }
            }
        }
    }
    let diagram: Seen = edges()
        .into_iter()
        .map(
            |Edge {
                 from,
                 event,
                 effect,
                 to,
             }| key(from, event, effect, to),
        )
        .collect();
    let missing: Vec<_> = seen.difference(&diagram).collect();
    let extra: Vec<_> = diagram.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "transitions the diagram lacks: {missing:#?}"
    );
    assert!(extra.is_empty(), "diagram edges no call makes: {extra:#?}");
    assert!(seen.len() >= 10, "{seen:#?}");
}

#[test]
fn the_mermaid_text_lists_every_edge() {
    let text = authsim_cli::diagram::mermaid();
    for e in edges() {
        let line = text
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with(&format!("{} --> {}:", e.from, e.to))
            })
            .unwrap_or_else(|| panic!("no line for {e:?} in\n{text}"));
        assert!(line.contains(&e.label()), "{line} lacks {}", e.label());
    }
}
