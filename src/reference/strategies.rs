//! proptest strategies for the pieces of the flow and for whole input sequences.
//!
//! Each strategy shrinks towards its first, simplest option: user 0, app 0, `auth_base`,
//! accept, a working network.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

use super::model::{
    Action, ButtonChoice, CodeRef, DecisionChoice, InvalidScopes, ModelState, ScopesChoice,
};
use crate::call::Network;
use crate::explore::SmallWorld;
use crate::scope::{Scope, ScopeSet};
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

/// A malformed `scopes` argument.
pub fn invalid_scopes() -> BoxedStrategy<InvalidScopes> {
    proptest::sample::select(&InvalidScopes::ALL[..]).boxed()
}

/// A `scopes` argument: left out, one name, an array, or malformed.
pub fn scopes() -> BoxedStrategy<ScopesChoice> {
    prop_oneof![
        1 => Just(ScopesChoice::Missing),
        4 => scope().prop_map(ScopesChoice::One),
        3 => scope_set().prop_map(ScopesChoice::List),
        1 => invalid_scopes().prop_map(ScopesChoice::Invalid),
    ]
    .boxed()
}

/// The user's answer to a popup, including partial grants.
pub fn decision() -> BoxedStrategy<DecisionChoice> {
    prop_oneof![
        4 => Just(DecisionChoice::Accept),
        2 => Just(DecisionChoice::Deny),
        2 => Just(DecisionChoice::Dismiss),
        2 => scope_set().prop_map(DecisionChoice::AcceptOnly),
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
    .prop_map(|(_, actions, _)| actions)
    .boxed()
}
