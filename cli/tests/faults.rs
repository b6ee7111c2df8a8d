//! The fault suite: the built `authsim` binary, run as a hostile or unlucky user would run it.
//! Every subcommand with standard output on `/dev/full` and on a pipe nobody reads; endless and
//! oversized inputs under an address-space limit; control characters in every name field; absurd
//! simulation sizes; configuration files of the wrong shape. Each test asserts the exit code, the
//! message and that the process ended by itself (it is killed, and the test fails, if it does
//! not end within its deadline). SPEC.md R-NAME-CHARS, R-LIMIT-INPUT, R-LIMIT-LINE,
//! R-LIMIT-ECHO, R-JSON-STRICT, R-EXIT; README "Exit codes and limits".

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_authsim");

/// The address-space limit endless-input runs get: far above what a refused input needs, far
/// below what reading an endless input would take.
const ADDRESS_SPACE: u64 = 512 << 20;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn login() -> String {
    repo().join("scenarios/login.json").display().to_string()
}

/// Where the child's standard output goes.
#[derive(Clone, Copy, Debug)]
enum Out {
    /// Captured.
    Pipe,
    /// `/dev/full`: every write fails with ENOSPC.
    Full,
    /// A pipe whose reading end is closed before the child starts: every write fails with EPIPE.
    Closed,
}

/// Where the child's standard input comes from.
enum In {
    Bytes(Vec<u8>),
    File(&'static str),
}

struct Ran {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    seconds: f64,
    peak_rss_kib: i64,
}

impl Ran {
    fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs the binary; fails the test if it has not ended by itself within `deadline`.
fn run(args: &[&str], input: In, out: Out, limit_as: bool, deadline: Duration) -> Ran {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stderr(Stdio::piped());
    match &input {
        In::Bytes(_) => cmd.stdin(Stdio::piped()),
        In::File(p) => cmd.stdin(std::fs::File::open(p).expect("input file")),
    };
    match out {
        Out::Pipe => cmd.stdout(Stdio::piped()),
        Out::Full => cmd.stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full"),
        ),
        Out::Closed => {
            let mut fds = [0; 2];
            // SAFETY: pipe2() fills two new descriptors, each owned exactly once below.
            assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
            let (read, write) =
                unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
            drop(read);
            cmd.stdout(Stdio::from(write))
        }
    };
    if limit_as {
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                let lim = libc::rlimit {
                    rlim_cur: ADDRESS_SPACE as libc::rlim_t,
                    rlim_max: ADDRESS_SPACE as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("the binary starts");
    let pid = child.id() as libc::pid_t;
    if let In::Bytes(bytes) = input {
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
    }
    let mut stdout = child.stdout.take();
    let stdout_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut v);
        }
        v
    });
    let mut stderr = child.stderr.take().unwrap();
    let stderr_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let (status, peak_rss_kib) = wait_until(pid, started + deadline).unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("authsim {args:?} did not end by itself within {deadline:?}");
    });
    let seconds = started.elapsed().as_secs_f64();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    assert!(
        code.is_some(),
        "authsim {args:?} was ended by signal {}",
        libc::WTERMSIG(status)
    );
    Ran {
        code,
        stdout: stdout_reader.join().unwrap(),
        stderr: String::from_utf8_lossy(&stderr_reader.join().unwrap()).into_owned(),
        seconds,
        peak_rss_kib,
    }
}

