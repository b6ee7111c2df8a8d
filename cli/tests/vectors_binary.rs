//! The built binary plays every conformance vector (`tests/vectors/*.json`) exactly as the
//! library does: `authsim run --json` prints the vector's golden trace
//! (`tests/vectors/golden/NAME.json`, which `tests/vectors.rs` ties to the library) byte for byte,
//! and exits 0 because every expectation holds (1 for a vector whose golden trace counts failed
//! expectations on purpose). R-DET-SEED: the same scenario gives the same bytes, here across the
//! library/tool boundary. Every negative vector (`tests/vectors/reject/*.json`, R-JSON-STRICT,
//! R-NAME-CHARS) exits 2 with one located error line and nothing on standard output.

use std::path::{Path, PathBuf};
use std::process::Command;

fn json_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

fn run_json(path: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_authsim"))
        .arg("run")
        .arg(path)
        .arg("--json")
        .output()
        .expect("the binary runs")
}

#[test]
fn the_binary_prints_the_golden_trace_for_every_vector_r_det_seed() {
    let vectors = json_files("../tests/vectors");
    assert!(
        vectors.len() >= 10,
        "expected the vector suite, found {}",
        vectors.len()
    );
    for path in vectors {
        let golden = path
            .parent()
            .unwrap()
            .join("golden")
            .join(path.file_name().unwrap());
        let expected = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; write it with `AUTHSIM_BLESS=1 cargo test --all-features --test vectors`",
                golden.display()
            )
        });
        let trace: serde_json::Value = serde_json::from_str(&expected).expect("a golden trace");
        let exit = if trace["summary"]["expectationsFailed"] == 0 {
            0
        } else {
            1
        };
        let out = run_json(&path);
        assert_eq!(
            out.status.code(),
            Some(exit),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout) == expected,
            "{}: the binary's trace differs from {}",
            path.display(),
            golden.display()
        );
    }
}

/// The binary refuses every negative vector before running a step: exit 2, nothing on standard
/// output, one line `PATH:LINE:COLUMN: …` on standard error (R-JSON-STRICT, R-NAME-CHARS).
#[test]
fn the_binary_refuses_every_negative_vector_with_a_located_error_r_json_strict() {
    let rejects = json_files("../tests/vectors/reject");
    let rejects: Vec<PathBuf> = rejects
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "index.json"))
        .collect();
    assert!(
        rejects.len() >= 20,
        "found {} negative vectors",
        rejects.len()
    );
    for path in rejects {
        let out = run_json(&path);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(out.stdout.is_empty(), "{}: printed a trace", path.display());
        let line = stderr.trim_end();
        assert!(
            !line.contains('\n'),
            "{}: more than one line: {stderr}",
            path.display()
        );
        let prefix = format!("{}:", path.display());
        let rest = line
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{}: not located: {line}", path.display()));
        let mut parts = rest.splitn(3, ':');
        let (l, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        assert!(
            l.parse::<usize>().is_ok() && c.parse::<usize>().is_ok(),
            "{}: no line:column in {line}",
            path.display()
        );
    }
}

/// `serve --stdio` reads header and step lines as strictly as `run` reads a scenario
/// (R-JSON-STRICT): a duplicate member or a positional array in either is an error line that
/// changes nothing, and the session goes on.
#[test]
fn serve_stdio_refuses_duplicates_and_positional_arrays_in_headers_and_steps_r_json_strict() {
    let world = r#"{"apps": [{"name": "shop", "packages": ["jsapi_basic"]}], "users": [{"name": "alice"}, {"name": "bob"}]}"#;
    let bad_headers = [
        r#"{"seed": 1, "seed": 2, "users": [{"name": "alice"}]}"#,
        r#"{"config": [300]}"#,
        r#"{"config": {"codeTtlSeconds": 300, "codeTtlSeconds": 600}}"#,
        r#"{"apps": [["shop", ["jsapi_basic"], false]]}"#,
        r#"{"apps": [{"name": "shop", "name": "mall"}]}"#,
        r#"{"users": [{"name": "alice", "nickName": "A", "nickName": "B"}]}"#,
    ];
    let bad_steps = [
        r#"{"op": "my.getAuthCode", "user": "bob", "app": "shop", "user": "alice"}"#,
        r#"{"op": "my.getAuthCode", "op": "my.getSetting", "user": "bob", "app": "shop"}"#,
        r#"{"op": "my.getAuthCode", "user": "bob", "app": "shop", "expect": ["success", 1]}"#,
        r#"{"op": "my.getAuthCode", "user": "bob", "app": "shop", "expect": {"popups": 0, "popups": 1}}"#,
        r#"{"op": "my.getAuthCode", "user": "bob", "app": "shop", "page": [true, "onLoad"]}"#,
        r#"{"op": "my.getAuthCode", "user": "bob", "app": "shop", "page": {"lifecycle": "onTap", "lifecycle": "onShow"}}"#,
    ];
    let mut input = String::new();
    for h in bad_headers {
        input += h;
        input.push('\n');
    }
    input += world;
    input.push('\n');
    for s in bad_steps {
        input += s;
        input.push('\n');
    }
    input += r#"{"op": "my.getSetting", "user": "alice", "app": "shop"}"#;
    input.push('\n');
    let out = authsim_cli::serve_stdio::serve_bytes(input.as_bytes());
    let answers: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect();
    let n = bad_headers.len();
    let refused = |what: &str, a: &serde_json::Value| {
        let e = a["error"].as_str().unwrap_or_else(|| panic!("{what}: {a}"));
        assert!(
            e.contains("duplicate key") || e.contains("must be a JSON object"),
            "{what}: {e}"
        );
    };
    for (i, a) in answers[..n].iter().enumerate() {
        refused(&format!("header {i}"), a);
    }
    assert!(answers[n].get("ready").is_some(), "{}", answers[n]);
    for (i, a) in answers[n + 1..n + 1 + bad_steps.len()].iter().enumerate() {
        refused(&format!("step line {i}"), a);
    }
    let last = &answers[n + 1 + bad_steps.len()];
    assert_eq!(last["index"], 1, "nothing was played before: {last}");
}
