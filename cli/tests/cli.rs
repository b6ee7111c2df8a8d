//! The `authsim` command: exit codes, one-line located errors, `--help`, the demo, the diagram
//! and the JSON-lines driver, all through the built binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn authsim(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authsim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Writes `content` to a fresh file named `name` in a per-test directory; returns its path.
fn file(test: &str, name: &str, content: &str) -> String {
    let dir = std::env::temp_dir().join(format!("authsim-cli-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.display().to_string()
}

/// Runs an invalid scenario: exit 2, nothing on stdout, exactly one line on stderr.
fn invalid(test: &str, content: &str) -> String {
    let path = file(test, "scenario.json", content);
    let out = authsim(&["run", &path], b"");
    assert_eq!(out.status.code(), Some(2), "stderr: {}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(!err.contains("panicked"), "{err}");
    let line = err.trim_end().to_owned();
    let (head, rest) = line.split_at(path.len());
    assert_eq!(head, path, "the message starts with the file name: {line}");
    rest.to_owned()
}

const WORLD: &str =
    r#""apps": [{"name": "shop", "packages": ["jsapi_basic"]}], "users": [{"name": "alice"}]"#;

#[test]
fn unknown_op_names_file_line_column_and_step() {
    let s = format!(
        "{{{WORLD},\n  \"steps\": [\n    {{\"op\": \"my.getAuthCode\", \"user\": \"alice\", \"app\": \"shop\"}},\n    {{\"op\": \"clock.advance\", \"seconds\": 1}},\n    {{\"user\": \"alice\",\n      \"op\": \"my.getAuthcode\"}}\n  ]\n}}"
    );
    let msg = invalid("unknown_op", &s);
    assert!(
        msg.starts_with(r#":6:13: step 3: unknown op "my.getAuthcode""#),
        "{msg}"
    );
    assert!(msg.contains(r#"did you mean "my.getAuthCode""#), "{msg}");
}

#[test]
fn a_reference_never_saved_is_invalid() {
    let s = format!(
        "{{{WORLD}, \"steps\": [\n{{\"op\": \"my.getAuthCode\", \"user\": \"alice\", \"app\": \"shop\", \"save\": \"c1\"}},\n{{\"op\": \"clock.advance\", \"seconds\": 1}},\n{{\"op\": \"clock.advance\", \"seconds\": 1}},\n{{\"op\": \"clock.advance\", \"seconds\": 1}},\n{{\"op\": \"alipay.system.oauth.token\", \"app\": \"shop\", \"grant_type\": \"authorization_code\", \"code\": \"$c9.authCode\"}}]}}"
    );
    let msg = invalid("never_saved", &s);
    assert!(msg.starts_with(":6:"), "{msg}");
    assert!(msg.ends_with(r#"step 5: "$c9" was never saved"#), "{msg}");
}

#[test]
fn a_reference_saved_only_later_is_invalid() {
    let s = format!(
        r#"{{{WORLD}, "steps": [
{{"op": "alipay.system.oauth.token", "app": "shop", "grant_type": "authorization_code", "code": "$c1.authCode"}},
{{"op": "my.getAuthCode", "user": "alice", "app": "shop", "save": "c1"}}]}}"#
    );
    assert!(invalid("later", &s).ends_with(r#"step 1: "$c1" was never saved"#));
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let msg = invalid(
        "syntax",
        "{\n  \"steps\": [\n    {\"op\": \"clock.advance\" \"seconds\": 1}\n  ]\n}",
    );
    assert!(msg.starts_with(":3:28: invalid JSON: expected"), "{msg}");
    let msg = invalid("eof", "{\"steps\": [");
    assert!(msg.starts_with(":1:"), "{msg}");
    assert!(msg.contains("EOF"), "{msg}");
}

#[test]
fn field_errors_name_the_field() {
    let cases = [
        (
            format!(
                r#"{{{WORLD}, "steps": [{{"op": "my.getAuthCode", "user": "alice", "app": "shop", "decision": "maybe"}}]}}"#
            ),
            "step 1: decision must be",
        ),
        (
            format!(
                r#"{{{WORLD}, "steps": [{{"op": "my.getAuthCode", "user": "alice", "app": "shop", "page": {{"lifecycle": "onBoot"}}}}]}}"#
            ),
            "step 1: page.lifecycle: unknown variant \"onBoot\"",
        ),
        (
            format!(
                r#"{{{WORLD}, "steps": [{{"op": "my.getAuthCode", "user": "alice", "app": "shop", "expect": {{"popup": 1}}}}]}}"#
            ),
            "step 1: unknown field \"popup\" in expect",
        ),
        (
            format!(
                r#"{{{WORLD}, "steps": [{{"op": "my.getAuthCode", "user": "bob", "app": "shop"}}]}}"#
            ),
            "step 1: unknown user \"bob\"",
        ),
        (
            format!(
                r#"{{{WORLD}, "steps": [{{"op": "alipay.user.info.share", "app": "mall", "auth_token": "x"}}]}}"#
            ),
            "step 1: unknown app \"mall\"",
        ),
        (
            format!(r#"{{{WORLD}, "steps": [{{"op": "clock.advance"}}]}}"#),
            "step 1: missing field \"seconds\"",
        ),
        (
            format!(r#"{{{WORLD}, "steps": [{{"seconds": 1}}]}}"#),
            "step 1: missing field \"op\"",
        ),
        (
            format!(r#"{{{WORLD}, "steps": [{{"op": 7}}]}}"#),
            "step 1: op must be a string",
        ),
        (
            format!(
                r#"{{{WORLD}, "steps": [{{"op": "my.getSetting", "user": "alice", "app": "shop", "save": "a"}}, {{"op": "my.getSetting", "user": "alice", "app": "shop", "save": "a"}}]}}"#
            ),
            "step 2: save name \"a\" is already used by step 1",
        ),
        (
            format!(
                r#"{{{WORLD}, "steps": [{{"op": "my.getSetting", "user": "alice", "app": "shop", "save": "s", "expect": {{"result": {{"$gt": 1}}}}}}]}}"#
            ),
            "step 1: unknown operator \"$gt\"",
        ),
        (
            format!(
                r#"{{{WORLD}, "steps": [{{"op": "alipay.user.info.share", "app": "shop", "auth_token": "$t1"}}]}}"#
            ),
            "is not a reference of the form",
        ),
        (
            r#"{"config": {"codeTtlSeconds": 10}, "steps": []}"#.into(),
            "codeTtlSeconds must be between",
        ),
        (
            r#"{"config": {"codeTTL": 180}, "steps": []}"#.into(),
            "unknown field \"codeTTL\" in config",
        ),
        (
            r#"{"users": [{"name": "a"}, {"name": "a"}], "steps": []}"#.into(),
            "duplicate user name \"a\"",
        ),
        (
            r#"{"users": [{"name": "a", "nickname": "A"}], "steps": []}"#.into(),
            "unknown field \"nickname\" in users[0]",
        ),
        (
            r#"{"apps": [{"name": "s", "packages": ["jsapi"]}], "steps": []}"#.into(),
            "apps[0].packages[0]: unknown variant \"jsapi\"",
        ),
        (r#"{"seed": -1, "steps": []}"#.into(), "seed: invalid value"),
        (r#"{"seed": 1}"#.into(), "missing field \"steps\""),
        (r#"{"steps": {}}"#.into(), "steps must be an array"),
        ("[]".into(), "a scenario must be a JSON object"),
        ("".into(), "invalid JSON"),
    ];
    for (i, (scenario, want)) in cases.iter().enumerate() {
        let msg = invalid(&format!("field{i}"), scenario);
        assert!(msg.contains(want), "case {i}: {msg:?} lacks {want:?}");
        let located = msg.strip_prefix(':').and_then(|m| {
            let mut parts = m.splitn(3, ':');
            let line: usize = parts.next()?.parse().ok()?;
            let col: usize = parts.next()?.parse().ok()?;
            Some((line, col))
        });
        assert!(located.is_some(), "case {i}: no line:column in {msg:?}");
    }
}

#[test]
fn unreadable_input_is_invalid_without_panic() {
    let out = authsim(&["run", "/no/such/authsim/file.json"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).lines().count(), 1);
    let out = authsim(&["run", "-"], b"\xff\xfe{}");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("<stdin>: not UTF-8"));
    assert!(out.stdout.is_empty());
}

#[test]
fn exit_0_when_expectations_hold_and_1_when_one_fails() {
    let ok = format!(
        r#"{{{WORLD}, "steps": [{{"op": "my.getAuthCode", "user": "alice", "app": "shop", "expect": {{"outcome": "success", "popups": 0}}}}]}}"#
    );
    let out = authsim(&["run", "-", "--json"], ok.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(trace["summary"]["expectationsFailed"], 0);
    assert_eq!(trace["steps"][0]["index"], 1);
    assert_eq!(trace["steps"][0]["op"], "my.getAuthCode");
    assert!(trace["steps"][0].get("expectationsFailed").is_none());

    let bad = ok.replace("\"popups\": 0", "\"popups\": 1");
    let out = authsim(&["run", "-", "--json"], bad.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(trace["summary"]["expectationsFailed"], 1);
    assert_eq!(
        trace["steps"][0]["expectationsFailed"][0],
        "expected popups 1, got 0"
    );
    let out = authsim(&["run", "-"], bad.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let table = text(&out.stdout);
    assert!(
        table.contains("step 1: expected popups 1, got 0"),
        "{table}"
    );
    assert!(table.contains("1 expectation FAILED"), "{table}");
}

#[test]
fn a_reference_to_a_missing_field_fails_the_step_not_the_run() {
    let s = format!(
        r#"{{{WORLD}, "steps": [
{{"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_user", "decision": "deny", "save": "c1"}},
{{"op": "alipay.system.oauth.token", "app": "shop", "grant_type": "authorization_code", "code": "$c1.authCode"}}]}}"#
    );
    let out = authsim(&["run", "-", "--json"], s.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed = trace["steps"][1]["expectationsFailed"][0].as_str().unwrap();
    assert!(failed.contains("has no field \"authCode\""), "{failed}");
    assert_eq!(trace["steps"][1]["outcome"], "error");
}

#[test]
fn help_everywhere() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["run", "--help"],
        vec!["diagram", "--help"],
        vec!["serve", "--help"],
    ] {
        let out = authsim(&args, b"");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(text(&out.stdout).contains("Usage: authsim"), "{args:?}");
    }
    let out = authsim(&["run"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = authsim(&["diagram", "--format", "svg"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_demo_walks_every_path_and_holds() {
    let bare = authsim(&[], b"");
    let demo = authsim(&["demo"], b"");
    assert_eq!(bare.status.code(), Some(0), "{}", text(&bare.stderr));
    assert_eq!(bare.stdout, demo.stdout);
    let t = text(&demo.stdout);
    assert!(t.contains("step  call"), "{t}");
    for needle in [
        "isv.code-invalid",
        "error 11",
        "error 3",
        "error 10",
        "network fail",
        "response lost",
        "accept only",
        "double-popup",
        "first-screen-prompt",
        "all expectations held",
    ] {
        assert!(t.contains(needle), "the demo lacks {needle:?}:\n{t}");
    }
    let json = authsim(&["demo", "--json"], b"");
    assert_eq!(json.status.code(), Some(0));
    let trace: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(trace["summary"]["expectationsFailed"], 0);
    assert!(trace["steps"].as_array().unwrap().len() >= 15);
}

#[test]
fn the_diagram_is_the_generated_one() {
    let out = authsim(&["diagram"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), authsim_cli::diagram::mermaid());
    let dot = authsim(&["diagram", "--format", "dot"], b"");
    assert_eq!(text(&dot.stdout), authsim_cli::diagram::dot());
    assert!(text(&dot.stdout).starts_with("digraph call_machine {"));
}

/// SPEC.md's Mermaid block under the "call machine" heading is `authsim diagram`'s output.
#[test]
fn spec_md_call_machine_block_matches_the_diagram() {
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("SPEC.md"),
    )
    .expect("SPEC.md exists");
    let mut lines = spec.lines();
    lines
        .by_ref()
        .find(|l| l.starts_with('#') && l.to_lowercase().contains("call machine"))
        .expect("SPEC.md has a \"Call machine\" heading");
    lines
        .by_ref()
        .find(|l| l.trim() == "```mermaid")
        .expect("a ```mermaid block follows the heading");
    let block: Vec<&str> = lines.take_while(|l| l.trim() != "```").collect();
    let generated = authsim_cli::diagram::mermaid();
    assert_eq!(
        block.join("\n").trim_end(),
        generated.trim_end(),
        "SPEC.md's call machine diagram differs from `authsim diagram` (docs/call-machine.mmd)"
    );
}

#[test]
fn the_committed_mmd_is_the_diagram() {
    let mmd = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("docs/call-machine.mmd"),
    )
    .expect("docs/call-machine.mmd exists");
    assert_eq!(mmd, authsim_cli::diagram::mermaid());
}

#[test]
fn serve_answers_every_line_and_survives_errors() {
    let lines = [
        r#"{"op": "my.getAuthCode", "user": "alice", "app": "shop"}"#,
        r#"{"seed": 7, "apps": [{"name": "shop", "packages": ["jsapi_basic"]}], "users": [{"name": "alice"}]}"#,
        "",
        r#"{"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_user", "save": "c1", "expect": {"popups": 1}}"#,
        r#"{"op": "alipay.system.oauth.token", "app": "shop", "grant_type": "authorization_code", "code": "$c9.authCode"}"#,
        "not json",
        r#"{"op": "alipay.system.oauth.token", "app": "shop", "grant_type": "authorization_code", "code": "$c1.authCode", "expect": {"outcome": "error"}}"#,
        r#"{"op": "my.getAuthcode"}"#,
        r#"{"seed": 7, "steps": []}"#,
        r#"{"seed": 7, "config": {"codeTtlSeconds": 1}}"#,
    ];
    let out = authsim(&["serve", "--stdio"], (lines.join("\n") + "\n").as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let answers: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every answer is one JSON line"))
        .collect();
    assert_eq!(answers.len(), lines.len() - 1 + 1, "{answers:#?}");
    assert!(
        answers[0]["error"]
            .as_str()
            .unwrap()
            .contains("no scenario header")
    );
    assert_eq!(answers[1]["ready"]["seed"], 7);
    assert_eq!(answers[2]["index"], 1);
    assert_eq!(answers[2]["outcome"], "success");
    assert_eq!(answers[2]["popups"], 1);
    let col = lines[4].find("\"$c9").unwrap() + 1;
    assert_eq!(
        answers[3]["error"],
        format!(r#"5:{col}: step 2: "$c9" was never saved"#)
    );
    assert!(
        answers[4]["error"]
            .as_str()
            .unwrap()
            .starts_with("6:2: invalid JSON")
    );
    assert_eq!(answers[5]["index"], 2);
    assert_eq!(
        answers[5]["expectationsFailed"][0],
        r#"expected outcome "error", got "ok""#
    );
    assert!(
        answers[6]["error"]
            .as_str()
            .unwrap()
            .starts_with("8:8: step 3: unknown op")
    );
    // R-CONFORM-SCENARIO: a line with `steps` is a whole scenario, played in a world of its
    // own (the summary below still counts only the current world's steps).
    assert_eq!(answers[7]["trace"]["seed"], 7, "{answers:#?}");
    assert_eq!(answers[7]["trace"]["steps"], serde_json::json!([]));
    assert!(
        answers[8]["error"]
            .as_str()
            .unwrap()
            .contains("codeTtlSeconds")
    );
    assert_eq!(answers[9]["summary"]["popups"], 1);
    assert_eq!(answers[9]["summary"]["expectationsFailed"], 1);
}

#[test]
fn serve_needs_stdio() {
    let out = authsim(&["serve"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn garbage_never_panics() {
    let inputs: [&[u8]; 10] = [
        br#"{"config": {"clockOriginUnix": 9223372036854775807}, "apps": [{"name": "s", "packages": ["jsapi_basic"]}], "users": [{"name": "u"}], "steps": [{"op": "my.getAuthCode", "user": "u", "app": "s", "save": "c"}, {"op": "alipay.system.oauth.token", "app": "s", "grant_type": "authorization_code", "code": "$c.authCode"}]}"#,
        br#"{"apps": [{"name": "s", "packages": ["jsapi_basic"]}], "users": [{"name": "u"}], "steps": [{"op": "clock.advance", "seconds": 9223372036854775000}, {"op": "my.getAuthCode", "user": "u", "app": "s", "save": "c"}, {"op": "alipay.system.oauth.token", "app": "s", "grant_type": "authorization_code", "code": "$c.authCode", "save": "t"}, {"op": "alipay.system.oauth.token", "app": "s", "grant_type": "refresh_token", "refresh_token": "$t.refresh_token"}]}"#,
        b"",
        b"\0\0\0",
        b"{\"steps\": [{\"op\": \"my.getAuthCode\", \"user\": \"\\ud800\"}]}",
        b"{\"steps\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
        b"{\"steps\": [], \"seed\": 1e400}",
        b"{\"steps\": [{\"op\": \"clock.advance\", \"seconds\": 18446744073709551615}, {\"op\": \"clock.advance\", \"seconds\": 18446744073709551615}]}",
        b"{\"steps\": [], \"steps\": 3}",
        b"{\"apps\":[{\"name\":\"s\",\"packages\":[\"jsapi_basic\"]}],\"users\":[{\"name\":\"u\"}],\"steps\":[{\"op\":\"my.getAuthCode\",\"user\":\"u\",\"app\":\"s\",\"scopes\":[[[[1]]]]}]}",
    ];
    for input in inputs {
        for args in [&["run", "-"][..], &["serve", "--stdio"][..]] {
            let out = authsim(args, input);
            let err = text(&out.stderr);
            assert!(!err.contains("panicked"), "{args:?} {input:?}: {err}");
            assert!(
                matches!(out.status.code(), Some(0..=2)),
                "{args:?} {input:?}: {err}"
            );
        }
    }
}
