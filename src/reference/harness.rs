//! The harness: a trait another implementation of the flow implements, a [`StateMachineTest`]
//! generic over it, and the implementation for authsim's own [`Simulator`].
//!
//! A difference between the model and the implementation is a value ([`Counterexample`]), not a
//! panic: [`check`] and [`check_with`] run proptest without a single panic and return the
//! shrunk journey as numbered actions. Only the `prop_state_machine!` path panics, because
//! proptest-state-machine's `StateMachineTest::apply` cannot return an error; its message is
//! the same one-screen report.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestError, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};

use super::model::{Action, AuthFlowModel, CodeRef, Expected, ModelState, forged_code};
use crate::call::{Decision, Network};
use crate::explore::{MAX_WORLD, SmallWorld};
use crate::findings::FindingId;
use crate::payload::Payload;
use crate::scope::ScopeSet;
use crate::sim::{AuthCodeRequest, Outcome, Simulator, Step};
use crate::world::{AppId, UserId};

/// What an implementation returns for one input: the observable part the harness compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// Which callback fired (`Success`/`Fail`) or what the server answered (`Ok`/`Error`).
    pub outcome: Outcome,
    /// Popups shown.
    pub popups: u32,
    /// The numeric `error` of a failed `my.getAuthCode` call.
    pub error: Option<u32>,
    /// The `sub_code` of a gateway `error_response`.
    pub sub_code: Option<String>,
    /// The `authCode` of a successful `my.getAuthCode` call.
    pub auth_code: Option<String>,
    /// Its `authSuccessScopes`, as a set.
    pub granted: ScopeSet,
    /// The `user_id` of a token response.
    pub user_id: Option<String>,
    /// The `open_id` of a token response.
    pub open_id: Option<String>,
    /// The `refresh_token` of a token response.
    pub refresh_token: Option<String>,
    /// `my.getSetting`'s `(userInfo, phoneNumber)`.
    pub setting: Option<(bool, bool)>,
    /// `my.getOpenUserInfo` / `my.getPhoneNumber`: the `code` inside the `response` string.
    pub member_code: Option<String>,
    /// The policy findings the step raised (`double-popup` is the one the model's journeys can
    /// reach): "one popup per journey" is checked through this field.
    pub findings: Vec<FindingId>,
    /// The implementation refused the input itself (say, an unknown user): always a mismatch,
    /// since the harness only sends inputs valid in the world it created.
    pub input_error: Option<String>,
}

impl Observation {
    /// An observation with only an outcome.
    pub fn new(outcome: Outcome) -> Self {
        Observation {
            outcome,
            popups: 0,
            error: None,
            sub_code: None,
            auth_code: None,
            granted: ScopeSet::EMPTY,
            user_id: None,
            open_id: None,
            refresh_token: None,
            setting: None,
            member_code: None,
            findings: Vec::new(),
            input_error: None,
        }
    }

    /// Sets the number of popups.
    pub fn popups(mut self, popups: u32) -> Self {
        self.popups = popups;
        self
    }

    /// A failed client call with `error`.
    pub fn client_error(error: u32, popups: u32) -> Self {
        Observation {
            error: Some(error),
            ..Observation::new(Outcome::Fail).popups(popups)
        }
    }

    /// A refused gateway call.
    pub fn refused(sub_code: impl Into<String>) -> Self {
        Observation {
            sub_code: Some(sub_code.into()),
            ..Observation::new(Outcome::Error)
        }
    }

    /// An implementation that refused the input: the harness reports it as a mismatch.
    pub fn input_error(message: impl Into<String>) -> Self {
        Observation {
            input_error: Some(message.into()),
            ..Observation::new(Outcome::Error)
        }
    }

