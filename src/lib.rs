#![warn(missing_docs, unreachable_pub)]
//! # authsim
//!
//! The deterministic reference simulator of Alipay's mini-program user authorization: every path
//! from `my.getAuthCode` in the mini program to `alipay.system.oauth.token` on the app's server,
//! as a pure state machine. Use it as an oracle in property tests, as the specification of SDK
//! mocks in other languages (with `SPEC.md` and the JSON vectors in `tests/vectors/`), or to run
//! large population simulations.
//!
//! ## The flow, in the order a mini-program developer meets it
//!
//! 1. **Ask for an auth code.** The mini program calls `my.getAuthCode` with `scopes`
//!    ([`scope`]). `auth_base` is silent; any other scope shows one consent popup unless the user
//!    already consented ([`consent`]). The user accepts, denies (error 11), dismisses (error 3) or
//!    accepts only some scopes; the network may fail (error 10) or lose the response. Each call is
//!    one statig state machine ([`call`]); every error code and message lives in one table
//!    ([`error_codes`]).
//! 2. **Redeem it on the server.** The app's server sends the code to
//!    `alipay.system.oauth.token` ([`gateway`]) exactly once, for the user's one `user_id` and the
//!    per-app `open_id` ([`identity`]), plus access and refresh tokens.
//! 3. **Get the profile.** Member basic info needs a second consent, given by tapping
//!    `<button open-type="getAuthorize" scope="userInfo">`; then `my.getOpenUserInfo` returns it
//!    ([`member`]). Asking `auth_user` *and* tapping the button shows two popups where
//!    `auth_base` + the button shows one: the simulator records a `double-popup` finding
//!    ([`findings`]).
//!
//! The [`Simulator`](sim::Simulator) holds the whole world and takes one input at a time; every
//! answer is a [`Step`](sim::Step) whose `result` is the payload exactly as Alipay delivers it
//! ([`payload`]).
//!
//! ```
//! use authsim::prelude::*;
//!
//! let mut sim = Simulator::new(Config::default(), 7)?;
//! let shop = sim.add_app(AppSpec::new("shop").packages([Package::JsapiBasic, Package::MemberBasicInfo]))?;
//! let alice = sim.add_user(UserSpec::new("alice").nick_name("Alice"))?;
//! let login = sim.get_auth_code(AuthCodeRequest::new(alice, shop, "auth_base"))?; // silent
//! let Payload::AuthCode(ok) = &login.result else { unreachable!() };
//! let token = sim.redeem(shop, &ok.auth_code)?; // server side: user_id, open_id, tokens
//! let tap = sim.authorize(alice, shop, "userInfo", Decision::Accept, Network::Ok)?; // the one popup
//! let profile = sim.get_open_user_info(alice, shop)?; // {"response": "{\"response\":{...}}"}
//! assert_eq!(login.popups + tap.popups, 1);
//! assert!(tap.findings.is_empty());
//! # let _ = (token, profile);
//! # Ok::<(), InputError>(())
//! ```
//!
//! ## Guarantees
//!
//! - **Pure and deterministic.** No wall clock, no global RNG, no I/O, no threads. Time is a
//!   virtual clock moved only by [`Input::AdvanceClock`](sim::Input::AdvanceClock); every code,
//!   token and identifier key comes from one ChaCha8 stream seeded by the seed you give. Same
//!   seed and inputs give byte-identical serialized outputs.
//! - **Snapshots.** The simulator is `Clone` and serde-serializable, including calls in flight;
//!   restoring a snapshot and continuing gives exactly the uninterrupted run.
//! - **Bad input is an error, never a panic**, and a refused input changes nothing
//!   ([`error::InputError`]). Platform errors (error 2, `isv.code-invalid`, …) are not Rust errors:
//!   they are payloads, as on the real platform.
//!
//! ## Driving a call step by step
//!
//! [`Simulator::get_auth_code`](sim::Simulator::get_auth_code) runs a whole call. To interleave,
//! use [`Simulator::invoke_auth_code`](sim::Simulator::invoke_auth_code), then
//! [`Input::Decide`](sim::Input::Decide) and [`Input::Deliver`](sim::Input::Deliver): each state of
//! the call machine accepts exactly one kind of input and refuses the others (SPEC R-CALL-STEPWISE).
//!
//! ## Where things are
//!
//! | concern | module |
//! |---|---|
//! | the call machine (`my.getAuthCode`) | [`call`] |
//! | scopes and the `scopes` argument | [`scope`] |
//! | consent memory | [`consent`] |
//! | the gateway (`alipay.system.oauth.token`, `alipay.user.info.share`) | [`gateway`] |
//! | `user_id`, `open_id`, codes, tokens, the random stream | [`identity`] |
//! | the typed identifiers and their text (`AuthCode`, `AlipayUserId`, …) | [`ids`] |
//! | the virtual clock, `auth_start` dates | [`clock`] |
//! | member info, phone number, `my.getSetting` | [`member`] |
//! | error tables (client codes, gateway sub-codes) | [`error_codes`] |
//! | policy findings, double popup | [`findings`] |
//! | Alipay payload shapes | [`payload`] |
//! | the simulator, inputs and steps | [`sim`] |
//! | JSON scenarios and traces | [`scenario`] |
//! | exhaustive exploration (the engine; no clock) | [`explore`] |
//! | reference model for downstream property tests (feature `reference-model`) | `reference` |
//! | checking your login server (feature `testing`) | `testing` |
//!
//! The `authsim` command (demo, run, diagram, serve, conform, simulate, explore) is a separate package,
//! `authsim-cli` in the repository's `cli/` folder, so that depending on this library compiles
//! none of the command line's crates.
//!
//! ## Features
//!
//! - `reference-model`: proptest strategies, a `ReferenceStateMachine` and a generic harness
//!   (module `reference`), for downstream property tests.
//! - `testing`: `testing::check_backend`, which checks an app server's login logic against the
//!   simulator with journey-level property tests and prints a shrunk, numbered counterexample.
//! - `schema`: JSON Schemas of the scenario and trace formats, generated from the types
//!   (`scenario::scenario_schema`, `scenario::trace_schema`; plain names, since the links exist only with the feature).
pub mod call;
pub mod clock;
pub mod config;
pub mod consent;
mod detmap;
mod entries;
pub mod error;
pub mod error_codes;
pub mod findings;
pub mod gateway;
mod hex128;
pub mod identity;
pub mod ids;
pub mod member;
pub mod payload;
pub mod scope;
pub mod sim;
mod step_values;
pub mod text;
mod tokens;
pub mod world;

