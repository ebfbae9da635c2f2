//! End-to-end runs against real FalkorDB servers of two versions, started by testcontainers from
//! the local images that scripts/local-images.sh builds (the CI engine: no registry needed).

use crate::support;

use support::ExternalServer;

use std::process::Command;

use migration_harness::checks::{self, CheckOutcome};
use migration_harness::engine::dialect::{Dialect, EngineKind};
use migration_harness::engine::falkordb::FalkorConnection;
use migration_harness::engine::{GraphConnection, Query};
use migration_harness::run::{events::NoEvents, run_scenario, RunOptions, Verdict};
use migration_harness::scenario::{self, Check, ContentHashCheck, CountsCheck};
use migration_harness::transfer;
use support::{repo_path, require_falkordb_images};

const SOURCE: &str = "4.16.3";
const TARGET: &str = "4.18.3";

fn bin() -> Command {
    support::harness()
}

#[tokio::test]
async fn quickstart_passes_end_to_end_on_two_versions() {
    require_falkordb_images(&[SOURCE, TARGET]).await;
    let scenario = scenario::load_file(&repo_path("scenarios/quickstart-falkordb.yaml")).unwrap();
    let outcome = run_scenario(&scenario, &RunOptions::default(), &NoEvents).await;
    assert_eq!(outcome.verdict, Verdict::Pass, "{outcome:#?}");
    let kinds: Vec<&str> = outcome.checks.iter().map(|c| c.check.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "capabilities",
            "counts",
            "content_hash",
            "schema",
            "queries"
        ]
    );
    // The same list `validate` and `plan` show for this scenario.
    let declared: Vec<&str> = scenario.check_kinds().iter().map(|k| k.as_str()).collect();
    assert_eq!(kinds, declared);
    assert!(outcome.checks[1]
        .summary
        .starts_with("6 nodes / 6 relationships on the source, 6 / 6 on the target"));
}

