//! `authsim serve --stdio`: one JSON line in, one JSON line out.
//!
//! - A line that is an object with an `op` member is a step: the answer is its trace step. A
//!   `my.getAuthCode` call can be driven one input per line (`call.invoke`, then `call.decide` /
//!   `call.network` naming its save name), reading each answer before sending the next; an input
//!   the call refuses is an answer with outcome `refused`, not an error.
//! - Any other line is a scenario header (everything but `steps`): it starts a fresh world, and
//!   the answer is `{"ready": {"seed": …, "apps": […], "users": […]}}`.
//! - A line that cannot be used gets `{"error": "<line>:<column>: step <n>: <what>"}` and
//!   changes nothing; the driver keeps going. Blank lines are skipped.
//! - At the end of input, if a world was started: `{"summary": {…}}`.

use std::io::{BufRead, Write};

use serde_json::{Value, json};

use authsim::scenario::{self, Runner, ScenarioError};

/// Serves until the end of `input`. `Err` only if reading or writing fails.
pub fn serve(input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    let mut runner: Option<Runner> = None;
    for (n, line) in input.split(b'\n').enumerate() {
        let line = line?;
        let line_no = n + 1;
        let text = match std::str::from_utf8(&line) {
            Err(_) => json!({"error": format!("{line_no}: not UTF-8 text")}).to_string(),
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => answer(text, line_no, &mut runner),
        };
        writeln!(output, "{text}")?;
        output.flush()?;
    }
    if let Some(r) = &runner {
        let text =
            serde_json::to_string(&json!({"summary": r.summary()})).unwrap_or_else(|_| "{}".into());
        writeln!(output, "{text}")?;
        output.flush()?;
    }
    Ok(())
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
    let is_step = matches!(
        serde_json::from_str::<Value>(text),
        Ok(Value::Object(ref o)) if o.contains_key("op")
    );
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
