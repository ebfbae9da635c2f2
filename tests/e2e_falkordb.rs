//! End-to-end runs against real FalkorDB servers of two versions, started by testcontainers from
//! the local images that scripts/local-images.sh builds (the CI engine: no registry needed).

mod support;

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
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_migration-harness"));
    cmd.current_dir(support::repo_root());
    cmd
}

#[tokio::test]
async fn quickstart_passes_end_to_end_on_two_versions() {
    require_falkordb_images(&[SOURCE, TARGET]).await;
    let scenario = scenario::load_file(&repo_path("scenarios/quickstart.yaml")).unwrap();
    let outcome = run_scenario(&scenario, &RunOptions::default(), &NoEvents).await;
    assert_eq!(outcome.verdict, Verdict::Pass, "{outcome:#?}");
    let kinds: Vec<&str> = outcome.checks.iter().map(|c| c.check.as_str()).collect();
    assert_eq!(kinds, ["counts", "content_hash", "schema", "queries"]);
    assert!(outcome.checks[0]
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
        .args(["run", "scenarios/quickstart.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("PASS quickstart"), "{stderr}");
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
    let scenario = scenario::load_file(&repo_path("scenarios/quickstart.yaml")).unwrap();
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

/// An external endpoint holding data the harness did not create is never wiped without
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
        .args(["run", "scenarios/quickstart.yaml", "--target-uri", &uri])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("holds 1 node(s) the harness did not create"),
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

/// Ctrl-C stops a run with exit code 130 and leaves none of its containers behind, even when it
/// arrives while the servers are still starting.
#[test]
fn ctrl_c_removes_the_servers_of_the_run() {
    let mut child = bin()
        .args(["run", "scenarios/quickstart.yaml"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "the run should have been interrupted mid-start"
    );
    let label = migration_harness::engine::cleanup::RUN_LABEL;
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            &format!("label={label}"),
            "--format",
            &format!("{{{{.Label \"{label}\"}}}}"),
        ])
        .output()
        .unwrap();
    let left: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|run| run.starts_with(&format!("{pid}-")))
        .map(str::to_owned)
        .collect();
    assert!(left.is_empty(), "containers left behind: {left:?}");
}

/// FalkorDB 4.14.11 answers `WHERE id(n) > -1` with no rows; the pager's bounds are inclusive
/// and never negative, so copying from 4.14.11 reads (and checks) every entity.
#[test]
fn a_copy_from_4_14_11_reads_every_entity() {
    let out = bin()
        .args([
            "run",
            "scenarios/quickstart.yaml",
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
