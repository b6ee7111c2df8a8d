//! Text a terminal will show: which characters a name may hold (SPEC R-NAME-CHARS), and how
//! user-supplied text is escaped and clipped before it reaches a table or a one-line message
//! (SPEC R-LIMIT-ECHO).
//!
//! A name that reaches a terminal raw can forge a table row (a newline), recolour the screen
//! (an escape sequence) or reorder what the reader sees (a bidirectional override). Names are
//! refused such characters when a scenario is read; everything else a person may have typed
//! (notes, descriptions, scope strings, values in error messages) is escaped where it is shown.
//!
//! ```
//! use authsim::text::{clip, escape, name_problem};
//! assert_eq!(escape("alice\u{1b}[31mRED"), "alice\\u{1b}[31mRED");
//! assert_eq!(escape("shop\n   2  FORGED ROW"), "shop\\n   2  FORGED ROW");
//! assert_eq!(clip(&"x".repeat(100)).chars().count(), 81); // 80 characters and `…`
//! assert!(name_problem("alice").is_none());
//! assert!(name_problem("ali\u{202e}ce").is_some());
//! ```

use std::borrow::Cow;
use std::fmt::Write;

/// How many characters of one user value a message echoes; the rest becomes `…`.
pub const ECHO_CHARS: usize = 80;

/// Whether `c` may not appear in a name, and must be escaped wherever it is shown: the C0
/// controls (U+0000–U+001F), DEL (U+007F), the C1 controls (U+0080–U+009F), the bidirectional
/// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the implicit marks
/// (U+200E, U+200F, U+061C) and the line and paragraph separators (U+2028, U+2029).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `text` with every [unsafe](is_unsafe) character written as Rust's `escape_debug` writes it
/// (`\n`, `\u{1b}`, `\u{202e}`); everything else, quotes and backslashes included, unchanged.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "{}", c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` [escaped](escape), at most [`ECHO_CHARS`] of its characters followed by `…` if there
/// were more.
pub fn clip(text: &str) -> String {
    let mut chars = text.char_indices();
    let cut = chars.nth(ECHO_CHARS).map(|(i, _)| i);
    match cut {
        None => escape(text).into_owned(),
        Some(i) => format!("{}…", escape(&text[..i])),
    }
}

/// `text` as a message quotes a value: in double quotes, Rust-escaped as `{:?}` writes it, and
/// clipped to [`ECHO_CHARS`] characters of the value.
pub fn quote(text: &str) -> String {
    let mut chars = text.char_indices();
    match chars.nth(ECHO_CHARS).map(|(i, _)| i) {
        None => format!("{text:?}"),
        Some(i) => {
            let mut q = format!("{:?}", &text[..i]);
            q.insert(q.len() - 1, '…');
            q
        }
    }
}

/// Why `name` cannot be a name (SPEC R-NAME-CHARS), or `None` if it can: it must not be empty
/// and must hold no [unsafe](is_unsafe) character.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".to_owned());
    }
    let (i, c) = name.chars().enumerate().find(|&(_, c)| is_unsafe(c))?;
    Some(format!(
        "must not hold control or bidirectional characters ({} at character {})",
        c.escape_unicode(),
        i + 1
    ))
}

/// A one-line message made safe to show: every quoted (`"…"`, `` `…` ``) or unbroken run of
/// more than [`ECHO_CHARS`] characters clipped with `…`, and unsafe characters escaped. Used on
/// messages whose text comes partly from elsewhere (serde's), where values are not quoted by us.
pub fn tidy(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::with_capacity(message.len().min(4096));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // A quoted value: up to the matching quote (backslash escapes skipped inside "…").
        if c == '"' || c == '`' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != c {
                if c == '"' && chars[j] == '\\' {
                    j += 1;
                }
                j += 1;
            }
            let end = j.min(chars.len());
            push_clipped(&mut out, &chars[i + 1..end], Some(c), j < chars.len());
            i = end + 1;
            continue;
        }
        // An unbroken run of non-space characters.
        let mut j = i;
        while j < chars.len() && !chars[j].is_whitespace() && chars[j] != '"' && chars[j] != '`' {
            j += 1;
        }
        if j == i {
            out.push_str(&escape(c.encode_utf8(&mut [0; 4])));
            i += 1;
        } else {
            push_clipped(&mut out, &chars[i..j], None, false);
            i = j;
        }
    }
    out
}

fn push_clipped(out: &mut String, run: &[char], quote: Option<char>, closed: bool) {
    let body: String = run.iter().take(ECHO_CHARS).collect();
    if let Some(q) = quote {
        out.push(q);
    }
    out.push_str(&escape(&body));
    if run.len() > ECHO_CHARS {
        out.push('…');
    }
    if let (Some(q), true) = (quote, closed) {
        out.push(q);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_limit_echo_clips_quoted_and_bare_runs() {
        let long = "y".repeat(1_000_000);
        let m = tidy(&format!("unknown user \"{long}\" in step 3"));
        assert!(m.chars().count() < 120, "{m}");
        assert!(m.ends_with("…\" in step 3"), "{m}");
        let m = tidy(&format!("unknown variant `{long}`, expected one of `a`"));
        assert!(m.chars().count() < 140, "{m}");
        assert_eq!(
            tidy("plain message, nothing long"),
            "plain message, nothing long"
        );
        assert_eq!(quote("ab\"c"), "\"ab\\\"c\"");
        assert_eq!(quote(&"z".repeat(81)), format!("\"{}…\"", "z".repeat(80)));
    }

    #[test]
    fn r_name_chars_refuses_controls_and_bidi() {
        for bad in [
            "a\nb",
            "a\u{1b}[31m",
            "\u{7f}",
            "\u{85}",
            "a\u{202e}b",
            "\u{2066}",
            "",
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        for good in ["alice", "商店", "shop-1 (test)", "émilie", "a\"b\\c"] {
            assert!(name_problem(good).is_none(), "{good:?}");
        }
        assert_eq!(escape("a\u{202e}b\tc"), "a\\u{202e}b\\tc");
    }
}
