//! The HTML report rendered in headless Chromium: the matrix grid shows the right verdict per
//! case, the page's script ran, and there are no console errors. No servers needed (the
//! outcomes are built here); tests/it/matrix_cli.rs checks a report from a real run.

use crate::support;

use migration_harness::checks::queries::latency::{LatencyReport, LatencyStats};
use migration_harness::checks::queries::QueryClass;
use migration_harness::checks::{CheckData, CheckKind, CheckOutcome, QueriesData, QueryData};
use migration_harness::report::html;
use migration_harness::run::{ScenarioOutcome, ServerReport, Verdict};

/// The queries check's typed data: one query timed over `runs` runs per side.
fn queries(runs: usize, passed: bool) -> CheckOutcome {
    let stats = |p50_ms, p99_ms| LatencyStats {
        runs,
        p50_ms,
        p99_ms,
    };
    let query = QueryData {
        name: "co_actors".into(),
        cypher: "MATCH (a:Person)-[:ACTED_IN]->(m) RETURN a.name AS actor".into(),
        source_columns: vec!["actor".into()],
        target_columns: vec!["actor".into()],
        class: if passed {
            QueryClass::Same
        } else {
            QueryClass::DifferentResults
        },
        passed,
        source_rows: Some(2),
        target_rows: Some(if passed { 2 } else { 1 }),
        source_error: None,
        target_error: None,
        new_deprecations: Vec::new(),
        row_differences: if passed {
            Vec::new()
        } else {
            vec!["only on the source: [\"Keanu\"]".into()]
        },
        failures: Vec::new(),
        latency: Some(LatencyReport {
            source: stats(0.5, 0.9),
            target: stats(0.45, 1.2),
            p99_ratio: 1.33,
            max_p99_ratio: None,
            exceeded: false,
        }),
    };
    // The details say nothing of latency: the chart must come from the typed data.
    CheckOutcome::new(CheckKind::Queries, passed, "1 query", Vec::new()).with_data(
        CheckData::Queries(QueriesData {
            invalid: Vec::new(),
            queries: vec![query],
        }),
    )
}

fn outcome(scenario: &str, source: &str, verdict: Verdict) -> ScenarioOutcome {
    let passed = verdict == Verdict::Pass;
    let ran = matches!(verdict, Verdict::Pass | Verdict::Fail);
    ScenarioOutcome {
        scenario: scenario.into(),
        case: format!("{scenario}[falkordb-{source}->falkordb-4.18.3]"),
        source: format!("falkordb {source}"),
        target: "falkordb 4.18.3".into(),
        hops: Vec::new(),
        path: format!("scenarios/{scenario}.yaml"),
        verdict,
        checks: if ran {
            vec![
                CheckOutcome::new(
                    CheckKind::Counts,
                    passed,
                    "6 nodes <script>alert(1)</script>",
                    if passed {
                        vec![]
                    } else {
                        vec![":Person nodes: source 4, target 3".into()]
                    },
                ),
                queries(if passed { 20 } else { 7 }, passed),
            ]
        } else {
            vec![]
        },
        error: match verdict {
            Verdict::Error => Some("image migration-harness/falkordb:4.0 is not available".into()),
            Verdict::Skipped => Some("not run: an earlier case failed (--fail-fast)".into()),
            _ => None,
        },
        timings: vec![migration_harness::run::StepTiming {
            step: migration_harness::run::Step::StartServers,
            elapsed: std::time::Duration::from_millis(1500),
        }],
        servers: if ran {
            vec![ServerReport {
                role: "source".into(),
                engine: "falkordb".into(),
                requested: source.into(),
                version: format!("{source}-reported"),
                edition: None,
                launcher: "process".into(),
            }]
        } else {
            Vec::new()
        },
        started_at: ran.then(|| "2026-12-01T08:00:00Z".parse().unwrap()),
        elapsed: std::time::Duration::from_millis(if passed { 2500 } else { 4000 }),
    }
}

