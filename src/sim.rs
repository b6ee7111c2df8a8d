//! The simulator: the whole world in one value, driven by [`Input`]s, answering with [`Step`]s.
//!
//! One door in ([`Simulator::handle`], or the typed methods it dispatches to), one answer out per
//! input. Time moves only through [`Input::AdvanceClock`]; randomness comes only from the seeded
//! stream. The simulator is `Clone` and serde-serializable: a snapshot restored and continued
//! gives exactly what the uninterrupted run gives.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use statig::blocking::{IntoStateMachineExt, StateMachine};

use crate::call::{
    self, AuthCodeCall, CallEnding, CallEvent, CallReport, Decision, Network, Page, Platform,
};
use crate::clock::Instant;
use crate::config::Config;
use crate::consent::ConsentStore;
use crate::detmap::DetMap;
use crate::error::InputError;
use crate::findings::{Finding, FindingId, PopupHistory, PopupKind};
use crate::gateway::{Gateway, GatewayStats, TokenRequest, TypedTokenRequest};
use crate::identity::{self, Entropy, IdentityKeys};
use crate::ids::{AccessToken, AuthCode, IdArg, RefreshToken};
use crate::member::{self, ButtonError, ButtonScope};
use crate::payload::{
    Empty, GatewayErrorResponse, OauthTokenSuccess, Payload, UNSIGNED, UserInfoShareSuccess,
};
use crate::scope::ScopesArg;
use crate::world::{AppId, AppSpec, Package, UserId, UserSpec};

/// Id of a `my.getAuthCode` call driven step by step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct CallId(pub u64);

/// Which callback fired, or what the server answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
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
}

/// A callback of a JSAPI call, in the order they fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Callback {
    /// `success` (for the button: `onGetAuthorize`).
    Success,
    /// `fail` (for the button: `onError`).
    Fail,
    /// `complete`, after either.
    Complete,
}

impl Callback {
    /// No callback (a gateway, clock or revocation step, or a call still waiting).
    pub const NONE: &'static [Callback] = &[];
    /// `success`, then `complete`.
    pub const SUCCEEDED: &'static [Callback] = &[Callback::Success, Callback::Complete];
    /// `fail`, then `complete`.
    pub const FAILED: &'static [Callback] = &[Callback::Fail, Callback::Complete];

    /// Reads a step's `callbacks` back: one of [`NONE`](Self::NONE),
    /// [`SUCCEEDED`](Self::SUCCEEDED) or [`FAILED`](Self::FAILED), the only lists a step has.
    fn deserialize_list<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<&'static [Callback], D::Error> {
        let list = Vec::<Callback>::deserialize(d)?;
        [Callback::NONE, Callback::SUCCEEDED, Callback::FAILED]
            .into_iter()
            .find(|known| **known == list[..])
            .ok_or_else(|| {
                serde::de::Error::custom(format_args!(
                    "callbacks {list:?} are none of [], [success, complete], [fail, complete]"
                ))
            })
    }
}

/// What one input produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Which callback fired or what the server answered.
    pub outcome: Outcome,
    /// Popups this step showed the user.
    pub popups: u32,
    /// The payload exactly as Alipay delivers it.
    pub result: Payload,
    /// The callbacks that fired, in order: `[success|fail, complete]` for a finished client call,
    /// none otherwise. One of three fixed lists, so a step carries no heap allocation for it.
    #[serde(deserialize_with = "Callback::deserialize_list")]
    pub callbacks: &'static [Callback],
    /// Policy findings raised by this step.
    pub findings: Vec<Finding>,
    /// For a step-wise call still in flight, its id.
    pub call: Option<CallId>,
    /// The server's view: an auth code issued by this step, even one whose response was lost.
    pub issued_code: Option<AuthCode>,
}

impl Step {
    fn plain(outcome: Outcome, result: Payload) -> Step {
        Step {
            outcome,
            popups: 0,
            result,
            callbacks: Callback::NONE,
            findings: Vec::new(),
            call: None,
            issued_code: None,
        }
    }

