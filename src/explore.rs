//! The exhaustive explorer (`authsim explore`). Placeholder until issue 4 lands.

use std::process::ExitCode;

/// Arguments of `authsim explore`.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {}

/// `authsim explore`.
pub fn explore(_args: ExploreArgs) -> ExitCode {
    eprintln!("authsim: explore is not built yet");
    ExitCode::from(2)
}
