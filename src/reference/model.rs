//! The abstract model: a few arrays and two vectors of small `Copy` records, no strings, no maps.
//!
//! It is written from the SPEC's rules, not from the simulator's code. Actions speak the
//! simulator's own argument types ([`ScopesArg`], [`Decision`]: one pair of types for the model,
//! the harness and the simulator), which the model reads with its own, independent reading of
//! the rules ([`requested_scopes`]); codes are indices into the list of codes delivered to the
//! client, and the model predicts for every [`Action`] an [`Expected`] observation that the
//! harness compares with what an implementation returns.

use proptest::strategy::BoxedStrategy;
use proptest_state_machine::ReferenceStateMachine;
use serde_json::Value;

pub use crate::call::Decision;
use crate::call::Network;
use crate::explore::{MAX_WORLD, SmallWorld};
use crate::findings::FindingId;
pub use crate::scope::ScopesArg;
use crate::scope::{Scope, ScopeSet};
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

/// The scopes a `scopes` argument requests, or `None` for a malformed one (error 2), read
/// directly from SPEC R-SCOPE-DEFAULT, R-SCOPE-FORMS and R-SCOPE-INVALID: left out or `null`
/// means `auth_base`; a known name, or a non-empty array of known names, requests those; anything
/// else is malformed.
pub fn requested_scopes(arg: &ScopesArg) -> Option<ScopeSet> {
    match &arg.0 {
        None | Some(Value::Null) => Some(ScopeSet::EMPTY.with(Scope::AuthBase)),
        Some(Value::String(name)) => Scope::parse(name).map(|s| ScopeSet::EMPTY.with(s)),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().and_then(Scope::parse))
            .collect::<Option<ScopeSet>>(),
        Some(_) => None,
    }
}

/// The profile scopes whose popup the `userInfo` button's popup duplicates (SPEC R-DOUBLE-POPUP).
const PROFILE_SCOPES: ScopeSet = ScopeSet::EMPTY
    .with(Scope::AuthUser)
    .with(Scope::UserNickname)
    .with(Scope::UserAvatar);

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

    /// The malformed argument itself.
    pub fn to_arg(self) -> ScopesArg {
        ScopesArg(Some(match self {
            InvalidScopes::UnknownName => Value::from("auth_nothing"),
            InvalidScopes::WrongCase => Value::from("AUTH_USER"),
            InvalidScopes::EmptyArray => Value::Array(Vec::new()),
            InvalidScopes::Number => Value::from(42),
            InvalidScopes::ArrayWithNumber => serde_json::json!(["auth_base", 7]),
            InvalidScopes::Object => serde_json::json!({"scope": "auth_user"}),
            InvalidScopes::ArrayWithUnknown => serde_json::json!(["auth_user", "nope"]),
        }))
    }
}

/// The `scopes` argument of a call, as a class.
///
/// Deprecated: actions and strategies now carry the simulator's own [`ScopesArg`] (one scopes
/// type everywhere); build one with [`ScopesChoice::to_arg`], `ScopesArg::from(Scope::AuthUser)`,
/// `ScopesArg::list(…)` or [`InvalidScopes::to_arg`].
#[deprecated(
    note = "use authsim::scope::ScopesArg (the simulator's own type) and the strategies                      valid_scopes() / invalid_scopes()"
)]
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

#[allow(deprecated)]
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
            ScopesChoice::Invalid(kind) => kind.to_arg(),
        }
    }
}

/// The user's answer to a popup: the simulator's own [`Decision`] (one decision type for the
/// model, the harness and the simulator). `DecisionChoice::AcceptOnly` took a `ScopeSet`;
/// `Decision::AcceptOnly` takes the scopes as a `Vec<Scope>` (`set.iter().collect()`).
#[deprecated(note = "use authsim::call::Decision, the one decision type")]
pub type DecisionChoice = Decision;

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A whole `my.getAuthCode` call from a tap on a non-first screen.
    GetAuthCode {
        /// The user.
        user: UserId,
        /// The app.
        app: AppId,
        /// The `scopes` argument.
        scopes: ScopesArg,
        /// The answer, if a popup shows.
        decision: Decision,
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
        decision: Decision,
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
    /// The finding the step raises: `double-popup` the first time a (user, app) pair has seen
    /// both a `my.getAuthCode` popup for profile data and the `userInfo` button's popup since
    /// the last revocation (SPEC R-DOUBLE-POPUP; the harness's actions are taps on a later
    /// screen, so no other finding can arise).
    pub finding: Option<FindingId>,
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
            finding: None,
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
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ModelState {
    /// The world.
    pub world: SmallWorld,
    /// Virtual seconds since the start.
    pub now: u64,
    /// Consent per `[user][app]`.
    pub consent: [[PairConsent; M]; M],
    /// Revocation epoch per `[user][app]`.
    pub epochs: [[u32; M]; M],
    /// Popups seen per `[user][app]` since the last revocation, for the double-popup finding:
    /// bit 0 a `my.getAuthCode` popup for profile data, bit 1 the `userInfo` button's popup,
    /// bit 2 the finding was raised.
    pub popups_seen: [[u8; M]; M],
    /// Codes delivered to clients, in order.
    pub codes: Vec<ModelCode>,
    /// Codes issued whose response was lost (never redeemable by anyone).
    pub lost_codes: u32,
    /// Grants, in order of successful redemption.
    pub grants: Vec<ModelGrant>,
    /// The prediction for the last action applied.
    pub expected: Expected,
}

/// A one-line summary, not the arrays: proptest prints the initial state of every failing case
/// (`prop_state_machine!`), and a failure report is for the actions, not the model's internals.
impl std::fmt::Debug for ModelState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ModelState {{ {} users, {} apps, now: {}, codes: {}, grants: {} }}",
            self.world.users,
            self.world.apps,
            self.now,
            self.codes.len(),
            self.grants.len()
        )
    }
}

