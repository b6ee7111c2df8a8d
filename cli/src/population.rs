//! Population simulation (`authsim simulate`): many users going through realistic login journeys
//! on the real [`Simulator`].
//!
//! Users never interact, so they are split into fixed-size shards of [`SHARD_USERS`] users. Each
//! shard is a small [`Simulator`] of its own, seeded from `(seed, shard index)` through the ChaCha
//! stream (the seed picks the key, the shard index picks the stream), which also draws every
//! behaviour of the shard's users. A shard's result is a set of counters; counters add up in any
//! order, so the report is the same whatever `--threads` is, and memory stays that of a few
//! shards however many users there are.
//!
//! A journey, per user, with the probabilities of the behaviour [`Mix`]:
//! 1. Launch: silent login in `onLoad` on the first screen (`my.getAuthCode` with `auth_base`),
//!    then the app's server redeems the code with `alipay.system.oauth.token`. The network may
//!    fail or lose the response; the app may retry; the server may come back after the code's
//!    lifetime (the code is refused, the app logs in again) or submit the code twice (refused,
//!    and the first grant is revoked).
//! 2. Later, the member-info button (`<button open-type="getAuthorize" scope="userInfo">`): the
//!    user accepts, denies or dismisses the popup, may tap again, and on consent the app reads
//!    `my.getOpenUserInfo`. Apps of the legacy pattern first ask `auth_user` through
//!    `my.getAuthCode` and read `alipay.user.info.share`: two popups (the double-popup finding).
//! 3. Days later the server refreshes the token.
//! 4. Some users revoke the app in its settings and come back: silent login again, and the
//!    button asks again.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant as WallClock;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use authsim::call::{Decision, Lifecycle, Network, Page};
use authsim::config::Config;
use authsim::findings::FindingId;
use authsim::gateway::GatewayStats;
use authsim::ids::{AccessToken, RefreshToken};
use authsim::payload::Payload;
use authsim::scope::{Scope, ScopesArg};
use authsim::sim::{AuthCodeRequest, Outcome, Simulator, Step};
use authsim::world::{AppId, AppSpec, Package, UserId, UserSpec};

/// Users per shard: fixed, so the report does not depend on how shards are spread over threads.
pub const SHARD_USERS: u64 = 256;

/// Buckets of the popups-per-user histogram: 0, 1, …, and the last one for "this many or more".
pub const POPUP_BUCKETS: usize = 9;

/// `--apps` is at most `--users`, or this many when there are fewer users (the default `--apps`).
pub const MIN_APPS_CAP: u64 = 4;

/// `--threads` is at most this many times the available parallelism.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// The memory a run may be estimated to need before it is refused (1 GiB).
pub const MEMORY_BUDGET: u64 = 1 << 30;

/// Bytes one app of a shard's world takes (measured, rounded up).
const BYTES_PER_APP: u64 = 512;

/// Bytes one user of a shard takes while the shard runs, with its codes and tokens (measured,
/// rounded up).
const BYTES_PER_USER: u64 = 4096;

/// The process before any shard (measured, rounded up).
const BYTES_BASE: u64 = 16 << 20;

/// The estimated peak memory of a run: every thread holds one shard's world at a time.
pub fn memory_estimate(apps: u32, threads: usize) -> u64 {
    let shard = u64::from(apps) * BYTES_PER_APP + SHARD_USERS * BYTES_PER_USER;
    BYTES_BASE.saturating_add((threads as u64).saturating_mul(shard))
}

