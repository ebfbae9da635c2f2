//! A team's migration scripts, tested on one server at a time (each fresh from the scenario's
//! fixtures), and the final states of the case's servers compared.
//!
//! Per migration, in version order, on each server: `dry_run` (up isolated and undone: the
//! graph must be unchanged, and what it would change is reported), `applies` (up runs; an
//! error names the file, line and server version), `history` (the `__Neo4jMigration` chain says
//! it ran, with the script's checksum; a recorded checksum that differs from the script's is a
//! mismatch), `idempotent` (up again changes nothing), `reversible` (down restores the exact
//! pre-up content). Then `same_on_both`: the servers' final contents are equal.
//!
//! One [`CheckOutcome`] per migration x check x server; the check is named `migrations.<kind>`
//! and its summary starts with the migration and the server's reported version.
//!
//! The servers must be the harness's own: they are wiped and seeded here, repeatedly (after a
//! failed `idempotent` or `reversible` check the server is rebuilt from the fixtures and the
//! migrations up to the current one, so later migrations start from the state they expect).

pub mod state;

use std::time::Instant;

use self::state::{changes, content_difference, State, HISTORY_LABEL};
use super::{
    AppliedAllowance, CheckData, CheckError, CheckKind, CheckOutcome, Difference, MigrationData,
};
use crate::cypher::statements::Statement;
use crate::engine::{EngineError, GraphConnection, Query};
use crate::migrations::{manages_own_transaction, Migration, MigrationSet, Script, Version};
use crate::scenario::{MigrationCheckKind as Kind, MigrationsSpec, VersionReq};
use crate::value::Value;

/// Lines of differences listed per check.
const MAX_LINES: usize = 20;

/// One server the migrations run on.
pub struct MigrationServer<'a> {
    /// `source` or `target`.
    pub role: &'a str,
    pub connection: &'a dyn GraphConnection,
    /// The version the server reported (`5.26.19`).
    pub version: String,
}

impl MigrationServer<'_> {
    /// `neo4j 5.26.19`.
    fn name(&self) -> String {
        format!("{} {}", self.connection.dialect().engine, self.version)
    }
}

/// What one server's run produced.
pub struct ServerRun {
    pub outcomes: Vec<CheckOutcome>,
    /// The content after every migration (`None` when one failed to apply).
    pub final_state: Option<State>,
    /// The first migration that failed to apply, for `same_on_both`.
    pub broke_at: Option<String>,
}

fn engine_err(e: EngineError) -> CheckError {
    CheckError::Engine {
        check: "migrations".into(),
        source: e,
    }
}

async fn read_state(conn: &dyn GraphConnection) -> Result<State, CheckError> {
    let mut results = Vec::new();
    for probe in state::probes() {
        results.push(conn.execute(&probe).await.map_err(engine_err)?);
    }
    State::from_probes(&results).map_err(|message| {
        engine_err(EngineError::Unsupported {
            server: conn.describe(),
            message: format!("failed to read the graph's state: {message}"),
        })
    })
}

/// The first line of an engine error's message (the server's words), for a summary.
fn short(e: &EngineError) -> String {
    let text = match e {
        EngineError::Query { message, .. } => message.clone(),
        other => other.to_string(),
    };
    text.lines().next().unwrap_or_default().trim().to_owned()
}

fn at(script: &Script, statement: &Statement) -> String {
    format!("{}:{}", script.file_name, statement.line)
}

/// Runs a script's statements one by one (each in its own transaction, as Neo4j-Migrations
/// does for scripts that need it); the first error is returned with the statement.
async fn run_script<'s>(
    conn: &dyn GraphConnection,
    script: &'s Script,
) -> Result<(), (&'s Statement, EngineError)> {
    for statement in &script.statements {
        conn.execute(&Query::new(statement.text.clone()))
            .await
            .map_err(|e| (statement, e))?;
    }
    Ok(())
}

