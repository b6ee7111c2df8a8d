//! The scenario reader's rules for names and for the shape of its JSON (SPEC.md §8.1:
//! R-NAME-CHARS, R-JSON-STRICT) and the one-line errors that echo user values (§8.7:
//! R-LIMIT-ECHO), through the library alone. The tool's side (exit codes, sizes, lines) is in
//! `cli/tests/faults.rs`.

use authsim::scenario::{self, locate::Pos};

fn header(apps: &str, users: &str) -> String {
    format!("{{\"apps\": [{apps}],\n \"users\": [{users}],\n \"steps\": []}}")
}

/// R-NAME-CHARS: every refused character, in an app name and in a user name, is an error at the
/// name's place; the message shows the character escaped.
#[test]
fn r_name_chars_refused_in_app_and_user_names_with_their_place() {
    for (escaped, shown) in [
        ("\\u0000", "\\u{0}"),
        ("\\n", "\\u{a}"),
        ("\\t", "\\u{9}"),
        ("\\u001b", "\\u{1b}"),
        ("\\u007f", "\\u{7f}"),
        ("\\u009b", "\\u{9b}"),
        ("\\u202a", "\\u{202a}"),
        ("\\u202e", "\\u{202e}"),
        ("\\u2067", "\\u{2067}"),
        ("\\u200f", "\\u{200f}"),
        ("\\u2028", "\\u{2028}"),
    ] {
        let app = format!("{{\"name\": \"shop{escaped}\"}}");
        let e = scenario::parse(&header(&app, "")).unwrap_err();
        assert_eq!(
            e.pos,
            Some(Pos {
                line: 1,
                column: 20
            }),
            "{e}"
        );
        assert!(
            e.to_string().contains("an app name must not hold control"),
            "{e}"
        );
        assert!(
            e.to_string().contains(&format!("{shown} at character 5")),
            "{e}"
        );
        let user = format!("{{\"name\": \"al{escaped}\"}}");
        let e = scenario::parse(&header("", &user)).unwrap_err();
        assert_eq!(
            e.pos,
            Some(Pos {
                line: 2,
                column: 21
            }),
            "{e}"
        );
        assert!(
            e.to_string().contains("a user name must not hold control"),
            "{e}"
        );
        assert!(scenario::parse_header(&format!("{{\"users\": [{user}]}}")).is_err());
    }
    // Any other Unicode is a name.
    let ok = header(
        r#"{"name": "商店 \"quoted\" \\ é"}"#,
        r#"{"name": "ユーザー"}"#,
    );
    scenario::parse(&ok).expect("printable Unicode names are names");
}

/// R-NAME-CHARS: save names are letters, digits, `_` and `-` (so never a control character).
#[test]
fn r_name_chars_save_names() {
    let text = r#"{"steps": [{"op": "clock.advance", "seconds": 1, "save": "c\u001b1"}]}"#;
    let e = scenario::parse(text).unwrap_err();
    assert_eq!(e.step, Some(1));
    assert!(e.to_string().contains("must be letters, digits"), "{e}");
    assert!(e.to_string().contains("\\u{1b}"), "{e}");
}

/// R-JSON-STRICT: a member given twice is refused at its second key, in the header and in steps.
#[test]
fn r_json_strict_duplicate_keys_are_refused_at_the_second() {
    let e = scenario::parse("{\"seed\": 1,\n \"seed\": 2, \"steps\": []}").unwrap_err();
    assert_eq!(e.pos, Some(Pos { line: 2, column: 2 }));
    assert!(e.to_string().contains("duplicate key \"seed\""), "{e}");
    let e = scenario::parse_step(r#"{"op": "clock.advance", "seconds": 1, "seconds": 9}"#, 4)
        .unwrap_err();
    assert_eq!(e.step, Some(4));
    assert_eq!(
        e.pos,
        Some(Pos {
            line: 1,
            column: 39
        })
    );
    let e = scenario::parse(r#"{"steps": [{"op": "x", "note": "a", "note": "b"}]}"#).unwrap_err();
    assert_eq!(e.step, Some(1), "{e}");
    assert!(scenario::parse_header(r#"{"apps": [], "apps": []}"#).is_err());
}

/// R-JSON-STRICT: object-shaped members given as arrays (which serde would read by position).
#[test]
fn r_json_strict_objects_are_never_read_by_position() {
    for (text, message) in [
        (
            r#"{"config": [180], "steps": []}"#,
            "config must be a JSON object, not an array",
        ),
        (
            r#"{"apps": [["shop"]], "steps": []}"#,
            "apps[0] must be a JSON object",
        ),
        (
            r#"{"users": [["alice"]], "steps": []}"#,
            "users[0] must be a JSON object",
        ),
        (
            r#"{"apps": [{"name": "s"}], "users": [{"name": "a"}], "steps": [{"op": "my.getAuthCode", "user": "a", "app": "s", "page": [true]}]}"#,
            "step 1: page must be a JSON object",
        ),
    ] {
        let e = scenario::parse(text).unwrap_err();
        assert!(e.to_string().contains(message), "{text}: {e}");
        assert!(e.pos.is_some(), "{e}");
    }
}

/// R-LIMIT-ECHO: an error about a huge value echoes 80 characters of it and `…`, whatever the
/// value's place (a name, an op, an enum value serde reports).
#[test]
fn r_limit_echo_errors_clip_values() {
    let huge = "v".repeat(100_000);
    for text in [
        format!(r#"{{"steps": [{{"op": "{huge}"}}]}}"#),
        format!(
            r#"{{"apps": [{{"name": "s"}}], "users": [{{"name": "a"}}], "steps": [{{"op": "my.getSetting", "user": "{huge}", "app": "s"}}]}}"#
        ),
        format!(
            r#"{{"apps": [{{"name": "s"}}], "users": [{{"name": "a"}}], "steps": [{{"op": "my.getAuthCode", "user": "a", "app": "s", "network": "{huge}"}}]}}"#
        ),
        format!(r#"{{"{huge}": 1, "steps": []}}"#),
    ] {
        let e = scenario::parse(&text).unwrap_err().to_string();
        assert!(e.len() < 600, "{} bytes: {}", e.len(), &e[..200]);
        assert!(e.contains(&format!("{}…", "v".repeat(80))), "{e}");
    }
}

/// R-LIMIT-INPUT: JSON nested deeper than serde_json's 128 levels keeps its clear, located
/// error (the size limit itself is the tool's: `cli/tests/faults.rs`).
#[test]
fn r_limit_input_deep_nesting_is_a_clear_error() {
    let deep = format!(
        "{{\"steps\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = scenario::parse(&deep).unwrap_err();
    assert!(
        e.to_string()
            .contains("invalid JSON: recursion limit exceeded"),
        "{e}"
    );
    assert!(e.pos.is_some());
    let e = scenario::parse_step(&"[".repeat(1 << 20), 1).unwrap_err();
    assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
}
