//! Each migration check fails on a script built to break it, on a real FalkorDB server
//! (4.18.3, started by the process launcher): a non-idempotent up, a lossy down, a script
//! changed after the history recorded it, a statement that errors (file, line and server
//! version named), and a dry run whose isolation leaks a write. Declared expectations turn a
//! failure into `allowed`, and an expected failure that does not happen fails.

use crate::support;

use std::path::Path;

use async_trait::async_trait;
use migration_harness::checks::migrations::{run_on_server, MigrationServer};
use migration_harness::checks::{CheckData, CheckOutcome, CheckStatus};
use migration_harness::engine::{
    Dialect, DryRun, EngineError, GraphConnection, Query, QueryResult, Server, ServerInfo,
    ServerRole,
};
use migration_harness::scenario::{self, Scenario};

const VERSION: &str = "4.18.3";

const FIXTURES: &str =
    "CREATE (:Customer {id: 1, fullName: 'Ada'});\nCREATE (:Customer {id: 2, fullName: 'Alan'});\n";

/// A scenario in a temporary directory: `files` go into `m/`, `extra` is appended under
/// `migrations:` (indented by the caller).
fn scenario(dir: &Path, files: &[(&str, &str)], fixtures: &str, extra: &str) -> Scenario {
    std::fs::create_dir_all(dir.join("m")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join("m").join(name), text).unwrap();
    }
    std::fs::write(dir.join("fixtures.cypher"), fixtures).unwrap();
    let yaml = format!(
        "name: t\nsource: {{ engine: falkordb, version: \"{VERSION}\" }}\ntarget: {{ engine: falkordb, version: \"{VERSION}\" }}\nfixtures:\n  - file: fixtures.cypher\nmigrations:\n  dir: m\n{extra}"
    );
    std::fs::write(dir.join("s.yaml"), yaml).unwrap();
    scenario::load_file(&dir.join("s.yaml")).unwrap()
}

async fn server() -> Server {
    support::require_falkordb_images(&[VERSION]).await;
    Server::start(support::falkordb_request(ServerRole::Target, VERSION))
        .await
        .expect("FalkorDB starts")
}

async fn run(s: &Scenario, connection: &dyn GraphConnection) -> Vec<CheckOutcome> {
    let server = MigrationServer {
        role: "target",
        connection,
        version: VERSION.into(),
    };
    let spec = s.file.migrations.as_ref().unwrap();
    let set = s.migration_set.as_ref().unwrap();
    run_on_server(spec, set, &s.fixture_statements, &server)
        .await
        .unwrap()
        .outcomes
}

fn find<'a>(outcomes: &'a [CheckOutcome], kind: &str, version: &str) -> &'a CheckOutcome {
    let check = format!("migrations.{kind}");
    let head = format!("V{version} ");
    let found = outcomes
        .iter()
        .find(|o| o.check == check && o.summary.starts_with(&head))
        .unwrap_or_else(|| panic!("no {check} outcome for V{version}: {outcomes:#?}"));
    // The typed data says the same as the summary: which migration, on which server.
    let CheckData::Migrations(data) = &found.data else {
        panic!("no migrations data: {found:#?}")
    };
    assert!(
        data.migration
            .as_ref()
            .is_some_and(|m| m.starts_with(&head)),
        "{data:?}"
    );
    assert_eq!(data.servers, [format!("target (falkordb {VERSION})")]);
    found
}

#[tokio::test]
async fn a_non_idempotent_up_fails_idempotent_with_the_change_named() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let files = [(
        "V1__Count_visits.cypher",
        "MATCH (c:Customer) SET c.visits = coalesce(c.visits, 0) + 1;\n",
    )];
    let s = scenario(dir.path(), &files, FIXTURES, "");
    let outcomes = run(&s, server.connection.as_ref()).await;
    let o = find(&outcomes, "idempotent", "1");
    assert!(!o.passed, "{o:#?}");
    assert!(
        o.summary
            .contains("a second run changes the graph again: 2 propert(y/ies) set"),
        "{o:#?}"
    );
    assert!(
        o.details
            .iter()
            .any(|d| d.contains("property visits changed 1 (INTEGER) -> 2 (INTEGER)")),
        "{o:#?}"
    );
    // The migrations after it start from the single-run state (rebuilt from the fixtures).
    assert!(find(&outcomes, "applies", "1").passed);

    // Declared not idempotent: reported as allowed, not run twice.
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        &files,
        FIXTURES,
        "  declare:\n    - { migration: \"1\", idempotent: false, reason: counts visits }\n",
    );
    let outcomes = run(&s, server.connection.as_ref()).await;
    let o = find(&outcomes, "idempotent", "1");
    assert_eq!(o.status, CheckStatus::Allowed, "{o:#?}");
    assert!(
        o.summary.contains("declared not idempotent: counts visits"),
        "{o:#?}"
    );
}

