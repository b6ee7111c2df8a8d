//! The reference harness, used from outside the crate as a downstream crate would: a second,
//! deliberately simple implementation of the flow (written here, sharing no code with the
//! simulator's call machine or gateway) passes it, and so does authsim's own simulator.
#![cfg(feature = "reference-model")]

use std::collections::HashMap;

use authsim::explore::SmallWorld;
use authsim::findings::FindingId;
use authsim::prelude::*;
use authsim::reference::{AuthFlowImpl, AuthFlowTest, Observation};
use proptest_state_machine::prop_state_machine;
use serde_json::Value;

/// Per (user, app): remembered prompted scopes (as names) and the two button flags.
#[derive(Default, Clone)]
struct Pair {
    scopes: Vec<String>,
    user_info: bool,
    phone: bool,
    epoch: u32,
    /// Popups seen since the last revocation: a profile popup of `my.getAuthCode`, the
    /// `userInfo` button's, and whether the double popup was reported.
    profile_popup: bool,
    button_popup: bool,
    double_reported: bool,
}

impl Pair {
    /// The double-popup finding, the first time both kinds of popup have been seen.
    fn double_popup(&mut self) -> Vec<FindingId> {
        if self.profile_popup && self.button_popup && !self.double_reported {
            self.double_reported = true;
            vec![FindingId::DoublePopup]
        } else {
            Vec::new()
        }
    }
}

struct Code {
    user: u32,
    app: u32,
    expires: u64,
    epoch: u32,
    used: bool,
    grant: Option<usize>,
}

struct Grant {
    user: u32,
    app: u32,
    epoch: u32,
    deadline: u64,
    dead: bool,
    refresh: String,
}

/// A small hand-written backend mock: strings for scopes, hash maps for codes.
struct SimpleMock {
    world: SmallWorld,
    now: u64,
    pairs: HashMap<(u32, u32), Pair>,
    codes: HashMap<String, Code>,
    grants: Vec<Grant>,
    counter: u64,
}

impl SimpleMock {
    fn pair(&mut self, user: UserId, app: AppId) -> &mut Pair {
        self.pairs.entry((user.0, app.0)).or_default()
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:08}", self.counter)
    }

    fn token_ok(&mut self, grant: usize) -> Observation {
        let refresh = self.fresh("RT");
        let g = &mut self.grants[grant];
        g.refresh = refresh.clone();
        Observation {
            user_id: Some(format!("2088{:012}", g.user)),
            open_id: Some(format!("open-{}-{}", g.user, g.app)),
            refresh_token: Some(refresh),
            ..Observation::new(Outcome::Ok)
        }
    }
}

/// Parses `scopes` the way the docs describe it: missing means auth_base; a known name or a
/// non-empty array of known names; anything else is invalid.
fn parse_scopes(arg: &ScopesArg) -> Option<Vec<String>> {
    let known = |s: &str| Scope::ALL.iter().any(|k| k.as_str() == s);
    match &arg.0 {
        None | Some(Value::Null) => Some(vec!["auth_base".into()]),
        Some(Value::String(s)) if known(s) => Some(vec![s.clone()]),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().filter(|s| known(s)).map(str::to_owned))
            .collect(),
        _ => None,
    }
}

impl AuthFlowImpl for SimpleMock {
    fn new(world: &SmallWorld) -> Self {
        SimpleMock {
            world: *world,
            now: 0,
            pairs: HashMap::new(),
            codes: HashMap::new(),
            grants: Vec::new(),
            counter: 0,
        }
    }

    fn get_auth_code(&mut self, req: &AuthCodeRequest) -> Observation {
        let Some(mut scopes) = parse_scopes(&req.scopes) else {
            return Observation::client_error(2, 0);
        };
        scopes.sort();
        scopes.dedup();
        let pair = self.pair(req.user, req.app).clone();
        let pending: Vec<String> = scopes
            .iter()
            .filter(|s| *s != "auth_base" && !pair.scopes.contains(s))
            .cloned()
            .collect();
        let mut granted = scopes.clone();
        let mut newly = Vec::new();
        let popups = u32::from(!pending.is_empty());
        let profile = ["auth_user", "USER_NICKNAME", "USER_AVATAR"];
        let findings = if pending.iter().any(|s| profile.contains(&s.as_str())) {
            let p = self.pair(req.user, req.app);
            p.profile_popup = true;
            p.double_popup()
        } else {
            Vec::new()
        };
        let fail = |error, popups| Observation {
            findings: findings.clone(),
            ..Observation::client_error(error, popups)
        };
        if popups == 1 {
            let accepted: Vec<String> = match &req.decision {
                Decision::Accept => pending.clone(),
                Decision::Deny => return fail(11, 1),
                Decision::Dismiss => return fail(3, 1),
                Decision::AcceptOnly(list) => pending
                    .iter()
                    .filter(|p| list.iter().any(|s| s.as_str() == p.as_str()))
                    .cloned()
                    .collect(),
            };
            if accepted.is_empty() {
                return fail(11, 1);
            }
            granted.retain(|s| !pending.contains(s) || accepted.contains(s));
            newly = accepted;
        }
        if req.network == Network::Fail {
            return fail(10, popups);
        }
        let p = self.pair(req.user, req.app);
        p.scopes.extend(newly);
        let epoch = p.epoch;
        let code = self.fresh("CODE");
        self.codes.insert(
            code.clone(),
            Code {
                user: req.user.0,
                app: req.app.0,
                expires: self.now + self.world.code_ttl,
                epoch,
                used: false,
                grant: None,
            },
        );
        if req.network == Network::LostResponse {
            return fail(10, popups);
        }
        Observation {
            findings,
            auth_code: Some(code),
            granted: granted.iter().filter_map(|s| Scope::parse(s)).collect(),
            ..Observation::new(Outcome::Success).popups(popups)
        }
    }

