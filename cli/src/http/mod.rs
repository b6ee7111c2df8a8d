//! `authsim serve --http ADDR`: an offline Alipay gateway that the official server SDKs talk to
//! unchanged, and the endpoints a test uses to play the mini program, the user and the clock.
//!
//! | endpoint | what |
//! |---|---|
//! | `POST /gateway.do` | the OpenAPI gateway ([`gateway`]): `alipay.system.oauth.token`, `alipay.user.info.share` |
//! | `POST /sim/steps` | one scenario step, exactly a `serve --stdio` step line; answers its trace step |
//! | `POST /sim/world` | a scenario header: a fresh world; answers `{"ready": …}` with each app's `appId` |
//! | `GET /sim/trace` | everything so far, as `authsim run --json` prints it |
//! | `GET /sim/scenario` | a scenario `authsim run` replays to the same trace |
//! | `GET /alipay-public-key` | the simulated Alipay public key, PEM |
//!
//! Requests are applied one at a time, in arrival order, under one lock (the model is
//! single-threaded by design); RSA signing, the slow part, happens outside it. Malformed HTTP
//! (wrong verb, not a form, a body over [`MAX_BODY`] bytes, invalid UTF-8) gets a 4xx with a
//! one-line reason and changes nothing. SPEC.md §9 has the rules.

pub mod gateway;
mod session;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use authsim::scenario::{self, Header};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};

use gateway::{Checked, Params};
use session::{Refused, Session};

/// The largest request body accepted (1 MiB), as for a `serve --stdio` line.
pub const MAX_BODY: usize = 1 << 20;

/// What `authsim serve --http` was asked for.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The first world (a scenario header); `None`: the demo scenario's world.
    pub world: Option<PathBuf>,
    /// Where to write the recorded scenario at shutdown.
    pub record: Option<PathBuf>,
    /// The Alipay signing key (PEM); `None`: the published test key.
    pub alipay_key: Option<String>,
}

struct Server {
    session: Mutex<Session>,
    alipay_key: Option<String>,
}

type Shared = Arc<Server>;

impl Server {
    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panic while holding the lock cannot leave a half-played step: `Runner::step` either
        // plays a step or changes nothing, so the session is usable after a poisoning.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The router, for a first world. Tests serve it on a loopback listener of their own.
pub fn router(header: Header, alipay_key: Option<String>) -> Result<Router, String> {
    let session = Session::new(header, alipay_key.as_deref()).map_err(|e| e.to_string())?;
    let shared = Arc::new(Server {
        session: Mutex::new(session),
        alipay_key,
    });
    Ok(routes(shared))
}

fn routes(shared: Shared) -> Router {
    Router::new()
        .route("/gateway.do", any(gateway_do))
        .route("/sim/steps", any(sim_steps))
        .route("/sim/world", any(sim_world))
        .route("/sim/trace", any(sim_trace))
        .route("/sim/scenario", any(sim_scenario))
        .route("/alipay-public-key", any(alipay_public_key))
        .fallback(|uri: Uri| async move {
            plain(
                StatusCode::NOT_FOUND,
                &format!("no such endpoint: {}", uri.path()),
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

/// `authsim serve --http`: serves until SIGINT or SIGTERM, then writes `--record`.
pub fn serve(opts: HttpOptions) -> ExitCode {
    let header = match load_world(opts.world.as_ref()) {
        Ok(h) => h,
        Err(e) => return fail(&e),
    };
    let session = match Session::new(header, opts.alipay_key.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            let source = opts
                .world
                .as_ref()
                .map_or("the demo world".into(), |p| crate::output::shown_path(p));
            return fail(&format!("authsim serve: {}", e.with_source(&source)));
        }
    };
    let shared = Arc::new(Server {
        session: Mutex::new(session),
        alipay_key: opts.alipay_key.clone(),
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("authsim serve: cannot start: {e}")),
    };
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .map_err(|e| {
                Stop::Invalid(format!(
                    "authsim serve: cannot listen on {}: {e}",
                    opts.addr
                ))
            })?;
        let local = listener
            .local_addr()
            .map_err(|e| Stop::Invalid(format!("authsim serve: {e}")))?;
        if !local.ip().is_loopback() {
            crate::output::say(&format!(
                "authsim serve: warning: listening on {local}, which is not a loopback address: \
                 anyone who can reach it can drive this test double"
            ));
        }
        let stop = shutdown();
        // The line a harness reads to learn the port; if it cannot be written nobody can use
        // the server, so it ends (quietly for a closed pipe, status 3 otherwise).
        crate::output::to_stdout(|w| {
            writeln!(w, "authsim serve --http: listening on http://{local}")
        })
        .map_err(Stop::Output)?;
        axum::serve(listener, routes(Arc::clone(&shared)))
            .with_graceful_shutdown(stop)
            .await
            .map_err(|e| Stop::Serving(format!("authsim serve: {e}")))
    });
    match served {
        Ok(()) => {}
        Err(Stop::Invalid(e)) => return fail(&e),
        Err(Stop::Output(e)) => return crate::output::finish("serve", Err(e), crate::output::OK),
        Err(Stop::Serving(e)) => {
            crate::output::say(&e);
            return ExitCode::from(crate::output::IO);
        }
    }
    if let Some(path) = &opts.record {
        let text = shared.session().scenario_text();
        let written = std::fs::File::create(path).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        });
        if let Err(e) = written {
            crate::output::say(&format!(
                "authsim serve: cannot write {}: {e}",
                crate::output::shown_path(path)
            ));
            return ExitCode::from(crate::output::IO);
        }
    }
    ExitCode::SUCCESS
}

