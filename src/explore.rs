//! The exhaustive explorer (the engine behind `authsim explore`): every reachable state of a small world, breadth
//! first, over the full input alphabet, with every invariant checked after every input.
//!
//! # The world and the alphabet
//!
//! A [`SmallWorld`] of `users` × `apps` (each at most [`MAX_WORLD`]). From every state the
//! explorer tries every input of the alphabet ([`Move`]):
//!
//! - `my.getAuthCode` for every (user, app), every [`ScopeClass`] (`auth_base`, `auth_user`, an
//!   international scope, both together, an invalid name), every [`DecisionClass`] (accept, deny,
//!   dismiss, a partial grant of `auth_user` only) and every [`Network`] outcome (ok, fail, lost
//!   response);
//! - the `getAuthorize` button with `userInfo` and `phoneNumber` × accept/deny/dismiss × every
//!   network outcome, and with an invalid `scope`; `my.getSetting`, `my.getOpenUserInfo` and
//!   `my.getPhoneNumber`;
//! - `alipay.system.oauth.token` redeeming every code delivered so far by every app (the first
//!   redemption, replays, foreign-app redemptions), and a forged code by every app;
//! - refreshing every grant's current refresh token from every app, and its rotated-out one;
//! - clock steps of 1 s, `ttl - 1`, `ttl` and the refresh lifetime (so codes are tried just
//!   before, at and after expiry, and refresh tokens past their deadline);
//! - a revocation of every (user, app).
//!
//! # Canonical states
//!
//! Codes and tokens are random strings, so two runs that differ only in them are the same state.
//! A state is identified by the 128-bit hash (two SipHash passes with distinct prefixes) of this
//! projection, which keeps everything any future input of the alphabet can observe and nothing
//! else:
//!
//! - per (user, app), in index order: the remembered prompted scopes (a bit set) and the
//!   `userInfo` / `phoneNumber` button consents;
//! - the multiset (a sorted list) of the codes *delivered to a client*, each as
//!   `(user, app, scopes, remaining lifetime, issued in the pair's current revocation epoch,
//!   state)`, where the remaining lifetime is `expires_at - now` clamped at 0 (so the clock
//!   enters only relative to code expiries) and the state is fresh, burned without a grant, or
//!   redeemed with its grant as `(live, remaining refresh lifetime, rotated at least once)`.
//!   Grants appear only inside the code that produced them (each grant has exactly one).
//!
//! Left out, because no input of the alphabet can observe them: the code and token strings, the
//! absolute clock, undelivered codes (lost responses: no client holds them), access-token
//! lifetimes (`alipay.user.info.share` is not in the alphabet), the random stream's position,
//! the revocation epoch numbers (only "current or not" matters, as epochs only grow), and the
//! popup history (it only decides the double-popup finding, which is not an invariant).
//!
//! # Invariants, checked after every input
//!
//! 1. Every input of the alphabet is accepted (no `InputError`).
//! 2. A code is redeemed successfully at most once, only by the app it was issued to, only
//!    before it expires, only if the user has not revoked the app since, and never after a first
//!    (even failed) presentation; a forged code never redeems. Conversely a delivered code
//!    presented for the first time, in time, by its own app, with no revocation since, redeems.
//! 3. One `user_id` per user, distinct across users; one `open_id` per (user, app), distinct
//!    across apps and users: every token response carries exactly the pair's ids.
//! 4. A rotated-out refresh token and another app's refresh never succeed.
//! 5. Every finished client call fires exactly one `success` or `fail`, then `complete`; gateway
//!    steps fire no callbacks.
//! 6. A silent call (nothing left to consent to: `auth_base`, or prompted scopes all remembered)
//!    shows no popup; a prompted call without remembered consent shows exactly one; a button
//!    shows one popup exactly when its consent is missing.
//! 7. No two delivered codes are equal.
//! 8. `my.getSetting` reports exactly the button consents; `my.getOpenUserInfo` and
//!    `my.getPhoneNumber` deliver data (`code` 10000) exactly when consented (the phone number
//!    only in the enterprise app), and no read or server step shows a popup.
//!
//! The first violation found is reported with the shortest input sequence that reaches it (the
//! search is breadth first and every state of the shallower levels was expanded before), as a
//! scenario file (`authsim run` accepts it).
//!
//! ```
//! use authsim::explore::{ExploreConfig, SmallWorld, explore_world};
//! let report = explore_world(&ExploreConfig::new(SmallWorld::new(1, 2), 2));
//! assert!(report.violation.is_none());
//! assert!(report.distinct_states > 10);
//! ```

use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Serialize;
use serde_json::{Value, json};

use crate::call::{Decision, Network};
use crate::config::Config;
use crate::error::InputError;
use crate::gateway::{CodeState, GrantIx};
use crate::ids::{AlipayUserId, AuthCode, OpenId, RefreshToken};
use crate::payload::Payload;
use crate::scope::{Scope, ScopeSet, ScopesArg};
use crate::sim::{AuthCodeRequest, Callback, Input, Outcome, Simulator, Step};
use crate::world::{AppId, AppSpec, Package, UserId, UserSpec};
/// The largest number of users or apps a [`SmallWorld`] may have.
pub const MAX_WORLD: u32 = 3;

