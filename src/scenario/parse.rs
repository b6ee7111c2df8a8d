//! Reading a scenario from text: syntax first (serde_json, with its `line:column`), then the
//! shape of the header and of each step (typed, with the failing field named), then the names
//! and references (checked before anything runs). Every problem is one [`ScenarioError`].

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::locate::{Pos, Spans, escape};
use super::{Header, OPS, Scenario, ScenarioError, StepSpec};
use crate::scenario::run::Runner;

/// Reads a whole scenario. On success every step's names and references have been checked.
pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let (value, spans) = strict(text)?;
    from_value(value).map_err(|e| locate(e, &spans))
}

/// The JSON value of `text` and the positions of its values, refusing a key given twice in one
/// object (R-JSON-STRICT) at the second occurrence.
fn strict(text: &str) -> Result<(Value, Spans), ScenarioError> {
    let value = syntax(text)?;
    let spans = Spans::of(text);
    if let Some(d) = spans.duplicate() {
        let mut e = ScenarioError::new(format!(
            "duplicate key {} (each member may be given once)",
            crate::text::quote(&d.key)
        ))
        .at(d.pointer.clone());
        e.pos = Some(d.pos);
        if let Some(n) = step_of(&d.pointer) {
            e = e.at_step(n);
        }
        return Err(e);
    }
    Ok((value, spans))
}

/// The step number (from 1) of a pointer into `/steps/N/…`.
fn step_of(pointer: &str) -> Option<usize> {
    let rest = pointer.strip_prefix("/steps/")?;
    let n: usize = rest.split('/').next()?.parse().ok()?;
    Some(n + 1)
}

/// Reads a scenario from a JSON value; errors carry a JSON Pointer but no `line:column`.
pub fn from_value(value: Value) -> Result<Scenario, ScenarioError> {
    let Value::Object(mut obj) = value else {
        return Err(ScenarioError::new(format!(
            "a scenario must be a JSON object, not {}",
            kind(&value)
        ))
        .at(""));
    };
    let steps = obj.remove("steps");
    let header = header_from(obj)?;
    let steps = match steps {
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ScenarioError::new("steps must be an array").at("/steps")),
        None => return Err(ScenarioError::new("missing field \"steps\"").at("")),
    };
    let mut out = Vec::with_capacity(steps.len());
    for (i, s) in steps.into_iter().enumerate() {
        out.push(step_from(s).map_err(|e| e.under(&format!("/steps/{i}")).at_step(i + 1))?);
    }
    let scenario = Scenario { header, steps: out };
    validate(&scenario)?;
    Ok(scenario)
}

/// Reads a scenario header (everything but `steps`), as `authsim serve --stdio` takes it.
pub fn parse_header(text: &str) -> Result<Header, ScenarioError> {
    let (value, spans) = strict(text)?;
    let Value::Object(obj) = value else {
        return Err(locate(
            ScenarioError::new(format!(
                "a scenario header must be a JSON object, not {}",
                kind(&value)
            ))
            .at(""),
            &spans,
        ));
    };
    if obj.contains_key("steps") {
        return Err(locate(
            ScenarioError::new("a header holds no steps: send each step on its own line")
                .at("/steps")
                .on_key(),
            &spans,
        ));
    }
    let header = header_from(obj).map_err(|e| locate(e, &spans))?;
    Runner::new(&header).map_err(|e| locate(e, &spans))?;
    Ok(header)
}

/// Reads one step (its shape only: names and references are checked when it runs). `index`
/// (from 1) is the step number used in messages.
pub fn parse_step(text: &str, index: usize) -> Result<StepSpec, ScenarioError> {
    let (value, spans) = strict(text).map_err(|e| {
        let located = e.pointer.is_some();
        if located { e.at_step(index) } else { e }
    })?;
    step_from(value).map_err(|e| locate(e.at_step(index), &spans))
}

/// Checks the names and references of every step, in order, without running anything.
pub fn validate(scenario: &Scenario) -> Result<(), ScenarioError> {
    let runner = Runner::new(&scenario.header)?;
    let mut saved = BTreeMap::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        runner
            .check(step, &saved)
            .map_err(|e| e.under(&format!("/steps/{i}")).at_step(i + 1))?;
        if let Some(name) = step.save() {
            saved.insert(
                name.to_owned(),
                super::SavedStep {
                    step: i + 1,
                    op: step.op(),
                },
            );
        }
    }
    Ok(())
}

fn syntax(text: &str) -> Result<Value, ScenarioError> {
    serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_owned(),
            None => full,
        };
        let line = e.line().max(1);
        // serde_json counts bytes; count characters, as the other positions do.
        let column = text
            .lines()
            .nth(line - 1)
            .map(|l| {
                let mut end = e.column().min(l.len());
                while end > 0 && !l.is_char_boundary(end) {
                    end -= 1;
                }
                l[..end].chars().count().max(1)
            })
            .unwrap_or(1);
        ScenarioError {
            pos: Some(Pos { line, column }),
            ..ScenarioError::new(format!("invalid JSON: {message}"))
        }
    })
}

fn locate(mut e: ScenarioError, spans: &Spans) -> ScenarioError {
    if e.pos.is_none()
        && let Some(p) = &e.pointer
    {
        e.pos = if e.on_key {
            spans.key_or_value(p)
        } else {
            spans.nearest(p)
        };
    }
    e
}

