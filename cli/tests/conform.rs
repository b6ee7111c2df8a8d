//! `authsim conform` (SPEC R-CONFORM) and the scenario line of the line protocol
//! (R-CONFORM-SCENARIO): the reference conforms; planted-bug implementations
//! (`tests/planted/impl.py`, a wrapper of `authsim serve --stdio` that corrupts one kind of
//! answer) fail, naming the vector, the step, the JSON path and the rule; implementations that
//! hang, crash or print garbage are reported as such.
//!
//! The planted tests play a few vectors each (`--vector`): the one the bug must fail and one it
//! must not touch, so the suite stays quick with a Python process per vector.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_authsim");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn planted() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/planted/impl.py")
        .display()
        .to_string()
}

fn conform(options: &[&str], implementation: &[&str]) -> Output {
    Command::new(BIN)
        .arg("conform")
        .args(options)
        .arg("--")
        .args(implementation)
        .stdin(Stdio::null())
        .output()
        .expect("authsim conform runs")
}

/// `authsim conform --json OPTIONS -- python3 impl.py authsim MODE`: the exit code and report.
fn planted_report(mode: &str, vectors: &[&str], extra: &[&str]) -> (Option<i32>, Value) {
    let mut options = vec!["--json"];
    for v in vectors {
        options.extend(["--vector", v]);
    }
    options.extend(extra);
    let script = planted();
    let out = conform(&options, &["python3", &script, BIN, mode]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{mode}: the report is JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

fn vector<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name} in {report:#}"))
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id} in {report:#}"))
}

/// The failure of `name`, checking that it failed and that `control` passed.
fn failed<'a>(report: &'a Value, name: &str, control: &str) -> &'a Value {
    assert_eq!(report["conforms"], false, "{report:#}");
    assert_eq!(vector(report, control)["pass"], true, "{report:#}");
    let v = vector(report, name);
    assert_eq!(v["pass"], false, "{report:#}");
    &v["failure"]
}

fn json_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// R-CONFORM: `authsim serve --stdio` passes every vector, golden trace and negative vector, and
/// the report covers every vector file and every rule the vectors name.
#[test]
fn r_conform_the_reference_conforms() {
    let out = conform(&["--json"], &[BIN, "serve", "--stdio"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["conforms"], true);
    assert!(report.get("warnings").is_none(), "{report:#}");
    let dir = repo().join("tests/vectors");
    let mut expected = json_files(&dir);
    assert_eq!(
        json_files(&dir.join("golden")),
        expected,
        "every vector has its golden trace"
    );
    let rejects = json_files(&dir.join("reject"));
    assert!(rejects.len() >= 3, "{rejects:?}");
    expected.extend(
        rejects
            .iter()
            .filter(|n| *n != "index")
            .map(|n| format!("reject/{n}.json")),
    );
    let mut played: Vec<&str> = report["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            assert_eq!(v["pass"], true, "{v:#}");
            // Only a negative vector the line protocol cannot carry may pass unplayed.
            let note = v["note"].as_str().unwrap_or("not played");
            assert!(note.starts_with("not played"), "{v:#}");
            v["name"].as_str().unwrap()
        })
        .collect();
    played.sort();
    expected.sort();
    assert_eq!(played, expected);
    for id in [
        "R-POPUP-COUNT",
        "R-GW-CODE-REPLAY",
        "R-JSON-STRICT",
        "R-CONFORM-SCENARIO",
    ] {
        assert_eq!(rule(&report, id)["pass"], true, "{id}");
    }
}

/// R-CONFORM: the planted-bug wrapper with no bug planted conforms, so every failure below is the
/// planted bug's.
#[test]
fn r_conform_planted_honest_wrapper_conforms() {
    let vectors = [
        "findings",
        "gateway-codes",
        "error-table",
        "determinism",
        "reject/duplicate-member-step.json",
    ];
    let (code, report) = planted_report("honest", &vectors, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["vectors"].as_array().unwrap().len(), vectors.len());
}

/// R-CONFORM, R-POPUP-COUNT: the button's popup not counted fails `findings` at its first button
/// step, at `$.popups`, and the rule; a vector without a button passes.
#[test]
fn r_conform_planted_popup_not_counted_fails_r_popup_count() {
    let (code, report) = planted_report("popup-not-counted", &["findings", "gateway-codes"], &[]);
    assert_eq!(code, Some(1));
    let f = failed(&report, "findings", "gateway-codes");
    assert_eq!(f["at"], "step 10", "{f:#}");
    assert_eq!(f["line"], 11);
    assert_eq!(f["kind"], "differs");
    assert_eq!(f["path"], "$.popups");
    assert_eq!(
        (&f["expected"], &f["got"]),
        (&Value::from(1), &Value::from(0))
    );
    assert_eq!(rule(&report, "R-POPUP-COUNT")["pass"], false);
    assert_eq!(rule(&report, "R-POPUP-COUNT")["failing"][0], "findings");
    assert_eq!(rule(&report, "R-GW-CODE-REPLAY")["pass"], true);
}

/// R-CONFORM, R-GW-CODE-REPLAY: a replayed code accepted fails `gateway-codes` where the replay
/// must be refused.
#[test]
fn r_conform_planted_replayed_code_accepted_fails_r_gw_code_replay() {
    let (code, report) = planted_report("replay-accepted", &["gateway-codes", "findings"], &[]);
    assert_eq!(code, Some(1));
    let f = failed(&report, "gateway-codes", "findings");
    assert_eq!(f["kind"], "differs", "{f:#}");
    assert_eq!(f["path"], "$.outcome");
    assert_eq!(
        (&f["expected"], &f["got"]),
        (&Value::from("error"), &Value::from("ok"))
    );
    assert_eq!(rule(&report, "R-GW-CODE-REPLAY")["pass"], false);
    assert_eq!(rule(&report, "R-POPUP-COUNT")["pass"], true);
}

/// R-CONFORM, R-ERROR-TABLE: a reworded error message fails `error-table` at
/// `$.result.errorMessage`, both texts shown.
#[test]
fn r_conform_planted_message_changed_fails_r_error_table() {
    let (code, report) = planted_report("message-changed", &["error-table", "gateway-codes"], &[]);
    assert_eq!(code, Some(1));
    let f = failed(&report, "error-table", "gateway-codes");
    assert_eq!(f["path"], "$.result.errorMessage", "{f:#}");
    assert_eq!(f["expected"], "用户点击拒绝授权");
    assert_eq!(f["got"], "用户拒绝了授权");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("用户点击拒绝授权") && message.contains("用户拒绝了授权"));
    assert_eq!(rule(&report, "R-ERROR-TABLE")["pass"], false);
}