/// A small, fixed world for exhaustive exploration and for the reference model: `users` users
/// named `u0`, `u1`, … and `apps` apps named `a0`, `a1`, …, every app with the JSAPI base and
/// member-basic-info packages; app `a0` is an enterprise mini program that also has the
/// phone-number package (so both outcomes of a `phoneNumber` button exist when `apps >= 2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SmallWorld {
    /// Number of users, 1 to [`MAX_WORLD`].
    pub users: u32,
    /// Number of apps, 1 to [`MAX_WORLD`].
    pub apps: u32,
    /// Auth-code lifetime in seconds (the simulator's `codeTtlSeconds`).
    pub code_ttl: u64,
    /// Access-token lifetime in seconds.
    pub access_ttl: u64,
    /// Refresh deadline in seconds from the code exchange.
    pub refresh_ttl: u64,
}

impl Default for SmallWorld {
    fn default() -> Self {
        SmallWorld::new(2, 2)
    }
}

impl SmallWorld {
    /// `users` × `apps` with the default lifetimes (clamped to 1..=[`MAX_WORLD`]).
    pub fn new(users: u32, apps: u32) -> Self {
        let c = Config::default();
        SmallWorld {
            users: users.clamp(1, MAX_WORLD),
            apps: apps.clamp(1, MAX_WORLD),
            code_ttl: c.code_ttl_seconds,
            access_ttl: c.access_token_ttl_seconds,
            refresh_ttl: c.refresh_token_ttl_seconds,
        }
    }

    /// Whether `app` is the enterprise mini program (only `a0`).
    pub fn is_enterprise(&self, app: AppId) -> bool {
        app.0 == 0
    }

    /// The simulator configuration of this world.
    pub fn config(&self) -> Config {
        Config {
            code_ttl_seconds: self.code_ttl,
            access_token_ttl_seconds: self.access_ttl,
            refresh_token_ttl_seconds: self.refresh_ttl,
            ..Config::default()
        }
    }

    /// The declaration of app `i`.
    pub fn app_spec(&self, i: u32) -> AppSpec {
        let spec =
            AppSpec::new(format!("a{i}")).packages([Package::JsapiBasic, Package::MemberBasicInfo]);
        if self.is_enterprise(AppId(i)) {
            spec.packages([Package::PhoneNumber]).enterprise()
        } else {
            spec
        }
    }

    /// The declaration of user `i`.
    pub fn user_spec(&self, i: u32) -> UserSpec {
        UserSpec::new(format!("u{i}"))
            .nick_name(format!("user {i}"))
            .mobile(format!("1380000000{i}"))
    }

    /// A simulator holding this world, its randomness drawn from `seed`.
    pub fn simulator(&self, seed: u64) -> Simulator {
        let mut sim = Simulator::new(self.config(), seed).expect("the default lifetimes are valid");
        for i in 0..self.apps {
            sim.add_app(self.app_spec(i))
                .expect("app names are distinct");
        }
        for i in 0..self.users {
            sim.add_user(self.user_spec(i))
                .expect("user names are distinct");
        }
        sim
    }

    /// Every user of the world.
    pub fn user_ids(&self) -> impl Iterator<Item = UserId> + use<> {
        (0..self.users).map(UserId)
    }

    /// Every app of the world.
    pub fn app_ids(&self) -> impl Iterator<Item = AppId> + use<> {
        (0..self.apps).map(AppId)
    }
}

const M: usize = MAX_WORLD as usize;

/// The `scopes` argument of an explored call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ScopeClass {
    /// `"auth_base"`: silent.
    Base,
    /// `"auth_user"`: prompted.
    User,
    /// `["USER_NICKNAME"]`: an international prompted scope.
    Intl,
    /// `["auth_user", "USER_NICKNAME"]`: two prompted scopes, so a partial grant is possible.
    UserAndIntl,
    /// `"auth_nothing"`: error 2.
    Invalid,
}

impl ScopeClass {
    /// Every class.
    pub const ALL: [ScopeClass; 5] = [
        ScopeClass::Base,
        ScopeClass::User,
        ScopeClass::Intl,
        ScopeClass::UserAndIntl,
        ScopeClass::Invalid,
    ];

    /// The raw argument.
    pub fn arg(self) -> ScopesArg {
        match self {
            ScopeClass::Base => ScopesArg::from("auth_base"),
            ScopeClass::User => ScopesArg::from("auth_user"),
            ScopeClass::Intl => ScopesArg::list(["USER_NICKNAME"]),
            ScopeClass::UserAndIntl => ScopesArg::list(["auth_user", "USER_NICKNAME"]),
            ScopeClass::Invalid => ScopesArg::from("auth_nothing"),
        }
    }

    /// The prompted scopes requested (`None` for the invalid argument).
    pub fn prompted(self) -> Option<ScopeSet> {
        let set = |s: &[Scope]| s.iter().copied().collect::<ScopeSet>();
        match self {
            ScopeClass::Base => Some(ScopeSet::EMPTY),
            ScopeClass::User => Some(set(&[Scope::AuthUser])),
            ScopeClass::Intl => Some(set(&[Scope::UserNickname])),
            ScopeClass::UserAndIntl => Some(set(&[Scope::AuthUser, Scope::UserNickname])),
            ScopeClass::Invalid => None,
        }
    }
}

/// The user's answer in an explored call or button tap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DecisionClass {
    /// Accept.
    Accept,
    /// Deny: error 11.
    Deny,
    /// Close the popup: error 3.
    Dismiss,
    /// Accept `auth_user` only (a partial grant when more was asked).
    Partial,
}

impl DecisionClass {
    /// Every answer to a `my.getAuthCode` popup.
    pub const ALL: [DecisionClass; 4] = [
        DecisionClass::Accept,
        DecisionClass::Deny,
        DecisionClass::Dismiss,
        DecisionClass::Partial,
    ];