/// Arguments of `authsim simulate`.
#[derive(clap::Args, Debug, Clone)]
pub struct SimulateArgs {
    /// How many users.
    #[arg(long, default_value_t = 100_000)]
    pub users: u64,
    /// How many mini programs the users are spread over.
    #[arg(long, default_value_t = 4)]
    pub apps: u32,
    /// The seed; the same seed gives the same report.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A JSON file of behaviour probabilities (the defaults for any left out).
    #[arg(long)]
    pub mix: Option<PathBuf>,
    /// Worker threads (default: every core). The report does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The behaviour mix: each field a probability in [0, 1], except `maxAttempts`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Mix {
    /// A request never reaches the server (error 10, no code).
    pub network_fail: f64,
    /// The server issues a code but the response is lost (error 10; the code expires unused).
    pub lost_response: f64,
    /// After a failed attempt (network, deny, dismiss), the app or user tries again.
    pub retry: f64,
    /// Attempts per login or button at most (1 to 16).
    pub max_attempts: u32,
    /// The server redeems the code only after its lifetime (the user comes back later): refused,
    /// and the app logs in again.
    pub late_exchange: f64,
    /// The server submits a code twice: the replay is refused and the first grant revoked.
    pub replay: f64,
    /// The user later taps the member-info (`userInfo`) button.
    pub member_info: f64,
    /// Share of the apps that ask `auth_user` through `my.getAuthCode` before the button
    /// (the double-popup pattern).
    pub legacy_apps: f64,
    /// The user taps deny on a popup.
    pub deny: f64,
    /// The user closes a popup.
    pub dismiss: f64,
    /// Days later, the app's server refreshes the token.
    pub refresh: f64,
    /// The user revokes the app in its settings, then comes back.
    pub revoke: f64,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            network_fail: 0.02,
            lost_response: 0.01,
            retry: 0.7,
            max_attempts: 3,
            late_exchange: 0.02,
            replay: 0.005,
            member_info: 0.4,
            legacy_apps: 0.25,
            deny: 0.1,
            dismiss: 0.15,
            refresh: 0.3,
            revoke: 0.03,
        }
    }
}

impl Mix {
    /// Checks every probability is in [0, 1], exclusive choices add up to at most 1, and
    /// `maxAttempts` is in 1..=16.
    pub fn validate(&self) -> Result<(), String> {
        let probabilities = [
            ("networkFail", self.network_fail),
            ("lostResponse", self.lost_response),
            ("retry", self.retry),
            ("lateExchange", self.late_exchange),
            ("replay", self.replay),
            ("memberInfo", self.member_info),
            ("legacyApps", self.legacy_apps),
            ("deny", self.deny),
            ("dismiss", self.dismiss),
            ("refresh", self.refresh),
            ("revoke", self.revoke),
        ];
        for (name, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be a probability in [0, 1], got {p}"));
            }
        }
        if self.network_fail + self.lost_response > 1.0 {
            return Err("networkFail + lostResponse must be at most 1".into());
        }
        if self.deny + self.dismiss > 1.0 {
            return Err("deny + dismiss must be at most 1".into());
        }
        if !(1..=16).contains(&self.max_attempts) {
            return Err(format!(
                "maxAttempts must be between 1 and 16, got {}",
                self.max_attempts
            ));
        }
        Ok(())
    }

    /// Reads a mix from JSON (fields left out take their defaults) and validates it. The text
    /// must be one JSON object: an array (which serde would read by position), an unknown key
    /// or a key given twice is refused with the key's name and place.
    pub fn from_json(text: &str) -> Result<Mix, String> {
        let shape: serde_json::Value =
            serde_json::from_str(text).map_err(|e| authsim::text::tidy(&e.to_string()))?;
        if !shape.is_object() {
            let kind = match shape {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Bool(_) => "a boolean",
                _ => "null",
            };
            return Err(format!(
                "the mix must be a JSON object of named probabilities, not {kind}"
            ));
        }
        // From the text, not the value: serde reports a key given twice only while reading text.
        let mix: Mix =
            serde_json::from_str(text).map_err(|e| authsim::text::tidy(&e.to_string()))?;
        mix.validate()?;
        Ok(mix)
    }
}

/// Popups shown to users.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PopupSummary {
    /// Popups in all.
    pub total: u64,
    /// Mean popups per user.
    pub mean_per_user: f64,
    /// Users by popups seen: index `i` counts users who saw `i` popups; the last counts users
    /// who saw that many or more.
    pub histogram: Vec<u64>,
}

