//! Misuse of the simulator's API (as opposed to platform errors, which are payloads): an unknown
//! handle, an input the call's state does not expect, a duplicate name, a bad configuration.
//! Nothing is changed when one of these is returned.

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::sim::CallId;
use crate::world::{AppId, UserId};

/// An input the simulator refused; the simulator is left exactly as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum InputError {
    /// No user has this handle.
    #[error("unknown user #{}", .0.0)]
    UnknownUser(UserId),
    /// No app has this handle.
    #[error("unknown app #{}", .0.0)]
    UnknownApp(AppId),
    /// No call in flight has this id (never started, or already completed).
    #[error("no call #{} is in flight", .0.0)]
    UnknownCall(CallId),
    /// The call's current state does not expect this input.
    #[error("call #{}: {reason} (state {state})", call.0)]
    CallRefused {
        /// The call.
        call: CallId,
        /// Its state.
        state: String,
        /// Why the input does not fit.
        reason: String,
    },
    /// A user or app with this name already exists.
    #[error("duplicate {kind} name {name:?}: names must be unique")]
    DuplicateName {
        /// `"user"` or `"app"`.
        kind: String,
        /// The name.
        name: String,
    },
    /// The configuration is out of range.
    #[error("invalid config: {0}")]
    Config(#[from] ConfigError),
}