    /// The simulator's decision.
    pub fn decision(self) -> Decision {
        match self {
            DecisionClass::Accept => Decision::Accept,
            DecisionClass::Deny => Decision::Deny,
            DecisionClass::Dismiss => Decision::Dismiss,
            DecisionClass::Partial => Decision::AcceptOnly(vec![Scope::AuthUser]),
        }
    }
}

/// Every network outcome.
pub const NETWORKS: [Network; 3] = [Network::Ok, Network::Fail, Network::LostResponse];

/// A button's `scope` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ButtonClass {
    /// `userInfo`.
    UserInfo,
    /// `phoneNumber`.
    PhoneNumber,
    /// `user_info`: not a button scope.
    Invalid,
}

impl ButtonClass {
    /// The attribute.
    pub fn attr(self) -> &'static str {
        match self {
            ButtonClass::UserInfo => "userInfo",
            ButtonClass::PhoneNumber => "phoneNumber",
            ButtonClass::Invalid => "user_info",
        }
    }
}

/// The forged code every app presents.
pub const FORGED_CODE: &str = "0123456789ABCDEF0123456789ABCDEF";

/// One input of the explorer's alphabet, abstractly (codes and tokens by index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Move {
    /// `my.getAuthCode`.
    Call {
        /// User index.
        user: u32,
        /// App index.
        app: u32,
        /// `scopes`.
        scopes: ScopeClass,
        /// The answer if a popup shows.
        decision: DecisionClass,
        /// The network.
        network: Network,
    },
    /// A `getAuthorize` button tap.
    Button {
        /// User index.
        user: u32,
        /// App index.
        app: u32,
        /// `scope`.
        scope: ButtonClass,
        /// The answer if a popup shows.
        decision: DecisionClass,
        /// The network.
        network: Network,
    },
    /// `my.getSetting`.
    Setting {
        /// User index.
        user: u32,
        /// App index.
        app: u32,
    },
    /// `my.getOpenUserInfo`.
    OpenUserInfo {
        /// User index.
        user: u32,
        /// App index.
        app: u32,
    },
    /// `my.getPhoneNumber`.
    PhoneNumber {
        /// User index.
        user: u32,
        /// App index.
        app: u32,
    },
    /// Redeem the `code`-th delivered code from `app`'s server.
    Redeem {
        /// App index.
        app: u32,
        /// Index among the delivered codes.
        code: u32,
    },
    /// Redeem [`FORGED_CODE`] from `app`'s server.
    Forged {
        /// App index.
        app: u32,
    },
    /// Refresh the `grant`-th grant from `app`'s server.
    Refresh {
        /// App index.
        app: u32,
        /// Index among the grants.
        grant: u32,
        /// Present its rotated-out refresh token.
        stale: bool,
    },
    /// Time passes.
    Advance {
        /// Seconds.
        seconds: u64,
    },
    /// The user revokes the app.
    Revoke {
        /// User index.
        user: u32,
        /// App index.
        app: u32,
    },
}

/// A step function: how an input is applied to the simulator. [`honest_step`] is
/// [`Simulator::handle`]; tests inject mutated ones to check that the explorer catches bugs.
pub type StepFn = fn(&mut Simulator, Input) -> Result<Step, InputError>;

/// The real step function.
pub fn honest_step(sim: &mut Simulator, input: Input) -> Result<Step, InputError> {
    sim.handle(input)
}

/// What to explore.
#[derive(Clone, Copy, Debug)]
pub struct ExploreConfig {
    /// The world.
    pub world: SmallWorld,
    /// The maximum number of inputs from the initial state.
    pub depth: u32,
    /// The simulator's seed (codes and tokens; the projection does not depend on it).
    pub seed: u64,
    /// How inputs are applied.
    pub step: StepFn,
}

impl ExploreConfig {
    /// `world` to `depth`, seed 1, the honest step function.
    pub fn new(world: SmallWorld, depth: u32) -> Self {
        ExploreConfig {
            world,
            depth,
            seed: 1,
            step: honest_step,
        }
    }
}

/// How many explored transitions ended in one outcome, and the shallowest depth it was seen at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCount {
    /// Transitions (paths of the BFS tree's frontier edges) ending in this outcome.
    pub paths: u64,
    /// The depth of the shortest input sequence ending in it.
    pub first_depth: u32,
}

/// An invariant that failed, with the shortest input sequence that breaks it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    /// Which invariant, and how.
    pub message: String,
    /// The abstract inputs, in order.
    pub moves: Vec<Move>,
    /// The concrete inputs, in order (codes and tokens as the simulator drew them).
    pub inputs: Vec<Input>,
    /// The same sequence as a scenario file for `authsim run` (codes and tokens as references).
    pub scenario: Value,
}

/// The result of an exploration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Users in the world.
    pub users: u32,
    /// Apps in the world.
    pub apps: u32,
    /// The depth bound.
    pub depth_bound: u32,
    /// States visited: every transition tried leads to one (counted with repeats).
    pub states_visited: u64,
    /// Distinct canonical states, the initial one included.
    pub distinct_states: u64,
    /// The deepest level at which a new distinct state was found.
    pub depth_reached: u32,
    /// Whether every reachable state was found (the frontier emptied before the bound).
    pub exhausted: bool,
    /// Distinct states first found at each depth (index 0: the initial state).
    pub states_per_depth: Vec<u64>,
    /// Transitions per outcome of the input that ends them.
    pub outcomes: BTreeMap<&'static str, OutcomeCount>,
    /// The first invariant violation, if any.
    pub violation: Option<Violation>,
}

