use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::checks::{CheckOutcome, Difference};
use crate::run::{ScenarioOutcome, Step, Verdict};

/// JUnit XML: one suite per scenario (name and classname = scenario name), one test case per
/// check of each case (name = `<case> <check kind>`, e.g.
/// `quickstart[falkordb-4.16.3->falkordb-4.18.3] counts`), with the case's start as its
/// timestamp. A failed check is a `<failure>` listing its differences. A case that could not
/// complete adds a test case `<case> run` with an `<error>`; a case not run (`--fail-fast`) is
/// one `<skipped>` test case `<case>`. The case's time (server start included) goes to its
/// `run` test case when there is one, else is spread over its checks by their measured step
/// times. A difference a scenario allowance accepted leaves the test case passing, with a
/// `<property name="allowed_difference">` each (check, what, kind, allowance, reason) and the
/// check's details in `<system-out>`; a stale allowance is a `<property name="stale_allowance">`.
pub fn render(outcomes: &[ScenarioOutcome]) -> String {
    let mut report = Report::new("migration-harness");
    let mut total = Duration::ZERO;
    let mut suites: Vec<TestSuite> = Vec::new();
    for o in outcomes {
        let index = match suites.iter().position(|s| s.name.as_str() == o.scenario) {
            Some(i) => i,
            None => {
                suites.push(TestSuite::new(o.scenario.clone()));
                suites.len() - 1
            }
        };
        let suite = &mut suites[index];
        total += o.elapsed;
        for case in test_cases(o) {
            suite.add_test_case(case);
        }
        suite.time = Some(suite.time.unwrap_or_default() + o.elapsed);
        if let Some(at) = o.started_at {
            let at: chrono::DateTime<chrono::FixedOffset> = at.into();
            if suite.timestamp.is_none_or(|t| at < t) {
                suite.set_timestamp(at);
            }
        }
    }
    report.set_time(total).add_test_suites(suites);
    report.to_string().unwrap_or_default()
}

/// The test cases of one case: one per check, plus `run` for a case that could not complete.
fn test_cases(o: &ScenarioOutcome) -> Vec<TestCase> {
    let at = o
        .started_at
        .map(chrono::DateTime::<chrono::FixedOffset>::from);
    let new = |name: String, status: TestCaseStatus, time: Duration| {
        let mut case = TestCase::new(name, status);
        case.set_classname(o.scenario.clone()).set_time(time);
        if let Some(at) = at {
            case.set_timestamp(at);
        }
        case
    };
    if o.verdict == Verdict::Skipped {
        let mut s = TestCaseStatus::skipped();
        if let Some(reason) = &o.error {
            s.set_message(reason.clone());
        }
        return vec![new(o.name().to_owned(), s, Duration::ZERO)];
    }
    // Each check's own step time, when the step was timed; the rest of the case's time
    // (servers, seed, transfer) goes to the `run` test case, or is spread over the checks.
    let step_time = |c: &CheckOutcome| {
        o.timings
            .iter()
            .find(|t| t.step == Step::Check(c.check))
            .map(|t| t.elapsed)
            .unwrap_or_default()
    };
    let measured: Duration = o.checks.iter().map(step_time).sum();
    let rest = o.elapsed.saturating_sub(measured);
    let share = if o.verdict == Verdict::Error || o.checks.is_empty() {
        Duration::ZERO
    } else {
        rest / o.checks.len() as u32
    };
    let mut cases: Vec<TestCase> = o
        .checks
        .iter()
        .map(|c| {
            let status = if c.passed {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(c.summary.clone());
                s.set_description(describe(c));
                s
            };
            let mut case = new(
                format!("{} {}", o.name(), c.check),
                status,
                step_time(c) + share,
            );
            for d in c.allowed() {
                let line = allowed_line(c.check.as_str(), d);
                case.add_property(("allowed_difference", line.as_str()));
            }
            for st in &c.stale_allowances {
                case.add_property(("stale_allowance", st.line().as_str()));
            }
            if c.passed && c.allowed().next().is_some() {
                case.set_system_out(describe(c).replacen(": ", " allowed: ", 1));
            }
            case
        })
        .collect();
    if o.verdict == Verdict::Error {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
        s.set_message(
            o.error
                .clone()
                .unwrap_or_else(|| "the run could not complete".into()),
        );
        cases.push(new(format!("{} run", o.name()), s, rest));
    }
    cases
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

/// `summary` and each detail line of a check.
fn describe(c: &CheckOutcome) -> String {
    let mut out = format!("{}: {}\n", c.check, c.summary);
    for d in &c.details {
        out.push_str(&format!("  {d}\n"));
    }
    out
}

/// Writes a JUnit XML report (one test case per case, for CI test views), atomically.
pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    super::write_atomic(path, render(outcomes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckKind;
    use crate::run::StepTiming;

    #[test]
    fn one_test_case_per_check_named_by_case_and_kind_in_a_suite_per_scenario() {
        let check = |kind, passed| CheckOutcome::new(kind, passed, "sum", vec!["d".into()]);
        let o = ScenarioOutcome {
            scenario: "quick".into(),
            case: "quick[falkordb-4.16.3->falkordb-4.18.3]".into(),
            source: "falkordb 4.16.3".into(),
            target: "falkordb 4.18.3".into(),
            hops: Vec::new(),
            path: "scenarios/quick.yaml".into(),
            verdict: Verdict::Fail,
            checks: vec![
                check(CheckKind::Counts, true),
                check(CheckKind::ContentHash, false),
            ],
            error: None,
            timings: vec![
                StepTiming {
                    step: Step::StartServers,
                    elapsed: Duration::from_secs(6),
                },
                StepTiming {
                    step: Step::Check(CheckKind::ContentHash),
                    elapsed: Duration::from_secs(1),
                },
            ],
            servers: Vec::new(),
            started_at: Some("2026-12-01T08:00:00Z".parse().unwrap()),
            elapsed: Duration::from_secs(9),
        };
        let report = Report::deserialize_from_str(&render(&[o])).unwrap();
        let [suite] = &report.test_suites[..] else {
            panic!("one suite: {report:?}")
        };
        assert_eq!(suite.name.as_str(), "quick");
        let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "quick[falkordb-4.16.3->falkordb-4.18.3] counts",
                "quick[falkordb-4.16.3->falkordb-4.18.3] content_hash"
            ]
        );
        for c in &suite.test_cases {
            assert_eq!(c.classname.as_ref().map(|n| n.as_str()), Some("quick"));
            assert!(c.timestamp.is_some());
        }
        // The case's 9 s (server start included): 1 s measured for content_hash, the other
        // 8 s shared by the two checks.
        let times: Vec<f64> = suite
            .test_cases
            .iter()
            .map(|c| c.time.unwrap().as_secs_f64())
            .collect();
        assert_eq!(times, [4.0, 5.0]);
        assert_eq!(report.failures, 1);
    }
}
