use std::path::Path;

use crate::checks::{CheckStatus, Difference};
use crate::run::{ScenarioOutcome, Verdict};

/// A Markdown summary: a verdict table (each check `ok`, `allowed` or `FAILED`), then the
/// differences of every failed or errored case, and the allowed differences (with the allowance
/// and its reason) and stale allowances of every case.
pub fn render(outcomes: &[ScenarioOutcome]) -> String {
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    let mut out = format!(
        "## Migration harness: {} passed, {} failed, {} errored{}\n\n| case | verdict | checks | time |\n|---|---|---|---|\n",
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        match count(Verdict::Skipped) {
            0 => String::new(),
            n => format!(", {n} skipped"),
        }
    );
    for o in outcomes {
        let mark = match o.verdict {
            Verdict::Pass => "✅",
            Verdict::Fail => "❌",
            Verdict::Error => "⚠️",
            Verdict::Skipped => "⏭️",
        };
        let verdict = format!("{mark} {}", o.verdict);
        let checks: Vec<String> = o
            .checks
            .iter()
            .map(|c| format!("{} {}", c.check, c.status.word()))
            .collect();
        // The case's wall time (server start included); the sum of its steps for an outcome
        // built without one.
        let secs: f64 = if o.elapsed.is_zero() {
            o.timings.iter().map(|t| t.seconds()).sum()
        } else {
            o.elapsed.as_secs_f64()
        };
        out.push_str(&format!(
            "| `{}` | {verdict} | {} | {secs:.1}s |\n",
            escape(o.name()),
            escape(&checks.join(", "))
        ));
    }
    for o in outcomes.iter().filter(|o| {
        matches!(o.verdict, Verdict::Fail | Verdict::Error)
            || o.checks
                .iter()
                .any(|c| c.status != CheckStatus::Ok || !c.stale_allowances.is_empty())
    }) {
        out.push_str(&format!(
            "\n### `{}` ({})\n\n",
            escape(o.name()),
            escape(&o.path)
        ));
        if let Some(e) = &o.error {
            out.push_str(&format!("Could not complete: {}\n", escape(e)));
        }
        for c in o.checks.iter().filter(|c| !c.passed) {
            out.push_str(&format!("- **{}**: {}\n", c.check, escape(&c.summary)));
            for d in &c.details {
                out.push_str(&format!("  - {}\n", escape(d)));
            }
        }
        for c in o.checks.iter().filter(|c| c.passed) {
            if c.status == CheckStatus::Allowed {
                out.push_str(&format!(
                    "- **{}** allowed: {}\n",
                    c.check,
                    escape(&c.summary)
                ));
                for d in c.allowed() {
                    out.push_str(&format!("  - {}\n", allowed_line(d)));
                }
                for d in &c.details {
                    out.push_str(&format!("  - {}\n", escape(d)));
                }
            } else if !c.stale_allowances.is_empty() {
                out.push_str(&format!("- **{}** ok: {}\n", c.check, escape(&c.summary)));
            }
            if c.status != CheckStatus::Allowed {
                for s in &c.stale_allowances {
                    out.push_str(&format!("  - {}\n", escape(&s.line())));
                }
            }
        }
    }
    out
}

/// `🟡 allowed: query q (different_results) by `different_results (when target >=4.18)`:
/// reason; query `MATCH ...`, columns [a, b]`.
fn allowed_line(d: &Difference) -> String {
    let mut line = format!("🟡 allowed: {} ({})", escape(&d.subject), d.kind);
    if let Some(a) = &d.allowed {
        line.push_str(&format!(" by `{}`", escape(&a.allowance)));
        if let Some(r) = &a.reason {
            line.push_str(&format!(": {}", escape(r)));
        }
    }
    if let Some(q) = &d.query {
        line.push_str(&format!(
            "; query `{}`, columns [{}]",
            escape(&q.cypher).replace('`', "'"),
            escape(&q.source_columns.join(", "))
        ));
    }
    line
}

