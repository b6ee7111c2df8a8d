//! Nothing to export: this crate exists for its test, `tests/toy_backend.rs`, which checks a toy
//! implementation of the flow through authsim's exported reference harness, exactly as a
//! downstream crate would.