/// Reaps `pid` if it ends before `deadline`: its wait status and the highest `VmHWM` (peak
/// resident memory, KiB) seen while it ran. (`ru_maxrss` would not do: it counts the test
/// process's own memory, which the child shares between fork and exec.) Sampled every
/// millisecond, so a peak in the child's last millisecond can be missed; the address-space
/// limit is what bounds it for sure.
fn wait_until(pid: libc::pid_t, deadline: Instant) -> Option<(i32, i64)> {
    let mut peak = 0;
    loop {
        peak = peak.max(vm_hwm(pid).unwrap_or(0));
        let mut status = 0;
        // SAFETY: a plain wait4 on our own child; no rusage wanted.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, std::ptr::null_mut()) };
        if r == pid {
            return Some((status, peak));
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The peak resident memory of a running process, KiB.
fn vm_hwm(pid: libc::pid_t) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn quick(args: &[&str], out: Out) -> Ran {
    feed(args, Vec::new(), out)
}

/// Runs the binary on `stdin`, without a memory limit, for at most 30 s.
fn feed(args: &[&str], stdin: Vec<u8>, out: Out) -> Ran {
    run(args, In::Bytes(stdin), out, false, Duration::from_secs(30))
}

/// Every subcommand, with what it needs on standard input and the exit code it ends with.
fn every_subcommand() -> Vec<(Vec<String>, Vec<u8>, i32)> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let login = login();
    let session = b"{\"apps\":[{\"name\":\"shop\"}],\"users\":[{\"name\":\"alice\"}]}\n\
        {\"op\":\"clock.advance\",\"seconds\":1}\n"
        .to_vec();
    vec![
        (s(&[]), vec![], 0),
        (s(&["demo", "--json"]), vec![], 0),
        (s(&["run", &login]), vec![], 0),
        (
            s(&["run", "--json", "-"]),
            std::fs::read(&login).unwrap(),
            0,
        ),
        (s(&["diagram"]), vec![], 0),
        (s(&["diagram", "--format", "dot"]), vec![], 0),
        (s(&["serve", "--stdio"]), session, 0),
        (s(&["serve", "--http", "127.0.0.1:0"]), vec![], 0),
        (
            s(&["simulate", "--users", "300", "--threads", "1"]),
            vec![],
            0,
        ),
        (s(&["simulate", "--users", "300", "--json"]), vec![], 0),
        (
            s(&["explore", "--depth", "1", "--users", "1", "--apps", "1"]),
            vec![],
            0,
        ),
        (s(&["explore", "--depth", "1", "--json"]), vec![], 0),
        (s(&["--help"]), vec![], 0),
        (s(&["run", "--help"]), vec![], 0),
        (s(&["--version"]), vec![], 0),
    ]
}

/// R-EXIT: a full disk is one line and exit 3, for every subcommand; never a panic, never 0.
#[test]
fn r_exit_a_full_disk_is_one_line_and_exit_3() {
    for (args, stdin, _) in every_subcommand() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = feed(&args, stdin, Out::Full);
        assert_eq!(r.code, Some(3), "{args:?}: stderr {:?}", r.stderr);
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {:?}", r.stderr);
        assert!(
            lines[0].starts_with("authsim ")
                && lines[0].contains(": cannot write output: ")
                && lines[0].contains("No space left on device"),
            "{args:?}: {:?}",
            lines[0]
        );
    }
}

/// R-EXIT: a reader that went away (`| head`) ends every subcommand quietly, with the exit code
/// of what it found.
#[test]
fn r_exit_a_closed_pipe_ends_quietly() {
    for (args, stdin, code) in every_subcommand() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = feed(&args, stdin, Out::Closed);
        assert_eq!(r.code, Some(code), "{args:?}: stderr {:?}", r.stderr);
        assert_eq!(r.stderr, "", "{args:?}");
    }
    // A failed expectation is still exit 1 when nobody reads the table.
    let failing = br#"{"steps": [{"op": "clock.advance", "seconds": 1, "expect": {"popups": 1}}]}"#;
    let r = feed(&["run", "-"], failing.to_vec(), Out::Closed);
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
}