/// Keeps table cells intact: pipes and newlines would break the row.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Writes a Markdown summary table (for `$GITHUB_STEP_SUMMARY` and pull requests), atomically.
pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    super::write_atomic(path, render(outcomes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckKind, CheckOutcome};

    fn outcome(verdict: Verdict, detail: &str) -> ScenarioOutcome {
        ScenarioOutcome {
            scenario: "s|1".into(),
            case: String::new(),
            source: "falkordb 4.16.3".into(),
            target: "falkordb 4.18.3".into(),
            hops: Vec::new(),
            path: "s.yaml".into(),
            verdict,
            checks: vec![CheckOutcome::new(
                CheckKind::Counts,
                verdict == Verdict::Pass,
                "sum",
                vec![detail.into()],
            )],
            error: None,
            timings: vec![crate::run::StepTiming {
                step: crate::run::Step::StartServers,
                elapsed: std::time::Duration::from_millis(1250),
            }],
            servers: Vec::new(),
            started_at: None,
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn failures_are_listed_under_the_table_and_cells_are_escaped() {
        let md = render(&[outcome(Verdict::Fail, ":A nodes: source 1, target 0")]);
        assert!(
            md.starts_with("## Migration harness: 0 passed, 1 failed, 0 errored"),
            "{md}"
        );
        assert!(
            md.contains("| `s\\|1` | ❌ fail | counts FAILED | 1.2s |"),
            "{md}"
        );
        assert!(md.contains("  - :A nodes: source 1, target 0"), "{md}");
    }

    fn allowed_outcome() -> ScenarioOutcome {
        use crate::checks::{AppliedAllowance, QueryShape, StaleAllowance};
        let mut o = outcome(
            Verdict::Pass,
            "query q: allowed difference: different results",
        );
        o.checks[0] = CheckOutcome::new(
            CheckKind::Queries,
            true,
            "1 query",
            o.checks[0].details.clone(),
        )
        .with_differences(
            vec![Difference {
                subject: "query q".into(),
                kind: "different_results".into(),
                query: Some(QueryShape {
                    cypher: "RETURN m {.title} AS p".into(),
                    source_columns: vec!["p".into()],
                    target_columns: vec!["p".into()],
                }),
                allowed: Some(AppliedAllowance {
                    allowance: "different_results (when target >=4.18)".into(),
                    reason: Some("null map".into()),
                }),
            }],
            vec![StaleAllowance {
                owner: "query r".into(),
                allowance: "new_error".into(),
                fails: false,
            }],
        );
        o
    }

    #[test]
    fn an_allowed_difference_is_marked_in_every_format() {
        let o = allowed_outcome();
        assert_eq!(o.checks[0].status, CheckStatus::Allowed);
        let md = render(std::slice::from_ref(&o));
        assert!(md.contains("| ✅ pass | queries allowed |"), "{md}");
        assert!(md.contains("- **queries** allowed: 1 query"), "{md}");
        assert!(md.contains("  - 🟡 allowed: query q (different_results) by `different_results (when target >=4.18)`: null map; query `RETURN m {.title} AS p`, columns [p]"), "{md}");
        let xml = crate::report::junit::render(std::slice::from_ref(&o));
        assert!(xml.contains("failures=\"0\""), "{xml}");
        assert!(xml.contains("<property name=\"allowed_difference\" value=\"queries: query q (different_results) allowed by different_results (when target &gt;=4.18): null map; cypher: RETURN m {.title} AS p; columns: [p]\"/>"), "{xml}");
        assert!(xml.contains("<property name=\"stale_allowance\" value=\"query r: allowance new_error matched nothing (stale?)\"/>"), "{xml}");
        assert!(
            xml.contains("<system-out>queries allowed: 1 query"),
            "{xml}"
        );
        let html = crate::report::html::render(std::slice::from_ref(&o));
        assert!(
            html.contains(
                "data-verdict=\"allowed\"><td>queries</td><td class=\"allowed\">allowed</td>"
            ),
            "{html}"
        );
        assert!(html.contains("<q class=\"reason\">null map</q>"), "{html}");
        assert!(
            html.contains("query r: allowance new_error matched nothing (stale?)"),
            "{html}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&crate::report::json::render(std::slice::from_ref(&o))).unwrap();
        let c = &json["scenarios"][0]["checks"][0];
        assert_eq!(c["status"], "allowed");
        assert_eq!(c["differences"][0]["allowed"]["reason"], "null map");
        assert_eq!(
            c["differences"][0]["query"]["cypher"],
            "RETURN m {.title} AS p"
        );
        assert_eq!(c["stale_allowances"][0]["allowance"], "new_error");
        // A plain pass stays `ok` and lists nothing below the table.
        let plain = render(&[outcome(Verdict::Pass, "")]);
        assert!(
            plain.contains("| counts ok |") && !plain.contains("###"),
            "{plain}"
        );
    }

    #[test]
    fn junit_has_one_case_per_scenario_with_the_failure_details() {
        let xml = crate::report::junit::render(&[
            outcome(Verdict::Fail, "x differs"),
            outcome(Verdict::Pass, ""),
        ]);
        assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
        assert!(xml.contains("failures=\"1\""), "{xml}");
        assert!(xml.contains("x differs"), "{xml}");
    }
}
