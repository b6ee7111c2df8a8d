//! The built binary plays every conformance vector (`tests/vectors/*.json`) exactly as the
//! library does: `authsim run --json` prints the library's trace byte for byte, and exits 0
//! because every expectation holds (R-DET-SEED: the same scenario gives the same bytes, here
//! across the library/tool boundary).

use std::path::{Path, PathBuf};
use std::process::Command;

fn vectors() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 10,
        "expected the vector suite, found {}",
        v.len()
    );
    v
}

#[test]
fn the_binary_prints_the_library_trace_for_every_vector_r_det_seed() {
    for path in vectors() {
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = authsim::scenario::parse(&text).expect("vectors parse");
        let trace = authsim::scenario::run(&scenario).expect("vectors run");
        let expected = serde_json::to_string_pretty(&trace).unwrap() + "\n";
        let out = Command::new(env!("CARGO_BIN_EXE_authsim"))
            .arg("run")
            .arg(&path)
            .arg("--json")
            .output()
            .expect("the binary runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout) == expected,
            "{}: the binary's trace differs from the library's",
            path.display()
        );
    }
}
