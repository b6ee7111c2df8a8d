//! `authsim simulate`: deterministic per seed, independent of the thread count, and strict about
//! its behaviour mix.

use std::process::Command;

use authsim_cli::population::{self, Mix, SimulateArgs};

fn args(users: u64, seed: u64, threads: usize) -> SimulateArgs {
    SimulateArgs {
        users,
        apps: 3,
        seed,
        mix: None,
        threads: Some(threads),
        json: true,
    }
}

/// The report as JSON, less the timing (the only part that varies from run to run).
fn simulate_json(extra: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_authsim"))
        .args(["simulate", "--json"])
        .args(extra)
        .output()
        .expect("authsim runs");
    assert!(
        out.status.success(),
        "authsim simulate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json is JSON");
    let timing = v
        .as_object_mut()
        .expect("an object")
        .remove("timing")
        .expect("a timing section");
    assert!(timing["threads"].is_u64());
    v
}

#[test]
fn json_is_the_same_on_one_and_two_threads() {
    // More than one shard, and a partial last shard.
    let one = simulate_json(&["--users", "3000", "--seed", "7", "--threads", "1"]);
    let two = simulate_json(&["--users", "3000", "--seed", "7", "--threads", "2"]);
    assert_eq!(one, two);
    assert_eq!(one["users"], 3000);
    assert_eq!(one["popups"]["histogram"].as_array().map(Vec::len), Some(9));
}

#[test]
fn same_seed_same_report_other_seed_other_report() {
    let a = population::run(&args(2100, 1, 2)).expect("runs");
    let b = population::run(&args(2100, 1, 1)).expect("runs");
    let c = population::run(&args(2100, 2, 2)).expect("runs");
    let strip = |mut r: population::Report| {
        r.timing = Default::default();
        r
    };
    let (a, b, c) = (strip(a), strip(b), strip(c));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn counters_are_consistent() {
    let r = population::run(&args(4096, 3, 2)).expect("runs");
    assert_eq!(r.users, 4096);
    assert_eq!(r.popups.histogram.iter().sum::<u64>(), r.users);
    assert_eq!(r.journeys.logged_in + r.journeys.login_abandoned, r.users);
    assert_eq!(r.outcomes.values().sum::<u64>(), r.inputs);
    let c = &r.codes;
    // Every code issued was redeemed, refused once for expiry or revocation, or expired unused.
    assert_eq!(
        c.issued,
        c.redeemed + c.expired_refused + c.revoked_refused + c.expired_unused
    );
    assert!(c.replays_refused > 0 && c.expired_refused > 0 && c.expired_unused > 0);
    assert!(r.double_popups > 0);
    assert!(r.errors.contains_key("my.getAuthCode:11"));
    assert!(r.errors.contains_key("my.getAuthCode:10"));
    assert!(r.popups.mean_per_user > 0.0);
}

#[test]
fn a_quiet_mix_has_no_errors_and_one_popup_at_most() {
    let mix = Mix::from_json(
        r#"{"networkFail": 0, "lostResponse": 0, "lateExchange": 0, "replay": 0,
            "deny": 0, "dismiss": 0, "revoke": 0, "legacyApps": 0}"#,
    )
    .expect("a valid mix");
    let r = population::run_with_mix(&args(1500, 4, 1), mix).expect("runs");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.double_popups, 0);
    assert_eq!(r.popups.histogram[2..].iter().sum::<u64>(), 0);
    assert_eq!(r.journeys.logged_in, r.users);
    assert_eq!(r.codes.issued, r.codes.redeemed);
}

#[test]
fn zero_users_is_an_empty_report() {
    let r = population::run(&args(0, 0, 1)).expect("runs");
    assert_eq!(r.users, 0);
    assert_eq!(r.popups.mean_per_user, 0.0);
}

#[test]
fn bad_mixes_are_refused() {
    for (json, says) in [
        (r#"{"deny": 1.5}"#, "deny"),
        (r#"{"retry": -0.1}"#, "retry"),
        (r#"{"deny": 0.6, "dismiss": 0.6}"#, "deny + dismiss"),
        (r#"{"maxAttempts": 0}"#, "maxAttempts"),
        (r#"{"denny": 0.1}"#, "unknown field"),
        (r#"{"deny": "often"}"#, "invalid type"),
    ] {
        let err = Mix::from_json(json).expect_err(json);
        assert!(err.contains(says), "{json}: {err}");
    }
}

#[test]
fn a_bad_mix_file_exits_2_with_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("authsim-population-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("mix.json");
    std::fs::write(&file, r#"{"dismiss": 2}"#).expect("write");
    for extra in [
        vec!["--mix", file.to_str().expect("utf-8 path")],
        vec!["--mix", "/nonexistent/mix.json"],
        vec!["--threads", "0"],
        vec!["--apps", "0"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_authsim"))
            .args(["simulate", "--users", "10"])
            .args(&extra)
            .output()
            .expect("authsim runs");
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("authsim simulate: "), "{stderr}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_authsim"))
        .args(["simulate", "--users", "10", "--mix"])
        .arg(&file)
        .output()
        .expect("authsim runs");
    assert!(String::from_utf8_lossy(&out.stderr).contains("dismiss must be a probability"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_text_summary_names_every_section() {
    let out = Command::new(env!("CARGO_BIN_EXE_authsim"))
        .args(["simulate", "--users", "500", "--threads", "1"])
        .output()
        .expect("authsim runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for section in [
        "users/s",
        "popups:",
        "journeys:",
        "outcomes:",
        "errors:",
        "codes:",
        "expired unused",
        "replays refused",
        "double-popup findings",
    ] {
        assert!(text.contains(section), "missing {section:?} in\n{text}");
    }
}