/// R-CONFORM, R-GW-USER-ID: an identifier no expectation looks at is still compared: a changed
/// `user_id` fails `gateway-codes` at its path.
#[test]
fn r_conform_planted_identifier_changed_fails_r_gw_user_id() {
    let (code, report) = planted_report("identifier-changed", &["gateway-codes", "findings"], &[]);
    assert_eq!(code, Some(1));
    let f = failed(&report, "gateway-codes", "findings");
    assert_eq!(
        f["path"], "$.result.alipay_system_oauth_token_response.user_id",
        "{f:#}"
    );
    let (expected, got) = (f["expected"].as_str().unwrap(), f["got"].as_str().unwrap());
    assert_ne!(expected, got);
    assert_eq!(expected[..15], got[..15]);
    assert_eq!(rule(&report, "R-GW-USER-ID")["pass"], false);
}

/// R-CONFORM, R-CONFORM-SCENARIO, R-JSON-STRICT: an implementation that answers a rejected
/// scenario with a trace fails the negative vector and its rules; the positive vector passes.
#[test]
fn r_conform_planted_no_rejection_fails_the_negative_vectors() {
    let name = "reject/duplicate-member-step.json";
    let (code, report) = planted_report("no-reject", &[name, "determinism"], &[]);
    assert_eq!(code, Some(1));
    let f = failed(&report, name, "determinism");
    assert_eq!(f["kind"], "not-rejected", "{f:#}");
    assert_eq!(f["at"], "scenario line");
    assert_eq!(rule(&report, "R-JSON-STRICT")["pass"], false);
    assert_eq!(rule(&report, "R-CONFORM-SCENARIO")["pass"], false);
    assert_eq!(rule(&report, "R-DET-SEED")["pass"], true);
}

/// R-CONFORM: an implementation that stops answering mid-vector is a timeout at that step, and
/// conform goes on with the next vector.
#[test]
fn r_conform_a_hanging_implementation_is_a_timeout() {
    let (code, report) = planted_report(
        "hang",
        &["determinism", "reject/step-op-unknown.json"],
        &["--timeout-ms", "1000"],
    );
    assert_eq!(code, Some(1));
    let f = &vector(&report, "determinism")["failure"];
    assert_eq!(f["kind"], "timeout", "{f:#}");
    assert_eq!(f["at"], "step 2");
    assert_eq!(f["line"], 3);
    assert!(f["message"].as_str().unwrap().contains("1000 ms"), "{f:#}");
    // A negative vector is one line: the hang at the third line never comes.
    assert_eq!(vector(&report, "reject/step-op-unknown.json")["pass"], true);
}

/// R-CONFORM: an implementation that exits mid-vector is reported with its exit status and the
/// last line of its standard error.
#[test]
fn r_conform_a_crash_mid_vector_is_reported_with_its_status_and_stderr() {
    let (code, report) = planted_report("crash", &["determinism"], &[]);
    assert_eq!(code, Some(1));
    let f = &vector(&report, "determinism")["failure"];
    assert_eq!(f["kind"], "exited", "{f:#}");
    assert_eq!(f["at"], "step 2");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("status 3"), "{message}");
    assert!(
        message.contains("planted crash at input line 3"),
        "{message}"
    );
}