    /// What a simulator [`Step`] shows.
    pub fn from_step(step: &Step) -> Self {
        let mut o = Observation::new(step.outcome).popups(step.popups);
        o.findings = step.findings.iter().map(|f| f.id).collect();
        match &step.result {
            Payload::AuthCode(s) => {
                o.auth_code = Some(s.auth_code.to_string());
                o.granted = s.auth_success_scopes.iter().copied().collect();
            }
            Payload::ClientFail(f) => o.error = Some(f.error),
            Payload::GatewayError(e) => o.sub_code = Some(e.error_response.sub_code.clone()),
            Payload::OauthToken(t) => {
                let b = &t.alipay_system_oauth_token_response;
                o.user_id = Some(b.user_id.to_string());
                o.open_id = Some(b.open_id.to_string());
                o.refresh_token = Some(b.refresh_token.to_string());
            }
            Payload::Response(r) => {
                o.member_code = serde_json::from_str::<serde_json::Value>(&r.response)
                    .ok()
                    .and_then(|v| v["response"]["code"].as_str().map(str::to_owned));
            }
            Payload::Setting(s) => {
                o.setting = Some((s.auth_setting.user_info, s.auth_setting.phone_number));
            }
            _ => {}
        }
        o
    }
}

/// An implementation of the authorization flow that the harness can check against the model.
///
/// Users and apps are the indices of a [`SmallWorld`]; codes and tokens are whatever strings the
/// implementation hands out (the harness only passes them back).
pub trait AuthFlowImpl {
    /// A fresh implementation holding `world` (no consent, no codes, clock at 0).
    fn new(world: &SmallWorld) -> Self;
    /// A whole `my.getAuthCode` call (`req.decision` applies only if a popup shows).
    fn get_auth_code(&mut self, req: &AuthCodeRequest) -> Observation;
    /// A tap on `<button open-type="getAuthorize" scope="…">`.
    fn authorize(
        &mut self,
        user: UserId,
        app: AppId,
        scope: &str,
        decision: &Decision,
        network: Network,
    ) -> Observation;
    /// `my.getSetting`.
    fn get_setting(&mut self, user: UserId, app: AppId) -> Observation;
    /// `my.getOpenUserInfo` (report the `code` inside `response` in `member_code`).
    fn get_open_user_info(&mut self, user: UserId, app: AppId) -> Observation;
    /// `my.getPhoneNumber` (report the `code` inside `response` in `member_code`).
    fn get_phone_number(&mut self, user: UserId, app: AppId) -> Observation;
    /// `alipay.system.oauth.token` with `grant_type=authorization_code`.
    fn redeem(&mut self, app: AppId, code: &str) -> Observation;
    /// `alipay.system.oauth.token` with `grant_type=refresh_token`.
    fn refresh(&mut self, app: AppId, refresh_token: &str) -> Observation;
    /// Time passes.
    fn advance_clock(&mut self, seconds: u64) -> Observation;
    /// The user revokes the app in its settings.
    fn revoke(&mut self, user: UserId, app: AppId) -> Observation;
}

/// The seed of the simulator the harness checks.
pub const HARNESS_SEED: u64 = 4;

impl AuthFlowImpl for Simulator {
    fn new(world: &SmallWorld) -> Self {
        world.simulator(HARNESS_SEED)
    }

    fn get_auth_code(&mut self, req: &AuthCodeRequest) -> Observation {
        observe(Simulator::get_auth_code(self, req.clone()))
    }

    fn authorize(
        &mut self,
        user: UserId,
        app: AppId,
        scope: &str,
        decision: &Decision,
        network: Network,
    ) -> Observation {
        observe(Simulator::authorize(
            self,
            user,
            app,
            scope,
            decision.clone(),
            network,
        ))
    }

    fn get_setting(&mut self, user: UserId, app: AppId) -> Observation {
        observe(Simulator::get_setting(self, user, app))
    }

    fn get_open_user_info(&mut self, user: UserId, app: AppId) -> Observation {
        observe(Simulator::get_open_user_info(self, user, app))
    }

    fn get_phone_number(&mut self, user: UserId, app: AppId) -> Observation {
        observe(Simulator::get_phone_number(self, user, app))
    }

    fn redeem(&mut self, app: AppId, code: &str) -> Observation {
        observe(Simulator::redeem(self, app, code))
    }

    fn refresh(&mut self, app: AppId, refresh_token: &str) -> Observation {
        observe(self.oauth_token(app, "refresh_token", None, Some(refresh_token)))
    }

    fn advance_clock(&mut self, seconds: u64) -> Observation {
        Observation::from_step(&self.advance(seconds))
    }

