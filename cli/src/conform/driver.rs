//! The implementation under test as a child process speaking the SPEC §8.8 line protocol: a
//! line goes in, one answer line is awaited for at most the per-step timeout. A child that
//! crashes, hangs, closes its output or prints something other than a JSON object is a
//! [`Trouble`] saying which, never a hang or a panic of `authsim conform`.
//!
//! Reading and writing happen on threads of their own, so a child that stops reading its input
//! or stops writing cannot block the driver: the driver only ever waits on a channel, with a
//! deadline. The child is killed when its [`Implementation`] is dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How much of the child's standard error is kept (its end) to explain a crash.
const STDERR_TAIL: usize = 4096;

/// What the reading thread saw on the child's standard output.
enum Output {
    /// One line, without its newline.
    Line(Vec<u8>),
    /// A line longer than the input limit (the rest is not read).
    TooLong,
    /// The child closed its standard output.
    End,
    /// Reading failed.
    Failed(String),
}

/// Why no usable answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trouble {
    /// Nothing within the timeout: the implementation hangs (or is far too slow).
    Timeout(Duration),
    /// The implementation closed its output or exited: how, and the end of its standard error.
    Ended(String),
    /// A line that is not a JSON object (or not UTF-8, or too long), shown escaped and clipped.
    Garbage(String),
}

impl Trouble {
    /// The report's name for this kind of trouble.
    pub fn kind(&self) -> &'static str {
        match self {
            Trouble::Timeout(_) => "timeout",
            Trouble::Ended(_) => "exited",
            Trouble::Garbage(_) => "garbage",
        }
    }
}

impl std::fmt::Display for Trouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trouble::Timeout(t) => write!(
                f,
                "no answer within {} ms (the implementation hangs, or --timeout-ms is too short)",
                t.as_millis()
            ),
            Trouble::Ended(how) => f.write_str(how),
            Trouble::Garbage(what) => f.write_str(what),
        }
    }
}

/// A running implementation under test.
pub struct Implementation {
    child: Child,
    input: Option<Sender<Vec<u8>>>,
    output: Receiver<Output>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Closed (disconnected) when the child's standard error has ended.
    stderr_done: Receiver<()>,
    timeout: Duration,
}