    fn client(success: bool, result: Payload) -> Step {
        let (outcome, callbacks) = if success {
            (Outcome::Success, Callback::SUCCEEDED)
        } else {
            (Outcome::Fail, Callback::FAILED)
        };
        Step {
            callbacks,
            ..Step::plain(outcome, result)
        }
    }

    fn gateway<T>(
        result: Result<T, crate::error_codes::GatewayError>,
        ok: impl FnOnce(T) -> Payload,
    ) -> Step {
        match result {
            Ok(body) => Step::plain(Outcome::Ok, ok(body)),
            Err(e) => Step::plain(
                Outcome::Error,
                Payload::GatewayError(GatewayErrorResponse::from(e)),
            ),
        }
    }
}

/// A whole `my.getAuthCode` call in one input: the arguments, and what the user and the network
/// will do. `decision` is consulted only if a popup is shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthCodeRequest {
    /// The user.
    pub user: UserId,
    /// The mini program.
    pub app: AppId,
    /// The raw `scopes` argument.
    #[serde(default)]
    pub scopes: ScopesArg,
    /// Where the call is made.
    #[serde(default)]
    pub page: Page,
    /// The user's answer, if a popup is shown.
    #[serde(default)]
    pub decision: Decision,
    /// What the network does.
    #[serde(default)]
    pub network: Network,
}

impl AuthCodeRequest {
    /// A call from a tap on a non-first screen; the user accepts; the network works.
    pub fn new(user: UserId, app: AppId, scopes: impl Into<ScopesArg>) -> Self {
        AuthCodeRequest {
            user,
            app,
            scopes: scopes.into(),
            ..AuthCodeRequest::default()
        }
    }

    /// Sets the user's decision.
    pub fn decision(mut self, decision: Decision) -> Self {
        self.decision = decision;
        self
    }

    /// Sets the network's behaviour.
    pub fn network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }

    /// Sets the page context.
    pub fn page(mut self, page: Page) -> Self {
        self.page = page;
        self
    }
}

/// Every input the simulator accepts, as data (tagged by `op`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op")]
pub enum Input {
    /// A whole `my.getAuthCode` call.
    #[serde(rename = "my.getAuthCode")]
    GetAuthCode(AuthCodeRequest),
    /// Start a `my.getAuthCode` call, to drive it step by step.
    #[serde(rename = "call.invoke")]
    InvokeAuthCode {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
        /// The raw `scopes`.
        #[serde(default)]
        scopes: ScopesArg,
        /// Where.
        #[serde(default)]
        page: Page,
    },
    /// The user answers a step-wise call's popup.
    #[serde(rename = "call.decide")]
    Decide {
        /// The call.
        call: CallId,
        /// The answer.
        decision: Decision,
    },
    /// The network answers a step-wise call's request.
    #[serde(rename = "call.network")]
    Deliver {
        /// The call.
        call: CallId,
        /// What the network does.
        network: Network,
    },
    /// A tap on `<button open-type="getAuthorize" scope="…">`.
    #[serde(rename = "button.getAuthorize")]
    Authorize {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
        /// The button's `scope` attribute, as written.
        scope: String,
        /// The user's answer, if a popup is shown.
        #[serde(default)]
        decision: Decision,
        /// What the network does.
        #[serde(default)]
        network: Network,
    },
    /// `my.getOpenUserInfo`.
    #[serde(rename = "my.getOpenUserInfo")]
    GetOpenUserInfo {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
    },
    /// `my.getPhoneNumber`.
    #[serde(rename = "my.getPhoneNumber")]
    GetPhoneNumber {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
    },
    /// `my.getSetting`.
    #[serde(rename = "my.getSetting")]
    GetSetting {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
    },
    /// `alipay.system.oauth.token`, called by `app`'s server.
    #[serde(rename = "alipay.system.oauth.token")]
    OauthToken {
        /// The calling app.
        app: AppId,
        /// `authorization_code`, `refresh_token`, or anything else (refused).
        grant_type: String,
        /// The code, for `authorization_code`.
        #[serde(default)]
        code: Option<String>,
        /// The refresh token, for `refresh_token`.
        #[serde(default)]
        refresh_token: Option<String>,
    },
    /// `alipay.user.info.share`, called by `app`'s server.
    #[serde(rename = "alipay.user.info.share")]
    UserInfoShare {
        /// The calling app.
        app: AppId,
        /// The access token.
        auth_token: String,
    },
    /// Time passes.
    #[serde(rename = "clock.advance")]
    AdvanceClock {
        /// How long.
        seconds: u64,
    },
    /// The user revokes the app in its settings (menu → About → Settings → User info).
    #[serde(rename = "user.revoke")]
    Revoke {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
    },
}

