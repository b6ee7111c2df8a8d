//! The abstract model: a few arrays and two vectors of small `Copy` records, no strings, no maps.
//!
//! It is written from the SPEC's rules, not from the simulator's code: scopes are chosen as
//! abstract classes ([`ScopesChoice`]) whose meaning the model knows directly, codes are indices
//! into the list of codes delivered to the client, and the model predicts for every [`Action`] an
//! [`Expected`] observation that the harness compares with what an implementation returns.

use proptest::strategy::BoxedStrategy;
use proptest_state_machine::ReferenceStateMachine;
use serde_json::Value;

use crate::call::{Decision, Network};
use crate::explore::{MAX_WORLD, SmallWorld};
use crate::scope::{Scope, ScopeSet, ScopesArg};
use crate::sim::Outcome;
use crate::world::{AppId, UserId};

/// `isv.code-invalid`: unknown, used, expired or revoked code.
pub const CODE_INVALID: &str = "isv.code-invalid";
/// `isv.unmatched-app-id`: the code was issued to another app.
pub const UNMATCHED_APP_ID: &str = "isv.unmatched-app-id";
/// `isv.refresh-token-invalid`: unknown, rotated or revoked refresh token.
pub const REFRESH_TOKEN_INVALID: &str = "isv.refresh-token-invalid";
/// `isv.refresh-token-time-out`: the refresh deadline has passed.
pub const REFRESH_TOKEN_TIME_OUT: &str = "isv.refresh-token-time-out";

const M: usize = MAX_WORLD as usize;

/// A malformed `scopes` argument: each must fail the call with error 2 and no popup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InvalidScopes {
    /// `"auth_nothing"`: not a scope name.
    UnknownName,
    /// `"AUTH_USER"`: names are case-sensitive.
    WrongCase,
    /// `[]`.
    EmptyArray,
    /// `42`.
    Number,
    /// `["auth_base", 7]`.
    ArrayWithNumber,
    /// `{"scope": "auth_user"}`.
    Object,
    /// `["auth_user", "nope"]`: one good name, one unknown.
    ArrayWithUnknown,
}

impl InvalidScopes {
    /// Every kind.
    pub const ALL: [InvalidScopes; 7] = [
        InvalidScopes::UnknownName,
        InvalidScopes::WrongCase,
        InvalidScopes::EmptyArray,
        InvalidScopes::Number,
        InvalidScopes::ArrayWithNumber,
        InvalidScopes::Object,
        InvalidScopes::ArrayWithUnknown,
    ];
}

/// The `scopes` argument of a call, as a class the model understands without parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScopesChoice {
    /// Argument left out: `auth_base`.
    Missing,
    /// One scope as a string, e.g. `"auth_user"`.
    One(Scope),
    /// A non-empty array of the set's scopes, in canonical order.
    List(ScopeSet),
    /// A malformed argument.
    Invalid(InvalidScopes),
}

impl ScopesChoice {
    /// The scopes requested, or `None` for a malformed argument (error 2).
    pub fn requested(self) -> Option<ScopeSet> {
        match self {
            ScopesChoice::Missing => Some([Scope::AuthBase].into_iter().collect()),
            ScopesChoice::One(s) => Some([s].into_iter().collect()),
            ScopesChoice::List(set) if !set.is_empty() => Some(set),
            ScopesChoice::List(_) => None,
            ScopesChoice::Invalid(_) => None,
        }
    }

    /// The raw argument an implementation receives.
    pub fn to_arg(self) -> ScopesArg {
        match self {
            ScopesChoice::Missing => ScopesArg::missing(),
            ScopesChoice::One(s) => ScopesArg::from(s),
            ScopesChoice::List(set) => ScopesArg::list(set.iter().map(Scope::as_str)),
            ScopesChoice::Invalid(kind) => ScopesArg(Some(match kind {
                InvalidScopes::UnknownName => Value::from("auth_nothing"),
                InvalidScopes::WrongCase => Value::from("AUTH_USER"),
                InvalidScopes::EmptyArray => Value::Array(Vec::new()),
                InvalidScopes::Number => Value::from(42),
                InvalidScopes::ArrayWithNumber => serde_json::json!(["auth_base", 7]),
                InvalidScopes::Object => serde_json::json!({"scope": "auth_user"}),
                InvalidScopes::ArrayWithUnknown => serde_json::json!(["auth_user", "nope"]),
            })),
        }
    }
}