/// The `__Neo4jMigration` chain as recorded on a server: (version, checksum) in chain order
/// after `BASELINE`.
async fn read_history(conn: &dyn GraphConnection) -> Result<Vec<(String, String)>, CheckError> {
    let rows = conn
        .execute(&Query::new(format!(
            "MATCH (m:{HISTORY_LABEL}) OPTIONAL MATCH (p:{HISTORY_LABEL})-[:MIGRATED_TO]->(m) \
             RETURN m.version AS version, m.checksum AS checksum, p.version AS previous"
        )))
        .await
        .map_err(engine_err)?
        .rows;
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Int(i)) => Some(i.to_string()),
        _ => None,
    };
    let entries: Vec<(String, String, Option<String>)> = rows
        .iter()
        .filter_map(|r| {
            Some((
                text(r.first())?,
                text(r.get(1)).unwrap_or_default(),
                text(r.get(2)),
            ))
        })
        .collect();
    // Walk the chain from BASELINE.
    let mut chain = Vec::new();
    let mut current = "BASELINE".to_owned();
    while let Some(next) = entries
        .iter()
        .find(|(_, _, prev)| prev.as_deref() == Some(current.as_str()))
    {
        if chain.len() > entries.len() {
            break; // a cycle
        }
        chain.push((next.0.clone(), next.1.clone()));
        current = next.0.clone();
    }
    Ok(chain)
}

fn same_version(recorded: &str, version: &Version) -> bool {
    Version::parse(recorded).as_ref() == Some(version)
}

/// Appends a migration to the chain, as Neo4j-Migrations does: a `__Neo4jMigration` node
/// (version, description, checksum, type, source) linked from the chain's tail (or a `BASELINE`
/// node) by `MIGRATED_TO` carrying when (`at`), how long (`in`) and by whom (`by`,
/// `connectedAs`). FalkorDB has no temporal functions for that: `at` is epoch milliseconds and
/// `in` milliseconds there.
async fn record(
    conn: &dyn GraphConnection,
    migration: &Migration,
    tail: Option<&str>,
    millis: i64,
) -> Result<(), EngineError> {
    let (at, took) = conn.dialect().clock_expressions();
    conn.execute(&Query::new(format!(
        "MERGE (:{HISTORY_LABEL} {{version: 'BASELINE'}})"
    )))
    .await?;
    let text = format!(
        "MATCH (tail:{HISTORY_LABEL} {{version: $tail}}) \
         CREATE (tail)-[r:MIGRATED_TO]->(m:{HISTORY_LABEL} {{version: $version, description: $description, checksum: $checksum, type: 'CYPHER', source: $source}}) \
         SET r.at = {at}, r.in = {took}, r.by = 'migration-harness', r.connectedAs = 'migration-harness' \
         RETURN m.version AS version"
    );
    let query = Query::new(text)
        .param("tail", tail.unwrap_or("BASELINE"))
        .param("version", migration.version_text.replace('_', "."))
        .param("description", migration.description.clone())
        .param("checksum", migration.up.checksum.clone())
        .param("source", migration.up.file_name.clone())
        .param("ms", millis);
    let result = conn.execute(&query).await?;
    if result.rows.len() != 1 {
        return Err(EngineError::Unsupported {
            server: conn.describe(),
            message: format!(
                "recording {} in the history created {} node(s): the chain's tail {:?} was not found",
                migration.label(),
                result.rows.len(),
                tail.unwrap_or("BASELINE")
            ),
        });
    }
    Ok(())
}

/// Builds outcomes, applying the scenario's expected failures.
struct Verdicts<'a> {
    spec: &'a MigrationsSpec,
    server: &'a MigrationServer<'a>,
    outcomes: Vec<CheckOutcome>,
}