impl Implementation {
    /// Starts `program` with `args`, its three standard streams piped to threads of ours.
    pub fn start(program: &str, args: &[String], timeout: Duration) -> std::io::Result<Self> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (input, lines) = mpsc::channel::<Vec<u8>>();
        if let Some(mut stdin) = child.stdin.take() {
            std::thread::spawn(move || {
                for line in lines {
                    let written = stdin
                        .write_all(&line)
                        .and_then(|()| stdin.write_all(b"\n"))
                        .and_then(|()| stdin.flush());
                    // A child that stopped reading: what it does next is reported by the reader.
                    if written.is_err() {
                        break;
                    }
                }
            });
        }
        let (answers, output) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || read_lines(BufReader::new(stdout), &answers));
        }
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (done, stderr_done) = mpsc::channel::<()>();
        if let Some(mut err) = child.stderr.take() {
            let tail = Arc::clone(&stderr);
            std::thread::spawn(move || {
                // Dropped at the end of standard error: tells `how_it_ended` all of it is in.
                let _done = done;
                let mut chunk = [0u8; 4096];
                while let Ok(n @ 1..) = err.read(&mut chunk) {
                    if let Ok(mut t) = tail.lock() {
                        t.extend_from_slice(&chunk[..n]);
                        let excess = t.len().saturating_sub(STDERR_TAIL);
                        t.drain(..excess);
                    }
                }
            });
        }
        Ok(Implementation {
            child,
            input: Some(input),
            output,
            stderr,
            stderr_done,
            timeout,
        })
    }

    /// Sends one line (a newline is added).
    pub fn send(&self, line: &[u8]) {
        if let Some(input) = &self.input {
            // The writer has stopped only if the child stopped reading: the answer says how.
            let _ = input.send(line.to_vec());
        }
    }

    /// Closes the child's standard input: the end of the input, after which §8.8 sends the
    /// summary.
    pub fn close_input(&mut self) {
        self.input = None;
    }

    /// The next answer line as a JSON object.
    pub fn answer(&mut self) -> Result<Value, Trouble> {
        match self.output.recv_timeout(self.timeout) {
            Ok(Output::Line(bytes)) => parse_answer(&bytes),
            Ok(Output::TooLong) => Err(Trouble::Garbage(format!(
                "an answer line longer than {} (the input limit)",
                crate::output::mib(crate::output::max_input())
            ))),
            Ok(Output::Failed(why)) => Err(Trouble::Ended(format!(
                "its output could not be read: {why}"
            ))),
            Ok(Output::End) | Err(RecvTimeoutError::Disconnected) => {
                Err(Trouble::Ended(self.how_it_ended()))
            }
            Err(RecvTimeoutError::Timeout) => Err(Trouble::Timeout(self.timeout)),
        }
    }

    /// After the last answer: the child closes its output without another line, and exits 0,
    /// each within the timeout.
    pub fn end(&mut self) -> Result<(), Trouble> {
        match self.output.recv_timeout(self.timeout) {
            Ok(Output::End) | Err(RecvTimeoutError::Disconnected) => {}
            Ok(Output::Line(bytes)) => {
                return Err(Trouble::Garbage(format!(
                    "a line after the last answer: {}",
                    shown(&bytes)
                )));
            }
            Ok(Output::TooLong) => {
                return Err(Trouble::Garbage(
                    "a long line after the last answer".to_owned(),
                ));
            }
            Ok(Output::Failed(why)) => {
                return Err(Trouble::Ended(format!(
                    "its output could not be read: {why}"
                )));
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err(Trouble::Ended(format!(
                    "it did not close its output within {} ms of the end of its input",
                    self.timeout.as_millis()
                )));
            }
        }
        match self.exit_status() {
            Some(status) if status.success() => Ok(()),
            _ => Err(Trouble::Ended(self.how_it_ended())),
        }
    }

    /// The exit status, waiting at most the timeout for it.
    fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + self.timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                _ => return None,
            }
        }
    }

    /// How the child ended, in words, with the last line of its standard error.
    fn how_it_ended(&mut self) -> String {
        let status = self.exit_status();
        if status.is_some() {
            // The last bytes of standard error may still be on their way: wait for its end (a
            // grandchild holding it open is bounded by the timeout).
            let _ = self.stderr_done.recv_timeout(self.timeout);
        }
        let how = match status {
            None => format!(
                "it closed its output but was still running {} ms later",
                self.timeout.as_millis()
            ),
            Some(status) => match (status.code(), signal(&status)) {
                (Some(0), _) => "it exited (status 0) before answering".to_owned(),
                (Some(code), _) => format!("it exited with status {code}"),
                (None, Some(sig)) => format!("it was killed by signal {sig}"),
                (None, None) => format!("it ended: {status}"),
            },
        };
        let tail = self.stderr.lock().map(|t| t.clone()).unwrap_or_default();
        let last = String::from_utf8_lossy(&tail)
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| authsim::text::clip(l.trim()));
        match last {
            Some(line) => format!("{how}; its standard error ends: {line}"),
            None => how,
        }
    }
}

impl Drop for Implementation {
    fn drop(&mut self) {
        self.input = None;
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

#[cfg(unix)]
fn signal(status: &std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

#[cfg(not(unix))]
fn signal(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

/// Reads lines of at most the input limit until the end, sending each on `answers`.
fn read_lines(mut reader: impl BufRead, answers: &Sender<Output>) {
    let limit = crate::output::max_input();
    loop {
        let mut line = Vec::new();
        let read = reader.by_ref().take(limit + 1).read_until(b'\n', &mut line);
        let message = match read {
            Err(e) => Output::Failed(e.to_string()),
            Ok(0) => Output::End,
            Ok(_) if line.last() == Some(&b'\n') => {
                line.pop();
                Output::Line(line)
            }
            Ok(_) if line.len() as u64 > limit => Output::TooLong,
            // The last line, without a newline.
            Ok(_) => Output::Line(line),
        };
        let last = !matches!(message, Output::Line(_));
        if answers.send(message).is_err() || last {
            return;
        }
    }
}

/// An answer line as a JSON object, or what was wrong with it.
fn parse_answer(bytes: &[u8]) -> Result<Value, Trouble> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(Trouble::Garbage(format!(
            "an answer that is not UTF-8 text: {}",
            shown(bytes)
        )));
    };
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(Trouble::Garbage(format!(
            "an answer that is not a JSON object: {}",
            shown(bytes)
        ))),
        Err(e) => Err(Trouble::Garbage(format!(
            "an answer that is not JSON ({e}): {}",
            shown(bytes)
        ))),
    }
}

/// Bytes as a message shows them: lossy UTF-8, escaped, clipped.
fn shown(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "an empty line".to_owned();
    }
    authsim::text::quote(&String::from_utf8_lossy(bytes))
}
