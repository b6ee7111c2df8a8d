//! SPEC.md's tables and the source's one copy of each are the same rows, in the same order, in
//! both directions (issue 13): a row added, removed or reworded on either side fails here. The
//! tables are read from SPEC.md (`common/spec_md.rs`), never repeated in this file.

#[path = "common/spec_md.rs"]
mod spec_md;

use std::path::Path;

use authsim::call::REFUSALS;
use authsim::error_codes::{ClientError, Dialect, GatewayError, ResponseError};
use authsim::findings::FindingId;
use authsim::member::ButtonError;

fn spec() -> String {
    spec_md::read(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// The first `n` cells of each row.
fn first(rows: Vec<Vec<String>>, n: usize) -> Vec<Vec<String>> {
    rows.into_iter().map(|r| r[..n].to_vec()).collect()
}

/// The cells at `cols` of each row.
fn pick(rows: Vec<Vec<String>>, cols: &[usize]) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|r| cols.iter().map(|&c| r[c].clone()).collect())
        .collect()
}

fn serde_name<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("a unit variant serializes as its name")
}

/// R-ERROR-TABLE: §2.4's table is `ClientError`'s codes, `seeds` messages and signatures.
#[test]
fn r_error_table_spec_and_source_agree() {
    let spec = spec();
    let rows = spec_md::table(
        spec_md::section(&spec, "### 2.4"),
        &["error", "errorMessage", "signature", "when, and its source"],
    );
    let source: Vec<Vec<String>> = ClientError::ALL
        .iter()
        .map(|e| {
            vec![
                e.code().to_string(),
                e.message(Dialect::Seeds).to_owned(),
                e.signature().unwrap_or("—").to_owned(),
            ]
        })
        .collect();
    assert_eq!(first(rows, 3), source);
    // The payload is built from the same table.
    for e in ClientError::ALL {
        let fail = authsim::payload::ClientFail::new(e, Dialect::Seeds);
        assert_eq!(fail.error_message, e.message(Dialect::Seeds));
    }
}

/// R-PHONE-ERRORS, R-OPENINFO-NO-CONSENT, R-OPENINFO-NO-PACKAGE and R-BTN-POPUP: §4's tables are
/// `ResponseError`'s parts and `ButtonError`'s messages.
#[test]
fn r_phone_errors_and_r_btn_popup_tables_spec_and_source_agree() {
    let spec = spec();
    let section = spec_md::section(&spec, "## 4.");
    let rows = spec_md::table(section, &["code", "msg", "subCode", "subMsg", "when"]);
    let source: Vec<Vec<String>> = ResponseError::ALL
        .iter()
        .map(|e| {
            let (code, msg, sub_code, sub_msg) = e.parts();
            spec_md::owned([[code, msg, sub_code, sub_msg]]).remove(0)
        })
        .collect();
    assert_eq!(first(rows, 4), source);

    let rows = spec_md::table(section, &["case", "when", "errorMessage"]);
    let source: Vec<Vec<String>> = ButtonError::ALL
        .iter()
        .map(|e| vec![serde_name(e), e.message().to_owned()])
        .collect();
    assert_eq!(pick(rows, &[0, 2]), source);
    for e in ButtonError::ALL {
        let detail = e.detail();
        assert_eq!(
            (detail.kind.as_str(), detail.error_message.as_str()),
            ("getAuthorize", e.message())
        );
    }
}

/// R-DOUBLE-POPUP, R-FIND-FIRST-SCREEN, R-FIND-ONLOAD, R-FIND-ONSHOW: §5's findings table is
/// `FindingId`'s ids and messages, in the order the summary lists them.
#[test]
fn r_find_table_spec_and_source_agree() {
    let spec = spec();
    let rows = spec_md::table(spec_md::section(&spec, "## 5."), &["id", "rule", "message"]);
    let source: Vec<Vec<String>> = FindingId::ALL
        .iter()
        .map(|f| vec![f.as_str().to_owned(), f.message().to_owned()])
        .collect();
    assert_eq!(pick(rows, &[0, 2]), source);
    for f in FindingId::ALL {
        assert_eq!(serde_name(f), f.as_str());
    }
    assert!(
        FindingId::ALL.windows(2).all(|w| w[0] < w[1]),
        "the table's order is the summary's (the derived Ord)"
    );
}

