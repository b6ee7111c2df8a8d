//! The conformance vectors (`tests/vectors/*.json`): each is run through the library as
//! `authsim run --json` runs it (the tool's `cli/tests/vectors_binary.rs` checks that the binary
//! prints the same bytes) and must hold every expectation (but for [`FAILING`], whose failures
//! are the point); together they must name every SPEC rule id listed here; each runs twice to
//! the same bytes (R-DET-SEED), and to exactly the bytes of its golden trace
//! (`tests/vectors/golden/NAME.json`; `AUTHSIM_BLESS=1 cargo test --all-features --test vectors`
//! regenerates them); and every expectation in them must bite (a mutated copy of it fails).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The rule ids the vectors must cover (SPEC.md).
const RULES: &[&str] = &[
    "R-SCOPE-DEFAULT",
    "R-SCOPE-FORMS",
    "R-SCOPE-INTL",
    "R-SCOPE-INVALID",
    "R-CALL-NO-PACKAGE",
    "R-CALL-WEBVIEW",
    "R-CALL-PLUGIN",
    "R-CALL-CHECK-ORDER",
    "R-SILENT",
    "R-PROMPT-ONE-POPUP",
    "R-DECIDE-ACCEPT",
    "R-DECIDE-DENY",
    "R-DECIDE-DISMISS",
    "R-DECIDE-PARTIAL",
    "R-NET-FAIL",
    "R-NET-LOST",
    "R-CALLBACKS",
    "R-CALL-STEPWISE",
    "R-PAYLOAD-SHAPES",
    "R-ERROR-TABLE",
    "R-CONSENT-REMEMBER",
    "R-CONSENT-NO-REMEMBER",
    "R-CONSENT-REVOKE",
    "R-SETTING",
    "R-BTN-ONE-SCOPE",
    "R-BTN-POPUP",
    "R-BTN-PHONE-ENTERPRISE",
    "R-OPENINFO-SUCCESS",
    "R-OPENINFO-NO-CONSENT",
    "R-OPENINFO-NO-PACKAGE",
    "R-PHONE-SUCCESS",
    "R-PHONE-ERRORS",
    "R-POPUP-COUNT",
    "R-DOUBLE-POPUP",
    "R-FIND-FIRST-SCREEN",
    "R-FIND-ONLOAD",
    "R-FIND-ONSHOW",
    "R-GW-USER-ID",
    "R-GW-OPEN-ID",
    "R-GW-TOKEN-FIELDS",
    "R-GW-CODE-ONCE",
    "R-GW-CODE-REPLAY",
    "R-GW-CODE-TTL",
    "R-GW-CODE-FOREIGN",
    "R-GW-CODE-FORGED",
    "R-GW-GRANT-TYPE",
    "R-GW-REFRESH",
    "R-GW-REFRESH-EXPIRED",
    "R-GW-REFRESH-INVALID",
    "R-GW-REVOKE",
    "R-GW-INFO-SHARE",
    "R-GW-ERROR-SHAPE",
    "R-DET-SEED",
    "R-DET-CLOCK",
    "R-FIND-WHEN",
    "R-FIND-ORDER",
    "R-EXPECT-COUNT",
    "R-PATTERN-MATCH",
    "R-GW-AUTH-START",
    "R-GW-CODE-ORDER",
    "R-GW-REFRESH-ORDER",
    "R-NET-ISSUE",
];

/// Vectors whose expectations fail on purpose (SPEC §8.4: how failed expectations are counted),
/// with the number of failed expectations their trace's summary must give: they exit 1.
/// `expect-counting.json` checks R-EXPECT-COUNT and the unresolvable references of
/// R-PATTERN-MATCH, which only a failing expectation can show.
const FAILING: &[(&str, u64)] = &[("expect-counting.json", 5)];

/// The number of failed expectations a vector must give: 0 but for [`FAILING`].
fn failures_expected(path: &Path) -> u64 {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    FAILING
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(0, |(_, count)| *count)
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/golden")
}

fn vectors() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 10,
        "expected the vector suite, found {} files",
        v.len()
    );
    v
}

/// Plays a vector through the library as `authsim run --json` does: the exit code it would give
/// (0 held, 1 an expectation failed, 2 invalid), the trace as JSON, and the error text.
fn run_json(path: &Path) -> (i32, String, String) {
    let text = std::fs::read_to_string(path).expect("readable vector");
    let scenario = match authsim::scenario::parse(&text) {
        Ok(s) => s,
        Err(e) => return (2, String::new(), e.with_source(&path.display().to_string())),
    };
    match authsim::scenario::run(&scenario) {
        Ok(trace) => {
            let code = i32::from(trace.summary.expectations_failed != 0);
            let json = serde_json::to_string_pretty(&trace).expect("traces serialize") + "\n";
            (code, json, String::new())
        }
        Err(e) => (2, String::new(), e.with_source(&path.display().to_string())),
    }
}

