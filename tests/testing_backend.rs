//! `authsim::testing::check_backend` against a toy login server: honest, it passes with every
//! property on and its journeys reach every consent and code path; with a planted bug, it fails
//! with the bug's minimal journey (2, 2 and 1 actions for the replay cache, accounts keyed by
//! `open_id` and the legacy `auth_user` profile page) under ten generator seeds.

use std::collections::{BTreeSet, HashMap};

use authsim::ids::RefreshToken;
use authsim::testing::{
    AccountId, Action, Backend, BackendConfig, BackendError, ConsentPath, Counterexample,
    GatewayClient, Pages, Property, check_backend,
};
use authsim::world::AppId;

/// What is wrong with the server, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bug {
    None,
    /// Answers a code it has seen from a cache of logins, without asking the gateway.
    ReplayCache,
    /// Keys accounts by `open_id`, which differs per app.
    OpenIdKeyed,
    /// Its profile page asks `my.getAuthCode("auth_user")` before the `userInfo` button.
    LegacyProfile,
    /// Keeps the first refresh token of a session, not the rotated one.
    StaleRefreshToken,
    /// Creates an account row for every post, before redeeming.
    EagerAccount,
    /// Refuses every code.
    RefuseAll,
}

struct Server {
    bug: Bug,
    pages: Pages,
    accounts: HashMap<String, AccountId>,
    extra_rows: usize,
    sessions: HashMap<(AccountId, AppId), RefreshToken>,
    seen: HashMap<String, AccountId>,
}

impl Server {
    fn new(bug: Bug) -> Self {
        let pages = if bug == Bug::LegacyProfile {
            Pages::legacy_profile()
        } else {
            Pages::recommended()
        };
        Server::with_pages(bug, pages)
    }

    fn with_pages(bug: Bug, pages: Pages) -> Self {
        Server {
            bug,
            pages,
            accounts: HashMap::new(),
            extra_rows: 0,
            sessions: HashMap::new(),
            seen: HashMap::new(),
        }
    }
}

impl Backend for Server {
    fn login(
        &mut self,
        app: AppId,
        code: &str,
        gateway: &mut dyn GatewayClient,
    ) -> Result<AccountId, BackendError> {
        if self.bug == Bug::EagerAccount {
            self.extra_rows += 1;
        }
        if self.bug == Bug::RefuseAll {
            return Err(BackendError::Refused("closed".into()));
        }
        if self.bug == Bug::ReplayCache
            && let Some(&account) = self.seen.get(code)
        {
            return Ok(account);
        }
        if code.is_empty() {
            return Err(BackendError::Refused("no code".into()));
        }
        let token = gateway.oauth_token(code)?;
        let key = if self.bug == Bug::OpenIdKeyed {
            token.open_id.to_string()
        } else {
            token.user_id.to_string()
        };
        let next = AccountId(self.accounts.len() as u64);
        let account = *self.accounts.entry(key).or_insert(next);
        self.sessions.insert((account, app), token.refresh_token);
        self.seen.insert(code.to_owned(), account);
        Ok(account)
    }

    fn refresh(
        &mut self,
        app: AppId,
        account: AccountId,
        gateway: &mut dyn GatewayClient,
    ) -> Result<(), BackendError> {
        let Some(&token) = self.sessions.get(&(account, app)) else {
            return Err(BackendError::Refused("no session".into()));
        };
        let fresh = gateway.refresh_token(token)?;
        if self.bug != Bug::StaleRefreshToken {
            self.sessions.insert((account, app), fresh.refresh_token);
        }
        Ok(())
    }

    fn accounts(&self) -> usize {
        self.accounts.len() + self.extra_rows
    }

    fn pages(&self) -> Pages {
        self.pages.clone()
    }
}

/// Ten generator seeds: the minimal journeys must not depend on one lucky seed.
const SEEDS: std::ops::Range<u64> = 0..10;

fn config(seed: u64) -> BackendConfig {
    BackendConfig {
        cases: 128,
        ..BackendConfig::default()
    }
    .seed(seed)
}

fn fails(bug: Bug, seed: u64) -> Counterexample {
    match check_backend(config(seed), || Server::new(bug)) {
        Ok(passed) => panic!("{bug:?} passed {} journeys (seed {seed})", passed.cases),
        Err(c) => {
            eprintln!("--- {bug:?}, seed {seed}:\n{c}\n");
            c
        }
    }
}

/// The printed counterexample numbers every action and names the property.
fn assert_readable(c: &Counterexample) {
    let text = c.to_string();
    for i in 1..=c.journey.len() {
        assert!(
            text.contains(&format!("\n  {i}. ")),
            "action {i} unnumbered:\n{text}"
        );
    }
    if let Some(p) = c.property {
        assert!(
            text.starts_with(&format!("property {}", p.name())),
            "{text}"
        );
    }
    assert_eq!(c.log.len(), c.journey.len(), "one line per action:\n{text}");
}

/// An honest server (accounts by `user_id`, rotated tokens kept, recommended pages) passes
/// with every property on.
#[test]
fn honest_backend_passes_every_property() {
    for seed in [0, 1] {
        let passed = check_backend(config(seed), || Server::new(Bug::None))
            .unwrap_or_else(|c| panic!("the honest server failed:\n{c}"));
        assert_eq!(passed.cases, 128);
    }
}

