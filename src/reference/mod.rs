//! A reference model of the flow for property tests of *other* implementations (feature
//! `reference-model`).
//!
//! - [`strategies`]: proptest strategies for users, apps, scopes ([`strategies::valid_scopes`],
//!   [`strategies::invalid_scopes`]), decisions (including partial grants), network outcomes,
//!   and whole input sequences.
//! - [`AuthFlowModel`]: a [`proptest_state_machine::ReferenceStateMachine`] of the flow, written
//!   independently of the simulator: an abstract state of a few arrays and two vectors of `Copy`
//!   records (which codes were delivered, presented, expired, revoked, and to which app; consent
//!   per (user, app); grants and their rotations; popups seen), predicting for each [`Action`]
//!   the outcome, the popups, the client `error` or gateway `sub_code`, the member-info `code`,
//!   the `double-popup` finding, and whose `user_id`/`open_id` a token response carries.
//! - [`AuthFlowImpl`]: the trait your implementation (say, the mock your backend tests use)
//!   implements, and [`AuthFlowTest`], the `StateMachineTest` generic over it. authsim's own
//!   [`Simulator`](crate::sim::Simulator) implements the trait, so the same harness checks the
//!   simulator against the model (`tests/reference_honest.rs`).
//!
//! Beyond the per-step predictions, the harness checks across steps that a user's `user_id`
//! never changes and differs from every other user's, that an `open_id` is stable per
//! (user, app) and distinct across pairs, and that no `authCode` is handed out twice.
//!
//! This harness checks an implementation *of the platform* (a mock, a fake, another simulator):
//! every input of the flow goes through your trait. To test an app *server* that redeems codes
//! and keeps accounts, the backend harness (`authsim::testing`) is the better fit.
//!
//! One pair of argument types runs through everything: the simulator's [`ScopesArg`] and
//! [`Decision`] are what the strategies generate, what an [`Action`] carries and what your trait
//! receives (`DecisionChoice` and `ScopesChoice` are deprecated). The gateway's `sub_code` constants
//! ([`CODE_INVALID`], …) are re-exported here.
//!
//! # Checking your implementation
//!
//! In the downstream crate's `Cargo.toml` (the macro expands to `::proptest::proptest!`, so
//! `proptest` must be a direct dependency too):
//!
//! ```toml
//! [dev-dependencies]
//! # the crate is not published: a path to a checkout (or a git dependency)
//! authsim = { path = "../authsim", features = ["testing"] }
//! proptest = "1.12"
//! proptest-state-machine = "0.9"
//! ```
//!
//! Then, in a test file. The implementation below is a login server in front of the platform:
//! the client adapter (`my.getAuthCode` and friends) and the gateway adapter (the server's
//! `alipay.system.oauth.token` calls) share one [`Simulator`](crate::sim::Simulator) by
//! *owning it in the adapter struct and lending it per call*: the server takes the gateway as a
//! `&mut` argument (`login(&mut self.platform, …)`) instead of holding a handle to it, so the
//! two borrows never overlap and no `Rc<RefCell<_>>` is needed. The client-side methods simply
//! delegate to the simulator's own [`AuthFlowImpl`] methods, which return an [`Observation`]
//! and never fail (a refused input becomes [`Observation::input_error`], which the harness
//! reports).
//!
//! ```
//! use std::collections::HashMap;
//!
//! use authsim::prelude::*;
//! use authsim::explore::SmallWorld;
//! use authsim::reference::{AuthFlowImpl, AuthFlowTest, Observation};
//! use proptest_state_machine::prop_state_machine;
//!
//! /// The server under test: it redeems a code at the gateway it is lent, and remembers logins.
//! #[derive(Default)]
//! struct LoginServer {
//!     logins: HashMap<String, String>, // open_id -> user_id
//! }
//!
//! impl LoginServer {
//!     fn login(&mut self, gateway: &mut Simulator, app: AppId, code: &str) -> Observation {
//!         let answer = AuthFlowImpl::redeem(gateway, app, code);
//!         if let (Some(open_id), Some(user_id)) = (&answer.open_id, &answer.user_id) {
//!             self.logins.insert(open_id.clone(), user_id.clone());
//!         }
//!         answer
//!     }
//! }
//!
//! /// The platform (one simulator) and the server, side by side.
//! struct ServerBacked {
//!     platform: Simulator,
//!     server: LoginServer,
//! }
//!
//! impl AuthFlowImpl for ServerBacked {
//!     fn new(world: &SmallWorld) -> Self {
//!         ServerBacked { platform: world.simulator(7), server: LoginServer::default() }
//!     }
//!     fn get_auth_code(&mut self, req: &AuthCodeRequest) -> Observation {
//!         AuthFlowImpl::get_auth_code(&mut self.platform, req)
//!     }
//!     fn authorize(&mut self, user: UserId, app: AppId, scope: &str, decision: &Decision,
//!                  network: Network) -> Observation {
//!         AuthFlowImpl::authorize(&mut self.platform, user, app, scope, decision, network)
//!     }
//!     fn get_setting(&mut self, user: UserId, app: AppId) -> Observation {
//!         AuthFlowImpl::get_setting(&mut self.platform, user, app)
//!     }
//!     fn get_open_user_info(&mut self, user: UserId, app: AppId) -> Observation {
//!         AuthFlowImpl::get_open_user_info(&mut self.platform, user, app)
//!     }
//!     fn get_phone_number(&mut self, user: UserId, app: AppId) -> Observation {
//!         AuthFlowImpl::get_phone_number(&mut self.platform, user, app)
//!     }
//!     fn redeem(&mut self, app: AppId, code: &str) -> Observation {
//!         // The gateway adapter: the server borrows the same simulator for this call only.
//!         self.server.login(&mut self.platform, app, code)
//!     }
//!     fn refresh(&mut self, app: AppId, token: &str) -> Observation {
//!         AuthFlowImpl::refresh(&mut self.platform, app, token)
//!     }
//!     fn advance_clock(&mut self, seconds: u64) -> Observation {
//!         AuthFlowImpl::advance_clock(&mut self.platform, seconds)
//!     }
//!     fn revoke(&mut self, user: UserId, app: AppId) -> Observation {
//!         AuthFlowImpl::revoke(&mut self.platform, user, app)
//!     }
//! }
//!
//! // `prop_state_machine!` matches the type after `=>` as `$test:ident $(< $($arg:tt),+ >)?`:
//! // an identifier (not a path such as `authsim::reference::AuthFlowTest`), optionally with
//! // generic arguments that are each ONE token tree. `AuthFlowTest<ServerBacked>` matches;
//! // `AuthFlowTest<MyServer<0>>` does not (its argument `MyServer<0>` is four tokens, and
//! // the macro stops at the inner `<`). Alias anything else:
//! type ServerBackedTest = AuthFlowTest<ServerBacked>;
//!
//! prop_state_machine! {
//!     #![proptest_config(proptest::test_runner::Config { cases: 16, ..Default::default() })]
//!     #[test]
//!     fn my_server_behaves_like_authsim(sequential 1..30 => ServerBackedTest);
//! }
//! # fn main() {
//! #     // In a doctest `#[test]` functions are not compiled: run the same harness directly.
//! #     authsim::reference::check::<ServerBacked>(8, 20).unwrap();
//! # }
//! ```
//!
//! Without the macro, [`check`] runs the same harness without panicking and returns the shrunk
//! counterexample as a [`Counterexample`]: `check::<ServerBacked>(256, 40)`. Prefer it: the macro
//! path must panic on a difference (proptest-state-machine's `apply` cannot return an error),
//! so the test's output holds one short panic message per shrink step.
//!
//! # Why the simulator's own calls return `Result`
//!
//! [`UserId`](crate::world::UserId) and [`AppId`](crate::world::AppId) are plain indices (they
//! come from scenario files and are `Copy` and serializable), not handles branded with the
//! simulator that made them, so `Simulator::get_auth_code(req)` cannot know at compile time
//! that `UserId(5)` exists and returns `Err(InputError::UnknownUser)` rather than panic. Branding
//! every id with a lifetime or a generative type would make scenarios and snapshots
//! unserializable. Inside this harness the question does not arise: the [`AuthFlowImpl`]
//! methods of [`Simulator`](crate::sim::Simulator) are infallible and turn a refusal into an
//! [`Observation::input_error`].
//!
//! # What a failure looks like
//!
//! `tests/reference_planted_bug.rs` checks an implementation whose codes can be redeemed twice
//! (it answers a replayed code from a cache of first redemptions). [`check_with`] fails, without
//! a panic, and proptest shrinks the journey (with `rng_seed` 4, 512 cases) to three actions; the
//! [`Counterexample`] prints as:
//!
//! ```text
//! a journey of 3 actions fails:
//!   1. GetAuthCode { user: UserId(0), app: AppId(0), scopes: ScopesArg(missing), decision: Accept, network: Ok }
//!   2. Redeem { app: AppId(0), code: Issued(0) }
//!   3. Redeem { app: AppId(0), code: Issued(0) }  <- fails
//! action 3: outcome differs
//!   expected Expected { outcome: Error, popups: 0, error: None, sub_code: Some("isv.code-invalid"), .. }
//!   observed Observation { outcome: Ok, popups: 0, .., user_id: Some("2088410924308342"), .. }
//! ```

// The example above is meant to be pasted into a test file, `#[test]` included.
#![allow(clippy::test_attr_in_doctest)]

pub mod harness;
pub mod model;
pub mod strategies;

pub use harness::{
    AuthFlowImpl, AuthFlowTest, Counterexample, Driver, HARNESS_SEED, Observation, check,
    check_with, replay,
};
pub use model::{
    Action, AuthFlowModel, ButtonChoice, CODE_INVALID, CodeRef, Decision, Expected, InvalidScopes,
    ModelState, REFRESH_TOKEN_INVALID, REFRESH_TOKEN_TIME_OUT, ScopesArg, UNMATCHED_APP_ID,
};
#[allow(deprecated)]
pub use model::{DecisionChoice, ScopesChoice};