/// A code a client holds, typed: a track is cloned for every move, so it holds no text.
#[derive(Clone, Copy, Debug)]
struct Delivered {
    code: AuthCode,
    user: u32,
    app: u32,
    issued_at: u64,
    revocations: u32,
    presented: bool,
    redeemed: bool,
}

#[derive(Clone, Copy, Debug)]
struct TrackedGrant {
    user: u32,
    app: u32,
    ix: Option<GrantIx>,
    current: RefreshToken,
    previous: Option<RefreshToken>,
}

/// What a client or server would remember besides the simulator: the codes delivered and the
/// tokens received, and what the explorer needs to check invariants independently.
#[derive(Clone, Debug, Default)]
struct Track {
    delivered: Vec<Delivered>,
    grants: Vec<TrackedGrant>,
    revocations: [[u32; M]; M],
}

struct Explorer<'a> {
    cfg: &'a ExploreConfig,
    root: Simulator,
    user_ids: Vec<AlipayUserId>,
    open_ids: Vec<Vec<OpenId>>,
}

/// Runs the exploration.
pub fn explore_world(cfg: &ExploreConfig) -> Report {
    let root = cfg.world.simulator(cfg.seed);
    let w = cfg.world;
    let user_ids: Vec<AlipayUserId> = w
        .user_ids()
        .map(|u| root.alipay_user_id(u).expect("user exists"))
        .collect();
    let open_ids: Vec<Vec<OpenId>> = w
        .user_ids()
        .map(|u| {
            w.app_ids()
                .map(|a| root.open_id_value(u, a).expect("pair exists"))
                .collect()
        })
        .collect();
    let ex = Explorer {
        cfg,
        root,
        user_ids,
        open_ids,
    };
    let mut report = Report {
        users: w.users,
        apps: w.apps,
        depth_bound: cfg.depth,
        states_visited: 1,
        distinct_states: 1,
        depth_reached: 0,
        exhausted: false,
        states_per_depth: vec![1],
        outcomes: BTreeMap::new(),
        violation: ex.check_ids().map(|message| Violation {
            message,
            moves: Vec::new(),
            inputs: Vec::new(),
            scenario: scenario(cfg, &[], &[]),
        }),
    };
    if report.violation.is_none() {
        ex.bfs(&mut report);
    }
    report
}

/// A node of the BFS tree: the move that first reached a distinct state, and its parent.
#[derive(Clone, Copy)]
struct Node {
    parent: u32,
    mv: Option<Move>,
}