    fn revoke(&mut self, user: UserId, app: AppId) -> Observation {
        observe(Simulator::revoke(self, user, app))
    }
}

/// A refused input becomes an [`Observation::input_error`], which the harness reports: the
/// handles the harness passes come from the same world, so a refusal is a bug to report, not a
/// reason to panic.
fn observe(step: Result<Step, crate::error::InputError>) -> Observation {
    match step {
        Ok(step) => Observation::from_step(&step),
        Err(e) => Observation::input_error(e.to_string()),
    }
}

const M: usize = MAX_WORLD as usize;

/// The system under test as the harness holds it: the implementation plus the strings it handed
/// out, so that the model's abstract references can be turned back into them.
#[derive(Debug)]
pub struct Driver<I> {
    /// The implementation.
    pub imp: I,
    /// Codes delivered, in the model's order.
    pub codes: Vec<String>,
    /// Per grant: its current refresh token and the one before the last rotation.
    pub refresh_tokens: Vec<(String, Option<String>)>,
    /// The `user_id` seen for each user.
    pub user_ids: [Option<String>; M],
    /// The `open_id` seen for each (user, app).
    pub open_ids: [[Option<String>; M]; M],
}

impl<I: AuthFlowImpl> Driver<I> {
    /// A driver over a fresh implementation of `world`.
    pub fn new(world: &SmallWorld) -> Self {
        Driver {
            imp: I::new(world),
            codes: Vec::new(),
            refresh_tokens: Vec::new(),
            user_ids: Default::default(),
            open_ids: Default::default(),
        }
    }

    /// Runs `action` on the implementation and checks it against `model` (the state after the
    /// action). `Err` says what differs, with the expected and observed values.
    pub fn run(&mut self, model: &ModelState, action: &Action) -> Result<(), String> {
        let obs = self.call(action);
        let exp = &model.expected;
        check_common(exp, &obs)?;
        if let Some(granted) = exp.granted {
            let Some(code) = obs.auth_code.clone() else {
                return Err(format!("expected an authCode, got {obs:?}"));
            };
            if obs.granted != granted {
                return Err(format!(
                    "authSuccessScopes differ from the model's grant: expected {granted:?}, \
                     observed {:?}",
                    obs.granted
                ));
            }
            if self.codes.contains(&code) {
                return Err(format!("authCode {code} was handed out before"));
            }
            self.codes.push(code);
        } else if let Some(code) = &obs.auth_code {
            return Err(format!("the model expects no authCode, observed {code}"));
        }
        if let Some((user, app)) = exp.identity {
            self.check_identity(user, app, &obs)?;
            let token = obs.refresh_token.clone().unwrap_or_default();
            match *action {
                Action::Refresh { grant, .. } => {
                    let t = &mut self.refresh_tokens[grant as usize];
                    let old = std::mem::replace(&mut t.0, token);
                    t.1 = Some(old);
                }
                _ => self.refresh_tokens.push((token, None)),
            }
        }
        Ok(())
    }

    fn call(&mut self, action: &Action) -> Observation {
        match *action {
            Action::GetAuthCode {
                user,
                app,
                ref scopes,
                ref decision,
                network,
            } => self.imp.get_auth_code(&AuthCodeRequest {
                user,
                app,
                scopes: scopes.clone(),
                page: Default::default(),
                decision: decision.clone(),
                network,
            }),
            Action::Button {
                user,
                app,
                scope,
                ref decision,
                network,
            } => self
                .imp
                .authorize(user, app, scope.attr(), decision, network),
            Action::GetSetting { user, app } => self.imp.get_setting(user, app),
            Action::GetOpenUserInfo { user, app } => self.imp.get_open_user_info(user, app),
            Action::GetPhoneNumber { user, app } => self.imp.get_phone_number(user, app),
            Action::Redeem { app, code } => {
                let text = match code {
                    CodeRef::Issued(i) => self.codes[i as usize].clone(),
                    CodeRef::Forged(k) => forged_code(k).to_owned(),
                };
                self.imp.redeem(app, &text)
            }
            Action::Refresh { app, grant, stale } => {
                let (current, previous) = &self.refresh_tokens[grant as usize];
                let token = if stale {
                    previous
                        .clone()
                        .expect("the model only presents rotated tokens")
                } else {
                    current.clone()
                };
                self.imp.refresh(app, &token)
            }
            Action::AdvanceClock { seconds } => self.imp.advance_clock(seconds),
            Action::Revoke { user, app } => self.imp.revoke(user, app),
        }
    }

