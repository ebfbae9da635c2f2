use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::checks::Difference;
use crate::run::{ScenarioOutcome, Verdict};

/// JUnit XML: one suite, one test case per case (name = case name, e.g.
/// `quickstart[falkordb-4.16.3->falkordb-4.18.3]`; classname = scenario file). A failed check is
/// a `<failure>` listing every difference; a run that could not complete is an `<error>`; a case
/// not run (`--fail-fast`) is `<skipped>`. A difference a scenario allowance accepted leaves
/// the test case passing, with a `<property name="allowed_difference">` each (check, what, kind,
/// allowance, reason) and the allowed checks' details in `<system-out>`; a stale allowance is
/// a `<property name="stale_allowance">`.
pub fn render(outcomes: &[ScenarioOutcome]) -> String {
    let mut suite = TestSuite::new("migration-harness");
    let mut total = Duration::ZERO;
    for o in outcomes {
        let time = Duration::from_secs_f64(o.timings.iter().map(|(_, s)| *s).sum::<f64>().max(0.0));
        total += time;
        let status = match o.verdict {
            Verdict::Pass => TestCaseStatus::success(),
            Verdict::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let failed: Vec<&str> = o
                    .checks
                    .iter()
                    .filter(|c| !c.passed)
                    .map(|c| c.check.as_str())
                    .collect();
                s.set_message(format!("failed checks: {}", failed.join(", ")));
                s.set_description(describe_failures(o));
                s
            }
            Verdict::Error => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(
                    o.error
                        .clone()
                        .unwrap_or_else(|| "the run could not complete".into()),
                );
                s
            }
            Verdict::Skipped => {
                let mut s = TestCaseStatus::skipped();
                if let Some(reason) = &o.error {
                    s.set_message(reason.clone());
                }
                s
            }
        };
        let mut case = TestCase::new(o.name().to_owned(), status);
        case.set_classname(o.path.clone()).set_time(time);
        let mut out = String::new();
        for c in &o.checks {
            for d in c.allowed() {
                let line = allowed_line(&c.check, d);
                case.add_property(("allowed_difference", line.as_str()));
            }
            for st in &c.stale_allowances {
                case.add_property(("stale_allowance", st.line().as_str()));
            }
            if c.passed && c.allowed().next().is_some() {
                out.push_str(&format!("{} allowed: {}\n", c.check, c.summary));
                for d in &c.details {
                    out.push_str(&format!("  {d}\n"));
                }
            }
        }
        if !out.is_empty() {
            case.set_system_out(out);
        }
        suite.add_test_case(case);
    }
    suite.set_time(total);
    let mut report = Report::new("migration-harness");
    report.set_time(total).add_test_suite(suite);
    report.to_string().unwrap_or_default()
}

/// `queries: query q (different_results) allowed by different_results (when target >=4.18):
/// reason; cypher: ...; columns: [a]`.
fn allowed_line(check: &str, d: &Difference) -> String {
    let mut line = format!("{check}: {} ({})", d.subject, d.kind);
    if let Some(a) = &d.allowed {
        line.push_str(&format!(" allowed by {}", a.allowance));
        if let Some(r) = &a.reason {
            line.push_str(&format!(": {r}"));
        }
    }
    if let Some(q) = &d.query {
        line.push_str(&format!(
            "; cypher: {}; columns: [{}]",
            q.cypher,
            q.source_columns.join(", ")
        ));
    }
    line
}

fn describe_failures(o: &ScenarioOutcome) -> String {
    let mut out = String::new();
    for c in o.checks.iter().filter(|c| !c.passed) {
        out.push_str(&format!("{}: {}\n", c.check, c.summary));
        for d in &c.details {
            out.push_str(&format!("  {d}\n"));
        }
    }
    out
}

pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    super::write_atomic(path, render(outcomes).as_bytes())
}
