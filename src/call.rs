//! The `my.getAuthCode` call machine: one statig state machine per call.
//!
//! ```text
//! validating --Invoke--> prompting --Decide--> requesting --Network--> succeeded
//!     |                     |                      |
//!     +--> failed           +--> failed            +--> failed
//!     +--Invoke (silent)--> requesting
//! ```
//!
//! One state per expected input, as in rustls: `validating` waits for the invocation, `prompting`
//! for the user's decision on the popup, `requesting` for the network's answer. An input the
//! current state does not expect is refused (the call is left as it was), never a panic. The
//! machine has no entry or exit actions, so a snapshot restored from serde (which re-runs entry
//! actions) behaves exactly like the original. Every effect (popups, consent, codes,
//! callbacks) happens in a transition and is written to the [`Platform`] context.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use statig::prelude::*;

use crate::clock::Instant;
use crate::config::Config;
use crate::consent::ConsentStore;
use crate::error_codes::{ClientError, SCOPE_NOT_GRANTED};
use crate::findings::{Finding, FindingId, PopupHistory, PopupKind};
use crate::gateway::Gateway;
use crate::identity::Entropy;
use crate::payload::{AuthCodeSuccess, ClientFail};
use crate::scope::{RequestedScopes, Scope, ScopeSet, ScopesArg};
use crate::world::{AppId, AppSpec, Package, UserId};

/// The user's answer to a consent popup.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Accept every scope shown.
    #[default]
    Accept,
    /// Tap deny: error 11.
    Deny,
    /// Close the popup: error 3.
    Dismiss,
    /// Accept only these scopes (a partial grant); the rest go to `authErrorScopes`.
    AcceptOnly(Vec<Scope>),
}

/// The JSON form of [`Decision`]: `"accept"`, `"deny"`, `"dismiss"` or `{"accept": [...]}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
enum DecisionRepr {
    Simple(SimpleDecision),
    Partial(PartialDecision),
}

/// `{"accept": [...]}`: nothing else may stand beside `accept`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct PartialDecision {
    /// The scopes the user accepts.
    accept: Vec<Scope>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
enum SimpleDecision {
    Accept,
    Deny,
    Dismiss,
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Decision::Accept => SimpleDecision::Accept.serialize(s),
            Decision::Deny => SimpleDecision::Deny.serialize(s),
            Decision::Dismiss => SimpleDecision::Dismiss.serialize(s),
            Decision::AcceptOnly(scopes) => DecisionRepr::Partial(PartialDecision {
                accept: scopes.clone(),
            })
            .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Decision {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match DecisionRepr::deserialize(d)? {
            DecisionRepr::Simple(SimpleDecision::Accept) => Decision::Accept,
            DecisionRepr::Simple(SimpleDecision::Deny) => Decision::Deny,
            DecisionRepr::Simple(SimpleDecision::Dismiss) => Decision::Dismiss,
            DecisionRepr::Partial(PartialDecision { accept }) => Decision::AcceptOnly(accept),
        })
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Decision {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Decision".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        DecisionRepr::json_schema(generator)
    }
}

/// What the network does to the request that follows the popup (or the silent call).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Network {
    /// The request and its response arrive.
    #[default]
    Ok,
    /// The request never reaches the server: error 10, no code issued.
    Fail,
    /// The server issues a code but the response is lost: error 10; the code expires unused.
    LostResponse,
}

/// Where in the mini program's lifecycle the call is made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Lifecycle {
    /// Page `onLoad`: only silent authorization allowed (sources: S-ONLOAD-SILENT).
    #[serde(rename = "onLoad")]
    OnLoad,
    /// Page `onShow`: closing the popup fires it again (sources: S-NO-ONSHOW).
    #[serde(rename = "onShow")]
    OnShow,
    /// Page `onReady`.
    #[serde(rename = "onReady")]
    OnReady,
    /// An event handler of a user action.
    #[default]
    #[serde(rename = "onTap")]
    OnTap,
}

/// What the mini program is running in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Container {
    /// A mini-program page.
    #[default]
    Page,
    /// A `<web-view>`: `my.getAuthCode` is not supported there (sources: S-NO-WEBVIEW).
    WebView,
    /// A plugin: the authorization subject is the host mini program (sources: S-PLUGIN-HOST).
    Plugin,
}

/// The page context of a call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Page {
    /// Whether this is the mini program's first screen.
    pub first_screen: bool,
    /// The lifecycle hook or handler making the call.
    pub lifecycle: Lifecycle,
    /// The container.
    pub container: Container,
}

/// How a call ended: the payload of its `success` or `fail` callback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallEnding {
    /// `success` fired with this payload.
    Success(AuthCodeSuccess),
    /// `fail` fired with this payload.
    Fail(ClientFail),
}

