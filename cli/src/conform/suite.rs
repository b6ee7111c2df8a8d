//! The conformance suite embedded at build time (`cli/build.rs`), turned into the lines sent to
//! an implementation under test: a vector's header line (the scenario without `steps`), one line
//! per step, and the whole scenario as one line (SPEC R-CONFORM); a negative vector's raw bytes
//! as one line.
//!
//! Lines keep the vector's own bytes (members in their order, duplicates included); only line
//! breaks become spaces, which is safe because JSON allows a raw line break only as whitespace.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// One embedded vector file and its golden trace.
pub(crate) struct Embedded {
    name: &'static str,
    text: &'static str,
    golden: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/suite.rs"));

/// A conformance vector, ready to be played.
#[derive(Debug)]
pub struct Vector {
    /// The file name without `.json`.
    pub name: String,
    /// The rule ids it checks (its `rules` member).
    pub rules: Vec<String>,
    /// The header line: the scenario without `steps`.
    pub header: String,
    /// One line per step.
    pub steps: Vec<String>,
    /// The whole scenario as one line.
    pub whole: String,
    /// The answer the header line must get: `{"ready": {seed, apps, users}}`.
    pub ready: Value,
    /// The golden trace (`tests/vectors/golden/NAME.json`), if committed.
    pub golden: Option<Value>,
}

/// A negative vector: a scenario every reader must reject.
#[derive(Debug)]
pub struct Reject {
    /// The file name, as `reject/index.json` keys it.
    pub name: String,
    /// The rule ids it checks (from the index).
    pub rules: Vec<String>,
    /// The section of SPEC.md whose rejection clause it checks (from the index).
    pub clause: String,
    /// The raw bytes as one line.
    pub line: Vec<u8>,
    /// Whether the line protocol can carry it: an object without `steps` (or with `op`) would
    /// be read as a header (or a step), not as a scenario (SPEC R-CONFORM-SCENARIO).
    pub playable: bool,
}

/// A negative vector's rules plus R-CONFORM-SCENARIO: it reaches the implementation only as a
/// whole-scenario line, so each checks that rule too.
fn with_carrier(mut rules: Vec<String>) -> Vec<String> {
    if !rules.iter().any(|r| r == "R-CONFORM-SCENARIO") {
        rules.push("R-CONFORM-SCENARIO".to_owned());
    }
    rules
}

/// Everything `authsim conform` plays.
#[derive(Debug)]
pub struct Suite {
    /// The vectors, by name.
    pub vectors: Vec<Vector>,
    /// The negative vectors, by file name.
    pub rejects: Vec<Reject>,
    /// Problems with the suite itself (a golden trace without its vector, a negative vector
    /// missing from the index): reported, and they fail the run.
    pub problems: Vec<String>,
}

/// The members of a JSON object in their order, each as its raw text.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// `text` on one line: every CR and LF a space.
pub fn one_line(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect()
}

/// `bytes` on one line: every CR and LF a space (bytes, not text: a negative vector may be
/// something other than UTF-8).
pub fn one_line_bytes(bytes: &[u8]) -> Vec<u8> {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    bytes[..end]
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
        .collect()
}

impl Vector {
    fn read(e: &Embedded) -> Result<Vector, String> {
        let fail = |what: &dyn std::fmt::Display| format!("tests/vectors/{}.json: {what}", e.name);
        let members: Members<'_> = serde_json::from_str(e.text).map_err(|x| fail(&x))?;
        let mut header = Vec::new();
        let mut steps = Vec::new();
        for (key, raw) in &members.0 {
            if key == "steps" {
                let list: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(|x| fail(&x))?;
                steps = list.iter().map(|s| one_line(s.get())).collect();
            } else {
                let key = serde_json::to_string(key).map_err(|x| fail(&x))?;
                header.push(format!("{key}:{}", one_line(raw.get())));
            }
        }
        let scenario = authsim::scenario::parse(e.text).map_err(|x| fail(&x))?;
        let names = |v: Vec<&String>| Value::from(v.into_iter().cloned().collect::<Vec<_>>());
        let ready = serde_json::json!({"ready": {
            "seed": scenario.header.seed,
            "apps": names(scenario.header.apps.iter().map(|a| &a.name).collect()),
            "users": names(scenario.header.users.iter().map(|u| &u.name).collect()),
        }});
        let value: Value = serde_json::from_str(e.text).map_err(|x| fail(&x))?;
        let golden = e
            .golden
            .map(serde_json::from_str)
            .transpose()
            .map_err(|x| format!("tests/vectors/golden/{}.json: {x}", e.name))?;
        Ok(Vector {
            name: e.name.to_owned(),
            rules: strings(value.get("rules")),
            header: format!("{{{}}}", header.join(",")),
            steps,
            whole: one_line(e.text),
            ready,
            golden,
        })
    }
}

/// The strings of a JSON array (nothing for anything else).
fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The embedded suite. `Err` only if an embedded file cannot be read, which the tests of this
/// repository rule out (a bug in the build, not in the implementation under test).
pub fn load() -> Result<Suite, String> {
    let vectors = VECTORS
        .iter()
        .map(Vector::read)
        .collect::<Result<Vec<_>, _>>()?;
    let mut problems = Vec::new();
    for name in GOLDEN_NAMES {
        if !vectors.iter().any(|v| v.name == *name) {
            problems.push(format!(
                "tests/vectors/golden/{name}.json has no vector tests/vectors/{name}.json"
            ));
        }
    }
    let index: BTreeMap<String, Value> = match REJECT_INDEX {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| format!("tests/vectors/reject/index.json: {e}"))?,
        None => BTreeMap::new(),
    };
    let mut rejects = Vec::new();
    for (name, text) in REJECTS {
        let entry = index.get(*name);
        if entry.is_none() {
            problems.push(format!(
                "tests/vectors/reject/{name} is not in tests/vectors/reject/index.json"
            ));
        }
        rejects.push(Reject {
            name: (*name).to_owned(),
            rules: with_carrier(strings(entry.and_then(|e| e.get("rules")))),
            clause: entry
                .and_then(|e| e.get("clause"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            line: one_line_bytes(text),
            playable: !matches!(
                serde_json::from_slice::<Value>(text),
                Ok(Value::Object(o)) if o.contains_key("op") || !o.contains_key("steps")
            ),
        });
    }
    for name in index.keys() {
        if !REJECTS.iter().any(|(n, _)| n == name) {
            problems.push(format!(
                "tests/vectors/reject/index.json names {name}, which does not exist"
            ));
        }
    }
    Ok(Suite {
        vectors,
        rejects,
        problems,
    })
}
