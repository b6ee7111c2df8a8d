//! `POST /gateway.do`: the OpenAPI gateway's request checks, in Alipay's order, before a request
//! reaches the model (SPEC R-HTTP-CHECKS). A request refused here changes nothing and is not a
//! step of the trace; a request that passes becomes one scenario step, played by the model.

use serde_json::{Value, json};

use crate::wire::{Wire, request_sign_content, request_sign_content_keeping_empty, verify};

/// The methods the gateway serves.
pub const METHODS: [&str; 2] = ["alipay.system.oauth.token", "alipay.user.info.share"];

/// The protocol errors of the gateway: `sub_code`, `code`, `msg`, `sub_msg`, in the order the
/// checks run (SPEC R-HTTP-CHECKS lists the same table; a test ties the two).
pub const PROTOCOL_ERRORS: [(&str, &str, &str, &str); 10] = [
    (
        "isv.missing-method",
        "40001",
        "Missing Required Arguments",
        "缺少方法名参数",
    ),
    (
        "isv.missing-app-id",
        "40001",
        "Missing Required Arguments",
        "缺少AppID参数",
    ),
    (
        "isv.missing-signature",
        "40001",
        "Missing Required Arguments",
        "缺少签名参数",
    ),
    (
        "isv.missing-signature-type",
        "40001",
        "Missing Required Arguments",
        "缺少签名类型参数",
    ),
    (
        "isv.missing-timestamp",
        "40001",
        "Missing Required Arguments",
        "缺少时间戳参数",
    ),
    (
        "isv.invalid-method",
        "40002",
        "Invalid Arguments",
        "不存在的方法名",
    ),
    (
        "isv.invalid-app-id",
        "40002",
        "Invalid Arguments",
        "无效的AppID参数",
    ),
    (
        "isv.invalid-signature-type",
        "40002",
        "Invalid Arguments",
        "无效的签名类型",
    ),
    (
        "isv.invalid-timestamp",
        "40002",
        "Invalid Arguments",
        "非法的时间戳参数",
    ),
    (
        "isv.invalid-signature",
        "40002",
        "Invalid Arguments",
        "验签出错",
    ),
];

/// The rows of [`PROTOCOL_ERRORS`] by the check that gives them (the table is in check order).
const MISSING: [(&str, usize); 5] = [
    ("method", 0),
    ("app_id", 1),
    ("sign", 2),
    ("sign_type", 3),
    ("timestamp", 4),
];
const INVALID_METHOD: usize = 5;
const INVALID_APP_ID: usize = 6;
const INVALID_SIGNATURE_TYPE: usize = 7;
const INVALID_TIMESTAMP: usize = 8;
const INVALID_SIGNATURE: usize = 9;

/// The `error_response` object of row `row` of [`PROTOCOL_ERRORS`] (a [`Checked::Refused`]).
pub fn error_body(row: usize) -> Value {
    let (sub, code, msg, sub_msg) = PROTOCOL_ERRORS[row];
    json!({"code": code, "msg": msg, "sub_code": sub, "sub_msg": sub_msg})
}

/// The request's parameters, query string and form body together, in arrival order.
pub type Params = Vec<(String, String)>;

fn get<'a>(params: &'a Params, key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// `yyyy-MM-dd HH:mm:ss` with a real month, day, hour, minute and second.
pub fn timestamp_ok(ts: &str) -> bool {
    let b = ts.as_bytes();
    if b.len() != 19 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let shape = b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':' && b[16] == b':';
    let (Some(_), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    shape && (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s < 60
}

/// The request signature covers every parameter received but `sign`, sorted by key, values as
/// sent; the official SDKs sign parameters with empty values too, Alipay's Java SDK leaves them
/// out: either form is accepted (SPEC R-HTTP-CHECKS).
fn signature_ok(params: &Params, key: &crate::wire::PublicKey) -> bool {
    let sign = get(params, "sign").unwrap_or_default();
    let pairs = || params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    verify(key, &request_sign_content_keeping_empty(pairs()), sign)
        || verify(key, &request_sign_content(pairs()), sign)
}

/// What the gateway does with a request.
#[derive(Debug, PartialEq)]
pub enum Checked {
    /// Refused before the model: this row of [`PROTOCOL_ERRORS`].
    Refused(usize),
    /// Passed: the scenario step to play (values literal, `$` escaped), for the app named.
    Step(Value),
}

/// Runs the protocol checks in order against the world's apps.
pub fn check(params: &Params, wire: &Wire) -> Checked {
    for (key, row) in MISSING {
        if get(params, key).is_none() {
            return Checked::Refused(row);
        }
    }
    let method = get(params, "method").unwrap_or_default();
    if !METHODS.contains(&method) {
        return Checked::Refused(INVALID_METHOD);
    }
    let app_id = get(params, "app_id").unwrap_or_default();
    let Some(app) = wire.app_by_id(app_id) else {
        return Checked::Refused(INVALID_APP_ID);
    };
    if get(params, "sign_type") != Some("RSA2") {
        return Checked::Refused(INVALID_SIGNATURE_TYPE);
    }
    if !timestamp_ok(get(params, "timestamp").unwrap_or_default()) {
        return Checked::Refused(INVALID_TIMESTAMP);
    }
    if !signature_ok(params, &app.public_key) {
        return Checked::Refused(INVALID_SIGNATURE);
    }
    // Values are taken literally: one that starts with `$` is escaped so the scenario reader
    // does not take it for a reference (SPEC §8.3).
    let literal = |key: &str| {
        let v = get(params, key).unwrap_or_default();
        Value::from(if v.starts_with('$') {
            format!("${v}")
        } else {
            v.to_owned()
        })
    };
    let step = if method == "alipay.system.oauth.token" {
        let mut step = json!({
            "op": method,
            "app": app.name,
            "grant_type": get(params, "grant_type").unwrap_or_default(),
        });
        for key in ["code", "refresh_token"] {
            if get(params, key).is_some() {
                step[key] = literal(key);
            }
        }
        step
    } else {
        json!({"op": method, "app": app.name, "auth_token": literal("auth_token")})
    };
    Checked::Step(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_checked_by_shape_and_range() {
        assert!(timestamp_ok("2026-12-03 09:59:59"));
        assert!(!timestamp_ok("2026-12-03T09:59:59"));
        assert!(!timestamp_ok("2026-13-03 09:59:59"));
        assert!(!timestamp_ok("2026-12-03 24:00:00"));
        assert!(!timestamp_ok("2026-12-3 09:59:59"));
        assert!(!timestamp_ok("１０２６-12-03 09:59:5"));
    }
}