/// The user's answer to a popup, as a `Copy` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionChoice {
    /// Accept everything shown.
    Accept,
    /// Tap deny (error 11).
    Deny,
    /// Close the popup (error 3).
    Dismiss,
    /// Accept only these scopes (a partial grant; error 11 if none of them was shown).
    AcceptOnly(ScopeSet),
}

impl DecisionChoice {
    /// The simulator's [`Decision`].
    pub fn to_decision(self) -> Decision {
        match self {
            DecisionChoice::Accept => Decision::Accept,
            DecisionChoice::Deny => Decision::Deny,
            DecisionChoice::Dismiss => Decision::Dismiss,
            DecisionChoice::AcceptOnly(set) => Decision::AcceptOnly(set.iter().collect()),
        }
    }
}

/// The `scope` attribute of a `getAuthorize` button.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ButtonChoice {
    /// `userInfo`.
    UserInfo,
    /// `phoneNumber` (enterprise apps only).
    PhoneNumber,
    /// Anything else, e.g. `"userInfo phoneNumber"`.
    Invalid,
}

impl ButtonChoice {
    /// The attribute as written.
    pub fn attr(self) -> &'static str {
        match self {
            ButtonChoice::UserInfo => "userInfo",
            ButtonChoice::PhoneNumber => "phoneNumber",
            ButtonChoice::Invalid => "userInfo phoneNumber",
        }
    }
}

/// Which code a redemption presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeRef {
    /// The `i`-th code delivered to a client (in order of delivery).
    Issued(u32),
    /// A string that was never a code (see [`forged_code`]).
    Forged(u8),
}

/// The forged codes a [`CodeRef::Forged`] presents: the empty string, a word, a code-shaped string
/// and a lowercase code-shaped string.
pub fn forged_code(k: u8) -> &'static str {
    match k % 4 {
        0 => "",
        1 => "FORGED",
        2 => "0000000000000000000000000000000F",
        _ => "0123456789abcdef0123456789abcdef",
    }
}

/// One input of the model's alphabet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// A whole `my.getAuthCode` call from a tap on a non-first screen.
    GetAuthCode {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
        /// The `scopes` argument.
        scopes: ScopesChoice,
        /// The answer, if a popup shows.
        decision: DecisionChoice,
        /// What the network does.
        network: Network,
    },
    /// A tap on a `getAuthorize` button.
    Button {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
        /// The `scope` attribute.
        scope: ButtonChoice,
        /// The answer, if a popup shows.
        decision: DecisionChoice,
        /// What the network does.
        network: Network,
    },
    /// `my.getSetting`.
    GetSetting {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
    },
    /// `my.getOpenUserInfo`.
    GetOpenUserInfo {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
    },
    /// `my.getPhoneNumber`.
    GetPhoneNumber {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
    },
    /// `alipay.system.oauth.token` with `authorization_code`, from `app`'s server.
    Redeem {
        /// The calling app.
        app: AppId,
        /// The code presented.
        code: CodeRef,
    },
    /// `alipay.system.oauth.token` with `refresh_token`, from `app`'s server.
    Refresh {
        /// The calling app.
        app: AppId,
        /// Index of the grant (in order of successful redemption).
        grant: u32,
        /// Present the grant's previous (rotated-out) refresh token instead of its current one.
        stale: bool,
    },
    /// Time passes.
    AdvanceClock {
        /// Seconds.
        seconds: u64,
    },
    /// The user revokes the app in its settings.
    Revoke {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
    },
}

