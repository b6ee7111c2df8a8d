//! A reference model of the flow for property tests of *other* implementations (feature
//! `reference-model`).
//!
//! - [`strategies`]: proptest strategies for users, apps, scopes (valid and malformed),
//!   decisions (including partial grants), network outcomes, and whole input sequences.
//! - [`AuthFlowModel`]: a [`proptest_state_machine::ReferenceStateMachine`] of the flow, written
//!   independently of the simulator: an abstract state of a few arrays and two vectors of `Copy`
//!   records (which codes were delivered, presented, expired, revoked, and to which app; consent
//!   per (user, app); grants and their rotations), predicting for each [`Action`] the outcome,
//!   the popups, the client `error` or gateway `sub_code`, the member-info `code`, and whose
//!   `user_id`/`open_id` a token response carries.
//! - [`AuthFlowImpl`]: the trait your implementation (say, the mock your backend tests use)
//!   implements, and [`AuthFlowTest`], the `StateMachineTest` generic over it. authsim's own
//!   [`Simulator`](crate::sim::Simulator) implements the trait, so the same harness checks the
//!   simulator against the model (`tests/reference_honest.rs`).
//!
//! Beyond the per-step predictions, the harness checks across steps that a user's `user_id`
//! never changes and differs from every other user's, that an `open_id` is stable per
//! (user, app) and distinct across pairs, and that no `authCode` is handed out twice.
//!
//! # Checking your implementation
//!
//! In the downstream crate's `Cargo.toml` (the macro expands to `::proptest::proptest!`, so
//! `proptest` must be a direct dependency too):
//!
//! ```toml
//! [dev-dependencies]
//! # the crate is not published: a path to a checkout (or a git dependency)
//! authsim = { path = "../authsim", features = ["reference-model"] }
//! proptest = "1.12"
//! proptest-state-machine = "0.9"
//! ```
//!
//! Then, in a test file:
//!
//! ```
//! use authsim::prelude::*;
//! use authsim::explore::SmallWorld;
//! use authsim::reference::{AuthFlowImpl, AuthFlowTest, Observation};
//! use proptest_state_machine::prop_state_machine;
//!
//! /// The implementation under test: here it simply wraps authsim's simulator.
//! struct MyMock(Simulator);
//!
//! impl AuthFlowImpl for MyMock {
//!     fn new(world: &SmallWorld) -> Self {
//!         MyMock(world.simulator(7))
//!     }
//!     fn get_auth_code(&mut self, req: &AuthCodeRequest) -> Observation {
//!         Observation::from_step(&self.0.get_auth_code(req.clone()).unwrap())
//!     }
//!     fn authorize(&mut self, user: UserId, app: AppId, scope: &str, decision: &Decision,
//!                  network: Network) -> Observation {
//!         let step = self.0.authorize(user, app, scope, decision.clone(), network);
//!         Observation::from_step(&step.unwrap())
//!     }
//!     fn get_setting(&mut self, user: UserId, app: AppId) -> Observation {
//!         Observation::from_step(&self.0.get_setting(user, app).unwrap())
//!     }
//!     fn get_open_user_info(&mut self, user: UserId, app: AppId) -> Observation {
//!         Observation::from_step(&self.0.get_open_user_info(user, app).unwrap())
//!     }
//!     fn get_phone_number(&mut self, user: UserId, app: AppId) -> Observation {
//!         Observation::from_step(&self.0.get_phone_number(user, app).unwrap())
//!     }
//!     fn redeem(&mut self, app: AppId, code: &str) -> Observation {
//!         Observation::from_step(&self.0.redeem(app, code).unwrap())
//!     }
//!     fn refresh(&mut self, app: AppId, token: &str) -> Observation {
//!         let step = self.0.oauth_token(app, "refresh_token", None, Some(token));
//!         Observation::from_step(&step.unwrap())
//!     }
//!     fn advance_clock(&mut self, seconds: u64) -> Observation {
//!         Observation::from_step(&self.0.advance(seconds))
//!     }
//!     fn revoke(&mut self, user: UserId, app: AppId) -> Observation {
//!         Observation::from_step(&self.0.revoke(user, app).unwrap())
//!     }
//! }
//!
//! // The type after `=>` must be a single token (or a single token with generic arguments):
//! // alias a path such as `authsim::reference::AuthFlowTest` or import it first.
//! type MyMockTest = AuthFlowTest<MyMock>;
//!
//! prop_state_machine! {
//!     #![proptest_config(proptest::test_runner::Config { cases: 16, ..Default::default() })]
//!     #[test]
//!     fn my_mock_behaves_like_authsim(sequential 1..30 => MyMockTest);
//! }
//! # fn main() {
//! #     // In a doctest `#[test]` functions are not compiled: run the same harness directly.
//! #     authsim::reference::check::<MyMock>(8, 20).unwrap();
//! # }
//! ```
//!
//! Without the macro, [`check`] runs the same harness and returns proptest's result, with the
//! shrunk counterexample on failure: `check::<MyMock>(256, 40)`.
//!
//! # What a failure looks like
//!
//! `tests/reference_planted_bug.rs` checks an implementation whose codes can be redeemed twice
//! (it answers a replayed code from a cache of first redemptions). The harness fails, and
//! proptest shrinks the counterexample (with `rng_seed` 4, 512 cases) to three actions: a code is
//! issued to app 0, app 0 redeems it, and presents it again, which the model says must be
//! refused with `isv.code-invalid`:
//!
//! ```text
//! [GetAuthCode { user: UserId(0), app: AppId(0), scopes: Missing, decision: Accept, network: Ok },
//!  Redeem { app: AppId(0), code: Issued(0) },
//!  Redeem { app: AppId(0), code: Issued(0) }]
//! outcome differs: Redeem { app: AppId(0), code: Issued(0) }
//!   expected Expected { outcome: Error, popups: 0, error: None,
//!                       sub_code: Some("isv.code-invalid"), granted: None, identity: None, .. }
//!   observed Observation { outcome: Ok, popups: 0, .., user_id: Some("2088410924308342"), .. }
//! ```

// The example above is meant to be pasted into a test file, `#[test]` included.
#![allow(clippy::test_attr_in_doctest)]

pub mod harness;
pub mod model;
pub mod strategies;

pub use harness::{
    AuthFlowImpl, AuthFlowTest, Case, Driver, HARNESS_SEED, Observation, check, check_with,
};
pub use model::{
    Action, AuthFlowModel, ButtonChoice, CodeRef, DecisionChoice, Expected, InvalidScopes,
    ModelState, ScopesChoice,
};