impl Explorer<'_> {
    fn check_ids(&self) -> Option<String> {
        let users: HashSet<&AlipayUserId> = self.user_ids.iter().collect();
        if users.len() != self.user_ids.len() {
            let texts: Vec<String> = self.user_ids.iter().map(|u| u.to_string()).collect();
            return Some(format!("two users share a user_id: {texts:?}"));
        }
        let opens: HashSet<&OpenId> = self.open_ids.iter().flatten().collect();
        if opens.len() != self.open_ids.iter().map(Vec::len).sum::<usize>() {
            return Some(format!("two pairs share an open_id: {:?}", self.open_ids));
        }
        None
    }

    fn bfs(&self, report: &mut Report) {
        let mut nodes = vec![Node {
            parent: u32::MAX,
            mv: None,
        }];
        let mut seen: HashSet<u128> = HashSet::new();
        let mut scratch = Scratch::default();
        seen.insert(canonical(
            &self.root,
            &Track::default(),
            self.cfg.world,
            &mut scratch,
        ));
        let mut level: Vec<u32> = vec![0];
        for depth in 1..=self.cfg.depth {
            let mut next = Vec::new();
            for &n in &level {
                let path = path_to(&nodes, n);
                let (sim, track, _) = self.replay(&path);
                for mv in moves(&track, self.cfg.world) {
                    let mut s = sim.clone();
                    let mut t = track.clone();
                    report.states_visited += 1;
                    let (_, _, result) = self.apply(&mut s, &mut t, mv, Some(&mut *report), depth);
                    if let Err(message) = result {
                        let mut moves = path.clone();
                        moves.push(mv);
                        let (_, _, steps) = self.replay(&moves);
                        report.violation = Some(Violation {
                            message,
                            scenario: scenario(self.cfg, &moves, &steps),
                            moves,
                            inputs: steps.into_iter().map(|(input, _)| input).collect(),
                        });
                        return;
                    }
                    if seen.insert(canonical(&s, &t, self.cfg.world, &mut scratch)) {
                        nodes.push(Node {
                            parent: n,
                            mv: Some(mv),
                        });
                        next.push((nodes.len() - 1) as u32);
                    }
                }
            }
            if next.is_empty() {
                report.exhausted = true;
                break;
            }
            report.depth_reached = depth;
            report.distinct_states += next.len() as u64;
            report.states_per_depth.push(next.len() as u64);
            level = next;
        }
    }

    /// The simulator and track after `path`, and the concrete inputs with their outcomes.
    fn replay(&self, path: &[Move]) -> (Simulator, Track, Vec<(Input, Outcome)>) {
        let mut sim = self.root.clone();
        let mut track = Track::default();
        let mut inputs = Vec::with_capacity(path.len());
        for mv in path {
            let (input, outcome, _) = self.apply(&mut sim, &mut track, *mv, None, 0);
            inputs.push((input, outcome));
        }
        (sim, track, inputs)
    }

    /// Applies one move, updates the track, checks the invariants, and counts the outcome.
    fn apply(
        &self,
        sim: &mut Simulator,
        track: &mut Track,
        mv: Move,
        report: Option<&mut Report>,
        depth: u32,
    ) -> (Input, Outcome, Result<(), String>) {
        let input = to_input(mv, track);
        let consent_before = match mv {
            Move::Call { user, app, .. }
            | Move::Button { user, app, .. }
            | Move::Setting { user, app }
            | Move::OpenUserInfo { user, app }
            | Move::PhoneNumber { user, app } => Some(sim.consent().get(UserId(user), AppId(app))),
            _ => None,
        };
        let now_before = sim.now().0;
        let stats_before = sim.gateway_stats();
        let result = (self.cfg.step)(sim, input.clone());
        let step = match result {
            Ok(step) => step,
            Err(e) => {
                let e = Err(format!("the input was refused: {e}"));
                return (input, Outcome::Error, e);
            }
        };
        let stats = sim.gateway_stats();
        let label = outcome_label(mv, &step, stats_before, stats);
        if let Some(report) = report {
            let c = report.outcomes.entry(label).or_insert(OutcomeCount {
                paths: 0,
                first_depth: depth,
            });
            c.paths += 1;
        }
        let checked = self.check(track, mv, &step, consent_before, now_before);
        self.update(sim, track, mv, &step);
        (input, step.outcome, checked)
    }

    fn check(
        &self,
        track: &Track,
        mv: Move,
        step: &Step,
        consent: Option<crate::consent::Consent>,
        now_before: u64,
    ) -> Result<(), String> {
        let client = matches!(
            mv,
            Move::Call { .. }
                | Move::Button { .. }
                | Move::Setting { .. }
                | Move::OpenUserInfo { .. }
                | Move::PhoneNumber { .. }
        );
        let expected_callbacks: &[Callback] = match (client, step.outcome) {
            (true, Outcome::Success) => &[Callback::Success, Callback::Complete],
            (true, Outcome::Fail) => &[Callback::Fail, Callback::Complete],
            (true, other) => {
                return Err(format!("a finished client call has outcome {other:?}"));
            }
            (false, _) => &[],
        };
        if step.callbacks != expected_callbacks {
            return Err(format!(
                "callbacks {:?} where {expected_callbacks:?} was due (outcome {:?})",
                step.callbacks, step.outcome
            ));
        }
        match mv {
            Move::Call { scopes, .. } => {
                let remembered = consent.unwrap_or_default().scopes;
                let want = match scopes.prompted() {
                    None => 0,
                    Some(p) => u32::from(!p.minus(remembered).is_empty()),
                };
                if step.popups != want {
                    return Err(format!(
                        "a call for {scopes:?} with remembered {remembered:?} showed {} popups, \
                         not {want}",
                        step.popups
                    ));
                }
                if let Payload::AuthCode(s) = &step.result
                    && track.delivered.iter().any(|d| s.auth_code == d.code)
                {
                    return Err(format!("authCode {} was delivered twice", s.auth_code));
                }
            }
            Move::Button { app, scope, .. } => {
                let c = consent.unwrap_or_default();
                let want = match scope {
                    ButtonClass::UserInfo => u32::from(!c.user_info),
                    ButtonClass::PhoneNumber if self.cfg.world.is_enterprise(AppId(app)) => {
                        u32::from(!c.phone_number)
                    }
                    _ => 0,
                };
                if step.popups != want {
                    return Err(format!(
                        "a {scope:?} button showed {} popups, not {want}",
                        step.popups
                    ));
                }
            }
            Move::Redeem { app, code } => {
                let d = &track.delivered[code as usize];
                let in_time = now_before < d.issued_at + self.cfg.world.code_ttl;
                let unrevoked = track.revocations[d.user as usize][d.app as usize] == d.revocations;
                let ok = step.outcome == Outcome::Ok;
                let why_not = if d.redeemed {
                    Some("a second time")
                } else if d.presented {
                    Some("after a first presentation")
                } else if !in_time {
                    Some("after its expiry")
                } else if app != d.app {
                    Some("by another app")
                } else if !unrevoked {
                    Some("after the user revoked the app")
                } else {
                    None
                };
                match (ok, why_not) {
                    (true, Some(why)) => {
                        return Err(format!(
                            "code #{code} (user {}, app {}) was redeemed {why}",
                            d.user, d.app
                        ));
                    }
                    (false, None) => {
                        return Err(format!(
                            "code #{code} was refused on its first, timely presentation by its \
                             own app: {:?}",
                            step.result
                        ));
                    }
                    (true, None) => self.check_token(step, d.user, d.app)?,
                    (false, Some(_)) => refused(step)?,
                }
            }
            Move::Forged { .. } => {
                if step.outcome == Outcome::Ok {
                    return Err("a forged code was redeemed".into());
                }
                refused(step)?;
            }
            Move::Refresh { app, grant, stale } => {
                let g = &track.grants[grant as usize];
                if step.outcome == Outcome::Ok {
                    if stale {
                        return Err(format!("grant #{grant}'s rotated-out refresh token worked"));
                    }
                    if app != g.app {
                        return Err(format!("grant #{grant} was refreshed by another app"));
                    }
                    self.check_token(step, g.user, g.app)?;
                } else {
                    refused(step)?;
                }
            }
            Move::Setting { .. } | Move::Advance { .. } | Move::Revoke { .. } => {}
            Move::OpenUserInfo { .. } | Move::PhoneNumber { .. } => {}
        }
        let silent = matches!(
            mv,
            Move::Setting { .. }
                | Move::OpenUserInfo { .. }
                | Move::PhoneNumber { .. }
                | Move::Advance { .. }
                | Move::Revoke { .. }
        );
        if silent && step.popups != 0 {
            return Err(format!("{mv:?} showed a popup"));
        }
        self.check_consent_reads(mv, step, consent.unwrap_or_default())
    }

    /// `my.getSetting` reports the button consents; `my.getOpenUserInfo` and
    /// `my.getPhoneNumber` answer `10000` exactly when the consent (and, for the phone, an
    /// enterprise app) is there.
    fn check_consent_reads(
        &self,
        mv: Move,
        step: &Step,
        c: crate::consent::Consent,
    ) -> Result<(), String> {
        let (want_ok, what) = match mv {
            Move::Setting { .. } => {
                let Payload::Setting(s) = &step.result else {
                    return Err(format!("my.getSetting answered {:?}", step.result));
                };
                let got = (s.auth_setting.user_info, s.auth_setting.phone_number);
                if got != (c.user_info, c.phone_number) {
                    return Err(format!(
                        "my.getSetting reports {got:?}, consent is {:?}",
                        (c.user_info, c.phone_number)
                    ));
                }
                return Ok(());
            }
            Move::OpenUserInfo { .. } => (c.user_info, "my.getOpenUserInfo"),
            Move::PhoneNumber { app, .. } => (
                c.phone_number && self.cfg.world.is_enterprise(AppId(app)),
                "my.getPhoneNumber",
            ),
            _ => return Ok(()),
        };
        let Payload::Response(r) = &step.result else {
            return Err(format!("{what} answered {:?}", step.result));
        };
        let code = serde_json::from_str::<Value>(&r.response)
            .ok()
            .and_then(|v| v["response"]["code"].as_str().map(str::to_owned))
            .unwrap_or_default();
        if (code == "10000") != want_ok {
            return Err(format!(
                "{what} answered code {code:?} with consent {c:?}: {}",
                r.response
            ));
        }
        Ok(())
    }

    fn check_token(&self, step: &Step, user: u32, app: u32) -> Result<(), String> {
        let Payload::OauthToken(t) = &step.result else {
            return Err(format!(
                "an ok token step without a token: {:?}",
                step.result
            ));
        };
        let b = &t.alipay_system_oauth_token_response;
        let (want_user, want_open) = (
            &self.user_ids[user as usize],
            &self.open_ids[user as usize][app as usize],
        );
        if b.user_id != *want_user {
            return Err(format!(
                "user {user} got user_id {}, not its one user_id {want_user}",
                b.user_id
            ));
        }
        if b.open_id != *want_open {
            return Err(format!(
                "(user {user}, app {app}) got open_id {}, not {want_open}",
                b.open_id
            ));
        }
        Ok(())
    }

    fn update(&self, sim: &Simulator, track: &mut Track, mv: Move, step: &Step) {
        match mv {
            Move::Call { user, app, .. } => {
                if let Payload::AuthCode(s) = &step.result {
                    track.delivered.push(Delivered {
                        code: s.auth_code,
                        user,
                        app,
                        issued_at: sim.now().0,
                        revocations: track.revocations[user as usize][app as usize],
                        presented: false,
                        redeemed: false,
                    });
                }
            }
            Move::Redeem { app, code } => {
                let d = &mut track.delivered[code as usize];
                d.presented = true;
                if let Payload::OauthToken(t) = &step.result {
                    d.redeemed = true;
                    let ix = sim
                        .gateway()
                        .code(d.code.get())
                        .and_then(|r| match r.state {
                            CodeState::Burned(g) => g,
                            CodeState::Fresh => None,
                        });
                    track.grants.push(TrackedGrant {
                        user: d.user,
                        app,
                        ix,
                        current: t.alipay_system_oauth_token_response.refresh_token,
                        previous: None,
                    });
                }
            }
            Move::Refresh { grant, .. } => {
                if let Payload::OauthToken(t) = &step.result {
                    let g = &mut track.grants[grant as usize];
                    let new = t.alipay_system_oauth_token_response.refresh_token;
                    g.previous = Some(std::mem::replace(&mut g.current, new));
                }
            }
            Move::Revoke { user, app } => {
                track.revocations[user as usize][app as usize] += 1;
            }
            _ => {}
        }
    }
}

