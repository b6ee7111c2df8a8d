//! `authsim serve --http`, driven over loopback as a server's SDK and a test would drive it.
//! Each test names the SPEC.md §9 rule it checks.

mod common;
#[path = "../../tests/common/spec_md.rs"]
mod spec_md;

use std::process::Command;

use authsim_cli::http::gateway::PROTOCOL_ERRORS;
use authsim_cli::wire;
use common::{Server, common, key, signed_parts, world};
use serde_json::{Value, json};

const TOKEN: &str = "alipay.system.oauth.token";
const SHARE: &str = "alipay.user.info.share";

fn ids(ready: &Value) -> (String, String, String, String) {
    let ids = &ready["ready"]["appIds"];
    let s = |n: &str| ids[n].as_str().unwrap().to_owned();
    (s("shop"), s("other"), s("legacy"), s("corp"))
}

fn code_of(step: &Value) -> String {
    step["result"]["authCode"].as_str().unwrap().to_owned()
}

fn inner(body: &str) -> Value {
    let (key, text, _) = signed_parts(body);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(key.ends_with("_response"));
    v
}

/// R-HTTP-LISTEN, R-HTTP-RECORD: one line with the real URL, a clean exit on SIGTERM, and the
/// recorded scenario written at shutdown.
#[test]
fn r_http_listen_prints_the_url_and_records_at_shutdown() {
    let dir = std::env::temp_dir().join(format!("authsim-http-listen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("recorded.json");
    let server = Server::start(&["--record", record.to_str().unwrap()]);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    assert!(!server.url.ends_with(":0"), "the real port is printed");
    let ready = server.world(&world());
    server.step(&json!({"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_base", "save": "c1"}));
    let (_, scenario) = server.get("/sim/scenario");
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    let written = std::fs::read_to_string(&record).unwrap();
    assert_eq!(written, scenario);
    let doc: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(doc["apps"][0]["appId"], ready["ready"]["appIds"]["shop"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// R-HTTP-TOKEN, R-HTTP-SIGN: a signed code exchange gives the model's token response, signed
/// with the Alipay key over the exact bytes of the object (checked here and by openssl).
#[test]
fn r_http_token_exchange_is_signed_over_the_exact_bytes() {
    let server = Server::start(&[]);
    let (shop, ..) = ids(&server.world(&world()));
    let c = server.step(
        &json!({"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_base"}),
    );
    let (status, body) = server.gateway(
        &shop,
        TOKEN,
        &[("grant_type", "authorization_code"), ("code", &code_of(&c))],
        &key("app-test-private.pem"),
    );
    assert_eq!(status, 200);
    let (k, text, sign) = signed_parts(&body);
    assert_eq!(k, "alipay_system_oauth_token_response");
    let token: Value = serde_json::from_str(&text).unwrap();
    assert!(token["user_id"].as_str().unwrap().starts_with("2088"));
    assert_eq!(token["expires_in"], 1296000);
    let (_, pem) = server.get("/alipay-public-key");
    assert_eq!(
        pem,
        std::fs::read_to_string(common::repo().join("keys/alipay-test-public.pem")).unwrap()
    );
    let public = wire::public_key(&pem).unwrap();
    assert!(wire::verify(&public, &text, &sign));
    assert!(
        !wire::verify(&public, &format!("{text} "), &sign),
        "one byte more breaks it"
    );
    // An independent implementation agrees.
    let dir = std::env::temp_dir().join(format!("authsim-http-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("data"), &text).unwrap();
    std::fs::write(dir.join("pub.pem"), &pem).unwrap();
    use base64::Engine as _;
    std::fs::write(
        dir.join("sig"),
        base64::engine::general_purpose::STANDARD
            .decode(&sign)
            .unwrap(),
    )
    .unwrap();
    let out = Command::new("openssl")
        .current_dir(&dir)
        .args([
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig",
            "data",
        ])
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    // The trace holds the same bytes.
    let trace = server.trace();
    assert_eq!(trace["steps"][1]["result"]["sign"], Value::from(sign));
    server.stop();
}

/// R-HTTP-TOKEN: replay, expiry, another app's code and refresh rotation, over HTTP, answer
/// exactly as the model does (R-GW-CODE-REPLAY, R-GW-CODE-TTL, R-GW-CODE-FOREIGN, R-GW-REFRESH).
#[test]
fn r_http_token_paths_answer_as_the_model() {
    let server = Server::start(&[]);
    let (shop, other, ..) = ids(&server.world(&world()));
    let app_key = key("app-test-private.pem");
    let redeem = |app: &str, code: &str| {
        server.gateway(
            app,
            TOKEN,
            &[("grant_type", "authorization_code"), ("code", code)],
            &app_key,
        )
    };
    let login = || {
        code_of(&server.step(
            &json!({"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_base"}),
        ))
    };

    let code = login();
    let first = inner(&redeem(&shop, &code).1);
    let replay = inner(&redeem(&shop, &code).1);
    assert_eq!(replay["sub_code"], "isv.code-invalid");

    let code = login();
    server.step(&json!({"op": "clock.advance", "seconds": 180}));
    assert_eq!(
        inner(&redeem(&shop, &code).1)["sub_code"],
        "isv.code-invalid"
    );

    let code = login();
    assert_eq!(
        inner(&redeem(&other, &code).1)["sub_code"],
        "isv.unmatched-app-id"
    );

    let code = login();
    let granted = inner(&redeem(&shop, &code).1);
    assert_eq!(
        granted["user_id"], first["user_id"],
        "one user_id per account"
    );
    let refresh = granted["refresh_token"].as_str().unwrap();
    let rotated = inner(
        &server
            .gateway(
                &shop,
                TOKEN,
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
                &app_key,
            )
            .1,
    );
    assert_ne!(rotated["refresh_token"], granted["refresh_token"]);
    let again = inner(
        &server
            .gateway(
                &shop,
                TOKEN,
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
                &app_key,
            )
            .1,
    );
    assert_eq!(again["sub_code"], "isv.refresh-token-invalid");

    // A forged code that looks like a reference is a literal, not a scenario error.
    assert_eq!(
        inner(&redeem(&shop, "$c1.authCode").1)["sub_code"],
        "isv.code-invalid"
    );
    server.stop();
}

/// R-HTTP-TOKEN: `alipay.user.info.share` with the access token of an `auth_user` grant.
#[test]
fn r_http_user_info_share() {
    let server = Server::start(&[]);
    let (_, _, legacy, _) = ids(&server.world(&world()));
    let app_key = key("app-test-private.pem");
    let c = server.step(
        &json!({"op": "my.getAuthCode", "user": "alice", "app": "legacy", "scopes": "auth_user"}),
    );
    let token = inner(
        &server
            .gateway(
                &legacy,
                TOKEN,
                &[("grant_type", "authorization_code"), ("code", &code_of(&c))],
                &app_key,
            )
            .1,
    );
    let access = token["access_token"].as_str().unwrap().to_owned();
    let mut query = common(&legacy, SHARE);
    query.push(("auth_token".into(), access));
    let content = wire::request_sign_content(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    query.push((
        "sign".into(),
        wire::sign(&wire::private_key(&app_key).unwrap(), &content),
    ));
    let (status, body) = server.raw_gateway(&query, &[]);
    assert_eq!(status, 200);
    let (k, text, _) = signed_parts(&body);
    assert_eq!(k, "alipay_user_info_share_response");
    let info: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(info["nick_name"], "Alice");
    assert_eq!(info["user_id"], token["user_id"]);
    server.stop();
}

/// R-HTTP-CHECKS: every protocol error, in order, with the table's code and messages; none of
/// them reaches the model (the trace stays empty).
#[test]
fn r_http_checks_refuse_in_order_and_change_nothing() {
    let server = Server::start(&[]);
    let (shop, ..) = ids(&server.world(&world()));
    let app_key = wire::private_key(&key("app-test-private.pem")).unwrap();
    let signed = |mut q: Vec<(String, String)>| {
        let content = wire::request_sign_content(q.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        q.push(("sign".into(), wire::sign(&app_key, &content)));
        q
    };
    let without = |key: &str| {
        signed(
            common(&shop, TOKEN)
                .into_iter()
                .filter(|(k, _)| k != key)
                .collect(),
        )
    };
    let with = |key: &str, value: &str| {
        signed(
            common(&shop, TOKEN)
                .into_iter()
                .map(|(k, v)| {
                    if k == key {
                        (k, value.to_owned())
                    } else {
                        (k, v)
                    }
                })
                .collect(),
        )
    };
    let unsigned: Vec<(String, String)> = common(&shop, TOKEN);
    let mut bad_sign = common(&shop, TOKEN);
    bad_sign.push((
        "sign".into(),
        wire::sign(
            &wire::private_key(&key("other-test-private.pem")).unwrap(),
            "x",
        ),
    ));
    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        ("isv.missing-method", without("method")),
        ("isv.missing-app-id", without("app_id")),
        ("isv.missing-signature", unsigned),
        ("isv.missing-signature-type", without("sign_type")),
        ("isv.missing-timestamp", without("timestamp")),
        ("isv.invalid-method", with("method", "alipay.trade.pay")),
        ("isv.invalid-app-id", with("app_id", "2021000000000000")),
        ("isv.invalid-signature-type", with("sign_type", "RSA")),
        (
            "isv.invalid-timestamp",
            with("timestamp", "2026/12/03 10:00:00"),
        ),
        ("isv.invalid-signature", bad_sign),
    ];
    assert_eq!(cases.len(), PROTOCOL_ERRORS.len());
    for ((sub, q), row) in cases.into_iter().zip(PROTOCOL_ERRORS) {
        assert_eq!(sub, row.0, "the cases follow the table's order");
        let (status, body) =
            server.raw_gateway(&q, &[("grant_type", "authorization_code"), ("code", "x")]);
        assert_eq!(status, 200, "{sub}: gateway errors are HTTP 200");
        let (k, text, sign) = signed_parts(&body);
        assert_eq!(k, "error_response");
        let e: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            e,
            json!({"code": row.1, "msg": row.2, "sub_code": row.0, "sub_msg": row.3}),
            "{sub}"
        );
        let public = wire::public_key(&key("alipay-test-public.pem")).unwrap();
        assert!(
            wire::verify(&public, &text, &sign),
            "{sub}: errors are signed too"
        );
    }
    // A request signed with the wrong private key (the SDK misconfigured) is refused the same way.
    let (_, body) = server.gateway(
        &shop,
        TOKEN,
        &[("grant_type", "authorization_code"), ("code", "x")],
        &key("other-test-private.pem"),
    );
    assert_eq!(inner(&body)["sub_code"], "isv.invalid-signature");
    assert_eq!(
        server.trace()["steps"],
        json!([]),
        "no refused request is a step"
    );
    server.stop();
}

/// R-HTTP-KEYS: an app's `publicKey` in PEM or bare base64 replaces the default test key.
#[test]
fn r_http_app_public_key_forms() {
    let server = Server::start(&[]);
    let pem = key("other-test-public.pem");
    let bare: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let ready = server.world(&json!({
        "apps": [
            {"name": "pem", "packages": ["jsapi_basic"], "publicKey": pem, "appId": "2021000000000001"},
            {"name": "bare", "packages": ["jsapi_basic"], "publicKey": bare}
        ],
        "users": [{"name": "u"}]
    }));
    assert_eq!(
        ready["ready"]["appIds"]["pem"], "2021000000000001",
        "a given appId is kept"
    );
    let bare_id = ready["ready"]["appIds"]["bare"]
        .as_str()
        .unwrap()
        .to_owned();
    for app in ["2021000000000001", bare_id.as_str()] {
        let (_, ok) = server.gateway(
            app,
            TOKEN,
            &[("grant_type", "authorization_code"), ("code", "nope")],
            &key("other-test-private.pem"),
        );
        assert_eq!(
            inner(&ok)["sub_code"],
            "isv.code-invalid",
            "signed with the app's own key: checked, then refused by the model"
        );
        let (_, bad) = server.gateway(
            app,
            TOKEN,
            &[("grant_type", "authorization_code"), ("code", "nope")],
            &key("app-test-private.pem"),
        );
        assert_eq!(inner(&bad)["sub_code"], "isv.invalid-signature");
    }
    let (status, body) = server.post(
        "/sim/world",
        "application/json",
        &json!({"apps": [{"name": "x", "publicKey": "not a key"}]}).to_string(),
    );
    assert_eq!(status, 400);
    assert!(body.contains("publicKey"), "{body}");
    server.stop();
}

/// R-HTTP-PHONE: with an `aesKey`, `my.getPhoneNumber`'s response is the signed, encrypted
/// message, decrypted here and by openssl; without one, the 40001 document.
#[test]
fn r_http_phone_number_is_encrypted_and_signed() {
    let server = Server::start(&[]);
    server.world(&world());
    server.step(&json!({"op": "button.getAuthorize", "user": "alice", "app": "corp", "scope": "phoneNumber"}));
    let step = server.step(&json!({"op": "my.getPhoneNumber", "user": "alice", "app": "corp"}));
    let message: Value =
        serde_json::from_str(step["result"]["response"].as_str().unwrap()).unwrap();
    assert_eq!(message["sign_type"], "RSA2");
    assert_eq!(message["encrypt_type"], "AES");
    assert_eq!(message["charset"], "UTF-8");
    let ciphertext = message["response"].as_str().unwrap();
    let public = wire::public_key(&key("alipay-test-public.pem")).unwrap();
    assert!(wire::verify(
        &public,
        &format!("\"{ciphertext}\""),
        message["sign"].as_str().unwrap()
    ));
    let aes = wire::aes_key(&key("app-test-aes.txt")).unwrap();
    let plain = wire::aes_decrypt(&aes, ciphertext).unwrap();
    assert_eq!(
        plain,
        r#"{"code":"10000","msg":"Success","mobile":"13800000000"}"#
    );
    // openssl decrypts it too.
    let dir = std::env::temp_dir().join(format!("authsim-http-aes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ct.b64"), format!("{ciphertext}\n")).unwrap();
    let hex: String = aes.iter().map(|b| format!("{b:02x}")).collect();
    let out = Command::new("openssl")
        .current_dir(&dir)
        .args([
            "enc",
            "-d",
            "-aes-128-cbc",
            "-a",
            "-A",
            "-K",
            &hex,
            "-iv",
            "00000000000000000000000000000000",
            "-in",
            "ct.b64",
        ])
        .output()
        .expect("openssl runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), plain);
    std::fs::remove_dir_all(&dir).unwrap();

    // No aesKey: the documented missing-key answer.
    server.world(&json!({"apps": [{"name": "corp", "packages": ["jsapi_basic", "phone_number"], "enterprise": true}], "users": [{"name": "alice", "mobile": "1"}]}));
    server.step(&json!({"op": "button.getAuthorize", "user": "alice", "app": "corp", "scope": "phoneNumber"}));
    let step = server.step(&json!({"op": "my.getPhoneNumber", "user": "alice", "app": "corp"}));
    let doc: Value = serde_json::from_str(step["result"]["response"].as_str().unwrap()).unwrap();
    assert_eq!(doc["response"]["subCode"], "isv.missing-encrypt-key");
    assert_eq!(doc["response"]["code"], "40001");
    server.stop();
}

/// R-HTTP-STEPS, R-HTTP-REPLAY: steps and gateway requests together; `GET /sim/scenario` replays
/// through `authsim run --json` to exactly the bytes of `GET /sim/trace`.
#[test]
fn r_http_recorded_scenario_replays_to_the_same_trace() {
    let server = Server::start(&[]);
    let (shop, ..) = ids(&server.world(&world()));
    let app_key = key("app-test-private.pem");
    let c = server.step(&json!({"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_user", "save": "c1"}));
    server.gateway(
        &shop,
        TOKEN,
        &[("grant_type", "authorization_code"), ("code", &code_of(&c))],
        &app_key,
    );
    server.step(&json!({"op": "alipay.system.oauth.token", "app": "shop", "grant_type": "authorization_code", "code": "$c1.authCode"}));
    server.step(&json!({"op": "button.getAuthorize", "user": "alice", "app": "corp", "scope": "phoneNumber"}));
    server.step(&json!({"op": "my.getPhoneNumber", "user": "alice", "app": "corp"}));
    server.step(&json!({"op": "call.invoke", "user": "alice", "app": "other", "scopes": "auth_user", "save": "h"}));
    server.step(&json!({"op": "call.decide", "call": "$h", "decision": "deny"}));
    let (_, trace) = server.get("/sim/trace");
    let (_, scenario) = server.get("/sim/scenario");
    let dir = std::env::temp_dir().join(format!("authsim-http-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("recorded.json");
    std::fs::write(&file, &scenario).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_authsim"))
        .args(["run", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout) == trace,
        "the replay differs from the trace"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    server.stop();
}

/// R-HTTP-STEPS, R-HTTP-WORLD: a bad step answers 400 with the message `serve --stdio` gives, and changes
/// nothing; a bad world answers 400 and keeps the old one.
#[test]
fn r_http_bad_steps_and_worlds_change_nothing() {
    let server = Server::start(&[]);
    server.world(&world());
    let (status, body) = server.post(
        "/sim/steps",
        "application/json",
        r#"{"op": "my.getAuthCode", "user": "nobody", "app": "shop"}"#,
    );
    assert_eq!(status, 400);
    let stdio = Command::new(env!("CARGO_BIN_EXE_authsim"))
        .args(["serve", "--stdio"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{}", world())?;
            writeln!(
                stdin,
                r#"{{"op": "my.getAuthCode", "user": "nobody", "app": "shop"}}"#
            )?;
            drop(stdin);
            child.wait_with_output()
        })
        .unwrap();
    let lines: Vec<&str> = std::str::from_utf8(&stdio.stdout)
        .unwrap()
        .lines()
        .collect();
    let stdio_error: Value = serde_json::from_str(lines[1]).unwrap();
    let http_error: Value = serde_json::from_str(&body).unwrap();
    // serve --stdio counts lines, HTTP has one body: the message after the position is the same.
    let tail = |v: &Value| {
        v["error"]
            .as_str()
            .unwrap()
            .split_once("step")
            .map(|(_, t)| t.to_owned())
            .unwrap()
    };
    assert_eq!(tail(&http_error), tail(&stdio_error));
    let (status, _) = server.post(
        "/sim/world",
        "application/json",
        r#"{"apps": [{"name": ""}]}"#,
    );
    assert_eq!(status, 400);
    server.step(
        &json!({"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_base"}),
    );
    assert_eq!(
        server.trace()["steps"].as_array().unwrap().len(),
        1,
        "the old world stayed"
    );
    server.stop();
}

/// R-HTTP-CHECKS: the table in SPEC.md §9 and the code's table are the same rows, in order;
/// R-HTTP-PHONE: the 40001 document for an app without `aesKey` is §9's, byte for byte.
#[test]
fn r_http_checks_table_in_spec_matches_the_code() {
    let spec = spec_md::read(&common::repo());
    let section = spec_md::section(&spec, "## 9.");
    let rows = spec_md::table(section, &["check", "sub_code", "code", "msg", "sub_msg"]);
    let rows: Vec<Vec<String>> = rows.into_iter().map(|r| r[1..].to_vec()).collect();
    let code = spec_md::owned(PROTOCOL_ERRORS.map(|(s, c, m, sm)| [s, c, m, sm]));
    assert_eq!(rows, code);
    assert!(
        section.contains(&format!("`{}`", wire::MISSING_ENCRYPT_KEY)),
        "SPEC.md §9 R-HTTP-PHONE gives the missing-encrypt-key document as the code writes it"
    );
}
