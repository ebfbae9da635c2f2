//! Query-compatibility checks end to end against real FalkorDB 4.16.3 (source) and 4.18.3
//! (target), started by testcontainers from the local images (scripts/local-images.sh).

use crate::support;

use std::process::Command;

use migration_harness::checks::queries::{self, QueryClass, Settings};
use migration_harness::engine::{GraphConnection, Query, Server};
use migration_harness::run::{events::NoEvents, run_scenario, RunOptions, Verdict};
use migration_harness::scenario::{self, QuerySpec};
use migration_harness::transfer;
use support::{repo_path, require_falkordb_images};

const SOURCE: &str = "4.16.3";
const TARGET: &str = "4.18.3";

/// Both servers started, the movie graph seeded on the source and copied to the target.
async fn copied_movie_graph() -> (Server, Server) {
    let (source, target) = support::start_pair(SOURCE, TARGET).await;
    let scenario = scenario::load_file(&repo_path("scenarios/quickstart-falkordb.yaml")).unwrap();
    let src: &dyn GraphConnection = source.connection.as_ref();
    for st in &scenario.fixture_statements {
        src.execute(&Query::new(st.text.clone())).await.unwrap();
    }
    transfer::logical::copy(src, target.connection.as_ref(), 100, &|_| {})
        .await
        .unwrap();
    (source, target)
}

fn suite(yaml: &str) -> Vec<QuerySpec> {
    serde_saphyr::from_str(yaml).unwrap()
}

#[tokio::test]
async fn identical_queries_are_same_and_a_planted_difference_names_the_rows() {
    let (source, target) = copied_movie_graph().await;
    let (src, tgt) = (source.connection.as_ref(), target.connection.as_ref());
    let queries = suite(
        r#"
- name: people
  cypher: MATCH (p:Person) RETURN p.id AS id, p.name AS name ORDER BY id
- name: names
  cypher: MATCH (p:Person) WHERE p.born >= $born RETURN p.name AS name
  params: {born: 1965}
- name: movies
  cypher: MATCH (m:Movie) RETURN m
"#,
    );
    let settings = Settings::default();
    let clean = queries::run_detailed(&queries, src, tgt, &settings)
        .await
        .unwrap();
    let classes: Vec<QueryClass> = clean.queries.iter().map(|q| q.class).collect();
    assert_eq!(classes, [QueryClass::Same; 3], "{:#?}", clean.outcome());
    assert!(clean.passed());
    let outcome = clean.outcome();
    assert_eq!(
        outcome.details,
        [
            "query people [ordered]: same (4 row(s))",
            "query names [multiset]: same (3 row(s))",
            "query movies [multiset]: same (2 row(s))",
            "query movies: float values compared to 15 significant digits only: FalkorDB's reply cannot carry more (declare float_tolerance to accept that)",
        ]
    );
    // Movies hold floats (gross: 467.2), which FalkorDB's replies carry to 15 digits only.
    assert_eq!(
        outcome.summary,
        "3 queries on both sides: 3 same; 1 with floats compared to 15 significant digits only (FalkorDB replies)"
    );
    // Notifications: neither FalkorDB (RESP) nor neo4rs 0.8 delivers any today.
    for q in &clean.queries {
        assert!(q.source.notifications.is_empty() && q.target.notifications.is_empty());
    }

    // The fault: one row changed on the target after the copy.
    tgt.execute(&Query::new(
        "MATCH (p:Person {id: 2}) SET p.name = 'Carrie-Anne M.'",
    ))
    .await
    .unwrap();
    let outcome = queries::run(&queries, src, tgt, &settings).await.unwrap();
    assert!(!outcome.passed);
    assert_eq!(
        outcome.summary,
        "3 queries on both sides: 2 different results, 1 same; 1 with floats compared to 15 significant digits only (FalkorDB replies); 2 failed"
    );
    assert_eq!(
        outcome.details,
        [
            "query people [ordered]: different results (source 4 row(s), target 4 row(s))",
            "query people: cypher: MATCH (p:Person) RETURN p.id AS id, p.name AS name ORDER BY id",
            "query people: columns: [id, name]",
            "query people: first difference at row 2: name: \"Carrie-Anne Moss\" (STRING) -> \"Carrie-Anne M.\" (STRING)",
            "query people: only on source: [2, \"Carrie-Anne Moss\"]",
            "query people: only on target: [2, \"Carrie-Anne M.\"]",
            "query names [multiset]: different results (source 3 row(s), target 3 row(s))",
            "query names: cypher: MATCH (p:Person) WHERE p.born >= $born RETURN p.name AS name",
            "query names: columns: [name]",
            "query names: only on source: [\"Carrie-Anne Moss\"]",
            "query names: only on target: [\"Carrie-Anne M.\"]",
            "query movies [multiset]: same (2 row(s))",
            "query movies: float values compared to 15 significant digits only: FalkorDB's reply cannot carry more (declare float_tolerance to accept that)",
        ]
    );
}

