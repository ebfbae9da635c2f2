//! Syntax removed in Neo4j 5: a migration written for 4.4 (`WHERE NOT exists(p.priority)`)
//! applies on 4.4 and breaks on 5.26, and the report names the file, the line and the server
//! version; the dry run (an explicit transaction, rolled back) fails the same way on 5.26 and
//! leaves 4.4's graph unchanged. Real servers: Neo4j 4.4 and 5.26 as local processes
//! (scripts/setup.sh).

use crate::support;

use migration_harness::run::{events::NoEvents, run_scenario, RunOptions, Verdict};
use migration_harness::scenario;

#[tokio::test]
async fn a_4_4_migration_using_exists_breaks_on_5_26_with_file_and_line() {
    let scenario =
        scenario::load_file(&support::repo_path("tests/migrations/syntax-break.yaml")).unwrap();
    let options = RunOptions {
        only_migrations: true,
        ..support::run_options()
    };
    let outcome = run_scenario(&scenario, &options, &NoEvents).await;
    assert_eq!(outcome.verdict, Verdict::Fail, "{outcome:#?}");
    let find = |check: &str, head: &str| {
        outcome
            .checks
            .iter()
            .find(|c| c.check == check && c.summary.starts_with(head))
            .unwrap_or_else(|| panic!("no {check} {head}: {outcome:#?}"))
    };
    let on_44 = find("migrations.applies", "V1 (Default priority) on neo4j 4.4.");
    assert!(on_44.passed, "{on_44:#?}");
    assert!(on_44.summary.contains("1 propert(y/ies) set"), "{on_44:#?}");
    let on_5 = find("migrations.applies", "V1 (Default priority) on neo4j 5.26.");
    assert!(!on_5.passed, "{on_5:#?}");
    assert!(
        on_5.summary.contains("breaks on neo4j 5.26.")
            && on_5.summary.contains("at V1__Default_priority.cypher:2: "),
        "{on_5:#?}"
    );
    assert!(
        on_5.details
            .iter()
            .any(|d| d.contains("not run on this server after this failure: V2")),
        "{on_5:#?}"
    );
    let dry_44 = find("migrations.dry_run", "V1 (Default priority) on neo4j 4.4.");
    assert!(
        dry_44.passed
            && dry_44
                .summary
                .contains("one explicit transaction, rolled back"),
        "{dry_44:#?}"
    );
    let dry_5 = find("migrations.dry_run", "V1 (Default priority) on neo4j 5.26.");
    assert!(!dry_5.passed, "{dry_5:#?}");
    // 4.4 went on to V2 and recorded both in the history chain.
    let history = find("migrations.history", "V2 (Rename title) on neo4j 4.4.");
    assert!(
        history.summary.contains("chain BASELINE -> 1 -> 2"),
        "{history:#?}"
    );
    let same = find("migrations.same_on_both", "not comparable");
    assert!(
        !same.passed
            && same
                .summary
                .contains("V1 (Default priority) on neo4j 5.26."),
        "{same:#?}"
    );
}