impl Verdicts<'_> {
    fn wants(&self, kind: Kind) -> bool {
        self.spec.checks.contains(&kind)
    }

    fn push(
        &mut self,
        kind: Kind,
        migration: &Migration,
        passed: bool,
        summary: String,
        mut details: Vec<String>,
    ) {
        let expected = self.spec.expect_failures.iter().find(|e| {
            e.check == kind
                && Version::parse(e.migration.value.trim().trim_start_matches(['V', 'v'])).as_ref()
                    == Some(&migration.version)
                && e.server.as_ref().is_none_or(|req| {
                    VersionReq::parse(&req.value).is_ok_and(|r| r.matches(&self.server.version))
                })
        });
        let head = format!("{} on {}", migration.label(), self.server.name());
        details.truncate(MAX_LINES);
        let check = CheckKind::Migrations(kind);
        let outcome = match expected {
            None => CheckOutcome::new(check, passed, format!("{head}: {summary}"), details),
            Some(e) if !passed => CheckOutcome::new(
                check,
                true,
                format!("{head}: expected failure: {summary}"),
                details,
            )
            .with_differences(
                vec![Difference {
                    subject: migration.label(),
                    kind: kind.name().to_owned(),
                    query: None,
                    allowed: Some(AppliedAllowance {
                        allowance: format!("expect_failures ({})", kind.name()),
                        reason: Some(e.reason.clone()),
                    }),
                }],
                Vec::new(),
            ),
            Some(e) => CheckOutcome::new(
                check,
                false,
                format!(
                    "{head}: expected to fail ({}), but passed: {summary}; remove the expectation from migrations.expect_failures",
                    e.reason
                ),
                details,
            ),
        };
        let data = MigrationData {
            migration: Some(migration.label()),
            servers: vec![format!("{} ({})", self.server.role, self.server.name())],
            passed_as_run: passed,
            content_hashes: Vec::new(),
        };
        self.outcomes
            .push(outcome.with_data(CheckData::Migrations(data)));
    }
}

fn declared_not_idempotent<'a>(spec: &'a MigrationsSpec, m: &Migration) -> Option<&'a str> {
    spec.declare
        .iter()
        .find(|d| {
            d.idempotent == Some(false)
                && Version::parse(d.migration.value.trim().trim_start_matches(['V', 'v'])).as_ref()
                    == Some(&m.version)
        })
        .map(|d| d.reason.as_deref().unwrap_or("declared in the scenario"))
}

/// Wipes the server and loads the fixtures.
async fn reset(conn: &dyn GraphConnection, fixtures: &[Statement]) -> Result<(), CheckError> {
    conn.wipe().await.map_err(engine_err)?;
    for statement in fixtures {
        conn.execute(&Query::new(statement.text.clone()))
            .await
            .map_err(|e| {
                engine_err(EngineError::Unsupported {
                    server: conn.describe(),
                    message: format!("failed to seed fixture {statement}: {}", short(&e)),
                })
            })?;
    }
    Ok(())
}

/// Rebuilds the state after `upto` (inclusive): fixtures, then every pending migration's up
/// and history record.
async fn rebuild(
    conn: &dyn GraphConnection,
    fixtures: &[Statement],
    pending: &[&Migration],
    history_tail: Option<String>,
) -> Result<(), CheckError> {
    reset(conn, fixtures).await?;
    let mut tail = history_tail;
    for m in pending {
        run_script(conn, &m.up).await.map_err(|(st, e)| {
            engine_err(EngineError::Unsupported {
                server: conn.describe(),
                message: format!(
                    "failed to rebuild the state: {} at {} failed again: {}",
                    m.label(),
                    at(&m.up, st),
                    short(&e)
                ),
            })
        })?;
        record(conn, m, tail.as_deref(), 0)
            .await
            .map_err(engine_err)?;
        tail = Some(m.version_text.replace('_', "."));
    }
    Ok(())
}

