//! Check your mini program's login server against the simulated platform (feature `testing`).
//!
//! You implement [`Backend`]: the login endpoint your page posts its auth code to, the token
//! refresh a session needs, and a count of accounts. The harness plays *journeys* (users opening
//! your apps, the profile page, replays, a second app, clock jumps, revocations, forged codes)
//! against a fresh server and a fresh simulated platform, hands your server a
//! [`GatewayClient`] backed by the simulator (`alipay.system.oauth.token`, refresh,
//! `alipay.user.info.share`), and checks the built-in [`Property`]s after every action. A
//! failure comes back as a [`Counterexample`]: the journey shrunk to its fewest actions,
//! numbered, with what happened at each one and which property broke. Nothing panics and
//! nothing is printed while shrinking.
//!
//! ```
//! use std::collections::HashMap;
//! use authsim::ids::AlipayUserId;
//! use authsim::testing::{
//!     AccountId, Backend, BackendConfig, BackendError, GatewayClient, check_backend,
//! };
//! use authsim::world::AppId;
//!
//! /// Accounts keyed by user_id, one refresh token per (account, app).
//! #[derive(Default)]
//! struct LoginServer {
//!     accounts: HashMap<AlipayUserId, AccountId>,
//!     sessions: HashMap<(AccountId, AppId), authsim::ids::RefreshToken>,
//! }
//!
//! impl Backend for LoginServer {
//!     fn login(&mut self, app: AppId, code: &str, gateway: &mut dyn GatewayClient)
//!         -> Result<AccountId, BackendError> {
//!         if code.is_empty() {
//!             return Err(BackendError::Refused("no code".into()));
//!         }
//!         let token = gateway.oauth_token(code)?;
//!         let next = AccountId(self.accounts.len() as u64);
//!         let account = *self.accounts.entry(token.user_id).or_insert(next);
//!         self.sessions.insert((account, app), token.refresh_token);
//!         Ok(account)
//!     }
//!
//!     fn refresh(&mut self, app: AppId, account: AccountId, gateway: &mut dyn GatewayClient)
//!         -> Result<(), BackendError> {
//!         let Some(token) = self.sessions.get(&(account, app)) else {
//!             return Err(BackendError::Refused("no session".into()));
//!         };
//!         let fresh = gateway.refresh_token(*token)?;
//!         self.sessions.insert((account, app), fresh.refresh_token); // rotated: keep the new one
//!         Ok(())
//!     }
//!
//!     fn accounts(&self) -> usize {
//!         self.accounts.len()
//!     }
//! }
//!
//! let config = BackendConfig { cases: 32, ..BackendConfig::default() };
//! if let Err(counterexample) = check_backend(config, LoginServer::default) {
//!     panic!("{counterexample}");
//! }
//! ```
//!
//! A server that keys accounts by `open_id` fails with a journey like this one:
//!
//! ```text
//! property one-account-per-user broken: one Alipay user_id, one account, across every app
//! journey (2 actions; seed 0):
//!   1. u0 opens a0 (if asked, accepts)
//!      my.getAuthCode("auth_base") → authCode; posted 1543639F… to a0's server
//!      [oauth.token(code) → u0's user_id] → logged in as account #0
//!   2. u0 opens a1 (if asked, accepts)
//!      my.getAuthCode("auth_base") → authCode; posted 8570A1F0… to a1's server
//!      [oauth.token(code) → u0's user_id] → logged in as account #1
//! at action 2: u0 logged in at a1 as account #1, but at a0 as account #0: one user_id, one
//! account (an open_id differs per app; key accounts by user_id)
//! ```
//!
//! (Printed on one line per action; wrapped here.) The built-in properties are listed at
//! [`Property`]; switch one off with [`BackendConfig::without`]. The paths a passing run went
//! through are in [`Passed::paths`].
//!
//! # How codes are named
//!
//! Actions refer to codes by who received them where ("the code of u0's latest visit to a0"),
//! never by their position in the run, so shrinking can remove any unrelated action without
//! changing which code a later one means; an action whose code or session does not exist does
//! nothing. See [`journey`] for the journey-level strategies.

mod backend;
pub mod journey;
mod properties;
mod run;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::test_runner::{
    Config as ProptestConfig, RngSeed, TestCaseError, TestError, TestRunner,
};

pub use backend::{AccountId, Backend, BackendError, GatewayClient, Pages};
pub use journey::{Action, ConsentPath, Delivery};
pub use properties::Property;

use crate::explore::SmallWorld;
use run::{Run, Violation};

/// How [`check_backend`] runs: how many journeys, how long, from which seed, in which world,
/// and which properties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendConfig {
    /// Journeys to try (default 256).
    pub cases: u32,
    /// Segments per journey, each 1 to 4 actions (default 6).
    pub max_segments: usize,
    /// The seed of the journey generator: the same seed tries the same journeys (default 0).
    pub seed: u64,
    /// The users and apps (default 2 × 2: `u0`, `u1`, `a0`, `a1`).
    pub world: SmallWorld,
    /// The properties checked (default: all of [`Property::ALL`]).
    pub properties: BTreeSet<Property>,
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig {
            cases: 256,
            max_segments: 6,
            seed: 0,
            world: SmallWorld::new(2, 2),
            properties: Property::ALL.into_iter().collect(),
        }
    }
}

