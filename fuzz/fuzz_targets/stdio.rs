//! Fuzzes the `authsim serve --stdio` line protocol: the data is a whole session (a header line,
//! step lines, garbage, blank lines, anything), served by `serve_stdio::serve_bytes` exactly as
//! the command serves standard input. Nothing may panic; every answer is one line of JSON; each
//! input line that is not blank gets exactly one answer, plus at most the closing summary.
#![no_main]

use authsim_cli::serve_stdio::serve_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = serve_bytes(data);
    let text = std::str::from_utf8(&out).expect("answers are UTF-8");
    let answers: Vec<&str> = text.lines().collect();
    for a in &answers {
        let v: serde_json::Value = serde_json::from_str(a).expect("every answer is JSON");
        if let Some(e) = v.get("error") {
            assert!(!e.as_str().unwrap_or_default().is_empty(), "an empty error");
        }
    }
    let mut lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    if data.ends_with(b"\n") || data.is_empty() {
        lines.pop();
    }
    let asked = lines
        .iter()
        .filter(|l| !std::str::from_utf8(l).is_ok_and(|t| t.trim().is_empty()))
        .count();
    assert!(
        answers.len() == asked || answers.len() == asked + 1,
        "{asked} lines asked, {} answered",
        answers.len()
    );
});
