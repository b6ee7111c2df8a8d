//! Cost of a flow through the model, next to a hand-written floor measured in the same run.
//!
//! Group `flows` (one element = one flow):
//! - `floor`: the irreducible work by hand: draw a ChaCha8 code, store it in a map, redeem it
//!   once, look the user's `user_id` up.
//! - `floor_text`: the same, plus what the string API cannot avoid: the code rendered as text and
//!   parsed back, the `user_id` rendered as text.
//! - `silent`: `my.getAuthCode(auth_base)` → network ok → `alipay.system.oauth.token` → user_id.
//! - `prompted`: `auth_user` → popup → accept → exchange, for a user who has not consented yet,
//!   in a world of 100,000 users.
//! - `member`: silent login, then the `userInfo` button (one popup) and `my.getOpenUserInfo`.
//! - `refresh`: `alipay.system.oauth.token` with `grant_type=refresh_token`.
//! - `replay`: a code presented a second time, refused.
//!
//! Group `snapshot` (one element = one user): serde_json snapshot and restore of the 100,000-user
//! world. Group `step` (one element = one input): `Simulator::handle` over a mixed input stream.
//!
//! Every model bench starts from a fresh copy of the world at least every 50,000 flows (copy not
//! timed), so the world's history stays the size of the world's own.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::hint::black_box;
use std::time::{Duration, Instant};

use authsim::identity::{Entropy, IdentityKeys};
use authsim::ids::{AuthCode, RefreshToken};
use authsim::payload::Payload;
use authsim::prelude::*;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

const USERS: u32 = 100_000;
/// Users `0..FRESH` have never consented; users `FRESH..USERS` have logged in silently and
/// accepted `auth_user` and the `userInfo` button.
const FRESH: u32 = 50_000;

/// The 100,000-user world every flow bench starts from.
struct World {
    sim: Simulator,
    app: AppId,
    /// The refresh token of each consented user's grant.
    refresh: Vec<RefreshToken>,
    /// A code of each consented user, already redeemed.
    redeemed: Vec<AuthCode>,
}

fn accept(sim: &mut Simulator, user: UserId, app: AppId, scope: Scope) -> (AuthCode, Step) {
    let step = sim
        .get_auth_code(AuthCodeRequest::new(user, app, scope))
        .expect("known user and app");
    let Payload::AuthCode(s) = step.result else {
        panic!("the call succeeds: {step:?}")
    };
    let redeemed = sim.redeem(app, s.auth_code).expect("known app");
    (s.auth_code, redeemed)
}

fn world() -> World {
    let mut sim = Simulator::new(Config::default(), 42).expect("valid config");
    let app = sim
        .add_app(AppSpec::new("shop").packages([
            Package::JsapiBasic,
            Package::MemberBasicInfo,
            Package::MemberInfo,
        ]))
        .expect("new app");
    for u in 0..USERS {
        sim.add_user(
            UserSpec::new(format!("user{u}"))
                .nick_name(format!("nick{u}"))
                .avatar("https://tfs.alipayobjects.com/images/partner/T1k0xiXXXXXXXXXXXX"),
        )
        .expect("new user");
    }
    let mut refresh = Vec::new();
    let mut redeemed = Vec::new();
    for u in FRESH..USERS {
        let user = UserId(u);
        let (code, step) = accept(&mut sim, user, app, Scope::AuthUser);
        let Payload::OauthToken(t) = step.result else {
            panic!("the exchange succeeds: {step:?}")
        };
        refresh.push(t.alipay_system_oauth_token_response.refresh_token);
        redeemed.push(code);
        sim.authorize(user, app, "userInfo", Decision::Accept, Network::Ok)
            .expect("known user and app");
    }
    World {
        sim,
        app,
        refresh,
        redeemed,
    }
}

/// Times `flow(sim, i)` for `i` in `0..iters`, on a fresh copy of `world` every `chunk` flows.
fn chunked<T: Clone>(
    world: &T,
    chunk: u64,
    iters: u64,
    mut flow: impl FnMut(&mut T, u32),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = (iters - done).min(chunk);
        let mut w = world.clone();
        let start = Instant::now();
        for i in 0..n {
            flow(&mut w, i as u32);
        }
        total += start.elapsed();
        drop(w);
        done += n;
    }
    total
}

/// A hasher for keys that are already uniformly random (codes): fold the bits, no mixing.
#[derive(Default)]
struct Fold(u64);

impl Hasher for Fold {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 ^= (v as u64) ^ ((v >> 64) as u64);
    }
}

#[derive(Clone)]
struct FloorCode {
    user: u32,
    app: u32,
    expires: u64,
    burned: bool,
}

#[derive(Clone)]
struct Floor {
    rng: ChaCha8Rng,
    codes: HashMap<u128, FloorCode, BuildHasherDefault<Fold>>,
    user_ids: Vec<u64>,
}