/// What the model predicts an action returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Expected {
    /// The outcome.
    pub outcome: Outcome,
    /// Popups shown (0 or 1).
    pub popups: u32,
    /// The client error code of a failed `my.getAuthCode` call.
    pub error: Option<u32>,
    /// The gateway `sub_code` of a refused server call.
    pub sub_code: Option<&'static str>,
    /// For a delivered auth code: the scopes in `authSuccessScopes`.
    pub granted: Option<ScopeSet>,
    /// For a token response: whose `user_id` and which (user, app) `open_id` it carries.
    pub identity: Option<(UserId, AppId)>,
    /// For `my.getSetting`: `(userInfo, phoneNumber)`.
    pub setting: Option<(bool, bool)>,
    /// For `my.getOpenUserInfo` / `my.getPhoneNumber`: the `code` inside `response`
    /// (`10000`, `40003` without consent, `40006` without the package).
    pub member_code: Option<&'static str>,
}

impl Expected {
    fn plain(outcome: Outcome) -> Self {
        Expected {
            outcome,
            popups: 0,
            error: None,
            sub_code: None,
            granted: None,
            identity: None,
            setting: None,
            member_code: None,
        }
    }

    fn client_fail(error: Option<u32>, popups: u32) -> Self {
        Expected {
            error,
            popups,
            ..Expected::plain(Outcome::Fail)
        }
    }

    fn refused(sub_code: &'static str) -> Self {
        Expected {
            sub_code: Some(sub_code),
            ..Expected::plain(Outcome::Error)
        }
    }
}

/// What the model knows of one (user, app) pair's consent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PairConsent {
    /// Prompted `my.getAuthCode` scopes accepted (remembered until revocation).
    pub scopes: ScopeSet,
    /// `userInfo` button accepted.
    pub user_info: bool,
    /// `phoneNumber` button accepted.
    pub phone_number: bool,
}

/// A code delivered to a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModelCode {
    /// Whose consent.
    pub user: UserId,
    /// Issued to.
    pub app: AppId,
    /// Scopes granted.
    pub scopes: ScopeSet,
    /// Redeemable strictly before this instant.
    pub expires_at: u64,
    /// The pair's revocation epoch at issue.
    pub epoch: u32,
    /// Presented once already (a code is void after its first presentation).
    pub presented: bool,
    /// The grant its successful redemption produced.
    pub grant: Option<u32>,
}

/// A successful redemption and its token pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModelGrant {
    /// The user.
    pub user: UserId,
    /// The app.
    pub app: AppId,
    /// The pair's epoch at the exchange.
    pub epoch: u32,
    /// The refresh deadline (never restarted).
    pub refresh_deadline: u64,
    /// Revoked because its code was presented again.
    pub revoked: bool,
    /// How many successful refreshes rotated its tokens.
    pub rotations: u32,
}

/// The model's state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModelState {
    /// The world.
    pub world: SmallWorld,
    /// Virtual seconds since the start.
    pub now: u64,
    /// Consent per `[user][app]`.
    pub consent: [[PairConsent; M]; M],
    /// Revocation epoch per `[user][app]`.
    pub epochs: [[u32; M]; M],
    /// Codes delivered to clients, in order.
    pub codes: Vec<ModelCode>,
    /// Codes issued whose response was lost (never redeemable by anyone).
    pub lost_codes: u32,
    /// Grants, in order of successful redemption.
    pub grants: Vec<ModelGrant>,
    /// The prediction for the last action applied.
    pub expected: Expected,
}

impl ModelState {
    /// The initial state of `world`.
    pub fn new(world: SmallWorld) -> Self {
        ModelState {
            world,
            now: 0,
            consent: [[PairConsent::default(); M]; M],
            epochs: [[0; M]; M],
            codes: Vec::with_capacity(16),
            lost_codes: 0,
            grants: Vec::with_capacity(8),
            expected: Expected::plain(Outcome::Ok),
        }
    }

    /// The consent of a pair.
    pub fn consent(&self, user: UserId, app: AppId) -> PairConsent {
        self.consent[user.0 as usize][app.0 as usize]
    }

    fn epoch(&self, user: UserId, app: AppId) -> u32 {
        self.epochs[user.0 as usize][app.0 as usize]
    }

    fn in_world(&self, user: UserId, app: AppId) -> bool {
        user.0 < self.world.users && app.0 < self.world.apps
    }

