#![warn(missing_docs)]
//! authsim (work in progress)
pub mod call;
pub mod clock;
pub mod config;
pub mod consent;
mod entries;
pub mod error;
pub mod error_codes;
pub mod findings;
pub mod gateway;
pub mod identity;
pub mod member;
pub mod payload;
pub mod scope;
pub mod sim;
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

pub mod cli;
pub mod explore;
pub mod population;
pub mod scenario;
#[cfg(feature = "reference-model")]
pub mod reference;