/// R-LIMIT-INPUT: endless inputs are refused at the limit, within a second (a few on a loaded
/// machine) and under 100 MB, without reading the rest.
#[test]
fn r_limit_input_endless_inputs_are_refused_at_the_limit() {
    let login = login();
    let cases: Vec<(Vec<&str>, In, &str)> = vec![
        (
            vec!["run", "/dev/zero"],
            In::Bytes(vec![]),
            "/dev/zero: larger than 64 MiB",
        ),
        (
            vec!["run", "-"],
            In::File("/dev/zero"),
            "<stdin>: larger than 64 MiB",
        ),
        (
            vec!["serve", "--http", "127.0.0.1:0", "--world", "/dev/zero"],
            In::Bytes(vec![]),
            "authsim serve: /dev/zero: larger than 64 MiB",
        ),
        (
            vec!["simulate", "--users", "10", "--mix", "/dev/zero"],
            In::Bytes(vec![]),
            "cannot read mix file /dev/zero: larger than 64 MiB",
        ),
        (
            vec!["run", "--alipay-private-key", "/dev/zero", &login],
            In::Bytes(vec![]),
            "/dev/zero: larger than 64 MiB",
        ),
        (
            vec!["run", "--max-input-mib", "1", "-"],
            In::File("/dev/zero"),
            "<stdin>: larger than 1 MiB",
        ),
    ];
    for (args, input, message) in cases {
        let r = run(&args, input, Out::Pipe, true, Duration::from_secs(20));
        assert_eq!(r.code, Some(2), "{args:?}: {:?}", r.stderr);
        assert!(r.stderr.contains(message), "{args:?}: {:?}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {:?}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
        assert!(r.seconds < 5.0, "{args:?} took {:.2} s", r.seconds);
        // Seen with --nocapture: the figures the README quotes.
        eprintln!("{args:?}: {:.3} s, peak {} KiB", r.seconds, r.peak_rss_kib);
        assert!(
            r.peak_rss_kib < 100 * 1024,
            "{args:?}: {} KiB",
            r.peak_rss_kib
        );
    }
}

/// R-LIMIT-LINE: `serve --stdio` answers an endless line as soon as it passes 1 MiB, and holds
/// none of it while it reads on.
#[test]
// The child is reaped by wait4 (for its peak memory), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn r_limit_line_an_endless_line_is_answered_at_once_and_not_held() {
    let mut child = Command::new(BIN)
        .args(["serve", "--stdio"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut first = Vec::new();
        let mut b = [0u8; 1];
        while stdout.read(&mut b).is_ok_and(|n| n == 1) && b[0] != b'\n' {
            first.push(b[0]);
        }
        (first, Instant::now())
    });
    // Let it read a few hundred MB of zeros, then stop it.
    std::thread::sleep(Duration::from_millis(700));
    let peak = vm_hwm(pid).expect("still running");
    let _ = child.kill();
    let (status, _) = wait_until(pid, Instant::now() + Duration::from_secs(10)).expect("killed");
    let (first, at) = reader.join().unwrap();
    assert!(libc::WIFSIGNALED(status), "it ended by itself: {status}");
    assert_eq!(
        String::from_utf8_lossy(&first),
        r#"{"error":"line 1 longer than 1 MiB"}"#
    );
    let waited = at.duration_since(started);
    assert!(
        waited < Duration::from_secs(1),
        "the answer came after {waited:?}"
    );
    assert!(peak < 100 * 1024, "{peak} KiB");
}

