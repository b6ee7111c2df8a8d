//! `authsim serve --stdio`: one JSON line in, one JSON line out.
//!
//! - A line that is an object with an `op` member is a step: the answer is its trace step. A
//!   `my.getAuthCode` call can be driven one input per line (`call.invoke`, then `call.decide` /
//!   `call.network` naming its save name), reading each answer before sending the next; an input
//!   the call refuses is an answer with outcome `refused`, not an error.
//! - A line that is an object with a `steps` member (and no `op`) is a whole scenario: checked
//!   as `authsim run` checks it and played in a world of its own, the answer is
//!   `{"trace": TRACE}` on one line, or an error line if the scenario is rejected. The current
//!   world is untouched (SPEC R-CONFORM-SCENARIO: how `authsim conform` plays negative vectors).
//! - Any other line is a scenario header (everything but `steps`): it starts a fresh world, and
//!   the answer is `{"ready": {"seed": …, "apps": […], "users": […]}}`.
//! - A line that cannot be used gets `{"error": "<line>:<column>: step <n>: <what>"}` and
//!   changes nothing; the driver keeps going. Blank lines are skipped.
//! - A line longer than [`MAX_LINE`] (1 MiB, the HTTP body limit) is answered
//!   `{"error": "line N longer than 1 MiB"}` as soon as it passes the limit; the rest of it is
//!   read and dropped, never held, and the driver goes on with the next line (SPEC R-LIMIT-LINE).
//! - At the end of input, if a world was started: `{"summary": {…}}`.

use std::io::{BufRead, Write};

use serde_json::{Value, json};

use authsim::scenario::{self, Runner, ScenarioError};

/// The longest line read (1 MiB, without its newline), as the HTTP server's body limit.
pub const MAX_LINE: usize = crate::http::MAX_BODY;

/// Why serving stopped before the end of the input.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Standard input could not be read.
    #[error("cannot read input: {0}")]
    Read(std::io::Error),
    /// An answer could not be written.
    #[error("cannot write output: {0}")]
    Write(std::io::Error),
}

/// One line as [`next_line`] read it.
enum Line {
    /// The line is in the buffer (without its newline).
    Whole,
    /// The line is longer than the limit: the buffer holds its first bytes, the rest is unread.
    TooLong,
    /// The input has ended.
    End,
}

/// Reads the next line into `buf`, holding at most `max` bytes of it; with `keep` false, reads
/// and drops the rest of the current line (newline included) instead, holding nothing.
fn next_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
    keep: bool,
) -> std::io::Result<Line> {
    buf.clear();
    let mut any = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(if any { Line::Whole } else { Line::End });
        }
        any = true;
        let (take, newline) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if keep {
            if buf.len() + take > max {
                return Ok(Line::TooLong);
            }
            buf.extend_from_slice(&chunk[..take]);
        }
        input.consume(take + usize::from(newline));
        if newline {
            return Ok(Line::Whole);
        }
    }
}

/// Serves until the end of `input`. `Err` only if reading or writing fails.
pub fn serve(mut input: impl BufRead, mut output: impl Write) -> Result<(), ServeError> {
    let mut runner: Option<Runner> = None;
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    let mut say = |text: &str| -> Result<(), ServeError> {
        writeln!(output, "{text}")
            .and_then(|()| output.flush())
            .map_err(ServeError::Write)
    };
    loop {
        line_no += 1;
        let read = next_line(&mut input, &mut buf, MAX_LINE, true);
        let text = match read.map_err(ServeError::Read)? {
            Line::End => break,
            Line::TooLong => {
                let limit = crate::output::mib(MAX_LINE as u64);
                say(&json!({"error": format!("line {line_no} longer than {limit}")}).to_string())?;
                next_line(&mut input, &mut buf, 0, false).map_err(ServeError::Read)?;
                continue;
            }
            Line::Whole => match std::str::from_utf8(&buf) {
                Err(_) => json!({"error": format!("{line_no}: not UTF-8 text")}).to_string(),
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => answer(text, line_no, &mut runner),
            },
        };
        say(&text)?;
    }
    if let Some(r) = &runner {
        let text =
            serde_json::to_string(&json!({"summary": r.summary()})).unwrap_or_else(|_| "{}".into());
        say(&text)?;
    }
    Ok(())
}

/// Serves a whole session held in memory and returns what it answered: the same bytes
/// [`serve`] writes for the same input (what the fuzz target drives).
pub fn serve_bytes(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    // Neither a slice nor a Vec fails to read or write.
    let _ = serve(input, &mut out);
    out
}

fn error(mut e: ScenarioError, line_no: usize) -> Value {
    e.pos = e.pos.map(|p| scenario::locate::Pos {
        line: line_no,
        column: p.column,
    });
    let text = if e.pos.is_some() {
        e.to_string()
    } else {
        format!("{line_no}: {e}")
    };
    json!({ "error": text })
}

/// The answer to one line, as a JSON text.
fn answer(text: &str, line_no: usize, runner: &mut Option<Runner>) -> String {
    match value_answer(text, line_no, runner) {
        Ok(value) => serde_json::to_string(&value).unwrap_or_else(|_| "{}".into()),
        Err(text) => text,
    }
}

/// The answer as a value, or (`Err`) as text already serialized: a trace step is serialized
/// straight from its type, so its members keep the order of the trace format.
fn value_answer(text: &str, line_no: usize, runner: &mut Option<Runner>) -> Result<Value, String> {
    let (is_step, is_scenario) = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => (o.contains_key("op"), o.contains_key("steps")),
        _ => (false, false),
    };
    if is_scenario && !is_step {
        return match scenario::parse(text).and_then(|s| scenario::run(&s)) {
            // Serialized here, so the members keep the order of the trace format.
            Ok(trace) => Err(format!(
                "{{\"trace\":{}}}",
                serde_json::to_string(&trace).unwrap_or_else(|_| "{}".into())
            )),
            Err(e) => Ok(error(e, line_no)),
        };
    }
    if !is_step {
        return Ok(
            match scenario::parse_header(text).and_then(|h| Ok((Runner::new(&h)?, h))) {
                Ok((r, h)) => {
                    *runner = Some(r);
                    let names =
                        |v: Vec<&String>| Value::from(v.into_iter().cloned().collect::<Vec<_>>());
                    json!({"ready": {
                        "seed": h.seed,
                        "apps": names(h.apps.iter().map(|a| &a.name).collect()),
                        "users": names(h.users.iter().map(|u| &u.name).collect()),
                    }})
                }
                Err(e) => error(e, line_no),
            },
        );
    }
    let Some(r) = runner.as_mut() else {
        return Ok(
            json!({"error": format!("{line_no}: no scenario header yet: send one first (seed, config, apps, users)")}),
        );
    };
    let index = r.steps_played() + 1;
    let step = match scenario::parse_step(text, index) {
        Ok(s) => s,
        Err(e) => return Ok(error(e, line_no)),
    };
    match r.step(&step) {
        // Serialized here, so the members keep the order of the trace format.
        Ok(t) => Err(serde_json::to_string(&t).unwrap_or_else(|_| "{}".into())),
        Err(mut e) => {
            let spans = scenario::locate::Spans::of(text);
            e.pos = e.pointer().and_then(|p| spans.nearest(p));
            Ok(error(e, line_no))
        }
    }
}