/// Auth codes, from the gateway's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeSummary {
    /// Codes issued (including those whose response was lost).
    pub issued: u64,
    /// Codes redeemed.
    pub redeemed: u64,
    /// Codes never presented, expired.
    pub expired_unused: u64,
    /// Codes presented a second time, refused.
    pub replays_refused: u64,
    /// Codes presented after their lifetime, refused.
    pub expired_refused: u64,
    /// Codes issued before a revocation, refused.
    pub revoked_refused: u64,
    /// Grants revoked because their code was replayed.
    pub grants_revoked_by_replay: u64,
    /// Successful token refreshes.
    pub refreshes: u64,
}

/// How journeys ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JourneySummary {
    /// Users who got a `user_id` at launch.
    pub logged_in: u64,
    /// Users who gave up logging in at launch.
    pub login_abandoned: u64,
    /// Users who tapped the member-info button.
    pub member_info_asked: u64,
    /// Users whose profile the app read.
    pub member_info_shared: u64,
    /// Users who revoked the app and came back.
    pub revoked: u64,
}

/// What took how long: the only part of the report that changes from run to run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// Worker threads used.
    pub threads: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Users per second.
    pub users_per_second: f64,
    /// Flows (`my.getAuthCode` calls and button taps) per second.
    pub flows_per_second: f64,
    /// Simulator inputs per second.
    pub inputs_per_second: f64,
    /// Peak resident memory of the process (`VmHWM`), if the platform tells.
    pub peak_rss_bytes: Option<u64>,
    /// Peak resident memory divided by users.
    pub peak_rss_bytes_per_user: Option<f64>,
}

/// The report of `authsim simulate`. Everything but `timing` depends only on the arguments.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Users simulated.
    pub users: u64,
    /// Apps.
    pub apps: u32,
    /// Seed.
    pub seed: u64,
    /// Users per shard.
    pub shard_users: u64,
    /// The behaviour mix used.
    pub mix: Mix,
    /// Simulator inputs handled.
    pub inputs: u64,
    /// `my.getAuthCode` calls and button taps.
    pub flows: u64,
    /// Popups.
    pub popups: PopupSummary,
    /// Simulator steps by outcome.
    pub outcomes: std::collections::BTreeMap<Outcome, u64>,
    /// Errors by API and code: `my.getAuthCode:11`, `alipay.system.oauth.token:isv.code-invalid`.
    pub errors: std::collections::BTreeMap<String, u64>,
    /// Auth codes.
    pub codes: CodeSummary,
    /// Policy findings by kind.
    pub findings: std::collections::BTreeMap<FindingId, u64>,
    /// Double-popup findings (also in `findings`).
    pub double_popups: u64,
    /// Journeys.
    pub journeys: JourneySummary,
    /// Timing and memory (varies between runs).
    pub timing: Timing,
}

/// The counters of one shard (or of several, added up).
#[derive(Clone, Debug, Default)]
struct Tally {
    users: u64,
    inputs: u64,
    flows: u64,
    popups: u64,
    histogram: [u64; POPUP_BUCKETS],
    outcomes: [u64; 5],
    errors: Vec<(&'static str, String, u64)>,
    gateway: GatewayStats,
    expired_unused: u64,
    findings: [u64; 4],
    journeys: JourneySummary,
}

const OUTCOMES: [Outcome; 5] = [
    Outcome::Success,
    Outcome::Fail,
    Outcome::Ok,
    Outcome::Error,
    Outcome::Pending,
];

const FINDINGS: [FindingId; 4] = [
    FindingId::DoublePopup,
    FindingId::FirstScreenPrompt,
    FindingId::PromptInOnload,
    FindingId::CallInOnshow,
];

impl Tally {
    fn error(&mut self, api: &'static str, code: &str) {
        match self
            .errors
            .iter_mut()
            .find(|(a, c, _)| *a == api && c == code)
        {
            Some(e) => e.2 += 1,
            None => self.errors.push((api, code.to_owned(), 1)),
        }
    }