/// What one input to a call produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallReport {
    /// Popups shown by this input (0 or 1).
    pub popups: u32,
    /// Policy findings.
    pub findings: Vec<Finding>,
    /// Set when the call ended with this input.
    pub ending: Option<CallEnding>,
    /// The code the server issued, even if the client never got it.
    pub issued_code: Option<u128>,
    /// Set when the input was not one the call's state expects; nothing changed.
    pub refused: Option<&'static str>,
}

/// Everything a call touches: the platform's state, the clock, and the report being written.
pub struct Platform<'a> {
    /// Behaviour switches.
    pub config: &'a Config,
    /// The apps of the world.
    pub apps: &'a [AppSpec],
    /// Consent memory.
    pub consent: &'a mut ConsentStore,
    /// The server.
    pub gateway: &'a mut Gateway,
    /// The random stream.
    pub entropy: &'a mut Entropy,
    /// Popup history for the double-popup finding.
    pub popup_history: &'a mut PopupHistory,
    /// Now.
    pub now: Instant,
    /// What this input produced.
    pub report: &'a mut CallReport,
}

/// An input to a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallEvent {
    /// The mini program invokes `my.getAuthCode`.
    Invoke,
    /// The user answers the popup.
    Decide(Decision),
    /// The network delivers (or not) the request after consent.
    Network(Network),
}

/// The shared storage of one `my.getAuthCode` call: its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthCodeCall {
    /// Who is using the mini program.
    pub user: UserId,
    /// The mini program (the host, when called from a plugin).
    pub app: AppId,
    /// The raw `scopes` argument.
    pub scopes: ScopesArg,
    /// Where the call is made.
    pub page: Page,
    /// The resolved scopes, once validated.
    requested: RequestedScopes,
}

impl AuthCodeCall {
    /// A call not yet invoked.
    pub fn new(user: UserId, app: AppId, scopes: ScopesArg, page: Page) -> Self {
        AuthCodeCall {
            user,
            app,
            scopes,
            page,
            requested: RequestedScopes::default(),
        }
    }

    fn fail(&self, ctx: &mut Platform<'_>, error: ClientError, scopes: Option<ScopeSet>) {
        let mut payload = ClientFail::new(error, ctx.config.dialect);
        payload.auth_error_scopes = scopes.map(error_scopes);
        ctx.report.ending = Some(CallEnding::Fail(payload));
    }

    fn policy_findings(&self, prompted: bool) -> impl Iterator<Item = Finding> {
        let p = self.page;
        [
            (prompted && p.first_screen, FindingId::FirstScreenPrompt),
            (
                prompted && p.lifecycle == Lifecycle::OnLoad,
                FindingId::PromptInOnload,
            ),
            (p.lifecycle == Lifecycle::OnShow, FindingId::CallInOnshow),
        ]
        .into_iter()
        .filter(|(hit, _)| *hit)
        .map(|(_, id)| id.into())
    }
}

/// Prompted scopes that ask for profile data the `userInfo` button also gives (avatar,
/// nickname): a popup for one of them plus the button's popup is the double popup (R-DOUBLE-POPUP).
const PROFILE_SCOPES: ScopeSet = ScopeSet::EMPTY
    .with(Scope::AuthUser)
    .with(Scope::UserNickname)
    .with(Scope::UserAvatar);

fn error_scopes(scopes: ScopeSet) -> BTreeMap<Scope, String> {
    scopes
        .iter()
        .map(|s| (s, SCOPE_NOT_GRANTED.to_owned()))
        .collect()
}

pub use machine::State;

/// The statig-generated machine lives in its own module: its generated types carry no docs.
mod machine {
    #![allow(missing_docs)]
    use super::*;

