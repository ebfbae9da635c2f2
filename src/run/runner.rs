use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;

use super::matrix::Case;
use super::pool::ServerPool;
use super::{Event, EventSink, RunOptions, RunnerSettings};
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
    /// The case did not run (`--fail-fast` after an earlier failure).
    Skipped,
}

/// Everything a reporter needs about one finished scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScenarioOutcome {
    pub scenario: String,
    /// The case name, `scenario[engine-version->engine-version]`.
    pub case: String,
    /// `falkordb 4.16.3`
    pub source: String,
    /// `falkordb 4.18.3`
    pub target: String,
    /// Intermediate versions of a chained upgrade, in order.
    pub hops: Vec<String>,
    pub path: String,
    pub verdict: Verdict,
    pub checks: Vec<CheckOutcome>,
    /// Why the run stopped, for `Verdict::Error`.
    pub error: Option<String>,
    /// (step, seconds) in the order they ran.
    pub timings: Vec<(String, f64)>,
}

impl ScenarioOutcome {
    /// The case name, or the scenario name for an outcome built without one.
    pub fn name(&self) -> &str {
        if self.case.is_empty() {
            &self.scenario
        } else {
            &self.case
        }
    }

    /// `falkordb-4.16.3->falkordb-4.18.3`, the matrix column of this case.
    pub fn pair(&self) -> String {
        format!(
            "{}->{}",
            self.source.replace(' ', "-"),
            self.target.replace(' ', "-")
        )
    }
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

/// Runs one scenario end to end against its own `source`/`target` (with `options`' overrides;
/// a `matrix:` is not expanded: use [`run_cases`] for that) and reports events to `sink`.
/// Servers the harness started are stopped and removed when this returns (or when its future is
/// dropped, e.g. on Ctrl-C).
pub async fn run_scenario(
    scenario: &Scenario,
    options: &RunOptions,
    sink: &dyn EventSink,
) -> ScenarioOutcome {
    let (source, target) = options.requests(scenario);
    let case = Case {
        name: super::matrix::case_name(scenario.name(), &source, &target),
        scenario: std::sync::Arc::new(scenario.clone()),
        source,
        target,
        hops: Vec::new(),
    };
    run_case(&case, options, &ServerPool::new(false), sink).await
}

/// Runs `cases` with at most `settings.jobs` at a time, servers taken from one pool (reused
/// across cases unless `settings.reuse` is off). Outcomes come back in the order of `cases`.
/// With `fail_fast`, cases not yet started when one fails or errors are `Skipped`. Dropping the
/// future (Ctrl-C) drops every server of the run, which removes its container.
pub async fn run_cases(
    cases: &[Case],
    options: &RunOptions,
    settings: &RunnerSettings,
    sink: &dyn EventSink,
) -> Vec<ScenarioOutcome> {
    let begin = Instant::now();
    let jobs = settings.jobs.max(1);
    sink.emit(&Event::RunStarted {
        cases: cases.len(),
        jobs,
    });
    let pool = ServerPool::new(settings.reuse);
    // Start every server the run needs up front, concurrently (reuse only).
    let requests: Vec<_> = cases
        .iter()
        .flat_map(|c| {
            std::iter::once(c.source.clone())
                .chain(c.hops.iter().cloned())
                .chain(std::iter::once(c.target.clone()))
        })
        .collect();
    let warm = Instant::now();
    let warmed = pool.warm(&requests, jobs).await;
    if warmed > 0 {
        sink.emit(&Event::Progress {
            scenario: "run",
            step: "start servers",
            message: format!(
                "{warmed} server(s) ready in {:.1}s, shared by the cases",
                warm.elapsed().as_secs_f64()
            ),
        });
    }
    let stop = AtomicBool::new(false);
    let mut outcomes: Vec<(usize, ScenarioOutcome)> =
        futures::stream::iter(cases.iter().enumerate())
            .map(|(i, case)| {
                let (pool, stop) = (&pool, &stop);
                async move {
                    if stop.load(Ordering::SeqCst) {
                        let outcome =
                            skipped(case, "not run: an earlier case failed (--fail-fast)");
                        sink.emit(&Event::ScenarioFinished { outcome: &outcome });
                        return (i, outcome);
                    }
                    let outcome = run_case(case, options, pool, sink).await;
                    if settings.fail_fast
                        && matches!(outcome.verdict, Verdict::Fail | Verdict::Error)
                    {
                        stop.store(true, Ordering::SeqCst);
                    }
                    (i, outcome)
                }
            })
            .buffer_unordered(jobs)
            .collect()
            .await;
    outcomes.sort_by_key(|(i, _)| *i);
    pool.shutdown().await;
    sink.emit(&Event::RunFinished {
        elapsed: begin.elapsed(),
        servers_started: pool.started(),
        servers_reused: pool.reused(),
    });
    outcomes.into_iter().map(|(_, o)| o).collect()
}

fn empty_outcome(case: &Case) -> ScenarioOutcome {
    ScenarioOutcome {
        scenario: case.scenario.name().to_owned(),
        case: case.name.clone(),
        source: format!("{} {}", case.source.engine, case.source.version),
        target: format!("{} {}", case.target.engine, case.target.version),
        hops: case.hops.iter().map(|h| h.version.clone()).collect(),
        path: case.scenario.path.display().to_string(),
        verdict: Verdict::Error,
        checks: Vec::new(),
        error: None,
        timings: Vec::new(),
    }
}

fn skipped(case: &Case, reason: &str) -> ScenarioOutcome {
    ScenarioOutcome {
        verdict: Verdict::Skipped,
        error: Some(reason.to_owned()),
        ..empty_outcome(case)
    }
}

/// Runs one case: servers from `pool`, prepare, seed, transfer (hop by hop for a chain),
/// checks. Its servers go back to the pool unless the run errored.
pub async fn run_case(
    case: &Case,
    options: &RunOptions,
    pool: &ServerPool,
    sink: &dyn EventSink,
) -> ScenarioOutcome {
    let name = case.name.as_str();
    sink.emit(&Event::ScenarioStarted { scenario: name });
    let mut outcome = empty_outcome(case);
    let mut servers = Vec::new();
    match run_steps(case, options, pool, sink, &mut outcome, &mut servers).await {
        Ok(()) => {
            outcome.verdict = if outcome.checks.iter().all(|c| c.passed) {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
            pool.release(servers).await;
        }
        Err(e) => {
            outcome.verdict = Verdict::Error;
            outcome.error = Some(e.to_string());
            super::pool::remove(servers).await;
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
    case: &Case,
    options: &RunOptions,
    pool: &ServerPool,
    sink: &dyn EventSink,
    outcome: &mut ScenarioOutcome,
    servers: &mut Vec<Server>,
) -> Result<(), RunError> {
    let name = case.name.as_str();
    let scenario = case.scenario.as_ref();

    let step = Step::start(name, "start servers", sink);
    // All servers are acquired concurrently; if one fails, the others are dropped (and removed).
    let requests: Vec<_> = std::iter::once(case.source.clone())
        .chain(case.hops.iter().cloned())
        .chain(std::iter::once(case.target.clone()))
        .collect();
    let started = futures::future::join_all(requests.into_iter().map(|r| pool.acquire(r))).await;
    let mut notes = Vec::new();
    for acquired in started {
        let (server, reused) = acquired?;
        notes.push(if reused {
            format!("{} reused", server.connection.describe())
        } else {
            format!(
                "{} ready in {:.1}s",
                server.connection.describe(),
                server.startup.as_secs_f64()
            )
        });
        servers.push(server);
    }
    let note = notes.join(", ");
    step.finish(sink, outcome, Some(note));

    let step = Step::start(name, "prepare servers", sink);
    for server in servers.iter() {
        prepare(server, options.allow_destructive).await?;
    }
    step.finish(sink, outcome, None);

    let (Some(source), Some(target)) = (servers.first(), servers.last()) else {
        return Ok(());
    };
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

    let tgt: &dyn GraphConnection = target.connection.as_ref();
    let batch = scenario.file.transfer.batch_size.value;
    let progress_sink = ProgressSink {
        sink,
        scenario: name,
    };
    // A chain copies hop by hop: source -> first intermediate -> ... -> target.
    for hop in servers.windows(2) {
        let (from, to): (&dyn GraphConnection, &dyn GraphConnection) =
            (hop[0].connection.as_ref(), hop[1].connection.as_ref());
        let step_name = if servers.len() == 2 {
            "transfer".to_owned()
        } else {
            format!(
                "transfer {} -> {}",
                hop[0].request.version, hop[1].request.version
            )
        };
        let step = Step::start(name, step_name, sink);
        let stats = transfer::logical::copy(from, to, batch, &|p| progress_sink.progress(p))
            .await
            .map_err(|error| RunError::Transfer {
                source_server: from.describe(),
                target_server: to.describe(),
                error,
            })?;
        step.finish(
            sink,
            outcome,
            Some(format!(
                "{} nodes, {} relationships{}",
                stats.nodes,
                stats.relationships,
                match stats.bulk_loaded {
                    0 => String::new(),
                    n => format!(" ({n} through GRAPH.BULK)"),
                }
            )),
        );
        // Properties the target could not store: a finding per label/type and property.
        if let Some(result) = transfer::capability::outcome(&stats.findings, &to.describe()) {
            sink.emit(&Event::CheckFinished {
                scenario: name,
                outcome: &result,
            });
            outcome.checks.push(result);
        }
    }

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