#[tokio::test]
async fn errors_are_results_classified_per_side() {
    let (source, target) = copied_movie_graph().await;
    let (src, tgt) = (source.connection.as_ref(), target.connection.as_ref());
    // FalkorDB has no Cypher version selector, so a `CYPHER 25 ` prefix is a syntax error on
    // whichever side gets it: a per-side prefix makes an error on one side only.
    let queries = suite(
        r#"
- name: both_fail
  cypher: "MATCH (p:Person {id: 1}) RETURN p.born / 0"
- name: only_target_fails
  cypher: MATCH (p:Person) RETURN count(p) AS n
  cypher_version: {target: "25"}
- name: only_source_fails
  cypher: MATCH (p:Person) RETURN count(p) AS n
  cypher_version: {source: "25"}
- name: expected_failure
  cypher: RETURN 1 AS one
  cypher_version: {target: "25"}
  expect: {error: {side: target, message_contains: "Invalid input"}}
- name: unknown_function_everywhere
  cypher: RETURN no_such_function(1)
  mode: none
"#,
    );
    let report = queries::run_detailed(&queries, src, tgt, &Settings::default())
        .await
        .unwrap();
    let got: Vec<(&str, QueryClass, bool)> = report
        .queries
        .iter()
        .map(|q| (q.name.as_str(), q.class, q.passed()))
        .collect();
    assert_eq!(
        got,
        [
            ("both_fail", QueryClass::BothErrorSameCode, true),
            ("only_target_fails", QueryClass::NewError, false),
            ("only_source_fails", QueryClass::FixedError, true),
            ("expected_failure", QueryClass::NewError, true),
            (
                "unknown_function_everywhere",
                QueryClass::BothErrorSameCode,
                true
            ),
        ],
        "{:#?}",
        report.outcome()
    );
    let both = &report.queries[0];
    let message = |e: &Option<queries::record::QueryFailure>| {
        e.as_ref()
            .map(|f| format!("{} {}", f.code.as_deref().unwrap_or(""), f.message))
            .unwrap_or_default()
    };
    assert!(message(&both.source.error).contains("by zero"), "{both:#?}");
    assert_eq!(both.source.error, both.target.error);
    let new = &report.queries[1];
    assert_eq!(new.source.rows, Some(1));
    assert!(
        message(&new.target.error).contains("Invalid input"),
        "{new:#?}"
    );
    assert!(new.details[0].starts_with(
        "query only_target_fails [multiset]: new error on target: errMsg: Invalid input '2'"
    ));
    let outcome = report.outcome();
    assert!(!outcome.passed);
    assert_eq!(
        outcome.summary,
        "5 queries on both sides: 2 both error (same code), 2 new error, 1 fixed error; 1 failed"
    );
}