    #[state_machine(
        initial = "State::validating()",
        state(derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize))
    )]
    impl AuthCodeCall {
        /// Waits for the invocation; validates container, package and scopes.
        #[state]
        fn validating(&mut self, context: &mut Platform<'_>, event: &CallEvent) -> Outcome<State> {
            let CallEvent::Invoke = event else {
                context.report.refused = Some(REFUSALS[0].1);
                return Handled;
            };
            let resolved = self.scopes.resolve();
            let prompted = resolved.as_ref().is_ok_and(|r| !r.prompted().is_empty());
            context
                .report
                .findings
                .extend(self.policy_findings(prompted));
            if self.page.container == Container::WebView {
                self.fail(context, ClientError::Unsupported, None);
                return Transition(State::failed());
            }
            if !context.apps[self.app.0 as usize].has(Package::JsapiBasic) {
                self.fail(context, ClientError::NoPermission, None);
                return Transition(State::failed());
            }
            let Ok(requested) = resolved else {
                self.fail(context, ClientError::InvalidParameters, None);
                return Transition(State::failed());
            };
            // Nothing to prompt (auth_base): skip the consent lookup, a likely cache miss in a
            // big world, whose answer could not change `pending`.
            let remembered = if context.config.remember_consent && !requested.prompted().is_empty()
            {
                context.consent.get(self.user, self.app).scopes
            } else {
                ScopeSet::EMPTY
            };
            let pending = requested.prompted().minus(remembered);
            let all = requested.set();
            self.requested = requested;
            if pending.is_empty() {
                return Transition(State::requesting(all, ScopeSet::EMPTY, ScopeSet::EMPTY));
            }
            context.report.popups += 1;
            // Only a popup asking for what the userInfo button also gives can be its double.
            if pending.intersects(PROFILE_SCOPES)
                && let Some(f) =
                    context
                        .popup_history
                        .shown(self.user, self.app, PopupKind::AuthCode)
            {
                context.report.findings.push(f);
            }
            Transition(State::prompting(pending))
        }

        /// The popup is shown, listing `pending`; waits for the user.
        #[state]
        fn prompting(
            &mut self,
            context: &mut Platform<'_>,
            pending: &mut ScopeSet,
            event: &CallEvent,
        ) -> Outcome<State> {
            let CallEvent::Decide(decision) = event else {
                context.report.refused = Some(REFUSALS[1].1);
                return Handled;
            };
            let all = self.requested.set();
            match decision {
                Decision::Accept => Transition(State::requesting(all, ScopeSet::EMPTY, *pending)),
                Decision::Deny => {
                    self.fail(context, ClientError::Denied, Some(*pending));
                    Transition(State::failed())
                }
                Decision::Dismiss => {
                    self.fail(context, ClientError::Dismissed, None);
                    Transition(State::failed())
                }
                Decision::AcceptOnly(list) => {
                    let accepted: ScopeSet = list
                        .iter()
                        .copied()
                        .filter(|s| pending.contains(*s))
                        .collect();
                    if accepted.is_empty() {
                        self.fail(context, ClientError::Denied, Some(*pending));
                        return Transition(State::failed());
                    }
                    let declined = pending.minus(accepted);
                    Transition(State::requesting(all.minus(declined), declined, accepted))
                }
            }
        }

        /// Consent is settled; the request to the server is in flight.
        #[state]
        fn requesting(
            &mut self,
            context: &mut Platform<'_>,
            granted: &mut ScopeSet,
            declined: &mut ScopeSet,
            newly_accepted: &mut ScopeSet,
            event: &CallEvent,
        ) -> Outcome<State> {
            let CallEvent::Network(network) = event else {
                context.report.refused = Some(REFUSALS[2].1);
                return Handled;
            };
            if *network == Network::Fail {
                self.fail(context, ClientError::Network, None);
                return Transition(State::failed());
            }
            // The server received the request: consent is recorded and a code issued, whether or
            // not the response makes it back (R-NET-LOST).
            context
                .consent
                .grant_scopes(self.user, self.app, *newly_accepted);
            let ttl = context.config.code_ttl_seconds;
            let code = context.gateway.issue_code(
                context.entropy,
                self.user,
                self.app,
                *granted,
                context.now,
                ttl,
            );
            context.report.issued_code = Some(code);
            if *network == Network::LostResponse {
                self.fail(context, ClientError::Network, None);
                return Transition(State::failed());
            }
            let success = AuthCodeSuccess {
                auth_code: crate::ids::AuthCode::new(code),
                auth_success_scopes: self
                    .requested
                    .in_order()
                    .iter()
                    .copied()
                    .filter(|s| granted.contains(*s))
                    .collect(),
                auth_error_scopes: error_scopes(*declined),
            };
            context.report.ending = Some(CallEnding::Success(success));
            Transition(State::succeeded())
        }

        /// `success` and `complete` have fired; nothing more happens.
        #[state]
        fn succeeded(context: &mut Platform<'_>) -> Outcome<State> {
            context.report.refused = Some(REFUSALS[3].1);
            Handled
        }

        /// `fail` and `complete` have fired; nothing more happens.
        #[state]
        fn failed(context: &mut Platform<'_>) -> Outcome<State> {
            context.report.refused = Some(REFUSALS[4].1);
            Handled
        }
    }
}

/// Why each state refuses an input it does not expect, `(state, reason)`, one row per state
/// in [`state_name`]'s order; the machine's handlers take their row by position. A refused
/// input reads `call #N: REASON (state STATE)` (SPEC §8.2 lists the same table; a test drives
/// every state and ties the two).
pub const REFUSALS: [(&str, &str); 5] = [
    ("validating", "the call has not been invoked yet"),
    ("prompting", "the popup is waiting for the user's decision"),
    ("requesting", "the request is waiting for the network"),
    ("succeeded", "the call has already completed"),
    ("failed", "the call has already completed"),
];

/// The name of a call state, as the diagram and error messages write it.
pub fn state_name(state: &State) -> &'static str {
    match state {
        State::Validating {} => "validating",
        State::Prompting { .. } => "prompting",
        State::Requesting { .. } => "requesting",
        State::Succeeded {} => "succeeded",
        State::Failed {} => "failed",
    }
}
