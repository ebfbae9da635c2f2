//! The steps a logical case and a native one share: timed steps reported to the sink, seeding
//! the source, the "external server must be empty" count, the checks (and the migrations part),
//! and matching a server's reported version. Both `runner` and `native` use them; they use
//! neither.

use std::time::Instant;

use super::matrix::Case;
use super::outcome::{RunError, ScenarioOutcome};
use super::timing::{Step, StepTiming};
use super::{Event, EventSink, RunOptions};
use crate::checks;
use crate::engine::{EngineError, GraphConnection, Query, Server};
use crate::scenario::{PairVersions, Scenario};

/// A server's error about a fixture statement may quote it (FalkorDB's `errCtx`, Neo4j's caret
/// line). A fixture may come from any file, so beyond the statement's first line (which the
/// error shows, shortened) none of its lines are echoed.
fn without_statement_body(e: EngineError, statement: &str) -> EngineError {
    let EngineError::Query {
        server,
        query,
        code,
        mut message,
    } = e
    else {
        return e;
    };
    let mut lines = statement.lines().map(str::trim).filter(|l| !l.is_empty());
    lines.next();
    for line in lines.filter(|l| l.chars().count() >= 3) {
        message = message.replace(line, "…");
    }
    EngineError::Query {
        server,
        query,
        code,
        message,
    }
}

/// A step being timed: `StepStarted` when it starts, `StepFinished` and a timing when it ends.
pub(super) struct Timed<'a> {
    scenario: &'a str,
    pub(super) step: Step,
    begin: Instant,
}

impl<'a> Timed<'a> {
    pub(super) fn start(scenario: &'a str, step: Step, sink: &dyn EventSink) -> Self {
        sink.emit(&Event::StepStarted {
            scenario,
            step: &step,
        });
        Timed {
            scenario,
            step,
            begin: Instant::now(),
        }
    }

    pub(super) fn finish(
        self,
        sink: &dyn EventSink,
        outcome: &mut ScenarioOutcome,
        note: Option<String>,
    ) {
        let elapsed = self.begin.elapsed();
        sink.emit(&Event::StepFinished {
            scenario: self.scenario,
            step: &self.step,
            elapsed,
            note,
        });
        outcome.timings.push(StepTiming {
            step: self.step,
            elapsed,
        });
    }
}

/// Loads the scenario's fixtures into the source, statement by statement.
pub(super) async fn seed(
    scenario: &Scenario,
    src: &dyn GraphConnection,
    name: &str,
    sink: &dyn EventSink,
    outcome: &mut ScenarioOutcome,
) -> Result<(), RunError> {
    let step = Timed::start(name, Step::SeedSource, sink);
    load_fixtures(scenario, src).await?;
    step.finish(
        sink,
        outcome,
        Some(format!(
            "{} statement(s)",
            scenario.fixture_statements.len()
        )),
    );
    Ok(())
}

/// Runs the scenario's fixture statements on `src`, in order; an error names the server and the
/// statement's `file:line` (the `run` command's seed step and `export` of a scenario share it).
pub(super) async fn load_fixtures(
    scenario: &Scenario,
    src: &dyn GraphConnection,
) -> Result<(), RunError> {
    for statement in &scenario.fixture_statements {
        src.execute(&Query::new(statement.text.clone()))
            .await
            .map_err(|e| RunError::Fixture {
                server: src.describe(),
                origin: statement.to_string(),
                source: without_statement_body(e, &statement.text),
            })?;
    }
    Ok(())
}

/// How many nodes a server holds, for the "an external server must be empty" guards (a run's
/// servers and `import`'s target). A count that cannot be read is an error, never "empty".
pub(super) async fn held_nodes(conn: &dyn GraphConnection) -> Result<u64, RunError> {
    let query = "MATCH (n) RETURN count(n)";
    let count = conn.execute(&Query::new(query)).await?;
    Ok(count.single_count(&conn.describe(), query)?)
}

/// The scenario's checks and queries, source against target.
pub(super) async fn run_checks(
    case: &Case,
    options: &RunOptions,
    source: &Server,
    target: &Server,
    sink: &dyn EventSink,
    outcome: &mut ScenarioOutcome,
) -> Result<(), RunError> {
    let name = case.name.as_str();
    let scenario = case.scenario.as_ref();
    let batch = scenario.file.transfer.batch_size.value;
    let (src, tgt): (&dyn GraphConnection, &dyn GraphConnection) =
        (source.connection.as_ref(), target.connection.as_ref());
    // `allow: - when:` scopes are matched against the versions the servers reported.
    let case_context = checks::CaseContext {
        versions: PairVersions::new(source.info.version.clone(), target.info.version.clone()),
        fail_on_stale_allowances: scenario.file.fail_on_stale_allowances,
    };
    for check in scenario.checks() {
        let step = Timed::start(name, Step::Check(check.kind()), sink);
        let result = checks::run_check_in(&check, src, tgt, batch, &case_context).await?;
        sink.emit(&Event::CheckFinished {
            scenario: name,
            outcome: &result,
        });
        step.finish(sink, outcome, None);
        outcome.checks.push(result);
    }
    if !scenario.file.queries.is_empty() {
        let step = Timed::start(name, Step::Check(crate::kinds::CheckKind::Queries), sink);
        let settings = checks::queries::Settings {
            versions: Some(case_context.versions.clone()),
            ..checks::queries::Settings::for_scenario(scenario, options.update_snapshots)
        };
        let result = checks::queries::run(&scenario.file.queries, src, tgt, &settings).await?;
        sink.emit(&Event::CheckFinished {
            scenario: name,
            outcome: &result,
        });
        step.finish(sink, outcome, None);
        outcome.checks.push(result);
    }
    run_migrations(name, scenario, source, target, sink, outcome).await
}

