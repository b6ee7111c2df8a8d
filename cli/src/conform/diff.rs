//! Comparing an answer with the expected one as parsed JSON (SPEC R-CONFORM): member order and
//! whitespace are free, numbers compare by value, everything else must be equal. The first
//! difference is named by its JSON path (`$.result.authErrorScopes.auth_user`,
//! `$.findings[1]`).

use serde_json::Value;

/// Where two JSON values first differ, and what each holds there (`None`: the member or
/// element is absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The JSON path from the answer's root, `$` for the root itself.
    pub path: String,
    /// What the expected value holds there.
    pub expected: Option<Value>,
    /// What the answer holds there.
    pub got: Option<Value>,
}

/// The first place where `got` differs from `expected`, or `None` if they are equal. Members
/// are visited in name order (expected members first, then members only `got` has), elements
/// in order.
pub fn first_difference(expected: &Value, got: &Value) -> Option<Difference> {
    walk(expected, got, &mut "$".to_owned())
}

fn walk(expected: &Value, got: &Value, path: &mut String) -> Option<Difference> {
    let differs = |path: &str| {
        Some(Difference {
            path: path.to_owned(),
            expected: Some(expected.clone()),
            got: Some(got.clone()),
        })
    };
    match (expected, got) {
        (Value::Object(e), Value::Object(g)) => {
            let only_got = g.keys().filter(|k| !e.contains_key(*k));
            e.keys().chain(only_got).find_map(|k| {
                let (e, g) = (e.get(k), g.get(k));
                if k == "expectationsFailed"
                    && let (Some(Value::Array(a)), Some(Value::Array(b))) = (e, g)
                    && a.len() == b.len()
                {
                    // Their wording is implementation-defined; their number is not
                    // (R-CONFORM, R-EXPECT-COUNT).
                    return None;
                }
                under(path, |p| push_member(p, k), e, g)
            })
        }
        (Value::Array(e), Value::Array(g)) => (0..e.len().max(g.len()))
            .find_map(|i| under(path, |p| p.push_str(&format!("[{i}]")), e.get(i), g.get(i))),
        (Value::Number(a), Value::Number(b)) => {
            // Two integers are equal as serde_json keeps them; `11.0` equals `11`.
            let same = if a.is_f64() || b.is_f64() {
                a.as_f64() == b.as_f64()
            } else {
                a == b
            };
            if same { None } else { differs(path) }
        }
        _ if expected == got => None,
        _ => differs(path),
    }
}

/// The first difference under one member or element (`segment` appends it to `path`), where
/// either side may lack it.
fn under(
    path: &mut String,
    segment: impl FnOnce(&mut String),
    expected: Option<&Value>,
    got: Option<&Value>,
) -> Option<Difference> {
    let len = path.len();
    segment(path);
    let found = match (expected, got) {
        (Some(a), Some(b)) => walk(a, b, path),
        (a, b) => Some(Difference {
            path: path.clone(),
            expected: a.cloned(),
            got: b.cloned(),
        }),
    };
    path.truncate(len);
    found
}

/// `.name` for a member whose name is an identifier, `["…"]` (JSON-escaped) otherwise.
pub(crate) fn push_member(path: &mut String, key: &str) {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        path.push('.');
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&serde_json::to_string(key).unwrap_or_default());
        path.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_in_any_member_order_do_not_differ() {
        let a: Value = serde_json::from_str(r#"{"a": 1, "b": [1, {"c": "x"}]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"b": [1.0, {"c": "x"}], "a": 1}"#).unwrap();
        assert_eq!(first_difference(&a, &b), None);
    }

    /// R-CONFORM: the wording of failed expectations is implementation-defined, their number is
    /// not.
    #[test]
    fn r_conform_failed_expectations_compare_by_number_not_wording() {
        let golden = json!({"expectationsFailed": ["popups: expected 1, got 0"]});
        let same_count = json!({"expectationsFailed": ["popups want 1 have 0"]});
        assert_eq!(first_difference(&golden, &same_count), None);
        let d = first_difference(&golden, &json!({"expectationsFailed": []})).unwrap();
        assert_eq!(d.path, "$.expectationsFailed[0]");
        assert!(first_difference(&json!({"index": 1}), &golden).is_some());
    }

    #[test]
    fn the_first_difference_is_named_by_its_path() {
        let d = first_difference(
            &json!({"result": {"auth_user": "10001", "x-y": [1, 2]}}),
            &json!({"result": {"auth_user": "10001", "x-y": [1]}}),
        )
        .unwrap();
        assert_eq!(d.path, "$.result[\"x-y\"][1]");
        assert_eq!((d.expected, d.got), (Some(json!(2)), None));
        let d = first_difference(&json!({"a": 1}), &json!({"a": 1, "b": 2})).unwrap();
        assert_eq!(
            (d.path.as_str(), d.expected, d.got),
            ("$.b", None, Some(json!(2)))
        );
        let d = first_difference(&json!({"popups": 1}), &json!({"popups": 0})).unwrap();
        assert_eq!(d.path, "$.popups");
    }
}
