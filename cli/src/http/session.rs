//! The world the HTTP server serves: one scenario [`Runner`], the wire form of its apps, and
//! every step played so far, in arrival order (SPEC R-HTTP-ORDER, R-HTTP-REPLAY).

use std::sync::Arc;

use authsim::scenario::{self, Header, Runner, ScenarioError, StepSpec, Summary, TraceStep};
use serde_json::{Value, json};

use crate::wire::Wire;

/// One step as it arrived and what it produced.
#[derive(Clone, Debug)]
pub(crate) struct Played {
    /// The step object as the scenario would hold it (gateway requests: literal values).
    pub(crate) value: Value,
    /// The step, parsed.
    pub(crate) spec: StepSpec,
    /// What the model answered.
    pub(crate) step: TraceStep,
}

/// A world and its history.
pub(crate) struct Session {
    /// The world, with every app's `appId` written out.
    header: Header,
    runner: Runner,
    wire: Arc<Wire>,
    played: Vec<Played>,
}

/// A step that could not be played: the message, ready for `{"error": …}`.
pub(crate) struct Refused(pub(crate) String);

impl Session {
    /// A fresh world.
    pub(crate) fn new(
        mut header: Header,
        alipay_key: Option<&str>,
    ) -> Result<Session, ScenarioError> {
        let runner = Runner::new(&header)?;
        let wire = Wire::new(&header, alipay_key)?;
        for (app, w) in header.apps.iter_mut().zip(wire.apps()) {
            app.app_id = Some(w.app_id.clone());
        }
        Ok(Session {
            header,
            runner,
            wire: Arc::new(wire),
            played: Vec::new(),
        })
    }

    /// The wire form of this world (shared: signing happens outside the session's lock).
    pub(crate) fn wire(&self) -> Arc<Wire> {
        Arc::clone(&self.wire)
    }

    /// `{"ready": …}`: what `serve --stdio` answers, plus each app's `appId`.
    pub(crate) fn ready(&self) -> Value {
        let h = &self.header;
        let ids: serde_json::Map<String, Value> = self
            .wire
            .apps()
            .iter()
            .map(|a| (a.name.clone(), Value::from(a.app_id.clone())))
            .collect();
        json!({"ready": {
            "seed": h.seed,
            "apps": h.apps.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
            "users": h.users.iter().map(|u| u.name.clone()).collect::<Vec<_>>(),
            "appIds": ids,
        }})
    }

    /// Plays one step given as JSON text (a `serve --stdio` step line). On error nothing changed.
    pub(crate) fn play_text(&mut self, text: &str) -> Result<Played, Refused> {
        let index = self.runner.steps_played() + 1;
        let spec = scenario::parse_step(text, index).map_err(|e| Refused(e.to_string()))?;
        let value: Value = serde_json::from_str(text).map_err(|e| Refused(e.to_string()))?;
        self.play(value, spec).map_err(|mut e| {
            let spans = scenario::locate::Spans::of(text);
            e.pos = e.pointer().and_then(|p| spans.nearest(p));
            Refused(e.to_string())
        })
    }

    /// Plays a step built by the server (a gateway request).
    pub(crate) fn play_value(&mut self, value: Value) -> Result<Played, Refused> {
        let text = value.to_string();
        let index = self.runner.steps_played() + 1;
        let spec = scenario::parse_step(&text, index).map_err(|e| Refused(e.to_string()))?;
        self.play(value, spec).map_err(|e| Refused(e.to_string()))
    }

    fn play(&mut self, value: Value, spec: StepSpec) -> Result<Played, ScenarioError> {
        let step = self.runner.step(&spec)?;
        let played = Played { value, spec, step };
        self.played.push(played.clone());
        Ok(played)
    }

    /// What the trace needs, copied (signing it is slow; the lock need not wait for that).
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            seed: self.header.seed,
            played: self.played.clone(),
            summary: self.runner.summary().clone(),
            wire: self.wire(),
        }
    }

    /// A scenario that `authsim run` replays to [`Session::trace_text`]'s bytes.
    pub(crate) fn scenario_text(&self) -> String {
        let mut doc = serde_json::to_value(&self.header).expect("headers are plain data");
        if let Value::Object(o) = &mut doc {
            o.insert(
                "description".into(),
                Value::from("recorded by authsim serve --http: replay with authsim run"),
            );
            o.insert(
                "steps".into(),
                Value::Array(self.played.iter().map(|p| p.value.clone()).collect()),
            );
        }
        serde_json::to_string_pretty(&doc).expect("plain data") + "\n"
    }
}

/// A copy of a session's history.
pub(crate) struct Snapshot {
    seed: u64,
    played: Vec<Played>,
    summary: Summary,
    wire: Arc<Wire>,
}

impl Snapshot {
    /// Everything so far, as `authsim run --json` prints the recorded scenario's trace.
    pub(crate) fn trace_text(&self) -> String {
        let trace = self.wire.trace(
            self.seed,
            self.played.iter().map(|p| (&p.spec, &p.step)),
            &self.summary,
        );
        serde_json::to_string_pretty(&trace).expect("traces are plain data") + "\n"
    }
}
