//! The one-popup way to get user_id + profile (silent `auth_base`, then the userInfo button),
//! next to the careless two-popup way, with every payload printed as Alipay delivers it.
//!
//! `cargo run --example one_popup`

use authsim::prelude::*;

fn show(label: &str, step: &Step) {
    let result = serde_json::to_string(&step.result).expect("payloads serialize");
    println!(
        "{label:<28} popups={} {:?} {result}",
        step.popups, step.outcome
    );
    for f in &step.findings {
        println!("{:<28} finding {}: {}", "", f.id.as_str(), f.message);
    }
}

fn main() -> Result<(), InputError> {
    let mut sim = Simulator::new(Config::default(), 7)?;
    let shop = sim
        .add_app(AppSpec::new("shop").packages([Package::JsapiBasic, Package::MemberBasicInfo]))?;
    let alice = sim.add_user(UserSpec::new("alice").nick_name("Alice"))?;
    let bob = sim.add_user(UserSpec::new("bob").nick_name("Bob"))?;

    println!("== one popup: auth_base + userInfo button");
    let login = sim.get_auth_code(AuthCodeRequest::new(alice, shop, "auth_base"))?;
    show("my.getAuthCode auth_base", &login);
    if let Payload::AuthCode(ok) = &login.result {
        show(
            "alipay.system.oauth.token",
            &sim.redeem(shop, ok.auth_code)?,
        );
    }
    show(
        "button userInfo",
        &sim.authorize(alice, shop, "userInfo", Decision::Accept, Network::Ok)?,
    );
    show("my.getOpenUserInfo", &sim.get_open_user_info(alice, shop)?);

    println!("== two popups: auth_user + userInfo button");
    show(
        "my.getAuthCode auth_user",
        &sim.get_auth_code(AuthCodeRequest::new(bob, shop, "auth_user"))?,
    );
    show(
        "button userInfo",
        &sim.authorize(bob, shop, "userInfo", Decision::Accept, Network::Ok)?,
    );
    println!("total popups: {}", sim.totals().popups);
    Ok(())
}