fn refused(step: &Step) -> Result<(), String> {
    match &step.result {
        Payload::GatewayError(e) if step.outcome == Outcome::Error => {
            if e.error_response.sub_code.is_empty() {
                Err("a refusal without a sub_code".into())
            } else {
                Ok(())
            }
        }
        other => Err(format!(
            "a refused server call must be an error_response, got {:?} {other:?}",
            step.outcome
        )),
    }
}

fn path_to(nodes: &[Node], mut n: u32) -> Vec<Move> {
    let mut path = Vec::new();
    while let Some(mv) = nodes[n as usize].mv {
        path.push(mv);
        n = nodes[n as usize].parent;
    }
    path.reverse();
    path
}

/// Every move of the alphabet valid in this state, in a fixed order.
fn moves(track: &Track, w: SmallWorld) -> Vec<Move> {
    let mut out = Vec::with_capacity(512);
    for user in 0..w.users {
        for app in 0..w.apps {
            for scopes in ScopeClass::ALL {
                for decision in DecisionClass::ALL {
                    for network in NETWORKS {
                        out.push(Move::Call {
                            user,
                            app,
                            scopes,
                            decision,
                            network,
                        });
                    }
                }
            }
            for scope in [ButtonClass::UserInfo, ButtonClass::PhoneNumber] {
                for decision in &DecisionClass::ALL[..3] {
                    for network in NETWORKS {
                        out.push(Move::Button {
                            user,
                            app,
                            scope,
                            decision: *decision,
                            network,
                        });
                    }
                }
            }
            out.push(Move::Button {
                user,
                app,
                scope: ButtonClass::Invalid,
                decision: DecisionClass::Accept,
                network: Network::Ok,
            });
            out.push(Move::Setting { user, app });
            out.push(Move::OpenUserInfo { user, app });
            out.push(Move::PhoneNumber { user, app });
            out.push(Move::Revoke { user, app });
        }
    }
    for app in 0..w.apps {
        for code in 0..track.delivered.len() as u32 {
            out.push(Move::Redeem { app, code });
        }
        out.push(Move::Forged { app });
        for (grant, g) in track.grants.iter().enumerate() {
            out.push(Move::Refresh {
                app,
                grant: grant as u32,
                stale: false,
            });
            if g.previous.is_some() && app == g.app {
                out.push(Move::Refresh {
                    app,
                    grant: grant as u32,
                    stale: true,
                });
            }
        }
    }
    for seconds in [1, w.code_ttl - 1, w.code_ttl, w.refresh_ttl] {
        out.push(Move::Advance { seconds });
    }
    out
}

