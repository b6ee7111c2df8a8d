//! The `my.getAuthCode` call machine's diagram, generated from the code.
//!
//! Nothing here lists states or transitions by hand: [`edges`] builds scratch worlds (each
//! container, with and without the JSAPI package, every form of `scopes`, with and without
//! remembered consent), drives real [`AuthCodeCall`] machines from every state they reach with
//! every kind of [`CallEvent`], and records each `(state, event, next state)` it observes through
//! [`state_name`]. Inputs a state refuses (it stays as it was) are not transitions.

use std::collections::BTreeMap;

use statig::blocking::{IntoStateMachineExt, StateMachine};

use authsim::call::{
    AuthCodeCall, CallEnding, CallEvent, CallReport, Container, Decision, Network, Page, state_name,
};
use authsim::config::Config;
use authsim::scope::{Scope, ScopesArg};
use authsim::sim::{AuthCodeRequest, Simulator};
use authsim::world::{AppId, AppSpec, Package, UserId, UserSpec};

/// One observed transition.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edge {
    /// The state the machine was in.
    pub from: &'static str,
    /// The kind of event (see [`event_label`]).
    pub event: &'static str,
    /// What the transition did that a user sees: `popup`, `success`, `error N`, or nothing.
    pub effect: String,
    /// The state it went to.
    pub to: &'static str,
}

impl Edge {
    /// `event`, or `event / effect`.
    pub fn label(&self) -> String {
        if self.effect.is_empty() {
            self.event.to_owned()
        } else {
            format!("{} / {}", self.event, self.effect)
        }
    }
}

/// What a transition did that a user sees, read from its report.
fn effect(report: &CallReport) -> String {
    match &report.ending {
        Some(CallEnding::Success(_)) => "success".into(),
        Some(CallEnding::Fail(f)) => format!("error {}", f.error),
        None if report.popups > 0 => "popup".into(),
        None => String::new(),
    }
}

/// The label of an event in the diagram.
pub fn event_label(event: &CallEvent) -> &'static str {
    match event {
        CallEvent::Invoke => "invoke",
        CallEvent::Decide(Decision::Accept) => "accept",
        CallEvent::Decide(Decision::Deny) => "deny",
        CallEvent::Decide(Decision::Dismiss) => "dismiss",
        CallEvent::Decide(Decision::AcceptOnly(_)) => "accept only",
        CallEvent::Network(Network::Ok) => "network ok",
        CallEvent::Network(Network::Fail) => "network fail",
        CallEvent::Network(Network::LostResponse) => "lost response",
    }
}

/// Every kind of event, with the variants that can lead to different states.
fn events() -> Vec<CallEvent> {
    vec![
        CallEvent::Invoke,
        CallEvent::Decide(Decision::Accept),
        CallEvent::Decide(Decision::Deny),
        CallEvent::Decide(Decision::Dismiss),
        CallEvent::Decide(Decision::AcceptOnly(vec![Scope::AuthUser])),
        CallEvent::Decide(Decision::AcceptOnly(Vec::new())),
        CallEvent::Network(Network::Ok),
        CallEvent::Network(Network::Fail),
        CallEvent::Network(Network::LostResponse),
    ]
}

/// A scratch world (one user, one app) and a call in it, in some state.
type Start = (Simulator, StateMachine<AuthCodeCall>);

/// The starting points: a fresh call in each kind of scratch world.
fn starts() -> Vec<Start> {
    let scopes = [
        ScopesArg::missing(),
        ScopesArg::from("auth_base"),
        ScopesArg::from("auth_user"),
        ScopesArg::list(["auth_base", "auth_user", "USER_NICKNAME"]),
        ScopesArg::from("no_such_scope"),
        ScopesArg(Some(serde_json::Value::Bool(true))),
    ];
    let mut out = Vec::new();
    for container in [Container::Page, Container::WebView, Container::Plugin] {
        for packaged in [true, false] {
            for remembered in [false, true] {
                for s in &scopes {
                    let mut app = AppSpec::new("scratch");
                    if packaged {
                        app = app.packages([Package::JsapiBasic]);
                    }
                    let mut sim = Simulator::new(Config::default(), 0).expect("default config");
                    let app = sim.add_app(app).expect("first app");
                    let user = sim.add_user(UserSpec::new("scratch")).expect("first user");
                    if remembered {
                        // An accepted auth_user call leaves the consent remembered (without the
                        // package it fails and nothing is remembered: no call gets that far).
                        sim.get_auth_code(AuthCodeRequest::new(user, app, "auth_user"))
                            .expect("known user and app");
                    }
                    let page = Page {
                        container,
                        ..Page::default()
                    };
                    let m = AuthCodeCall::new(user, app, s.clone(), page).state_machine();
                    out.push((sim, m));
                }
            }
        }
    }
    out
}

