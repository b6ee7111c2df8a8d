//! The scenario parser and runner never panic: arbitrary bytes, JSON-looking noise, and valid
//! scenarios (the conformance vectors) mutated as text or as JSON are either accepted, and then
//! run without panicking, or rejected with one non-empty line that says where.

use std::path::Path;

use authsim::scenario::{self, ScenarioError};
use proptest::prelude::*;
use serde_json::Value;

fn vectors() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    let mut texts: Vec<String> = v
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.push(include_str!("../scenarios/demo.json").to_owned());
    texts
}

/// A rejection must be a usable error.
fn check_error(e: &ScenarioError) {
    let line = e.to_string();
    assert!(!e.message.trim().is_empty(), "empty message: {e:?}");
    assert!(!line.contains('\n'), "more than one line: {line:?}");
    assert!(!e.with_source("f.json").is_empty());
}

/// Parses; if accepted, runs. Neither may panic; every rejection is a proper error.
fn exercise(text: &str) {
    match scenario::parse(text) {
        Err(e) => {
            check_error(&e);
            if serde_json::from_str::<Value>(text).is_err() {
                assert!(e.pos.is_some(), "a syntax error without a position: {e}");
            }
        }
        Ok(s) => match scenario::run(&s) {
            Ok(trace) => {
                assert_eq!(trace.steps.len(), s.steps.len());
                let failed: usize = trace
                    .steps
                    .iter()
                    .map(|t| t.expectations_failed.len())
                    .sum();
                assert_eq!(trace.summary.expectations_failed, failed as u64);
            }
            Err(e) => check_error(&e),
        },
    }
    for (i, line) in text.lines().take(3).enumerate() {
        if let Err(e) = scenario::parse_header(line) {
            check_error(&e);
        }
        if let Err(e) = scenario::parse_step(line, i + 1) {
            check_error(&e);
        }
    }
}

/// Values that stress types and references.
fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(serde_json::json!(18446744073709551615u64)),
        Just(serde_json::json!(1e300)),
        "[a-zA-Z_.$]{0,12}".prop_map(Value::from),
        Just(Value::from("$c1.authCode")),
        Just(Value::from("$t1.access_token")),
        Just(Value::from("$nope")),
        Just(Value::from("$$literal")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!({"accept": ["auth_user", 3]})),
        Just(serde_json::json!({"$ne": "$c1.authCode"})),
        Just(serde_json::json!({"$absent": false})),
        Just(serde_json::json!({"response": {"response": {"$exact": 1}}})),
    ]
}

/// Every JSON Pointer in `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                pointers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn json_looking_noise_never_panics(text in r#"[{}\[\]",: 0-9a-z$.\\-]{0,200}"#) {
        exercise(&text);
    }

    #[test]
    fn text_mutations_of_valid_scenarios_never_panic(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..40,
        insert in r#"[{}\[\]",: 0-9a-z$.\-]{0,12}"#,
    ) {
        let texts = vectors();
        let text: &String = which.get(&texts);
        let mut bytes = text.as_bytes().to_vec();
        let i = at.index(bytes.len());
        let end = (i + cut).min(bytes.len());
        bytes.splice(i..end, insert.bytes());
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn value_mutations_of_valid_scenarios_never_panic(
        which in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), odd_value()), 1..4),
    ) {
        let texts = vectors();
        let mut doc: Value = serde_json::from_str(which.get::<String>(&texts)).unwrap();
        for (at, value) in edits {
            let mut ps = Vec::new();
            pointers(&doc, String::new(), &mut ps);
            let p = at.get(&ps).clone();
            if p.is_empty() {
                doc = value;
            } else if let Some(slot) = doc.pointer_mut(&p) {
                *slot = value;
            }
        }
        exercise(&serde_json::to_string_pretty(&doc).unwrap());
        // The typed route must agree with the text route.
        let typed: Result<scenario::Scenario, _> = serde_json::from_value(doc.clone());
        let parsed = scenario::parse(&doc.to_string());
        prop_assert_eq!(typed.is_ok(), parsed.is_ok());
    }
}

#[test]
fn every_valid_vector_round_trips_through_serde() {
    for text in vectors() {
        let s = scenario::parse(&text).unwrap();
        let again: scenario::Scenario =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(s, again);
    }
}