/// Runs every migration of `set` on `server`, which is wiped and seeded with `fixtures` first.
pub async fn run_on_server(
    spec: &MigrationsSpec,
    set: &MigrationSet,
    fixtures: &[Statement],
    server: &MigrationServer<'_>,
) -> Result<ServerRun, CheckError> {
    let conn = server.connection;
    reset(conn, fixtures).await?;
    let recorded = read_history(conn).await?;
    let initial_tail = recorded.last().map(|(v, _)| v.clone());
    let mut v = Verdicts {
        spec,
        server,
        outcomes: Vec::new(),
    };
    let mut applied: Vec<&Migration> = Vec::new();
    let mut tail = initial_tail.clone();
    let mut current = read_state(conn).await?;
    let mut broke_at = None;
    for (index, m) in set.migrations.iter().enumerate() {
        // history: a migration the graph's history already records is not run again.
        if let Some((_, checksum)) = recorded
            .iter()
            .find(|(ver, _)| same_version(ver, &m.version))
        {
            if v.wants(Kind::History) {
                let passed = *checksum == m.up.checksum;
                let summary = if passed {
                    format!("already applied according to the history (checksum {checksum}); not run again")
                } else {
                    format!(
                        "checksum mismatch: the history records checksum {checksum} for version {}, but {} now has checksum {}: the script was changed after it ran",
                        m.version, m.up.file_name, m.up.checksum
                    )
                };
                v.push(Kind::History, m, passed, summary, Vec::new());
            }
            continue;
        }
        let before = current.clone();

        if v.wants(Kind::DryRun) {
            let (passed, summary, details) = dry_run(conn, m, &before).await?;
            v.push(Kind::DryRun, m, passed, summary, details);
        }

        // applies
        let began = Instant::now();
        if let Err((statement, e)) = run_script(conn, &m.up).await {
            let later: Vec<String> = set.migrations[index + 1..]
                .iter()
                .map(|l| format!("V{}", l.version))
                .collect();
            let mut details = vec![format!("{}: {}", at(&m.up, statement), e)];
            if !later.is_empty() {
                details.push(format!(
                    "not run on this server after this failure: {}",
                    later.join(", ")
                ));
            }
            v.push(
                Kind::Applies,
                m,
                false,
                format!(
                    "breaks on {} at {}: {}",
                    server.name(),
                    at(&m.up, statement),
                    short(&e)
                ),
                details,
            );
            broke_at = Some(format!("{} on {}", m.label(), server.name()));
            return Ok(ServerRun {
                outcomes: v.outcomes,
                final_state: None,
                broke_at,
            });
        }
        let millis = began.elapsed().as_millis() as i64;
        let after = read_state(conn).await?;
        let (counters, _) = changes(&before, &after);
        v.push(
            Kind::Applies,
            m,
            true,
            format!(
                "{} statement(s) applied in {millis} ms: {counters}",
                m.up.statements.len()
            ),
            Vec::new(),
        );

        // history: record it as the tool would, then read the chain back.
        record(conn, m, tail.as_deref(), millis)
            .await
            .map_err(engine_err)?;
        let version = m.version_text.replace('_', ".");
        tail = Some(version.clone());
        applied.push(m);
        if v.wants(Kind::History) {
            let chain = read_history(conn).await?;
            let last = chain.last();
            let passed = last
                .is_some_and(|(ver, sum)| same_version(ver, &m.version) && *sum == m.up.checksum);
            let shown: Vec<&str> = chain.iter().map(|(ver, _)| ver.as_str()).collect();
            let summary = if passed {
                format!(
                    "recorded: version {version}, checksum {} (chain BASELINE -> {})",
                    m.up.checksum,
                    shown.join(" -> ")
                )
            } else {
                format!(
                    "the history does not end with version {version} and checksum {}: chain BASELINE -> {}",
                    m.up.checksum,
                    shown.join(" -> ")
                )
            };
            v.push(Kind::History, m, passed, summary, Vec::new());
        }

        // idempotent: up once more must change nothing.
        if v.wants(Kind::Idempotent) {
            if let Some(reason) = declared_not_idempotent(spec, m) {
                v.outcomes.push(
                    CheckOutcome::new(
                        CheckKind::Migrations(Kind::Idempotent),
                        true,
                        format!(
                            "{} on {}: not checked, declared not idempotent: {reason}",
                            m.label(),
                            server.name()
                        ),
                        Vec::new(),
                    )
                    .with_differences(
                        vec![Difference {
                            subject: m.label(),
                            kind: "idempotent".into(),
                            query: None,
                            allowed: Some(AppliedAllowance {
                                allowance: "declare: idempotent: false".into(),
                                reason: Some(reason.to_owned()),
                            }),
                        }],
                        Vec::new(),
                    )
                    .with_data(CheckData::Migrations(MigrationData {
                        migration: Some(m.label()),
                        servers: vec![format!("{} ({})", server.role, server.name())],
                        passed_as_run: true,
                        content_hashes: Vec::new(),
                    })),
                );
            } else {
                let again = run_script(conn, &m.up).await;
                let twice = read_state(conn).await?;
                match again {
                    Err((statement, e)) => {
                        v.push(
                            Kind::Idempotent,
                            m,
                            false,
                            format!(
                                "the second run fails at {}: {}",
                                at(&m.up, statement),
                                short(&e)
                            ),
                            vec![e.to_string()],
                        );
                        rebuild(conn, fixtures, &applied, initial_tail.clone()).await?;
                    }
                    Ok(()) if twice.same_content(&after) => v.push(
                        Kind::Idempotent,
                        m,
                        true,
                        format!("a second run changes nothing (hash {})", after.hash()),
                        Vec::new(),
                    ),
                    Ok(()) => {
                        let (counters, lines) = changes(&after, &twice);
                        v.push(
                            Kind::Idempotent,
                            m,
                            false,
                            format!(
                                "a second run changes the graph again: {counters} (hash {} -> {})",
                                after.hash(),
                                twice.hash()
                            ),
                            lines,
                        );
                        rebuild(conn, fixtures, &applied, initial_tail.clone()).await?;
                    }
                }
            }
        }

        // reversible: down restores the exact pre-up content; then up again.
        if v.wants(Kind::Reversible) {
            match &m.down {
                None if spec.reversible => v.push(
                    Kind::Reversible,
                    m,
                    false,
                    "no down script".into(),
                    Vec::new(),
                ),
                None => {}
                Some(down) => {
                    let mut restored = false;
                    match run_script(conn, down).await {
                        Err((statement, e)) => v.push(
                            Kind::Reversible,
                            m,
                            false,
                            format!(
                                "the down script fails at {}: {}",
                                at(down, statement),
                                short(&e)
                            ),
                            vec![e.to_string()],
                        ),
                        Ok(()) => {
                            let back = read_state(conn).await?;
                            if back.same_content(&before) {
                                restored = true;
                                v.push(
                                    Kind::Reversible,
                                    m,
                                    true,
                                    format!(
                                        "{} restores the pre-up content exactly (hash {})",
                                        down.file_name,
                                        before.hash()
                                    ),
                                    Vec::new(),
                                );
                            } else {
                                let (_, lines) = changes(&before, &back);
                                v.push(
                                    Kind::Reversible,
                                    m,
                                    false,
                                    format!(
                                        "{} does not restore the pre-up content: {} difference(s) (hash before up {}, after down {})",
                                        down.file_name,
                                        lines.len(),
                                        before.hash(),
                                        back.hash()
                                    ),
                                    lines,
                                );
                            }
                        }
                    }
                    // Back to the state after this migration for the next one: up again after
                    // a clean down, else rebuilt from the fixtures.
                    let redone = restored
                        && run_script(conn, &m.up).await.is_ok()
                        && read_state(conn).await?.same_content(&after);
                    if !redone {
                        rebuild(conn, fixtures, &applied, initial_tail.clone()).await?;
                    }
                }
            }
        }
        current = read_state(conn).await?;
        if !current.same_content(&after) {
            return Err(engine_err(EngineError::Unsupported {
                server: conn.describe(),
                message: format!(
                    "failed to return to the state after {}: rebuilding from the fixtures gave other content (is the up script deterministic?)",
                    m.label()
                ),
            }));
        }
    }
    Ok(ServerRun {
        outcomes: v.outcomes,
        final_state: Some(current),
        broke_at,
    })
}