    fn authorize(
        &mut self,
        user: UserId,
        app: AppId,
        scope: &str,
        decision: &Decision,
        network: Network,
    ) -> Observation {
        let enterprise = self.world.is_enterprise(app);
        let p = self.pair(user, app);
        let flag = match scope {
            "userInfo" => &mut p.user_info,
            "phoneNumber" if enterprise => &mut p.phone,
            _ => return Observation::new(Outcome::Fail),
        };
        if *flag {
            return Observation::new(Outcome::Success);
        }
        let refused =
            matches!(decision, Decision::Deny | Decision::Dismiss) || network == Network::Fail;
        if !refused {
            *flag = true;
        }
        let findings = if scope == "userInfo" {
            p.button_popup = true;
            p.double_popup()
        } else {
            Vec::new()
        };
        let outcome = if network == Network::Ok && !refused {
            Outcome::Success
        } else {
            Outcome::Fail
        };
        Observation {
            findings,
            ..Observation::new(outcome).popups(1)
        }
    }

    fn get_setting(&mut self, user: UserId, app: AppId) -> Observation {
        let p = self.pair(user, app);
        Observation {
            setting: Some((p.user_info, p.phone)),
            ..Observation::new(Outcome::Success)
        }
    }

    fn get_open_user_info(&mut self, user: UserId, app: AppId) -> Observation {
        let code = if self.pair(user, app).user_info {
            "10000"
        } else {
            "40003"
        };
        Observation {
            member_code: Some(code.into()),
            ..Observation::new(Outcome::Success)
        }
    }

    fn get_phone_number(&mut self, user: UserId, app: AppId) -> Observation {
        let code = match (self.world.is_enterprise(app), self.pair(user, app).phone) {
            (false, _) => "40006",
            (true, true) => "10000",
            (true, false) => "40003",
        };
        Observation {
            member_code: Some(code.into()),
            ..Observation::new(Outcome::Success)
        }
    }

    fn redeem(&mut self, app: AppId, code: &str) -> Observation {
        let now = self.now;
        let epochs: HashMap<(u32, u32), u32> =
            self.pairs.iter().map(|(k, p)| (*k, p.epoch)).collect();
        let Some(c) = self.codes.get_mut(code) else {
            return Observation::refused("isv.code-invalid");
        };
        if c.used {
            if let Some(g) = c.grant {
                self.grants[g].dead = true;
            }
            return Observation::refused("isv.code-invalid");
        }
        c.used = true;
        let epoch_now = epochs.get(&(c.user, c.app)).copied().unwrap_or(0);
        if now >= c.expires || c.epoch != epoch_now {
            return Observation::refused("isv.code-invalid");
        }
        if c.app != app.0 {
            return Observation::refused("isv.unmatched-app-id");
        }
        c.grant = Some(self.grants.len());
        self.grants.push(Grant {
            user: c.user,
            app: c.app,
            epoch: c.epoch,
            deadline: now + self.world.refresh_ttl,
            dead: false,
            refresh: String::new(),
        });
        self.token_ok(self.grants.len() - 1)
    }

    fn refresh(&mut self, app: AppId, refresh_token: &str) -> Observation {
        let Some(ix) = self.grants.iter().position(|g| g.refresh == refresh_token) else {
            return Observation::refused("isv.refresh-token-invalid");
        };
        let g = &self.grants[ix];
        let epoch_now = self.pairs.get(&(g.user, g.app)).map_or(0, |p| p.epoch);
        if g.dead || g.epoch != epoch_now || g.app != app.0 {
            return Observation::refused("isv.refresh-token-invalid");
        }
        if self.now >= g.deadline {
            return Observation::refused("isv.refresh-token-time-out");
        }
        self.token_ok(ix)
    }

    fn advance_clock(&mut self, seconds: u64) -> Observation {
        self.now += seconds;
        Observation::new(Outcome::Ok)
    }

    fn revoke(&mut self, user: UserId, app: AppId) -> Observation {
        let p = self.pair(user, app);
        *p = Pair {
            epoch: p.epoch + 1,
            ..Pair::default()
        };
        Observation::new(Outcome::Ok)
    }
}

type SimpleMockTest = AuthFlowTest<SimpleMock>;
type SimulatorTest = AuthFlowTest<Simulator>;

prop_state_machine! {
    #![proptest_config(proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// Property: on every generated input sequence, the independent simple mock returns what the
    /// reference model predicts (outcome, popups, error, sub_code, grants, identities).
    #[test]
    fn simple_mock_agrees_with_the_reference_model(sequential 1..40 => SimpleMockTest);

    /// Property: on every generated input sequence, authsim's simulator returns what the
    /// reference model predicts.
    #[test]
    fn simulator_agrees_with_the_reference_model(sequential 1..40 => SimulatorTest);
}

/// The non-macro entry point passes too, for both implementations.
#[test]
fn check_passes_for_honest_implementations() {
    authsim::reference::check::<SimpleMock>(32, 30).expect("the simple mock is honest");
    authsim::reference::check::<Simulator>(32, 30).expect("the simulator is honest");
}