    fn check_identity(
        &mut self,
        user: UserId,
        app: AppId,
        obs: &Observation,
    ) -> Result<(), String> {
        let (Some(uid), Some(oid)) = (&obs.user_id, &obs.open_id) else {
            return Err(format!("expected a token response, got {obs:?}"));
        };
        if obs.refresh_token.is_none() {
            return Err("a token response carries a refresh_token; this one has none".into());
        }
        let (u, a) = (user.0 as usize, app.0 as usize);
        match &self.user_ids[u] {
            Some(seen) if seen != uid => {
                return Err(format!(
                    "user {u} changed user_id: {seen} before, {uid} now"
                ));
            }
            Some(_) => {}
            None => {
                if let Some(other) = self.user_ids.iter().position(|id| id.as_ref() == Some(uid)) {
                    return Err(format!("users {u} and {other} share user_id {uid}"));
                }
                self.user_ids[u] = Some(uid.clone());
            }
        }
        match &self.open_ids[u][a] {
            Some(seen) if seen != oid => {
                return Err(format!(
                    "({u}, {a}) changed open_id: {seen} before, {oid} now"
                ));
            }
            Some(_) => {}
            None => {
                if self
                    .open_ids
                    .iter()
                    .flatten()
                    .any(|id| id.as_ref() == Some(oid))
                {
                    return Err(format!("two (user, app) pairs share open_id {oid}"));
                }
                self.open_ids[u][a] = Some(oid.clone());
            }
        }
        Ok(())
    }
}

fn check_common(exp: &Expected, obs: &Observation) -> Result<(), String> {
    if let Some(e) = &obs.input_error {
        return Err(format!("the implementation refused the input: {e}"));
    }
    let expected_findings: Vec<FindingId> = exp.finding.into_iter().collect();
    let what = if obs.outcome != exp.outcome {
        "outcome"
    } else if obs.popups != exp.popups {
        "popups"
    } else if obs.error != exp.error {
        "client error"
    } else if obs.sub_code.as_deref() != exp.sub_code {
        "sub_code"
    } else if obs.setting != exp.setting {
        "getSetting"
    } else if obs.member_code.as_deref() != exp.member_code {
        "member-info code"
    } else if obs.findings != expected_findings {
        "findings"
    } else if exp.identity.is_none() && (obs.user_id.is_some() || obs.open_id.is_some()) {
        "token response (none expected)"
    } else {
        return Ok(());
    };
    Err(format!(
        "{what} differs\n  expected {exp:?}\n  observed {obs:?}"
    ))
}

/// A failing journey, as a user reads it: the actions, numbered from 1, the one that failed, and
/// what differed there. It never prints the model's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The (shrunk) actions.
    pub actions: Vec<Action>,
    /// The 1-based number of the action that failed, if one did (`None`: proptest gave up
    /// before finding a failure, e.g. too many rejected cases; see `reason`).
    pub failed_at: Option<usize>,
    /// What differed, with the expected and observed values.
    pub reason: String,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "a journey of {} actions fails:", self.actions.len())?;
        for (i, action) in self.actions.iter().enumerate() {
            let mark = if Some(i + 1) == self.failed_at {
                "  <- fails"
            } else {
                ""
            };
            writeln!(f, "  {}. {action:?}{mark}", i + 1)?;
        }
        match self.failed_at {
            Some(n) => write!(f, "action {n}: {}", self.reason),
            None => write!(f, "{}", self.reason),
        }
    }
}

impl std::error::Error for Counterexample {}

/// Runs `actions` from `world`'s initial state on a fresh `I`, checking each against the model.
/// `Err` is the journey up to and including the first action that differs.
pub fn replay<I: AuthFlowImpl>(
    world: SmallWorld,
    actions: &[Action],
) -> Result<(), Counterexample> {
    replay_counting::<I>(world, actions, None)
}