    fn merge(mut self, other: Tally) -> Tally {
        self.users += other.users;
        self.inputs += other.inputs;
        self.flows += other.flows;
        self.popups += other.popups;
        for (a, b) in self.histogram.iter_mut().zip(other.histogram) {
            *a += b;
        }
        for (a, b) in self.outcomes.iter_mut().zip(other.outcomes) {
            *a += b;
        }
        for (api, code, n) in other.errors {
            match self
                .errors
                .iter_mut()
                .find(|(a, c, _)| *a == api && *c == code)
            {
                Some(e) => e.2 += n,
                None => self.errors.push((api, code, n)),
            }
        }
        let (g, o) = (&mut self.gateway, other.gateway);
        g.codes_issued += o.codes_issued;
        g.codes_redeemed += o.codes_redeemed;
        g.replays_refused += o.replays_refused;
        g.expired_refused += o.expired_refused;
        g.foreign_refused += o.foreign_refused;
        g.forged_refused += o.forged_refused;
        g.revoked_refused += o.revoked_refused;
        g.grants_revoked_by_replay += o.grants_revoked_by_replay;
        g.refreshes += o.refreshes;
        self.expired_unused += other.expired_unused;
        for (a, b) in self.findings.iter_mut().zip(other.findings) {
            *a += b;
        }
        let (j, o) = (&mut self.journeys, other.journeys);
        j.logged_in += o.logged_in;
        j.login_abandoned += o.login_abandoned;
        j.member_info_asked += o.member_info_asked;
        j.member_info_shared += o.member_info_shared;
        j.revoked += o.revoked;
        self
    }
}

/// Why `authsim simulate` could not run (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum PopulationError {
    /// The mix file could not be read.
    #[error("cannot read mix file {path}: {reason}")]
    MixFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The mix is not valid.
    #[error("invalid mix {path}: {reason}")]
    Mix {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A bad argument.
    #[error("{0}")]
    Argument(String),
}

/// The access and refresh tokens of a grant, as the server keeps them.
struct Tokens {
    access: AccessToken,
    refresh: RefreshToken,
}

/// One shard: its simulator, its behaviour stream and its counters.
struct Shard<'a> {
    sim: Simulator,
    rng: ChaCha8Rng,
    mix: &'a Mix,
    legacy_apps: u32,
    code_ttl: u64,
    tally: Tally,
    user_popups: u32,
    base: ScopesArg,
    user_scope: ScopesArg,
}

const LAUNCH: Page = Page {
    first_screen: true,
    lifecycle: Lifecycle::OnLoad,
    container: authsim::call::Container::Page,
};

const TAP: Page = Page {
    first_screen: false,
    lifecycle: Lifecycle::OnTap,
    container: authsim::call::Container::Page,
};