/// Running totals over every step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Inputs handled (refused inputs are not counted).
    pub steps: u64,
    /// Popups shown.
    pub popups: u64,
    /// Findings raised, by kind.
    pub findings: BTreeMap<FindingId, u64>,
    /// Steps by outcome.
    pub outcomes: BTreeMap<Outcome, u64>,
}

/// The deterministic simulator of Alipay mini-program authorization.
///
/// A snapshot is its serde form. Deserializing checks it ([`Simulator::validate`]): a snapshot that
/// was edited or corrupted is refused with an error instead of panicking later.
#[derive(Clone, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Simulator {
    config: Config,
    seed: u64,
    now: Instant,
    entropy: Entropy,
    keys: IdentityKeys,
    // The roster is fixed once declared, so clones share it (`Arc`, copied only on `add_*`):
    // copying and freeing every name was a large share of `authsim explore`, which clones per move.
    apps: Arc<Vec<AppSpec>>,
    users: Arc<Vec<UserSpec>>,
    // Hash maps written as JSON objects in key order (as the BTreeMaps they replace): a
    // BTreeMap<String, _> insert was 11 % of `authsim simulate`, all string compares.
    #[serde(with = "crate::detmap::shared_map")]
    app_names: Arc<DetMap<String, AppId>>,
    #[serde(with = "crate::detmap::shared_map")]
    user_names: Arc<DetMap<String, UserId>>,
    consent: ConsentStore,
    gateway: Gateway,
    popup_history: PopupHistory,
    #[serde(with = "crate::entries")]
    calls: BTreeMap<CallId, StateMachine<AuthCodeCall>>,
    next_call: u64,
    totals: Totals,
}

// Deserialization validates: the derives above are `remote = "Self"`, which makes them inherent
// functions, and these trait impls wrap them (one field list, no shadow struct).
impl Serialize for Simulator {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Simulator::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Simulator {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let sim = Simulator::deserialize(d)?;
        sim.validate().map_err(serde::de::Error::custom)?;
        Ok(sim)
    }
}