/// Every transition the machine makes, found by driving it; in the order first seen
/// (breadth-first from the initial state), without duplicates.
pub fn edges() -> Vec<Edge> {
    let mut seen = Vec::new();
    let mut frontier = starts();
    // The machine has no cycles: each event moves it forward or is refused. The bound only
    // guards against a future change that adds one.
    for _ in 0..8 {
        let mut next = Vec::new();
        for (scratch, machine) in &frontier {
            for event in events() {
                let mut s = scratch.clone();
                let mut m = machine.clone();
                let from = state_name(m.state());
                let report = s.run_event(&mut m, &event);
                if report.refused.is_some() {
                    continue;
                }
                let edge = Edge {
                    from,
                    event: event_label(&event),
                    effect: effect(&report),
                    to: state_name(m.state()),
                };
                if !seen.contains(&edge) {
                    seen.push(edge);
                }
                if report.ending.is_none() {
                    next.push((s, m));
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    seen
}

/// The initial state's name.
pub fn initial() -> &'static str {
    let m = AuthCodeCall::new(UserId(0), AppId(0), ScopesArg::missing(), Page::default())
        .state_machine();
    state_name(m.state())
}

/// A (from, to) pair of states and the labels of the edges between them.
type Pair = ((&'static str, &'static str), Vec<String>);

/// States in the order first seen, and the labels of each (from, to) pair.
fn grouped() -> (Vec<&'static str>, Vec<Pair>) {
    let edges = edges();
    let mut states = vec![initial()];
    let mut pairs: Vec<Pair> = Vec::new();
    for e in &edges {
        for s in [e.from, e.to] {
            if !states.contains(&s) {
                states.push(s);
            }
        }
        let label = e.label();
        match pairs.iter_mut().find(|(p, _)| *p == (e.from, e.to)) {
            Some((_, labels)) => {
                if !labels.contains(&label) {
                    labels.push(label);
                }
            }
            None => pairs.push(((e.from, e.to), vec![label])),
        }
    }
    // Order pairs by the states' order, so the text reads from the start to the ends.
    let rank: BTreeMap<&str, usize> = states.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    pairs.sort_by_key(|((f, t), _)| (rank.get(f).copied(), rank.get(t).copied()));
    (states, pairs)
}

fn terminal(states: &[&'static str], pairs: &[Pair]) -> Vec<&'static str> {
    states
        .iter()
        .copied()
        .filter(|s| !pairs.iter().any(|((f, _), _)| f == s))
        .collect()
}

/// The diagram as a Mermaid `stateDiagram-v2` (what SPEC.md's "Call machine" block holds).
pub fn mermaid() -> String {
    let (states, pairs) = grouped();
    let mut out = String::from("stateDiagram-v2\n");
    out.push_str(&format!("    [*] --> {}\n", initial()));
    for ((f, t), labels) in &pairs {
        out.push_str(&format!("    {f} --> {t}: {}\n", labels.join(", ")));
    }
    for s in terminal(&states, &pairs) {
        out.push_str(&format!("    {s} --> [*]\n"));
    }
    out
}

/// The diagram as a Graphviz digraph.
pub fn dot() -> String {
    let (states, pairs) = grouped();
    let mut out = String::from(
        "digraph call_machine {\n    rankdir=LR;\n    node [shape=box, style=rounded];\n    start [shape=point];\n",
    );
    for s in terminal(&states, &pairs) {
        out.push_str(&format!("    {s} [peripheries=2];\n"));
    }
    out.push_str(&format!("    start -> {};\n", initial()));
    for ((f, t), labels) in &pairs {
        out.push_str(&format!(
            "    {f} -> {t} [label=\"{}\"];\n",
            labels.join(", ")
        ));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_reached_and_terminals_have_no_way_out() {
        let e = edges();
        let (states, pairs) = grouped();
        let mut sorted = states.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            [
                "failed",
                "prompting",
                "requesting",
                "succeeded",
                "validating"
            ]
        );
        assert_eq!(states[0], "validating");
        let mut ends = terminal(&states, &pairs);
        ends.sort_unstable();
        assert_eq!(ends, ["failed", "succeeded"]);
        assert!(e.contains(&Edge {
            from: "prompting",
            event: "deny",
            effect: "error 11".into(),
            to: "failed"
        }));
        assert!(
            !e.iter()
                .any(|x| x.from == "succeeded" || x.from == "failed")
        );
    }

    #[test]
    fn mermaid_and_dot_list_the_same_pairs() {
        let m = mermaid();
        let d = dot();
        let arrows = m
            .lines()
            .filter(|l| l.contains("-->") && !l.contains("[*]"))
            .count();
        let dot_arrows = d
            .lines()
            .filter(|l| l.contains("->") && l.contains("label"))
            .count();
        assert_eq!(arrows, dot_arrows);
        assert!(m.starts_with("stateDiagram-v2\n    [*] --> validating\n"));
    }
}