impl Shard<'_> {
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        // 53 random bits as a uniform float in [0, 1): exact and the same on every platform.
        let u = (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        u < p
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.rng.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn network(&mut self) -> Network {
        let u = (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        if u < self.mix.network_fail {
            Network::Fail
        } else if u < self.mix.network_fail + self.mix.lost_response {
            Network::LostResponse
        } else {
            Network::Ok
        }
    }

    fn decision(&mut self) -> Decision {
        let u = (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        if u < self.mix.deny {
            Decision::Deny
        } else if u < self.mix.deny + self.mix.dismiss {
            Decision::Dismiss
        } else {
            Decision::Accept
        }
    }

    fn note(&mut self, step: &Step) {
        self.tally.inputs += 1;
        self.user_popups += step.popups;
    }

    fn advance(&mut self, seconds: u64) {
        self.sim.advance(seconds);
        self.tally.inputs += 1;
    }

    /// `my.getAuthCode` for `scopes`, then the server's code exchange; retried as the mix says.
    fn login(&mut self, user: UserId, app: AppId, prompted: bool, page: Page) -> Option<Tokens> {
        for _ in 0..self.mix.max_attempts {
            let scopes = if prompted {
                self.user_scope.clone()
            } else {
                self.base.clone()
            };
            let req = AuthCodeRequest {
                user,
                app,
                scopes,
                page,
                decision: self.decision(),
                network: self.network(),
            };
            let step = self
                .sim
                .get_auth_code(req)
                .expect("users and apps of the shard exist");
            self.note(&step);
            self.tally.flows += 1;
            let code = match step.result {
                Payload::AuthCode(s) => s.auth_code,
                Payload::ClientFail(f) => {
                    self.tally
                        .error("my.getAuthCode", error_number(f.error).as_ref());
                    if self.chance(self.mix.retry) {
                        continue;
                    }
                    return None;
                }
                _ => return None,
            };
            if self.chance(self.mix.late_exchange) {
                self.advance(self.code_ttl + 1);
            }
            let step = self.sim.redeem(app, code).expect("the app exists");
            self.note(&step);
            if self.chance(self.mix.replay) {
                let again = self.sim.redeem(app, code).expect("the app exists");
                self.note(&again);
                if let Payload::GatewayError(e) = &again.result {
                    self.tally
                        .error("alipay.system.oauth.token", &e.error_response.sub_code);
                }
            }
            match step.result {
                Payload::OauthToken(t) => {
                    let body = t.alipay_system_oauth_token_response;
                    return Some(Tokens {
                        access: body.access_token,
                        refresh: body.refresh_token,
                    });
                }
                Payload::GatewayError(e) => {
                    // The code was refused: the app asks for a new one at once.
                    self.tally
                        .error("alipay.system.oauth.token", &e.error_response.sub_code);
                }
                _ => return None,
            }
        }
        None
    }

    /// The `userInfo` button, tapped again after a refusal as the mix says; then
    /// `my.getOpenUserInfo` on consent. Whether the profile was read.
    fn member_button(&mut self, user: UserId, app: AppId) -> bool {
        for _ in 0..self.mix.max_attempts {
            let decision = self.decision();
            let network = self.network();
            let step = self
                .sim
                .authorize(user, app, "userInfo", decision, network)
                .expect("users and apps of the shard exist");
            self.note(&step);
            self.tally.flows += 1;
            match &step.result {
                Payload::AuthorizeError(e) => {
                    self.tally.error("button.getAuthorize", &e.error_message);
                    if self.chance(self.mix.retry) {
                        continue;
                    }
                    return false;
                }
                _ => {
                    let info = self
                        .sim
                        .get_open_user_info(user, app)
                        .expect("users and apps of the shard exist");
                    self.note(&info);
                    return true;
                }
            }
        }
        false
    }

    fn journey(&mut self, user: UserId) {
        self.user_popups = 0;
        let app = AppId(self.below(u64::from(self.sim.app_count() as u32)) as u32);
        let legacy = app.0 < self.legacy_apps;
        // 1. Launch: silent login.
        let tokens = self.login(user, app, false, LAUNCH);
        if tokens.is_some() {
            self.tally.journeys.logged_in += 1;
        } else {
            self.tally.journeys.login_abandoned += 1;
        }
        // 2. Minutes later, the member-info button.
        let minutes = 60 + self.below(3600);
        self.advance(minutes);
        let mut member = false;
        if self.chance(self.mix.member_info) {
            self.tally.journeys.member_info_asked += 1;
            if legacy && let Some(t) = self.login(user, app, true, TAP) {
                let step = self
                    .sim
                    .user_info_share(app, t.access)
                    .expect("the app exists");
                self.note(&step);
            }
            member = self.member_button(user, app);
            if member {
                self.tally.journeys.member_info_shared += 1;
            }
        }
        // 3. Days later, the server refreshes the token.
        if let Some(t) = &tokens
            && self.chance(self.mix.refresh)
        {
            let days = 1 + self.below(20);
            self.advance(days * 86_400);
            let step = self
                .sim
                .refresh_grant(app, t.refresh)
                .expect("the app exists");
            self.note(&step);
            if let Payload::GatewayError(e) = &step.result {
                self.tally
                    .error("alipay.system.oauth.token", &e.error_response.sub_code);
            }
        }
        // 4. Revoke, come back: silent login again, and the button asks again.
        if self.chance(self.mix.revoke) {
            self.tally.journeys.revoked += 1;
            let step = self.sim.revoke(user, app).expect("the user exists");
            self.note(&step);
            self.advance(3600);
            self.login(user, app, false, LAUNCH);
            if member {
                self.member_button(user, app);
            }
        }
        let bucket = (self.user_popups as usize).min(POPUP_BUCKETS - 1);
        self.tally.histogram[bucket] += 1;
        self.tally.popups += u64::from(self.user_popups);
        self.tally.users += 1;
    }
}

fn error_number(n: u32) -> String {
    n.to_string()
}

/// The behaviour stream of shard `index`: the seed is the ChaCha key, the shard its stream.
fn shard_stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// Runs the users `[first, first + count)` as shard `index`.
fn run_shard(seed: u64, index: u64, count: u64, apps: u32, mix: &Mix) -> Tally {
    let mut rng = shard_stream(seed, index);
    let config = Config::default();
    let code_ttl = config.code_ttl_seconds;
    let mut sim = Simulator::new(config, rng.next_u64()).expect("the default config is valid");
    let legacy_apps = (f64::from(apps) * mix.legacy_apps).round() as u32;
    for a in 0..apps {
        let mut spec = AppSpec::new(format!("app{a}"))
            .packages([Package::JsapiBasic, Package::MemberBasicInfo]);
        if a < legacy_apps {
            spec = spec.packages([Package::MemberInfo]);
        }
        sim.add_app(spec).expect("app names are distinct");
    }
    let first = index * SHARD_USERS;
    for u in 0..count {
        let n = first + u;
        sim.add_user(UserSpec::new(format!("u{n}")).nick_name(format!("n{n}")))
            .expect("user names are distinct");
    }
    let mut shard = Shard {
        sim,
        rng,
        mix,
        legacy_apps,
        code_ttl,
        tally: Tally::default(),
        user_popups: 0,
        base: ScopesArg::from(Scope::AuthBase),
        user_scope: ScopesArg::from(Scope::AuthUser),
    };
    for u in 0..count {
        shard.journey(UserId(u as u32));
    }
    // Let every code still fresh run out, so "expired unused" counts them all.
    shard.advance(code_ttl);
    let mut tally = shard.tally;
    let sim = shard.sim;
    tally.gateway = sim.gateway_stats();
    tally.expired_unused = sim.codes_expired_unused();
    let totals = sim.totals();
    for (slot, o) in tally.outcomes.iter_mut().zip(OUTCOMES) {
        *slot = totals.outcomes.get(&o).copied().unwrap_or(0);
    }
    for (slot, f) in tally.findings.iter_mut().zip(FINDINGS) {
        *slot = totals.findings.get(&f).copied().unwrap_or(0);
    }
    debug_assert_eq!(totals.steps, tally.inputs);
    tally
}

fn load_mix(path: Option<&PathBuf>) -> Result<Mix, PopulationError> {
    let Some(path) = path else {
        return Ok(Mix::default());
    };
    let shown = crate::output::shown_path(path);
    let text = crate::output::read_input(&path.to_string_lossy()).map_err(|e| {
        PopulationError::MixFile {
            path: shown.clone(),
            // read_input names the file itself.
            reason: e
                .strip_prefix(&format!("{shown}: "))
                .unwrap_or(&e)
                .to_owned(),
        }
    })?;
    Mix::from_json(&text).map_err(|reason| PopulationError::Mix {
        path: shown,
        reason,
    })
}

/// Peak resident memory of this process in bytes (`VmHWM` of `/proc/self/status`), on Linux.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs the population simulation and returns its report.
pub fn run(args: &SimulateArgs) -> Result<Report, PopulationError> {
    let mix = load_mix(args.mix.as_ref())?;
    run_with_mix(args, mix)
}

/// Runs the population simulation with `mix` (the file in `args` is not read).
pub fn run_with_mix(args: &SimulateArgs, mix: Mix) -> Result<Report, PopulationError> {
    mix.validate()
        .map_err(|reason| PopulationError::Argument(format!("invalid mix: {reason}")))?;
    if args.apps == 0 {
        return Err(PopulationError::Argument(
            "--apps must be at least 1".into(),
        ));
    }
    // Apps without users only cost memory and time; the default 4 stays valid for tiny runs.
    if u64::from(args.apps) > args.users.max(MIN_APPS_CAP) {
        return Err(PopulationError::Argument(format!(
            "--apps {} is more than --users {}: apps no user visits only cost memory",
            args.apps, args.users
        )));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max_threads = MAX_THREADS_PER_CORE * cores;
    let threads = match args.threads {
        Some(0) => {
            return Err(PopulationError::Argument(
                "--threads must be at least 1".into(),
            ));
        }
        Some(t) if t > max_threads => {
            return Err(PopulationError::Argument(format!(
                "--threads {t} is more than {MAX_THREADS_PER_CORE} × the {cores} available \
                 cores ({max_threads}); more threads only slow it down"
            )));
        }
        Some(t) => t,
        None => cores,
    };
    let estimate = memory_estimate(args.apps, threads);
    if estimate > MEMORY_BUDGET {
        return Err(PopulationError::Argument(format!(
            "--apps {} on {threads} threads would need about {} MiB, more than the \
             {} MiB budget: use fewer apps or threads",
            args.apps,
            estimate >> 20,
            MEMORY_BUDGET >> 20
        )));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PopulationError::Argument(format!("cannot start {threads} threads: {e}")))?;
    let progress = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(args.users);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {human_pos}/{human_len} users ({eta} left)",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let shards = args.users.div_ceil(SHARD_USERS);
    let start = WallClock::now();
    let tally = pool.install(|| {
        (0..shards)
            .into_par_iter()
            .map(|i| {
                let count = SHARD_USERS.min(args.users - i * SHARD_USERS);
                let t = run_shard(args.seed, i, count, args.apps, &mix);
                progress.inc(count);
                t
            })
            .reduce(Tally::default, Tally::merge)
    });
    let seconds = start.elapsed().as_secs_f64();
    progress.finish_and_clear();
    Ok(report(args, mix, tally, threads, seconds))
}

fn report(args: &SimulateArgs, mix: Mix, tally: Tally, threads: usize, seconds: f64) -> Report {
    let per_second = |n: u64| {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    };
    let peak = peak_rss_bytes();
    let g = tally.gateway;
    let mut errors = std::collections::BTreeMap::new();
    for (api, code, n) in tally.errors {
        *errors.entry(format!("{api}:{code}")).or_insert(0) += n;
    }
    let findings: std::collections::BTreeMap<FindingId, u64> = FINDINGS
        .into_iter()
        .zip(tally.findings)
        .filter(|(_, n)| *n > 0)
        .collect();
    Report {
        users: tally.users,
        apps: args.apps,
        seed: args.seed,
        shard_users: SHARD_USERS,
        mix,
        inputs: tally.inputs,
        flows: tally.flows,
        popups: PopupSummary {
            total: tally.popups,
            mean_per_user: if tally.users > 0 {
                tally.popups as f64 / tally.users as f64
            } else {
                0.0
            },
            histogram: tally.histogram.to_vec(),
        },
        outcomes: OUTCOMES
            .into_iter()
            .zip(tally.outcomes)
            .filter(|(_, n)| *n > 0)
            .collect(),
        errors,
        codes: CodeSummary {
            issued: g.codes_issued,
            redeemed: g.codes_redeemed,
            expired_unused: tally.expired_unused,
            replays_refused: g.replays_refused,
            expired_refused: g.expired_refused,
            revoked_refused: g.revoked_refused,
            grants_revoked_by_replay: g.grants_revoked_by_replay,
            refreshes: g.refreshes,
        },
        double_popups: findings.get(&FindingId::DoublePopup).copied().unwrap_or(0),
        findings,
        journeys: tally.journeys,
        timing: Timing {
            threads,
            seconds,
            users_per_second: per_second(tally.users),
            flows_per_second: per_second(tally.flows),
            inputs_per_second: per_second(tally.inputs),
            peak_rss_bytes: peak,
            peak_rss_bytes_per_user: peak
                .filter(|_| tally.users > 0)
                .map(|p| p as f64 / tally.users as f64),
        },
    }
}

/// Writes the report as text.
pub fn write_summary(w: &mut dyn std::io::Write, r: &Report) -> std::io::Result<()> {
    let t = &r.timing;
    writeln!(
        w,
        "simulated {} users over {} apps (seed {}, {} threads) in {:.3} s",
        r.users, r.apps, r.seed, t.threads, t.seconds
    )?;
    writeln!(
        w,
        "  {:.0} users/s, {:.0} flows/s, {:.0} inputs/s ({} flows, {} inputs)",
        t.users_per_second, t.flows_per_second, t.inputs_per_second, r.flows, r.inputs
    )?;
    match (t.peak_rss_bytes, t.peak_rss_bytes_per_user) {
        (Some(p), Some(per)) => writeln!(
            w,
            "  peak RSS {:.1} MiB, {per:.1} bytes/user",
            p as f64 / (1024.0 * 1024.0)
        ),
        (Some(p), None) => writeln!(w, "  peak RSS {:.1} MiB", p as f64 / (1024.0 * 1024.0)),
        _ => Ok(()),
    }?;
    writeln!(
        w,
        "popups: {} in all, {:.3} per user",
        r.popups.total, r.popups.mean_per_user
    )?;
    let last = r.popups.histogram.len().saturating_sub(1);
    for (i, n) in r.popups.histogram.iter().enumerate() {
        let label = if i == last {
            format!("{i}+")
        } else {
            i.to_string()
        };
        let pct = if r.users > 0 {
            100.0 * *n as f64 / r.users as f64
        } else {
            0.0
        };
        writeln!(w, "  {label:>3} popups: {n:>10} users ({pct:5.1}%)")?;
    }
    writeln!(w, "journeys:")?;
    let j = &r.journeys;
    writeln!(w, "  logged in at launch     {:>10}", j.logged_in)?;
    writeln!(w, "  gave up at launch       {:>10}", j.login_abandoned)?;
    writeln!(w, "  member info asked       {:>10}", j.member_info_asked)?;
    writeln!(w, "  member info shared      {:>10}", j.member_info_shared)?;
    writeln!(w, "  revoked and came back   {:>10}", j.revoked)?;
    writeln!(w, "outcomes:")?;
    for (o, n) in &r.outcomes {
        writeln!(w, "  {:<22}  {n:>10}", format!("{o:?}").to_lowercase())?;
    }
    writeln!(w, "errors:")?;
    for (e, n) in &r.errors {
        writeln!(w, "  {e:<60}  {n:>10}")?;
    }
    let c = &r.codes;
    writeln!(w, "codes:")?;
    writeln!(w, "  issued                  {:>10}", c.issued)?;
    writeln!(w, "  redeemed                {:>10}", c.redeemed)?;
    writeln!(w, "  expired unused          {:>10}", c.expired_unused)?;
    writeln!(w, "  replays refused         {:>10}", c.replays_refused)?;
    writeln!(w, "  expired refused         {:>10}", c.expired_refused)?;
    writeln!(w, "  revoked refused         {:>10}", c.revoked_refused)?;
    writeln!(
        w,
        "  grants revoked (replay) {:>10}",
        c.grants_revoked_by_replay
    )?;
    writeln!(w, "  token refreshes         {:>10}", c.refreshes)?;
    writeln!(w, "findings:")?;
    for (f, n) in &r.findings {
        writeln!(w, "  {:<22}  {n:>10}", f.as_str())?;
    }
    writeln!(w, "  double-popup findings: {}", r.double_popups)?;
    Ok(())
}

/// `authsim simulate`.
pub fn simulate(args: SimulateArgs) -> ExitCode {
    let report = match run(&args) {
        Ok(r) => r,
        Err(e) => {
            crate::output::say(&format!("authsim simulate: {e}"));
            return ExitCode::from(crate::output::INVALID);
        }
    };
    let written = if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => crate::output::to_stdout(|w| writeln!(w, "{s}")),
            Err(e) => {
                crate::output::say(&format!(
                    "authsim simulate: cannot serialize the report: {e}"
                ));
                return ExitCode::from(crate::output::INTERNAL);
            }
        }
    } else {
        crate::output::to_stdout(|w| write_summary(w, &report))
    };
    crate::output::finish("simulate", written, crate::output::OK)
}
