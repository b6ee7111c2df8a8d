//! `authsim explore`: the command around the library's exhaustive explorer
//! ([`authsim::explore`]). The engine takes no clock; the wall-clock time is measured here.

use std::process::ExitCode;
use std::time::Instant as WallClock;

use authsim::explore::{ExploreConfig, Report, SmallWorld, explore_world};
use serde::Serialize;

use crate::output;

/// Arguments of `authsim explore`.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    /// Maximum number of inputs from the initial state.
    #[arg(long, default_value_t = 4)]
    pub depth: u32,
    /// Users in the world (1 to 3).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=3))]
    pub users: u32,
    /// Apps in the world (1 to 3).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=3))]
    pub apps: u32,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The report as `--json` prints it: the engine's report, then the wall-clock seconds.
#[derive(Serialize)]
struct Timed<'a> {
    #[serde(flatten)]
    report: &'a Report,
    seconds: f64,
}

/// `authsim explore`: exit 0 if every invariant holds in every state, 1 on a violation (3 if
/// the report could not be written).
pub fn explore(args: ExploreArgs) -> ExitCode {
    let cfg = ExploreConfig::new(SmallWorld::new(args.users, args.apps), args.depth);
    let started = WallClock::now();
    let report = explore_world(&cfg);
    let seconds = started.elapsed().as_secs_f64();
    let text = if args.json {
        let timed = Timed {
            report: &report,
            seconds,
        };
        match serde_json::to_string_pretty(&timed) {
            Ok(t) => t + "\n",
            Err(e) => {
                output::say(&format!(
                    "authsim explore: cannot serialize the report: {e}"
                ));
                return ExitCode::from(output::INTERNAL);
            }
        }
    } else {
        render(&report, seconds)
    };
    let verdict = if report.violation.is_some() {
        output::FAILED
    } else {
        output::OK
    };
    output::emit("explore", &text, verdict)
}

/// The report as text.
pub fn render(r: &Report, seconds: f64) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "authsim explore: {} users x {} apps, depth bound {}",
        r.users, r.apps, r.depth_bound
    );
    let _ = writeln!(s, "states visited:  {}", r.states_visited);
    let _ = writeln!(s, "distinct states: {}", r.distinct_states);
    let _ = writeln!(
        s,
        "depth reached:   {}{}",
        r.depth_reached,
        if r.exhausted {
            " (every reachable state found)"
        } else {
            ""
        }
    );
    let _ = writeln!(s, "new states per depth: {:?}", r.states_per_depth);
    let _ = writeln!(s, "time: {seconds:.2} s");
    let _ = writeln!(s, "paths per terminal outcome (first at depth):");
    for (label, c) in &r.outcomes {
        let _ = writeln!(s, "  {label:<26} {:>12}  ({})", c.paths, c.first_depth);
    }
    match &r.violation {
        None => {
            let _ = writeln!(s, "invariants: all hold in every state visited");
        }
        Some(v) => {
            let _ = writeln!(s, "VIOLATION: {}", authsim::text::escape(&v.message));
            let _ = writeln!(
                s,
                "shortest input sequence ({} inputs), as a scenario:",
                v.inputs.len()
            );
            let _ = writeln!(
                s,
                "{}",
                serde_json::to_string_pretty(&v.scenario).unwrap_or_default()
            );
        }
    }
    s
}
