//! The negative vectors (`tests/vectors/reject/*.json`, SPEC §8.9): scenarios a reader must
//! reject before running any step, one per rejection clause of §8.1–8.5 (unknown members, wrong
//! types, out-of-range values, duplicate names, R-NAME-CHARS, positional arrays and duplicate
//! members of R-JSON-STRICT, unknown ops, bad references and patterns). `index.json` gives each
//! file's rule ids, clause and description; every file is listed and every listed file exists.
//! `cli/tests/vectors_binary.rs` checks that the binary exits 2 on each.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/reject")
}

fn index() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(dir().join("index.json")).expect("index.json");
    match serde_json::from_str(&text).expect("index.json is JSON") {
        Value::Object(o) => o,
        other => panic!("index.json must be an object, not {other}"),
    }
}

fn files() -> BTreeSet<String> {
    std::fs::read_dir(dir())
        .expect("tests/vectors/reject exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && n != "index.json")
        .collect()
}

/// The rule ids SPEC.md defines (`**R-…**` at the head of a rule).
fn spec_rules() -> BTreeSet<String> {
    let spec = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("SPEC.md"))
        .expect("SPEC.md");
    spec.split("**R-")
        .skip(1)
        .filter_map(|s| s.split("**").next())
        .map(|id| format!("R-{id}"))
        .collect()
}

#[test]
fn the_index_lists_every_negative_vector_and_only_them() {
    let index = index();
    let listed: BTreeSet<String> = index.keys().cloned().collect();
    let files = files();
    let unlisted: Vec<_> = files.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&files).collect();
    assert!(unlisted.is_empty(), "not in index.json: {unlisted:?}");
    assert!(
        missing.is_empty(),
        "listed in index.json, no file: {missing:?}"
    );
    assert!(files.len() >= 40, "only {} negative vectors", files.len());
    let rules = spec_rules();
    for (name, meta) in &index {
        let clause = meta["clause"].as_str().unwrap_or_default();
        assert!(clause.starts_with("§8."), "{name}: clause {clause:?}");
        assert!(
            meta["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name}: no description"
        );
        for r in meta["rules"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no rules"))
        {
            let r = r.as_str().unwrap_or_default();
            assert!(rules.contains(r), "{name}: {r} is no rule of SPEC.md");
        }
    }
}

/// The reader refuses every negative vector (R-JSON-STRICT, R-NAME-CHARS and the other
/// rejection clauses of §8.1–8.5), with the error located at a line and column, before any step
/// runs.
#[test]
fn the_reader_rejects_every_negative_vector_r_json_strict_r_name_chars() {
    for name in files() {
        let text = std::fs::read_to_string(dir().join(&name)).unwrap();
        match authsim::scenario::parse(&text) {
            Ok(_) => panic!("{name}: the reader accepted it"),
            Err(e) => assert!(e.pos.is_some(), "{name}: the error has no position: {e}"),
        }
    }
}

/// Each negative vector is refused for its own reason: a valid scenario is one edit away, so
/// the files do not all fail on one shared mistake. Checked by the messages being distinct.
#[test]
fn every_negative_vector_is_refused_for_a_reason_of_its_own() {
    let mut seen = std::collections::BTreeMap::new();
    for name in files() {
        let text = std::fs::read_to_string(dir().join(&name)).unwrap();
        let e = authsim::scenario::parse(&text).expect_err("refused");
        let message = e.to_string();
        if let Some(other) = seen.insert(message.clone(), name.clone()) {
            panic!("{name} and {other} are refused with the same error: {message}");
        }
    }
}
