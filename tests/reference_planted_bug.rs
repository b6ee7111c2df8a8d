//! The harness catches a planted bug: an implementation (the simulator, wrapped) whose auth codes
//! can be redeemed twice. The harness must fail and shrink the counterexample to the three
//! actions that show it: get a code, redeem it, redeem it again.
#![cfg(feature = "reference-model")]

use std::collections::HashMap;

use authsim::explore::SmallWorld;
use authsim::prelude::*;
use authsim::reference::{Action, AuthFlowImpl, AuthFlowTest, CodeRef, Observation, check_with};
use proptest::test_runner::{Config, RngSeed};

/// The simulator, except that a successful redemption is remembered and a replay of the same
/// code gets the same success again instead of `isv.code-invalid`.
struct DoubleSpend {
    sim: Simulator,
    redeemed: HashMap<String, Observation>,
}

impl AuthFlowImpl for DoubleSpend {
    fn new(world: &SmallWorld) -> Self {
        DoubleSpend {
            sim: <Simulator as AuthFlowImpl>::new(world),
            redeemed: HashMap::new(),
        }
    }
    fn get_auth_code(&mut self, req: &AuthCodeRequest) -> Observation {
        AuthFlowImpl::get_auth_code(&mut self.sim, req)
    }
    fn authorize(
        &mut self,
        user: UserId,
        app: AppId,
        scope: &str,
        decision: &Decision,
        network: Network,
    ) -> Observation {
        AuthFlowImpl::authorize(&mut self.sim, user, app, scope, decision, network)
    }
    fn get_setting(&mut self, user: UserId, app: AppId) -> Observation {
        AuthFlowImpl::get_setting(&mut self.sim, user, app)
    }
    fn get_open_user_info(&mut self, user: UserId, app: AppId) -> Observation {
        AuthFlowImpl::get_open_user_info(&mut self.sim, user, app)
    }
    fn get_phone_number(&mut self, user: UserId, app: AppId) -> Observation {
        AuthFlowImpl::get_phone_number(&mut self.sim, user, app)
    }
    fn redeem(&mut self, app: AppId, code: &str) -> Observation {
        if let Some(first) = self.redeemed.get(code) {
            return first.clone(); // the planted bug
        }
        let obs = AuthFlowImpl::redeem(&mut self.sim, app, code);
        if obs.outcome == Outcome::Ok {
            self.redeemed.insert(code.to_owned(), obs.clone());
        }
        obs
    }
    fn refresh(&mut self, app: AppId, refresh_token: &str) -> Observation {
        AuthFlowImpl::refresh(&mut self.sim, app, refresh_token)
    }
    fn advance_clock(&mut self, seconds: u64) -> Observation {
        AuthFlowImpl::advance_clock(&mut self.sim, seconds)
    }
    fn revoke(&mut self, user: UserId, app: AppId) -> Observation {
        AuthFlowImpl::revoke(&mut self.sim, user, app)
    }
}

/// The harness fails for the double-spend implementation, and proptest shrinks the failing
/// sequence to exactly: a code is issued, redeemed, and presented again. The failure is a value
/// (no panic) whose report is the numbered journey, not the model's state.
#[test]
fn harness_fails_with_shrunk_counterexample_for_double_redemption() {
    let config = Config {
        cases: 512,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(4),
        ..Config::default()
    };
    let Err(found) = check_with::<DoubleSpend>(config, 40) else {
        panic!("the harness accepted an implementation that redeems codes twice");
    };
    let report = found.to_string();
    eprintln!("{report}");
    let actions = &found.actions;
    assert_eq!(actions.len(), 3, "not fully shrunk:\n{report}");
    assert_eq!(
        found.failed_at,
        Some(3),
        "the replay is the failing action:\n{report}"
    );
    assert!(matches!(actions[0], Action::GetAuthCode { .. }));
    let (&Action::Redeem { app: a1, code: c1 }, &Action::Redeem { app: a2, code: c2 }) =
        (&actions[1], &actions[2])
    else {
        panic!("expected two redemptions after the call:\n{report}");
    };
    assert_eq!((c1, c2), (CodeRef::Issued(0), CodeRef::Issued(0)));
    let &Action::GetAuthCode { app, .. } = &actions[0] else {
        unreachable!()
    };
    assert_eq!(a1, app, "the first redemption is the legitimate one");
    let _ = a2; // the replay may come from any app: the mock answers it from its cache
    assert!(
        found.reason.starts_with("outcome differs"),
        "unexpected failure reason:\n{report}"
    );
    // The report is the journey: numbered actions and the reason, a screen, not the model.
    assert!(report.contains("  1. GetAuthCode") && report.contains("  3. Redeem"));
    assert!(!report.contains("ModelState") && !report.contains("consent"));
    assert!(report.lines().count() < 12, "{report}");
}

/// The same planted bug is caught through the `prop_state_machine!` entry point too (the
/// generated test panics; the panic is caught here).
#[test]
fn macro_entry_point_panics_for_double_redemption() {
    type DoubleSpendTest = AuthFlowTest<DoubleSpend>;
    proptest_state_machine::prop_state_machine! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 512,
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]
        fn double_spend_behaves(sequential 1..40 => DoubleSpendTest);
    }
    let caught = std::panic::catch_unwind(double_spend_behaves);
    assert!(caught.is_err(), "the planted bug went unnoticed");
}
