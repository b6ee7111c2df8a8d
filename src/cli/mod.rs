//! The command line's subcommands (`demo`, `run`, `diagram`, `serve`): thin layers over
//! [`crate::scenario`]. Placeholder until the scenario layer lands (issue 3).

use std::process::ExitCode;

/// Arguments of `authsim demo`.
#[derive(clap::Args, Debug, Default)]
pub struct DemoArgs {}

/// Arguments of `authsim run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {}

/// Arguments of `authsim diagram`.
#[derive(clap::Args, Debug)]
pub struct DiagramArgs {}

/// Arguments of `authsim serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {}

fn not_yet(what: &str) -> ExitCode {
    eprintln!("authsim: {what} is not built yet");
    ExitCode::from(2)
}

/// `authsim demo`.
pub fn demo(_args: DemoArgs) -> ExitCode {
    not_yet("demo")
}

/// `authsim run`.
pub fn run(_args: RunArgs) -> ExitCode {
    not_yet("run")
}

/// `authsim diagram`.
pub fn diagram(_args: DiagramArgs) -> ExitCode {
    not_yet("diagram")
}

/// `authsim serve`.
pub fn serve(_args: ServeArgs) -> ExitCode {
    not_yet("serve")
}
