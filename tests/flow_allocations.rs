//! A silent or prompted flow allocates nothing on the heap (issue 10): `my.getAuthCode`, its
//! `Step` (callbacks, findings, `authSuccessScopes`, `authErrorScopes`), the code exchange and
//! its `Step` (`sign`, the typed ids and tokens) are all inline or borrowed.
//!
//! The request is built before counting starts: its `scopes` argument is the raw JSON a mini
//! program passes ([`ScopesArg`] keeps it to refuse a non-string with error 2), so building one
//! from a `Scope` allocates its `String`; that is the caller's, not the flow's.
//!
//! Counted with a global allocator that counts each thread's allocations, so the tests of this
//! file can run in parallel. The only allocations left in a flow are the model's containers
//! growing (codes, tokens, grants, consent, popup history: each doubles its capacity, so over
//! `FLOWS` flows after `WARM_UP` they grow a handful of times, never once per flow).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use authsim::payload::Payload;
use authsim::prelude::*;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the thread's counter may already be gone while the thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded to the system allocator unchanged; counting has no effect on it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

const USERS: u32 = 3_000;
const WARM_UP: u32 = 100;
const FLOWS: u32 = 2_000;
/// Five containers grow on a flow (codes, tokens, grants, consent, popup history), each by
/// doubling: from `WARM_UP` to `WARM_UP + FLOWS` entries that is at most five times each.
const GROWTHS: usize = 25;

fn world() -> (Simulator, AppId) {
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
    (sim, app)
}

fn request(app: AppId, user: u32, scope: Scope) -> AuthCodeRequest {
    AuthCodeRequest::new(UserId(user), app, scope).decision(Decision::Accept)
}

/// One flow: `my.getAuthCode` (accepting any popup), then the code exchange.
fn flow(sim: &mut Simulator, app: AppId, req: AuthCodeRequest) -> Step {
    let step = sim.get_auth_code(req).expect("known user and app");
    let Payload::AuthCode(s) = &step.result else {
        panic!("the call succeeds: {step:?}")
    };
    let code = s.auth_code;
    drop(step);
    let step = sim.redeem(app, code).expect("known app");
    assert!(matches!(step.result, Payload::OauthToken(_)), "{step:?}");
    step
}

/// Per-flow allocation counts of `FLOWS` flows after `WARM_UP`.
fn per_flow(scope: Scope) -> Vec<u64> {
    let (mut sim, app) = world();
    for u in 0..WARM_UP {
        flow(&mut sim, app, request(app, u, scope));
    }
    (WARM_UP..WARM_UP + FLOWS)
        .map(|u| {
            let req = request(app, u, scope);
            let before = allocations();
            let step = flow(&mut sim, app, req);
            let n = allocations() - before;
            drop(step);
            n
        })
        .collect()
}

fn assert_allocation_free(scope: Scope) {
    let counts = per_flow(scope);
    let allocating: Vec<(usize, u64)> = counts
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, n)| *n > 0)
        .collect();
    let total: u64 = counts.iter().sum();
    eprintln!(
        "{scope}: {total} allocations in {FLOWS} flows; flows that allocated: {}",
        allocating.len()
    );
    assert!(
        allocating.len() <= GROWTHS,
        "{scope}: {} of {FLOWS} flows allocated ({total} allocations); the first: {:?}",
        allocating.len(),
        &allocating[..allocating.len().min(5)]
    );
}

/// A silent flow (`auth_base`, then the code exchange) allocates nothing on the heap, apart from
/// the model's own containers doubling now and then.
#[test]
fn silent_flow_allocates_nothing_but_container_growth() {
    assert_allocation_free(Scope::AuthBase);
}

/// A prompted flow (`auth_user`, popup accepted, then the code exchange) allocates nothing on
/// the heap either, apart from container growth.
#[test]
fn prompted_flow_allocates_nothing_but_container_growth() {
    assert_allocation_free(Scope::AuthUser);
}

/// The counter counts: a `String` built inside the counted region shows up (so a passing test
/// above is not a counter that never moves).
#[test]
fn the_counter_sees_an_allocation() {
    let before = allocations();
    let s = std::hint::black_box(String::from("auth_base"));
    assert!(allocations() > before, "{s}");
}
