use std::path::Path;

use crate::run::{ScenarioOutcome, Verdict};

/// A Markdown summary: a verdict table, then the differences of every failed or errored scenario.
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
        let verdict = match o.verdict {
            Verdict::Pass => "✅ pass",
            Verdict::Fail => "❌ fail",
            Verdict::Error => "⚠️ error",
            Verdict::Skipped => "⏭️ skipped",
        };
        let checks: Vec<String> = o
            .checks
            .iter()
            .map(|c| format!("{} {}", c.check, if c.passed { "ok" } else { "FAILED" }))
            .collect();
        let secs: f64 = o.timings.iter().map(|(_, s)| s).sum();
        out.push_str(&format!(
            "| `{}` | {verdict} | {} | {secs:.1}s |\n",
            escape(o.name()),
            escape(&checks.join(", "))
        ));
    }
    for o in outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Fail | Verdict::Error))
    {
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
    }
    out
}

/// Keeps table cells intact: pipes and newlines would break the row.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    super::write_atomic(path, render(outcomes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckOutcome;

    fn outcome(verdict: Verdict, detail: &str) -> ScenarioOutcome {
        ScenarioOutcome {
            scenario: "s|1".into(),
            case: String::new(),
            source: "falkordb 4.16.3".into(),
            target: "falkordb 4.18.3".into(),
            hops: Vec::new(),
            path: "s.yaml".into(),
            verdict,
            checks: vec![CheckOutcome {
                check: "counts".into(),
                passed: verdict == Verdict::Pass,
                summary: "sum".into(),
                details: vec![detail.into()],
            }],
            error: None,
            timings: vec![("start servers".into(), 1.25)],
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
