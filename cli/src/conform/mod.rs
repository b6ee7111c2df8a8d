//! `authsim conform -- CMD [ARGS…]`: plays the conformance suite embedded in the binary through
//! an implementation under test that speaks the SPEC §8.8 line protocol, and reports per vector
//! and per rule id (SPEC R-CONFORM).
//!
//! Each vector gets a fresh process: its header line (answered `ready`), each step as a line
//! (answered with the golden trace's step), the whole vector as one scenario line (answered with
//! the whole golden trace, R-CONFORM-SCENARIO), then the end of input (answered with the golden
//! summary; then the process exits 0). Each negative vector gets a fresh process too: its raw
//! bytes as one scenario line, which must be answered with an error line, and nothing more.

pub mod diff;
pub mod driver;
pub mod report;
pub mod suite;

use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};

use crate::output;
use driver::{Implementation, Trouble};
use report::{Failure, Report, VectorReport, shown};
use suite::{Reject, Vector};

/// Arguments of `authsim conform`.
#[derive(clap::Args, Debug)]
pub struct ConformArgs {
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// How long to wait for each answer line, in milliseconds.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u64).range(1..=3_600_000)
    )]
    pub timeout_ms: u64,
    /// Play only this vector (NAME of tests/vectors/NAME.json, or reject/FILE.json); repeatable.
    #[arg(long = "vector", value_name = "NAME")]
    pub vectors: Vec<String>,
    /// The implementation under test and its arguments, after `--`.
    #[arg(required = true, last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// The note on a negative vector the line protocol cannot carry.
const UNPLAYABLE: &str = "not played: without `steps` (or with `op`) the line protocol reads \
                          this object as a header (or a step), not as a scenario";

/// How one vector is played against the implementation.
enum Case<'a> {
    Vector(&'a Vector),
    Reject(&'a Reject),
}

impl Case<'_> {
    fn name(&self) -> String {
        match self {
            Case::Vector(v) => v.name.clone(),
            Case::Reject(r) => format!("reject/{}", r.name),
        }
    }

    fn rules(&self) -> &[String] {
        match self {
            Case::Vector(v) => &v.rules,
            Case::Reject(r) => &r.rules,
        }
    }
}

/// `authsim conform`.
pub fn conform(args: ConformArgs) -> ExitCode {
    let suite = match suite::load() {
        Ok(s) => s,
        Err(e) => {
            output::say(&format!(
                "authsim conform: the embedded suite is broken: {e}"
            ));
            return ExitCode::from(output::INTERNAL);
        }
    };
    let mut cases: Vec<Case<'_>> = suite.vectors.iter().map(Case::Vector).collect();
    cases.extend(suite.rejects.iter().map(Case::Reject));
    if !args.vectors.is_empty() {
        let names: Vec<String> = cases.iter().map(Case::name).collect();
        if let Some(unknown) = args.vectors.iter().find(|n| !names.contains(n)) {
            return output::invalid(&format!(
                "authsim conform: --vector {}: no such vector (the suite: {})",
                authsim::text::quote(unknown),
                names.join(", ")
            ));
        }
        cases.retain(|c| args.vectors.contains(&c.name()));
    }
    let Some((program, program_args)) = args.command.split_first() else {
        return output::invalid("authsim conform: no implementation to run: give it after --");
    };
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut verdicts = Vec::with_capacity(cases.len());
    for case in &cases {
        let mut imp = match Implementation::start(program, program_args, timeout) {
            Ok(imp) => imp,
            Err(e) => {
                return output::invalid(&format!(
                    "authsim conform: cannot start {}: {e}",
                    authsim::text::quote(program)
                ));
            }
        };
        let (failure, note) = match case {
            Case::Vector(v) => (
                play_vector(&mut imp, v).err().map(|f| *f),
                v.golden
                    .is_none()
                    .then(|| "no golden trace: checked on its expectations only".to_owned()),
            ),
            Case::Reject(r) if !r.playable => (None, Some(UNPLAYABLE.to_owned())),
            Case::Reject(r) => (play_reject(&mut imp, r).err().map(|f| *f), None),
        };
        drop(imp);
        verdicts.push(VectorReport {
            name: case.name(),
            rules: case.rules().to_vec(),
            pass: failure.is_none(),
            note,
            failure,
        });
    }
    let report = Report::new(args.command.clone(), verdicts, suite.problems);
    let verdict = if report.conforms {
        output::OK
    } else {
        output::FAILED
    };
    let text = if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(t) => t + "\n",
            Err(e) => {
                output::say(&format!(
                    "authsim conform: cannot serialize the report: {e}"
                ));
                return ExitCode::from(output::INTERNAL);
            }
        }
    } else {
        report.text()
    };
    output::emit("conform", &text, verdict)
}

/// A failure at `at` (input line `line`) of a kind with no JSON path.
/// (Boxed: a failure is rare and large, a pass is `Ok(())`.)
fn failure(at: &str, line: Option<usize>, kind: &'static str, message: String) -> Box<Failure> {
    Box::new(Failure {
        at: at.to_owned(),
        line,
        kind,
        message,
        path: None,
        expected: None,
        got: None,
    })
}

