//! Playing a scenario: a [`Runner`] holds the simulator and the saved results, turns each step
//! into a core [`Input`], and checks the step's expectations against what came out.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::{Expect, Header, Scenario, ScenarioError, StepSpec};
use crate::error::InputError;
use crate::findings::{Finding, FindingId};
use crate::payload::Payload;
use crate::sim::{AuthCodeRequest, CallId, Input, Outcome, Simulator};
use crate::world::{AppSpec, UserSpec};

/// What a scenario produced: one [`TraceStep`] per step, then the totals.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Trace {
    /// The scenario's seed.
    pub seed: u64,
    /// One entry per step, in order.
    pub steps: Vec<TraceStep>,
    /// Totals over the steps.
    pub summary: Summary,
}

/// What one step produced.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TraceStep {
    /// The step's number, counted from 1.
    pub index: usize,
    /// The step's `op`.
    pub op: String,
    /// `success` / `fail` (which client callback fired), `ok` / `error` (gateway), `ok` (clock,
    /// revoke), `pending` (a step-wise call still waiting), `refused` (a step-wise input the
    /// call's state does not expect).
    pub outcome: TraceOutcome,
    /// Popups the step showed the user.
    pub popups: u32,
    /// The payload exactly as Alipay delivers it, or `{"refused": "<why>"}`.
    pub result: TraceResult,
    /// Policy findings the step raised, each with the fix in its message.
    pub findings: Vec<Finding>,
    /// One line per expectation of the step that did not hold; absent when all held.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expectations_failed: Vec<String>,
}

/// The trace's `outcome`: the simulator's [`Outcome`], or `refused` for a `call.decide` /
/// `call.network` input the call's state does not expect.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum TraceOutcome {
    /// A client call's `success` callback fired.
    Success,
    /// A client call's `fail` callback fired.
    Fail,
    /// A gateway call succeeded, or a clock / revocation step was applied.
    Ok,
    /// A gateway call returned `error_response`.
    Error,
    /// A step-wise call is waiting for its next input; no callback has fired yet.
    Pending,
    /// A step-wise input the call's state does not expect (or a call no longer in flight): nothing
    /// changed, no callback fired.
    Refused,
}

impl From<Outcome> for TraceOutcome {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Success => TraceOutcome::Success,
            Outcome::Fail => TraceOutcome::Fail,
            Outcome::Ok => TraceOutcome::Ok,
            Outcome::Error => TraceOutcome::Error,
            Outcome::Pending => TraceOutcome::Pending,
        }
    }
}

impl PartialEq<Outcome> for TraceOutcome {
    fn eq(&self, other: &Outcome) -> bool {
        *self == TraceOutcome::from(*other)
    }
}

/// A trace step's `result`: the payload, or why a step-wise input was refused.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum TraceResult {
    /// The payload exactly as Alipay delivers it.
    Payload(Payload),
    /// `{"refused": "<why>"}`.
    Refused(Refusal),
}

/// Why a step-wise input was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// The simulator's message, naming the call and its state.
    pub refused: String,
}

/// A saved name's step: its number (from 1) and its `op` (what [`Runner::check`] takes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavedStep {
    /// The step, counted from 1.
    pub step: usize,
    /// Its `op`.
    pub op: &'static str,
}

/// A step-wise call named by a `call.invoke` step's `save`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CallTrack {
    /// The simulator's id, if the call stayed in flight after its invocation.
    id: Option<CallId>,
    /// The step that ended it, once it has ended.
    ended: Option<usize>,
}

/// What a step does once its names are resolved: a simulator input, or a refusal decided here.
enum Play {
    Input(Input),
    Refuse(String),
}

/// Totals over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Summary {
    /// Popups shown, over all steps.
    pub popups: u64,
    /// Findings raised, by id (ids never raised are left out).
    pub findings: BTreeMap<FindingId, u64>,
    /// Expectations that did not hold, over all steps.
    pub expectations_failed: u64,
}

