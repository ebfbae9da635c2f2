use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;

use super::matrix::Case;
use super::outcome::{RunError, ScenarioOutcome, ServerReport, Verdict};
use super::pool::ServerPool;
use super::steps::{held_nodes, run_checks, run_migrations, seed, version_mismatch, Timed};
use super::timing::Step;
use super::{Event, EventSink, RunOptions, RunnerSettings};
use crate::checks::{self, CheckOutcome};
use crate::engine::{GraphConnection, Query, Server};
use crate::scenario::{Scenario, Strategy};
use crate::transfer;
use crate::value::Value;

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

/// Whether a case uses a server the harness did not start (source, target or a hop).
fn uses_endpoint(case: &Case) -> bool {
    std::iter::once(&case.source)
        .chain(&case.hops)
        .chain(std::iter::once(&case.target))
        .any(|r| r.endpoint.is_some())
}

/// Runs `cases` with at most `settings.jobs` at a time, servers taken from one pool (reused
/// across cases unless `settings.reuse` is off). Outcomes come back in the order of `cases`.
/// With `fail_fast`, cases not yet started when one fails or errors are `Skipped`. Dropping the
/// future (Ctrl-C) drops every server of the run, which removes its container. When any case
/// uses an external server (an endpoint), the cases run one at a time, whatever `jobs` says
/// (a `Progress` event says so): they would otherwise wipe and write one server at once.
pub async fn run_cases(
    cases: &[Case],
    options: &RunOptions,
    settings: &RunnerSettings,
    sink: &dyn EventSink,
) -> Vec<ScenarioOutcome> {
    let begin = Instant::now();
    let mut jobs = settings.jobs.max(1);
    // Cases on an external server would share it (each wipes or checks it for emptiness, then
    // writes): run them one at a time, whoever asked for more (the CLI or a Harness).
    if jobs > 1 && cases.iter().any(uses_endpoint) {
        sink.emit(&Event::Progress {
            scenario: "run",
            step: &Step::Schedule,
            message: format!(
                "cases use an external server, running them one at a time (not {jobs} at a time)"
            ),
        });
        jobs = 1;
    }
    sink.emit(&Event::RunStarted {
        cases: cases.len(),
        jobs,
    });
    let pool = ServerPool::new(settings.reuse);
    // Start every server the run needs up front, concurrently (reuse only).
    let requests: Vec<_> = cases
        .iter()
        .flat_map(|c| {
            // A native upgrade starts its target (and hops) on stores, never from the pool.
            let native = c.scenario.file.transfer.strategy.value.is_native();
            std::iter::once(c.source.clone()).chain(
                c.hops
                    .iter()
                    .cloned()
                    .chain(std::iter::once(c.target.clone()))
                    .filter(move |_| !native),
            )
        })
        .collect();
    let warm = Instant::now();
    if settings.reuse && !requests.is_empty() {
        sink.emit(&Event::Progress {
            scenario: "run",
            step: &Step::StartServers,
            message: starting(&requests),
        });
    }
    let warmed = pool.warm(&requests, jobs).await;
    if warmed > 0 {
        sink.emit(&Event::Progress {
            scenario: "run",
            step: &Step::StartServers,
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

/// `starting neo4j 5.26 (source), neo4j 2026.08 (target)`: what a server start waits for
/// (each distinct server once).
fn starting(requests: &[crate::engine::request::ServerRequest]) -> String {
    let mut names: Vec<String> = Vec::new();
    for r in requests {
        let name = format!("{} {} ({})", r.engine, r.version, r.role);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    format!("starting {}", names.join(", "))
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
        servers: Vec::new(),
        started_at: None,
        elapsed: Duration::ZERO,
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
    let begin = Instant::now();
    let mut outcome = ScenarioOutcome {
        started_at: Some(chrono::Utc::now()),
        ..empty_outcome(case)
    };
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
            outcome.error = Some(crate::io_error::error_chain(&e));
            super::pool::remove(servers).await;
        }
    }
    outcome.elapsed = begin.elapsed();
    sink.emit(&Event::ScenarioFinished { outcome: &outcome });
    outcome
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
    if scenario.file.transfer.strategy.value.is_native() {
        return super::native::run(case, options, pool, sink, outcome, servers).await;
    }

    let step = Timed::start(name, Step::StartServers, sink);
    // All servers are acquired concurrently; if one fails, the others are dropped (and removed).
    let requests: Vec<_> = std::iter::once(case.source.clone())
        .chain(case.hops.iter().cloned())
        .chain(std::iter::once(case.target.clone()))
        .collect();
    sink.emit(&Event::Progress {
        scenario: name,
        step: &Step::StartServers,
        message: starting(&requests),
    });
    let started = futures::future::join_all(requests.into_iter().map(|r| pool.acquire(r))).await;
    let mut notes = Vec::new();
    let count = case.hops.len() + 2;
    for (i, acquired) in started.into_iter().enumerate() {
        let acquired = acquired?;
        let (server, reused) = (acquired.server, acquired.reused);
        notes.extend(acquired.note);
        let role = match i {
            0 => "source",
            i if i + 1 == count => "target",
            _ => "hop",
        };
        let how = match server.launcher {
            Some(launcher) => format!("{launcher}, reports {}", server.info.version),
            None => format!("external, reports {}", server.info.version),
        };
        notes.push(if reused {
            format!("{} reused ({how})", server.connection.describe())
        } else {
            format!(
                "{} ready in {:.1}s ({how})",
                server.connection.describe(),
                server.startup.as_secs_f64()
            )
        });
        outcome.servers.push(ServerReport::of(&server, role));
        let mismatch = version_mismatch(&server.request.version, &server.info.version);
        let described = server.connection.describe();
        servers.push(server);
        if let Some(message) = mismatch {
            return Err(RunError::Refused {
                server: described,
                message,
            });
        }
    }
    let note = notes.join(", ");
    step.finish(sink, outcome, Some(note));

    if options.only_migrations {
        let (Some(source), Some(target)) = (servers.first(), servers.last()) else {
            return Ok(());
        };
        return run_migrations(name, scenario, source, target, sink, outcome).await;
    }

    let step = Timed::start(name, Step::PrepareServers, sink);
    let seeds = !scenario.fixture_statements.is_empty();
    let moves = scenario.file.transfer.strategy.value != Strategy::None;
    let mut notes = Vec::new();
    for (i, server) in servers.iter().enumerate() {
        let role = match (i, moves) {
            (0, _) => Role::Source { seeded: seeds },
            (_, true) => Role::Target,
            (_, false) => Role::ReadOnly,
        };
        if let Some(note) = prepare(server, role, options.allow_destructive).await? {
            notes.push(note);
        }
    }
    step.finish(sink, outcome, (!notes.is_empty()).then(|| notes.join("; ")));

    let (Some(source), Some(target)) = (servers.first(), servers.last()) else {
        return Ok(());
    };
    let src: &dyn GraphConnection = source.connection.as_ref();
    seed(scenario, src, name, sink, outcome).await?;

    let batch = scenario.file.transfer.batch_size.value;
    let progress_sink = ProgressSink {
        sink,
        scenario: name,
    };
    // A chain copies hop by hop: source -> first intermediate -> ... -> target.
    let hops = if scenario.file.transfer.strategy.value == Strategy::None {
        &[][..]
    } else {
        &servers[..]
    };
    for hop in hops.windows(2) {
        let (from, to): (&dyn GraphConnection, &dyn GraphConnection) =
            (hop[0].connection.as_ref(), hop[1].connection.as_ref());
        let step_name = Step::Transfer {
            hop: (servers.len() != 2).then(|| {
                (
                    hop[0].request.version.clone(),
                    hop[1].request.version.clone(),
                )
            }),
        };
        let step = Timed::start(name, step_name, sink);
        let external = !hop[1].owned;
        if external {
            transfer::partial::mark(to).await;
        }
        let written = Written::default();
        let mut guard = InterruptGuard {
            target: to.describe(),
            written: &written,
            armed: external,
        };
        let copied = transfer::logical::copy_with(from, to, batch, !options.no_graph_bulk, &|p| {
            written.note(p);
            progress_sink.progress(p)
        })
        .await;
        guard.armed = false;
        let stats = match copied {
            Ok(stats) => {
                if external {
                    // Best effort: a marker left behind only words the next refusal differently.
                    let _ = transfer::partial::clear(to).await;
                }
                stats
            }
            Err(error) => {
                let state = if external {
                    let what = written.describe(from).await;
                    transfer::partial::record(to, &what).await;
                    format!(
                        "\n  the target now holds {what} written by this run; it is not a complete copy: wipe it (or re-run with --allow-destructive) before using it"
                    )
                } else {
                    String::new()
                };
                return Err(RunError::Transfer {
                    source_server: from.describe(),
                    target_server: to.describe(),
                    error,
                    state,
                });
            }
        };
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
        // Properties the target could not store: a finding per label/type and property; a
        // passing check when there is none, so every hop's copy is checked visibly.
        let result =
            checks::capabilities::outcome(&stats.findings, &to.describe()).unwrap_or_else(|| {
                CheckOutcome::new(
                    checks::CheckKind::Capabilities,
                    true,
                    format!("{} stored every property exactly", to.describe()),
                    Vec::new(),
                )
            });
        sink.emit(&Event::CheckFinished {
            scenario: name,
            outcome: &result,
        });
        outcome.checks.push(result);
    }

    run_checks(case, options, source, target, sink, outcome).await
}

/// What a server is in a case, for [`prepare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The source; `seeded` when the scenario has fixtures to load into it.
    Source { seeded: bool },
    /// A target or an intermediate hop: written by the copy.
    Target,
    /// A target of `transfer: none`: only read.
    ReadOnly,
}

/// Makes a server ready for its role; returns a note for the progress line when it did
/// something the user should know (wiping an external server).
///
/// - A server the harness started is wiped (it is the harness's own).
/// - An external source that the scenario does not seed is only read: never wiped, never
///   written, not even checked for emptiness.
/// - An external source that the scenario seeds must be empty (fixtures go into an empty
///   graph); `--allow-destructive` never applies to a source.
/// - An external target must be empty, unless `--allow-destructive`, which wipes it and says
///   how much it held.
///
/// A count that cannot be read is an error, never taken as "empty".
async fn prepare(
    server: &Server,
    role: Role,
    allow_destructive: bool,
) -> Result<Option<String>, RunError> {
    let conn = &server.connection;
    if server.owned {
        conn.wipe().await?;
        return Ok(None);
    }
    if role == (Role::Source { seeded: false }) {
        return Ok(Some(format!(
            "{}: external source without fixtures, only read",
            conn.describe()
        )));
    }
    if role == Role::ReadOnly {
        return Ok(Some(format!(
            "{}: external target, only read",
            conn.describe()
        )));
    }
    let nodes = held_nodes(conn.as_ref()).await?;
    if nodes == 0 {
        return Ok(None);
    }
    match role {
        Role::Source { .. } => Err(RunError::Refused {
            server: conn.describe(),
            message: format!(
                "it holds {nodes} node(s), and the scenario has fixtures to load into it; a source is never wiped (not even with --allow-destructive): use an empty database/graph for the fixtures, or drop the fixtures to check the graph that is there"
            ),
        }),
        Role::Target if allow_destructive => {
            conn.wipe().await?;
            transfer::partial::clear(conn.as_ref()).await?;
            Ok(Some(format!(
                "{}: wiped {nodes} node(s) (--allow-destructive)",
                conn.describe()
            )))
        }
        Role::Target | Role::ReadOnly => {
            let message = match transfer::partial::read(conn.as_ref()).await {
                Some(marker) => format!(
                    "it holds {nodes} node(s) written by an earlier run that did not finish ({marker}); it is not a complete copy: pass --allow-destructive to let the harness wipe it and start over, or wipe it yourself"
                ),
                None => format!(
                    "it holds {nodes} node(s) (perhaps from an earlier interrupted run); use an empty database/graph, or pass --allow-destructive to let the harness wipe it"
                ),
            };
            Err(RunError::Refused {
                server: conn.describe(),
                message,
            })
        }
    }
}

/// How much a copy has written so far (from its progress reports: at least this much).
#[derive(Default)]
struct Written {
    nodes: std::sync::atomic::AtomicU64,
    relationships: std::sync::atomic::AtomicU64,
}

impl Written {
    fn note(&self, p: transfer::Progress) {
        match p.phase {
            transfer::Phase::Nodes => self.nodes.store(p.done, Ordering::Relaxed),
            transfer::Phase::Relationships => self.relationships.store(p.done, Ordering::Relaxed),
        }
    }

    fn counts(&self) -> (u64, u64) {
        (
            self.nodes.load(Ordering::Relaxed),
            self.relationships.load(Ordering::Relaxed),
        )
    }

    /// "100,000 of 300,000 nodes and 0 of 500,000 relationships" (the totals read from the
    /// source when it answers).
    async fn describe(&self, source: &dyn GraphConnection) -> String {
        use transfer::partial::thousands;
        let (nodes, rels) = self.counts();
        let total = |q: &'static str| async move {
            source
                .execute(&Query::new(q))
                .await
                .ok()
                .and_then(|r| r.single().and_then(Value::as_int))
                .map(|n| format!(" of {}", thousands(n.max(0) as u64)))
                .unwrap_or_default()
        };
        let (of_nodes, of_rels) = tokio::join!(
            total("MATCH (n) RETURN count(n)"),
            total("MATCH ()-[r]->() RETURN count(r)")
        );
        format!(
            "at least {}{of_nodes} nodes and {}{of_rels} relationships",
            thousands(nodes),
            thousands(rels)
        )
    }
}

/// Says what an external target holds when a copy into it is stopped (Ctrl-C, SIGTERM drop
/// the run's future); its `<graph>.__mh_partial` marker stays for the next run.
struct InterruptGuard<'a> {
    target: String,
    written: &'a Written,
    armed: bool,
}

impl Drop for InterruptGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            let (nodes, rels) = self.written.counts();
            eprintln!(
                "the copy into {} was interrupted: it now holds at least {} nodes and {} relationships written by this run; it is not a complete copy: wipe it (or re-run with --allow-destructive) before using it",
                self.target,
                transfer::partial::thousands(nodes),
                transfer::partial::thousands(rels)
            );
        }
    }
}

struct ProgressSink<'a> {
    sink: &'a dyn EventSink,
    scenario: &'a str,
}

impl ProgressSink<'_> {
    fn progress(&self, p: transfer::Progress) {
        self.sink.emit(&Event::Progress {
            scenario: self.scenario,
            step: &Step::Transfer { hop: None },
            message: format!("{}: {}", p.phase, p.done),
        });
    }
}
