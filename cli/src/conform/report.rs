//! What `authsim conform` found: per vector pass or the first failure (where, what kind, the JSON
//! path and both values), per rule id pass or the vectors that failed it. The same report is
//! printed for a person (escaped: values come from the implementation under test) or, with
//! `--json`, as data.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// The first thing wrong with one vector's answers.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// Which answer: `header`, `step N`, `scenario line`, `summary` or `end of input`.
    pub at: String,
    /// The input line the answer was to (none for the summary and the end of input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// `differs`, `error-line`, `expectation-failed`, `not-rejected`, `timeout`, `exited` or
    /// `garbage`.
    pub kind: &'static str,
    /// The failure in words (values escaped and clipped).
    pub message: String,
    /// For `differs` and `expectation-failed`: the JSON path in the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// For `differs`: the expected value there (absent: the member should be absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// For `differs`, `expectation-failed`: the answer's value there (absent: it is missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub got: Option<Value>,
}

/// One vector's verdict.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct VectorReport {
    /// The vector's name: `NAME` for `tests/vectors/NAME.json`, `reject/FILE.json` for a
    /// negative vector.
    pub name: String,
    /// The rule ids it checks.
    pub rules: Vec<String>,
    /// Whether every answer was right.
    pub pass: bool,
    /// Something the verdict rests on (a vector without a golden trace is checked on its
    /// expectations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The first failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// One rule id's verdict over the vectors that name it.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct RuleReport {
    /// The rule id.
    pub id: String,
    /// Whether every vector naming it passed.
    pub pass: bool,
    /// The vectors naming it.
    pub vectors: Vec<String>,
    /// Those that failed.
    pub failing: Vec<String>,
}

/// The whole report.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The implementation under test, as given after `--`.
    pub command: Vec<String>,
    /// Whether every vector passed (exit 0).
    pub conforms: bool,
    /// Per vector, in the order played.
    pub vectors: Vec<VectorReport>,
    /// Per rule id, sorted.
    pub rules: Vec<RuleReport>,
    /// Problems of the embedded suite itself (not of the implementation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Report {
    /// The report of these verdicts, with the per-rule summary drawn from them.
    pub fn new(command: Vec<String>, vectors: Vec<VectorReport>, warnings: Vec<String>) -> Self {
        let mut rules: BTreeMap<String, RuleReport> = BTreeMap::new();
        for v in &vectors {
            for id in &v.rules {
                let rule = rules.entry(id.clone()).or_insert_with(|| RuleReport {
                    id: id.clone(),
                    pass: true,
                    vectors: Vec::new(),
                    failing: Vec::new(),
                });
                rule.vectors.push(v.name.clone());
                if !v.pass {
                    rule.pass = false;
                    rule.failing.push(v.name.clone());
                }
            }
        }
        Report {
            command,
            conforms: vectors.iter().all(|v| v.pass),
            vectors,
            rules: rules.into_values().collect(),
            warnings,
        }
    }

    /// The report for a person: one line per vector, one per rule, a verdict; every line
    /// escaped (R-LIMIT-ECHO).
    pub fn text(&self) -> String {
        let mut lines = vec![format!("authsim conform -- {}", self.command.join(" "))];
        lines.push(String::new());
        lines.push("vectors:".to_owned());
        let width = self.vectors.iter().map(|v| v.name.len()).max().unwrap_or(0);
        for v in &self.vectors {
            let verdict = if v.pass { "pass" } else { "FAIL" };
            let mut line = format!("  {verdict}  {:width$}", v.name);
            if let Some(f) = &v.failure {
                let on = f
                    .line
                    .map(|l| format!(" (input line {l})"))
                    .unwrap_or_default();
                line.push_str(&format!("  {}{on}: {}: {}", f.at, f.kind, f.message));
            }
            if let Some(note) = &v.note {
                line.push_str(&format!("  ({note})"));
            }
            lines.push(line.trim_end().to_owned());
        }
        lines.push(String::new());
        lines.push("rules:".to_owned());
        let width = self.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for r in &self.rules {
            let line = if r.pass {
                format!("  pass  {:width$}  {}", r.id, r.vectors.join(", "))
            } else {
                format!(
                    "  FAIL  {:width$}  failed in {}",
                    r.id,
                    r.failing.join(", ")
                )
            };
            lines.push(line);
        }
        for w in &self.warnings {
            lines.push(format!("warning: {w}"));
        }
        lines.push(String::new());
        let failed_vectors = self.vectors.iter().filter(|v| !v.pass).count();
        let failed_rules = self.rules.iter().filter(|r| !r.pass).count();
        lines.push(if self.conforms {
            format!(
                "conforms: all {} vectors pass, all {} rules pass",
                self.vectors.len(),
                self.rules.len()
            )
        } else {
            format!(
                "does not conform: {failed_vectors} of {} vectors fail, {failed_rules} of {} rules fail",
                self.vectors.len(),
                self.rules.len()
            )
        });
        let mut out = String::new();
        for line in lines {
            out.push_str(&authsim::text::escape(&line));
            out.push('\n');
        }
        out
    }
}

/// A JSON value as a message shows it: compact, escaped and clipped to 80 characters.
pub fn shown(value: Option<&Value>) -> String {
    match value {
        None => "(absent)".to_owned(),
        Some(v) => authsim::text::clip(&serde_json::to_string(v).unwrap_or_default()),
    }
}