/// Every vector holds every expectation, but for [`FAILING`], which must count exactly its
/// failed expectations (R-EXPECT-COUNT) and exit 1. Each vector checks the rules it names; some
/// only vectors check: R-FIND-WHEN, R-GW-AUTH-START, R-GW-CODE-ORDER, R-GW-REFRESH-ORDER,
/// R-NET-ISSUE, R-PATTERN-MATCH (R-FIND-ORDER by the golden traces).
#[test]
fn every_vector_holds() {
    for path in vectors() {
        let (code, stdout, stderr) = run_json(&path);
        let expected = failures_expected(&path);
        if expected != 0 {
            let trace: Value = serde_json::from_str(&stdout).expect("a trace");
            assert_eq!(
                trace["summary"]["expectationsFailed"],
                expected,
                "{}: the failed expectations counted (SPEC §8.4)",
                path.display()
            );
            assert_eq!(code, 1, "{}: exit {code}; stderr: {stderr}", path.display());
            continue;
        }
        let trace: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{}: no trace ({e}); stderr: {stderr}", path.display()));
        let failed: Vec<String> = trace["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .flat_map(|s| {
                let i = s["index"].clone();
                s["expectationsFailed"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |m| format!("step {i}: {m}"))
            })
            .collect();
        assert!(failed.is_empty(), "{}: {failed:#?}", path.display());
        assert_eq!(code, 0, "{}: exit {code}; stderr: {stderr}", path.display());
        assert_eq!(trace["summary"]["expectationsFailed"], 0);
        assert!(stderr.is_empty(), "{}: {stderr}", path.display());
    }
}

