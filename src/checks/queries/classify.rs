//! The outcome class of one query from both sides' records, its expectations, and the detail
//! lines naming exactly what differs.

use super::compare::{self, ResultDiff, Rows};
use super::latency::LatencyReport;
use super::record::{new_deprecations, Outcome, QueryFailure, SideRecord};
use super::snapshot::SnapshotStatus;
use crate::engine::Notification;
use crate::scenario::{AllowOutcome, ComparisonMode, FailOn, QuerySpec, Side};

/// Rows listed per query before "… and N more".
pub const MAX_LISTED_ROWS: usize = 10;

/// How the two sides relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryClass {
    /// Both succeeded with the same result under the mode (or the mode is `none`).
    Same,
    /// Both succeeded with different results.
    DifferentResults,
    /// Succeeded on the source, failed on the target.
    NewError,
    /// Failed on the source, succeeds on the target.
    FixedError,
    /// Failed on both sides with the same code (messages may differ).
    BothErrorSameCode,
    /// Failed on both sides with different codes.
    BothErrorDifferentCode,
}

impl QueryClass {
    pub fn label(self) -> &'static str {
        match self {
            QueryClass::Same => "same",
            QueryClass::DifferentResults => "different results",
            QueryClass::NewError => "new error",
            QueryClass::FixedError => "fixed error",
            QueryClass::BothErrorSameCode => "both error (same code)",
            QueryClass::BothErrorDifferentCode => "both error (different code)",
        }
    }
}

/// One side, summarized for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SideSummary {
    pub rows: Option<usize>,
    pub error: Option<QueryFailure>,
    pub notifications: Vec<Notification>,
    pub elapsed_ms: f64,
}

impl SideSummary {
    fn of(record: &SideRecord) -> Self {
        SideSummary {
            rows: record.outcome.row_count(),
            error: record.outcome.failure().cloned(),
            notifications: record.outcome.notifications().to_vec(),
            elapsed_ms: record.elapsed.as_secs_f64() * 1000.0,
        }
    }
}

/// Everything about one query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryReport {
    pub name: String,
    /// The mode used (`auto` resolved).
    pub mode: ComparisonMode,
    pub class: QueryClass,
    pub source: SideSummary,
    pub target: SideSummary,
    /// The row-level diff, for `different results`.
    pub diff: Option<ResultDiff>,
    pub new_deprecations: Vec<Notification>,
    pub latency: Option<LatencyReport>,
    pub snapshot: Option<SnapshotStatus>,
    /// Why this query fails the check; empty when it passes.
    pub failures: Vec<String>,
    /// The detail lines for the check outcome, each naming the query.
    pub details: Vec<String>,
}

impl QueryReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Adds a latency measurement: a detail line, and a failure when over the threshold.
    pub fn add_latency(&mut self, report: LatencyReport) {
        let line = format!("query {}: {}", self.name, report.describe());
        if report.exceeded {
            self.failures.push("latency threshold exceeded".into());
        }
        self.details.push(line);
        self.latency = Some(report);
    }

    /// Adds a snapshot comparison: detail lines (bounded diff), and a failure unless it matched
    /// or was written.
    pub fn add_snapshot(&mut self, status: SnapshotStatus) {
        let name = &self.name;
        match &status {
            SnapshotStatus::Matched { .. } => {}
            SnapshotStatus::Written { path } => {
                self.details
                    .push(format!("query {name}: snapshot written: {path}"));
            }
            SnapshotStatus::Missing { path, new } => {
                self.failures.push("snapshot missing".into());
                self.details.push(format!(
                    "query {name}: snapshot missing: {path} (run with --update-snapshots to write it); new snapshot:"
                ));
                push_bounded(&mut self.details, name, new, |l| format!("  {l}"));
            }
            SnapshotStatus::Differs { path, diff } => {
                self.failures.push("snapshot differs".into());
                self.details.push(format!(
                    "query {name}: snapshot differs: {path} (--update-snapshots accepts the new result):"
                ));
                push_bounded(&mut self.details, name, diff, |l| format!("  {l}"));
            }
            SnapshotStatus::Unwritable { path, error } => {
                self.failures.push("snapshot not written".into());
                self.details.push(format!(
                    "query {name}: failed to write snapshot {path}: {error}"
                ));
            }
        }
        self.snapshot = Some(status);
    }
}

