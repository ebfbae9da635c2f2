//! The matrix runner through the binary: the done-when command (two FalkorDB scenarios x
//! two version pairs, -j 2, servers reused, JUnit parsed, HTML checked in Chromium), `list`,
//! filtering and sharding, upgrade-path refusals, and `--fail-fast`.

use crate::support;

use std::process::Output;

use support::repo_path;

fn harness(args: &[&str]) -> Output {
    support::harness()
        .args(args)
        .output()
        .expect("run migration-harness")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn list(args: &[&str]) -> Vec<String> {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    let out = harness(&all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn done_when_matrix_run_writes_junit_and_html() {
    support::require_falkordb_images(&["4.16.3", "4.18.3"]).await;
    let dir = tempfile::tempdir().unwrap();
    let (xml, html) = (dir.path().join("out.xml"), dir.path().join("out.html"));
    let out = harness(&[
        "run",
        "scenarios/",
        "-j",
        "2",
        "--filter",
        "falkordb",
        "--junit",
        xml.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let cases = list(&["scenarios/", "--filter", "falkordb"]);
    let scenarios: std::collections::BTreeSet<&str> =
        cases.iter().filter_map(|c| c.split('[').next()).collect();
    let pairs: std::collections::BTreeSet<&str> =
        cases.iter().filter_map(|c| c.split('[').nth(1)).collect();
    assert!(scenarios.len() >= 2 && pairs.len() >= 2, "{cases:?}");
    assert!(cases.len() >= 4, "{cases:?}");

    // Servers were reused: fewer started than the 2 per case a run without reuse needs.
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("finished in "))
        .unwrap_or_else(|| panic!("no summary line: {stderr}"));
    let started: usize = summary
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(started < 2 * cases.len(), "{summary}");
    assert!(!summary.contains("reused 0 time(s)"), "{summary}");

    // JUnit parses: one suite per scenario (classname = scenario name), one test case per
    // check of each case (`<case> <check>`), each passed, each with a timestamp.
    let report = quick_junit::Report::deserialize_from_str(&std::fs::read_to_string(&xml).unwrap())
        .expect("JUnit XML parses");
    for case in &cases {
        let counts = format!("{case} counts");
        let found = report.test_suites.iter().find_map(|s| {
            s.test_cases
                .iter()
                .find(|c| c.name.as_str() == counts)
                .map(|c| (s, c))
        });
        let (suite, test) = found.unwrap_or_else(|| panic!("no test case {counts}"));
        let scenario = case.split('[').next().unwrap();
        assert_eq!(suite.name.as_str(), scenario);
        assert_eq!(test.classname.as_ref().map(|c| c.as_str()), Some(scenario));
        assert!(test.timestamp.is_some(), "{counts} has no timestamp");
    }
    for suite in &report.test_suites {
        for test in &suite.test_cases {
            assert!(
                cases
                    .iter()
                    .any(|c| test.name.as_str().starts_with(&format!("{c} "))),
                "test case {} names no case",
                test.name.as_str()
            );
        }
    }
    assert_eq!(report.failures + report.errors, 0);

    // The HTML report renders in Chromium with a PASS cell per case and no console errors.
    if let Some(chromium) = support::chromium_or_skip("matrix html report") {
        let page = support::render_in_chromium(&chromium, &html);
        assert!(page.console_errors.is_empty(), "{:#?}", page.console_errors);
        for case in &cases {
            assert_eq!(
                support::grid_verdict(&page.dom, case).as_deref(),
                Some("pass"),
                "grid cell of {case}"
            );
        }
    }
}

#[test]
fn list_json_filter_and_partitions() {
    let out = harness(&["list", "scenarios/", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<String> = items
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"quickstart-falkordb[falkordb-4.16.3->falkordb-4.18.3]".to_owned()));
    assert!(names.contains(&"neo4j-upgrade[neo4j-5.26->neo4j-2026.08]".to_owned()));
    let quick = items
        .iter()
        .find(|i| i["name"] == "quickstart-falkordb[falkordb-4.16.3->falkordb-4.18.3]")
        .unwrap();
    assert_eq!(quick["file"], "scenarios/quickstart-falkordb.yaml");
    assert_eq!(quick["source"], "falkordb 4.16.3");
    assert_eq!(quick["target"], "falkordb 4.18.3");
    assert_eq!(list(&["scenarios/"]), names);

    // Shards are disjoint, cover everything, and are stable.
    let a = list(&["scenarios/", "--partition", "1/2"]);
    let b = list(&["scenarios/", "--partition", "2/2"]);
    assert_eq!(a, list(&["scenarios/", "--partition", "1/2"]));
    let mut union: Vec<String> = a.iter().chain(b.iter()).cloned().collect();
    union.sort();
    let mut all = names.clone();
    all.sort();
    assert_eq!(union, all);
    assert!(a.iter().all(|n| !b.contains(n)));

    // --versions replaces the pairs; --filter keeps matching names.
    assert_eq!(
        list(&[
            "scenarios/quickstart-falkordb.yaml",
            "--versions",
            "4.14.11:4.18.3,4.16.3:4.18.3",
            "--filter",
            "4.14"
        ]),
        vec!["quickstart-falkordb[falkordb-4.14.11->falkordb-4.18.3]"]
    );
    let bad = harness(&["list", "scenarios/", "--partition", "3/2"]);
    assert_eq!(bad.status.code(), Some(2));
}

fn write_scenario(dir: &std::path::Path, matrix: &str) -> std::path::PathBuf {
    let file = dir.join("neo4j-hops.yaml");
    std::fs::write(
        &file,
        format!(
            "name: hops\nsource: {{ engine: neo4j, version: \"3.5\" }}\ntarget: {{ engine: neo4j, version: \"2025.01\" }}\n{matrix}"
        ),
    )
    .unwrap();
    file
}

#[test]
fn upgrade_paths_are_checked_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();

    // Default (refuse): bad input, naming the hops and the way out.
    let file = write_scenario(dir.path(), "");
    let out = harness(&["run", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("must pass through 4.0, 4.4, 5.26") && err.contains("upgrade_path: chain"),
        "{err}"
    );

    // `validate` applies the same rules.
    let out = harness(&["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("skips documented upgrade hops"));
    let bad = write_scenario(dir.path(), "matrix: { pairs: [\"3.5\"] }\n");
    let out = harness(&["validate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("matrix.pairs: invalid version pair \"3.5\""),
        "{}",
        text(&out.stderr)
    );

    // chain: the plan copies hop by hop (nothing is started by `plan`).
    let file = write_scenario(dir.path(), "matrix: { upgrade_path: chain }\n");
    let out = harness(&["plan", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    for hop in [
        "transfer source (neo4j 3.5) -> target (neo4j 4.0)",
        "transfer target (neo4j 4.0) -> target (neo4j 4.4)",
        "transfer target (neo4j 4.4) -> target (neo4j 5.26)",
        "transfer target (neo4j 5.26) -> target (neo4j 2025.01)",
    ] {
        assert!(plan.contains(hop), "{hop} not in\n{plan}");
    }
    let json = harness(&["list", file.to_str().unwrap(), "--format", "json"]);
    let items: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(items[0]["hops"], serde_json::json!(["4.0", "4.4", "5.26"]));

    // direct: one copy.
    let file = write_scenario(dir.path(), "matrix: { upgrade_path: direct }\n");
    let out = harness(&["plan", file.to_str().unwrap()]);
    assert!(text(&out.stdout).contains("transfer source (neo4j 3.5) -> target (neo4j 2025.01)"));

    // A downgrade is always refused.
    let out = harness(&[
        "list",
        "scenarios/quickstart-falkordb.yaml",
        "--versions",
        "4.18.3:4.16.3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is a downgrade"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn fail_fast_skips_the_cases_not_yet_started() {
    support::require_falkordb_images(&["4.16.3", "4.18.3"]).await;
    let wrong = repo_path("tests/scenarios/wrong-expectation.yaml");
    let quick = repo_path("scenarios/movies-matrix.yaml");
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let out = harness(&[
        "run",
        wrong.to_str().unwrap(),
        quick.to_str().unwrap(),
        "--fail-fast",
        "--no-reuse",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        stdout.contains("0 passed, 1 failed, 0 errored, 2 skipped"),
        "{stdout}"
    );
    let report =
        quick_junit::Report::deserialize_from_str(&std::fs::read_to_string(&junit).unwrap())
            .unwrap();
    // The failed case's checks (one failing) and one skipped test case per skipped case.
    assert_eq!(report.failures, 1);
    let skipped = report
        .test_suites
        .iter()
        .flat_map(|s| &s.test_cases)
        .filter(|c| matches!(c.status, quick_junit::TestCaseStatus::Skipped { .. }))
        .count();
    assert_eq!(skipped, 2);
}

/// `plan ... | head -1`, `list | head -1`, `validate | head -1`: a closed stdout ends the command quietly (exit 0,
/// no panic message), as other command-line tools do.
#[test]
fn a_closed_stdout_is_a_quiet_exit() {
    for args in [
        &["plan", "scenarios"][..],
        &["list", "scenarios"][..],
        &["validate", "scenarios"][..],
    ] {
        let mut child = support::harness()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read nothing: close the pipe at once, like `head -0`.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