/// The scenario's `migrations:` part: the scripts on the source's and the target's version,
/// concurrently, each server wiped and seeded with the fixtures first; then `same_on_both`.
pub(super) async fn run_migrations(
    name: &str,
    scenario: &Scenario,
    source: &Server,
    target: &Server,
    sink: &dyn EventSink,
    outcome: &mut ScenarioOutcome,
) -> Result<(), RunError> {
    use checks::migrations::{run_on_server, same_on_both, MigrationServer};
    let (Some(spec), Some(set)) = (&scenario.file.migrations, &scenario.migration_set) else {
        return Ok(());
    };
    for server in [source, target] {
        if !server.owned {
            return Err(RunError::Refused {
                server: server.connection.describe(),
                message: "the migrations part wipes and re-seeds each server many times, so it runs only on servers the harness starts; drop endpoint:/--source-uri/--target-uri for this scenario".into(),
            });
        }
    }
    let step = Timed::start(name, Step::Migrations, sink);
    fn on<'s>(role: &'s str, server: &'s Server) -> MigrationServer<'s> {
        MigrationServer {
            role,
            connection: server.connection.as_ref(),
            version: server.info.version.clone(),
        }
    }
    let (ms, mt) = (on("source", source), on("target", target));
    let fixtures = &scenario.fixture_statements;
    let (a, b) = tokio::join!(
        run_on_server(spec, set, fixtures, &ms),
        run_on_server(spec, set, fixtures, &mt)
    );
    let (a, b) = (a?, b?);
    let before = outcome.checks.len();
    for result in a.outcomes.iter().chain(&b.outcomes) {
        sink.emit(&Event::CheckFinished {
            scenario: name,
            outcome: result,
        });
        outcome.checks.push(result.clone());
    }
    if spec
        .checks
        .contains(&crate::scenario::MigrationCheckKind::SameOnBoth)
    {
        let result = same_on_both(&[(&ms, &a), (&mt, &b)], set.migrations.len());
        sink.emit(&Event::CheckFinished {
            scenario: name,
            outcome: &result,
        });
        outcome.checks.push(result);
    }
    let added = &outcome.checks[before..];
    let failed = added.iter().filter(|c| !c.passed).count();
    let note = format!(
        "{} migration(s) on 2 servers: {} check(s), {failed} failed",
        set.migrations.len(),
        added.len()
    );
    step.finish(sink, outcome, Some(note));
    Ok(())
}

/// Harness-owned servers are wiped. An external server is wiped only with `--allow-destructive`;
/// otherwise it must already be empty, so nothing is destroyed without being asked.
/// Why a server's reported version does not match the requested one, if it does not. The
/// requested version must be a prefix of the reported one by dotted components (`5.26` accepts
/// `5.26.19`, `4.18.3` only `4.18.3`); `any` accepts every version.
pub(super) fn version_mismatch(requested: &str, reported: &str) -> Option<String> {
    let requested = requested.trim();
    if requested.eq_ignore_ascii_case("any") {
        return None;
    }
    let want: Vec<&str> = requested.split(['.', '-']).collect();
    let have: Vec<&str> = reported.trim().split(['.', '-']).collect();
    let matches = want.len() <= have.len()
        && want.iter().zip(&have).all(|(w, h)| {
            w == h || matches!((w.parse::<u64>(), h.parse::<u64>()), (Ok(a), Ok(b)) if a == b)
        });
    (!matches).then(|| {
        format!(
            "the server reports version {reported}, but the scenario asked for {requested}; fix the version (or write `version: any` to accept whatever runs there)"
        )
    })
}

#[cfg(test)]
mod version_tests {
    use super::version_mismatch;

    #[test]
    fn requested_versions_are_prefixes_of_reported_ones() {
        assert_eq!(version_mismatch("5.26", "5.26.19"), None);
        assert_eq!(version_mismatch("2025.01", "2025.1.0"), None);
        assert_eq!(version_mismatch("4.18.3", "4.18.3"), None);
        assert_eq!(version_mismatch("any", "4.22.1"), None);
        assert!(version_mismatch("4.14.2", "4.18.3")
            .unwrap()
            .contains("reports version 4.18.3"));
        assert!(version_mismatch("5.26.19", "5.26").is_some());
        assert!(version_mismatch("4.1", "4.18.3").is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixture_error_does_not_echo_the_statement_beyond_its_first_line() {
        let statement = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n";
        let e = EngineError::query(
            "source",
            statement,
            None,
            "Invalid input at line 2: errCtx: daemon:x:1:1:daemon:/usr/sbin",
        );
        let shown = crate::io_error::error_chain(&RunError::Fixture {
            server: "source".into(),
            origin: "f.cypher:1".into(),
            source: without_statement_body(e, statement),
        });
        assert!(!shown.contains("daemon"), "{shown}");
        assert!(shown.contains("root:x:0:0"), "{shown}");
    }
}
