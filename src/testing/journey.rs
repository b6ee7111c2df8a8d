//! Journeys: what users, pages, attackers and time do, as a list of actions, and the
//! journey-level strategies that generate them.
//!
//! An action names codes by who got them where ("the code of u0's latest visit to a0"), never by
//! a position in the run, so removing an unrelated action while shrinking never changes which
//! code a later action means. An action whose code or session does not exist (yet) does nothing.
//! Each strategy shrinks towards fewer actions (any action may shrink away), user `u0`, app
//! `a0`, the user accepting and a working network.

use std::fmt;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use crate::call::{Decision, Network};
use crate::explore::SmallWorld;
use crate::world::{AppId, UserId};

/// Where and when the page's code reaches a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// At once, to the app's own server.
    Direct,
    /// At once, to the *next* app's server (`a1` for `a0`): a misrouted or stolen code.
    OtherApp,
    /// To the app's own server, after the code's lifetime has passed (the clock moves by it).
    Late,
    /// To the app's own server, after the user revoked the app (while the code was on its way).
    AfterRevoke,
}

/// One thing that happens in a journey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `user` opens `app`: the login page calls `my.getAuthCode` with the page's scopes (the
    /// user gives `decision` if a popup shows; the network does `network`) and posts what it got
    /// to a server as `delivery` says.
    Visit {
        /// Who.
        user: UserId,
        /// Which mini program.
        app: AppId,
        /// The answer to a popup, if one shows.
        decision: Decision,
        /// What the network does to the call.
        network: Network,
        /// Where and when the code goes.
        delivery: Delivery,
    },
    /// `user` opens `app`'s profile page: logs in first if the server has no session for the
    /// pair, makes the page's profile `my.getAuthCode` (legacy pages only), taps the `userInfo`
    /// button and reads `my.getOpenUserInfo`.
    Profile {
        /// Who.
        user: UserId,
        /// Which mini program.
        app: AppId,
        /// The answer to each popup.
        decision: Decision,
        /// What the network does to each call.
        network: Network,
    },
    /// The code of `user`'s latest visit to `app` is posted again, to `to`'s server (a double
    /// submit, a replay, or a foreign app).
    Resend {
        /// Whose code.
        user: UserId,
        /// From which app's page.
        app: AppId,
        /// To which app's server.
        to: AppId,
    },
    /// A string that was never a code is posted to `app`'s server.
    Forged {
        /// Which server.
        app: AppId,
        /// Which string (see [`forged_text`]).
        kind: u8,
    },
    /// `app`'s server refreshes `user`'s session tokens.
    Refresh {
        /// Whose session.
        user: UserId,
        /// With which app.
        app: AppId,
    },
    /// `user` revokes `app` in Alipay's settings.
    Revoke {
        /// Who.
        user: UserId,
        /// Which app.
        app: AppId,
    },
    /// Time passes.
    Wait {
        /// Seconds.
        seconds: u64,
    },
}

/// The strings a [`Action::Forged`] posts: empty, a word, code-shaped, lowercase code-shaped.
pub fn forged_text(kind: u8) -> &'static str {
    match kind % 4 {
        0 => "",
        1 => "FORGED",
        2 => "0000000000000000000000000000000F",
        _ => "0123456789abcdef0123456789abcdef",
    }
}

/// The app after `app` in a world of `apps` apps (itself in a one-app world).
pub(crate) fn next_app(app: AppId, apps: u32) -> AppId {
    AppId((app.0 + 1) % apps.max(1))
}

fn answer(decision: &Decision) -> &'static str {
    match decision {
        Decision::Accept => "accepts",
        Decision::Deny => "denies",
        Decision::Dismiss => "closes the popup",
        Decision::AcceptOnly(_) => "accepts some scopes",
    }
}

fn net(network: Network) -> &'static str {
    match network {
        Network::Ok => "",
        Network::Fail => ", the network fails",
        Network::LostResponse => ", the response is lost",
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Visit {
                user,
                app,
                decision,
                network,
                delivery,
            } => {
                let (u, a) = (user.0, app.0);
                write!(
                    f,
                    "u{u} opens a{a} (if asked, {}{})",
                    answer(decision),
                    net(*network)
                )?;
                match delivery {
                    Delivery::Direct => Ok(()),
                    Delivery::OtherApp => write!(f, "; the code goes to the next app's server"),
                    Delivery::Late => write!(f, "; the code reaches the server too late"),
                    Delivery::AfterRevoke => {
                        write!(f, "; the user revokes the app before the code arrives")
                    }
                }
            }
            Action::Profile {
                user,
                app,
                decision,
                network,
            } => write!(
                f,
                "u{} opens a{}'s profile page (if asked, {}{})",
                user.0,
                app.0,
                answer(decision),
                net(*network)
            ),
            Action::Resend { user, app, to } => write!(
                f,
                "the code of u{}'s latest visit to a{} is posted again, to a{}'s server",
                user.0, app.0, to.0
            ),
            Action::Forged { app, kind } => write!(
                f,
                "the forged code {:?} is posted to a{}'s server",
                forged_text(*kind),
                app.0
            ),
            Action::Refresh { user, app } => {
                write!(f, "a{}'s server refreshes u{}'s session", app.0, user.0)
            }
            Action::Revoke { user, app } => {
                write!(f, "u{} revokes a{} in Alipay's settings", user.0, app.0)
            }
            Action::Wait { seconds } => write!(f, "{seconds} s pass"),
        }
    }
}

