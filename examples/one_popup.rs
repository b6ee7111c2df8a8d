//! The one-popup way to get user_id + profile: silent auth_base, then the userInfo button.
use authsim::prelude::*;

fn main() -> Result<(), InputError> {
    let mut sim = Simulator::new(Config::default(), 7)?;
    let shop = sim
        .add_app(AppSpec::new("shop").packages([Package::JsapiBasic, Package::MemberBasicInfo]))?;
    let alice = sim.add_user(UserSpec::new("alice").nick_name("Alice"))?;
    let login = sim.get_auth_code(AuthCodeRequest::new(alice, shop, Scope::AuthBase))?; // silent
    let Payload::AuthCode(ok) = &login.result else {
        panic!("{:?}", login.result)
    };
    let token = sim.redeem(shop, &ok.auth_code)?; // server side: user_id
    let tap = sim.authorize(alice, shop, "userInfo", Decision::Accept, Network::Ok)?; // one popup
    let info = sim.get_open_user_info(alice, shop)?;
    println!(
        "{}\n{}\n{}",
        serde_json::to_string(&token.result).unwrap(),
        serde_json::to_string(&info.result).unwrap(),
        login.popups + tap.popups
    );
    println!(
        "{}",
        serde_json::to_string(&sim.get_auth_code(AuthCodeRequest::new(
            alice,
            shop,
            Scope::AuthUser
        ))?)
        .unwrap()
    );
    println!("{:?}", sim.redeem(shop, &ok.auth_code)?.result);
    Ok(())
}