/// The names most programs need, in one import.
pub mod prelude {
    pub use crate::call::{Container, Decision, Lifecycle, Network, Page};
    pub use crate::config::Config;
    pub use crate::error::InputError;
    pub use crate::findings::{Finding, FindingId};
    pub use crate::payload::Payload;
    pub use crate::scope::{Scope, ScopesArg};
    pub use crate::sim::{AuthCodeRequest, CallId, Callback, Input, Outcome, Simulator, Step};
    pub use crate::world::{AppId, AppSpec, Package, UserId, UserSpec};
}

pub mod explore;
#[cfg(feature = "reference-model")]
pub mod reference;
pub mod scenario;
#[cfg(feature = "testing")]
pub mod testing;

// The codes tests compare against, where users look first (defined in `error_codes`).
pub use error_codes::{
    AUTH_TOKEN_TIME_OUT, CODE_INVALID, ERROR_DENIED, ERROR_DISMISSED, ERROR_INVALID_PARAMETERS,
    ERROR_NETWORK, ERROR_NO_PERMISSION, ERROR_UNSUPPORTED, GRANT_TYPE_INVALID,
    INSUFFICIENT_ISV_PERMISSIONS, INSUFFICIENT_USER_PERMISSIONS, INVALID_AUTH_TOKEN,
    REFRESH_TOKEN_INVALID, REFRESH_TOKEN_TIME_OUT, UNMATCHED_APP_ID,
};
