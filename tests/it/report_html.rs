//! The HTML report rendered in headless Chromium: the matrix grid shows the right verdict per
//! case, the page's script ran, and there are no console errors. No servers needed (the
//! outcomes are built here); tests/it/matrix_cli.rs checks a report from a real run.

use crate::support;

use migration_harness::checks::CheckOutcome;
use migration_harness::report::html;
use migration_harness::run::{ScenarioOutcome, Verdict};

fn outcome(scenario: &str, source: &str, verdict: Verdict) -> ScenarioOutcome {
    let passed = verdict == Verdict::Pass;
    ScenarioOutcome {
        scenario: scenario.into(),
        case: format!("{scenario}[falkordb-{source}->falkordb-4.18.3]"),
        source: format!("falkordb {source}"),
        target: "falkordb 4.18.3".into(),
        hops: Vec::new(),
        path: format!("scenarios/{scenario}.yaml"),
        verdict,
        checks: if matches!(verdict, Verdict::Pass | Verdict::Fail) {
            vec![
                CheckOutcome::new(
                    "counts",
                    passed,
                    "6 nodes <script>alert(1)</script>",
                    if passed { vec![] } else { vec![":Person nodes: source 4, target 3".into()] },
                ),
                CheckOutcome::new(
                    "queries",
                    true,
                    "1 query",
                    vec!["query co_actors: latency over 20 run(s): source p50 0.500 ms / p99 0.900 ms, target p50 0.450 ms / p99 1.200 ms; p99 ratio target/source 1.33".into()],
                ),
            ]
        } else {
            vec![]
        },
        error: match verdict {
            Verdict::Error => Some("image migration-harness/falkordb:4.0 is not available".into()),
            Verdict::Skipped => Some("not run: an earlier case failed (--fail-fast)".into()),
            _ => None,
        },
        timings: vec![("start servers".into(), 1.5)],
        servers: Vec::new(),
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