#[test]
fn a_wrong_expectation_exits_with_the_check_failure_code() {
    let out = bin()
        .args(["run", "tests/scenarios/wrong-expectation.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("source: expected 5 :Person nodes, found 4"),
        "{stderr}"
    );
    assert!(
        stderr.contains("target: expected 5 :Person nodes, found 4"),
        "{stderr}"
    );
    assert!(stderr.contains("FAIL wrong-expectation"), "{stderr}");
}

#[test]
fn the_quickstart_command_prints_a_verdict_and_exits_zero() {
    let out = bin()
        .args(["run", "scenarios/quickstart-falkordb.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // One line per case by default: verdict, time, case name; no step lines.
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("PASS ["))
        .unwrap_or_else(|| panic!("a PASS line: {stderr}"));
    assert!(
        line.starts_with("    PASS [") && line.contains("s] quickstart-falkordb[falkordb-"),
        "{line}"
    );
    assert!(!stderr.contains("] seed source done"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "1 passed, 0 failed, 0 errored\n"
    );
}

#[test]
fn validate_reports_file_line_column_and_exits_with_bad_input() {
    let out = bin()
        .args(["validate", "tests/validate/typo-key.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("tests/validate/typo-key.yaml:7:3: unknown field `verison`"),
        "{stderr}"
    );
    let out = bin()
        .args(["run", "tests/validate/typo-key.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "run must refuse bad input before starting anything"
    );
}

fn failing_details(outcome: &CheckOutcome) -> String {
    outcome.details.join("\n")
}

/// A copy that silently changes one property's type and drops one relationship must fail the
/// content check with a report naming that entity and property; counts alone would miss the type.
#[tokio::test]
async fn content_hash_names_the_changed_property_and_the_dropped_relationship() {
    let (source, target) = support::start_pair(SOURCE, TARGET).await;
    let scenario = scenario::load_file(&repo_path("scenarios/quickstart-falkordb.yaml")).unwrap();
    let (src, tgt): (&dyn GraphConnection, &dyn GraphConnection) =
        (source.connection.as_ref(), target.connection.as_ref());
    for st in &scenario.fixture_statements {
        src.execute(&Query::new(st.text.clone())).await.unwrap();
    }
    transfer::logical::copy(src, tgt, 2, &|_| {}).await.unwrap();
    let keys = [
        ("Person".to_string(), vec!["id".to_string()]),
        ("Movie".to_string(), vec!["id".to_string()]),
    ];
    let content = Check::ContentHash(ContentHashCheck {
        keys: keys.into_iter().collect(),
        max_diffs: None,
    });
    let clean = checks::run_check(&content, src, tgt, 2).await.unwrap();
    assert!(
        clean.passed,
        "a faithful copy must pass: {}",
        failing_details(&clean)
    );

    // The faults: an integer that became a float, and one relationship gone. (FalkorDB skips a
    // SET to a numerically equal value of another type, measured on 4.18.3, so remove first.)
    tgt.execute(&Query::new("MATCH (p:Person {id: 4}) REMOVE p.born"))
        .await
        .unwrap();
    tgt.execute(&Query::new("MATCH (p:Person {id: 4}) SET p.born = 1990.0"))
        .await
        .unwrap();
    tgt.execute(&Query::new(
        "MATCH (:Person {id: 1})-[r:KNOWS]->(:Person {id: 2}) DELETE r",
    ))
    .await
    .unwrap();

    let counts = checks::run_check(&Check::Counts(CountsCheck::default()), src, tgt, 2)
        .await
        .unwrap();
    assert!(!counts.passed);
    assert_eq!(
        failing_details(&counts),
        "relationships in total: source 6, target 5\n:KNOWS relationships: source 2, target 1"
    );
    let report = checks::run_check(&content, src, tgt, 2).await.unwrap();
    assert!(!report.passed);
    assert_eq!(
        report.details,
        [
            "changed node (:Person {id: 4}): property born: 1990 (INTEGER) -> 1990.0 (FLOAT)",
            "missing on target: relationship (:Person {id: 1})-[:KNOWS {since: 1998}]->(:Person {id: 2})",
        ]
    );
}

/// An external endpoint holding data is never wiped without
/// --allow-destructive: the run stops with an infrastructure error and the data is intact.
#[tokio::test]
async fn an_external_endpoint_with_data_is_left_untouched() {
    require_falkordb_images(&[SOURCE, TARGET]).await;
    let external = ExternalServer::start(TARGET);
    let uri = format!("redis://127.0.0.1:{}", external.port);
    let dialect = Dialect::new(EngineKind::Falkordb, None);
    let conn = FalkorConnection::open(&uri, "harness".into(), dialect, "external".into())
        .await
        .unwrap();
    conn.execute(&Query::new("CREATE (:Precious {keep: true})"))
        .await
        .unwrap();

    let out = bin()
        .args([
            "run",
            "scenarios/quickstart-falkordb.yaml",
            "--target-uri",
            &uri,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("holds 1 node(s) (perhaps from an earlier interrupted run)"),
        "{stderr}"
    );
    let left = conn
        .execute(&Query::new("MATCH (n:Precious) RETURN count(n)"))
        .await
        .unwrap();
    assert_eq!(
        left.rows,
        vec![vec![migration_harness::value::Value::Int(1)]]
    );
}

/// FalkorDB 4.14.11 answers `WHERE id(n) > -1` with no rows; the pager's bounds are inclusive
/// and never negative, so copying from 4.14.11 reads (and checks) every entity.
#[test]
fn a_copy_from_4_14_11_reads_every_entity() {
    let out = bin()
        .args([
            "run",
            "-v",
            "scenarios/quickstart-falkordb.yaml",
            "--source-version",
            "4.14.11",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("transfer done"), "{stderr}");
    assert!(stderr.contains("6 nodes, 6 relationships"), "{stderr}");
}

/// A source the scenario does not seed is only read: even with --allow-destructive (which only
/// ever applies to targets) the run copies what is there and the source is byte-for-byte
/// unchanged, read back with a raw RESP reader.
#[test]
fn an_external_source_without_fixtures_is_never_written() {
    let source = ExternalServer::start(SOURCE);
    for q in [
        "CREATE (:Keep {id: 1, name: 'a'})-[:R {w: 2}]->(:Keep {id: 2})",
        "CREATE INDEX FOR (k:Keep) ON (k.id)",
    ] {
        support::raw_resp(source.port, &["GRAPH.QUERY", "harness", q]);
    }
    let before = support::falkordb_state(source.port);
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("read-only.yaml");
    std::fs::write(
        &scenario,
        format!(
            "name: read-only-source\nsource:\n  engine: falkordb\n  version: \"{SOURCE}\"\ntarget:\n  engine: falkordb\n  version: \"{TARGET}\"\nchecks:\n  - counts:\n      expect: {{ total_nodes: 2, total_relationships: 1 }}\n  - content_hash: {{}}\n"
        ),
    )
    .unwrap();
    let out = bin()
        .args([
            "run",
            "-v",
            &scenario.display().to_string(),
            "--allow-destructive",
        ])
        .args([
            "--source-uri",
            &format!("redis://127.0.0.1:{}", source.port),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("external source without fixtures, only read"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&support::falkordb_state(source.port)),
        String::from_utf8_lossy(&before),
        "the source changed"
    );
}

/// An external source the scenario seeds must be empty: a non-empty one is refused even with
/// --allow-destructive, and left as it was.
#[test]
fn a_non_empty_external_source_is_not_wiped_for_fixtures() {
    let source = ExternalServer::start(SOURCE);
    support::raw_resp(
        source.port,
        &["GRAPH.QUERY", "harness", "CREATE (:Precious {id: 1})"],
    );
    let before = support::falkordb_state(source.port);
    let out = bin()
        .args([
            "run",
            "scenarios/quickstart-falkordb.yaml",
            "--allow-destructive",
        ])
        .args([
            "--source-uri",
            &format!("redis://127.0.0.1:{}", source.port),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("a source is never wiped"), "{stderr}");
    assert_eq!(support::falkordb_state(source.port), before);
}

/// An external server is asked for its version: a server labelled 4.14.11 that is really
/// 4.18.3 is refused (exit 3) with both versions named; the same URI as source and target is
/// refused before anything starts (exit 2).
#[test]
fn external_servers_are_checked_not_trusted() {
    let server = ExternalServer::start(TARGET);
    let uri = format!("redis://127.0.0.1:{}", server.port);
    let out = bin()
        .args([
            "run",
            "scenarios/quickstart-falkordb.yaml",
            "--source-version",
            "4.14.11",
        ])
        .args(["--source-uri", &uri])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("reports version 4.18.3, but the scenario asked for 4.14.11"),
        "{stderr}"
    );

    let same = format!("redis://localhost:{}", server.port);
    let out = bin()
        .args(["run", "scenarios/quickstart-falkordb.yaml"])
        .args(["--source-uri", &uri, "--target-uri", &same])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the source and the target are the same server"),
        "{stderr}"
    );
}
