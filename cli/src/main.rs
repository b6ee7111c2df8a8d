//! The `authsim` command. With no arguments it runs the embedded demo scenario.

use std::process::ExitCode;

use authsim_cli::{commands, conform, explore, output, population};
use clap::{Parser, Subcommand};

/// authsim: the deterministic reference simulator of Alipay mini-program user authorization.
#[derive(Parser)]
#[command(name = "authsim", version, about, long_about = None, after_help = output::EXIT_CODES)]
struct Cli {
    /// The largest scenario, --world, --mix or key file (or standard input) read, in MiB.
    #[arg(
        long,
        global = true,
        value_name = "MIB",
        default_value_t = output::DEFAULT_MAX_INPUT >> 20,
        value_parser = clap::value_parser!(u64).range(1..=65536)
    )]
    max_input_mib: u64,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the embedded demo scenario that walks every consent path (the default).
    #[command(after_help = output::EXIT_CODES)]
    Demo(commands::DemoArgs),
    /// Run a scenario file and print its trace.
    #[command(after_help = output::EXIT_CODES)]
    Run(commands::RunArgs),
    /// Print the my.getAuthCode call machine's states and transitions.
    #[command(after_help = output::EXIT_CODES)]
    Diagram(commands::DiagramArgs),
    /// Drive the model interactively over JSON lines on standard input and output.
    #[command(after_help = output::EXIT_CODES)]
    Serve(commands::ServeArgs),
    /// Simulate a population of users going through realistic login journeys.
    #[command(after_help = output::EXIT_CODES)]
    Simulate(population::SimulateArgs),
    /// Visit every reachable state of a small world and check every invariant.
    #[command(after_help = output::EXIT_CODES)]
    Explore(explore::ExploreArgs),
    /// Check another implementation of the line protocol against the embedded conformance suite.
    #[command(after_help = output::EXIT_CODES)]
    Conform(conform::ConformArgs),
}

fn main() -> ExitCode {
    output::install_panic_hook();
    // A panic is a bug in authsim: the hook has said so on one line; exit 4, never 101.
    std::panic::catch_unwind(run).unwrap_or(ExitCode::from(output::INTERNAL))
}

fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    output::set_max_input(cli.max_input_mib << 20);
    match cli.command {
        None => commands::demo(commands::DemoArgs::default()),
        Some(Command::Demo(args)) => commands::demo(args),
        Some(Command::Run(args)) => commands::run(args),
        Some(Command::Diagram(args)) => commands::diagram(args),
        Some(Command::Serve(args)) => commands::serve(args),
        Some(Command::Simulate(args)) => population::simulate(args),
        Some(Command::Explore(args)) => explore::explore(args),
        Some(Command::Conform(args)) => conform::conform(args),
    }
}

/// `--help` and `--version` (written to standard output, checked like any output) and command
/// line errors (standard error, exit 2).
fn clap_exit(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let text = e.render().to_string();
            let what = if e.kind() == ErrorKind::DisplayHelp {
                "--help"
            } else {
                "--version"
            };
            output::emit(what, &text, output::OK)
        }
        _ => {
            // clap quotes the argument as typed, inside a message of several lines (the error,
            // usage, a hint): an argument holding a newline or a control character would reach
            // the terminal raw or forge a line, so it is named here instead, escaped.
            let unsafe_arg = std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .find(|a| a.chars().any(authsim::text::is_unsafe));
            match unsafe_arg {
                Some(a) => output::say(&format!(
                    "authsim: invalid command line: argument {} holds control characters \
                     (see authsim --help)",
                    authsim::text::quote(&a)
                )),
                None => {
                    for line in e.render().to_string().trim_end().lines() {
                        output::say(line);
                    }
                }
            }
            ExitCode::from(output::INVALID)
        }
    }
}
