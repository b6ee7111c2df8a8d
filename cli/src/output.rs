//! What every subcommand shares at its edges: the exit codes, checked writes to standard
//! output, one-line messages on standard error, and bounded reads of input files.
//!
//! | exit | meaning |
//! |---|---|
//! | 0 | success: every expectation held, every invariant held, the output was written |
//! | 1 | an expectation failed (`run`, `demo`), an invariant was violated (`explore`) or the implementation under test does not conform (`conform`) |
//! | 2 | the input or the command line is invalid (unreadable, too large, malformed, out of range), or the implementation under test cannot be started (`conform`) |
//! | 3 | the output could not be written (disk full, closed descriptor, `--record` not synced) |
//! | 4 | authsim itself failed (a bug): one line on standard error, never a backtrace or 101 |
//!
//! A closed pipe on standard output (`authsim simulate | head -1`) is not a failure: the command
//! stops writing and ends quietly with the exit code of what it found, as `cat`, `rg` and `git`
//! do. Any other write error prints `authsim <subcommand>: cannot write output: <reason>` and
//! exits 3.

use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

/// Exit status 0: success.
pub const OK: u8 = 0;
/// Exit status 1: an expectation failed, an invariant was violated, or the implementation under
/// test does not conform.
pub const FAILED: u8 = 1;
/// Exit status 2: the input or the command line is invalid, or the implementation under test
/// cannot be started.
pub const INVALID: u8 = 2;
/// Exit status 3: the output could not be written.
pub const IO: u8 = 3;
/// Exit status 4: authsim itself failed (a bug).
pub const INTERNAL: u8 = 4;

/// The exit-code table as `--help` prints it after the options.
pub const EXIT_CODES: &str = "\
Exit codes (every subcommand):
  0  success
  1  an expectation failed (run, demo), an invariant was violated (explore)
     or the implementation under test does not conform (conform)
  2  the input or the command line is invalid (unreadable, too large, malformed, out of range)
     or the implementation under test cannot be started (conform)
  3  the output could not be written (disk full, closed descriptor, --record not synced)
  4  authsim itself failed (a bug; reported on one line)
A closed pipe on standard output (| head) ends a command quietly, with the code of what it found.

Limits: scenario, --world, --mix and key files and standard input at most 64 MiB
(--max-input-mib raises it); serve --stdio lines and serve --http bodies at most 1 MiB.";

/// The default largest input file (or standard input) read: 64 MiB.
pub const DEFAULT_MAX_INPUT: u64 = 64 << 20;

static MAX_INPUT: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INPUT);

/// Sets the largest input [`read_input`] accepts, in bytes (`--max-input-mib`).
pub fn set_max_input(bytes: u64) {
    MAX_INPUT.store(bytes, Ordering::Relaxed);
}

/// The largest input [`read_input`] accepts, in bytes.
pub fn max_input() -> u64 {
    MAX_INPUT.load(Ordering::Relaxed)
}

/// Writes one line on standard error, every control or bidirectional character escaped so the
/// line cannot move the cursor, recolour the terminal or forge another line. Never panics (a
/// closed standard error loses the line, as it must).
pub fn say(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{}", authsim::text::escape(line));
    let _ = err.flush();
}

/// Says `line` and returns exit status 2.
pub fn invalid(line: &str) -> ExitCode {
    say(line);
    ExitCode::from(INVALID)
}

/// Writes to standard output through one locked, buffered handle, then flushes it.
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    write(&mut out)?;
    out.flush()
}

/// The exit status once the output has been written: `verdict` if it was (or if the reader
/// closed the pipe early: quietly), else one line and status 3.
pub fn finish(subcommand: &str, written: io::Result<()>, verdict: u8) -> ExitCode {
    match written {
        Ok(()) => ExitCode::from(verdict),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(verdict),
        Err(e) => {
            say(&format!("authsim {subcommand}: cannot write output: {e}"));
            ExitCode::from(IO)
        }
    }
}

/// Writes `text` to standard output and ends as [`finish`] says.
pub fn emit(subcommand: &str, text: &str, verdict: u8) -> ExitCode {
    finish(
        subcommand,
        to_stdout(|w| w.write_all(text.as_bytes())),
        verdict,
    )
}

/// A path as a message shows it: escaped, but whole (an editor jumps to `PATH:LINE:COLUMN`;
/// the path came from the command line, not from the input).
pub fn shown_path(path: &std::path::Path) -> String {
    authsim::text::escape(&path.display().to_string()).into_owned()
}

/// Reads a whole input (`-`: standard input) as UTF-8 text, refusing it without reading further
/// once it is larger than [`max_input`]. Errors are one line, with the source in front.
pub fn read_input(path: &str) -> Result<String, String> {
    let limit = max_input();
    let source = if path == "-" {
        "<stdin>".to_owned()
    } else {
        shown_path(std::path::Path::new(path))
    };
    let too_large = || {
        format!(
            "{source}: larger than {} (the input limit; --max-input-mib raises it)",
            mib(limit)
        )
    };
    let mut bytes = Vec::new();
    let read = if path == "-" {
        io::stdin().lock().take(limit + 1).read_to_end(&mut bytes)
    } else {
        let file = std::fs::File::open(path).map_err(|e| format!("{source}: cannot read: {e}"))?;
        // A regular file's size is known: refuse it before reading a byte.
        if file
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() > limit)
        {
            return Err(too_large());
        }
        file.take(limit + 1).read_to_end(&mut bytes)
    };
    read.map_err(|e| format!("{source}: cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        format!("{source}: not UTF-8 text (byte {at})")
    })
}

/// `64 MiB`, or the exact byte count when it is not a whole number of MiB.
pub fn mib(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reports a panic as one line (`authsim: internal error: …`) instead of a backtrace; `main`
/// turns it into exit status 4.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        say(&format!(
            "authsim: internal error: {}{at} (a bug in authsim; please report it)",
            authsim::text::clip(&what)
        ));
    }));
}