/// Plays a whole scenario. `Err` only for an invalid scenario (a name or reference that does
/// not exist); failed expectations are in the trace.
pub fn run(scenario: &Scenario) -> Result<Trace, ScenarioError> {
    super::parse::validate(scenario)?;
    let mut runner = Runner::new(&scenario.header)?;
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for (i, step) in scenario.steps.iter().enumerate() {
        steps.push(
            runner
                .step(step)
                .map_err(|e| e.under(&format!("/steps/{i}")))?,
        );
    }
    Ok(Trace {
        seed: scenario.header.seed,
        steps,
        summary: runner.summary().clone(),
    })
}

/// The JSON Schema of the scenario format (`schemas/scenario.schema.json`). Feature `schema`.
#[cfg(feature = "schema")]
pub fn scenario_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Scenario)).unwrap_or(Value::Null)
}

/// The JSON Schema of the trace format (`schemas/trace.schema.json`). Feature `schema`.
#[cfg(feature = "schema")]
pub fn trace_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Trace)).unwrap_or(Value::Null)
}

/// Plays steps one at a time (what `authsim serve` drives).
#[derive(Clone, Debug)]
pub struct Runner {
    sim: Simulator,
    /// Saved results by name: the step that saved it and its result as JSON.
    saved: BTreeMap<String, (usize, Value)>,
    /// The same names, with just the step and its op (what [`Runner::check`] takes).
    saved_at: BTreeMap<String, SavedStep>,
    /// Step-wise calls by the save name of their `call.invoke` step.
    calls: BTreeMap<String, CallTrack>,
    steps: usize,
    summary: Summary,
}