#[tokio::test]
async fn a_lossy_down_fails_reversible_entity_by_entity_and_expectations_are_strict() {
    let server = server().await;
    let files = [
        (
            "V1__Status.cypher",
            "MATCH (c:Customer) SET c.status = 'active', c.fullName = NULL;\n",
        ),
        // Puts the status back but not the name.
        (
            "U1__Status.cypher",
            "MATCH (c:Customer) SET c.status = NULL;\n",
        ),
        ("V2__Tag.cypher", "MATCH (c:Customer) SET c.tag = 'x';\n"),
        ("U2__Tag.cypher", "MATCH (c:Customer) SET c.tag = NULL;\n"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), &files, FIXTURES, "  reversible: true\n");
    let outcomes = run(&s, server.connection.as_ref()).await;
    let o = find(&outcomes, "reversible", "1");
    assert!(!o.passed, "{o:#?}");
    assert!(
        o.summary
            .contains("U1__Status.cypher does not restore the pre-up content: 2 difference(s)"),
        "{o:#?}"
    );
    assert!(
        o.details.iter().any(|d| d.contains(
            "(:Customer {fullName: \"Ada\", id: 1}): property fullName removed (was \"Ada\")"
        )),
        "{o:#?}"
    );
    // V2 ran on the state after V1 (rebuilt), and its down is exact.
    assert!(find(&outcomes, "reversible", "2").passed, "{outcomes:#?}");
    assert!(find(&outcomes, "history", "2")
        .summary
        .contains("chain BASELINE -> 1 -> 2"));

    // Expected: allowed with the reason. Expected but passing (V2): fails.
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        &files,
        FIXTURES,
        "  reversible: true\n  expect_failures:\n    - { migration: \"1\", check: reversible, reason: SHOP-1 }\n    - { migration: \"2\", check: reversible, server: \">=4.18\", reason: SHOP-2 }\n",
    );
    let outcomes = run(&s, server.connection.as_ref()).await;
    assert_eq!(
        find(&outcomes, "reversible", "1").status,
        CheckStatus::Allowed
    );
    let o = find(&outcomes, "reversible", "2");
    assert!(
        !o.passed && o.summary.contains("expected to fail (SHOP-2), but passed"),
        "{o:#?}"
    );
}

#[tokio::test]
async fn a_script_changed_after_it_ran_is_a_checksum_mismatch() {
    let server = server().await;
    let v1 = "MATCH (c:Customer) SET c.status = 'active';\n";
    let files = [
        ("V1__Status.cypher", v1),
        ("V2__Tag.cypher", "MATCH (c:Customer) SET c.tag = 'x';\n"),
    ];
    // The production graph's history says V1 ran, with the checksum of another text.
    let history = |checksum: &str| {
        format!(
            "{FIXTURES}CREATE (:__Neo4jMigration {{version: 'BASELINE'}})-[:MIGRATED_TO]->(:__Neo4jMigration {{version: '1', description: 'Status', checksum: '{checksum}', type: 'CYPHER', source: 'V1__Status.cypher'}});\n"
        )
    };
    let old = migration_harness::migrations::checksum("MATCH (c:Customer) SET c.status = 'on';\n");
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), &files, &history(&old), "");
    let outcomes = run(&s, server.connection.as_ref()).await;
    let o = find(&outcomes, "history", "1");
    assert!(!o.passed, "{o:#?}");
    let now = migration_harness::migrations::checksum(v1);
    assert!(
        o.summary.contains(&format!(
            "checksum mismatch: the history records checksum {old} for version 1, but V1__Status.cypher now has checksum {now}"
        )),
        "{o:#?}"
    );
    // V2 is pending: applied and appended to the existing chain.
    assert!(find(&outcomes, "history", "2")
        .summary
        .contains("chain BASELINE -> 1 -> 2"));

    // Unchanged script: already applied, not run again.
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), &files, &history(&now), "");
    let outcomes = run(&s, server.connection.as_ref()).await;
    let o = find(&outcomes, "history", "1");
    assert!(o.passed && o.summary.contains("already applied"), "{o:#?}");
    assert!(!outcomes
        .iter()
        .any(|o| o.check == "migrations.applies" && o.summary.starts_with("V1 ")));
}