/// A real behaviour change between the two versions, found by this check: a map projection of
/// null is a map of nulls on 4.16.3 and null on 4.18.3.
#[tokio::test]
async fn the_map_projection_of_null_changed_between_4_16_and_4_18() {
    require_falkordb_images(&[SOURCE, TARGET]).await;
    let scenario = scenario::load_file(&repo_path(
        "tests/scenarios/queries-falkordb-4.18-differences.yaml",
    ))
    .unwrap();
    let outcome = run_scenario(&scenario, &RunOptions::default(), &NoEvents).await;
    assert_eq!(outcome.verdict, Verdict::Fail, "{outcome:#?}");
    let queries = outcome
        .checks
        .iter()
        .find(|c| c.check == "queries")
        .unwrap();
    assert_eq!(
        queries.details,
        [
            "query projection_of_a_missing_movie [multiset]: different results (source 1 row(s), target 1 row(s))",
            "query projection_of_a_missing_movie: cypher: OPTIONAL MATCH (m:Movie {id: 99}) RETURN m {.title} AS projection",
            "query projection_of_a_missing_movie: columns: [projection]",
            "query projection_of_a_missing_movie: only on source: [{title: null}]",
            "query projection_of_a_missing_movie: only on target: [null]",
            "query projection_of_null [multiset]: different results (source 1 row(s), target 1 row(s))",
            "query projection_of_null: cypher: WITH null AS n RETURN n {.id, extra: 1} AS projection",
            "query projection_of_null: columns: [projection]",
            "query projection_of_null: only on source: [{extra: 1, id: null}]",
            "query projection_of_null: only on target: [null]",
        ]
    );

    // The same difference declared as known: still reported row by row, but the scenario passes.
    let text = std::fs::read_to_string(&scenario.path)
        .unwrap()
        .replace(
            "    cypher: \"OPTIONAL MATCH",
            "    allow: [different_results]\n    cypher: \"OPTIONAL MATCH",
        )
        .replace(
            "    cypher: \"WITH null",
            "    allow: [different_results]\n    cypher: \"WITH null",
        );
    let allowed = scenario::parse_str(&text, &scenario.path).unwrap();
    let outcome = run_scenario(&allowed, &RunOptions::default(), &NoEvents).await;
    assert_eq!(outcome.verdict, Verdict::Pass, "{outcome:#?}");
    let queries = outcome
        .checks
        .iter()
        .find(|c| c.check == "queries")
        .unwrap();
    assert!(queries
        .details
        .contains(&"query projection_of_null: only on target: [null]".to_string()));
    assert!(queries.details.contains(
        &"query projection_of_null: allowed difference: different results, by allowance different_results".to_string()
    ));
    assert_eq!(
        queries.status,
        migration_harness::checks::CheckStatus::Allowed
    );
}

/// The movie suite passes end to end, against the reviewed snapshots in
/// tests/scenarios/snapshots, and reports latency numbers (never asserted).
#[tokio::test]
async fn the_movie_query_suite_passes_against_its_snapshots() {
    require_falkordb_images(&[SOURCE, TARGET]).await;
    let scenario = scenario::load_file(&repo_path("tests/scenarios/queries-movies.yaml")).unwrap();
    let outcome = run_scenario(&scenario, &RunOptions::default(), &NoEvents).await;
    assert_eq!(outcome.verdict, Verdict::Pass, "{outcome:#?}");
    let queries = outcome
        .checks
        .iter()
        .find(|c| c.check == "queries")
        .unwrap();
    assert!(
        queries.summary.starts_with(
            "7 queries on both sides: 5 same, 1 both error (same code), 1 new error; latency: knows_count_latency p99 ratio "
        ),
        "{}",
        queries.summary
    );
    assert!(queries
        .details
        .iter()
        .any(|d| d.starts_with("query knows_count_latency: latency over 5 run(s): source p50 ")));
}

fn bin() -> Command {
    let mut cmd = support::harness();
    cmd.env_remove("MH_UPDATE_SNAPSHOTS");
    cmd
}

/// `--update-snapshots` (and MH_UPDATE_SNAPSHOTS) writes missing snapshots; without it a
/// missing or different snapshot fails the run with the diff.
#[tokio::test]
async fn update_snapshots_writes_them_and_a_changed_snapshot_fails_with_the_diff() {
    require_falkordb_images(&[SOURCE, TARGET]).await;
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo_path("scenarios/fixtures/movies.cypher");
    let scenario = dir.path().join("snap.yaml");
    std::fs::write(
        &scenario,
        format!(
            r#"name: snap
source: {{engine: falkordb, version: "{SOURCE}"}}
target: {{engine: falkordb, version: "{TARGET}"}}
allow_fixtures_outside: true
fixtures:
  - file: {}
queries:
  - name: titles
    cypher: MATCH (m:Movie) RETURN m.title AS title, m.released AS released
    snapshot: true
"#,
            fixture.display()
        ),
    )
    .unwrap();
    let run = |update: Option<&str>| {
        let mut cmd = bin();
        // `-v`: a written snapshot is a detail of a passing check, printed as the check ends.
        cmd.args(["run", "-v"]).arg(&scenario);
        match update {
            Some("flag") => {
                cmd.arg("--update-snapshots");
            }
            Some(env) => {
                cmd.env("MH_UPDATE_SNAPSHOTS", env);
            }
            None => {}
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let snap = dir.path().join("snapshots/snap__titles.snap");

    let (code, stderr) = run(None);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("query titles: snapshot missing: "),
        "{stderr}"
    );
    assert!(stderr.contains("+[\"The Matrix\", 1999]"), "{stderr}");
    assert!(!snap.exists());

    let (code, stderr) = run(Some("flag"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("query titles: snapshot written: "),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&snap).unwrap();
    assert_eq!(
        written,
        "---\nsource: \"snap.yaml\"\nexpression: \"MATCH (m:Movie) RETURN m.title AS title, m.released AS released\"\n---\nmode: multiset\ncolumns: [title, released]\nrows: 2\n[\"John Wick\", 2014]\n[\"The Matrix\", 1999]\n"
    );
    let (code, stderr) = run(None);
    assert_eq!(code, Some(0), "a matching snapshot passes: {stderr}");

    std::fs::write(&snap, written.replace("1999", "1998")).unwrap();
    let (code, stderr) = run(None);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("query titles: snapshot differs: "),
        "{stderr}"
    );
    assert!(stderr.contains("-[\"The Matrix\", 1998]"), "{stderr}");
    assert!(stderr.contains("+[\"The Matrix\", 1999]"), "{stderr}");

    let (code, stderr) = run(Some("true"));
    assert_eq!(
        code,
        Some(0),
        "MH_UPDATE_SNAPSHOTS=true rewrites it: {stderr}"
    );
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), written);
}

