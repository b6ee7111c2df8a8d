//! Population simulation (`authsim simulate`). Placeholder until issue 5 lands.

use std::process::ExitCode;

/// Arguments of `authsim simulate`.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {}

/// `authsim simulate`.
pub fn simulate(_args: SimulateArgs) -> ExitCode {
    eprintln!("authsim: simulate is not built yet");
    ExitCode::from(2)
}