impl Runner {
    /// A fresh world as `header` declares it.
    pub fn new(header: &Header) -> Result<Runner, ScenarioError> {
        let mut sim = Simulator::new(header.config.clone(), header.seed)
            .map_err(|e| ScenarioError::new(e.to_string()).at("/config"))?;
        for (i, a) in header.apps.iter().enumerate() {
            if let Some(why) = crate::text::name_problem(&a.name) {
                return Err(
                    ScenarioError::new(format!("an app name {why}")).at(format!("/apps/{i}/name"))
                );
            }
            if let Some(id) = &a.app_id {
                if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ScenarioError::new(
                        "an appId is 16 ASCII digits, as Alipay writes it",
                    )
                    .at(format!("/apps/{i}/appId")));
                }
                if header.apps[..i]
                    .iter()
                    .any(|b| b.app_id.as_ref() == Some(id))
                {
                    return Err(ScenarioError::new(format!("appId {id} is used twice"))
                        .at(format!("/apps/{i}/appId")));
                }
            }
            sim.add_app(AppSpec {
                name: a.name.clone(),
                packages: a.packages.clone(),
                enterprise: a.enterprise,
            })
            .map_err(|e| ScenarioError::new(e.to_string()).at(format!("/apps/{i}/name")))?;
        }
        for (i, u) in header.users.iter().enumerate() {
            if let Some(why) = crate::text::name_problem(&u.name) {
                return Err(
                    ScenarioError::new(format!("a user name {why}")).at(format!("/users/{i}/name"))
                );
            }
            sim.add_user(UserSpec {
                name: u.name.clone(),
                nick_name: u.nick_name.clone(),
                avatar: u.avatar.clone(),
                mobile: u.mobile.clone(),
            })
            .map_err(|e| ScenarioError::new(e.to_string()).at(format!("/users/{i}/name")))?;
        }
        Ok(Runner {
            sim,
            saved: BTreeMap::new(),
            saved_at: BTreeMap::new(),
            calls: BTreeMap::new(),
            steps: 0,
            summary: Summary::default(),
        })
    }

    /// The simulator, as the steps so far have left it.
    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }

    /// Totals over the steps played so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Steps played so far.
    pub fn steps_played(&self) -> usize {
        self.steps
    }

    /// Checks a step's names and references against the world and `saved` (save name to the
    /// step that saved it), without running it. Pointers are relative to the step.
    pub fn check(
        &self,
        step: &StepSpec,
        saved: &BTreeMap<String, SavedStep>,
    ) -> Result<(), ScenarioError> {
        let (user, app) = step.names();
        if let Some(u) = user
            && self.sim.user_by_name(u).is_none()
        {
            return Err(ScenarioError::new(format!("unknown user {u:?}")).at("/user"));
        }
        if let Some(a) = app
            && self.sim.app_by_name(a).is_none()
        {
            return Err(ScenarioError::new(format!("unknown app {a:?}")).at("/app"));
        }
        for (field, text) in step.reference_fields() {
            check_text(text, saved).map_err(|m| ScenarioError::new(m).at(format!("/{field}")))?;
        }
        if let Some(handle) = step.call_handle() {
            check_call(handle, saved).map_err(|m| ScenarioError::new(m).at("/call"))?;
        }
        if let Some(Expect {
            outcome: Some(o), ..
        }) = step.expect()
        {
            let stepwise = matches!(
                step,
                StepSpec::Invoke(_) | StepSpec::Decide(_) | StepSpec::Deliver(_)
            );
            let drives = matches!(step, StepSpec::Decide(_) | StepSpec::Deliver(_));
            let only = match o {
                TraceOutcome::Pending if !stepwise => {
                    Some("call.invoke, call.decide and call.network")
                }
                TraceOutcome::Refused if !drives => Some("call.decide and call.network"),
                _ => None,
            };
            if let Some(only) = only {
                return Err(ScenarioError::new(format!(
                    "outcome {} never happens for {}: only for {only}",
                    json(o),
                    step.op()
                ))
                .at("/expect/outcome"));
            }
        }
        if let Some(Expect {
            result: Some(pattern),
            ..
        }) = step.expect()
        {
            check_pattern(pattern, saved, "/expect/result")?;
        }
        if let Some(name) = step.save() {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(ScenarioError::new(format!(
                    "save name {name:?} must be letters, digits, '_' or '-'"
                ))
                .at("/save"));
            }
            if let Some(at) = saved.get(name) {
                return Err(ScenarioError::new(format!(
                    "save name {name:?} is already used by step {}",
                    at.step
                ))
                .at("/save"));
            }
        }
        Ok(())
    }

    /// Plays one step. `Err` (nothing changed) if a name or reference does not exist.
    pub fn step(&mut self, step: &StepSpec) -> Result<TraceStep, ScenarioError> {
        let index = self.steps + 1;
        self.check(step, &self.saved_at)
            .map_err(|e| e.at_step(index))?;
        let mut failures = Vec::new();
        let play = self.input(step, &mut failures)?;
        let out = match play {
            Play::Input(input) => match self.sim.handle(input) {
                Ok(out) => Ok(out),
                // A step-wise input the call refuses is the step's answer, not a broken scenario.
                Err(e @ (InputError::CallRefused { .. } | InputError::UnknownCall(_)))
                    if step.call_handle().is_some() =>
                {
                    Err(self.refusal(step, &e))
                }
                Err(e) => return Err(ScenarioError::new(e.to_string()).at_step(index)),
            },
            Play::Refuse(why) => Err(why),
        };
        self.steps = index;
        let (outcome, popups, result, findings) = match out {
            Ok(out) => {
                self.track(step, index, out.outcome, out.call);
                (
                    TraceOutcome::from(out.outcome),
                    out.popups,
                    TraceResult::Payload(out.result),
                    out.findings,
                )
            }
            Err(refused) => (
                TraceOutcome::Refused,
                0,
                TraceResult::Refused(Refusal { refused }),
                Vec::new(),
            ),
        };
        let result_json = serde_json::to_value(&result).unwrap_or(Value::Null);
        if let Some(expect) = step.expect() {
            self.expectations(
                expect,
                outcome,
                popups,
                &findings,
                &result_json,
                &mut failures,
            );
        }
        self.summary.popups += u64::from(popups);
        for f in &findings {
            *self.summary.findings.entry(f.id).or_default() += 1;
        }
        self.summary.expectations_failed += failures.len() as u64;
        if let Some(name) = step.save() {
            self.saved.insert(name.to_owned(), (index, result_json));
            self.saved_at.insert(
                name.to_owned(),
                SavedStep {
                    step: index,
                    op: step.op(),
                },
            );
        }
        Ok(TraceStep {
            index,
            op: step.op().to_owned(),
            outcome,
            popups,
            result,
            findings,
            expectations_failed: failures,
        })
    }

    /// Records what a played step did to the step-wise call it started or drove.
    fn track(&mut self, step: &StepSpec, index: usize, outcome: Outcome, call: Option<CallId>) {
        let ended = (outcome != Outcome::Pending).then_some(index);
        match step {
            StepSpec::Invoke(s) => {
                if let Some(name) = &s.save {
                    self.calls
                        .insert(name.clone(), CallTrack { id: call, ended });
                }
            }
            StepSpec::Decide(_) | StepSpec::Deliver(_) => {
                if let Some(t) = step
                    .call_handle()
                    .and_then(|h| self.calls.get_mut(handle_name(h)))
                {
                    t.ended = t.ended.or(ended);
                }
            }
            _ => {}
        }
    }

    /// The refusal message for a step-wise input the simulator refused.
    fn refusal(&self, step: &StepSpec, e: &InputError) -> String {
        let handle = step.call_handle().unwrap_or_default();
        match (e, self.calls.get(handle_name(handle)).and_then(|t| t.ended)) {
            (InputError::UnknownCall(_), Some(at)) => {
                format!("{e} (the call {handle} ended at step {at})")
            }
            _ => e.to_string(),
        }
    }

    /// The simulator's id of the call `handle` names, or why there is none to drive.
    fn call_id(&self, handle: &str) -> Result<CallId, String> {
        match self.calls.get(handle_name(handle)) {
            Some(CallTrack { id: Some(id), .. }) => Ok(*id),
            Some(CallTrack {
                id: None,
                ended: Some(at),
            }) => Err(format!(
                "no call is in flight (the call {handle} ended at step {at}, when invoked)"
            )),
            _ => Err(format!("no call is in flight for {handle}")),
        }
    }

    fn user(&self, name: &str) -> Result<crate::world::UserId, ScenarioError> {
        self.sim
            .user_by_name(name)
            .ok_or_else(|| ScenarioError::new(format!("unknown user {name:?}")).at("/user"))
    }

    fn app(&self, name: &str) -> Result<crate::world::AppId, ScenarioError> {
        self.sim
            .app_by_name(name)
            .ok_or_else(|| ScenarioError::new(format!("unknown app {name:?}")).at("/app"))
    }

    /// An argument: itself, or the value of the reference it holds. A reference whose field the
    /// saved result lacks becomes `""` and a failed expectation of this step.
    fn arg(&self, field: &str, text: &str, failures: &mut Vec<String>) -> String {
        match self.resolve_text(text) {
            Ok(v) => v,
            Err(m) => {
                failures.push(format!("{field}: {m}"));
                String::new()
            }
        }
    }

    fn resolve_text(&self, text: &str) -> Result<String, String> {
        match parse_ref(text) {
            None => Ok(text.strip_prefix('$').unwrap_or(text).to_owned()),
            Some(Err(m)) => Err(m),
            Some(Ok((name, field))) => match self.lookup(name, field)? {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(format!("{text:?} is {other}, not a string")),
            },
        }
    }

    fn lookup(&self, name: &str, field: &str) -> Result<Value, String> {
        let Some((at, result)) = self.saved.get(name) else {
            return Err(format!("\"${name}\" was never saved"));
        };
        let inner = result.as_object().and_then(|o| {
            o.iter()
                .find(|(k, v)| k.ends_with("_response") && v.is_object())
                .map(|(_, v)| v)
        });
        inner
            .unwrap_or(result)
            .get(field)
            .cloned()
            .ok_or_else(|| {
                format!("\"${name}.{field}\": the result saved as {name:?} (step {at}) has no field {field:?}")
            })
    }

    fn input(&self, step: &StepSpec, failures: &mut Vec<String>) -> Result<Play, ScenarioError> {
        Ok(Play::Input(match step {
            StepSpec::GetAuthCode(s) => Input::GetAuthCode(AuthCodeRequest {
                user: self.user(&s.user)?,
                app: self.app(&s.app)?,
                scopes: s.scopes.clone(),
                page: s.page,
                decision: s.decision.clone(),
                network: s.network,
            }),
            StepSpec::Authorize(s) => Input::Authorize {
                user: self.user(&s.user)?,
                app: self.app(&s.app)?,
                scope: s.scope.clone(),
                decision: s.decision.clone(),
                network: s.network,
            },
            StepSpec::GetOpenUserInfo(s) => Input::GetOpenUserInfo {
                user: self.user(&s.user)?,
                app: self.app(&s.app)?,
            },
            StepSpec::GetPhoneNumber(s) => Input::GetPhoneNumber {
                user: self.user(&s.user)?,
                app: self.app(&s.app)?,
            },
            StepSpec::GetSetting(s) => Input::GetSetting {
                user: self.user(&s.user)?,
                app: self.app(&s.app)?,
            },
            StepSpec::Revoke(s) => Input::Revoke {
                user: self.user(&s.user)?,
                app: self.app(&s.app)?,
            },
            StepSpec::OauthToken(s) => Input::OauthToken {
                app: self.app(&s.app)?,
                grant_type: s.grant_type.clone(),
                code: s.code.as_deref().map(|c| self.arg("code", c, failures)),
                refresh_token: s
                    .refresh_token
                    .as_deref()
                    .map(|r| self.arg("refresh_token", r, failures)),
            },
            StepSpec::UserInfoShare(s) => Input::UserInfoShare {
                app: self.app(&s.app)?,
                auth_token: self.arg("auth_token", &s.auth_token, failures),
            },
            StepSpec::AdvanceClock(s) => Input::AdvanceClock { seconds: s.seconds },
            StepSpec::Invoke(s) => Input::InvokeAuthCode {
                user: self.user(&s.user)?,
                app: self.app(&s.app)?,
                scopes: s.scopes.clone(),
                page: s.page,
            },
            StepSpec::Decide(s) => match self.call_id(&s.call) {
                Ok(call) => Input::Decide {
                    call,
                    decision: s.decision.clone(),
                },
                Err(why) => return Ok(Play::Refuse(why)),
            },
            StepSpec::Deliver(s) => match self.call_id(&s.call) {
                Ok(call) => Input::Deliver {
                    call,
                    network: s.network,
                },
                Err(why) => return Ok(Play::Refuse(why)),
            },
        }))
    }

    fn expectations(
        &self,
        expect: &Expect,
        outcome: TraceOutcome,
        popups: u32,
        findings: &[Finding],
        result: &Value,
        failures: &mut Vec<String>,
    ) {
        let show = |v: Option<&Value>| v.map_or("none".to_owned(), |v| v.to_string());
        if let Some(o) = expect.outcome
            && o != outcome
        {
            failures.push(format!(
                "expected outcome {}, got {}",
                json(&o),
                json(&outcome)
            ));
        }
        if let Some(p) = expect.popups
            && p != popups
        {
            failures.push(format!("expected popups {p}, got {popups}"));
        }
        if let Some(e) = expect.error {
            let got = result.get("error");
            if got.and_then(Value::as_u64) != Some(u64::from(e)) {
                failures.push(format!("expected error {e}, got {}", show(got)));
            }
        }
        let business = business(result);
        if let Some(c) = &expect.code {
            let got = business.as_ref().and_then(|b| b.get("code"));
            if got.and_then(Value::as_str) != Some(c.as_str()) {
                failures.push(format!("expected code {c:?}, got {}", show(got)));
            }
        }
        if let Some(c) = &expect.sub_code {
            let got = business
                .as_ref()
                .and_then(|b| b.get("sub_code").or_else(|| b.get("subCode")));
            if got.and_then(Value::as_str) != Some(c.as_str()) {
                failures.push(format!("expected sub_code {c:?}, got {}", show(got)));
            }
        }
        if let Some(f) = &expect.findings {
            let want: BTreeSet<FindingId> = f.iter().copied().collect();
            let got: BTreeSet<FindingId> = findings.iter().map(|f| f.id).collect();
            if want != got {
                let ids = |s: &BTreeSet<FindingId>| {
                    format!(
                        "[{}]",
                        s.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
                    )
                };
                failures.push(format!(
                    "expected findings {}, got {}",
                    ids(&want),
                    ids(&got)
                ));
            }
        }
        // `result` is one expectation however many of its leaves differ (SPEC §8.4): its
        // failure is one string naming each of them.
        if let Some(pattern) = &expect.result {
            let mut leaves = Vec::new();
            self.matches(pattern, Some(result), "result", &mut leaves);
            if !leaves.is_empty() {
                failures.push(leaves.join("; "));
            }
        }
    }

    /// Matches `actual` against `pattern` (see SPEC.md §8.5, "Result patterns").
    fn matches(
        &self,
        pattern: &Value,
        actual: Option<&Value>,
        path: &str,
        failures: &mut Vec<String>,
    ) {
        if let Some((op, arg)) = operator(pattern) {
            match op {
                "$absent" => {
                    if let Some(a) = actual {
                        failures.push(format!("{path}: expected absent, got {a}"));
                    }
                }
                "$ne" | "$exact" => {
                    let want = match self.resolve_pattern(arg) {
                        Ok(v) => v,
                        Err(m) => return failures.push(format!("{path}: {m}")),
                    };
                    let parsed;
                    let actual = match (actual, &want) {
                        (Some(Value::String(s)), Value::Object(_) | Value::Array(_)) => {
                            parsed = serde_json::from_str::<Value>(s).ok();
                            parsed.as_ref().or(actual)
                        }
                        _ => actual,
                    };
                    match actual {
                        None => failures.push(format!("{path}: missing")),
                        Some(a) if op == "$ne" && same(a, &want) => {
                            failures.push(format!("{path}: expected anything but {want}"))
                        }
                        Some(a) if op == "$exact" && !same(a, &want) => {
                            failures.push(format!("{path}: expected exactly {want}, got {a}"))
                        }
                        Some(_) => {}
                    }
                }
                _ => failures.push(format!("{path}: unknown operator {op}")),
            }
            return;
        }
        let Some(actual) = actual else {
            return failures.push(format!("{path}: missing (expected {pattern})"));
        };
        // A JSON string (the `response` of my.getOpenUserInfo) is matched by its content.
        let parsed;
        let actual = match (pattern, actual) {
            (Value::Object(_) | Value::Array(_), Value::String(s)) => {
                match serde_json::from_str::<Value>(s) {
                    Ok(v) => {
                        parsed = v;
                        &parsed
                    }
                    Err(_) => actual,
                }
            }
            _ => actual,
        };
        match pattern {
            Value::Object(members) => {
                let Some(obj) = actual.as_object() else {
                    return failures.push(format!("{path}: expected an object, got {actual}"));
                };
                for (k, p) in members {
                    self.matches(p, obj.get(k), &format!("{path}.{k}"), failures);
                }
            }
            Value::Array(items) => {
                let Some(arr) = actual.as_array() else {
                    return failures.push(format!("{path}: expected an array, got {actual}"));
                };
                if arr.len() != items.len() {
                    return failures.push(format!(
                        "{path}: expected {} items, got {actual}",
                        items.len()
                    ));
                }
                for (i, (p, a)) in items.iter().zip(arr).enumerate() {
                    self.matches(p, Some(a), &format!("{path}[{i}]"), failures);
                }
            }
            Value::String(s) if parse_ref(s).is_some() => match self.resolve_pattern(pattern) {
                Ok(want) if same(&want, actual) => {}
                Ok(want) => failures.push(format!("{path}: expected {want} ({s}), got {actual}")),
                Err(m) => failures.push(format!("{path}: {m}")),
            },
            Value::String(s) => {
                let want = Value::String(s.strip_prefix('$').unwrap_or(s).to_owned());
                if want != *actual {
                    failures.push(format!("{path}: expected {want}, got {actual}"));
                }
            }
            _ => {
                if !same(pattern, actual) {
                    failures.push(format!("{path}: expected {pattern}, got {actual}"));
                }
            }
        }
    }

    /// A pattern with every reference replaced by its value.
    fn resolve_pattern(&self, pattern: &Value) -> Result<Value, String> {
        Ok(match pattern {
            Value::String(s) => match parse_ref(s) {
                None => Value::String(s.strip_prefix('$').unwrap_or(s).to_owned()),
                Some(Err(m)) => return Err(m),
                Some(Ok((name, field))) => self.lookup(name, field)?,
            },
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.resolve_pattern(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.resolve_pattern(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// JSON equality with numbers compared by value, exactly (SPEC §8.5): `11.0` equals `11`,
/// `1e2` equals `100`, and no two different integers are equal through a float's rounding.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_value(x) == number_value(y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, p)| y.get(k).is_some_and(|q| same(p, q)))
        }
        _ => a == b,
    }
}

/// A number as an exact integer when it is one (`11.0` too), else as its float.
fn number_value(n: &serde_json::Number) -> Result<i128, f64> {
    if let Some(i) = n.as_i64() {
        return Ok(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Ok(i128::from(u));
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    // Integral floats within i128 are compared as integers; 2^127 and beyond stay floats.
    if f.fract() == 0.0 && f.abs() < 1.7e38 {
        Ok(f as i128)
    } else {
        Err(f)
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The object holding the business `code` / `sub_code` of a result: the `*_response` object of a
/// gateway result, or the inner `response` of a client `{response: "<JSON string>"}`.
fn business(result: &Value) -> Option<Value> {
    let obj = result.as_object()?;
    if let Some((_, v)) = obj
        .iter()
        .find(|(k, v)| k.ends_with("_response") && v.is_object())
    {
        return Some(v.clone());
    }
    let text = obj.get("response")?.as_str()?;
    let doc: Value = serde_json::from_str(text).ok()?;
    doc.get("response").cloned()
}

/// `Some((op, argument))` if `pattern` is an operator object like `{"$ne": v}`.
fn operator(pattern: &Value) -> Option<(&str, &Value)> {
    let obj = pattern.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    let (k, v) = obj.iter().next()?;
    k.starts_with('$').then_some((k.as_str(), v))
}

/// `None` if `text` is not a reference (no leading `$`, or `$$` escaping a literal `$`);
/// otherwise the (name, field) it names, or why it is malformed.
pub(crate) fn parse_ref(text: &str) -> Option<Result<(&str, &str), String>> {
    let rest = text.strip_prefix('$')?;
    if rest.starts_with('$') {
        return None;
    }
    Some(match rest.split_once('.') {
        Some((name, field)) if !name.is_empty() && !field.is_empty() => Ok((name, field)),
        _ => Err(format!(
            "{text:?} is not a reference of the form \"$name.field\" (write \"$${rest}\" for a literal '$')"
        )),
    })
}

/// The save name in a `call` member (`"$name"`); [`check_call`] has checked its form.
fn handle_name(handle: &str) -> &str {
    handle.strip_prefix('$').unwrap_or(handle)
}

/// A `call` member must be `"$name"`, naming an earlier `call.invoke` step's `save`.
fn check_call(handle: &str, saved: &BTreeMap<String, SavedStep>) -> Result<(), String> {
    let name = handle
        .strip_prefix('$')
        .filter(|n| !n.is_empty() && !n.starts_with('$') && !n.contains('.'))
        .ok_or_else(|| {
            format!(
                "call {handle:?} must be \"$name\": the save name of an earlier call.invoke step"
            )
        })?;
    match saved.get(name) {
        None => Err(format!("\"${name}\" was never saved")),
        Some(s) if s.op != "call.invoke" => Err(format!(
            "\"${name}\" names step {} ({}), not a call.invoke step",
            s.step, s.op
        )),
        Some(_) => Ok(()),
    }
}

fn check_text(text: &str, saved: &BTreeMap<String, SavedStep>) -> Result<(), String> {
    match parse_ref(text) {
        None => Ok(()),
        Some(Err(m)) => Err(m),
        Some(Ok((name, _))) if saved.contains_key(name) => Ok(()),
        Some(Ok((name, _))) => Err(format!("\"${name}\" was never saved")),
    }
}

fn check_pattern(
    pattern: &Value,
    saved: &BTreeMap<String, SavedStep>,
    pointer: &str,
) -> Result<(), ScenarioError> {
    if let Some((op, arg)) = operator(pattern) {
        return match op {
            "$ne" | "$exact" => check_pattern(arg, saved, &format!("{pointer}/{op}")),
            "$absent" if *arg == Value::Bool(true) => Ok(()),
            "$absent" => Err(ScenarioError::new("$absent takes true").at(pointer)),
            _ => Err(ScenarioError::new(format!(
                "unknown operator {op:?} (one of $ne, $exact, $absent)"
            ))
            .at(pointer)),
        };
    }
    match pattern {
        Value::String(s) => {
            check_text(s, saved).map_err(|m| ScenarioError::new(m).at(pointer.to_owned()))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_pattern(v, saved, &format!("{pointer}/{i}"))),
        Value::Object(members) => members.iter().try_for_each(|(k, v)| {
            check_pattern(v, saved, &format!("{pointer}/{}", super::locate::escape(k)))
        }),
        _ => Ok(()),
    }
}