fn trouble(at: &str, line: Option<usize>, t: &Trouble) -> Box<Failure> {
    failure(at, line, t.kind(), t.to_string())
}

/// Plays a vector line by line; `Err` is its first failure.
fn play_vector(imp: &mut Implementation, v: &Vector) -> Result<(), Box<Failure>> {
    let golden = v.golden.as_ref();
    let mut ask = |at: &str, line: usize, text: &str, expected: Option<Value>, member| {
        imp.send(text.as_bytes());
        let got = imp.answer().map_err(|t| trouble(at, Some(line), &t))?;
        check(at, Some(line), expected.as_ref(), &got, member)
    };
    ask("header", 1, &v.header, Some(v.ready.clone()), "ready")?;
    for (i, step) in v.steps.iter().enumerate() {
        let expected = golden.and_then(|g| g.get("steps")?.get(i)).cloned();
        ask(&format!("step {}", i + 1), i + 2, step, expected, "index")?;
    }
    let expected = golden.map(|g| json!({ "trace": g }));
    ask(
        "scenario line",
        v.steps.len() + 2,
        &v.whole,
        expected,
        "trace",
    )?;
    imp.close_input();
    let got = imp.answer().map_err(|t| trouble("summary", None, &t))?;
    let expected = golden
        .and_then(|g| g.get("summary"))
        .map(|s| json!({ "summary": s }));
    check("summary", None, expected.as_ref(), &got, "summary")?;
    imp.end().map_err(|t| trouble("end of input", None, &t))
}

/// Sends a negative vector as one scenario line: the answer must be an error line, and
/// nothing may follow it.
fn play_reject(imp: &mut Implementation, r: &Reject) -> Result<(), Box<Failure>> {
    let at = "scenario line";
    imp.send(&r.line);
    let got = imp.answer().map_err(|t| trouble(at, Some(1), &t))?;
    if got.get("error").is_none() {
        let clause = if r.clause.is_empty() {
            String::new()
        } else {
            format!(" (SPEC {})", r.clause)
        };
        return Err(failure(
            at,
            Some(1),
            "not-rejected",
            format!(
                "the scenario must be rejected{clause}, but the answer is not an error line: {}",
                shown(Some(&got))
            ),
        ));
    }
    imp.close_input();
    imp.end().map_err(|t| trouble("end of input", None, &t))
}

/// Checks one answer: not an error line, equal to `expected` (or, without a golden trace,
/// holding `member` and no failed expectation).
fn check(
    at: &str,
    line: Option<usize>,
    expected: Option<&Value>,
    got: &Value,
    member: &str,
) -> Result<(), Box<Failure>> {
    if let Some(error) = got.get("error") {
        return Err(failure(
            at,
            line,
            "error-line",
            format!("answered an error line: {}", shown(Some(error))),
        ));
    }
    // With a golden trace, a failed expectation is a difference from it (only a vector that
    // fails on purpose, R-EXPECT-COUNT, has them there); without one, any is a failure.
    if expected.is_none()
        && let Some((path, what)) = failed_expectation(got, &mut "$".to_owned())
    {
        return Err(Box::new(Failure {
            message: format!("{path}: an expectation failed: {}", shown(Some(&what))),
            path: Some(path),
            got: Some(what),
            ..*failure(at, line, "expectation-failed", String::new())
        }));
    }
    let Some(expected) = expected else {
        return match got.get(member) {
            Some(_) => Ok(()),
            None => Err(failure(
                at,
                line,
                "differs",
                format!("the answer has no {member:?} member: {}", shown(Some(got))),
            )),
        };
    };
    match diff::first_difference(expected, got) {
        None => Ok(()),
        Some(d) => Err(Box::new(Failure {
            message: format!(
                "{}: expected {}, got {}",
                d.path,
                shown(d.expected.as_ref()),
                shown(d.got.as_ref())
            ),
            path: Some(d.path),
            expected: d.expected,
            got: d.got,
            ..*failure(at, line, "differs", String::new())
        })),
    }
}

/// The first `expectationsFailed` member in `value` that reports a failure (a non-empty list,
/// or a count above 0), with its path.
fn failed_expectation(value: &Value, path: &mut String) -> Option<(String, Value)> {
    match value {
        Value::Object(o) => {
            if let Some(v) = o.get("expectationsFailed") {
                let failed = match v {
                    Value::Array(a) => !a.is_empty(),
                    Value::Number(n) => n.as_f64() != Some(0.0),
                    _ => true,
                };
                if failed {
                    diff::push_member(path, "expectationsFailed");
                    return Some((path.clone(), v.clone()));
                }
            }
            o.iter().find_map(|(k, v)| {
                let len = path.len();
                diff::push_member(path, k);
                let found = failed_expectation(v, path);
                path.truncate(len);
                found
            })
        }
        Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = failed_expectation(v, path);
            path.truncate(len);
            found
        }),
        _ => None,
    }
}
