//! A running `authsim serve --http` for the HTTP tests: started on a loopback port, driven with
//! ureq, stopped with SIGTERM (and killed if it does not stop by itself within 10 s).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use authsim_cli::wire;
use serde_json::{Value, json};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn key(name: &str) -> String {
    std::fs::read_to_string(repo().join("keys").join(name)).expect("test key")
}

pub struct Server {
    pub child: Child,
    pub url: String,
    pub agent: ureq::Agent,
}

impl Server {
    /// `authsim serve --http 127.0.0.1:0` with these extra arguments.
    pub fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_authsim"))
            .args(["serve", "--http", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("a first line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_owned();
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(20))
            .build();
        Server { child, url, agent }
    }

    /// Stops it with SIGTERM and waits (at most 10 s) for it to end by itself.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not stop within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// (status, body) of a POST.
    pub fn post(&self, path: &str, content_type: &str, body: &str) -> (u16, String) {
        let r = self
            .agent
            .post(&format!("{}{path}", self.url))
            .set("Content-Type", content_type)
            .send_string(body);
        read(r)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        read(self.agent.get(&format!("{}{path}", self.url)).call())
    }

    pub fn world(&self, header: &Value) -> Value {
        let (status, body) = self.post("/sim/world", "application/json", &header.to_string());
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    pub fn step(&self, step: &Value) -> Value {
        let (status, body) = self.post("/sim/steps", "application/json", &step.to_string());
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// A gateway call signed with `private_key` (PEM), common parameters in the query string
    /// and business parameters in the form body, as the official SDKs send them.
    pub fn gateway(
        &self,
        app_id: &str,
        method: &str,
        biz: &[(&str, &str)],
        private_key: &str,
    ) -> (u16, String) {
        let mut query = common(app_id, method);
        let key = wire::private_key(private_key).unwrap();
        let content = wire::request_sign_content(
            query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .chain(biz.iter().copied()),
        );
        query.push(("sign".into(), wire::sign(&key, &content)));
        self.raw_gateway(&query, biz)
    }

    /// A gateway call with exactly these parameters.
    pub fn raw_gateway(&self, query: &[(String, String)], biz: &[(&str, &str)]) -> (u16, String) {
        let q = encode(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let b = encode(biz.iter().copied());
        self.post(
            &format!("/gateway.do?{q}"),
            "application/x-www-form-urlencoded;charset=utf-8",
            &b,
        )
    }

    /// Sends raw bytes on a fresh connection; the raw answer (connection closed by us after
    /// `Connection: close`, read with a 10 s timeout).
    pub fn raw(&self, request: &[u8]) -> String {
        let addr = self.url.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.write_all(request);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    pub fn trace(&self) -> Value {
        let (status, body) = self.get("/sim/trace");
        assert_eq!(status, 200);
        serde_json::from_str(&body).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read(r: Result<ureq::Response, ureq::Error>) -> (u16, String) {
    match r {
        Ok(resp) => (resp.status(), resp.into_string().unwrap()),
        Err(ureq::Error::Status(code, resp)) => (code, resp.into_string().unwrap()),
        Err(e) => panic!("transport error: {e}"),
    }
}

pub fn common(app_id: &str, method: &str) -> Vec<(String, String)> {
    [
        ("app_id", app_id),
        ("method", method),
        ("format", "JSON"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", "2026-12-03 10:00:00"),
        ("version", "1.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub fn encode<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The world most HTTP tests use: two personal apps (the second for cross-app checks), a
/// legacy app with `member_info`, an enterprise app with an AES key; alice has every field.
pub fn world() -> Value {
    json!({
        "seed": 11,
        "apps": [
            {"name": "shop", "packages": ["jsapi_basic", "member_basic_info"]},
            {"name": "other", "packages": ["jsapi_basic", "member_basic_info"]},
            {"name": "legacy", "packages": ["jsapi_basic", "member_info"]},
            {"name": "corp", "packages": ["jsapi_basic", "phone_number"], "enterprise": true,
             "aesKey": key("app-test-aes.txt").trim()}
        ],
        "users": [{"name": "alice", "nickName": "Alice", "avatar": "https://example.com/a.png", "mobile": "13800000000"}]
    })
}

/// The gateway answer's `(key, inner text, sign)`, cut from the raw body as the SDKs do.
pub fn signed_parts(body: &str) -> (String, String, String) {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let obj = v.as_object().unwrap();
    let key = obj
        .keys()
        .find(|k| k.ends_with("_response"))
        .unwrap()
        .clone();
    let start = body.find(&format!("\"{key}\":")).unwrap() + key.len() + 3;
    let end = body.rfind(",\"sign\":").unwrap();
    (
        key,
        body[start..end].to_owned(),
        obj["sign"].as_str().unwrap().to_owned(),
    )
}