/// R-LIMIT-LINE: a 2 MiB line is answered with an error and dropped; the lines after it are
/// served as usual.
#[test]
fn r_limit_line_a_long_line_is_dropped_and_the_session_goes_on() {
    let mut input = vec![b'x'; 2 << 20];
    input.extend_from_slice(
        b"\n{\"apps\":[{\"name\":\"shop\"}],\"users\":[{\"name\":\"alice\"}]}\n\
          {\"op\":\"my.getAuthCode\",\"user\":\"alice\",\"app\":\"shop\"}\n",
    );
    let r = run(
        &["serve", "--stdio"],
        In::Bytes(input),
        Out::Pipe,
        true,
        Duration::from_secs(20),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let out = r.out();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], r#"{"error":"line 1 longer than 1 MiB"}"#);
    assert!(lines[1].starts_with(r#"{"ready":"#), "{}", lines[1]);
    assert!(lines[2].contains(r#""outcome":"fail""#), "{}", lines[2]);
    assert!(lines[3].starts_with(r#"{"summary":"#), "{}", lines[3]);
}

/// The characters R-NAME-CHARS refuses, as JSON escapes.
const BAD: [&str; 7] = [
    "\\n",
    "\\r",
    "\\u001b[31m",
    "\\u007f",
    "\\u0085",
    "\\u202e",
    "\\u2066",
];

fn scenario_with(app: &str, user: &str, save: &str, step_user: &str) -> String {
    format!(
        r#"{{"apps": [{{"name": "{app}", "packages": ["jsapi_basic"]}}],
 "users": [{{"name": "{user}"}}],
 "steps": [{{"op": "my.getAuthCode", "user": "{step_user}", "app": "{app}", "save": "{save}"}}]}}"#
    )
}

/// R-NAME-CHARS: a control or bidirectional character in an app name, a user name, a save name
/// or a step's names is refused before anything runs, with its place, and the message shows it
/// escaped.
#[test]
fn r_name_chars_control_characters_in_every_name_field_are_refused() {
    let dir = std::env::temp_dir().join(format!("authsim-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for bad in BAD {
        let name = format!("shop{bad}x");
        let cases = [
            (scenario_with(&name, "alice", "c1", "alice"), "app name"),
            (scenario_with("shop", &name, "c1", &name), "user name"),
            (scenario_with("shop", "alice", &name, "alice"), "save name"),
            (scenario_with("shop", "alice", "c1", &name), "unknown user"),
        ];
        for (i, (text, what)) in cases.iter().enumerate() {
            let path = dir.join(format!("bad-{i}.json"));
            std::fs::write(&path, text).unwrap();
            let r = quick(&["run", path.to_str().unwrap()], Out::Pipe);
            assert_eq!(r.code, Some(2), "{bad} case {i}: {}", r.stderr);
            assert!(r.stdout.is_empty());
            let line = r.stderr.trim_end_matches('\n');
            assert!(
                !line.contains('\n') && !line.chars().any(authsim::text::is_unsafe),
                "{line:?}"
            );
            assert!(line.starts_with(&format!("{}:", path.display())), "{line}");
            // file:LINE:COLUMN: the place of the offending value.
            let place: Vec<&str> = line[path.display().to_string().len() + 1..]
                .splitn(3, ':')
                .collect();
            assert!(
                place[0].parse::<u32>().is_ok() && place[1].parse::<u32>().is_ok(),
                "{line}"
            );
            assert!(line.contains(what), "{line}");
            if i < 2 {
                assert!(
                    line.contains("must not hold control or bidirectional characters"),
                    "{line}"
                );
            }
        }
        // The same header over serve --stdio: an error line, and the session goes on.
        let header = format!(
            "{{\"apps\": [{{\"name\": \"{name}\"}}]}}\n{{\"users\": [{{\"name\": \"{name}\"}}]}}\n{{}}\n"
        );
        let r = feed(&["serve", "--stdio"], header.into_bytes(), Out::Pipe);
        assert_eq!(r.code, Some(0));
        let out = r.out();
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].contains("an app name must not hold control"),
            "{out}"
        );
        assert!(
            lines[1].contains("a user name must not hold control"),
            "{out}"
        );
        assert!(lines[2].starts_with(r#"{"ready":"#), "{out}");
    }
    // An argument clap refuses is quoted in its message, escaped.
    let r = quick(&["run", "a.json", "b\u{1b}[31m\nFORGED"], Out::Pipe);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "authsim: invalid command line: argument \"b\\u{1b}[31m\\nFORGED\" holds control \
         characters (see authsim --help)\n"
    );
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// R-LIMIT-ECHO: text shown in the table (descriptions, notes, scope strings, references) is
/// escaped: a newline cannot forge a row, an escape sequence cannot recolour the terminal.
#[test]
fn r_limit_echo_the_table_escapes_what_it_shows() {
    let text = r#"{"description": "desc\u001b[31mRED\nFORGED",
 "apps": [{"name": "shop", "packages": ["jsapi_basic"]}], "users": [{"name": "alice"}],
 "steps": [{"op": "my.getAuthCode", "user": "alice", "app": "shop", "scopes": "x\n   2  FORGED ROW",
            "note": "n\u001b]0;title\u0007\u202eevil", "expect": {"outcome": "success"}}]}"#;
    let r = feed(&["run", "-"], text.as_bytes().to_vec(), Out::Pipe);
    assert!(matches!(r.code, Some(0 | 1)), "{}", r.stderr);
    let out = r.out();
    assert!(
        !out.chars()
            .any(|c| c != '\n' && authsim::text::is_unsafe(c)),
        "{out:?}"
    );
    assert!(
        !out.lines().any(|l| l.trim_start().starts_with("2  FORGED")),
        "{out}"
    );
    assert!(out.contains("desc\\u{1b}[31mRED\\nFORGED"), "{out}");
}

/// R-LIMIT-ECHO: a 1 MB value in a failing step is echoed as at most 80 characters and `…`.
#[test]
fn r_limit_echo_a_huge_value_is_clipped_in_the_error_line() {
    let huge = "u".repeat(1 << 20);
    let text = scenario_with("shop", "alice", "c1", &huge);
    let r = feed(&["run", "-"], text.into_bytes(), Out::Pipe);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.len() < 300, "{} bytes", r.stderr.len());
    assert!(
        r.stderr
            .contains(&format!("unknown user \"{}…\"", "u".repeat(80))),
        "{}",
        r.stderr
    );
}

/// R-JSON-STRICT: a key given twice, an object given as an array: refused with the key and place.
#[test]
fn r_json_strict_duplicates_and_arrays_are_refused() {
    let cases = [
        (
            r#"{"apps": [{"name": "shop", "name": "evil"}], "steps": []}"#,
            r#"<stdin>:1:28: duplicate key "name""#,
        ),
        (
            r#"{"config": [180, true], "steps": []}"#,
            "config must be a JSON object, not an array",
        ),
        (
            r#"{"apps": [["shop", [], false]], "steps": []}"#,
            "apps[0] must be a JSON object",
        ),
        (
            r#"{"apps": [{"name": "shop"}], "users": [{"name": "a"}],
 "steps": [{"op": "my.getSetting", "user": "a", "app": "shop", "expect": [1]}]}"#,
            "step 1: expect must be a JSON object",
        ),
        (
            r#"{"steps": [{"op": "clock.advance", "seconds": 1, "seconds": 2}]}"#,
            r#"step 1: duplicate key "seconds""#,
        ),
    ];
    for (text, message) in cases {
        let r = feed(&["run", "-"], text.as_bytes().to_vec(), Out::Pipe);
        assert_eq!(r.code, Some(2), "{text}");
        assert!(r.stderr.contains(message), "{text}: {}", r.stderr);
    }
}

/// R-JSON-STRICT: `--mix` must be an object of known keys, each once.
#[test]
fn r_json_strict_the_mix_file_is_an_object_of_known_keys_each_once() {
    let dir = std::env::temp_dir().join(format!("authsim-mix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "[0.1, 0.2]",
            "the mix must be a JSON object of named probabilities, not an array",
        ),
        (
            r#"{"deny": 0.1, "deny": 0.2}"#,
            "duplicate field `deny` at line 1 column",
        ),
        (r#"{"denied": 0.1}"#, "unknown field `denied`"),
        ("0.5", "not a number"),
    ];
    for (i, (text, message)) in cases.iter().enumerate() {
        let path = dir.join(format!("mix-{i}.json"));
        std::fs::write(&path, text).unwrap();
        let r = quick(
            &["simulate", "--users", "10", "--mix", path.to_str().unwrap()],
            Out::Pipe,
        );
        assert_eq!(r.code, Some(2), "{text}");
        assert!(r.stderr.contains(message), "{text}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// R-EXIT: absurd simulation sizes are refused at once, with the figure, instead of running for
/// seconds or gigabytes.
#[test]
fn r_exit_absurd_simulations_are_refused_at_once() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let too_many = (4 * cores + 1).to_string();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["simulate", "--users", "1000", "--threads", "5000"],
            "--threads 5000 is more than 4 ×".into(),
        ),
        (
            vec!["simulate", "--users", "1000", "--threads", &too_many],
            format!("--threads {too_many} is more than"),
        ),
        (
            vec![
                "simulate",
                "--users",
                "1000",
                "--threads",
                "18446744073709551615",
            ],
            "--threads 18446744073709551615 is more than".into(),
        ),
        (
            vec!["simulate", "--users", "10", "--apps", "4294967295"],
            "--apps 4294967295 is more than --users 10".into(),
        ),
        (
            vec![
                "simulate",
                "--users",
                "100000000",
                "--apps",
                "4000000",
                "--threads",
                "1",
            ],
            "MiB budget".into(),
        ),
    ];
    for (args, message) in cases {
        let r = run(
            &args,
            In::Bytes(vec![]),
            Out::Pipe,
            true,
            Duration::from_secs(10),
        );
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(&message), "{args:?}: {}", r.stderr);
        assert!(r.seconds < 5.0, "{args:?}: {:.2} s", r.seconds);
    }
}

/// R-EXIT: the exit-code table is the epilogue of every `--help`, and the README's table has the
/// same codes.
#[test]
fn r_exit_the_table_ends_every_help() {
    for sub in [
        "", "demo", "run", "diagram", "serve", "simulate", "explore", "conform",
    ] {
        let args: Vec<&str> = [sub, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let r = quick(&args, Out::Pipe);
        assert_eq!(r.code, Some(0));
        assert!(
            r.out().contains(authsim_cli::output::EXIT_CODES),
            "{args:?}"
        );
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for code in 0..=4 {
        assert!(
            readme.contains(&format!("\n| {code} | ")),
            "README's exit-code table lacks {code}"
        );
    }
}

/// R-EXIT: `serve --http --record FILE` that cannot be written at shutdown is one line and
/// exit 3, not a silent 0.
#[test]
fn r_exit_a_record_that_cannot_be_written_is_exit_3() {
    let mut child = Command::new(BIN)
        .args(["serve", "--http", "127.0.0.1:0", "--record", "/dev/full"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(
        line.starts_with("authsim serve --http: listening on http://"),
        "{line}"
    );
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve --http did not stop by itself after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(3));
    assert_eq!(
        stderr,
        "authsim serve: cannot write /dev/full: No space left on device (os error 28)\n"
    );
}