fn to_input(mv: Move, track: &Track) -> Input {
    match mv {
        Move::Call {
            user,
            app,
            scopes,
            decision,
            network,
        } => Input::GetAuthCode(
            AuthCodeRequest::new(UserId(user), AppId(app), scopes.arg())
                .decision(decision.decision())
                .network(network),
        ),
        Move::Button {
            user,
            app,
            scope,
            decision,
            network,
        } => Input::Authorize {
            user: UserId(user),
            app: AppId(app),
            scope: scope.attr().into(),
            decision: decision.decision(),
            network,
        },
        Move::Setting { user, app } => Input::GetSetting {
            user: UserId(user),
            app: AppId(app),
        },
        Move::OpenUserInfo { user, app } => Input::GetOpenUserInfo {
            user: UserId(user),
            app: AppId(app),
        },
        Move::PhoneNumber { user, app } => Input::GetPhoneNumber {
            user: UserId(user),
            app: AppId(app),
        },
        Move::Redeem { app, code } => Input::OauthToken {
            app: AppId(app),
            grant_type: "authorization_code".into(),
            code: Some(track.delivered[code as usize].code.to_string()),
            refresh_token: None,
        },
        Move::Forged { app } => Input::OauthToken {
            app: AppId(app),
            grant_type: "authorization_code".into(),
            code: Some(FORGED_CODE.into()),
            refresh_token: None,
        },
        Move::Refresh { app, grant, stale } => {
            let g = &track.grants[grant as usize];
            let token = if stale {
                g.previous.map(|t| t.to_string()).unwrap_or_default()
            } else {
                g.current.to_string()
            };
            Input::OauthToken {
                app: AppId(app),
                grant_type: "refresh_token".into(),
                code: None,
                refresh_token: Some(token),
            }
        }
        Move::Advance { seconds } => Input::AdvanceClock { seconds },
        Move::Revoke { user, app } => Input::Revoke {
            user: UserId(user),
            app: AppId(app),
        },
    }
}

fn outcome_label(
    mv: Move,
    step: &Step,
    before: crate::gateway::GatewayStats,
    after: crate::gateway::GatewayStats,
) -> &'static str {
    let error = match &step.result {
        Payload::ClientFail(f) => Some(f.error),
        _ => None,
    };
    match mv {
        Move::Call { .. } => match (&step.result, error) {
            (Payload::AuthCode(s), _) if s.auth_error_scopes.is_empty() => "call: success",
            (Payload::AuthCode(_), _) => "call: partial grant",
            (_, Some(11)) => "call: deny 11",
            (_, Some(3)) => "call: dismiss 3",
            (_, Some(10)) if step.issued_code.is_some() => "call: lost response 10",
            (_, Some(10)) => "call: network 10",
            (_, Some(2)) => "call: error 2",
            _ => "call: other",
        },
        Move::Button { .. } => match step.outcome {
            Outcome::Success => "button: success",
            _ => "button: fail",
        },
        Move::Setting { .. } => "setting",
        Move::OpenUserInfo { .. } | Move::PhoneNumber { .. } => {
            let ok =
                matches!(&step.result, Payload::Response(r) if r.response.contains("\"10000\""));
            if ok {
                "member info: delivered"
            } else {
                "member info: refused"
            }
        }
        Move::Redeem { .. } | Move::Forged { .. } => {
            if step.outcome == Outcome::Ok {
                "redeem: ok"
            } else if after.replays_refused > before.replays_refused {
                "redeem: replay refused"
            } else if after.expired_refused > before.expired_refused {
                "redeem: expired refused"
            } else if after.foreign_refused > before.foreign_refused {
                "redeem: foreign refused"
            } else if after.forged_refused > before.forged_refused {
                "redeem: forged refused"
            } else if after.revoked_refused > before.revoked_refused {
                "redeem: revoked refused"
            } else {
                "redeem: other"
            }
        }
        Move::Refresh { .. } => match &step.result {
            Payload::OauthToken(_) => "refresh: ok",
            Payload::GatewayError(e)
                if e.error_response.sub_code == "isv.refresh-token-time-out" =>
            {
                "refresh: timed out"
            }
            _ => "refresh: invalid",
        },
        Move::Advance { .. } => "clock",
        Move::Revoke { .. } => "revoke",
    }
}