/// [`replay`], telling proptest-state-machine's shrinker how many actions ran (it first drops
/// the actions after the failing one).
fn replay_counting<I: AuthFlowImpl>(
    world: SmallWorld,
    actions: &[Action],
    seen: Option<&AtomicUsize>,
) -> Result<(), Counterexample> {
    let mut model = ModelState::new(world);
    let mut driver = Driver::<I>::new(&world);
    for (i, action) in actions.iter().enumerate() {
        if let Some(seen) = seen {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        if !model.allows(action) {
            return Err(Counterexample {
                actions: actions[..=i].to_vec(),
                failed_at: Some(i + 1),
                reason: "the action is not valid in the model's state (an index out of range)"
                    .into(),
            });
        }
        model.step(action);
        if let Err(reason) = driver.run(&model, action) {
            return Err(Counterexample {
                actions: actions[..=i].to_vec(),
                failed_at: Some(i + 1),
                reason,
            });
        }
    }
    Ok(())
}

/// The [`StateMachineTest`] checking any [`AuthFlowImpl`] against [`AuthFlowModel`].
///
/// Use it with `prop_state_machine!` (`fn t(sequential 1..40 => AuthFlowTest<MyImpl>);` works, as
/// does an alias) or with [`check`].
#[derive(Debug)]
pub struct AuthFlowTest<I>(PhantomData<I>);

impl<I: AuthFlowImpl> StateMachineTest for AuthFlowTest<I> {
    type SystemUnderTest = Driver<I>;
    type Reference = AuthFlowModel;

    fn init_test(ref_state: &ModelState) -> Driver<I> {
        Driver::new(&ref_state.world)
    }

    /// Panics on a difference (the trait cannot return an error); the message is the action and
    /// what differed, never the model's state. [`check`] runs the same checks without panicking.
    fn apply(mut sut: Driver<I>, ref_state: &ModelState, transition: Action) -> Driver<I> {
        if let Err(reason) = sut.run(ref_state, &transition) {
            panic!("{transition:?}: {reason}");
        }
        sut
    }

    fn check_invariants(sut: &Driver<I>, ref_state: &ModelState) {
        assert_eq!(
            sut.codes.len(),
            ref_state.codes.len(),
            "the implementation delivered a different number of codes than the model"
        );
        assert_eq!(sut.refresh_tokens.len(), ref_state.grants.len());
    }
}

/// Runs the harness for `I` outside the `prop_state_machine!` macro: `cases` random journeys of
/// up to `max_len` actions (proptest's environment variables, e.g. `PROPTEST_RNG_SEED`, apply).
/// No panics: a difference fails the case as a value, proptest shrinks it, and `Err` holds the
/// shrunk journey as numbered actions (`println!("{e}")` prints it).
pub fn check<I: AuthFlowImpl>(cases: u32, max_len: usize) -> Result<(), Counterexample> {
    check_with::<I>(
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        },
        max_len,
    )
}

/// [`check`] with a full proptest configuration (e.g. a fixed `rng_seed` for a reproducible
/// counterexample).
pub fn check_with<I: AuthFlowImpl>(
    config: ProptestConfig,
    max_len: usize,
) -> Result<(), Counterexample> {
    let mut runner = TestRunner::new(config);
    let result = runner.run(
        &AuthFlowModel::sequential_strategy(1..max_len.max(2)),
        |(initial, actions, seen)| {
            replay_counting::<I>(initial.world, &actions, seen.as_deref())
                .map_err(|c| TestCaseError::fail(c.reason))
        },
    );
    let world = SmallWorld::default();
    match result {
        Ok(()) => Ok(()),
        // Replaying the minimal journey gives the failing action's number and message.
        Err(TestError::Fail(reason, (_, actions, _))) => Err(replay::<I>(world, &actions)
            .err()
            .unwrap_or(Counterexample {
                actions,
                failed_at: None,
                reason: format!("failed under proptest but not on replay: {reason}"),
            })),
        Err(TestError::Abort(reason)) => Err(Counterexample {
            actions: Vec::new(),
            failed_at: None,
            reason: format!("proptest gave up: {reason}"),
        }),
    }
}
