//! The exhaustive explorer: at a depth that finishes in seconds it reaches every consent path
//! and finds no violation; with a planted bug injected through its step function it reports the
//! violation with the shortest input sequence.

use authsim::explore::{ExploreConfig, Move, SmallWorld, explore_world};
use authsim::gateway::CodeState;
use authsim::identity::parse_code;
use authsim::ids::{AccessToken, RefreshToken};
use authsim::payload::{OauthTokenBody, OauthTokenSuccess, Payload};
use authsim::prelude::*;

/// Every outcome the issue requires the explorer to reach at its test depth.
const REQUIRED: [&str; 10] = [
    "call: success",
    "call: deny 11",
    "call: dismiss 3",
    "call: network 10",
    "call: lost response 10",
    "call: partial grant",
    "call: error 2",
    "redeem: replay refused",
    "redeem: expired refused",
    "redeem: foreign refused",
];

/// Property: exhaustively, over every input sequence of length <= 3 in a 2-user, 2-app world,
/// every invariant holds in every state, and every consent path is reached.
#[test]
fn explorer_covers_every_consent_path_and_finds_no_violation() {
    let depth = std::env::var("EXPLORE_DEPTH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let report = explore_world(&ExploreConfig::new(SmallWorld::new(2, 2), depth));
    eprintln!(
        "{} distinct states, depth {}",
        report.distinct_states, report.depth_reached
    );
    assert!(report.violation.is_none(), "{:?}", report.violation);
    for label in REQUIRED {
        let c = report
            .outcomes
            .get(label)
            .unwrap_or_else(|| panic!("outcome {label:?} never reached"));
        assert!(c.paths > 0);
    }
    for extra in [
        "redeem: ok",
        "redeem: forged refused",
        "button: success",
        "button: fail",
    ] {
        assert!(report.outcomes.contains_key(extra), "{extra} never reached");
    }
    // The shortest paths: a replay needs a call and two redemptions; a foreign refusal two
    // inputs; an expired refusal a call, a clock step of the TTL and a redemption.
    assert_eq!(report.outcomes["redeem: replay refused"].first_depth, 3);
    assert_eq!(report.outcomes["redeem: foreign refused"].first_depth, 2);
    assert_eq!(report.outcomes["redeem: expired refused"].first_depth, 3);
    assert_eq!(report.outcomes["call: partial grant"].first_depth, 1);
    assert_eq!(report.depth_reached, depth);
    assert!(report.distinct_states > 1000, "{}", report.distinct_states);
    assert!(report.states_visited > report.distinct_states);
    assert_eq!(
        report.states_per_depth.iter().sum::<u64>(),
        report.distinct_states
    );
}

/// Canonicalization: the projection does not depend on the random strings, so two seeds give
/// exactly the same counts.
#[test]
fn canonical_states_do_not_depend_on_the_seed() {
    let run = |seed| {
        let mut cfg = ExploreConfig::new(SmallWorld::new(1, 2), 2);
        cfg.seed = seed;
        explore_world(&cfg)
    };
    let (a, b) = (run(1), run(99));
    assert_eq!(a.distinct_states, b.distinct_states);
    assert_eq!(a.states_visited, b.states_visited);
    assert_eq!(a.outcomes, b.outcomes);
}

/// A 1 x 1 world at depth 4: no violation, and the paths that need four inputs are reached
/// (a refresh after the refresh deadline: call, redeem, clock step, refresh).
#[test]
fn one_by_one_world_at_depth_four_reaches_refresh_time_out() {
    let report = explore_world(&ExploreConfig::new(SmallWorld::new(1, 1), 4));
    assert!(report.violation.is_none(), "{:?}", report.violation);
    assert_eq!(report.outcomes["refresh: timed out"].first_depth, 4);
    assert!(report.outcomes.contains_key("refresh: ok"));
    assert!(report.outcomes.contains_key("redeem: revoked refused"));
    assert!(!report.outcomes.contains_key("redeem: foreign refused"));
}

/// The planted bug: a replayed code that had been redeemed successfully is answered with a fresh
/// token response for the same grant instead of `isv.code-invalid`.
fn double_spend(sim: &mut Simulator, input: Input) -> Result<Step, InputError> {
    if let Input::OauthToken {
        app,
        grant_type,
        code: Some(code),
        ..
    } = &input
        && grant_type == "authorization_code"
        && let Some(rec) = parse_code(code).and_then(|k| sim.gateway().code(k))
        && let CodeState::Burned(Some(_)) = rec.state
    {
        let user = rec.user;
        let body = OauthTokenBody {
            user_id: sim.alipay_user_id(user).expect("user"),
            open_id: sim.open_id_value(user, *app).expect("pair"),
            access_token: AccessToken::new(0xf0, true),
            expires_in: 1,
            refresh_token: RefreshToken::new(0xf0, true),
            re_expires_in: 1,
            auth_start: "2026-01-01 00:00:00".parse().expect("Beijing time"),
        };
        let mut step = sim.advance(0);
        step.result = Payload::OauthToken(OauthTokenSuccess {
            alipay_system_oauth_token_response: body,
            sign: "x".into(),
        });
        return Ok(step);
    }
    sim.handle(input)
}

/// The explorer reports the planted double redemption with the shortest path: a call, a
/// redemption, the same redemption again; and the path is a scenario `authsim run` accepts.
#[test]
fn explorer_reports_planted_double_redemption_with_shortest_path() {
    let mut cfg = ExploreConfig::new(SmallWorld::new(2, 2), 4);
    cfg.step = double_spend;
    let report = explore_world(&cfg);
    let v = report.violation.expect("the planted bug must be found");
    assert!(v.message.contains("a second time"), "{}", v.message);
    assert_eq!(v.moves.len(), 3, "not the shortest path: {:?}", v.moves);
    assert!(matches!(v.moves[0], Move::Call { .. }));
    let (Move::Redeem { app: a1, code: c1 }, Move::Redeem { app: a2, code: c2 }) =
        (v.moves[1], v.moves[2])
    else {
        panic!("expected two redemptions: {:?}", v.moves);
    };
    assert_eq!((a1, c1), (a2, c2));
    assert_eq!(v.inputs.len(), 3);
    // The same sequence as a scenario: it parses and, on the honest simulator, refuses the replay.
    let text = serde_json::to_string(&v.scenario).unwrap();
    let scenario = authsim::scenario::parse(&text).expect("the reported scenario parses");
    let trace = authsim::scenario::run(&scenario).expect("the reported scenario runs");
    let json = serde_json::to_value(&trace).unwrap();
    let last = &json["steps"][2];
    assert_eq!(last["outcome"], "error", "{last}");
    assert_eq!(
        last["result"]["error_response"]["sub_code"],
        "isv.code-invalid"
    );
}

/// A planted popup bug (every prompted call silent) is found at depth 1.
#[test]
fn explorer_reports_planted_silent_prompt_at_depth_one() {
    fn silent(sim: &mut Simulator, input: Input) -> Result<Step, InputError> {
        let mut step = sim.handle(input)?;
        step.popups = 0;
        Ok(step)
    }
    let mut cfg = ExploreConfig::new(SmallWorld::new(1, 1), 3);
    cfg.step = silent;
    let v = explore_world(&cfg).violation.expect("found");
    assert_eq!(v.moves.len(), 1, "{:?}", v.moves);
    assert!(v.message.contains("popups"), "{}", v.message);
}