#[derive(Hash, PartialEq, Eq, PartialOrd, Ord)]
struct CodeKey {
    user: u32,
    app: u32,
    scopes: ScopeSet,
    remaining: u64,
    current: bool,
    /// 0 fresh, 1 burned without a grant, 2 redeemed.
    state: u8,
    grant_live: bool,
    refresh_remaining: u64,
    rotated: bool,
}

/// A `Hasher` that keeps the bytes written to it, so the projection is encoded once (by the
/// derived `Hash` impls) and SipHashed in one pass per half: a SipHash call per field was a fifth
/// of the explorer's time.
#[derive(Default)]
struct Encoded(Vec<u8>);

impl Hasher for Encoded {
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    /// Not a hash: only the bytes are used.
    fn finish(&self) -> u64 {
        0
    }
}

/// Buffers reused by [`canonical`] from one state to the next.
#[derive(Default)]
struct Scratch {
    codes: Vec<CodeKey>,
    encoded: Encoded,
}

/// The 128-bit hash of the canonical projection described in the module docs.
fn canonical(sim: &Simulator, track: &Track, w: SmallWorld, scratch: &mut Scratch) -> u128 {
    let now = sim.now();
    let gw = sim.gateway();
    let codes = &mut scratch.codes;
    codes.clear();
    codes.extend(track.delivered.iter().filter_map(|d| {
        let rec = gw.code(d.code.get())?;
        let (state, grant_live, refresh_remaining, rotated) = match rec.state {
            CodeState::Fresh => (0, false, 0, false),
            CodeState::Burned(None) => (1, false, 0, false),
            CodeState::Burned(Some(ix)) => {
                let g = &gw.grants()[ix.0 as usize];
                let rotated = track
                    .grants
                    .iter()
                    .any(|t| t.ix == Some(ix) && t.previous.is_some());
                (
                    2,
                    gw.is_grant_live(ix),
                    g.refresh_deadline.since(now),
                    rotated,
                )
            }
        };
        Some(CodeKey {
            user: rec.user.0,
            app: rec.app.0,
            scopes: rec.scopes,
            remaining: rec.expires_at.since(now),
            current: track.revocations[d.user as usize][d.app as usize] == d.revocations,
            state,
            grant_live,
            refresh_remaining,
            rotated,
        })
    }));
    codes.sort_unstable();
    let bytes = &mut scratch.encoded;
    bytes.0.clear();
    for u in w.user_ids() {
        for a in w.app_ids() {
            let c = sim.consent().get(u, a);
            (c.scopes, c.user_info, c.phone_number).hash(bytes);
        }
    }
    codes.hash(bytes);
    let half = |salt: u64| {
        let mut h = DefaultHasher::new();
        salt.hash(&mut h);
        h.write(&bytes.0);
        h.finish()
    };
    (u128::from(half(0x5eed)) << 64) | u128::from(half(0xcafe))
}

/// The scenario file of a path: the world, then one step per input, with codes and refresh
/// tokens written as references to the steps that produced them.
fn scenario(cfg: &ExploreConfig, moves: &[Move], steps: &[(Input, Outcome)]) -> Value {
    let w = cfg.world;
    let apps: Vec<Value> = (0..w.apps)
        .map(|i| {
            let spec = w.app_spec(i);
            json!({"name": spec.name, "packages": spec.packages, "enterprise": spec.enterprise})
        })
        .collect();
    let users: Vec<Value> = (0..w.users)
        .map(|i| serde_json::to_value(w.user_spec(i)).expect("plain data"))
        .collect();
    let mut calls = 0usize;
    let mut code_names: Vec<String> = Vec::new();
    let mut grant_names: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    let name = |i: u32, p: char| format!("{p}{i}");
    for (n, (mv, (input, outcome))) in moves.iter().zip(steps).enumerate() {
        let ok = matches!(outcome, Outcome::Ok | Outcome::Success);
        let mut step = serde_json::to_value(input).expect("inputs are plain data");
        let obj = step.as_object_mut().expect("inputs are objects");
        for key in ["user", "app"] {
            if let Some(Value::Number(x)) = obj.get(key) {
                let i = x.as_u64().unwrap_or(0) as u32;
                let p = if key == "user" { 'u' } else { 'a' };
                obj.insert(key.into(), Value::String(name(i, p)));
            }
        }
        match *mv {
            Move::Call { .. } => {
                let save = format!("c{calls}");
                calls += 1;
                obj.insert("save".into(), Value::String(save.clone()));
                if ok {
                    code_names.push(save);
                }
            }
            Move::Redeem { code, .. } => {
                let save = format!("t{n}");
                obj.insert("save".into(), Value::String(save.clone()));
                obj.insert(
                    "code".into(),
                    Value::String(format!("${}.authCode", code_names[code as usize])),
                );
                if ok {
                    grant_names.push((save.clone(), save));
                }
            }
            Move::Refresh { grant, stale, .. } => {
                let save = format!("r{n}");
                obj.insert("save".into(), Value::String(save.clone()));
                if let Some((cur, prev)) = grant_names.get_mut(grant as usize) {
                    let src = if stale { prev.clone() } else { cur.clone() };
                    obj.insert(
                        "refresh_token".into(),
                        Value::String(format!("${src}.refresh_token")),
                    );
                    if ok {
                        *prev = std::mem::replace(cur, save);
                    }
                }
            }
            _ => {}
        }
        out.push(step);
    }
    json!({
        "description": "found by authsim explore",
        "seed": cfg.seed,
        "config": w.config(),
        "apps": apps,
        "users": users,
        "steps": out,
    })
}