/// Equality of everything observable: calls in flight compare by state and arguments, not by
/// statig's private "initialized" flag, which a restored snapshot resets.
impl PartialEq for Simulator {
    fn eq(&self, other: &Self) -> bool {
        let calls_eq = self.calls.len() == other.calls.len()
            && self
                .calls
                .iter()
                .zip(&other.calls)
                .all(|((a, ma), (b, mb))| {
                    a == b && ma.state() == mb.state() && ma.inner() == mb.inner()
                });
        calls_eq
            && self.config == other.config
            && self.seed == other.seed
            && self.now == other.now
            && self.entropy == other.entropy
            && self.keys == other.keys
            && self.apps == other.apps
            && self.users == other.users
            && self.app_names == other.app_names
            && self.user_names == other.user_names
            && self.consent == other.consent
            && self.gateway == other.gateway
            && self.popup_history == other.popup_history
            && self.next_call == other.next_call
            && self.totals == other.totals
    }
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("seed", &self.seed)
            .field("now", &self.now)
            .field("apps", &self.apps.len())
            .field("users", &self.users.len())
            .field(
                "calls_in_flight",
                &self
                    .calls
                    .iter()
                    .map(|(id, m)| (id.0, call::state_name(m.state())))
                    .collect::<Vec<_>>(),
            )
            .field("totals", &self.totals)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// A world with no apps or users, its randomness drawn from `seed`.
    pub fn new(config: Config, seed: u64) -> Result<Self, InputError> {
        config.validate()?;
        let mut entropy = Entropy::new(seed);
        let keys = IdentityKeys::draw(&mut entropy);
        Ok(Simulator {
            config,
            seed,
            now: Instant::default(),
            entropy,
            keys,
            apps: Arc::default(),
            users: Arc::default(),
            app_names: Arc::default(),
            user_names: Arc::default(),
            consent: ConsentStore::default(),
            gateway: Gateway::default(),
            popup_history: PopupHistory::default(),
            calls: BTreeMap::new(),
            next_call: 0,
            totals: Totals::default(),
        })
    }

    /// Checks that the simulator is internally consistent: the configuration is in range, names
    /// index the declared users and apps, and every record refers to a user, app, grant or call
    /// that exists. Always true of a simulator built through this API; checked when a snapshot is
    /// deserialized, so a corrupted one is an error rather than a later panic.
    pub fn validate(&self) -> Result<(), String> {
        self.config.validate().map_err(|e| e.to_string())?;
        let (users, apps) = (self.users.len(), self.apps.len());
        // Each name maps to its own index and the maps are no larger: a bijection.
        let users_named = self.user_names.len() == users
            && (self.users.iter().enumerate())
                .all(|(i, u)| self.user_names.get(&u.name) == Some(&UserId(i as u32)));
        let apps_named = self.app_names.len() == apps
            && (self.apps.iter().enumerate())
                .all(|(i, a)| self.app_names.get(&a.name) == Some(&AppId(i as u32)));
        if !users_named || !apps_named {
            return Err("snapshot: the name indexes do not match the users and apps".into());
        }
        if !self.consent.refs_ok(users, apps) || !self.popup_history.refs_ok(users, apps) {
            return Err("snapshot: consent or popup history names a missing user or app".into());
        }
        self.gateway
            .check_refs(users, apps)
            .map_err(|e| format!("snapshot: {e}"))?;
        for (id, m) in &self.calls {
            let call = m.inner();
            if id.0 >= self.next_call
                || call.user.0 as usize >= users
                || call.app.0 as usize >= apps
            {
                return Err(format!(
                    "snapshot: call #{} refers to a missing user, app or id",
                    id.0
                ));
            }
        }
        Ok(())
    }

    /// Adds an app; its name must be new.
    pub fn add_app(&mut self, spec: AppSpec) -> Result<AppId, InputError> {
        if self.app_names.contains_key(&spec.name) {
            return Err(InputError::DuplicateName {
                kind: "app".into(),
                name: spec.name,
            });
        }
        let id = AppId(self.apps.len() as u32);
        Arc::make_mut(&mut self.app_names).insert(spec.name.clone(), id);
        Arc::make_mut(&mut self.apps).push(spec);
        Ok(id)
    }

    /// Adds a user (an Alipay account); its name must be new.
    pub fn add_user(&mut self, spec: UserSpec) -> Result<UserId, InputError> {
        if self.user_names.contains_key(&spec.name) {
            return Err(InputError::DuplicateName {
                kind: "user".into(),
                name: spec.name,
            });
        }
        let id = UserId(self.users.len() as u32);
        Arc::make_mut(&mut self.user_names).insert(spec.name.clone(), id);
        Arc::make_mut(&mut self.users).push(spec);
        Ok(id)
    }

    /// The app named `name`.
    pub fn app_by_name(&self, name: &str) -> Option<AppId> {
        self.app_names.get(name).copied()
    }