    /// Whether the action can be applied in this state (indices in range).
    pub fn allows(&self, action: &Action) -> bool {
        match *action {
            Action::GetAuthCode { user, app, .. }
            | Action::Button { user, app, .. }
            | Action::GetSetting { user, app }
            | Action::GetOpenUserInfo { user, app }
            | Action::GetPhoneNumber { user, app }
            | Action::Revoke { user, app } => self.in_world(user, app),
            Action::Redeem { app, code } => {
                app.0 < self.world.apps
                    && match code {
                        CodeRef::Issued(i) => (i as usize) < self.codes.len(),
                        CodeRef::Forged(_) => true,
                    }
            }
            Action::Refresh { app, grant, stale } => {
                app.0 < self.world.apps
                    && self
                        .grants
                        .get(grant as usize)
                        .is_some_and(|g| !stale || g.rotations > 0)
            }
            Action::AdvanceClock { .. } => true,
        }
    }

    /// Applies one action and stores the prediction in [`ModelState::expected`].
    pub fn step(&mut self, action: &Action) {
        self.expected = match *action {
            Action::GetAuthCode {
                user,
                app,
                scopes,
                decision,
                network,
            } => self.get_auth_code(user, app, scopes, decision, network),
            Action::Button {
                user,
                app,
                scope,
                decision,
                network,
            } => self.button(user, app, scope, decision, network),
            Action::GetSetting { user, app } => {
                let c = self.consent(user, app);
                Expected {
                    setting: Some((c.user_info, c.phone_number)),
                    ..Expected::plain(Outcome::Success)
                }
            }
            Action::GetOpenUserInfo { user, app } => {
                // Every app of the world has the member-basic-info package.
                let code = if self.consent(user, app).user_info {
                    "10000"
                } else {
                    "40003"
                };
                Expected {
                    member_code: Some(code),
                    ..Expected::plain(Outcome::Success)
                }
            }
            Action::GetPhoneNumber { user, app } => {
                // Only the enterprise app has the phone-number package.
                let code = if !self.world.is_enterprise(app) {
                    "40006"
                } else if self.consent(user, app).phone_number {
                    "10000"
                } else {
                    "40003"
                };
                Expected {
                    member_code: Some(code),
                    ..Expected::plain(Outcome::Success)
                }
            }
            Action::Redeem { app, code } => self.redeem(app, code),
            Action::Refresh { app, grant, stale } => self.refresh(app, grant, stale),
            Action::AdvanceClock { seconds } => {
                self.now = self.now.saturating_add(seconds);
                Expected::plain(Outcome::Ok)
            }
            Action::Revoke { user, app } => {
                let (u, a) = (user.0 as usize, app.0 as usize);
                self.consent[u][a] = PairConsent::default();
                self.epochs[u][a] += 1;
                Expected::plain(Outcome::Ok)
            }
        };
    }

    fn get_auth_code(
        &mut self,
        user: UserId,
        app: AppId,
        scopes: ScopesChoice,
        decision: DecisionChoice,
        network: Network,
    ) -> Expected {
        let Some(requested) = scopes.requested() else {
            return Expected::client_fail(Some(2), 0);
        };
        let base: ScopeSet = [Scope::AuthBase].into_iter().collect();
        let pending = requested.minus(base).minus(self.consent(user, app).scopes);
        let (popups, granted, newly) = if pending.is_empty() {
            (0, requested, ScopeSet::EMPTY)
        } else {
            match decision {
                DecisionChoice::Accept => (1, requested, pending),
                DecisionChoice::Deny => return Expected::client_fail(Some(11), 1),
                DecisionChoice::Dismiss => return Expected::client_fail(Some(3), 1),
                DecisionChoice::AcceptOnly(list) => {
                    let accepted = pending.minus(pending.minus(list));
                    if accepted.is_empty() {
                        return Expected::client_fail(Some(11), 1);
                    }
                    (1, requested.minus(pending.minus(accepted)), accepted)
                }
            }
        };
        if network == Network::Fail {
            return Expected::client_fail(Some(10), popups);
        }
        let c = &mut self.consent[user.0 as usize][app.0 as usize];
        c.scopes = c.scopes.union(newly);
        if network == Network::LostResponse {
            self.lost_codes += 1;
            return Expected::client_fail(Some(10), popups);
        }
        self.codes.push(ModelCode {
            user,
            app,
            scopes: granted,
            expires_at: self.now.saturating_add(self.world.code_ttl),
            epoch: self.epoch(user, app),
            presented: false,
            grant: None,
        });
        Expected {
            popups,
            granted: Some(granted),
            ..Expected::plain(Outcome::Success)
        }
    }

