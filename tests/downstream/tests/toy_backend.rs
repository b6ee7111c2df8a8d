//! A downstream property test: a toy login backend checked against authsim's reference model
//! through the exported harness (`AuthFlowImpl`, `AuthFlowTest`, `check_with`), with only the
//! public API of the `reference-model` feature.

use std::collections::HashMap;

use authsim::explore::SmallWorld;
use authsim::prelude::*;
use authsim::reference::{AuthFlowImpl, AuthFlowTest, Observation, check_with};
use proptest::test_runner::{Config, RngSeed};
use proptest_state_machine::prop_state_machine;

/// A toy login backend: authsim's simulator plays the platform (mini program and gateway), and
/// the backend keeps what a real one keeps, the login each redeemed code gave. With
/// `REPLAY_BUG` it answers a code it has seen before from that cache instead of asking the
/// gateway, the classic double-spend the harness must catch.
struct ToyBackend<const REPLAY_BUG: bool> {
    platform: Simulator,
    logins: HashMap<String, Observation>,
}

impl<const REPLAY_BUG: bool> AuthFlowImpl for ToyBackend<REPLAY_BUG> {
    fn new(world: &SmallWorld) -> Self {
        ToyBackend {
            platform: world.simulator(7),
            logins: HashMap::new(),
        }
    }

    fn get_auth_code(&mut self, req: &AuthCodeRequest) -> Observation {
        AuthFlowImpl::get_auth_code(&mut self.platform, req)
    }

    fn authorize(
        &mut self,
        user: UserId,
        app: AppId,
        scope: &str,
        decision: &Decision,
        network: Network,
    ) -> Observation {
        AuthFlowImpl::authorize(&mut self.platform, user, app, scope, decision, network)
    }

    fn get_setting(&mut self, user: UserId, app: AppId) -> Observation {
        AuthFlowImpl::get_setting(&mut self.platform, user, app)
    }

    fn get_open_user_info(&mut self, user: UserId, app: AppId) -> Observation {
        AuthFlowImpl::get_open_user_info(&mut self.platform, user, app)
    }

    fn get_phone_number(&mut self, user: UserId, app: AppId) -> Observation {
        AuthFlowImpl::get_phone_number(&mut self.platform, user, app)
    }

    fn redeem(&mut self, app: AppId, code: &str) -> Observation {
        if let Some(login) = self.logins.get(code).filter(|_| REPLAY_BUG) {
            return login.clone();
        }
        let login = AuthFlowImpl::redeem(&mut self.platform, app, code);
        if login.outcome == Outcome::Ok {
            self.logins.insert(code.to_owned(), login.clone());
        }
        login
    }

    fn refresh(&mut self, app: AppId, refresh_token: &str) -> Observation {
        AuthFlowImpl::refresh(&mut self.platform, app, refresh_token)
    }

    fn advance_clock(&mut self, seconds: u64) -> Observation {
        AuthFlowImpl::advance_clock(&mut self.platform, seconds)
    }

    fn revoke(&mut self, user: UserId, app: AppId) -> Observation {
        AuthFlowImpl::revoke(&mut self.platform, user, app)
    }
}

// The README's entry point. The macro matches the type as `$test:ident $(< $($arg:tt),+ >)?`:
// each generic argument must be one token, so `AuthFlowTest<ToyBackend<false>>` (an argument
// of four tokens) needs an alias.
type HonestToyTest = AuthFlowTest<ToyBackend<false>>;

prop_state_machine! {
    #![proptest_config(Config { cases: 64, failure_persistence: None, ..Config::default() })]
    #[test]
    fn the_toy_backend_behaves_like_authsim(sequential 1..30 => HonestToyTest);
}

/// The same harness, driven through `check_with`, fails for the backend that answers replayed
/// codes from its cache: the check is not vacuous from outside the crate either.
#[test]
fn the_harness_catches_a_replayed_code() {
    let config = Config {
        cases: 512,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(4),
        ..Config::default()
    };
    let Err(found) = check_with::<ToyBackend<true>>(config, 40) else {
        panic!("a backend that accepts replayed codes passed the harness");
    };
    assert!(
        found.reason.starts_with("outcome differs") && found.failed_at.is_some(),
        "unexpected failure:\n{found}"
    );
}