/// R-CONFORM: an answer that is not JSON is reported as garbage, quoted.
#[test]
fn r_conform_garbage_is_reported_as_garbage() {
    let (code, report) = planted_report("garbage", &["determinism"], &[]);
    assert_eq!(code, Some(1));
    let f = &vector(&report, "determinism")["failure"];
    assert_eq!(f["kind"], "garbage", "{f:#}");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("not JSON") && message.contains("this is not JSON"),
        "{message}"
    );
}

/// R-CONFORM: the text report names the vector, the step, the input line, the path and both
/// values, and ends with the per-rule summary and the verdict.
#[test]
fn r_conform_the_text_report_names_step_path_values_and_rules() {
    let script = planted();
    let out = conform(
        &["--vector", "findings"],
        &["python3", &script, BIN, "popup-not-counted"],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "FAIL  findings  step 10 (input line 11): differs: $.popups: expected 1, got 0"
        ),
        "{text}"
    );
    assert!(text.contains("FAIL  R-POPUP-COUNT"), "{text}");
    assert!(
        text.trim_end()
            .ends_with("does not conform: 1 of 1 vectors fail, 5 of 5 rules fail"),
        "{text}"
    );
}

/// R-EXIT: a program that cannot be started, an unknown `--vector` and a missing command are
/// invalid command lines (exit 2, one line on standard error, nothing on standard output).
#[test]
fn r_exit_conform_command_line_errors_are_exit_2() {
    let cases: [(&[&str], &[&str], &str); 3] = [
        (&[], &["/nonexistent/implementation"], "cannot start"),
        (
            &["--vector", "nope"],
            &[BIN, "serve", "--stdio"],
            "no such vector",
        ),
        (&[], &[], "required"),
    ];
    for (options, implementation, needle) in cases {
        let out = conform(options, implementation);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{options:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{options:?}");
        assert!(stderr.contains(needle), "{options:?}: {stderr}");
    }
}

/// R-LIMIT-ECHO: what the implementation under test prints reaches the terminal escaped.
#[test]
fn r_limit_echo_conform_escapes_what_the_implementation_prints() {
    let out = conform(
        &["--vector", "determinism"],
        &[
            "python3",
            "-c",
            "import sys; sys.stdout.write('\\x1b[31mred\\u202e\\n'); sys.stdout.flush(); sys.stdin.read()",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("garbage"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text}"
    );
    assert!(text.contains("\\u{1b}[31mred"), "{text}");
}

/// Plays `input` through `authsim serve --stdio`: its answer lines.
fn serve(input: &str) -> Vec<Value> {
    let mut child = Command::new(BIN)
        .args(["serve", "--stdio"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn one_line(path: &str) -> String {
    std::fs::read_to_string(repo().join(path))
        .unwrap()
        .replace(['\n', '\r'], " ")
}

/// R-CONFORM-SCENARIO: a scenario line is answered with its whole trace (the golden trace) and
/// leaves the current world as it was: the next step is the world's second, and the summary
/// counts only the world's steps.
#[test]
fn r_conform_scenario_a_whole_scenario_line_is_its_trace_and_leaves_the_world() {
    let header = r#"{"apps": [{"name": "shop", "packages": ["jsapi_basic"]}], "users": [{"name": "alice"}]}"#;
    let step = r#"{"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_user", "decision": "accept"}"#;
    let whole = one_line("tests/vectors/findings.json");
    let answers = serve(&format!("{header}\n{step}\n{whole}\n{step}\n"));
    assert_eq!(answers.len(), 5, "{answers:?}");
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/vectors/golden/findings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(answers[2], serde_json::json!({ "trace": golden }));
    assert_eq!(answers[3]["index"], 2);
    assert_eq!(answers[3]["popups"], 0, "alice's consent was remembered");
    assert_eq!(
        answers[4],
        serde_json::json!({"summary": {"popups": 1, "findings": {}, "expectationsFailed": 0}})
    );
}

/// R-CONFORM-SCENARIO: a scenario the reader rejects is an error line and starts no world (no
/// summary at the end).
#[test]
fn r_conform_scenario_a_rejected_scenario_line_is_an_error_line() {
    for name in [
        "duplicate-member-step",
        "step-op-unknown",
        "reference-never-saved",
    ] {
        let whole = one_line(&format!("tests/vectors/reject/{name}.json"));
        let answers = serve(&format!("{whole}\n"));
        assert_eq!(answers.len(), 1, "{name}: {answers:?}");
        let error = answers[0]["error"].as_str().unwrap_or_default();
        assert!(error.starts_with("1:"), "{name}: {error}");
        let run = Command::new(BIN)
            .args(["run", &format!("tests/vectors/reject/{name}.json")])
            .current_dir(repo())
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(2),
            "{name}: authsim run rejects it too"
        );
    }
}
