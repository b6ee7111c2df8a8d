//! The published JSON Schemas (`schemas/*.schema.json`) are generated from the Rust types and
//! must match them; the examples, the demo and the vectors validate against them, and so do the
//! traces they produce. Regenerate with `AUTHSIM_BLESS=1 cargo test --test schema`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check_file(name: &str, schema: &Value) {
    let path = root().join("schemas").join(name);
    let text = serde_json::to_string_pretty(schema).unwrap() + "\n";
    if std::env::var_os("AUTHSIM_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} differs from the schema generated from the types; regenerate it with \
         `AUTHSIM_BLESS=1 cargo test --test schema` and commit it",
        path.display()
    );
}

#[test]
fn committed_schemas_match_the_types() {
    check_file(
        "scenario.schema.json",
        &authsim::scenario::scenario_schema(),
    );
    check_file("trace.schema.json", &authsim::scenario::trace_schema());
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schemas").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn scenario_files() -> Vec<PathBuf> {
    let mut v = vec![root().join("scenarios/demo.json")];
    for dir in ["tests/vectors", "scenarios"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") && !v.contains(&p) {
                v.push(p);
            }
        }
    }
    v
}

/// The example of issue 3, as SPEC.md §8 shows it.
fn issue_example() -> Value {
    json!({
      "seed": 7,
      "config": {"codeTtlSeconds": 180, "rememberConsent": true},
      "apps":  [{"name": "shop", "packages": ["jsapi_basic", "member_basic_info"], "enterprise": false}],
      "users": [{"name": "alice", "nickName": "Alice", "avatar": "https://example.com/a.png", "mobile": "13800000000"}],
      "steps": [
        {"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": ["auth_user"],
         "decision": "accept", "network": "ok",
         "page": {"firstScreen": false, "lifecycle": "onTap", "container": "page"},
         "save": "c1", "expect": {"outcome": "success", "popups": 1}},
        {"op": "alipay.system.oauth.token", "app": "shop", "grant_type": "authorization_code",
         "code": "$c1.authCode", "save": "t1"},
        {"op": "alipay.system.oauth.token", "app": "shop", "grant_type": "authorization_code",
         "code": "$c1.authCode", "expect": {"outcome": "error", "sub_code": "isv.code-invalid"}}
      ]
    })
}

#[test]
fn examples_and_their_traces_validate() {
    let scenarios = validator("scenario.schema.json");
    let traces = validator("trace.schema.json");
    let mut docs: Vec<(String, Value)> = scenario_files()
        .into_iter()
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.display().to_string(), v)
        })
        .collect();
    docs.push(("issue 3 example".into(), issue_example()));
    assert!(docs.len() > 10);
    for (name, doc) in docs {
        let errors: Vec<String> = scenarios.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        let scenario: authsim::scenario::Scenario = serde_json::from_value(doc).unwrap();
        let trace = serde_json::to_value(authsim::scenario::run(&scenario).unwrap()).unwrap();
        let errors: Vec<String> = traces.iter_errors(&trace).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "trace of {name}: {errors:#?}");
    }
}

#[test]
fn the_schemas_reject_what_the_parser_rejects() {
    let scenarios = validator("scenario.schema.json");
    let bad = [
        json!({"steps": [{"op": "my.getAuthcode", "user": "a", "app": "s"}]}),
        json!({"steps": [{"op": "my.getAuthCode", "user": "a", "app": "s", "decision": "maybe"}]}),
        json!({"steps": [{"op": "my.getAuthCode", "user": "a", "app": "s", "popup": 1}]}),
        json!({"steps": [{"op": "clock.advance", "seconds": -1}]}),
        json!({"steps": [{"op": "clock.advance", "seconds": 1, "expect": {"popup": 1}}]}),
        json!({"steps": [], "bogus": true}),
        json!({"steps": [], "config": {"codeTTL": 180}}),
        json!({"steps": [], "apps": [{"name": "s", "packages": ["jsapi"]}]}),
        json!({"steps": [], "users": [{"name": "a", "nickname": "A"}]}),
        json!({"seed": 1}),
    ];
    for doc in bad {
        assert!(!scenarios.is_valid(&doc), "the schema accepts {doc}");
        let text = doc.to_string();
        assert!(
            authsim::scenario::parse(&text).is_err(),
            "the parser accepts {doc}"
        );
    }
    let traces = validator("trace.schema.json");
    assert!(!traces.is_valid(&json!({"seed": 0, "steps": []})));
    assert!(!traces.is_valid(&json!({"seed": 0, "steps": [{"index": 1}], "summary": {"popups": 0, "findings": {}, "expectationsFailed": 0}})));
}