/// A consent or code path a journey went through; [`Passed`](super::Passed) lists those a run
/// reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConsentPath {
    /// `my.getAuthCode` delivered a code without a popup, nothing prompted asked.
    SilentCall,
    /// A prompted `my.getAuthCode` was silent: the consent was remembered.
    RememberedConsent,
    /// The user accepted a `my.getAuthCode` popup.
    PopupAccepted,
    /// The user denied it: error 11.
    PopupDenied,
    /// The user closed it: error 3.
    PopupDismissed,
    /// The request failed: error 10, no code issued.
    NetworkFailed,
    /// The response was lost: error 10, a code issued that nobody holds.
    ResponseLost,
    /// The `userInfo` button's popup was accepted.
    ButtonAccepted,
    /// The `userInfo` button's popup was denied, closed, or its request failed.
    ButtonRefused,
    /// The `userInfo` button showed no popup: consent given before.
    ButtonAlreadyConsented,
    /// A fresh code reached its own app's server in time.
    FreshCode,
    /// A code was presented a second time.
    ReplayedCode,
    /// A code reached the server after its lifetime.
    ExpiredCode,
    /// A fresh code reached another app's server.
    ForeignAppCode,
    /// A code issued before the user revoked the app.
    RevokedCode,
    /// A string that was never a code (the page's empty string after a failure included).
    ForgedCode,
    /// A session refresh the platform honoured.
    RefreshHonoured,
    /// A session refresh the platform refused (rotated, revoked, replayed or past its deadline).
    RefreshRefused,
}

impl ConsentPath {
    /// Every path.
    pub const ALL: [ConsentPath; 18] = [
        ConsentPath::SilentCall,
        ConsentPath::RememberedConsent,
        ConsentPath::PopupAccepted,
        ConsentPath::PopupDenied,
        ConsentPath::PopupDismissed,
        ConsentPath::NetworkFailed,
        ConsentPath::ResponseLost,
        ConsentPath::ButtonAccepted,
        ConsentPath::ButtonRefused,
        ConsentPath::ButtonAlreadyConsented,
        ConsentPath::FreshCode,
        ConsentPath::ReplayedCode,
        ConsentPath::ExpiredCode,
        ConsentPath::ForeignAppCode,
        ConsentPath::RevokedCode,
        ConsentPath::ForgedCode,
        ConsentPath::RefreshHonoured,
        ConsentPath::RefreshRefused,
    ];
}

// --- strategies --------------------------------------------------------------------------------

/// A user of `world`.
fn user(w: SmallWorld) -> BoxedStrategy<UserId> {
    (0..w.users).prop_map(UserId).boxed()
}

/// An app of `world`.
fn app(w: SmallWorld) -> BoxedStrategy<AppId> {
    (0..w.apps).prop_map(AppId).boxed()
}

/// The user's answer to a popup.
pub fn decision() -> BoxedStrategy<Decision> {
    prop_oneof![
        4 => Just(Decision::Accept),
        1 => Just(Decision::Deny),
        1 => Just(Decision::Dismiss),
    ]
    .boxed()
}

/// What the network does: mostly works (the reference model's strategy).
pub use crate::reference::strategies::network;

fn delivery() -> BoxedStrategy<Delivery> {
    prop_oneof![
        6 => Just(Delivery::Direct),
        1 => Just(Delivery::OtherApp),
        1 => Just(Delivery::Late),
        1 => Just(Delivery::AfterRevoke),
    ]
    .boxed()
}

/// A clock jump: a second, a code's lifetime, an hour, the access-token lifetime, the refresh
/// deadline.
pub fn wait(w: SmallWorld) -> BoxedStrategy<u64> {
    proptest::sample::select(vec![1, w.code_ttl, 3600, w.access_ttl, w.refresh_ttl]).boxed()
}

fn visit(user: UserId, app: AppId) -> Action {
    Action::Visit {
        user,
        app,
        decision: Decision::Accept,
        network: Network::Ok,
        delivery: Delivery::Direct,
    }
}

