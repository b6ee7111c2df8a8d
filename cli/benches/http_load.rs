//! Load over loopback: signed code exchanges (codes issued and requests signed beforehand, so
//! the server's own work is measured), and the full login flow (`POST /sim/steps` my.getAuthCode, then a signed
//! `POST /gateway.do` code exchange, as an SDK sends it) with 1 and 32 concurrent clients, and
//! the same flows through `serve --stdio`'s driver for comparison. Prints flows/s and p50/p99
//! latency per flow. Run: `cargo bench -p authsim-cli --bench http_load` (about 15 s).
//!
//! Client and server share this machine's cores, so the figures include the clients' own
//! RSA signing (one 2048-bit signature per exchange, as the SDK makes), as a real CI job would.

use std::io::BufReader;
use std::time::{Duration, Instant};

use authsim_cli::wire;
use serde_json::{Value, json};

const WORLD: &str = r#"{"seed": 1, "apps": [{"name": "shop", "packages": ["jsapi_basic"]}], "users": [{"name": "alice"}]}"#;

fn keyfile(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../keys")
            .join(name),
    )
    .unwrap()
}

fn start() -> (String, tokio::runtime::Runtime) {
    let header = authsim::scenario::parse_header(WORLD).unwrap();
    let router = authsim_cli::http::router(header, None).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(async move { axum::serve(listener, router).await });
    (url, rt)
}

/// `POST /sim/steps` my.getAuthCode: the code.
fn login(agent: &ureq::Agent, url: &str) -> String {
    let step: Value = agent
        .post(&format!("{url}/sim/steps"))
        .send_string(
            r#"{"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_base"}"#,
        )
        .unwrap()
        .into_json()
        .unwrap();
    step["result"]["authCode"].as_str().unwrap().to_owned()
}

