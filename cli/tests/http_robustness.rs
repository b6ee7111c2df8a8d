//! `authsim serve --http` under malformed HTTP, hostile bodies and connection storms: every bad
//! request gets a 4xx with a one-line reason and changes nothing; afterwards the server still
//! answers and its trace holds exactly the accepted steps, in an order that replays
//! (R-HTTP-MALFORMED, R-HTTP-ORDER).

mod common;

use std::io::Write;
use std::net::TcpStream;

use common::{Server, key, world};
use serde_json::{Value, json};

fn status_line(raw: &str) -> &str {
    raw.lines().next().unwrap_or("")
}

fn body_of(raw: &str) -> &str {
    raw.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// R-HTTP-MALFORMED: wrong verbs, wrong content types, oversized bodies, invalid UTF-8,
/// repeated parameters and unknown paths are 4xx with one line, and nothing is played.
#[test]
fn r_http_malformed_requests_get_a_one_line_4xx_and_change_nothing() {
    let server = Server::start(&[]);
    server.world(&world());
    let host = server.url.trim_start_matches("http://").to_owned();
    let req = |head: &str, body: &[u8]| {
        let mut r = format!(
            "{head}\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        server.raw(&r)
    };
    let cases: Vec<(&str, String)> = vec![
        ("405", req("GET /gateway.do HTTP/1.1", b"")),
        ("405", req("PUT /sim/steps HTTP/1.1", b"{}")),
        ("405", req("POST /sim/trace HTTP/1.1", b"")),
        ("404", req("POST /nowhere HTTP/1.1", b"")),
        (
            "415",
            req(
                "POST /gateway.do HTTP/1.1\r\nContent-Type: application/json",
                b"{\"method\":\"x\"}",
            ),
        ),
        ("400", req("POST /gateway.do?method=%FF HTTP/1.1", b"")),
        (
            "400",
            req(
                "POST /gateway.do HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
                b"code=%C3%28",
            ),
        ),
        (
            "400",
            req("POST /gateway.do?app_id=1&app_id=2 HTTP/1.1", b""),
        ),
        (
            "400",
            req(
                "POST /sim/steps HTTP/1.1\r\nContent-Type: application/json",
                b"{\"op\": \"\xff\"}",
            ),
        ),
        (
            "400",
            req(
                "POST /sim/steps HTTP/1.1\r\nContent-Type: application/json",
                b"{\"op\": \"my.getAuthCode\"",
            ),
        ),
        (
            "400",
            req(
                "POST /sim/world HTTP/1.1\r\nContent-Type: application/json",
                b"[1, 2]",
            ),
        ),
        (
            "413",
            req(
                "POST /gateway.do HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
                &vec![b'a'; (1 << 20) + 1],
            ),
        ),
        (
            "413",
            req(
                "POST /sim/steps HTTP/1.1\r\nContent-Type: application/json",
                &vec![b' '; (1 << 20) + 1],
            ),
        ),
    ];
    for (i, (want, raw)) in cases.iter().enumerate() {
        let line = status_line(raw);
        assert!(
            line.split_whitespace().nth(1) == Some(want),
            "case {i}: wanted {want}, got {line:?}\n{raw}"
        );
        let body = body_of(raw).trim_end_matches('\n');
        assert!(
            !body.is_empty() && !body.contains('\n'),
            "case {i}: one line of reason, got {body:?}"
        );
    }
    assert_eq!(server.trace()["steps"], json!([]));
    server.stop();
}

/// R-HTTP-ABSOLUTE: the Python SDK sends an absolute-form request target
/// (`POST http://host:port/gateway.do?… HTTP/1.1`); it reaches the gateway.
#[test]
fn r_http_absolute_form_targets_reach_the_gateway() {
    let server = Server::start(&[]);
    let host = server.url.trim_start_matches("http://").to_owned();
    let raw = server.raw(format!("POST http://{host}/gateway.do?method=alipay.system.oauth.token HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").as_bytes());
    assert!(status_line(&raw).contains(" 200 "), "{raw}");
    assert!(body_of(&raw).contains("isv.missing-app-id"), "{raw}");
    server.stop();
}

/// R-HTTP-ORDER: thousands of connections opened and dropped (some mid-request), hostile bodies
/// and 16 clients playing steps and gateway requests at once: the server keeps answering, every
/// accepted request is exactly one step, and the recorded scenario replays to the same trace.
#[test]
fn r_http_connection_storms_and_concurrency_keep_the_trace_exact() {
    let server = Server::start(&[]);
    let ready = server.world(&world());
    let shop = ready["ready"]["appIds"]["shop"]
        .as_str()
        .unwrap()
        .to_owned();
    let addr = server.url.trim_start_matches("http://").to_owned();
    // Connection storm: 4 rounds of 500 connections held open at once, then dropped; every
    // other one leaves half a request behind.
    for round in 0..4 {
        let mut held = Vec::new();
        for i in 0..500 {
            let Ok(mut s) = TcpStream::connect(&addr) else {
                continue;
            };
            if i % 2 == round % 2 {
                let _ =
                    s.write_all(b"POST /sim/steps HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"op\":");
            }
            held.push(s);
        }
        drop(held);
    }
    // Concurrency: 16 threads, each 10 logins and 10 redemptions of its own codes.
    let app_key = key("app-test-private.pem");
    let accepted = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let (server, shop, app_key) = (&server, &shop, &app_key);
                scope.spawn(move || {
                    let mut n = 0;
                    for _ in 0..10 {
                        let c = server.step(&json!({"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_base"}));
                        let code = c["result"]["authCode"].as_str().unwrap().to_owned();
                        let (status, body) = server.gateway(shop, "alipay.system.oauth.token", &[("grant_type", "authorization_code"), ("code", &code)], app_key);
                        assert_eq!(status, 200);
                        assert!(body.contains("alipay_system_oauth_token_response"), "{body}");
                        // A hostile request in between is refused without a step.
                        let (status, _) = server.post("/sim/steps", "application/json", "{\"op\": 1}");
                        assert_eq!(status, 400);
                        n += 2;
                    }
                    n
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum::<usize>()
    });
    let trace = server.trace();
    let steps = trace["steps"].as_array().unwrap();
    assert_eq!(steps.len(), accepted);
    for (i, s) in steps.iter().enumerate() {
        assert_eq!(s["index"], Value::from(i + 1));
        assert!(
            matches!(s["outcome"].as_str(), Some("success" | "ok")),
            "{s}"
        );
    }
    // Every code was redeemed once, by the thread that got it: half the steps are successful
    // exchanges, each after its own login.
    let exchanges = steps
        .iter()
        .filter(|s| s["op"] == "alipay.system.oauth.token")
        .count();
    assert_eq!(exchanges, accepted / 2);
    // Still answering, and the recording replays.
    let (_, scenario) = server.get("/sim/scenario");
    let (_, text) = server.get("/sim/trace");
    let dir = std::env::temp_dir().join(format!("authsim-http-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s.json"), &scenario).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_authsim"))
        .args(["run", "--json"])
        .arg(dir.join("s.json"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout) == text);
    std::fs::remove_dir_all(&dir).unwrap();
    server.stop();
}