/// Runs `scenario` through the binary (`--versions`, every report format) and returns the exit
/// code, stderr and the JSON, JUnit and Markdown reports.
fn run_with_reports(
    scenario: &std::path::Path,
    versions: &str,
) -> (Option<i32>, String, serde_json::Value, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (json, junit, md, html) = (
        dir.path().join("r.json"),
        dir.path().join("r.xml"),
        dir.path().join("r.md"),
        dir.path().join("r.html"),
    );
    let out = bin()
        .arg("run")
        .arg(scenario)
        // Step and check lines (`-v`): the tests read the check lines.
        .args(["-v", "--versions", versions, "-j", "1"])
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--markdown")
        .arg(&md)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    let html = read(&html);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        serde_json::from_str(&read(&json)).unwrap(),
        read(&junit),
        read(&md) + "\n<!-- html -->\n" + &html,
    )
}

fn queries_check(json: &serde_json::Value) -> &serde_json::Value {
    json["scenarios"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "queries")
        .unwrap()
}

/// An allowance scoped to `target: ">=4.18"` with pinned rows accepts the real 4.16 -> 4.18
/// difference and every report says "allowed" with the reason, the query and its columns; on
/// 4.14.11 -> 4.16.3 it does not apply, and the unscoped allowance is reported stale.
#[tokio::test]
async fn scoped_allowances_are_reported_allowed_and_unused_ones_stale() {
    require_falkordb_images(&["4.14.11", SOURCE, TARGET]).await;
    let scenario = repo_path("tests/scenarios/queries-falkordb-allowances.yaml");

    let (code, stderr, json, junit, md) = run_with_reports(&scenario, "4.16.3:4.18.3");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("check queries allowed: 2 queries on both sides: 2 different results; 2 allowed by the scenario"), "{stderr}");
    assert!(stderr.contains("query projection_of_a_missing_movie: allowed difference: different results, by allowance different_results (when source >=4.16, target >=4.18; pinned rows): 4.18 returns null for a map projection of a missing node"), "{stderr}");
    assert!(stderr.contains("query projection_of_a_missing_movie: cypher: OPTIONAL MATCH (m:Movie {id: 99}) RETURN m {.title} AS projection"), "{stderr}");
    assert!(
        stderr.contains("query projection_of_a_missing_movie: columns: [projection]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("PASS queries-falkordb-allowances[falkordb-4.16.3->falkordb-4.18.3] (3 check(s), 0 failed, 2 allowed difference(s))"),
        "{stderr}"
    );

    let q = queries_check(&json);
    assert_eq!(q["status"], "allowed", "{q:#}");
    assert_eq!(q["passed"], true);
    assert_eq!(json["scenarios"][0]["verdict"], "pass");
    let first = &q["differences"][0];
    assert_eq!(first["subject"], "query projection_of_a_missing_movie");
    assert_eq!(first["kind"], "different_results");
    assert_eq!(
        first["allowed"]["allowance"],
        "different_results (when source >=4.16, target >=4.18; pinned rows)"
    );
    assert_eq!(
        first["allowed"]["reason"],
        "4.18 returns null for a map projection of a missing node"
    );
    assert_eq!(
        first["query"]["cypher"],
        "OPTIONAL MATCH (m:Movie {id: 99}) RETURN m {.title} AS projection"
    );
    assert_eq!(
        first["query"]["source_columns"],
        serde_json::json!(["projection"])
    );
    assert_eq!(
        q["differences"][1]["allowed"]["allowance"],
        "different_results"
    );
    assert!(q.get("stale_allowances").is_none(), "{q:#}");

    assert!(junit.contains("failures=\"0\""), "{junit}");
    assert!(junit.contains("<property name=\"allowed_difference\" value=\"queries: query projection_of_a_missing_movie (different_results) allowed by different_results (when source &gt;=4.16, target &gt;=4.18; pinned rows): 4.18 returns null for a map projection of a missing node; cypher: OPTIONAL MATCH (m:Movie {id: 99}) RETURN m {.title} AS projection; columns: [projection]\"/>"), "{junit}");
    assert!(junit.contains("<system-out>queries allowed: "), "{junit}");

    assert!(
        md.contains("| ✅ pass | capabilities ok, counts ok, queries allowed |"),
        "{md}"
    );
    assert!(md.contains("- 🟡 allowed: query projection_of_a_missing_movie (different_results) by `different_results (when source >=4.16, target >=4.18; pinned rows)`: 4.18 returns null for a map projection of a missing node; query `OPTIONAL MATCH (m:Movie {id: 99}) RETURN m {.title} AS projection`, columns [projection]"), "{md}");
    assert!(md.contains("<td class=\"allowed\">allowed</td>"), "{md}");
    assert!(
        md.contains(
            "<q class=\"reason\">4.18 returns null for a map projection of a missing node</q>"
        ),
        "{md}"
    );

    // The older pair: nothing differs. The scoped allowance does not apply; the short form
    // applies to every pair, matched nothing, and is listed as stale without failing.
    let (code, stderr, json, junit, md) = run_with_reports(&scenario, "4.14.11:4.16.3");
    assert_eq!(code, Some(0), "{stderr}");
    let q = queries_check(&json);
    assert_eq!(q["status"], "ok", "{q:#}");
    assert_eq!(
        q["stale_allowances"],
        serde_json::json!([{"owner": "query projection_of_null", "allowance": "different_results", "fails": false}])
    );
    let stale = "query projection_of_null: allowance different_results matched nothing (stale?)";
    assert!(
        q["details"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(stale)),
        "{q:#}"
    );
    assert!(stderr.contains(stale), "{stderr}");
    assert!(
        junit.contains(&format!(
            "<property name=\"stale_allowance\" value=\"{stale}\"/>"
        )),
        "{junit}"
    );
    assert!(md.contains(&format!("  - {stale}")), "{md}");

    // fail_on_stale_allowances: true makes the stale allowance fail the case.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&scenario)
        .unwrap()
        .replace(
            "allow_fixtures_outside: true",
            "fail_on_stale_allowances: true\nallow_fixtures_outside: true",
        )
        .replace(
            "../../scenarios/fixtures/movies.cypher",
            &repo_path("scenarios/fixtures/movies.cypher")
                .display()
                .to_string(),
        );
    let strict = dir.path().join("strict.yaml");
    std::fs::write(&strict, text).unwrap();
    let (code, stderr, json, _, md) = run_with_reports(&strict, "4.14.11:4.16.3");
    assert_eq!(code, Some(1), "{stderr}");
    let q = queries_check(&json);
    assert_eq!(q["status"], "failed", "{q:#}");
    assert!(
        md.contains(&format!("  - {stale} [fail_on_stale_allowances]")),
        "{md}"
    );
}

