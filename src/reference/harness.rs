//! The harness: a trait another implementation of the flow implements, a [`StateMachineTest`]
//! generic over it, and the implementation for authsim's own [`Simulator`].

use std::marker::PhantomData;

use proptest::test_runner::{Config as ProptestConfig, TestError, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};

use super::model::{Action, AuthFlowModel, CodeRef, Expected, ModelState, forged_code};
use crate::call::{Decision, Network};
use crate::explore::{MAX_WORLD, SmallWorld};
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

    /// What a simulator [`Step`] shows.
    pub fn from_step(step: &Step) -> Self {
        let mut o = Observation::new(step.outcome).popups(step.popups);
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

fn observe(step: Result<Step, crate::error::InputError>) -> Observation {
    match step {
        Ok(step) => Observation::from_step(&step),
        Err(e) => panic!("the simulator refused an input of its own world: {e}"),
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
    /// action). Panics, with the expected and observed values, on any difference.
    pub fn run(&mut self, model: &ModelState, action: &Action) {
        let obs = self.call(action);
        let exp = &model.expected;
        check_common(action, exp, &obs);
        if let Some(granted) = exp.granted {
            let code = obs
                .auth_code
                .clone()
                .unwrap_or_else(|| panic!("{action:?}: expected an authCode, got {obs:?}"));
            assert_eq!(
                obs.granted, granted,
                "{action:?}: authSuccessScopes differ from the model's grant"
            );
            assert!(
                !self.codes.contains(&code),
                "{action:?}: authCode {code} was handed out before"
            );
            self.codes.push(code);
        } else {
            assert_eq!(
                obs.auth_code, None,
                "{action:?}: the model expects no authCode"
            );
        }
        if let Some((user, app)) = exp.identity {
            self.check_identity(action, user, app, &obs);
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
    }

    fn call(&mut self, action: &Action) -> Observation {
        match *action {
            Action::GetAuthCode {
                user,
                app,
                scopes,
                decision,
                network,
            } => self.imp.get_auth_code(&AuthCodeRequest {
                user,
                app,
                scopes: scopes.to_arg(),
                page: Default::default(),
                decision: decision.to_decision(),
                network,
            }),
            Action::Button {
                user,
                app,
                scope,
                decision,
                network,
            } => self
                .imp
                .authorize(user, app, scope.attr(), &decision.to_decision(), network),
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

    fn check_identity(&mut self, action: &Action, user: UserId, app: AppId, obs: &Observation) {
        let (Some(uid), Some(oid)) = (&obs.user_id, &obs.open_id) else {
            panic!("{action:?}: expected a token response, got {obs:?}");
        };
        assert!(
            obs.refresh_token.is_some(),
            "{action:?}: a token response carries a refresh_token"
        );
        let (u, a) = (user.0 as usize, app.0 as usize);
        match &self.user_ids[u] {
            Some(seen) => assert_eq!(seen, uid, "{action:?}: user {u} changed user_id"),
            None => {
                for (other, id) in self.user_ids.iter().enumerate() {
                    assert_ne!(
                        id.as_ref(),
                        Some(uid),
                        "{action:?}: users {u} and {other} share user_id {uid}"
                    );
                }
                self.user_ids[u] = Some(uid.clone());
            }
        }
        match &self.open_ids[u][a] {
            Some(seen) => assert_eq!(seen, oid, "{action:?}: ({u}, {a}) changed open_id"),
            None => {
                for row in &self.open_ids {
                    for id in row {
                        assert_ne!(
                            id.as_ref(),
                            Some(oid),
                            "{action:?}: two (user, app) pairs share open_id {oid}"
                        );
                    }
                }
                self.open_ids[u][a] = Some(oid.clone());
            }
        }
    }
}

fn check_common(action: &Action, exp: &Expected, obs: &Observation) {
    let ctx = || format!("{action:?}\n  expected {exp:?}\n  observed {obs:?}");
    assert_eq!(obs.outcome, exp.outcome, "outcome differs: {}", ctx());
    assert_eq!(obs.popups, exp.popups, "popups differ: {}", ctx());
    assert_eq!(obs.error, exp.error, "client error differs: {}", ctx());
    assert_eq!(
        obs.sub_code.as_deref(),
        exp.sub_code,
        "sub_code differs: {}",
        ctx()
    );
    assert_eq!(obs.setting, exp.setting, "getSetting differs: {}", ctx());
    assert_eq!(
        obs.member_code.as_deref(),
        exp.member_code,
        "member-info code differs: {}",
        ctx()
    );
    if exp.identity.is_none() {
        assert!(
            obs.user_id.is_none() && obs.open_id.is_none(),
            "unexpected token response: {}",
            ctx()
        );
    }
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

    fn apply(mut sut: Driver<I>, ref_state: &ModelState, transition: Action) -> Driver<I> {
        sut.run(ref_state, &transition);
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

/// A generated case: the model's initial state, the actions, and proptest's bookkeeping.
pub type Case = (
    ModelState,
    Vec<Action>,
    Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
);

/// Runs the harness for `I` outside the `prop_state_machine!` macro: `cases` random sequences of
/// up to `max_len` actions (proptest's environment variables, e.g. `PROPTEST_RNG_SEED`, apply).
/// `Err(TestError::Fail(reason, case))` holds the shrunk counterexample.
#[allow(clippy::result_large_err)] // proptest's own result type
pub fn check<I: AuthFlowImpl>(cases: u32, max_len: usize) -> Result<(), TestError<Case>> {
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
#[allow(clippy::result_large_err)] // proptest's own result type
pub fn check_with<I: AuthFlowImpl>(
    config: ProptestConfig,
    max_len: usize,
) -> Result<(), TestError<Case>> {
    let mut runner = TestRunner::new(config.clone());
    runner.run(
        &AuthFlowModel::sequential_strategy(1..max_len.max(2)),
        |(initial, actions, seen)| {
            AuthFlowTest::<I>::test_sequential(config.clone(), initial, actions, seen);
            Ok(())
        },
    )
}