/// `dry_run` of one migration: up isolated and undone; the graph must not change.
async fn dry_run(
    conn: &dyn GraphConnection,
    m: &Migration,
    before: &State,
) -> Result<(bool, String, Vec<String>), CheckError> {
    let mut tried = Vec::new();
    let mut tried_at = Vec::new();
    let mut details = Vec::new();
    for st in &m.up.statements {
        match manages_own_transaction(&st.text) {
            Some(reason) => details.push(format!("not tried: {}: {reason}", at(&m.up, st))),
            None => {
                tried.push(Query::new(st.text.clone()));
                tried_at.push(st);
            }
        }
    }
    let not_tried = details.len();
    if tried.is_empty() {
        return Ok((
            true,
            format!("nothing tried: all {not_tried} statement(s) manage their own transactions"),
            details,
        ));
    }
    let run = match conn.dry_run(&tried, &state::probes()).await {
        Ok(run) => run,
        Err(EngineError::Unsupported { message, .. }) => {
            return Ok((true, format!("not available: {message}"), details));
        }
        Err(e) => return Err(engine_err(e)),
    };
    let after_run = read_state(conn).await?;
    let leaked = !after_run.same_content(before);
    let mut lines = Vec::new();
    if leaked {
        let (_, leak) = changes(before, &after_run);
        lines.extend(leak.into_iter().map(|l| format!("leaked: {l}")));
    }
    let skipped = if not_tried > 0 {
        format!("; {not_tried} statement(s) not tried (own transactions)")
    } else {
        String::new()
    };
    if let Some((i, e)) = &run.failed {
        let st = tried_at[*i];
        lines.push(format!("{}: {e}", at(&m.up, st)));
        lines.extend(details);
        return Ok((
            false,
            format!(
                "up fails inside the dry run ({}) at {}: {}{skipped}",
                run.isolation,
                at(&m.up, st),
                short(e)
            ),
            lines,
        ));
    }
    let (inside_before, inside_after) = match (
        State::from_probes(&run.before),
        State::from_probes(&run.after),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            return Err(engine_err(EngineError::Unsupported {
                server: conn.describe(),
                message: format!("failed to read the dry run's state: {e}"),
            }))
        }
    };
    let (would, _) = changes(&inside_before, &inside_after);
    lines.extend(details);
    if leaked {
        return Ok((
            false,
            format!(
                "the dry run ({}) leaked writes: hash {} before, {} after; it would change: {would}{skipped}",
                run.isolation,
                before.hash(),
                after_run.hash()
            ),
            lines,
        ));
    }
    Ok((
        true,
        format!(
            "would change: {would}; graph unchanged afterwards (hash {}, {}){skipped}",
            before.hash(),
            run.isolation
        ),
        lines,
    ))
}

