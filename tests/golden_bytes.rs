//! Byte-for-byte comparison against outputs recorded before codes, tokens, `user_id`, `open_id`
//! and `auth_start` became typed values (issue 10): the steps of a scripted mix of flows, every
//! step as JSON, and the simulator snapshot at the end. The CLI's own outputs are compared in
//! `cli/tests/golden.rs`. Regenerate only on a deliberate format change:
//! `AUTHSIM_BLESS=1 cargo test --test golden_bytes`.

use authsim::payload::Payload;
use authsim::prelude::*;

fn script() -> String {
    let mut out = String::new();
    let mut sim = Simulator::new(Config::default(), 2026).unwrap();
    let apps: Vec<AppId> = (0..2)
        .map(|a| {
            let mut spec = AppSpec::new(format!("app{a}"))
                .packages([Package::JsapiBasic, Package::MemberBasicInfo]);
            if a == 0 {
                spec = spec.packages([
                    Package::JsapiBasic,
                    Package::MemberBasicInfo,
                    Package::MemberInfo,
                ]);
            }
            sim.add_app(spec).unwrap()
        })
        .collect();
    let users: Vec<UserId> = (0..12)
        .map(|u| {
            let mut spec = UserSpec::new(format!("user{u}"));
            if u % 3 != 0 {
                spec = spec.nick_name(format!("Nick {u}"));
            }
            if u % 2 == 0 {
                spec = spec.avatar(format!("https://example.com/{u}.png"));
            }
            sim.add_user(spec).unwrap()
        })
        .collect();
    let mut push = |step: &Step| {
        out.push_str(&serde_json::to_string(step).unwrap());
        out.push('\n');
    };
    let mut codes = Vec::new();
    let mut access = Vec::new();
    let mut refresh = Vec::new();
    for round in 0..3u32 {
        for (i, &user) in users.iter().enumerate() {
            let app = apps[(i + round as usize) % 2];
            let scope = if (i + round as usize).is_multiple_of(3) {
                Scope::AuthUser
            } else {
                Scope::AuthBase
            };
            let decision = match (i + round as usize) % 5 {
                0 => Decision::Deny,
                1 => Decision::Dismiss,
                _ => Decision::Accept,
            };
            let network = match (i * 7 + round as usize) % 11 {
                0 => Network::Fail,
                1 => Network::LostResponse,
                _ => Network::Ok,
            };
            let step = sim
                .get_auth_code(
                    AuthCodeRequest::new(user, app, scope)
                        .decision(decision)
                        .network(network),
                )
                .unwrap();
            push(&step);
            if let Some(code) = step.issued_code {
                codes.push((app, code));
            }
            if let Payload::AuthCode(s) = &step.result {
                let step = sim.redeem(app, s.auth_code).unwrap();
                push(&step);
                if let Payload::OauthToken(t) = &step.result {
                    let body = &t.alipay_system_oauth_token_response;
                    access.push((app, body.access_token));
                    refresh.push((app, body.refresh_token));
                }
            }
            let step = sim
                .authorize(user, app, "userInfo", Decision::Accept, Network::Ok)
                .unwrap();
            push(&step);
            push(&sim.get_open_user_info(user, app).unwrap());
            push(&sim.get_setting(user, app).unwrap());
        }
        push(&sim.advance(97));
        // Replays, late codes, foreign apps, refreshes, user info, forgeries.
        for (k, (app, code)) in codes.iter().enumerate() {
            let to = if k % 4 == 0 {
                apps[1 - app.0 as usize]
            } else {
                *app
            };
            push(&sim.redeem(to, code).unwrap());
        }
        for (k, (app, token)) in access.iter().enumerate() {
            let to = if k % 5 == 0 {
                apps[1 - app.0 as usize]
            } else {
                *app
            };
            push(&sim.user_info_share(to, token).unwrap());
        }
        for (app, token) in refresh.iter().step_by(2) {
            let step = sim
                .oauth_token(*app, "refresh_token", None, Some(&token.to_string()))
                .unwrap();
            push(&step);
        }
        for forged in [
            "",
            "not a code",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcdef",
            "authusrB0123456789abcdef0123456789abcdef",
        ] {
            push(&sim.redeem(apps[0], forged).unwrap());
            push(&sim.user_info_share(apps[0], forged).unwrap());
            push(
                &sim.oauth_token(apps[0], "refresh_token", None, Some(forged))
                    .unwrap(),
            );
        }
        push(&sim.oauth_token(apps[1], "password", None, None).unwrap());
        push(&sim.revoke(users[round as usize], apps[0]).unwrap());
        push(&sim.advance(86_400 * 3));
    }
    for &user in &users {
        out.push_str(&format!(
            "{:?} {:?}\n",
            sim.user_id(user),
            sim.open_id(user, apps[1])
        ));
    }
    out.push_str(&serde_json::to_string(&sim).unwrap());
    out.push('\n');
    let restored: Simulator = serde_json::from_str(&serde_json::to_string(&sim).unwrap()).unwrap();
    out.push_str(&serde_json::to_string_pretty(&restored).unwrap());
    out.push('\n');
    out
}

#[test]
fn steps_and_snapshot_are_byte_identical_to_the_recorded_ones() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/library-script.txt"
    );
    let got = script();
    if std::env::var_os("AUTHSIM_BLESS").is_some() {
        std::fs::write(path, &got).unwrap();
    }
    let want = std::fs::read_to_string(path).unwrap();
    assert_eq!(got.len(), want.len(), "byte count differs");
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {}", i + 1);
    }
    assert!(got == want);
}
