//! The readable table `authsim run` and `authsim demo` print.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use comfy_table::{CellAlignment, Table, presets};

use serde_json::Value;

use authsim::text::{escape, tidy};

use authsim::findings::FindingId;
use authsim::payload::Payload;
use authsim::scenario::{Scenario, StepSpec, Trace, TraceResult, TraceStep};

/// The table, the findings with their fixes, failed expectations, and the summary.
pub fn render(scenario: &Scenario, trace: &Trace) -> String {
    let mut out = String::new();
    if let Some(d) = &scenario.header.description {
        let _ = writeln!(out, "{}\n", escape(d));
    }
    let mut table = Table::new();
    // Borderless: no frame, no header rule, two spaces between columns, no wrapping.
    table.load_preset(presets::NOTHING);
    table.set_header([
        "step",
        "call",
        "popups",
        "outcome",
        "error/sub_code",
        "findings",
        "note",
    ]);
    for (spec, step) in scenario.steps.iter().zip(&trace.steps) {
        table.add_row([
            step.index.to_string(),
            // Names, scopes and references as the scenario wrote them, escaped.
            escape(&call(spec)).into_owned(),
            step.popups.to_string(),
            serde_json::to_value(step.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            escape(&error(step)).into_owned(),
            if step.findings.is_empty() {
                "-".into()
            } else {
                step.findings
                    .iter()
                    .map(|f| f.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            escape(spec.note().unwrap_or("")).into_owned(),
        ]);
    }
    let last = table.column_count() - 1;
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, if i == last { 0 } else { 2 }));
        // Numbers right-aligned, text left-aligned.
        if i == 0 || i == 2 {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    // `trim_fmt`: the note column is padded to its width; the lines end without spaces.
    let _ = writeln!(out, "{}", table.trim_fmt());
    let refused: Vec<(usize, &str)> = trace
        .steps
        .iter()
        .filter_map(|s| match &s.result {
            TraceResult::Refused(r) => Some((s.index, r.refused.as_str())),
            TraceResult::Payload(_) => None,
        })
        .collect();
    if !refused.is_empty() {
        let _ = writeln!(out, "\nrefused inputs:");
        for (i, why) in refused {
            let _ = writeln!(out, "  step {i}: {}", tidy(why));
        }
    }
    let ids: BTreeSet<FindingId> = trace
        .steps
        .iter()
        .flat_map(|s| s.findings.iter().map(|f| f.id))
        .collect();
    if !ids.is_empty() {
        let _ = writeln!(out, "\nfindings:");
        for id in ids {
            let _ = writeln!(out, "  {}: {}", id.as_str(), id.message());
        }
    }
    let failed: Vec<&TraceStep> = trace
        .steps
        .iter()
        .filter(|s| !s.expectations_failed.is_empty())
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nexpectations failed:");
        for s in failed {
            for m in &s.expectations_failed {
                let _ = writeln!(out, "  step {}: {}", s.index, tidy(m));
            }
        }
    }
    let checked = scenario
        .steps
        .iter()
        .filter(|s| s.expect().is_some())
        .count();
    let s = &trace.summary;
    let found: u64 = s.findings.values().sum();
    let by_id = s
        .findings
        .iter()
        .map(|(id, n)| format!("{} {n}", id.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "\nsummary: {}, {}, {}{}; {}",
        plural(trace.steps.len() as u64, "step"),
        plural(s.popups, "popup"),
        plural(found, "finding"),
        if by_id.is_empty() {
            String::new()
        } else {
            format!(" ({by_id})")
        },
        if s.expectations_failed == 0 {
            format!("all expectations held ({checked} steps checked)")
        } else {
            format!(
                "{} FAILED ({checked} steps checked)",
                plural(s.expectations_failed, "expectation")
            )
        }
    );
    out
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The scopes argument, readably.
fn scopes(arg: &authsim::scope::ScopesArg) -> String {
    match &arg.0 {
        None => "(no scopes)".to_owned(),
        Some(Value::String(x)) => x.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("+"),
        Some(other) => other.to_string(),
    }
}

/// A decision, readably: `accept`, `deny`, `dismiss`, `accept only a+b`.
fn decision(d: &authsim::call::Decision) -> String {
    match serde_json::to_value(d).unwrap_or(Value::Null) {
        Value::String(d) => d,
        other => format!(
            "accept only {}",
            other["accept"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("+"))
                .unwrap_or_default()
        ),
    }
}

/// What the network does, readably; `None` for `ok`.
fn network(n: authsim::call::Network) -> Option<&'static str> {
    match n {
        authsim::call::Network::Ok => None,
        authsim::call::Network::Fail => Some("network fail"),
        authsim::call::Network::LostResponse => Some("response lost"),
    }
}

/// What is not default about a page.
fn page(p: &authsim::call::Page, extra: &mut Vec<String>) {
    if p.first_screen {
        extra.push("first screen".into());
    }
    if let Ok(Value::String(l)) = serde_json::to_value(p.lifecycle)
        && l != "onTap"
    {
        extra.push(l);
    }
    if let Ok(Value::String(c)) = serde_json::to_value(p.container)
        && c != "page"
    {
        extra.push(c);
    }
}

fn parenthesized(extra: &[String]) -> String {
    if extra.is_empty() {
        String::new()
    } else {
        format!(" ({})", extra.join(", "))
    }
}

/// The call column: the op and what is not default about it.
fn call(spec: &StepSpec) -> String {
    match spec {
        StepSpec::GetAuthCode(s) => {
            let mut extra = Vec::new();
            if s.decision != authsim::call::Decision::Accept {
                extra.push(decision(&s.decision));
            }
            extra.extend(network(s.network).map(str::to_owned));
            page(&s.page, &mut extra);
            format!(
                "getAuthCode {}/{} {}{}",
                s.user,
                s.app,
                scopes(&s.scopes),
                parenthesized(&extra)
            )
        }
        StepSpec::Invoke(s) => {
            let mut extra = Vec::new();
            page(&s.page, &mut extra);
            let name = s
                .save
                .as_deref()
                .map(|n| format!(" ${n}"))
                .unwrap_or_default();
            format!(
                "call.invoke{name} {}/{} {}{}",
                s.user,
                s.app,
                scopes(&s.scopes),
                parenthesized(&extra)
            )
        }
        StepSpec::Decide(s) => format!("call.decide {} {}", s.call, decision(&s.decision)),
        StepSpec::Deliver(s) => format!(
            "call.network {} {}",
            s.call,
            network(s.network).unwrap_or("ok")
        ),
        StepSpec::Authorize(s) => {
            let mut extra = String::new();
            if let Ok(Value::String(d)) = serde_json::to_value(&s.decision)
                && d != "accept"
            {
                extra = format!(" ({d})");
            }
            format!("button {}/{} {}{extra}", s.user, s.app, s.scope)
        }
        StepSpec::GetOpenUserInfo(s) => format!("getOpenUserInfo {}/{}", s.user, s.app),
        StepSpec::GetPhoneNumber(s) => format!("getPhoneNumber {}/{}", s.user, s.app),
        StepSpec::GetSetting(s) => format!("getSetting {}/{}", s.user, s.app),
        StepSpec::Revoke(s) => format!("revoke {}/{}", s.user, s.app),
        StepSpec::OauthToken(s) => format!(
            "oauth.token {} {} {}",
            s.app,
            s.grant_type,
            s.code
                .as_deref()
                .or(s.refresh_token.as_deref())
                .unwrap_or("")
        ),
        StepSpec::UserInfoShare(s) => format!("user.info.share {} {}", s.app, s.auth_token),
        StepSpec::AdvanceClock(s) => format!("clock +{}s", s.seconds),
    }
}

/// The error/sub_code column.
fn error(step: &TraceStep) -> String {
    let TraceResult::Payload(result) = &step.result else {
        return "-".into();
    };
    match result {
        Payload::ClientFail(f) => format!("error {}", f.error),
        Payload::AuthorizeError(e) => format!("onError: {}", e.error_message),
        Payload::GatewayError(e) => e.error_response.sub_code.clone(),
        Payload::Response(r) => serde_json::from_str::<Value>(&r.response)
            .ok()
            .and_then(|d| d["response"]["subCode"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "-".into()),
        _ => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    /// Columns line up by display width: a CJK user name takes two columns per character.
    #[test]
    fn columns_align_by_display_width() {
        let text = r#"{"apps":[{"name":"shop","packages":["jsapi_basic"]}],
            "users":[{"name":"小明"},{"name":"bob"}],
            "steps":[{"op":"my.getAuthCode","user":"小明","app":"shop"},
                     {"op":"my.getAuthCode","user":"bob","app":"shop"}]}"#;
        let scenario = authsim::scenario::parse(text).expect("valid");
        let trace = authsim::scenario::run(&scenario).expect("runs");
        let table = super::render(&scenario, &trace);
        // The width up to the end of the popups column is the same on every step row.
        let ends: Vec<usize> = table
            .lines()
            .filter(|l| l.contains("getAuthCode"))
            .map(|l| {
                let cut = l.find("  success").expect("outcome column");
                l[..cut].width()
            })
            .collect();
        assert_eq!(ends.len(), 2, "{table}");
        assert_eq!(ends[0], ends[1], "{table}");
        // No line ends in padding (the second row has no note).
        assert!(table.lines().all(|l| l == l.trim_end()), "{table:?}");
    }
}