/// `same_on_both`: the servers' contents after every migration.
pub fn same_on_both(
    runs: &[(&MigrationServer<'_>, &ServerRun)],
    migrations: usize,
) -> CheckOutcome {
    let check = CheckKind::Migrations(Kind::SameOnBoth);
    let [(a, ra), (b, rb)] = runs else {
        return CheckOutcome::new(
            check,
            true,
            format!("{} server(s): nothing to compare", runs.len()),
            Vec::new(),
        );
    };
    let (an, bn) = (
        format!("{} ({})", a.role, a.name()),
        format!("{} ({})", b.role, b.name()),
    );
    let outcome = match (&ra.final_state, &rb.final_state) {
        (Some(sa), Some(sb)) if sa.same_content(sb) => CheckOutcome::new(
            check,
            true,
            format!(
                "after {migrations} migration(s), {an} and {bn} hold the same content: {} (hash {})",
                sa.size(),
                sa.hash()
            ),
            Vec::new(),
        ),
        (Some(sa), Some(sb)) => {
            let mut lines = content_difference(sa, &an, sb, &bn);
            let n = lines.len();
            lines.truncate(MAX_LINES);
            CheckOutcome::new(
                check,
                false,
                format!(
                    "after {migrations} migration(s), {an} and {bn} differ: {n} difference(s) ({} vs {}; hash {} vs {})",
                    sa.size(),
                    sb.size(),
                    sa.hash(),
                    sb.hash()
                ),
                lines,
            )
        }
        _ => {
            let broke: Vec<&str> = [&ra.broke_at, &rb.broke_at]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            CheckOutcome::new(
                check,
                false,
                format!(
                    "not comparable: the migrations did not all apply ({})",
                    broke.join("; ")
                ),
                Vec::new(),
            )
        }
    };
    let hashes = match (&ra.final_state, &rb.final_state) {
        (Some(sa), Some(sb)) => vec![sa.hash(), sb.hash()],
        _ => Vec::new(),
    };
    let passed = outcome.passed;
    outcome.with_data(CheckData::Migrations(MigrationData {
        migration: None,
        servers: vec![an, bn],
        passed_as_run: passed,
        content_hashes: hashes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::QueryResult;

    fn state(rows: &[(i64, &str)]) -> State {
        let nodes = QueryResult {
            columns: vec![],
            rows: rows
                .iter()
                .map(|(id, name)| {
                    vec![
                        Value::Int(*id),
                        Value::List(vec![Value::String("Customer".into())]),
                        Value::Map([("name".to_string(), Value::String(name.to_string()))].into()),
                    ]
                })
                .collect(),
            notifications: vec![],
        };
        State::from_probes(&[nodes, QueryResult::default()]).unwrap()
    }

    fn run(final_state: Option<State>, broke_at: Option<&str>) -> ServerRun {
        ServerRun {
            outcomes: Vec::new(),
            final_state,
            broke_at: broke_at.map(str::to_owned),
        }
    }

    #[test]
    fn same_on_both_names_the_content_only_one_side_holds() {
        let a = run(Some(state(&[(1, "Ada"), (2, "Alan")])), None);
        let b = run(Some(state(&[(7, "Ada"), (8, "Grace")])), None);
        // Connections are only used for their names; a dialect-only stand-in is enough.
        struct Named(crate::engine::Dialect);
        #[async_trait::async_trait]
        impl GraphConnection for Named {
            fn describe(&self) -> String {
                "x".into()
            }
            fn dialect(&self) -> &crate::engine::Dialect {
                &self.0
            }
            async fn execute(&self, _: &Query) -> Result<QueryResult, EngineError> {
                unreachable!()
            }
            async fn server_info(&self) -> Result<crate::engine::ServerInfo, EngineError> {
                unreachable!()
            }
            async fn wipe(&self) -> Result<(), EngineError> {
                unreachable!()
            }
        }
        let conn = Named(crate::engine::Dialect::new(
            crate::engine::dialect::EngineKind::Falkordb,
            None,
        ));
        let (sa, sb) = (
            MigrationServer {
                role: "source",
                connection: &conn,
                version: "4.16.3".into(),
            },
            MigrationServer {
                role: "target",
                connection: &conn,
                version: "4.18.3".into(),
            },
        );
        let o = same_on_both(&[(&sa, &a), (&sb, &b)], 3);
        assert!(!o.passed, "{o:#?}");
        assert_eq!(
            o.details,
            vec![
                "only on source (falkordb 4.16.3) (1x): (:Customer {name: \"Alan\"})".to_string(),
                "only on target (falkordb 4.18.3) (1x): (:Customer {name: \"Grace\"})".to_string(),
            ]
        );
        // The typed data names both servers and carries both hashes, which differ.
        let CheckData::Migrations(data) = &o.data else {
            panic!("no migrations data: {o:#?}")
        };
        assert_eq!(data.migration, None);
        assert_eq!(
            data.servers,
            ["source (falkordb 4.16.3)", "target (falkordb 4.18.3)"]
        );
        assert!(!data.passed_as_run);
        assert_eq!(data.content_hashes.len(), 2);
        assert_ne!(data.content_hashes[0], data.content_hashes[1]);
        let same = run(Some(state(&[(9, "Alan"), (3, "Ada")])), None);
        let o = same_on_both(&[(&sa, &a), (&sb, &same)], 3);
        assert!(o.passed);
        let CheckData::Migrations(data) = &o.data else {
            panic!("no migrations data: {o:#?}")
        };
        assert_eq!(data.content_hashes[0], data.content_hashes[1]);
        let broken = run(None, Some("V2 (x) on falkordb 4.18.3"));
        let o = same_on_both(&[(&sa, &a), (&sb, &broken)], 3);
        assert!(!o.passed && o.summary.contains("not comparable"), "{o:#?}");
        let CheckData::Migrations(data) = &o.data else {
            panic!("no migrations data: {o:#?}")
        };
        assert!(data.content_hashes.is_empty());
    }
}