fn header_from(obj: Map<String, Value>) -> Result<Header, ScenarioError> {
    object_member(obj.get("config"), "/config", "config")?;
    for list in ["apps", "users"] {
        if let Some(Value::Array(items)) = obj.get(list) {
            for (i, item) in items.iter().enumerate() {
                object_member(Some(item), &format!("/{list}/{i}"), &format!("{list}[{i}]"))?;
            }
        }
    }
    typed::<Header>(Value::Object(obj), "")
}

/// An object-shaped member must be a JSON object: serde would read a struct from an array by
/// position, and a scenario is never read by position (R-JSON-STRICT).
fn object_member(value: Option<&Value>, pointer: &str, field: &str) -> Result<(), ScenarioError> {
    match value {
        None | Some(Value::Object(_)) => Ok(()),
        Some(other) => Err(ScenarioError::new(format!(
            "{field} must be a JSON object, not {}",
            kind(other)
        ))
        .at(pointer)),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn step_from(value: Value) -> Result<StepSpec, ScenarioError> {
    let Value::Object(mut obj) = value else {
        return Err(ScenarioError::new(format!(
            "a step must be a JSON object, not {}",
            kind(&value)
        ))
        .at(""));
    };
    let op = match obj.remove("op") {
        Some(Value::String(op)) => op,
        Some(_) => return Err(ScenarioError::new("op must be a string").at("/op")),
        None => {
            return Err(ScenarioError::new(format!(
                "missing field \"op\" (one of {})",
                OPS.join(", ")
            ))
            .at(""));
        }
    };
    object_member(obj.get("page"), "/page", "page")?;
    object_member(obj.get("expect"), "/expect", "expect")?;
    let rest = Value::Object(obj);
    Ok(match op.as_str() {
        "my.getAuthCode" => StepSpec::GetAuthCode(typed(rest, "")?),
        "button.getAuthorize" => StepSpec::Authorize(typed(rest, "")?),
        "my.getOpenUserInfo" => StepSpec::GetOpenUserInfo(typed(rest, "")?),
        "my.getPhoneNumber" => StepSpec::GetPhoneNumber(typed(rest, "")?),
        "my.getSetting" => StepSpec::GetSetting(typed(rest, "")?),
        "alipay.system.oauth.token" => StepSpec::OauthToken(typed(rest, "")?),
        "alipay.user.info.share" => StepSpec::UserInfoShare(typed(rest, "")?),
        "clock.advance" => StepSpec::AdvanceClock(typed(rest, "")?),
        "user.revoke" => StepSpec::Revoke(typed(rest, "")?),
        "call.invoke" => StepSpec::Invoke(typed(rest, "")?),
        "call.decide" => StepSpec::Decide(typed(rest, "")?),
        "call.network" => StepSpec::Deliver(typed(rest, "")?),
        other => {
            let hint = OPS
                .iter()
                .find(|o| o.eq_ignore_ascii_case(other))
                .map(|o| format!(" (did you mean \"{o}\"?)"))
                .unwrap_or_else(|| format!(" (one of {})", OPS.join(", ")));
            return Err(ScenarioError::new(format!(
                "unknown op {}{hint}",
                crate::text::quote(other)
            ))
            .at("/op"));
        }
    })
}

/// Deserializes `value`, naming the field that failed and pointing at it.
fn typed<T: DeserializeOwned>(value: Value, base: &str) -> Result<T, ScenarioError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let mut pointer = base.to_owned();
        let mut field = Vec::new();
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer.push_str(&format!("/{index}"));
                    field.push(format!("[{index}]"));
                }
                serde_path_to_error::Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&escape(key));
                    field.push(format!(".{key}"));
                }
                _ => {}
            }
        }
        let inner = e.inner().to_string();
        let unknown = between(&inner, "unknown field `", "`");
        // For an unknown field the path ends at the field itself: point at its parent.
        if let Some(name) = unknown
            && field.last().is_some_and(|f| f == &format!(".{name}"))
        {
            field.pop();
            if let Some(i) = pointer.rfind('/') {
                pointer.truncate(i);
            }
        }
        let field = field.concat();
        let field = field.trim_start_matches('.');
        let mut err = ScenarioError::new(String::new());
        let message = if let Some(name) = unknown {
            let expected = inner
                .split_once(", expected ")
                .map(|(_, x)| format!(" (expected {})", x.replace('`', "")))
                .unwrap_or_default();
            pointer.push('/');
            pointer.push_str(&escape(name));
            err = err.on_key();
            let at = if field.is_empty() {
                String::new()
            } else {
                format!(" in {field}")
            };
            format!("unknown field {name:?}{at}{expected}")
        } else if let Some(name) = between(&inner, "missing field `", "`") {
            let at = if field.is_empty() {
                String::new()
            } else {
                format!(" in {field}")
            };
            format!("missing field {name:?}{at}")
        } else if field == "decision" || field.starts_with("decision.") {
            "decision must be \"accept\", \"deny\", \"dismiss\" or {\"accept\": [scope, ...]} \
             with known scope names"
                .to_owned()
        } else if field.is_empty() {
            inner.replace('`', "\"")
        } else {
            format!("{field}: {}", inner.replace('`', "\""))
        };
        err.message = message;
        err.at(pointer)
    })
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &s[s.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}