impl Floor {
    fn new() -> Floor {
        let keys = IdentityKeys::draw(&mut Entropy::new(42));
        Floor {
            rng: ChaCha8Rng::seed_from_u64(42),
            codes: HashMap::default(),
            user_ids: (0..USERS).map(|u| keys.user_id(u)).collect(),
        }
    }

    fn draw(&mut self, user: u32) -> u128 {
        loop {
            let code = (u128::from(self.rng.next_u64()) << 64) | u128::from(self.rng.next_u64());
            if let std::collections::hash_map::Entry::Vacant(e) = self.codes.entry(code) {
                e.insert(FloorCode {
                    user,
                    app: 0,
                    expires: 180,
                    burned: false,
                });
                return code;
            }
        }
    }

    fn redeem(&mut self, code: u128, app: u32, now: u64) -> Option<u64> {
        let rec = self.codes.get_mut(&code)?;
        if rec.burned || now >= rec.expires || rec.app != app {
            rec.burned = true;
            return None;
        }
        rec.burned = true;
        Some(self.user_ids[rec.user as usize])
    }
}

fn flows(c: &mut Criterion) {
    let w = world();
    let mut g = c.benchmark_group("flows");
    g.throughput(Throughput::Elements(1));
    bench_floor(&mut g);
    let (app, base, user_scope) = (
        w.app,
        ScopesArg::from(Scope::AuthBase),
        ScopesArg::from(Scope::AuthUser),
    );
    g.bench_function("silent", |b| {
        b.iter_custom(|iters| {
            chunked(&w.sim, u64::from(USERS), iters, |sim, i| {
                let req = AuthCodeRequest::new(UserId(i), app, base.clone());
                let step = sim.get_auth_code(req).expect("known user and app");
                let Payload::AuthCode(s) = &step.result else {
                    panic!("silent calls succeed")
                };
                let step = sim.redeem(app, s.auth_code).expect("known app");
                let Payload::OauthToken(t) = &step.result else {
                    panic!("fresh codes redeem")
                };
                black_box(&t.alipay_system_oauth_token_response.user_id);
            })
        })
    });
    g.bench_function("prompted", |b| {
        b.iter_custom(|iters| {
            chunked(&w.sim, u64::from(FRESH), iters, |sim, i| {
                let req = AuthCodeRequest::new(UserId(i), app, user_scope.clone())
                    .decision(Decision::Accept);
                let step = sim.get_auth_code(req).expect("known user and app");
                debug_assert_eq!(step.popups, 1);
                let Payload::AuthCode(s) = &step.result else {
                    panic!("accepted calls succeed")
                };
                let step = sim.redeem(app, s.auth_code).expect("known app");
                let Payload::OauthToken(t) = &step.result else {
                    panic!("fresh codes redeem")
                };
                black_box(&t.alipay_system_oauth_token_response.user_id);
            })
        })
    });
    g.bench_function("member", |b| {
        b.iter_custom(|iters| {
            chunked(&w.sim, u64::from(FRESH), iters, |sim, i| {
                let user = UserId(i);
                let req = AuthCodeRequest::new(user, app, base.clone());
                let step = sim.get_auth_code(req).expect("known user and app");
                let Payload::AuthCode(s) = &step.result else {
                    panic!("silent calls succeed")
                };
                let step = sim.redeem(app, s.auth_code).expect("known app");
                black_box(&step);
                let step = sim
                    .authorize(user, app, "userInfo", Decision::Accept, Network::Ok)
                    .expect("known user and app");
                debug_assert_eq!(step.popups, 1);
                let info = sim.get_open_user_info(user, app).expect("known user");
                black_box(&info);
            })
        })
    });
    g.bench_function("refresh", |b| {
        b.iter_custom(|iters| {
            let state = (w.sim.clone(), w.refresh.clone());
            chunked(&state, w.refresh.len() as u64, iters, |(sim, tokens), i| {
                let token = tokens[i as usize];
                let step = sim.refresh_grant(app, token).expect("known app");
                let Payload::OauthToken(t) = step.result else {
                    panic!("a live refresh token refreshes")
                };
                tokens[i as usize] = t.alipay_system_oauth_token_response.refresh_token;
            })
        })
    });
    g.bench_function("replay", |b| {
        b.iter_custom(|iters| {
            chunked(&w.sim, w.redeemed.len() as u64, iters, |sim, i| {
                let step = sim.redeem(app, w.redeemed[i as usize]).expect("known app");
                debug_assert_eq!(step.outcome, Outcome::Error);
                black_box(&step);
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("snapshot");
    g.throughput(Throughput::Elements(u64::from(USERS)));
    g.sample_size(10);
    let bytes = serde_json::to_vec(&w.sim).expect("the world serializes");
    eprintln!("snapshot of {USERS} users: {} bytes of JSON", bytes.len());
    g.bench_function("serde_json_save", |b| {
        b.iter(|| serde_json::to_vec(black_box(&w.sim)).expect("the world serializes"))
    });
    g.bench_function("serde_json_restore", |b| {
        b.iter(|| {
            serde_json::from_slice::<Simulator>(black_box(&bytes)).expect("the world restores")
        })
    });
    g.finish();
}

fn bench_floor(g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let floor = Floor::new();
    g.bench_function("floor", |b| {
        b.iter_custom(|iters| {
            chunked(&floor, u64::from(USERS), iters, |f, i| {
                let code = f.draw(i);
                black_box(f.redeem(black_box(code), 0, 0).expect("fresh"));
            })
        })
    });
    g.bench_function("floor_text", |b| {
        b.iter_custom(|iters| {
            chunked(&floor, u64::from(USERS), iters, |f, i| {
                let code = f.draw(i);
                let text = authsim::identity::code_text(code);
                let code = authsim::identity::parse_code(black_box(&text)).expect("a code");
                let user_id = f.redeem(code, 0, 0).expect("fresh");
                black_box(authsim::identity::user_id_text(user_id));
            })
        })
    });
}

/// An input template of the mixed stream; codes and tokens are filled in as the run issues them.
#[derive(Clone, Copy)]
enum Op {
    Silent(u32),
    Prompted(u32, u8),
    Redeem,
    Replay,
    Refresh,
    Button(u32, u8),
    OpenUserInfo(u32),
    Setting(u32),
    Advance,
    Revoke(u32),
    NetworkFail(u32),
}

fn ops(n: usize, users: u32) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    (0..n)
        .map(|_| {
            let r = rng.next_u64();
            let user = ((r >> 32) % u64::from(users)) as u32;
            let d = (r >> 16) as u8 % 10;
            match r % 100 {
                0..=24 => Op::Silent(user),
                25..=34 => Op::Prompted(user, d),
                35..=59 => Op::Redeem,
                60..=61 => Op::Replay,
                62..=69 => Op::Refresh,
                70..=79 => Op::Button(user, d),
                80..=87 => Op::OpenUserInfo(user),
                88..=91 => Op::Setting(user),
                92..=95 => Op::Advance,
                96 => Op::Revoke(user),
                _ => Op::NetworkFail(user),
            }
        })
        .collect()
}

fn decision(d: u8) -> Decision {
    match d {
        0 => Decision::Deny,
        1 => Decision::Dismiss,
        _ => Decision::Accept,
    }
}

#[derive(Clone)]
struct Stream {
    sim: Simulator,
    code: String,
    old_code: String,
    refresh: String,
}

impl Stream {
    fn input(&self, op: Op, app: AppId) -> Input {
        match op {
            Op::Silent(u) => Input::GetAuthCode(AuthCodeRequest::new(UserId(u), app, "auth_base")),
            Op::Prompted(u, d) => Input::GetAuthCode(
                AuthCodeRequest::new(UserId(u), app, "auth_user").decision(decision(d)),
            ),
            Op::NetworkFail(u) => Input::GetAuthCode(
                AuthCodeRequest::new(UserId(u), app, "auth_base").network(Network::Fail),
            ),
            Op::Redeem | Op::Replay => Input::OauthToken {
                app,
                grant_type: "authorization_code".into(),
                code: Some(if matches!(op, Op::Redeem) {
                    self.code.clone()
                } else {
                    self.old_code.clone()
                }),
                refresh_token: None,
            },
            Op::Refresh => Input::OauthToken {
                app,
                grant_type: "refresh_token".into(),
                code: None,
                refresh_token: Some(self.refresh.clone()),
            },
            Op::Button(u, d) => Input::Authorize {
                user: UserId(u),
                app,
                scope: "userInfo".into(),
                decision: decision(d),
                network: Network::Ok,
            },
            Op::OpenUserInfo(u) => Input::GetOpenUserInfo {
                user: UserId(u),
                app,
            },
            Op::Setting(u) => Input::GetSetting {
                user: UserId(u),
                app,
            },
            Op::Advance => Input::AdvanceClock { seconds: 30 },
            Op::Revoke(u) => Input::Revoke {
                user: UserId(u),
                app,
            },
        }
    }

    fn step(&mut self, op: Op, app: AppId) {
        let input = self.input(op, app);
        let step = self.sim.handle(input).expect("a valid input");
        match step.result {
            Payload::AuthCode(s) => {
                self.old_code = std::mem::replace(&mut self.code, s.auth_code.to_string());
            }
            Payload::OauthToken(t) => {
                self.refresh = t
                    .alipay_system_oauth_token_response
                    .refresh_token
                    .to_string()
            }
            _ => {}
        }
    }
}

fn step(c: &mut Criterion) {
    let w = world();
    let ops = ops(1 << 16, USERS);
    let start = Stream {
        sim: w.sim,
        code: String::new(),
        old_code: String::new(),
        refresh: w.refresh[0].to_string(),
    };
    let app = w.app;
    let mut g = c.benchmark_group("step");
    g.throughput(Throughput::Elements(1));
    g.bench_function("mixed", |b| {
        b.iter_custom(|iters| {
            chunked(&start, ops.len() as u64, iters, |s, i| {
                s.step(ops[i as usize], app)
            })
        })
    });
    g.finish();
}

criterion_group!(benches, flows, step);
criterion_main!(benches);