    /// The user named `name`.
    pub fn user_by_name(&self, name: &str) -> Option<UserId> {
        self.user_names.get(name).copied()
    }

    /// The app's declaration.
    pub fn app(&self, app: AppId) -> Option<&AppSpec> {
        self.apps.get(app.0 as usize)
    }

    /// The user's declaration.
    pub fn user(&self, user: UserId) -> Option<&UserSpec> {
        self.users.get(user.0 as usize)
    }

    /// Number of users.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Number of apps.
    pub fn app_count(&self) -> usize {
        self.apps.len()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The virtual clock.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The user's `user_id`, as `alipay.system.oauth.token` returns it.
    pub fn alipay_user_id(&self, user: UserId) -> Option<crate::ids::AlipayUserId> {
        self.user(user)?;
        Some(crate::ids::AlipayUserId::new(self.keys.user_id(user.0)))
    }

    /// The `open_id` of (user, app) as a typed value, if both exist.
    pub fn open_id_value(&self, user: UserId, app: AppId) -> Option<crate::ids::OpenId> {
        self.user(user)?;
        self.app(app)?;
        Some(self.keys.open_id_value(user.0, app.0))
    }

    /// The account's `user_id` as Alipay's text, if the user exists.
    pub fn user_id(&self, user: UserId) -> Option<String> {
        self.user(user)?;
        Some(identity::user_id_text(self.keys.user_id(user.0)))
    }

    /// The (user, app) `open_id`.
    pub fn open_id(&self, user: UserId, app: AppId) -> Option<String> {
        self.user(user)?;
        self.app(app)?;
        Some(self.keys.open_id(user.0, app.0))
    }

    /// The consent store.
    pub fn consent(&self) -> &ConsentStore {
        &self.consent
    }

    /// The gateway (server-side state), read-only.
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// Gateway counters.
    pub fn gateway_stats(&self) -> GatewayStats {
        self.gateway.stats()
    }

    /// Codes never presented whose lifetime has ended.
    pub fn codes_expired_unused(&self) -> u64 {
        self.gateway.expired_unused(self.now)
    }

    /// Running totals.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Calls in flight and their states.
    pub fn calls_in_flight(&self) -> impl Iterator<Item = (CallId, &'static str)> + '_ {
        self.calls
            .iter()
            .map(|(id, m)| (*id, call::state_name(m.state())))
    }

    /// Handles one input. On `Err` nothing changed.
    pub fn handle(&mut self, input: Input) -> Result<Step, InputError> {
        match input {
            Input::GetAuthCode(req) => self.get_auth_code(req),
            Input::InvokeAuthCode {
                user,
                app,
                scopes,
                page,
            } => self.invoke_auth_code(user, app, scopes, page),
            Input::Decide { call, decision } => self.drive(call, CallEvent::Decide(decision)),
            Input::Deliver { call, network } => self.drive(call, CallEvent::Network(network)),
            Input::Authorize {
                user,
                app,
                scope,
                decision,
                network,
            } => self.authorize(user, app, &scope, decision, network),
            Input::GetOpenUserInfo { user, app } => self.get_open_user_info(user, app),
            Input::GetPhoneNumber { user, app } => self.get_phone_number(user, app),
            Input::GetSetting { user, app } => self.get_setting(user, app),
            Input::OauthToken {
                app,
                grant_type,
                code,
                refresh_token,
            } => self.oauth_token(app, &grant_type, code.as_deref(), refresh_token.as_deref()),
            Input::UserInfoShare { app, auth_token } => self.user_info_share(app, &auth_token),
            Input::AdvanceClock { seconds } => Ok(self.advance(seconds)),
            Input::Revoke { user, app } => self.revoke(user, app),
        }
    }

    fn check(&self, user: UserId, app: AppId) -> Result<(), InputError> {
        if self.user(user).is_none() {
            return Err(InputError::UnknownUser(user));
        }
        if self.app(app).is_none() {
            return Err(InputError::UnknownApp(app));
        }
        Ok(())
    }

    fn record(&mut self, step: Step) -> Step {
        self.totals.steps += 1;
        self.totals.popups += u64::from(step.popups);
        for f in &step.findings {
            *self.totals.findings.entry(f.id).or_default() += 1;
        }
        *self.totals.outcomes.entry(step.outcome).or_default() += 1;
        step
    }

    /// Runs one event through a call machine against the platform state. The diagram (in the
    /// `authsim` tool) drives scratch machines through it too, so there is one way to build a
    /// call's platform view. Calls made through [`Simulator::handle`] never need it.
    pub fn run_event(
        &mut self,
        machine: &mut StateMachine<AuthCodeCall>,
        event: &CallEvent,
    ) -> CallReport {
        let mut report = CallReport::default();
        let mut platform = Platform {
            config: &self.config,
            apps: &self.apps,
            consent: &mut self.consent,
            gateway: &mut self.gateway,
            entropy: &mut self.entropy,
            popup_history: &mut self.popup_history,
            now: self.now,
            report: &mut report,
        };
        machine.handle_with_context(event, &mut platform);
        report
    }

    /// `my.getAuthCode`, the whole call: invoke, then the decision if a popup shows, then the
    /// network. Always ends with one `success` or `fail`, then `complete`.
    pub fn get_auth_code(&mut self, req: AuthCodeRequest) -> Result<Step, InputError> {
        self.check(req.user, req.app)?;
        let mut machine =
            AuthCodeCall::new(req.user, req.app, req.scopes, req.page).state_machine();
        let mut acc = self.run_event(&mut machine, &CallEvent::Invoke);
        let mut next = [
            CallEvent::Decide(req.decision),
            CallEvent::Network(req.network),
        ]
        .into_iter();
        while acc.ending.is_none() {
            let event = match machine.state() {
                call::State::Prompting { .. } => next.next(),
                call::State::Requesting { .. } => next.find(|e| matches!(e, CallEvent::Network(_))),
                _ => None,
            }
            .expect("a call that has not ended waits for a decision or the network");
            let r = self.run_event(&mut machine, &event);
            acc.popups += r.popups;
            acc.findings.extend(r.findings);
            acc.issued_code = acc.issued_code.or(r.issued_code);
            acc.ending = r.ending;
        }
        Ok(self.record(finished_step(acc)))
    }

    /// Starts a `my.getAuthCode` call to be driven with [`Input::Decide`] and [`Input::Deliver`].
    /// If it ends at once (an invalid call), the step says so and no call stays in flight.
    pub fn invoke_auth_code(
        &mut self,
        user: UserId,
        app: AppId,
        scopes: ScopesArg,
        page: Page,
    ) -> Result<Step, InputError> {
        self.check(user, app)?;
        let mut machine = AuthCodeCall::new(user, app, scopes, page).state_machine();
        let report = self.run_event(&mut machine, &CallEvent::Invoke);
        Ok(self.settle(CallId(self.next_call), machine, report, true))
    }

    fn drive(&mut self, id: CallId, event: CallEvent) -> Result<Step, InputError> {
        let mut machine = self.calls.remove(&id).ok_or(InputError::UnknownCall(id))?;
        let report = self.run_event(&mut machine, &event);
        if let Some(reason) = report.refused {
            let state = call::state_name(machine.state()).to_owned();
            self.calls.insert(id, machine);
            return Err(InputError::CallRefused {
                call: id,
                state,
                reason: reason.into(),
            });
        }
        Ok(self.settle(id, machine, report, false))
    }

    fn settle(
        &mut self,
        id: CallId,
        machine: StateMachine<AuthCodeCall>,
        report: CallReport,
        new: bool,
    ) -> Step {
        if report.ending.is_some() {
            return self.record(finished_step(report));
        }
        if new {
            self.next_call += 1;
        }
        self.calls.insert(id, machine);
        let step = Step {
            popups: report.popups,
            findings: report.findings,
            call: Some(id),
            issued_code: report.issued_code.map(AuthCode::new),
            ..Step::plain(Outcome::Pending, Payload::Empty(Empty {}))
        };
        self.record(step)
    }

    /// A tap on `<button open-type="getAuthorize" scope="…">`: a popup unless already consented.
    pub fn authorize(
        &mut self,
        user: UserId,
        app: AppId,
        scope_attr: &str,
        decision: Decision,
        network: Network,
    ) -> Result<Step, InputError> {
        self.check(user, app)?;
        let fail = |e: ButtonError| Step::client(false, Payload::AuthorizeError(e.detail()));
        let Some(scope) = ButtonScope::parse(scope_attr) else {
            return Ok(self.record(fail(ButtonError::InvalidScope)));
        };
        if scope == ButtonScope::PhoneNumber && !self.apps[app.0 as usize].enterprise {
            return Ok(self.record(fail(ButtonError::NotEnterprise)));
        }
        let consent = self.consent.get(user, app);
        let already = match scope {
            ButtonScope::UserInfo => consent.user_info,
            ButtonScope::PhoneNumber => consent.phone_number,
        };
        let mut popups = 0;
        let mut findings = Vec::new();
        if !already {
            popups = 1;
            if scope == ButtonScope::UserInfo {
                findings.extend(self.popup_history.shown(user, app, PopupKind::UserInfo));
            }
            let refused = match decision {
                Decision::Deny => Some(ButtonError::Denied),
                Decision::Dismiss => Some(ButtonError::Dismissed),
                Decision::Accept | Decision::AcceptOnly(_) => None,
            };
            let refused = refused.or((network == Network::Fail).then_some(ButtonError::Network));
            if refused.is_none() {
                match scope {
                    ButtonScope::UserInfo => self.consent.grant_user_info(user, app),
                    ButtonScope::PhoneNumber => self.consent.grant_phone_number(user, app),
                }
            }
            let lost = network == Network::LostResponse;
            if let Some(e) = refused.or(lost.then_some(ButtonError::Network)) {
                return Ok(self.record(Step {
                    popups,
                    findings,
                    ..fail(e)
                }));
            }
        }
        Ok(self.record(Step {
            popups,
            findings,
            ..Step::client(true, Payload::Empty(Empty {}))
        }))
    }

    /// `my.getOpenUserInfo`: its result, or its business error, in `response`.
    pub fn get_open_user_info(&mut self, user: UserId, app: AppId) -> Result<Step, InputError> {
        self.check(user, app)?;
        let consented = self.consent.get(user, app).user_info;
        let r = member::open_user_info(
            &self.apps[app.0 as usize],
            &self.users[user.0 as usize],
            consented,
        );
        Ok(self.record(Step::client(true, Payload::Response(r))))
    }

    /// `my.getPhoneNumber`: the (decrypted) mobile, or its business error, in `response`.
    pub fn get_phone_number(&mut self, user: UserId, app: AppId) -> Result<Step, InputError> {
        self.check(user, app)?;
        let consented = self.consent.get(user, app).phone_number;
        let r = member::phone_number(
            &self.apps[app.0 as usize],
            &self.users[user.0 as usize],
            consented,
        );
        Ok(self.record(Step::client(true, Payload::Response(r))))
    }

    /// `my.getSetting`: which button consents the user has given the app.
    pub fn get_setting(&mut self, user: UserId, app: AppId) -> Result<Step, InputError> {
        self.check(user, app)?;
        let c = self.consent.get(user, app);
        let r = member::setting(c.user_info, c.phone_number);
        Ok(self.record(Step::client(true, Payload::Setting(r))))
    }

    /// `alipay.system.oauth.token` from `app`'s server.
    pub fn oauth_token(
        &mut self,
        app: AppId,
        grant_type: &str,
        code: Option<&str>,
        refresh_token: Option<&str>,
    ) -> Result<Step, InputError> {
        if self.app(app).is_none() {
            return Err(InputError::UnknownApp(app));
        }
        let request = match grant_type {
            "authorization_code" => TokenRequest::AuthorizationCode(code.unwrap_or("")),
            "refresh_token" => TokenRequest::RefreshToken(refresh_token.unwrap_or("")),
            other => TokenRequest::Other(other),
        };
        self.token_request(app, request.into())
    }

    fn token_request(
        &mut self,
        app: AppId,
        request: TypedTokenRequest,
    ) -> Result<Step, InputError> {
        if self.app(app).is_none() {
            return Err(InputError::UnknownApp(app));
        }
        let r = self.gateway.oauth_token(
            &mut self.entropy,
            &self.keys,
            &self.config,
            app,
            request,
            self.now,
        );
        let step = Step::gateway(r, |body| {
            Payload::OauthToken(OauthTokenSuccess {
                alipay_system_oauth_token_response: body,
                sign: Cow::Borrowed(UNSIGNED),
            })
        });
        Ok(self.record(step))
    }

    /// Redeems an auth code: shorthand for `oauth_token(app, "authorization_code", code)`. Takes
    /// an [`AuthCode`] or its text.
    pub fn redeem(&mut self, app: AppId, code: impl IdArg<AuthCode>) -> Result<Step, InputError> {
        self.token_request(app, TypedTokenRequest::AuthorizationCode(code.to_id()))
    }

    /// `alipay.system.oauth.token` with `grant_type=refresh_token`: shorthand for
    /// `oauth_token(app, "refresh_token", None, token)`. Takes a [`RefreshToken`] or its text.
    pub fn refresh_grant(
        &mut self,
        app: AppId,
        token: impl IdArg<RefreshToken>,
    ) -> Result<Step, InputError> {
        self.token_request(app, TypedTokenRequest::RefreshToken(token.to_id()))
    }

    /// `alipay.user.info.share` from `app`'s server. Takes an [`AccessToken`] or its text.
    pub fn user_info_share(
        &mut self,
        app: AppId,
        auth_token: impl IdArg<AccessToken>,
    ) -> Result<Step, InputError> {
        let auth_token = auth_token.to_id();
        let Some(spec) = self.app(app) else {
            return Err(InputError::UnknownApp(app));
        };
        let has = spec.has(Package::MemberInfo);
        let users = &self.users;
        let r = self
            .gateway
            .user_info_share(&self.keys, app, has, auth_token, self.now, |u| {
                let spec = &users[u.0 as usize];
                (spec.avatar.clone(), spec.nick_name.clone())
            });
        let step = Step::gateway(r, |body| {
            Payload::UserInfoShare(UserInfoShareSuccess {
                alipay_user_info_share_response: body,
                sign: Cow::Borrowed(UNSIGNED),
            })
        });
        Ok(self.record(step))
    }

    /// Advances the virtual clock.
    pub fn advance(&mut self, seconds: u64) -> Step {
        self.now = self.now.plus(seconds);
        self.record(Step::plain(Outcome::Ok, Payload::Empty(Empty {})))
    }

    /// The user revokes the app: consent, codes and tokens for the pair are void.
    pub fn revoke(&mut self, user: UserId, app: AppId) -> Result<Step, InputError> {
        self.check(user, app)?;
        self.consent.revoke(user, app);
        self.gateway.revoke(user, app);
        self.popup_history.revoke(user, app);
        Ok(self.record(Step::plain(Outcome::Ok, Payload::Empty(Empty {}))))
    }
}

fn finished_step(report: CallReport) -> Step {
    let (success, result) = match report.ending.expect("finished calls have an ending") {
        CallEnding::Success(s) => (true, Payload::AuthCode(s)),
        CallEnding::Fail(f) => (false, Payload::ClientFail(f)),
    };
    Step {
        popups: report.popups,
        findings: report.findings,
        issued_code: report.issued_code.map(AuthCode::new),
        ..Step::client(success, result)
    }
}