#[test]
fn html_report_renders_the_grid_in_chromium_without_console_errors() {
    let Some(chromium) = support::chromium_or_skip("html report") else {
        return;
    };
    let outcomes = vec![
        outcome("quickstart", "4.16.3", Verdict::Pass),
        outcome("quickstart", "4.14.11", Verdict::Fail),
        outcome("social", "4.16.3", Verdict::Error),
        outcome("social", "4.14.11", Verdict::Skipped),
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    html::write(&file, &outcomes).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    for external in ["http://", "https://", "<link", "src=\""] {
        let hits: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(external) && !l.contains("http://www.w3.org/2000/svg"))
            .collect();
        assert!(
            hits.is_empty(),
            "external asset reference {external}: {hits:?}"
        );
    }

    let page = support::render_in_chromium(&chromium, &file);
    assert!(
        page.console_errors.is_empty(),
        "console errors: {:#?}",
        page.console_errors
    );
    for o in &outcomes {
        let expected = format!("{:?}", o.verdict).to_lowercase();
        assert_eq!(
            support::grid_verdict(&page.dom, &o.case).as_deref(),
            Some(expected.as_str()),
            "grid cell of {}",
            o.case
        );
    }
    // The page's script ran and counted the grid cells.
    assert!(
        page.dom.contains(r#"data-rendered="{&quot;pass&quot;:1,&quot;fail&quot;:1,&quot;error&quot;:1,&quot;skipped&quot;:1}""#),
        "script did not run: {}",
        &page.dom[..page.dom.len().min(600)]
    );
    // Text is escaped, not executed; the latency chart is there.
    assert!(page
        .dom
        .contains("6 nodes &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        page.dom.contains("<svg class=\"latency\""),
        "no latency chart"
    );
    assert!(page.dom.contains(":Person nodes: source 4, target 3"));

    // The latency chart's axes come from the typed data: the largest p99 (1.2 ms) gives a
    // 0..2 ms axis with labelled ticks, and each chart says its own run count.
    assert!(page.dom.contains("data-axis-max=\"2\""), "axis maximum");
    assert!(
        page.dom.contains("<text class=\"axis-label x\"")
            && page.dom.contains(">latency (ms)</text>"),
        "x axis label"
    );
    assert!(page.dom.contains(">query, side and percentile</text>"));
    for tick in ["0", "0.5", "1", "1.5", "2"] {
        assert!(
            page.dom
                .contains(&format!("text-anchor=\"middle\">{tick}</text>")),
            "tick {tick}"
        );
    }
    assert!(page.dom.contains("data-runs=\"20\""), "passing case's runs");
    assert!(
        page.dom.contains("co_actors (7 runs)"),
        "failing case's runs"
    );
    // Timestamp, run duration (08:00:00 + 4.0 s is the latest end), server versions.
    assert!(page.dom.contains("datetime=\"2026-12-01T08:00:00Z\""));
    assert!(page.dom.contains("<span id=\"run-duration\">4.0s</span>"));
    assert!(page
        .dom
        .contains("<span class=\"version\">4.14.11-reported</span>"));
    // Failures first: the failing case's section comes before the passing one, and its
    // differing query shows its text and columns beside the row difference.
    let section = |verdict: &str| {
        page.dom
            .find(&format!("<section class=\"case\" id=\"case-{verdict}"))
            .unwrap_or_else(|| panic!("no section {verdict}"))
    };
    assert!(
        section("1") < section("0"),
        "the failing case is listed first"
    );
    let failing = &page.dom[section("1")..section("0")];
    assert!(failing.contains("MATCH (a:Person)-[:ACTED_IN]-&gt;(m) RETURN a.name AS actor"));
    assert!(failing.contains("<code class=\"columns\">[actor]</code>"));
    assert!(failing.contains("only on the source: [\"Keanu\"]"));
}

#[test]
fn chromium_console_errors_are_detected() {
    let Some(chromium) = support::chromium_or_skip("console error detection") else {
        return;
    };
    // Negative control: the detector must see an uncaught exception.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.html");
    std::fs::write(
        &file,
        "<html><body><script>notDefined();</script></body></html>",
    )
    .unwrap();
    let page = support::render_in_chromium(&chromium, &file);
    assert!(
        page.console_errors
            .iter()
            .any(|l| l.contains("Uncaught ReferenceError")),
        "{:#?}",
        page.console_errors
    );
}