impl BackendConfig {
    /// The same configuration without `property`.
    pub fn without(mut self, property: Property) -> Self {
        self.properties.remove(&property);
        self
    }

    /// The same configuration with journeys drawn from `seed`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// What a passing run tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passed {
    /// Journeys played.
    pub cases: u32,
    /// The consent and code paths they went through.
    pub paths: BTreeSet<ConsentPath>,
}

/// A failing journey, shrunk: print it with `{}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The property broken (`None`: the server panicked).
    pub property: Option<Property>,
    /// The journey, shrunk to its fewest actions.
    pub journey: Vec<Action>,
    /// What happened at each action played (the failing one last).
    pub log: Vec<String>,
    /// What broke, at the last action played.
    pub what: String,
    /// The generator seed that found it.
    pub seed: u64,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.property {
            Some(p) => writeln!(f, "property {p} broken: {}", p.statement())?,
            None => writeln!(f, "the server panicked")?,
        }
        writeln!(
            f,
            "journey ({} action{}; seed {}):",
            self.journey.len(),
            if self.journey.len() == 1 { "" } else { "s" },
            self.seed
        )?;
        for (i, action) in self.journey.iter().enumerate() {
            writeln!(f, "  {}. {action}", i + 1)?;
            if let Some(line) = self.log.get(i).filter(|l| !l.is_empty()) {
                writeln!(f, "     {line}")?;
            }
        }
        write!(f, "at action {}: {}", self.log.len(), self.what)
    }
}

impl std::error::Error for Counterexample {}

/// Plays `actions` against a fresh server; a panic of the server is a violation like any other.
fn play<B: Backend>(
    config: &BackendConfig,
    new_backend: &impl Fn() -> B,
    actions: &[Action],
) -> (Run<B>, Result<(), Violation>) {
    let mut run = Run::new(config.world, new_backend(), config.properties.clone());
    let outcome = catch_unwind(AssertUnwindSafe(|| run.play(actions)));
    let result = outcome.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        Err(Violation {
            property: None,
            what: format!("the server panicked: {message}"),
        })
    });
    (run, result)
}

/// proptest's shrinking can stop where removing one action needs another shrink first (it
/// removes whole segments, then simplifies each): a last greedy pass removes every single action
/// whose removal still breaks the same property, so no action of the counterexample is
/// superfluous. Any sub-journey is a valid journey (actions name codes, not positions).
fn drop_what_is_not_needed<B: Backend>(
    config: &BackendConfig,
    new_backend: &impl Fn() -> B,
    mut journey: Vec<Action>,
) -> Vec<Action> {
    let property = |j: &[Action]| play(config, new_backend, j).1.err().map(|v| v.property);
    let Some(broken) = property(&journey) else {
        return journey;
    };
    let mut i = 0;
    while i < journey.len() && journey.len() > 1 {
        let mut shorter = journey.clone();
        shorter.remove(i);
        if property(&shorter) == Some(broken) {
            journey = shorter;
        } else {
            i += 1;
        }
    }
    journey
}

/// Checks the server `new_backend` builds (a fresh one per journey) against every enabled
/// property, over `config.cases` journeys. On failure, the shrunk journey as a
/// [`Counterexample`]; nothing is printed and nothing panics on the way.
pub fn check_backend<B: Backend>(
    config: BackendConfig,
    new_backend: impl Fn() -> B,
) -> Result<Passed, Counterexample> {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: config.cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(config.seed),
        ..ProptestConfig::default()
    });
    let strategy = journey::journey(config.world, config.max_segments);
    let paths = RefCell::new(BTreeSet::new());
    let result = runner.run(&strategy, |actions| {
        let (run, result) = play(&config, &new_backend, &actions);
        match result {
            Ok(()) => {
                paths.borrow_mut().extend(run.paths);
                Ok(())
            }
            Err(v) => Err(TestCaseError::fail(v.what)),
        }
    });
    let journey = match result {
        Ok(()) => {
            return Ok(Passed {
                cases: config.cases,
                paths: paths.into_inner(),
            });
        }
        Err(TestError::Fail(_, journey)) => journey,
        Err(TestError::Abort(reason)) => {
            return Err(Counterexample {
                property: None,
                journey: Vec::new(),
                log: Vec::new(),
                what: format!("the run was aborted: {reason}"),
                seed: config.seed,
            });
        }
    };
    let journey = drop_what_is_not_needed(&config, &new_backend, journey);
    // Play the shrunk journey once more, to write down what happened at each action.
    let (run, result) = play(&config, &new_backend, &journey);
    let violation = result.err().unwrap_or(Violation {
        property: None,
        what: "the journey failed while shrinking but passes when replayed: does the server \
               keep state between instances, or depend on time or randomness?"
            .into(),
    });
    Err(Counterexample {
        property: violation.property,
        journey: journey[..run.log.len()].to_vec(), // the failing action is the last one played
        log: run.log,
        what: violation.what,
        seed: config.seed,
    })
}