    fn button(
        &mut self,
        user: UserId,
        app: AppId,
        scope: ButtonChoice,
        decision: DecisionChoice,
        network: Network,
    ) -> Expected {
        let c = &mut self.consent[user.0 as usize][app.0 as usize];
        let flag = match scope {
            ButtonChoice::Invalid => return Expected::client_fail(None, 0),
            ButtonChoice::PhoneNumber if !self.world.is_enterprise(app) => {
                return Expected::client_fail(None, 0);
            }
            ButtonChoice::PhoneNumber => &mut c.phone_number,
            ButtonChoice::UserInfo => &mut c.user_info,
        };
        if *flag {
            return Expected::plain(Outcome::Success);
        }
        if matches!(decision, DecisionChoice::Deny | DecisionChoice::Dismiss)
            || network == Network::Fail
        {
            return Expected::client_fail(None, 1);
        }
        *flag = true;
        if network == Network::LostResponse {
            return Expected::client_fail(None, 1);
        }
        Expected {
            popups: 1,
            ..Expected::plain(Outcome::Success)
        }
    }

    fn redeem(&mut self, app: AppId, code: CodeRef) -> Expected {
        let CodeRef::Issued(i) = code else {
            return Expected::refused(CODE_INVALID);
        };
        let now = self.now;
        let current = {
            let c = &self.codes[i as usize];
            self.epoch(c.user, c.app)
        };
        let c = &mut self.codes[i as usize];
        if c.presented {
            if let Some(g) = c.grant {
                self.grants[g as usize].revoked = true;
            }
            return Expected::refused(CODE_INVALID);
        }
        c.presented = true;
        if now >= c.expires_at || c.epoch != current {
            return Expected::refused(CODE_INVALID);
        }
        if c.app != app {
            return Expected::refused(UNMATCHED_APP_ID);
        }
        c.grant = Some(self.grants.len() as u32);
        let (user, epoch) = (c.user, c.epoch);
        self.grants.push(ModelGrant {
            user,
            app,
            epoch,
            refresh_deadline: now.saturating_add(self.world.refresh_ttl),
            revoked: false,
            rotations: 0,
        });
        Expected {
            identity: Some((user, app)),
            ..Expected::plain(Outcome::Ok)
        }
    }

    fn refresh(&mut self, app: AppId, grant: u32, stale: bool) -> Expected {
        if stale {
            return Expected::refused(REFRESH_TOKEN_INVALID);
        }
        let g = self.grants[grant as usize];
        if g.revoked || g.epoch != self.epoch(g.user, g.app) || g.app != app {
            return Expected::refused(REFRESH_TOKEN_INVALID);
        }
        if self.now >= g.refresh_deadline {
            return Expected::refused(REFRESH_TOKEN_TIME_OUT);
        }
        self.grants[grant as usize].rotations += 1;
        Expected {
            identity: Some((g.user, g.app)),
            ..Expected::plain(Outcome::Ok)
        }
    }
}

/// The [`ReferenceStateMachine`] of the authorization flow over [`SmallWorld::default`]
/// (2 users, 2 apps, default lifetimes).
#[derive(Clone, Copy, Debug)]
pub struct AuthFlowModel;

impl ReferenceStateMachine for AuthFlowModel {
    type State = ModelState;
    type Transition = Action;

    fn init_state() -> BoxedStrategy<ModelState> {
        use proptest::strategy::{Just, Strategy};
        Just(ModelState::new(SmallWorld::default())).boxed()
    }

    fn transitions(state: &ModelState) -> BoxedStrategy<Action> {
        super::strategies::action(state)
    }

    fn apply(mut state: ModelState, transition: &Action) -> ModelState {
        state.step(transition);
        state
    }

    fn preconditions(state: &ModelState, transition: &Action) -> bool {
        state.allows(transition)
    }
}
