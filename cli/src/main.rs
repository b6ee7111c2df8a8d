//! The `authsim` command. With no arguments it runs the embedded demo scenario.

use std::process::ExitCode;

use authsim_cli::{commands, explore, population};
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
    Demo(commands::DemoArgs),
    /// Run a scenario file and print its trace.
    Run(commands::RunArgs),
    /// Print the my.getAuthCode call machine's states and transitions.
    Diagram(commands::DiagramArgs),
    /// Drive the model interactively over JSON lines on standard input and output.
    Serve(commands::ServeArgs),
    /// Simulate a population of users going through realistic login journeys.
    Simulate(population::SimulateArgs),
    /// Visit every reachable state of a small world and check every invariant.
    Explore(explore::ExploreArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => commands::demo(commands::DemoArgs::default()),
        Some(Command::Demo(args)) => commands::demo(args),
        Some(Command::Run(args)) => commands::run(args),
        Some(Command::Diagram(args)) => commands::diagram(args),
        Some(Command::Serve(args)) => commands::serve(args),
        Some(Command::Simulate(args)) => population::simulate(args),
        Some(Command::Explore(args)) => explore::explore(args),
    }
}