fn push_bounded(
    details: &mut Vec<String>,
    name: &str,
    lines: &[String],
    format: impl Fn(&str) -> String,
) {
    for l in lines.iter().take(MAX_LISTED_ROWS) {
        details.push(format(l));
    }
    if lines.len() > MAX_LISTED_ROWS {
        details.push(format!(
            "query {name}: … and {} more line(s)",
            lines.len() - MAX_LISTED_ROWS
        ));
    }
}

/// Classifies one query from both records (mode already resolved).
pub fn evaluate(
    spec: &QuerySpec,
    mode: ComparisonMode,
    source: &SideRecord,
    target: &SideRecord,
) -> QueryReport {
    let name = spec.name.clone();
    let mut details = Vec::new();
    let mut failures = Vec::new();
    let mut diff = None;
    let mode_name = match mode {
        ComparisonMode::Ordered => "ordered",
        ComparisonMode::Multiset | ComparisonMode::Auto => "multiset",
        ComparisonMode::None => "errors only",
    };
    let head = |text: String| format!("query {name} [{mode_name}]: {text}");

    let class = match (&source.outcome, &target.outcome) {
        (
            Outcome::Rows {
                columns: sc,
                rows: sr,
                ..
            },
            Outcome::Rows {
                columns: tc,
                rows: tr,
                ..
            },
        ) => {
            let d = compare::diff(
                mode,
                Rows {
                    columns: sc,
                    rows: sr,
                },
                Rows {
                    columns: tc,
                    rows: tr,
                },
                spec.float_tolerance,
            );
            if d.is_empty() {
                details.push(head(if mode == ComparisonMode::None {
                    format!("same (no error on either side; results not compared: source {} row(s), target {} row(s))", sr.len(), tr.len())
                } else {
                    format!("same ({} row(s))", sr.len())
                }));
                QueryClass::Same
            } else {
                details.push(head(format!(
                    "different results (source {} row(s), target {} row(s))",
                    sr.len(),
                    tr.len()
                )));
                diff_lines(&name, &d, &mut details);
                diff = Some(d);
                QueryClass::DifferentResults
            }
        }
        (Outcome::Rows { rows, .. }, Outcome::Failed(f)) => {
            details.push(head(format!(
                "new error on target: {} (source returned {} row(s))",
                f.describe(),
                rows.len()
            )));
            QueryClass::NewError
        }
        (Outcome::Failed(f), Outcome::Rows { rows, .. }) => {
            details.push(head(format!(
                "fixed error: source failed with {}; target returned {} row(s)",
                f.describe(),
                rows.len()
            )));
            QueryClass::FixedError
        }
        (Outcome::Failed(s), Outcome::Failed(t)) => {
            let same_code = match (&s.code, &t.code) {
                (None, None) => s.message == t.message,
                (a, b) => a == b,
            };
            if same_code {
                let messages = if s.message == t.message {
                    format!("same message: {}", s.describe())
                } else {
                    format!("source: {}; target: {}", s.describe(), t.describe())
                };
                details.push(head(format!("both error, same code; {messages}")));
                QueryClass::BothErrorSameCode
            } else {
                details.push(head(format!(
                    "both error, different codes; source: {}; target: {}",
                    s.describe(),
                    t.describe()
                )));
                QueryClass::BothErrorDifferentCode
            }
        }
    };

    // Expectations.
    let expect = spec.expect.clone().unwrap_or_default();
    let mut errors_expected = false;
    if let Some(e) = &expect.error {
        let mut satisfied = true;
        for (side, record) in [(Side::Source, source), (Side::Target, target)] {
            if !e.side.covers(side) {
                continue;
            }
            let problem = match record.outcome.failure() {
                None => Some(format!(
                    "expected an error on {side}, but it returned {} row(s)",
                    record.outcome.row_count().unwrap_or(0)
                )),
                Some(f) => {
                    let code = f.code.as_deref().unwrap_or("");
                    match (&e.code_contains, &e.message_contains) {
                        (Some(want), _) if !code.contains(want.as_str()) => Some(format!(
                            "expected an error code containing {want:?} on {side}, got {}",
                            f.code.as_deref().unwrap_or("no code")
                        )),
                        (_, Some(want)) if !f.message.contains(want.as_str()) => Some(format!(
                            "expected an error message containing {want:?} on {side}, got {:?}",
                            super::record::one_line(&f.message, 200)
                        )),
                        _ => None,
                    }
                }
            };
            if let Some(p) = problem {
                satisfied = false;
                details.push(format!("query {name}: {p}"));
                failures.push(p);
            }
        }
        let uncovered_error = [(Side::Source, source), (Side::Target, target)]
            .iter()
            .any(|(side, r)| r.outcome.failure().is_some() && !e.side.covers(*side));
        errors_expected = satisfied && !uncovered_error;
    }
    if let Some(want) = expect.rows {
        for (side, record) in [(Side::Source, source), (Side::Target, target)] {
            if let Some(n) = record.outcome.row_count() {
                if n as u64 != want {
                    let p = format!("expected {want} row(s), {side} returned {n}");
                    details.push(format!("query {name}: {p}"));
                    failures.push(p);
                }
            }
        }
    }

    let allowed = match class {
        QueryClass::DifferentResults => Some(AllowOutcome::DifferentResults),
        QueryClass::NewError => Some(AllowOutcome::NewError),
        QueryClass::BothErrorDifferentCode => Some(AllowOutcome::DifferentErrors),
        _ => None,
    }
    .filter(|a| spec.allow.contains(a));
    if allowed.is_some() {
        details.push(format!(
            "query {name}: {} is allowed by the scenario",
            class.label()
        ));
    }
    match class {
        _ if allowed.is_some() => {}
        QueryClass::DifferentResults => failures.push("different results".into()),
        QueryClass::NewError | QueryClass::BothErrorDifferentCode if !errors_expected => {
            failures.push(class.label().into())
        }
        QueryClass::FixedError if spec.fail_on.contains(&FailOn::FixedError) => {
            failures.push("fixed error (fail_on: fixed_error)".into())
        }
        _ => {}
    }
    if errors_expected && class != QueryClass::Same {
        details.push(format!("query {name}: the error is expected"));
    }

    let news: Vec<Notification> = new_deprecations(
        source.outcome.notifications(),
        target.outcome.notifications(),
    )
    .into_iter()
    .cloned()
    .collect();
    for n in &news {
        details.push(format!(
            "query {name}: new deprecation on target: {} {}",
            n.code,
            super::record::one_line(&format!("{} {}", n.title, n.description), 200)
        ));
    }
    if !news.is_empty() && spec.fail_on.contains(&FailOn::NewDeprecation) {
        failures.push("new deprecation (fail_on: new_deprecation)".into());
    }

    QueryReport {
        name,
        mode,
        class,
        source: SideSummary::of(source),
        target: SideSummary::of(target),
        diff,
        new_deprecations: news,
        latency: None,
        snapshot: None,
        failures,
        details,
    }
}

