//! Step-wise `my.getAuthCode` calls (`call.invoke`, `call.decide`, `call.network`) through the
//! built binary: `serve --stdio` driven interactively, one answer read before the next line is
//! written; the references checked before running; refusals reported, not fatal (SPEC.md §8.2,
//! R-CALL-STEPWISE, R-CALLBACKS).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

/// A running `authsim serve --stdio`: write one line, read its one answer.
struct Serve {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl Serve {
    fn start() -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_authsim"))
            .args(["serve", "--stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let input = child.stdin.take();
        let output = BufReader::new(child.stdout.take().unwrap());
        Serve {
            child,
            input,
            output,
        }
    }

    /// Sends one line and waits for its answer (the driver flushes each answer at once).
    fn send(&mut self, line: &Value) -> Value {
        let input = self.input.as_mut().unwrap();
        writeln!(input, "{line}").unwrap();
        input.flush().unwrap();
        self.read()
    }

    fn read(&mut self) -> Value {
        let mut answer = String::new();
        self.output.read_line(&mut answer).unwrap();
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{answer:?}: {e}"))
    }

    /// Closes the input; returns the summary line and the exit code.
    fn finish(mut self) -> (Value, Option<i32>) {
        drop(self.input.take());
        let summary = self.read();
        let status = self.child.wait().unwrap();
        (summary, status.code())
    }
}

#[test]
fn serve_drives_a_popup_one_input_at_a_time() {
    let mut s = Serve::start();
    let ready = s.send(&json!({"seed": 3,
        "apps": [{"name": "shop", "packages": ["jsapi_basic"]}],
        "users": [{"name": "alice"}, {"name": "bob"}]}));
    assert_eq!(ready["ready"]["users"], json!(["alice", "bob"]));

    // The popup shows at the invocation; nothing fires yet.
    let invoked = s.send(&json!({"op": "call.invoke", "user": "alice", "app": "shop",
        "scopes": "auth_user", "save": "c1"}));
    assert_eq!(invoked["index"], 1);
    assert_eq!(invoked["outcome"], "pending");
    assert_eq!(invoked["popups"], 1);
    assert_eq!(invoked["result"], json!({}));

    // The driver looks at the popup and answers; the network has not answered yet.
    let early = s.send(
        &json!({"op": "call.network", "call": "$c1", "network": "ok",
        "expect": {"outcome": "refused"}}),
    );
    assert_eq!(early["index"], 2);
    assert_eq!(early["outcome"], "refused");
    assert_eq!(
        early["result"]["refused"],
        "call #0: the popup is waiting for the user's decision (state prompting)"
    );
    assert!(early.get("expectationsFailed").is_none(), "{early}");

    // A reference to a call never started: an error line, nothing played.
    let bad = s.send(&json!({"op": "call.decide", "call": "$c9", "decision": "accept"}));
    let msg = bad["error"].as_str().expect("an error line");
    assert!(msg.contains(r#"step 3: "$c9" was never saved"#), "{msg}");

    let accepted = s.send(&json!({"op": "call.decide", "call": "$c1", "decision": "accept"}));
    assert_eq!(accepted["index"], 3, "the bad line did not count");
    assert_eq!(accepted["outcome"], "pending");
    assert_eq!(accepted["popups"], 0);

    let done = s.send(
        &json!({"op": "call.network", "call": "$c1", "network": "ok",
        "save": "r1"}),
    );
    assert_eq!(done["outcome"], "success");
    let code = done["result"]["authCode"].as_str().expect("an auth code");
    assert!(!code.is_empty());

    // Deciding after the end: refused, and an expectation saying otherwise fails.
    let late = s.send(
        &json!({"op": "call.decide", "call": "$c1", "decision": "deny",
        "expect": {"outcome": "fail"}}),
    );
    assert_eq!(late["outcome"], "refused");
    assert_eq!(
        late["result"]["refused"],
        r#"no call #0 is in flight (the call $c1 ended at step 4)"#
    );
    assert_eq!(
        late["expectationsFailed"],
        json!([r#"expected outcome "fail", got "refused""#])
    );

    let token = s.send(&json!({"op": "alipay.system.oauth.token", "app": "shop",
        "grant_type": "authorization_code", "code": "$r1.authCode"}));
    assert_eq!(token["outcome"], "ok");

    let (summary, code) = s.finish();
    assert_eq!(code, Some(0));
    assert_eq!(summary["summary"]["popups"], 1);
    assert_eq!(summary["summary"]["expectationsFailed"], 1);
}

fn run(scenario: &Value, json_out: bool) -> (Option<i32>, String, String) {
    let mut args = vec!["run", "-"];
    if json_out {
        args.push("--json");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_authsim"))
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(scenario.to_string().as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn with_steps(steps: Value) -> Value {
    json!({"apps": [{"name": "shop", "packages": ["jsapi_basic"]}],
           "users": [{"name": "alice"}], "steps": steps})
}

/// Exit 2 and one line on standard error containing `want`.
fn rejected(steps: Value, want: &str) {
    let (code, stdout, stderr) = run(&with_steps(steps), false);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(want), "{stderr:?} lacks {want:?}");
}

#[test]
fn call_references_are_checked_before_running() {
    let invoke = json!({"op": "call.invoke", "user": "alice", "app": "shop", "save": "c1"});
    rejected(
        json!([invoke, {"op": "call.decide", "call": "$c2", "decision": "accept"}]),
        r#"step 2: "$c2" was never saved"#,
    );
    rejected(
        json!([{"op": "call.network", "call": "$c1", "network": "ok"}, invoke]),
        r#"step 1: "$c1" was never saved"#,
    );
    rejected(
        json!([invoke, {"op": "call.decide", "call": "c1", "decision": "accept"}]),
        r#"step 2: call "c1" must be "$name""#,
    );
    rejected(
        json!([invoke, {"op": "call.decide", "call": "$c1.authCode", "decision": "accept"}]),
        r#"step 2: call "$c1.authCode" must be "$name""#,
    );
    rejected(
        json!([{"op": "my.getAuthCode", "user": "alice", "app": "shop", "save": "g"},
               {"op": "call.network", "call": "$g", "network": "ok"}]),
        r#"step 2: "$g" names step 1 (my.getAuthCode), not a call.invoke step"#,
    );
    rejected(
        json!([{"op": "call.invoke", "user": "alice", "app": "shop", "decision": "deny"}]),
        r#"step 1: unknown field "decision""#,
    );
    rejected(
        json!([invoke, {"op": "call.decide", "call": "$c1"}]),
        r#"step 2: missing field "decision""#,
    );
    rejected(
        json!([{"op": "my.getAuthCode", "user": "alice", "app": "shop",
                "expect": {"outcome": "refused"}}]),
        r#"step 1: outcome "refused" never happens for my.getAuthCode"#,
    );
    rejected(
        json!([{"op": "call.invoke", "user": "alice", "app": "shop",
                "expect": {"outcome": "refused"}}]),
        r#"step 1: outcome "refused" never happens for call.invoke"#,
    );
    rejected(
        json!([{"op": "clock.advance", "seconds": 1, "expect": {"outcome": "pending"}}]),
        r#"step 1: outcome "pending" never happens for clock.advance"#,
    );
}

#[test]
fn a_refusal_without_expect_is_reported_but_not_a_failure() {
    let steps = json!([
        {"op": "call.invoke", "user": "alice", "app": "shop", "save": "c1"},
        {"op": "call.decide", "call": "$c1", "decision": "accept"},
        {"op": "call.network", "call": "$c1", "network": "fail"},
        {"op": "call.network", "call": "$c1", "network": "ok"}
    ]);
    let (code, stdout, stderr) = run(&with_steps(steps.clone()), true);
    assert_eq!(code, Some(0), "{stderr}");
    let trace: Value = serde_json::from_str(&stdout).unwrap();
    let outcomes: Vec<&str> = trace["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["pending", "refused", "fail", "refused"]);
    assert_eq!(trace["steps"][2]["result"]["error"], 10);
    // Same bytes twice (R-DET-SEED).
    assert_eq!(run(&with_steps(steps.clone()), true).1, stdout);

    let (code, table, _) = run(&with_steps(steps), false);
    assert_eq!(code, Some(0));
    assert!(
        table.contains("call.invoke $c1 alice/shop (no scopes)"),
        "{table}"
    );
    assert!(table.contains("call.decide $c1 accept"), "{table}");
    assert!(table.contains("call.network $c1 network fail"), "{table}");
    assert!(table.contains("refused inputs:\n  step 2: call #0: the request is waiting for the network (state requesting)\n  step 4: no call #0 is in flight (the call $c1 ended at step 3)\n"), "{table}");
}