fn profile(user: UserId, app: AppId) -> Action {
    Action::Profile {
        user,
        app,
        decision: Decision::Accept,
        network: Network::Ok,
    }
}

/// Lets shrinking drop each of a segment's (at most four) actions: a `keep` flag per action,
/// true when generated (mostly), which shrinks to false.
fn segment(actions: BoxedStrategy<Vec<Action>>) -> BoxedStrategy<Vec<Action>> {
    let keep = proptest::bool::weighted(0.95);
    (actions, [keep, keep, keep, keep])
        .prop_map(|(actions, keep)| {
            actions
                .into_iter()
                .zip(keep)
                .filter_map(|(a, k)| k.then_some(a))
                .collect()
        })
        .boxed()
}

/// A first login: one visit, with any answer, network and delivery.
pub fn first_login(w: SmallWorld) -> BoxedStrategy<Vec<Action>> {
    (user(w), app(w), decision(), network(), delivery())
        .prop_map(|(user, app, decision, network, delivery)| {
            vec![Action::Visit {
                user,
                app,
                decision,
                network,
                delivery,
            }]
        })
        .boxed()
}

/// A returning user: a visit, time passes, another visit to the same app.
pub fn returning_user(w: SmallWorld) -> BoxedStrategy<Vec<Action>> {
    (user(w), app(w), wait(w), network())
        .prop_map(|(user, app, seconds, network)| {
            vec![
                visit(user, app),
                Action::Wait { seconds },
                Action::Visit {
                    user,
                    app,
                    decision: Decision::Accept,
                    network,
                    delivery: Delivery::Direct,
                },
            ]
        })
        .boxed()
}

/// The profile page after a login, with any answer and network, then a return to it (where
/// consent given before shows no popup).
pub fn profile_page(w: SmallWorld) -> BoxedStrategy<Vec<Action>> {
    (user(w), app(w), decision(), network())
        .prop_map(|(user, app, decision, network)| {
            vec![
                visit(user, app),
                Action::Profile {
                    user,
                    app,
                    decision,
                    network,
                },
                profile(user, app),
            ]
        })
        .boxed()
}

/// A replay: a visit, then its code posted again (to its own app, or another).
pub fn replay(w: SmallWorld) -> BoxedStrategy<Vec<Action>> {
    (
        user(w),
        app(w),
        prop_oneof![3 => Just(false), 1 => Just(true)],
    )
        .prop_map(move |(user, app, other)| {
            let to = if other { next_app(app, w.apps) } else { app };
            vec![visit(user, app), Action::Resend { user, app, to }]
        })
        .boxed()
}

/// A second app: the same user visits two apps.
pub fn second_app(w: SmallWorld) -> BoxedStrategy<Vec<Action>> {
    (user(w), app(w))
        .prop_map(move |(user, app)| vec![visit(user, app), visit(user, next_app(app, w.apps))])
        .boxed()
}

/// Clock jumps around a session: a visit, time passes, two refreshes (the second one needs the
/// token the first one rotated in).
pub fn clock_jumps(w: SmallWorld) -> BoxedStrategy<Vec<Action>> {
    (user(w), app(w), wait(w))
        .prop_map(|(user, app, seconds)| {
            vec![
                visit(user, app),
                Action::Wait { seconds },
                Action::Refresh { user, app },
                Action::Refresh { user, app },
            ]
        })
        .boxed()
}

/// A revocation: a visit, the user revokes the app, then a refresh and a return to the profile
/// page (which asks again).
pub fn revocation(w: SmallWorld) -> BoxedStrategy<Vec<Action>> {
    (user(w), app(w))
        .prop_map(|(user, app)| {
            vec![
                visit(user, app),
                Action::Revoke { user, app },
                Action::Refresh { user, app },
                profile(user, app),
            ]
        })
        .boxed()
}

/// A forged code at some app's server.
pub fn forged(w: SmallWorld) -> BoxedStrategy<Vec<Action>> {
    (app(w), 0u8..4)
        .prop_map(|(app, kind)| vec![Action::Forged { app, kind }])
        .boxed()
}

/// A whole journey: 1 to `max_segments` of the segments above, concatenated. Shrinking drops
/// whole segments, then single actions, then simplifies what is left.
pub fn journey(w: SmallWorld, max_segments: usize) -> BoxedStrategy<Vec<Action>> {
    let any = prop_oneof![
        3 => segment(first_login(w)),
        2 => segment(returning_user(w)),
        2 => segment(profile_page(w)),
        2 => segment(replay(w)),
        2 => segment(second_app(w)),
        2 => segment(clock_jumps(w)),
        1 => segment(revocation(w)),
        1 => segment(forged(w)),
    ];
    proptest::collection::vec(any, 1..=max_segments.max(1))
        .prop_map(|segments| segments.into_iter().flatten().collect())
        .boxed()
}