fn diff_lines(name: &str, d: &ResultDiff, details: &mut Vec<String>) {
    if let Some((s, t)) = &d.columns {
        details.push(format!(
            "query {name}: columns differ: source [{}], target [{}]",
            s.join(", "),
            t.join(", ")
        ));
    }
    if let Some(first) = &d.first_difference {
        let row = first.index + 1;
        let text = match (&first.source, &first.target) {
            (Some(_), Some(_)) if !first.changes.is_empty() => first.changes.join("; "),
            (Some(s), Some(t)) => format!("{s} -> {t}"),
            (Some(s), None) => format!("{s} only on source"),
            (None, Some(t)) => format!("{t} only on target"),
            (None, None) => String::new(),
        };
        if d.only_source.is_empty() && d.only_target.is_empty() && d.columns.is_none() {
            details.push(format!(
                "query {name}: same rows in a different order; first difference at row {row}: {text}"
            ));
        } else {
            details.push(format!(
                "query {name}: first difference at row {row}: {text}"
            ));
        }
    }
    let listed = d
        .only_source
        .iter()
        .map(|r| format!("query {name}: only on source: {r}"))
        .chain(
            d.only_target
                .iter()
                .map(|r| format!("query {name}: only on target: {r}")),
        );
    let total = d.only_source.len() + d.only_target.len();
    details.extend(listed.take(MAX_LISTED_ROWS));
    if total > MAX_LISTED_ROWS {
        details.push(format!(
            "query {name}: … and {} more row(s)",
            total - MAX_LISTED_ROWS
        ));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::scenario::{ErrorSide, ExpectedError, QueryExpectation};
    use crate::value::Value;

    fn spec(name: &str) -> QuerySpec {
        serde_saphyr::from_str(&format!("name: {name}\ncypher: RETURN 1\n")).unwrap()
    }

    fn rows(values: &[i64]) -> SideRecord {
        rows_with(values, vec![])
    }

    fn rows_with(values: &[i64], notifications: Vec<Notification>) -> SideRecord {
        SideRecord {
            outcome: Outcome::Rows {
                columns: vec!["x".into()],
                rows: values.iter().map(|v| vec![Value::Int(*v)]).collect(),
                notifications,
            },
            elapsed: Duration::from_millis(1),
        }
    }

    fn failed(code: Option<&str>, message: &str) -> SideRecord {
        SideRecord {
            outcome: Outcome::Failed(QueryFailure {
                code: code.map(str::to_owned),
                message: message.into(),
            }),
            elapsed: Duration::from_millis(1),
        }
    }

    #[test]
    fn classes_and_which_of_them_fail() {
        let q = spec("q");
        let m = ComparisonMode::Multiset;
        let cases = [
            (rows(&[1, 2]), rows(&[2, 1]), QueryClass::Same, true),
            (
                rows(&[1, 2]),
                rows(&[1, 3]),
                QueryClass::DifferentResults,
                false,
            ),
            (
                rows(&[1]),
                failed(Some("E"), "boom"),
                QueryClass::NewError,
                false,
            ),
            (
                failed(Some("E"), "boom"),
                rows(&[1]),
                QueryClass::FixedError,
                true,
            ),
            (
                failed(Some("E"), "a"),
                failed(Some("E"), "b"),
                QueryClass::BothErrorSameCode,
                true,
            ),
            (
                failed(None, "same"),
                failed(None, "same"),
                QueryClass::BothErrorSameCode,
                true,
            ),
            (
                failed(Some("E"), "a"),
                failed(Some("F"), "a"),
                QueryClass::BothErrorDifferentCode,
                false,
            ),
        ];
        for (s, t, class, passes) in cases {
            let r = evaluate(&q, m, &s, &t);
            assert_eq!(r.class, class, "{:?}", r.details);
            assert_eq!(r.passed(), passes, "{class:?}: {:?}", r.failures);
            assert!(
                r.details[0].starts_with("query q [multiset]: "),
                "{:?}",
                r.details
            );
        }
        // Mode none: results are not compared.
        let r = evaluate(&q, ComparisonMode::None, &rows(&[1]), &rows(&[2]));
        assert_eq!(r.class, QueryClass::Same);
    }

    #[test]
    fn a_different_result_lists_the_rows_bounded() {
        let q = spec("many");
        let s: Vec<i64> = (0..8).collect();
        let t: Vec<i64> = (100..108).collect();
        let r = evaluate(&q, ComparisonMode::Multiset, &rows(&s), &rows(&t));
        assert_eq!(
            r.details[0],
            "query many [multiset]: different results (source 8 row(s), target 8 row(s))"
        );
        assert_eq!(r.details[1], "query many: only on source: [0]");
        assert_eq!(r.details[9], "query many: only on target: [100]");
        assert_eq!(r.details.len(), 12);
        assert_eq!(r.details[11], "query many: … and 6 more row(s)");
    }

    #[test]
    fn an_expected_error_turns_a_new_error_into_a_pass_and_a_missing_one_into_a_failure() {
        let mut q = spec("e");
        q.expect = Some(QueryExpectation {
            rows: None,
            error: Some(ExpectedError {
                side: ErrorSide::Target,
                code_contains: Some("Syntax".into()),
                message_contains: None,
            }),
        });
        let m = ComparisonMode::Multiset;
        let r = evaluate(&q, m, &rows(&[1]), &failed(Some("SyntaxError"), "x"));
        assert_eq!(r.class, QueryClass::NewError);
        assert!(r.passed(), "{:?}", r.failures);
        let r = evaluate(&q, m, &rows(&[1]), &failed(Some("Other"), "x"));
        assert!(!r.passed());
        assert!(r.details.contains(
            &"query e: expected an error code containing \"Syntax\" on target, got Other"
                .to_string()
        ));
        let r = evaluate(&q, m, &rows(&[1]), &rows(&[1]));
        assert_eq!(
            r.failures,
            ["expected an error on target, but it returned 1 row(s)"]
        );
    }

    #[test]
    fn expected_rows_are_checked_on_every_side_that_answered() {
        let mut q = spec("n");
        q.expect = Some(QueryExpectation {
            rows: Some(2),
            error: None,
        });
        let r = evaluate(&q, ComparisonMode::Multiset, &rows(&[1, 2]), &rows(&[1, 2]));
        assert!(r.passed());
        let r = evaluate(&q, ComparisonMode::None, &rows(&[1, 2]), &rows(&[1]));
        assert_eq!(r.failures, ["expected 2 row(s), target returned 1"]);
    }

    #[test]
    fn a_declared_difference_is_reported_but_passes() {
        let mut q = spec("q");
        let (s, t) = (rows(&[1]), rows(&[2]));
        assert!(!evaluate(&q, ComparisonMode::Multiset, &s, &t).passed());
        q.allow = vec![AllowOutcome::DifferentResults];
        let r = evaluate(&q, ComparisonMode::Multiset, &s, &t);
        assert!(r.passed(), "{:?}", r.failures);
        assert_eq!(r.class, QueryClass::DifferentResults);
    }

    #[test]
    fn new_deprecations_are_reported_and_fail_only_on_request() {
        let dep = Notification {
            code: "Neo.ClientNotification.Statement.FeatureDeprecationWarning".into(),
            title: "This feature is deprecated".into(),
            description: "id() is deprecated".into(),
        };
        let other = Notification {
            code: "Neo.ClientNotification.Statement.CartesianProduct".into(),
            title: "cartesian product".into(),
            description: String::new(),
        };
        let mut q = spec("d");
        let s = rows_with(&[1], vec![other.clone()]);
        let t = rows_with(&[1], vec![other, dep.clone()]);
        let r = evaluate(&q, ComparisonMode::Multiset, &s, &t);
        assert_eq!(r.class, QueryClass::Same);
        assert_eq!(r.new_deprecations, std::slice::from_ref(&dep));
        assert!(r.passed());
        assert!(r.details[1].starts_with("query d: new deprecation on target: Neo.ClientNotification.Statement.FeatureDeprecationWarning"));
        q.fail_on = vec![FailOn::NewDeprecation];
        assert!(!evaluate(&q, ComparisonMode::Multiset, &s, &t).passed());
        // Present on both sides: not new.
        let both = rows_with(&[1], vec![dep]);
        assert!(evaluate(&q, ComparisonMode::Multiset, &both, &both)
            .new_deprecations
            .is_empty());
    }
}
