//! Runs `N` flows of one kind for `scripts/instructions`, which counts their instructions with
//! callgrind: `cargo run --release --example flow_instructions -- silent|prompted N`.
//!
//! The world matches `benches/flows.rs` in shape (one app with `jsapi_basic`,
//! `member_basic_info`, `member_info`) but has 20,000 users, as callgrind is slow; instruction
//! counts do not depend on the world's size, only cache misses do.

use std::hint::black_box;

use authsim::payload::Payload;
use authsim::prelude::*;

const USERS: u32 = 20_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "silent".into());
    let n: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .expect("usage: flow_instructions silent|prompted N");
    assert!(n <= USERS, "at most {USERS} flows");
    let mut sim = Simulator::new(Config::default(), 42).expect("valid config");
    let app = sim
        .add_app(AppSpec::new("shop").packages([
            Package::JsapiBasic,
            Package::MemberBasicInfo,
            Package::MemberInfo,
        ]))
        .expect("new app");
    for u in 0..USERS {
        sim.add_user(UserSpec::new(format!("user{u}")).nick_name(format!("nick{u}")))
            .expect("new user");
    }
    let scope = match kind.as_str() {
        "silent" => Scope::AuthBase,
        "prompted" => Scope::AuthUser,
        other => panic!("unknown flow {other:?}"),
    };
    for u in 0..n {
        let step = sim
            .get_auth_code(AuthCodeRequest::new(UserId(u), app, scope))
            .expect("known user and app");
        let Payload::AuthCode(s) = &step.result else {
            panic!("the call succeeds: {step:?}")
        };
        let step = sim.redeem(app, s.auth_code).expect("known app");
        let Payload::OauthToken(t) = &step.result else {
            panic!("the exchange succeeds: {step:?}")
        };
        black_box(&t.alipay_system_oauth_token_response.user_id);
    }
}