/// `bad-code-never-logs-in`: a server that answers replays from a cache fails with exactly a
/// visit and the replay of its code, under every seed.
#[test]
fn replay_cache_shrinks_to_visit_and_replay() {
    for seed in SEEDS {
        let c = fails(Bug::ReplayCache, seed);
        assert_readable(&c);
        assert_eq!(c.property, Some(Property::BadCodeNeverLogsIn), "{c}");
        assert_eq!(c.journey.len(), 2, "not minimal:\n{c}");
        assert!(matches!(c.journey[0], Action::Visit { .. }), "{c}");
        assert!(matches!(c.journey[1], Action::Resend { .. }), "{c}");
    }
}

/// `one-account-per-user`: accounts keyed by `open_id` fail with one user visiting two apps.
#[test]
fn open_id_accounts_shrink_to_two_apps() {
    for seed in SEEDS {
        let c = fails(Bug::OpenIdKeyed, seed);
        assert_readable(&c);
        assert_eq!(c.property, Some(Property::OneAccountPerUser), "{c}");
        assert_eq!(c.journey.len(), 2, "not minimal:\n{c}");
        let apps: BTreeSet<u32> = c
            .journey
            .iter()
            .map(|a| match a {
                Action::Visit { app, .. } | Action::Profile { app, .. } => app.0,
                other => panic!("unexpected action {other:?}:\n{c}"),
            })
            .collect();
        assert_eq!(apps.len(), 2, "two apps:\n{c}");
    }
}

/// `one-popup-per-visit`: the legacy `auth_user` profile page fails with one profile visit
/// (two popups and the double-popup finding).
#[test]
fn legacy_profile_page_shrinks_to_one_visit() {
    for seed in SEEDS {
        let c = fails(Bug::LegacyProfile, seed);
        assert_readable(&c);
        assert_eq!(c.property, Some(Property::OnePopupPerVisit), "{c}");
        assert_eq!(c.journey.len(), 1, "not minimal:\n{c}");
        assert!(matches!(c.journey[0], Action::Profile { .. }), "{c}");
        assert!(c.what.contains("double-popup"), "{c}");
    }
}

/// `tokens-honoured`: a server that keeps the first refresh token fails at the second refresh
/// (a login, two refreshes).
#[test]
fn stale_refresh_token_breaks_tokens_honoured() {
    let c = fails(Bug::StaleRefreshToken, 0);
    assert_readable(&c);
    assert_eq!(c.property, Some(Property::TokensHonoured), "{c}");
    let refreshes = c
        .journey
        .iter()
        .filter(|a| matches!(a, Action::Refresh { .. }));
    assert_eq!(refreshes.count(), 2, "{c}");
}

/// `nothing-after-failure` or `bad-code-never-logs-in`: a server that writes an account row
/// before redeeming fails within two actions (a failed call, a forged code, or a replay).
#[test]
fn eager_account_breaks_nothing_after_failure() {
    let c = fails(Bug::EagerAccount, 0);
    assert_readable(&c);
    assert!(c.journey.len() <= 2, "{c}");
    assert!(
        matches!(
            c.property,
            Some(Property::NothingAfterFailure | Property::BadCodeNeverLogsIn)
        ),
        "{c}"
    );
    // With both off, the same server passes: the properties are switchable.
    let lenient = config(0)
        .without(Property::NothingAfterFailure)
        .without(Property::BadCodeNeverLogsIn);
    check_backend(lenient, || Server::new(Bug::EagerAccount))
        .unwrap_or_else(|c| panic!("only the switched-off properties should fail:\n{c}"));
}

/// `fresh-code-logs-in`: a server that refuses everything does not pass.
#[test]
fn refusing_everything_breaks_fresh_code_logs_in() {
    let c = fails(Bug::RefuseAll, 0);
    assert_eq!(c.property, Some(Property::FreshCodeLogsIn), "{c}");
    assert_eq!(c.journey.len(), 1, "{c}");
}

/// A server that panics is reported as a counterexample, not a panic of the harness.
#[test]
fn a_panicking_server_is_a_counterexample() {
    struct Panics;
    impl Backend for Panics {
        fn login(
            &mut self,
            _: AppId,
            _: &str,
            _: &mut dyn GatewayClient,
        ) -> Result<AccountId, BackendError> {
            panic!("boom")
        }
        fn refresh(
            &mut self,
            _: AppId,
            _: AccountId,
            _: &mut dyn GatewayClient,
        ) -> Result<(), BackendError> {
            Ok(())
        }
        fn accounts(&self) -> usize {
            0
        }
    }
    let c = check_backend(config(0), || Panics).expect_err("a panicking server fails");
    assert_eq!(c.property, None);
    assert!(c.what.contains("boom"), "{c}");
    assert_eq!(c.journey.len(), 1, "{c}");
}

/// The journey strategies reach every consent and code path: the recommended pages and the
/// legacy profile page (whose prompted call is the only source of errors 3 and 11; its
/// one-popup property is switched off here) together cover [`ConsentPath::ALL`].
#[test]
fn journeys_reach_every_consent_path() {
    let mut reached = BTreeSet::new();
    for pages in [Pages::recommended(), Pages::legacy_profile()] {
        let cfg = config(0).without(Property::OnePopupPerVisit);
        let passed = check_backend(cfg, || Server::with_pages(Bug::None, pages.clone()))
            .unwrap_or_else(|c| panic!("the honest server failed:\n{c}"));
        reached.extend(passed.paths);
    }
    let missing: Vec<_> = ConsentPath::ALL
        .into_iter()
        .filter(|p| !reached.contains(p))
        .collect();
    assert!(missing.is_empty(), "paths never reached: {missing:?}");
}