/// The signed exchange request for `code`: (query string, form body), as the Node SDK sends it.
fn signed_exchange(app_id: &str, key: &wire::PrivateKey, code: &str) -> (String, String) {
    let mut q: Vec<(String, String)> = [
        ("app_id", app_id),
        ("method", "alipay.system.oauth.token"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", "2026-12-03 10:00:00"),
        ("version", "1.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let content = wire::request_sign_content(
        q.iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain([("grant_type", "authorization_code"), ("code", code)]),
    );
    q.push(("sign".into(), wire::sign(key, &content)));
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &q {
        query.append_pair(k, v);
    }
    (
        query.finish(),
        format!("grant_type=authorization_code&code={code}"),
    )
}

/// `POST /gateway.do`: one exchange, checked to succeed.
fn exchange(agent: &ureq::Agent, url: &str, (query, form): &(String, String)) {
    let body = agent
        .post(&format!("{url}/gateway.do?{query}"))
        .set(
            "Content-Type",
            "application/x-www-form-urlencoded;charset=utf-8",
        )
        .send_string(form)
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        body.starts_with("{\"alipay_system_oauth_token_response\""),
        "{body}"
    );
}

/// The whole flow as a client lives it: log in, sign the exchange, send it.
fn flow(agent: &ureq::Agent, url: &str, app_id: &str, key: &wire::PrivateKey) -> Duration {
    let t = Instant::now();
    let code = login(agent, url);
    exchange(agent, url, &signed_exchange(app_id, key, &code));
    t.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(label: &str, clients: usize, mut latencies: Vec<Duration>, elapsed: f64) {
    latencies.sort();
    println!(
        "{label} {clients:>2} clients: {:>6} in {elapsed:.2} s = {:>7.0}/s; latency p50 {:>6.2} ms, p99 {:>6.2} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    );
}

/// Server capacity for signed code exchanges: codes issued and requests signed beforehand (the
/// clients' RSA work off the clock), then `clients` threads send `per_client` exchanges each.
fn exchanges(clients: usize, per_client: usize) {
    let (url, rt) = start();
    let key = wire::private_key(&keyfile("app-test-private.pem")).unwrap();
    let header = authsim::scenario::parse_header(WORLD).unwrap();
    let app_id = wire::app_ids(&header)[0].clone();
    let agent = ureq::AgentBuilder::new().build();
    let requests: Vec<Vec<(String, String)>> = (0..clients)
        .map(|_| {
            (0..per_client)
                .map(|_| signed_exchange(&app_id, &key, &login(&agent, &url)))
                .collect()
        })
        .collect();
    let started = Instant::now();
    let latencies: Vec<Duration> = std::thread::scope(|s| {
        let hs: Vec<_> = requests
            .iter()
            .map(|mine| {
                let url = &url;
                s.spawn(move || {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(30))
                        .build();
                    mine.iter()
                        .map(|r| {
                            let t = Instant::now();
                            exchange(&agent, url, r);
                            t.elapsed()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    report(
        "signed exchanges",
        clients,
        latencies,
        started.elapsed().as_secs_f64(),
    );
    drop(rt);
}

fn http(clients: usize, seconds: f64) {
    let (url, rt) = start();
    let key = wire::private_key(&keyfile("app-test-private.pem")).unwrap();
    let header = authsim::scenario::parse_header(WORLD).unwrap();
    let app_id = wire::app_ids(&header)[0].clone();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let latencies: Vec<Duration> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..clients)
            .map(|_| {
                let (url, app_id, key) = (&url, &app_id, &key);
                s.spawn(move || {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(30))
                        .build();
                    let mut l = Vec::new();
                    while Instant::now() < deadline {
                        l.push(flow(&agent, url, app_id, key));
                    }
                    l
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    report(
        "full flows (client signs)",
        clients,
        latencies,
        started.elapsed().as_secs_f64(),
    );
    drop(rt);
}

fn stdio(flows: usize) {
    let mut input = String::from(WORLD);
    input.push('\n');
    for i in 0..flows {
        input.push_str(&json!({"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "auth_base", "save": format!("c{i}")}).to_string());
        input.push('\n');
        input.push_str(&json!({"op": "alipay.system.oauth.token", "app": "shop", "grant_type": "authorization_code", "code": format!("$c{i}.authCode")}).to_string());
        input.push('\n');
    }
    let started = Instant::now();
    let mut out = Vec::new();
    authsim_cli::serve_stdio::serve(BufReader::new(input.as_bytes()), &mut out).unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 2 * flows + 2);
    println!(
        "stdio  1 client : {flows:>6} flows in {elapsed:.2} s = {:>7.0} flows/s (unsigned: the model and JSON only)",
        flows as f64 / elapsed
    );
}

fn sign_cost() {
    let alipay = wire::private_key(&keyfile("alipay-test-private.pem")).unwrap();
    let public = wire::public_key(&keyfile("alipay-test-public.pem")).unwrap();
    let text = r#"{"user_id":"2088000000000000","open_id":"x","access_token":"authbseB0","expires_in":1296000}"#;
    let n = 200;
    let t = Instant::now();
    let mut sig = String::new();
    for _ in 0..n {
        sig = wire::sign(&alipay, text);
    }
    let sign = t.elapsed().as_secs_f64() / n as f64;
    let t = Instant::now();
    for _ in 0..n {
        assert!(wire::verify(&public, text, &sig));
    }
    let verify = t.elapsed().as_secs_f64() / n as f64;
    println!(
        "rsa2048: sign {:.3} ms, verify {:.3} ms (one core)",
        sign * 1e3,
        verify * 1e3
    );
}

fn main() {
    // `cargo test --benches` passes --bench-less args; run a token amount then.
    let quick =
        std::env::args().any(|a| a == "--test") || std::env::var_os("AUTHSIM_LOAD_QUICK").is_some();
    let secs = if quick { 0.3 } else { 5.0 };
    sign_cost();
    stdio(if quick { 1000 } else { 100_000 });
    http(1, secs);
    http(32, secs);
    let per_client = if quick { 10 } else { 250 };
    exchanges(1, per_client * 8);
    exchanges(32, per_client);
}