#[tokio::test]
async fn a_failing_statement_names_file_line_and_server_version() {
    let server = server().await;
    let files = [
        ("V1__Ok.cypher", "MATCH (c:Customer) SET c.ok = true;\n"),
        (
            "V2__Broken.cypher",
            "MATCH (c:Customer) SET c.a = 1;\n\nMATCH (c:Customer) SET c.b = nosuchfunction(c.a);\n",
        ),
        ("V3__Later.cypher", "MATCH (c:Customer) SET c.later = 1;\n"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), &files, FIXTURES, "");
    let outcomes = run(&s, server.connection.as_ref()).await;
    let o = find(&outcomes, "applies", "2");
    assert!(!o.passed, "{o:#?}");
    assert!(
        o.summary.starts_with(
            "V2 (Broken) on falkordb 4.18.3: breaks on falkordb 4.18.3 at V2__Broken.cypher:3: "
        ),
        "{o:#?}"
    );
    assert!(
        o.details
            .iter()
            .any(|d| d.contains("not run on this server after this failure: V3")),
        "{o:#?}"
    );
    // The dry run met the same error inside its isolation.
    let d = find(&outcomes, "dry_run", "2");
    assert!(
        !d.passed && d.summary.contains("up fails inside the dry run"),
        "{d:#?}"
    );
    assert!(find(&outcomes, "applies", "1").passed);
}

/// A connection whose "dry run" writes for real, like FalkorDB's Bolt endpoint, where a
/// rollback is a no-op.
struct LeakyDryRun(std::sync::Arc<dyn GraphConnection>);

#[async_trait]
impl GraphConnection for LeakyDryRun {
    fn describe(&self) -> String {
        self.0.describe()
    }
    fn dialect(&self) -> &Dialect {
        self.0.dialect()
    }
    async fn execute(&self, query: &Query) -> Result<QueryResult, EngineError> {
        self.0.execute(query).await
    }
    async fn server_info(&self) -> Result<ServerInfo, EngineError> {
        self.0.server_info().await
    }
    async fn wipe(&self) -> Result<(), EngineError> {
        self.0.wipe().await
    }
    async fn dry_run(&self, statements: &[Query], probes: &[Query]) -> Result<DryRun, EngineError> {
        let mut out = DryRun {
            isolation: "a rollback that does nothing".into(),
            ..Default::default()
        };
        for p in probes {
            out.before.push(self.0.execute(p).await?);
        }
        for s in statements {
            self.0.execute(s).await?;
        }
        for p in probes {
            out.after.push(self.0.execute(p).await?);
        }
        Ok(out)
    }
}

#[tokio::test]
async fn a_dry_run_that_leaks_a_write_fails() {
    let server = server().await;
    let files = [(
        "V1__Status.cypher",
        "MATCH (c:Customer) SET c.status = 'active';\n",
    )];
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), &files, FIXTURES, "");
    let leaky = LeakyDryRun(server.connection.clone());
    let outcomes = run(&s, &leaky).await;
    let o = find(&outcomes, "dry_run", "1");
    assert!(!o.passed, "{o:#?}");
    assert!(
        o.summary
            .contains("the dry run (a rollback that does nothing) leaked writes"),
        "{o:#?}"
    );
    assert!(
        o.summary.contains("it would change: 2 propert(y/ies) set"),
        "{o:#?}"
    );
    assert!(
        o.details
            .iter()
            .any(|d| d.starts_with("leaked: node (:Customer {fullName: \"Ada\", id: 1}): property status set to \"active\"")),
        "{o:#?}"
    );
    // The real connection's dry run leaves the graph as it was.
    let outcomes = run(&s, server.connection.as_ref()).await;
    let o = find(&outcomes, "dry_run", "1");
    assert!(
        o.passed && o.summary.contains("GRAPH.COPY scratch graph"),
        "{o:#?}"
    );
    let graphs = server
        .connection
        .as_falkordb()
        .unwrap()
        .graph_names()
        .await
        .unwrap();
    assert!(
        !graphs.iter().any(|g| g.contains("__mh_dry_run")),
        "{graphs:?}"
    );
}