impl ModelState {
    /// The initial state of `world`.
    pub fn new(world: SmallWorld) -> Self {
        ModelState {
            world,
            now: 0,
            consent: [[PairConsent::default(); M]; M],
            epochs: [[0; M]; M],
            popups_seen: [[0; M]; M],
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

    /// Notes a popup of kind `bit` (1: `my.getAuthCode` for profile data, 2: `userInfo`
    /// button); the double-popup finding the first time both were seen.
    fn popup_seen(&mut self, user: UserId, app: AppId, bit: u8) -> Option<FindingId> {
        let seen = &mut self.popups_seen[user.0 as usize][app.0 as usize];
        *seen |= bit;
        if *seen & 3 == 3 && *seen & 4 == 0 {
            *seen |= 4;
            Some(FindingId::DoublePopup)
        } else {
            None
        }
    }

    /// Applies one action and stores the prediction in [`ModelState::expected`].
    pub fn step(&mut self, action: &Action) {
        self.expected = match *action {
            Action::GetAuthCode {
                user,
                app,
                ref scopes,
                ref decision,
                network,
            } => self.get_auth_code(user, app, scopes, decision, network),
            Action::Button {
                user,
                app,
                scope,
                ref decision,
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
                self.popups_seen[u][a] = 0;
                Expected::plain(Outcome::Ok)
            }
        };
    }

    fn get_auth_code(
        &mut self,
        user: UserId,
        app: AppId,
        scopes: &ScopesArg,
        decision: &Decision,
        network: Network,
    ) -> Expected {
        let Some(requested) = requested_scopes(scopes) else {
            return Expected::client_fail(Some(2), 0);
        };
        let base: ScopeSet = [Scope::AuthBase].into_iter().collect();
        let pending = requested.minus(base).minus(self.consent(user, app).scopes);
        let finding = if pending.intersects(PROFILE_SCOPES) {
            self.popup_seen(user, app, 1)
        } else {
            None
        };
        let fail = |error, popups| Expected {
            finding,
            ..Expected::client_fail(Some(error), popups)
        };
        let (popups, granted, newly) = if pending.is_empty() {
            (0, requested, ScopeSet::EMPTY)
        } else {
            match decision {
                Decision::Accept => (1, requested, pending),
                Decision::Deny => return fail(11, 1),
                Decision::Dismiss => return fail(3, 1),
                Decision::AcceptOnly(list) => {
                    let list: ScopeSet = list.iter().copied().collect();
                    let accepted = pending.minus(pending.minus(list));
                    if accepted.is_empty() {
                        return fail(11, 1);
                    }
                    (1, requested.minus(pending.minus(accepted)), accepted)
                }
            }
        };
        if network == Network::Fail {
            return fail(10, popups);
        }
        let c = &mut self.consent[user.0 as usize][app.0 as usize];
        c.scopes = c.scopes.union(newly);
        if network == Network::LostResponse {
            self.lost_codes += 1;
            return fail(10, popups);
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
            finding,
            ..Expected::plain(Outcome::Success)
        }
    }

    fn button(
        &mut self,
        user: UserId,
        app: AppId,
        scope: ButtonChoice,
        decision: &Decision,
        network: Network,
    ) -> Expected {
        let enterprise = self.world.is_enterprise(app);
        let c = self.consent(user, app);
        let already = match scope {
            ButtonChoice::Invalid => return Expected::client_fail(None, 0),
            ButtonChoice::PhoneNumber if !enterprise => return Expected::client_fail(None, 0),
            ButtonChoice::PhoneNumber => c.phone_number,
            ButtonChoice::UserInfo => c.user_info,
        };
        if already {
            return Expected::plain(Outcome::Success);
        }
        let finding = if scope == ButtonChoice::UserInfo {
            self.popup_seen(user, app, 2)
        } else {
            None
        };
        if matches!(decision, Decision::Deny | Decision::Dismiss) || network == Network::Fail {
            return Expected {
                finding,
                ..Expected::client_fail(None, 1)
            };
        }
        let c = &mut self.consent[user.0 as usize][app.0 as usize];
        match scope {
            ButtonChoice::PhoneNumber => c.phone_number = true,
            _ => c.user_info = true,
        }
        if network == Network::LostResponse {
            return Expected {
                finding,
                ..Expected::client_fail(None, 1)
            };
        }
        Expected {
            popups: 1,
            finding,
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
