//! The CLI's machine-read outputs, byte for byte, against files recorded before codes, tokens,
//! `user_id`, `open_id` and `auth_start` became typed values (issue 10). Timing fields, the only
//! parts that vary between runs, are cut off before comparing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn authsim(args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authsim"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "authsim {args:?}: {out:?}");
    out.stdout
}

fn golden(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/golden").join(name)).expect("golden file")
}

/// Everything before the first occurrence of `marker`.
fn before<'a>(bytes: &'a [u8], marker: &str) -> &'a [u8] {
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker.as_bytes())
        .unwrap_or_else(|| panic!("{marker} in the output"));
    &bytes[..at]
}

fn same(got: &[u8], want: &[u8], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: byte count");
    assert!(
        got == want,
        "{what} differs:\n{}",
        String::from_utf8_lossy(got)
    );
}

#[test]
fn traces_and_tables_are_byte_identical() {
    for (args, file) in [
        (&["demo"][..], "demo.txt"),
        (&["demo", "--json"][..], "demo.json"),
        (
            &["run", "--json", "scenarios/demo.json"][..],
            "run-demo.json",
        ),
        (&["run", "scenarios/demo.json"][..], "run-demo.txt"),
        (
            &["run", "--json", "scenarios/login.json"][..],
            "run-login.json",
        ),
        (&["run", "scenarios/login.json"][..], "run-login.txt"),
    ] {
        same(&authsim(args, None), &golden(file), file);
    }
}

#[test]
fn serve_stdio_is_byte_identical() {
    let input = golden("serve-demo.in");
    same(
        &authsim(&["serve", "--stdio"], Some(&input)),
        &golden("serve-demo.out"),
        "serve-demo.out",
    );
}

#[test]
fn simulate_and_explore_reports_are_byte_identical() {
    let got = authsim(
        &["simulate", "--users", "3000", "--threads", "1", "--json"],
        None,
    );
    let want = golden("simulate-3000.json");
    same(
        before(&got, "\"timing\""),
        before(&want, "\"timing\""),
        "simulate-3000.json",
    );
    let got = authsim(&["explore", "--depth", "3", "--json"], None);
    let want = golden("explore-3.json");
    same(
        before(&got, "\"seconds\""),
        before(&want, "\"seconds\""),
        "explore-3.json",
    );
}