/// R-GW-ERROR-SHAPE: §6's table is `GatewayError`'s parts.
#[test]
fn r_gw_error_shape_table_spec_and_source_agree() {
    let spec = spec();
    let rows = spec_md::table(
        spec_md::section(&spec, "## 6."),
        &["sub_code", "code", "msg", "sub_msg", "when"],
    );
    let source: Vec<Vec<String>> = GatewayError::ALL
        .iter()
        .map(|e| {
            let (code, msg, sub_code, sub_msg) = e.parts();
            spec_md::owned([[sub_code, code, msg, sub_msg]]).remove(0)
        })
        .collect();
    assert_eq!(first(rows, 4), source);
}

/// R-CALL-STEPWISE: §8.2's refusal table is `REFUSALS`, and the messages of refused step-wise
/// inputs are built from its rows and the sentence forms §8.2 gives.
#[test]
fn r_call_stepwise_refusal_table_spec_and_source_agree() {
    let spec = spec();
    let rows = spec_md::table(spec_md::section(&spec, "### 8.2"), &["state", "REASON"]);
    let source = spec_md::owned(REFUSALS.map(|(s, r)| [s, r]));
    assert_eq!(rows, source);
    let reason = |state: &str| {
        let row = rows
            .iter()
            .find(|r| r[0] == state)
            .expect("a row per state");
        format!("{} (state {state})", row[1])
    };

    let scenario = r#"{"seed": 1,
        "apps": [{"name": "shop", "packages": ["jsapi_basic"]}],
        "users": [{"name": "alice"}],
        "steps": [
          {"op": "call.invoke", "user": "alice", "app": "shop", "scopes": "auth_user", "save": "c1"},
          {"op": "call.network", "call": "$c1", "network": "ok"},
          {"op": "call.decide", "call": "$c1", "decision": "accept"},
          {"op": "call.decide", "call": "$c1", "decision": "accept"},
          {"op": "call.network", "call": "$c1", "network": "ok"},
          {"op": "call.network", "call": "$c1", "network": "ok"},
          {"op": "call.invoke", "user": "alice", "app": "shop", "scopes": "auth_base",
           "page": {"container": "web-view"}, "save": "c2"},
          {"op": "call.decide", "call": "$c2", "decision": "accept"},
          {"op": "call.invoke", "user": "alice", "app": "shop", "scopes": "auth_base", "save": "c3"},
          {"op": "call.decide", "call": "$c3", "decision": "accept"}
        ]}"#;
    let scenario = authsim::scenario::parse(scenario).expect("a valid scenario");
    let trace = authsim::scenario::run(&scenario).expect("it runs");
    let refused: Vec<(usize, String)> = trace
        .steps
        .iter()
        .filter_map(|s| {
            let v = serde_json::to_value(&s.result).ok()?;
            Some((s.index, v.get("refused")?.as_str()?.to_owned()))
        })
        .collect();
    let expected = vec![
        (2, format!("call #0: {}", reason("prompting"))),
        (4, format!("call #0: {}", reason("requesting"))),
        (
            6,
            "no call #0 is in flight (the call $c1 ended at step 5)".to_owned(),
        ),
        (
            8,
            "no call is in flight (the call $c2 ended at step 7, when invoked)".to_owned(),
        ),
        (10, format!("call #1: {}", reason("requesting"))),
    ];
    assert_eq!(refused, expected);
}

// --- §1.1: the random stream and the identifiers, by known answers ------------------------------

/// Plays a scenario and returns its trace as JSON.
fn play(scenario: &str) -> serde_json::Value {
    let scenario = authsim::scenario::parse(scenario).expect("a valid scenario");
    let trace = authsim::scenario::run(&scenario).expect("it runs");
    serde_json::to_value(&trace).expect("traces serialize")
}

