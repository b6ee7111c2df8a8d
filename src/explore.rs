//! The exhaustive explorer (`authsim explore`). Work in progress (issue 4).

use std::process::ExitCode;

use crate::config::Config;
use crate::sim::Simulator;
use crate::world::{AppId, AppSpec, Package, UserId, UserSpec};

/// The largest number of users or apps a [`SmallWorld`] may have.
pub const MAX_WORLD: u32 = 3;

/// A small, fixed world for exhaustive exploration and for the reference model: `users` users
/// named `u0`, `u1`, … and `apps` apps named `a0`, `a1`, …, every app with the JSAPI base and
/// member-basic-info packages; app `a0` is an enterprise mini program that also has the
/// phone-number package (so both outcomes of a `phoneNumber` button exist when `apps >= 2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SmallWorld {
    /// Number of users, 1 to [`MAX_WORLD`].
    pub users: u32,
    /// Number of apps, 1 to [`MAX_WORLD`].
    pub apps: u32,
    /// Auth-code lifetime in seconds (the simulator's `codeTtlSeconds`).
    pub code_ttl: u64,
    /// Access-token lifetime in seconds.
    pub access_ttl: u64,
    /// Refresh deadline in seconds from the code exchange.
    pub refresh_ttl: u64,
}

impl Default for SmallWorld {
    fn default() -> Self {
        SmallWorld::new(2, 2)
    }
}

impl SmallWorld {
    /// `users` × `apps` with the default lifetimes (clamped to 1..=[`MAX_WORLD`]).
    pub fn new(users: u32, apps: u32) -> Self {
        let c = Config::default();
        SmallWorld {
            users: users.clamp(1, MAX_WORLD),
            apps: apps.clamp(1, MAX_WORLD),
            code_ttl: c.code_ttl_seconds,
            access_ttl: c.access_token_ttl_seconds,
            refresh_ttl: c.refresh_token_ttl_seconds,
        }
    }

    /// Whether `app` is the enterprise mini program (only `a0`).
    pub fn is_enterprise(&self, app: AppId) -> bool {
        app.0 == 0
    }

    /// The simulator configuration of this world.
    pub fn config(&self) -> Config {
        Config {
            code_ttl_seconds: self.code_ttl,
            access_token_ttl_seconds: self.access_ttl,
            refresh_token_ttl_seconds: self.refresh_ttl,
            ..Config::default()
        }
    }

    /// The declaration of app `i`.
    pub fn app_spec(&self, i: u32) -> AppSpec {
        let spec =
            AppSpec::new(format!("a{i}")).packages([Package::JsapiBasic, Package::MemberBasicInfo]);
        if self.is_enterprise(AppId(i)) {
            spec.packages([Package::PhoneNumber]).enterprise()
        } else {
            spec
        }
    }

    /// The declaration of user `i`.
    pub fn user_spec(&self, i: u32) -> UserSpec {
        UserSpec::new(format!("u{i}"))
            .nick_name(format!("user {i}"))
            .mobile(format!("1380000000{i}"))
    }

    /// A simulator holding this world, its randomness drawn from `seed`.
    pub fn simulator(&self, seed: u64) -> Simulator {
        let mut sim = Simulator::new(self.config(), seed).expect("the default lifetimes are valid");
        for i in 0..self.apps {
            sim.add_app(self.app_spec(i))
                .expect("app names are distinct");
        }
        for i in 0..self.users {
            sim.add_user(self.user_spec(i))
                .expect("user names are distinct");
        }
        sim
    }

    /// Every user of the world.
    pub fn user_ids(&self) -> impl Iterator<Item = UserId> + use<> {
        (0..self.users).map(UserId)
    }

    /// Every app of the world.
    pub fn app_ids(&self) -> impl Iterator<Item = AppId> + use<> {
        (0..self.apps).map(AppId)
    }
}

/// Arguments of `authsim explore`.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {}

/// `authsim explore`.
pub fn explore(_args: ExploreArgs) -> ExitCode {
    eprintln!("authsim: explore is not built yet");
    ExitCode::from(2)
}