#[test]
fn vectors_name_every_rule_and_only_known_ones() {
    let mut named = BTreeSet::new();
    for path in vectors() {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let rules = doc["rules"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no rules", path.display()));
        assert!(!rules.is_empty(), "{}: empty rules", path.display());
        assert!(
            doc["description"].is_string(),
            "{}: no description",
            path.display()
        );
        for r in rules {
            let r = r.as_str().expect("rule ids are strings");
            assert!(
                RULES.contains(&r),
                "{}: unknown rule id {r}",
                path.display()
            );
            named.insert(r.to_owned());
        }
    }
    let missing: Vec<&&str> = RULES.iter().filter(|r| !named.contains(**r)).collect();
    assert!(missing.is_empty(), "no vector names {missing:?}");
}

#[test]
fn every_vector_runs_to_the_same_bytes_twice() {
    for path in vectors() {
        let (_, a, _) = run_json(&path);
        let (_, b, _) = run_json(&path);
        assert!(!a.is_empty());
        assert_eq!(a, b, "{}: two runs differ (R-DET-SEED)", path.display());
    }
}

/// Every vector's trace is byte for byte its golden trace, `tests/vectors/golden/NAME.json`
/// (R-DET-SEED: the bytes another implementation must reproduce); every golden trace has its
/// vector. `AUTHSIM_BLESS=1` writes them afresh.
#[test]
fn every_vector_gives_exactly_its_golden_trace_r_det_seed() {
    let bless = std::env::var_os("AUTHSIM_BLESS").is_some();
    let dir = golden_dir();
    let mut names = BTreeSet::new();
    let mut problems = Vec::new();
    for path in vectors() {
        let name = path.file_name().unwrap().to_owned();
        let (_, trace, stderr) = run_json(&path);
        assert!(!trace.is_empty(), "{}: no trace: {stderr}", path.display());
        let golden = dir.join(&name);
        names.insert(name);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&golden, &trace).unwrap();
            continue;
        }
        match std::fs::read(&golden) {
            Err(_) => problems.push(format!(
                "{}: no golden trace {}; write it with `AUTHSIM_BLESS=1 cargo test --all-features \
                 --test vectors` and commit it",
                path.display(),
                golden.display()
            )),
            Ok(bytes) if bytes != trace.as_bytes() => problems.push(format!(
                "{}: the trace differs from {}{}; if the change is meant, regenerate with \
                 `AUTHSIM_BLESS=1 cargo test --all-features --test vectors` and say so in the commit",
                path.display(),
                golden.display(),
                first_difference(&String::from_utf8_lossy(&bytes), &trace)
            )),
            Ok(_) => {}
        }
    }
    for e in std::fs::read_dir(&dir).expect("tests/vectors/golden exists") {
        let p = e.unwrap().path();
        if !p.file_name().is_some_and(|n| names.contains(n)) {
            problems.push(format!(
                "{}: a golden trace without a vector tests/vectors/{}",
                p.display(),
                p.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// ` (first difference at line N: ...)`, to find a changed byte in a long trace.
fn first_difference(golden: &str, trace: &str) -> String {
    let mut a = golden.lines();
    let mut b = trace.lines();
    for n in 1.. {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => {}
            (None, None) => break,
            (x, y) => {
                return format!(
                    " (first difference at line {n}: golden {:?}, now {:?})",
                    x.unwrap_or("<end>"),
                    y.unwrap_or("<end>")
                );
            }
        }
    }
    String::new()
}

#[test]
fn the_seed_changes_the_draws_but_not_the_verdicts() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/determinism.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let a = authsim::scenario::run(&serde_json::from_value(doc.clone()).unwrap()).unwrap();
    doc["seed"] = Value::from(43);
    let b = authsim::scenario::run(&serde_json::from_value(doc).unwrap()).unwrap();
    assert_eq!(b.summary.expectations_failed, 0);
    assert_ne!(
        serde_json::to_value(&a.steps[0].result).unwrap()["authCode"],
        serde_json::to_value(&b.steps[0].result).unwrap()["authCode"],
        "another seed draws other codes"
    );
}

/// Every way to break one expectation of `expect`: each must make the run fail.
fn mutations(expect: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let Some(obj) = expect.as_object() else {
        return out;
    };
    for (k, v) in obj {
        let mut m = obj.clone();
        let broken = match (k.as_str(), v) {
            ("outcome", Value::String(o)) => Value::from(match o.as_str() {
                "success" => "fail",
                "fail" => "success",
                "ok" => "error",
                "pending" => "success",
                "refused" => "pending",
                _ => "ok",
            }),
            ("popups" | "error", Value::Number(n)) => Value::from(n.as_u64().unwrap_or(0) + 1),
            ("code" | "sub_code", Value::String(s)) => Value::from(format!("{s}x")),
            ("findings", Value::Array(a)) if a.is_empty() => Value::from(vec!["call-in-onshow"]),
            ("findings", Value::Array(a)) => Value::from(a[1..].to_vec()),
            ("result", p) => {
                for q in pattern_mutations(p) {
                    let mut m = obj.clone();
                    m.insert(k.clone(), q);
                    out.push(Value::Object(m));
                }
                continue;
            }
            _ => panic!("unexpected expectation {k}: {v}"),
        };
        m.insert(k.clone(), broken);
        out.push(Value::Object(m));
    }
    out
}

/// Each leaf of a result pattern changed, one at a time.
fn pattern_mutations(p: &Value) -> Vec<Value> {
    match p {
        Value::Object(o) if o.len() == 1 && o.keys().all(|k| k.starts_with('$')) => {
            let (k, v) = o.iter().next().unwrap();
            let mut out = vec![];
            match k.as_str() {
                "$ne" => out.push(serde_json::json!({ "$exact": v })),
                "$exact" => out.push(serde_json::json!({ "$ne": v })),
                "$absent" => out.push(serde_json::json!({ "$exact": "anything" })),
                _ => {}
            }
            out
        }
        Value::Object(o) => {
            let mut out = Vec::new();
            for (k, v) in o {
                for q in pattern_mutations(v) {
                    let mut m = o.clone();
                    m.insert(k.clone(), q);
                    out.push(Value::Object(m));
                }
            }
            out
        }
        Value::Array(a) => {
            let mut out = vec![Value::Array(a[..a.len().saturating_sub(1)].to_vec())];
            for (i, v) in a.iter().enumerate() {
                for q in pattern_mutations(v) {
                    let mut m = a.clone();
                    m[i] = q;
                    out.push(Value::Array(m));
                }
            }
            out
        }
        Value::String(s) if s.starts_with('$') => vec![Value::from("not the saved value")],
        Value::String(s) => vec![Value::from(format!("{s}x"))],
        Value::Number(n) => vec![Value::from(n.as_f64().unwrap_or(0.0) + 1.0)],
        Value::Bool(b) => vec![Value::from(!b)],
        Value::Null => vec![Value::from(0)],
    }
}

#[test]
fn every_expectation_in_the_vectors_bites() {
    let mut checked = 0;
    for path in vectors() {
        if failures_expected(&path) != 0 {
            // Its expectations fail on purpose; its golden trace pins what they give.
            continue;
        }
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let steps = doc["steps"].as_array().unwrap();
        for (i, step) in steps.iter().enumerate() {
            let Some(expect) = step.get("expect") else {
                continue;
            };
            for broken in mutations(expect) {
                let mut d = doc.clone();
                d["steps"][i]["expect"] = broken.clone();
                let scenario: authsim::scenario::Scenario = serde_json::from_value(d).unwrap();
                let trace = authsim::scenario::run(&scenario).unwrap();
                assert!(
                    !trace.steps[i].expectations_failed.is_empty(),
                    "{} step {}: the mutated expectation {broken} still held",
                    path.display(),
                    i + 1
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} mutations checked");
}
