//! Fuzzes the simulator's input door: each line of the data is parsed as an `Input` and, if it
//! parses, handled by one simulator of a 2-user, 2-app world, so sequences reach deep states.
//! Nothing may panic; every refusal is an error with a message.
#![no_main]

use authsim::explore::SmallWorld;
use authsim::sim::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sim = SmallWorld::new(2, 2).simulator(0);
    for line in data.split(|b| *b == b'\n').take(64) {
        match serde_json::from_slice::<Input>(line) {
            Err(e) => assert!(!e.to_string().is_empty()),
            Ok(input) => {
                if let Err(e) = sim.handle(input) {
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
});
