//! The command line's subcommands (`demo`, `run`, `diagram`, `serve`): thin layers over
//! [`authsim::scenario`] and [`authsim::call`].
//!
//! Exit codes ([`crate::output`]): 0 the scenario ran and every expectation held; 1 an
//! expectation failed; 2 the scenario (or the command line) is invalid; 3 the output could not
//! be written. Errors are one line on standard error, with the file, `line:column` and step
//! where they are known; nothing is printed on standard output then.

use std::process::ExitCode;

use authsim::scenario::{self, Scenario, Trace};

use crate::output::{self, invalid};
use crate::{diagram, serve_stdio, table};

/// The embedded demo: every consent path, in one scenario (`scenarios/demo.json`).
pub const DEMO_SCENARIO: &str = include_str!("../../scenarios/demo.json");

/// Arguments of `authsim demo`.
#[derive(clap::Args, Debug, Default)]
pub struct DemoArgs {
    /// Print the trace as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `authsim run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The scenario file (JSON); `-` reads standard input.
    pub file: String,
    /// Print the trace as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// The simulated Alipay signing key for a world with keys (RSA PEM; default the published
    /// test key), as given to `serve --http`.
    #[arg(long, value_name = "FILE")]
    pub alipay_private_key: Option<std::path::PathBuf>,
}

/// Output formats of `authsim diagram`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DiagramFormat {
    /// A Mermaid `stateDiagram-v2`.
    #[default]
    Mermaid,
    /// A Graphviz digraph.
    Dot,
}

/// Arguments of `authsim diagram`.
#[derive(clap::Args, Debug)]
pub struct DiagramArgs {
    /// The output format.
    #[arg(long, value_enum, default_value_t = DiagramFormat::Mermaid)]
    pub format: DiagramFormat,
}

/// Arguments of `authsim serve`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("transport").required(true).args(["stdio", "http"])))]
pub struct ServeArgs {
    /// Read JSON lines on standard input, write one JSON line per input line on standard output:
    /// the first line a scenario header (everything but `steps`), then one step per line.
    #[arg(long)]
    pub stdio: bool,
    /// Serve the Alipay OpenAPI gateway and the /sim endpoints over HTTP on ADDR (e.g.
    /// 127.0.0.1:0); prints `listening on http://HOST:PORT`, serves until SIGINT or SIGTERM.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<std::net::SocketAddr>,
    /// With --http: the first world, a scenario header (default: the demo scenario's world).
    #[arg(long, value_name = "FILE", requires = "http")]
    pub world: Option<std::path::PathBuf>,
    /// With --http: write the recorded scenario (GET /sim/scenario) to FILE at shutdown.
    #[arg(long, value_name = "FILE", requires = "http")]
    pub record: Option<std::path::PathBuf>,
    /// With --http: the simulated Alipay signing key, RSA PEM (default: keys/alipay-test-private.pem).
    #[arg(long, value_name = "FILE", requires = "http")]
    pub alipay_private_key: Option<std::path::PathBuf>,
}

/// Runs a parsed scenario and prints it; the exit code says whether every expectation held.
///
/// A world whose apps carry `appId`, `publicKey` or `aesKey` prints its JSON trace in the wire
/// form ([`crate::wire`]): signed gateway answers, the phone number encrypted, exactly as
/// `authsim serve --http` gives them (SPEC R-HTTP-REPLAY).
fn play(
    subcommand: &str,
    scenario: &Scenario,
    source: &str,
    json: bool,
    alipay_key: Option<&str>,
) -> ExitCode {
    let trace = match scenario::run(scenario) {
        Ok(t) => t,
        Err(e) => return invalid(&e.with_source(source)),
    };
    let text = if json && crate::wire::Wire::wanted(&scenario.header) {
        let wire = match crate::wire::Wire::new(&scenario.header, alipay_key) {
            Ok(w) => w,
            Err(e) => return invalid(&e.with_source(source)),
        };
        let wired = wire.trace(
            trace.seed,
            scenario.steps.iter().zip(&trace.steps),
            &trace.summary,
        );
        match serde_json::to_string_pretty(&wired) {
            Ok(t) => t + "\n",
            Err(e) => return internal(subcommand, &e),
        }
    } else if json {
        match serde_json::to_string_pretty(&trace) {
            Ok(t) => t + "\n",
            Err(e) => return internal(subcommand, &e),
        }
    } else {
        table::render(scenario, &trace)
    };
    output::emit(subcommand, &text, verdict(&trace))
}

/// A trace that cannot be serialized is a bug, not bad input.
fn internal(subcommand: &str, e: &serde_json::Error) -> ExitCode {
    output::say(&format!(
        "authsim {subcommand}: cannot serialize the trace: {e}"
    ));
    ExitCode::from(output::INTERNAL)
}

fn verdict(trace: &Trace) -> u8 {
    if trace.summary.expectations_failed == 0 {
        output::OK
    } else {
        output::FAILED
    }
}

/// `authsim demo` (and `authsim` alone): the embedded scenario walking every consent path.
pub fn demo(args: DemoArgs) -> ExitCode {
    match scenario::parse(DEMO_SCENARIO) {
        Ok(s) => play("demo", &s, "demo.json", args.json, None),
        Err(e) => invalid(&e.with_source("demo.json")),
    }
}

/// `authsim run FILE [--json]`.
pub fn run(args: RunArgs) -> ExitCode {
    let text = match output::read_input(&args.file) {
        Ok(t) => t,
        Err(e) => return invalid(&e),
    };
    let source = if args.file == "-" {
        "<stdin>".to_owned()
    } else {
        output::shown_path(std::path::Path::new(&args.file))
    };
    let source = source.as_str();
    let alipay_key = match read_key(args.alipay_private_key.as_deref()) {
        Ok(k) => k,
        Err(e) => return invalid(&format!("authsim run: {e}")),
    };
    match scenario::parse(&text) {
        Ok(s) => play("run", &s, source, args.json, alipay_key.as_deref()),
        Err(e) => invalid(&e.with_source(source)),
    }
}

/// `authsim diagram [--format mermaid|dot]`: the call machine, explored from the code.
pub fn diagram(args: DiagramArgs) -> ExitCode {
    let text = match args.format {
        DiagramFormat::Mermaid => diagram::mermaid(),
        DiagramFormat::Dot => diagram::dot(),
    };
    output::emit("diagram", &text, output::OK)
}

/// `authsim serve --stdio`: the JSON-lines driver.
pub fn serve(args: ServeArgs) -> ExitCode {
    if let Some(addr) = args.http {
        let alipay_key = match read_key(args.alipay_private_key.as_deref()) {
            Ok(k) => k,
            Err(e) => return invalid(&format!("authsim serve: {e}")),
        };
        return crate::http::serve(crate::http::HttpOptions {
            addr,
            world: args.world,
            record: args.record,
            alipay_key,
        });
    }
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    match serve_stdio::serve(stdin.lock(), std::io::BufWriter::new(stdout.lock())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(serve_stdio::ServeError::Read(e)) => {
            invalid(&format!("authsim serve: cannot read input: {e}"))
        }
        Err(serve_stdio::ServeError::Write(e)) => output::finish("serve", Err(e), output::OK),
    }
}

/// Reads `--alipay-private-key`, checking it is an RSA private key.
fn read_key(path: Option<&std::path::Path>) -> Result<Option<String>, String> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = output::read_input(&path.to_string_lossy())?;
    crate::wire::private_key(&text).map_err(|e| format!("{}: {e}", output::shown_path(path)))?;
    Ok(Some(text))
}
