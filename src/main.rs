//! The `authsim` command. With no arguments it runs the embedded demo scenario.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// authsim: the deterministic reference simulator of Alipay mini-program user authorization.
#[derive(Parser)]
#[command(name = "authsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the embedded demo scenario that walks every consent path (the default).
    Demo(authsim::cli::DemoArgs),
    /// Run a scenario file and print its trace.
    Run(authsim::cli::RunArgs),
    /// Print the my.getAuthCode call machine's states and transitions.
    Diagram(authsim::cli::DiagramArgs),
    /// Drive the model interactively over JSON lines on standard input and output.
    Serve(authsim::cli::ServeArgs),
    /// Simulate a population of users going through realistic login journeys.
    Simulate(authsim::population::SimulateArgs),
    /// Visit every reachable state of a small world and check every invariant.
    Explore(authsim::explore::ExploreArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => authsim::cli::demo(authsim::cli::DemoArgs::default()),
        Some(Command::Demo(args)) => authsim::cli::demo(args),
        Some(Command::Run(args)) => authsim::cli::run(args),
        Some(Command::Diagram(args)) => authsim::cli::diagram(args),
        Some(Command::Serve(args)) => authsim::cli::serve(args),
        Some(Command::Simulate(args)) => authsim::population::simulate(args),
        Some(Command::Explore(args)) => authsim::explore::explore(args),
    }
}