fn hex_words<T: std::fmt::LowerHex>(words: impl IntoIterator<Item = T>, width: usize) -> String {
    words
        .into_iter()
        .map(|w| format!("{w:0width$x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The ChaCha key SPEC §1.1 derives from a seed: eight PCG32 steps, written here from the
/// SPEC's words (not rand_core's code) so that a test can prove the description right.
fn spec_key(seed: u64) -> [u32; 8] {
    let mut s = seed;
    std::array::from_fn(|_| {
        s = s
            .wrapping_mul(0x5851_F42D_4C95_7F2D)
            .wrapping_add(0xA176_54E4_6FBE_17F3);
        let x = (((s >> 18) ^ s) >> 27) as u32;
        x.rotate_right((s >> 59) as u32)
    })
}

/// The known-answer rows of §1.1 for `seed` that the library computes (`item`, `value`):
/// everything but the HTTP layer's app id, which `cli/tests/wire.rs` checks.
fn known_answers(seed: u64) -> Vec<[String; 2]> {
    use authsim::identity::{Entropy, IdentityKeys, user_id_text};
    use rand_chacha::ChaCha8Rng;
    use rand_core::SeedableRng;
    let mut e = Entropy::new(seed);
    let words: Vec<u64> = (0..8).map(|_| e.next_u64()).collect();
    let keys = IdentityKeys::draw(&mut Entropy::new(seed));
    let trace = play(&format!(
        r#"{{"seed": {seed},
        "apps": [{{"name": "a0", "packages": ["jsapi_basic"]}}, {{"name": "a1", "packages": ["jsapi_basic"]}}],
        "users": [{{"name": "u0"}}, {{"name": "u1"}}, {{"name": "u2"}}],
        "steps": [
          {{"op": "my.getAuthCode", "user": "u0", "app": "a0", "scopes": "auth_base", "save": "c"}},
          {{"op": "alipay.system.oauth.token", "app": "a0", "grant_type": "authorization_code", "code": "$c.authCode"}}
        ]}}"#
    ));
    let code = trace["steps"][0]["result"]["authCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = &trace["steps"][1]["result"]["alipay_system_oauth_token_response"];
    let text = |k: &str| token[k].as_str().unwrap().to_owned();
    assert_eq!(text("user_id"), user_id_text(keys.user_id(0)));
    assert_eq!(text("open_id"), keys.open_id(0, 0));
    vec![
        [
            "key".into(),
            hex_words(
                ChaCha8Rng::seed_from_u64(seed)
                    .get_seed()
                    .chunks(4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                8,
            ),
        ],
        ["w0 … w7".into(), hex_words(words, 16)],
        [
            "user_id of users 0, 1, 2".into(),
            (0..3)
                .map(|u| user_id_text(keys.user_id(u)))
                .collect::<Vec<_>>()
                .join(" "),
        ],
        [
            "open_id of user 0 in apps 0, 1".into(),
            format!("{} {}", keys.open_id(0, 0), keys.open_id(0, 1)),
        ],
        ["first authCode".into(), code],
        [
            "first access_token, refresh_token".into(),
            format!("{} {}", text("access_token"), text("refresh_token")),
        ],
    ]
}

/// Renders rows as SPEC.md table lines, to paste when the table is (re)written.
fn markdown(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|r| format!("| {} |\n", r.join(" | ")))
        .collect()
}

/// R-DET-SEED, R-GW-USER-ID, R-GW-OPEN-ID, R-GW-TOKEN-FIELDS: every known answer of SPEC §1.1
/// (seeds 0, 1 and 2^64−1) is what the library computes, and the library computes no row the
/// table lacks. The stream words, identifiers, code and tokens come from the real simulator.
#[test]
fn r_det_seed_known_answers_match_the_library() {
    let spec = spec();
    let section = spec_md::section(&spec, "### 1.1");
    let rows: Vec<Vec<String>> = spec_md::table(section, &["seed", "item", "value"])
        .into_iter()
        .filter(|r| !r[1].starts_with("first app_id"))
        .collect();
    let computed: Vec<Vec<String>> = ["0", "1", "18446744073709551615"]
        .iter()
        .flat_map(|s| {
            known_answers(s.parse().unwrap())
                .into_iter()
                .map(move |[item, value]| vec![s.to_string(), item, value])
        })
        .collect();
    assert_eq!(
        rows,
        computed,
        "the library's rows:\n{}",
        markdown(&computed)
    );
}

/// R-DET-SEED: SPEC §1.1's seed expansion, followed word for word, gives the key with which a
/// plain ChaCha8 (`from_seed`, stream 0, counter 0) produces the simulator's stream: the text
/// describes `seed_from_u64` exactly, for seeds across the range.
#[test]
fn r_det_seed_the_described_seed_expansion_is_the_one_used() {
    use rand_chacha::ChaCha8Rng;
    use rand_core::{Rng, SeedableRng};
    for seed in [0, 1, 2, 7, 0x0123_4567_89ab_cdef, u64::MAX - 1, u64::MAX] {
        let mut key = [0u8; 32];
        for (i, w) in spec_key(seed).iter().enumerate() {
            key[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        let mut described = ChaCha8Rng::from_seed(key);
        let mut library = authsim::identity::Entropy::new(seed);
        for i in 0..40 {
            assert_eq!(
                described.next_u64(),
                library.next_u64(),
                "seed {seed}, word {i}"
            );
        }
    }
}

/// R-GW-TOKEN-FIELDS: SPEC §1.1's `auth_start` known answers are what the gateway answers, for
/// the clock origins and clock values the table lists.
#[test]
fn r_gw_token_fields_auth_start_known_answers() {
    let spec = spec();
    let section = spec_md::section(&spec, "### 1.1");
    let rows = spec_md::table(section, &["clockOriginUnix", "clock", "auth_start"]);
    assert!(rows.len() >= 3);
    for row in rows {
        let trace = play(&format!(
            r#"{{"config": {{"clockOriginUnix": {}}},
            "apps": [{{"name": "a0", "packages": ["jsapi_basic"]}}], "users": [{{"name": "u0"}}],
            "steps": [
              {{"op": "clock.advance", "seconds": {}}},
              {{"op": "my.getAuthCode", "user": "u0", "app": "a0", "scopes": "auth_base", "save": "c"}},
              {{"op": "alipay.system.oauth.token", "app": "a0", "grant_type": "authorization_code", "code": "$c.authCode"}}
            ]}}"#,
            row[0], row[1]
        ));
        let got = &trace["steps"][2]["result"]["alipay_system_oauth_token_response"]["auth_start"];
        assert_eq!(got.as_str(), Some(row[2].as_str()), "row {row:?}");
    }
}

// --- §8.6: the bytes of a trace ------------------------------------------------------------------

/// A string's JSON text by SPEC §8.6's escaping rule, written from the SPEC's words.
fn spec_escape(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\0'..='\u{1f}' => out.push_str(&format!("\\u00{:02x}", c as u32)),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The compact form of a JSON text: its whitespace outside strings removed.
fn minify(text: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    for c in text.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c.is_ascii_whitespace() {
            continue;
        } else {
            in_string = c == '"';
        }
        out.push(c);
    }
    out
}

/// The pretty form of a compact JSON text, by SPEC §8.6's whitespace rule.
fn spec_pretty(compact: &str) -> String {
    let chars: Vec<char> = compact.chars().collect();
    let (mut out, mut depth, mut in_string, mut escaped) = (String::new(), 0usize, false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
            out.push(c);
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if !matches!(chars.get(i + 1), Some('}' | ']')) {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                if !matches!(chars[i - 1], '{' | '[') {
                    depth -= 1;
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

/// A JSON value that keeps its members in the order written (the test's own reader).
enum Json {
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
    /// A string, as its JSON text (quotes and escapes included).
    Text(String),
    Scalar,
}

fn read_json(text: &str) -> Json {
    fn value(b: &[u8], at: &mut usize) -> Json {
        match b[*at] {
            b'{' => {
                *at += 1;
                let mut members = Vec::new();
                while b[*at] != b'}' {
                    let key = string(b, at);
                    let key: String = serde_json::from_str(&key).expect("a key");
                    assert_eq!(b[*at], b':');
                    *at += 1;
                    members.push((key, value(b, at)));
                    if b[*at] == b',' {
                        *at += 1;
                    }
                }
                *at += 1;
                Json::Object(members)
            }
            b'[' => {
                *at += 1;
                let mut items = Vec::new();
                while b[*at] != b']' {
                    items.push(value(b, at));
                    if b[*at] == b',' {
                        *at += 1;
                    }
                }
                *at += 1;
                Json::Array(items)
            }
            b'"' => Json::Text(string(b, at)),
            _ => {
                while !matches!(b[*at], b',' | b'}' | b']') {
                    *at += 1;
                }
                Json::Scalar
            }
        }
    }
    fn string(b: &[u8], at: &mut usize) -> String {
        let start = *at;
        *at += 1;
        while b[*at] != b'"' {
            *at += if b[*at] == b'\\' { 2 } else { 1 };
        }
        *at += 1;
        String::from_utf8(b[start..*at].to_vec()).expect("UTF-8")
    }
    let compact = minify(text);
    let mut at = 0;
    let v = value(compact.as_bytes(), &mut at);
    assert_eq!(at, compact.len(), "one JSON value");
    v
}

/// Checks every object in `v` against §8.6's member order (`orders`: the table's rows, each
/// a list of `(member, optional)`), and every string against the escaping rule.
fn check_objects(v: &Json, parent: &str, orders: &[Vec<(String, bool)>], seen: &mut usize) {
    match v {
        Json::Object(members) => {
            *seen += 1;
            let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
            if keys == ["summary"] {
                // `serve --stdio`'s last line: every object in byte order of its names.
                let mut sorted = Vec::new();
                sorted_objects(v, &mut sorted);
                for keys in sorted {
                    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
                }
                return;
            }
            let data_order: Option<Vec<String>> = match parent {
                "authErrorScopes" => Some(
                    authsim::scope::Scope::ALL
                        .iter()
                        .map(|s| serde_name(*s))
                        .collect(),
                ),
                "findings" => Some(FindingId::ALL.iter().map(|f| f.as_str().into()).collect()),
                "appIds" => {
                    let mut sorted: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                    sorted.sort();
                    Some(sorted)
                }
                _ => None,
            };
            if let Some(order) = data_order {
                let ranks: Vec<usize> = keys
                    .iter()
                    .map(|k| order.iter().position(|o| o == k).expect("a known key"))
                    .collect();
                assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{parent}: {keys:?}");
            } else if !keys.is_empty() {
                let fits = |row: &Vec<(String, bool)>| {
                    let present: Vec<&str> = row
                        .iter()
                        .filter(|(m, optional)| !optional || keys.contains(&m.as_str()))
                        .map(|(m, _)| m.as_str())
                        .collect();
                    present == keys
                };
                assert!(
                    orders.iter().any(fits),
                    "no row of SPEC §8.6's member-order table fits the object {keys:?} (in {parent})"
                );
            }
            for (k, v) in members {
                check_objects(v, k, orders, seen);
            }
        }
        Json::Array(items) => items
            .iter()
            .for_each(|i| check_objects(i, "[]", orders, seen)),
        Json::Text(raw) => {
            let decoded: String = serde_json::from_str(raw).expect("a JSON string");
            assert_eq!(raw, &spec_escape(&decoded), "escaping of {decoded:?}");
            if parent == "response" && decoded.starts_with('{') {
                assert_eq!(minify(&decoded), decoded, "the inner document is compact");
                check_objects(&read_json(&decoded), "", orders, seen);
            }
        }
        Json::Scalar => {}
    }
}

/// The member names of every object in `v`.
fn sorted_objects(v: &Json, out: &mut Vec<Vec<String>>) {
    if let Json::Object(members) = v {
        out.push(members.iter().map(|(k, _)| k.clone()).collect());
        members.iter().for_each(|(_, v)| sorted_objects(v, out));
    }
}

/// R-DET-SEED: the trace encoding of SPEC §8.6 is the one authsim writes. The escaping rule,
/// written from the SPEC's words, equals the serializer's for every Unicode scalar value; the
/// binary's committed outputs (`tests/golden/`) are the pretty form plus one LF (`run --json`)
/// or compact lines (`serve --stdio`), with every object in an order of §8.6's table; and a
/// trace whose names of people carry quotes, backslashes, `/`, control and non-ASCII characters
/// is written exactly so, once escaped in the gateway's body and twice inside `response`.
#[test]
fn r_det_seed_trace_encoding_is_the_one_described() {
    for c in (0..=0x10_FFFFu32).filter_map(char::from_u32) {
        let s = c.to_string();
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            spec_escape(&s),
            "U+{:04X}",
            c as u32
        );
    }

    let spec = spec();
    let orders: Vec<Vec<(String, bool)>> = spec_md::table(
        spec_md::section(&spec, "### 8.6"),
        &["object", "members, in order"],
    )
    .into_iter()
    .map(|r| {
        r[1].split(", ")
            .map(|m| match m.strip_suffix('?') {
                Some(m) => (m.to_owned(), true),
                None => (m.to_owned(), false),
            })
            .collect()
    })
    .collect();
    // The scope order §8.6 gives for `authErrorScopes` is the source's canonical order.
    let section = spec_md::section(&spec, "### 8.6");
    let after = section
        .split("`authErrorScopes` lists scopes in the order")
        .nth(1)
        .expect("§8.6 gives the order of authErrorScopes");
    let list = &after[after.find('(').unwrap() + 1..after.find(')').unwrap()];
    let spec_scopes: Vec<String> = list
        .split(',')
        .map(|s| s.trim().trim_matches('`').to_owned())
        .collect();
    let source_scopes: Vec<String> = authsim::scope::Scope::ALL
        .iter()
        .map(|s| serde_name(*s))
        .collect();
    assert_eq!(spec_scopes, source_scopes);
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut seen = 0;
    for name in ["run-demo.json", "run-login.json"] {
        let text = std::fs::read_to_string(golden.join(name)).unwrap();
        assert!(!text.contains('\r'), "{name}: LF only");
        assert_eq!(
            spec_pretty(&minify(&text)) + "\n",
            text,
            "{name}: the pretty form"
        );
        check_objects(&read_json(&text), "", &orders, &mut seen);
    }
    let lines = std::fs::read_to_string(golden.join("serve-demo.out")).unwrap();
    assert!(lines.ends_with('\n') && !lines.contains('\r'));
    for line in lines.lines() {
        assert_eq!(minify(line), line, "serve --stdio lines are compact");
        check_objects(&read_json(line), "", &orders, &mut seen);
    }

    let nick = "q\"b\\s/\u{1}\u{1b}\n\t\u{7f}\u{e9}\u{4e2d}\u{1f600}\u{2028}";
    let trace = authsim::scenario::parse(&format!(
        r#"{{"apps": [{{"name": "a0", "packages": ["jsapi_basic", "member_basic_info", "member_info"]}}],
        "users": [{{"name": "u0", "nickName": {}}}],
        "steps": [
          {{"op": "button.getAuthorize", "user": "u0", "app": "a0", "scope": "userInfo"}},
          {{"op": "my.getOpenUserInfo", "user": "u0", "app": "a0"}},
          {{"op": "my.getAuthCode", "user": "u0", "app": "a0", "scopes": "auth_user", "save": "c"}},
          {{"op": "alipay.system.oauth.token", "app": "a0", "grant_type": "authorization_code",
            "code": "$c.authCode", "save": "t"}},
          {{"op": "alipay.user.info.share", "app": "a0", "auth_token": "$t.access_token"}}
        ]}}"#,
        serde_json::to_string(nick).unwrap()
    ))
    .and_then(|s| authsim::scenario::run(&s))
    .expect("the scenario runs");
    let text = serde_json::to_string_pretty(&trace).unwrap() + "\n";
    assert_eq!(spec_pretty(&minify(&text)) + "\n", text);
    check_objects(&read_json(&text), "", &orders, &mut seen);
    let once = spec_escape(nick);
    assert!(text.contains(&format!("\"nick_name\": {once}")), "{text}");
    let inner = format!("\"nickName\":{once}");
    let twice = spec_escape(&inner);
    assert!(text.contains(&twice[1..twice.len() - 1]), "{text}");
    assert!(seen > 50, "the outputs hold objects to check ({seen})");
}