/// Why the server stopped early.
enum Stop {
    /// It could not start with what it was given (exit 2).
    Invalid(String),
    /// Its output could not be written (exit 3; quiet for a closed pipe).
    Output(std::io::Error),
    /// Serving failed after it started (an I/O failure: exit 3).
    Serving(String),
}

fn fail(message: &str) -> ExitCode {
    crate::output::invalid(message)
}

fn load_world(path: Option<&PathBuf>) -> Result<Header, String> {
    let Some(path) = path else {
        let demo = scenario::parse(crate::commands::DEMO_SCENARIO)
            .map_err(|e| e.with_source("demo.json"))?;
        return Ok(demo.header);
    };
    let text = crate::output::read_input(&path.to_string_lossy())
        .map_err(|e| format!("authsim serve: {e}"))?;
    scenario::parse_header(&text).map_err(|e| {
        format!(
            "authsim serve: {}",
            e.with_source(&crate::output::shown_path(path))
        )
    })
}

/// SIGINT or SIGTERM. The handlers are installed when this is called, not when the future is
/// first polled: a harness may signal as soon as it has read the URL line, and a signal before
/// the handlers would end the process without `--record` (SPEC R-HTTP-LISTEN, R-HTTP-RECORD).
fn shutdown() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (mut interrupt, mut terminate) = streams;
            let interrupt = async {
                match interrupt.as_mut() {
                    Some(s) => {
                        let _ = s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let terminate = async {
                match terminate.as_mut() {
                    Some(s) => {
                        let _ = s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = interrupt => {},
                () = terminate => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn plain(status: StatusCode, reason: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{reason}\n"),
    )
        .into_response()
}

fn json_text(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        text,
    )
        .into_response()
}

fn wrong_verb(allowed: &'static str) -> Response {
    let mut r = plain(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("this endpoint takes {allowed} only"),
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    r
}

fn error_json(status: StatusCode, message: &str) -> Response {
    json_text(status, json!({ "error": message }).to_string())
}

/// `key=value&…` read strictly: every byte sequence must percent-decode to UTF-8.
fn form_pairs(raw: &[u8], what: &str) -> Result<Params, String> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    if percent_encoding::percent_decode(&plus_as_space)
        .decode_utf8()
        .is_err()
    {
        return Err(format!("the {what} is not UTF-8 once percent-decoded"));
    }
    Ok(form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

fn params(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<Params, (StatusCode, String)> {
    let mut all = form_pairs(uri.query().unwrap_or("").as_bytes(), "query string")
        .map_err(|e| (StatusCode::BAD_REQUEST, e))?;
    if !body.is_empty() {
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        if !form {
            return Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the body must be an application/x-www-form-urlencoded form".into(),
            ));
        }
        all.extend(form_pairs(body, "form body").map_err(|e| (StatusCode::BAD_REQUEST, e))?);
    }
    for (i, (k, _)) in all.iter().enumerate() {
        if all[..i].iter().any(|(j, _)| j == k) {
            return Err((
                StatusCode::BAD_REQUEST,
                format!("parameter {} is given twice", authsim::text::quote(k)),
            ));
        }
    }
    Ok(all)
}

async fn gateway_do(
    State(server): State<Shared>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return wrong_verb("POST");
    }
    let params = match params(&uri, &headers, &body) {
        Ok(p) => p,
        Err((status, reason)) => return plain(status, &reason),
    };
    // Checked and played under the lock; signed outside it.
    let (wire, outcome) = {
        let mut session = server.session();
        let wire = session.wire();
        let checked = gateway::check(&params, &wire);
        let outcome = match checked {
            Checked::Refused(row) => Err(row),
            Checked::Step(step) => Ok(session.play_value(step)),
        };
        (wire, outcome)
    };
    match outcome {
        Err(row) => {
            let inner = gateway::error_body(row).to_string();
            let body = format!(
                "{{\"error_response\":{inner},\"sign\":{}}}",
                Value::from(wire.sign(&inner))
            );
            json_text(StatusCode::OK, body)
        }
        Ok(Ok(played)) => json_text(
            StatusCode::OK,
            wire.dress(&played.spec, &played.step.result).body(),
        ),
        // The gateway builds only steps the reader accepts; say so plainly if one is not.
        Ok(Err(Refused(e))) => plain(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

fn utf8(body: &Bytes) -> Result<&str, Box<Response>> {
    std::str::from_utf8(body).map_err(|_| {
        Box::new(error_json(
            StatusCode::BAD_REQUEST,
            "the body is not UTF-8 text",
        ))
    })
}

async fn sim_steps(State(server): State<Shared>, method: Method, body: Bytes) -> Response {
    if method != Method::POST {
        return wrong_verb("POST");
    }
    let text = match utf8(&body) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let (wire, played) = {
        let mut session = server.session();
        (session.wire(), session.play_text(text))
    };
    match played {
        Ok(p) => {
            let step = wire.step(&p.spec, &p.step);
            json_text(
                StatusCode::OK,
                serde_json::to_string(&step).expect("steps are plain data"),
            )
        }
        Err(Refused(e)) => error_json(StatusCode::BAD_REQUEST, &e),
    }
}

async fn sim_world(State(server): State<Shared>, method: Method, body: Bytes) -> Response {
    if method != Method::POST {
        return wrong_verb("POST");
    }
    let text = match utf8(&body) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let fresh =
        scenario::parse_header(text).and_then(|h| Session::new(h, server.alipay_key.as_deref()));
    match fresh {
        Ok(session) => {
            let ready = session.ready();
            *server.session() = session;
            json_text(StatusCode::OK, ready.to_string())
        }
        Err(e) => error_json(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

async fn sim_trace(State(server): State<Shared>, method: Method) -> Response {
    if method != Method::GET {
        return wrong_verb("GET");
    }
    // Copied under the lock, signed outside it.
    let snapshot = server.session().snapshot();
    json_text(StatusCode::OK, snapshot.trace_text())
}

async fn sim_scenario(State(server): State<Shared>, method: Method) -> Response {
    if method != Method::GET {
        return wrong_verb("GET");
    }
    let text = server.session().scenario_text();
    json_text(StatusCode::OK, text)
}

async fn alipay_public_key(State(server): State<Shared>, method: Method) -> Response {
    if method != Method::GET {
        return wrong_verb("GET");
    }
    let pem = server.session().wire().alipay_public_key_pem();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        pem,
    )
        .into_response()
}
