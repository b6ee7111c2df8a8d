//! Fuzzes the scenario layer: any bytes as a scenario file, parsed and, if valid, run.
//! Neither may panic; a rejection is a `ScenarioError` with a message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match authsim::scenario::parse(text) {
        Err(e) => assert!(!e.to_string().is_empty(), "a parse error without a message"),
        Ok(scenario) => {
            if let Err(e) = authsim::scenario::run(&scenario) {
                assert!(!e.to_string().is_empty(), "a run error without a message");
            }
        }
    }
});
