use std::time::{Duration, Instant};

use super::{Event, EventSink, RunOptions};
use crate::checks::{self, CheckError, CheckOutcome};
use crate::engine::{EngineError, GraphConnection, Query, Server};
use crate::scenario::Scenario;
use crate::transfer::{self, TransferError};
use crate::value::Value;

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed.
    Pass,
    /// The run completed and at least one check failed.
    Fail,
    /// The run could not complete (a server, a statement or the transfer failed).
    Error,
}

/// Everything a reporter needs about one finished scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScenarioOutcome {
    pub scenario: String,
    pub path: String,
    pub verdict: Verdict,
    pub checks: Vec<CheckOutcome>,
    /// Why the run stopped, for `Verdict::Error`.
    pub error: Option<String>,
    /// (step, seconds) in the order they ran.
    pub timings: Vec<(String, f64)>,
}

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("failed to seed {server}: statement at {origin} failed: {source}")]
    Fixture {
        server: String,
        origin: String,
        #[source]
        source: EngineError,
    },
    #[error("failed to prepare {server}: {message}")]
    Refused { server: String, message: String },
    #[error("failed to transfer from {source_server} to {target_server}: {error}")]
    Transfer {
        source_server: String,
        target_server: String,
        error: TransferError,
    },
    #[error(transparent)]
    Check(#[from] CheckError),
}

/// Runs one scenario end to end and reports events to `sink`. Servers the harness started are
/// stopped and removed when this returns (or when its future is dropped, e.g. on Ctrl-C).
pub async fn run_scenario(
    scenario: &Scenario,
    options: &RunOptions,
    sink: &dyn EventSink,
) -> ScenarioOutcome {
    let name = scenario.name();
    sink.emit(&Event::ScenarioStarted { scenario: name });
    let mut outcome = ScenarioOutcome {
        scenario: name.to_owned(),
        path: scenario.path.display().to_string(),
        verdict: Verdict::Error,
        checks: Vec::new(),
        error: None,
        timings: Vec::new(),
    };
    match run_steps(scenario, options, sink, &mut outcome).await {
        Ok(()) => {
            outcome.verdict = if outcome.checks.iter().all(|c| c.passed) {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
        }
        Err(e) => {
            outcome.verdict = Verdict::Error;
            outcome.error = Some(e.to_string());
        }
    }
    sink.emit(&Event::ScenarioFinished { outcome: &outcome });
    outcome
}

struct Step<'a> {
    scenario: &'a str,
    name: String,
    begin: Instant,
}

impl<'a> Step<'a> {
    fn start(scenario: &'a str, name: impl Into<String>, sink: &dyn EventSink) -> Self {
        let name = name.into();
        sink.emit(&Event::StepStarted {
            scenario,
            step: &name,
        });
        Step {
            scenario,
            name,
            begin: Instant::now(),
        }
    }

    fn finish(self, sink: &dyn EventSink, outcome: &mut ScenarioOutcome, note: Option<String>) {
        let elapsed = self.begin.elapsed();
        sink.emit(&Event::StepFinished {
            scenario: self.scenario,
            step: &self.name,
            elapsed,
            note,
        });
        outcome.timings.push((self.name, round(elapsed)));
    }
}

fn round(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

async fn run_steps(
    scenario: &Scenario,
    options: &RunOptions,
    sink: &dyn EventSink,
    outcome: &mut ScenarioOutcome,
) -> Result<(), RunError> {
    let name = scenario.name();
    let (source_req, target_req) = options.requests(scenario);

    let step = Step::start(name, "start servers", sink);
    // Both servers start concurrently; if one fails, the other is dropped (and removed).
    let (source, target) = tokio::join!(Server::start(source_req), Server::start(target_req));
    let (source, target) = (source?, target?);
    let note = format!(
        "{} ready in {:.1}s, {} ready in {:.1}s",
        source.connection.describe(),
        source.startup.as_secs_f64(),
        target.connection.describe(),
        target.startup.as_secs_f64()
    );
    step.finish(sink, outcome, Some(note));

    let step = Step::start(name, "prepare servers", sink);
    for server in [&source, &target] {
        prepare(server, options.allow_destructive).await?;
    }
    step.finish(sink, outcome, None);

    let step = Step::start(name, "seed source", sink);
    let src: &dyn GraphConnection = source.connection.as_ref();
    for statement in &scenario.fixture_statements {
        src.execute(&Query::new(statement.text.clone()))
            .await
            .map_err(|e| RunError::Fixture {
                server: src.describe(),
                origin: statement.to_string(),
                source: e,
            })?;
    }
    step.finish(
        sink,
        outcome,
        Some(format!(
            "{} statement(s)",
            scenario.fixture_statements.len()
        )),
    );

    let step = Step::start(name, "transfer", sink);
    let tgt: &dyn GraphConnection = target.connection.as_ref();
    let batch = scenario.file.transfer.batch_size.value;
    let progress_sink = ProgressSink {
        sink,
        scenario: name,
    };
    let stats = transfer::logical::copy(src, tgt, batch, &|p| progress_sink.progress(p))
        .await
        .map_err(|error| RunError::Transfer {
            source_server: src.describe(),
            target_server: tgt.describe(),
            error,
        })?;
    step.finish(
        sink,
        outcome,
        Some(format!(
            "{} nodes, {} relationships",
            stats.nodes, stats.relationships
        )),
    );

    for check in scenario.checks() {
        let step = Step::start(name, format!("check {}", check.kind()), sink);
        let result = checks::run_check(&check, src, tgt, batch).await?;
        sink.emit(&Event::CheckFinished {
            scenario: name,
            outcome: &result,
        });
        step.finish(sink, outcome, None);
        outcome.checks.push(result);
    }
    if !scenario.file.queries.is_empty() {
        let step = Step::start(name, "check queries", sink);
        let settings = checks::queries::Settings::for_scenario(scenario, options.update_snapshots);
        let result = checks::queries::run(&scenario.file.queries, src, tgt, &settings).await?;
        sink.emit(&Event::CheckFinished {
            scenario: name,
            outcome: &result,
        });
        step.finish(sink, outcome, None);
        outcome.checks.push(result);
    }
    drop((source, target));
    Ok(())
}

/// Harness-owned servers are wiped. An external server is wiped only with `--allow-destructive`;
/// otherwise it must already be empty, so nothing the harness did not create is ever destroyed.
async fn prepare(server: &Server, allow_destructive: bool) -> Result<(), RunError> {
    let conn = &server.connection;
    if server.owned || allow_destructive {
        conn.wipe().await?;
        return Ok(());
    }
    let count = conn
        .execute(&Query::new("MATCH (n) RETURN count(n)"))
        .await?;
    let nodes = count.single().and_then(Value::as_int).unwrap_or(0);
    if nodes > 0 {
        return Err(RunError::Refused {
            server: conn.describe(),
            message: format!(
                "it holds {nodes} node(s) the harness did not create; use an empty database/graph, or pass --allow-destructive to let the harness wipe it"
            ),
        });
    }
    Ok(())
}

struct ProgressSink<'a> {
    sink: &'a dyn EventSink,
    scenario: &'a str,
}

impl ProgressSink<'_> {
    fn progress(&self, p: transfer::Progress) {
        self.sink.emit(&Event::Progress {
            scenario: self.scenario,
            step: "transfer",
            message: format!("{}: {}", p.phase, p.done),
        });
    }
}
