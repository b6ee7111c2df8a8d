//! proptest strategies for the pieces of the flow and for whole input sequences.
//!
//! Each strategy shrinks towards its first, simplest option: user 0, app 0, `auth_base`,
//! accept, a working network.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

use super::model::{Action, ButtonChoice, CodeRef, InvalidScopes, ModelState};
use crate::call::{Decision, Network};
use crate::explore::SmallWorld;
use crate::scope::{Scope, ScopeSet, ScopesArg};
use crate::world::{AppId, UserId};

/// A user of `world`.
pub fn user(world: SmallWorld) -> BoxedStrategy<UserId> {
    (0..world.users).prop_map(UserId).boxed()
}

/// An app of `world`.
pub fn app(world: SmallWorld) -> BoxedStrategy<AppId> {
    (0..world.apps).prop_map(AppId).boxed()
}

/// Any scope, `auth_base` and `auth_user` most often.
pub fn scope() -> BoxedStrategy<Scope> {
    prop_oneof![
        3 => Just(Scope::AuthBase),
        3 => Just(Scope::AuthUser),
        2 => proptest::sample::select(&Scope::ALL[..]),
    ]
    .boxed()
}

/// A non-empty set of scopes.
pub fn scope_set() -> BoxedStrategy<ScopeSet> {
    proptest::collection::vec(scope(), 1..4)
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

/// The kind of a malformed `scopes` argument (see [`invalid_scopes`] for the argument itself).
pub fn invalid_scopes_kind() -> BoxedStrategy<InvalidScopes> {
    proptest::sample::select(&InvalidScopes::ALL[..]).boxed()
}

/// A malformed `scopes` argument: every one must fail the call with error 2 and no popup.
pub fn invalid_scopes() -> BoxedStrategy<ScopesArg> {
    invalid_scopes_kind()
        .prop_map(InvalidScopes::to_arg)
        .boxed()
}

/// A well-formed `scopes` argument: left out (`auth_base`), one name as a string, or a non-empty
/// array of names (in canonical order). Shrinks towards the argument left out.
pub fn valid_scopes() -> BoxedStrategy<ScopesArg> {
    prop_oneof![
        1 => Just(ScopesArg::missing()),
        4 => scope().prop_map(ScopesArg::from),
        3 => scope_set().prop_map(|set| ScopesArg::list(set.iter().map(Scope::as_str))),
    ]
    .boxed()
}

/// A `scopes` argument: mostly [`valid_scopes`], sometimes [`invalid_scopes`].
pub fn scopes() -> BoxedStrategy<ScopesArg> {
    prop_oneof![
        8 => valid_scopes(),
        1 => invalid_scopes(),
    ]
    .boxed()
}

/// The user's answer to a popup, including partial grants.
pub fn decision() -> BoxedStrategy<Decision> {
    prop_oneof![
        4 => Just(Decision::Accept),
        2 => Just(Decision::Deny),
        2 => Just(Decision::Dismiss),
        2 => scope_set().prop_map(|set| Decision::AcceptOnly(set.iter().collect())),
    ]
    .boxed()
}

/// What the network does: mostly works, sometimes fails or loses the response.
pub fn network() -> BoxedStrategy<Network> {
    prop_oneof![
        6 => Just(Network::Ok),
        1 => Just(Network::Fail),
        1 => Just(Network::LostResponse),
    ]
    .boxed()
}

/// A `getAuthorize` button's `scope` attribute.
pub fn button() -> BoxedStrategy<ButtonChoice> {
    prop_oneof![
        4 => Just(ButtonChoice::UserInfo),
        2 => Just(ButtonChoice::PhoneNumber),
        1 => Just(ButtonChoice::Invalid),
    ]
    .boxed()
}

/// A clock step: a second, just under or exactly the code lifetime, an hour, or past the
/// access-token lifetime or the refresh deadline.
pub fn clock_step(world: SmallWorld) -> BoxedStrategy<u64> {
    proptest::sample::select(vec![
        1,
        world.code_ttl - 1,
        world.code_ttl,
        3600,
        world.access_ttl,
        world.refresh_ttl,
    ])
    .boxed()
}

/// An input valid in `state`: calls, buttons, settings and member-info reads, redemptions of every delivered code by
/// every app, forged codes, refreshes (current and rotated-out tokens), clock steps and
/// revocations.
pub fn action(state: &ModelState) -> BoxedStrategy<Action> {
    let w = state.world;
    let mut arms: Vec<(u32, BoxedStrategy<Action>)> = vec![
        (
            6,
            (user(w), app(w), scopes(), decision(), network())
                .prop_map(
                    |(user, app, scopes, decision, network)| Action::GetAuthCode {
                        user,
                        app,
                        scopes,
                        decision,
                        network,
                    },
                )
                .boxed(),
        ),
        (
            2,
            (user(w), app(w), button(), decision(), network())
                .prop_map(|(user, app, scope, decision, network)| Action::Button {
                    user,
                    app,
                    scope,
                    decision,
                    network,
                })
                .boxed(),
        ),
        (
            1,
            (user(w), app(w))
                .prop_map(|(user, app)| Action::GetSetting { user, app })
                .boxed(),
        ),
        (
            1,
            (user(w), app(w), proptest::bool::ANY)
                .prop_map(|(user, app, phone)| {
                    if phone {
                        Action::GetPhoneNumber { user, app }
                    } else {
                        Action::GetOpenUserInfo { user, app }
                    }
                })
                .boxed(),
        ),
        (
            1,
            (app(w), 0u8..4)
                .prop_map(|(app, k)| Action::Redeem {
                    app,
                    code: CodeRef::Forged(k),
                })
                .boxed(),
        ),
        (
            2,
            clock_step(w)
                .prop_map(|seconds| Action::AdvanceClock { seconds })
                .boxed(),
        ),
        (
            1,
            (user(w), app(w))
                .prop_map(|(user, app)| Action::Revoke { user, app })
                .boxed(),
        ),
    ];
    if !state.codes.is_empty() {
        let n = state.codes.len() as u32;
        arms.push((
            6,
            (app(w), 0..n)
                .prop_map(|(app, i)| Action::Redeem {
                    app,
                    code: CodeRef::Issued(i),
                })
                .boxed(),
        ));
    }
    if !state.grants.is_empty() {
        let n = state.grants.len() as u32;
        let rotated: Vec<bool> = state.grants.iter().map(|g| g.rotations > 0).collect();
        arms.push((
            3,
            (app(w), 0..n, proptest::bool::weighted(0.2))
                .prop_map(move |(app, grant, stale)| Action::Refresh {
                    app,
                    grant,
                    stale: stale && rotated[grant as usize],
                })
                .boxed(),
        ));
    }
    Union::new_weighted(arms).boxed()
}

/// A whole input sequence of `len` actions valid from `world`'s initial state, generated by
/// walking the model (each action drawn from the state the previous ones reached).
pub fn actions(
    world: SmallWorld,
    len: impl Into<proptest::collection::SizeRange>,
) -> BoxedStrategy<Vec<Action>> {
    use proptest_state_machine::strategy::Sequential;
    let init = move || Just(ModelState::new(world)).boxed();
    Sequential::new(
        len.into(),
        init,
        |s: &ModelState, a: &Action| s.allows(a),
        action,
        |mut s: ModelState, a: &Action| {
            s.step(a);
            s
        },
    )
    // proptest-state-machine shrinks by first dropping the actions the test did not reach, as
    // counted by the test; a test of this plain vector runs them all, so count them all here
    // (left at 0, the first shrink step would drop every action).
    .prop_map(|(_, actions, seen)| {
        if let Some(seen) = seen {
            seen.store(actions.len(), std::sync::atomic::Ordering::SeqCst);
        }
        actions
    })
    .boxed()
}