/// Pinned rows that are not the actual ones do not accept the difference: the case fails and
/// says which rows were seen.
#[tokio::test]
async fn a_pinned_allowance_that_does_not_match_the_rows_fails_the_case() {
    require_falkordb_images(&[SOURCE, TARGET]).await;
    let scenario = repo_path("tests/scenarios/queries-falkordb-allowances.yaml");
    let text = std::fs::read_to_string(&scenario)
        .unwrap()
        .replace("target: [[null]]", "target: [[{title: \"nothing\"}]]");
    let pinned = scenario::parse_str(&text, &scenario).unwrap();
    let outcome = run_scenario(&pinned, &RunOptions::default(), &NoEvents).await;
    assert_eq!(outcome.verdict, Verdict::Fail, "{outcome:#?}");
    let queries = outcome
        .checks
        .iter()
        .find(|c| c.check == "queries")
        .unwrap();
    assert_eq!(
        queries.status,
        migration_harness::checks::CheckStatus::Failed
    );
    assert!(queries.details.contains(&"query projection_of_a_missing_movie: allowance different_results (when source >=4.16, target >=4.18; pinned rows) does not match: target rows are [[null]], pinned [[{title: \"nothing\"}]]".to_string()), "{:#?}", queries.details);
    // The other query's allowance still accepts its difference.
    assert_eq!(queries.allowed().count(), 1);
}
