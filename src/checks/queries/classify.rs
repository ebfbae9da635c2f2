//! The outcome class of one query from both sides' records, its expectations, and the detail
//! lines naming exactly what differs.

use super::compare::{self, ResultDiff, Rows};
use super::latency::LatencyReport;
use super::record::{new_deprecations, Outcome, QueryFailure, SideRecord};
use super::snapshot::SnapshotStatus;
use crate::checks::{AppliedAllowance, CaseContext, StaleAllowance};
use crate::engine::Notification;
use crate::scenario::{
    AllowOutcome, ComparisonMode, ExpectedRows, FailOn, QueryAllowance, QuerySpec, Side,
};
use crate::value::Value;

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
    /// The class as reports show it (`same`, `different results`, ...).
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

    /// The kind of difference as `allow:` and the JSON report name it; `None` for no difference.
    pub fn difference_kind(self) -> Option<&'static str> {
        match self {
            QueryClass::Same | QueryClass::BothErrorSameCode => None,
            QueryClass::DifferentResults => Some(AllowOutcome::DifferentResults.name()),
            QueryClass::NewError => Some(AllowOutcome::NewError.name()),
            QueryClass::BothErrorDifferentCode => Some(AllowOutcome::DifferentErrors.name()),
            QueryClass::FixedError => Some("fixed_error"),
        }
    }

    /// The `allow:` kind that can accept this class.
    fn allow_kind(self) -> Option<AllowOutcome> {
        match self {
            QueryClass::DifferentResults => Some(AllowOutcome::DifferentResults),
            QueryClass::NewError => Some(AllowOutcome::NewError),
            QueryClass::BothErrorDifferentCode => Some(AllowOutcome::DifferentErrors),
            _ => None,
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
    /// The statement as written in the scenario (without a `CYPHER n` prefix).
    pub cypher: String,
    /// Each side's column names (empty for a side that failed).
    pub columns: (Vec<String>, Vec<String>),
    /// The allowance that accepted this query's difference, if one did.
    pub allowed_by: Option<AppliedAllowance>,
    /// Allowances that applied to the case's versions and matched nothing.
    pub stale_allowances: Vec<StaleAllowance>,
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
    /// `Some(15)` when the results were found the same but their floats were compared only to
    /// that many significant digits, because a side's replies carry no more (FalkorDB) and the
    /// query declares no `float_tolerance`: a finding, not a failure. See
    /// [`QueryReport::note_rounded_floats`].
    pub float_digits: Option<u32>,
}

impl QueryReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Marks results that agree only as far as a side's replies can tell: when the query was
    /// found the same, declares no `float_tolerance`, and a side whose replies print floats with
    /// `digits` significant digits (`(source, target)`, `None` when exact) returned a finite
    /// nonzero float, the report says so instead of calling them the same silently.
    pub fn note_rounded_floats(
        &mut self,
        tolerance: Option<f64>,
        source: &SideRecord,
        target: &SideRecord,
        digits: (Option<u32>, Option<u32>),
    ) {
        if self.class != QueryClass::Same
            || self.mode == ComparisonMode::None
            || tolerance.is_some()
        {
            return;
        }
        let rounded = |record: &SideRecord, digits: Option<u32>| match (&record.outcome, digits) {
            (Outcome::Rows { rows, .. }, Some(d)) if rows.iter().flatten().any(rounded_float) => {
                Some(d)
            }
            _ => None,
        };
        let Some(d) = [rounded(source, digits.0), rounded(target, digits.1)]
            .into_iter()
            .flatten()
            .min()
        else {
            return;
        };
        self.float_digits = Some(d);
        self.details.push(format!(
            "query {}: float values compared to {d} significant digits only: FalkorDB's reply \
             cannot carry more (declare float_tolerance to accept that)",
            self.name
        ));
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

/// Classifies one query from both records (mode already resolved), with no known versions:
/// allowances with a `when:` do not apply.
pub fn evaluate(
    spec: &QuerySpec,
    mode: ComparisonMode,
    source: &SideRecord,
    target: &SideRecord,
) -> QueryReport {
    evaluate_in(spec, mode, source, target, &CaseContext::default())
}

/// Classifies one query from both records (mode already resolved) for a case: its versions
/// decide which allowances apply; stale ones fail with `fail_on_stale_allowances`.
pub fn evaluate_in(
    spec: &QuerySpec,
    mode: ComparisonMode,
    source: &SideRecord,
    target: &SideRecord,
    case: &CaseContext,
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
                details.push(format!(
                    "query {name}: cypher: {}",
                    super::record::one_line(&spec.cypher, 500)
                ));
                if sc == tc {
                    details.push(format!("query {name}: columns: [{}]", sc.join(", ")));
                }
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

    // Allowances: the first of this class's kind that applies to the versions and whose pinned
    // rows (if any) are the actual ones accepts the difference.
    let applicable: Vec<&QueryAllowance> = spec
        .allow
        .iter()
        .filter(|a| a.applies_to(&case.versions))
        .collect();
    let mut seen = vec![false; applicable.len()];
    let mut allowed_by = None;
    if let Some(kind) = class.allow_kind() {
        for (i, a) in applicable.iter().enumerate() {
            if a.kind != kind {
                continue;
            }
            seen[i] = true;
            if let Some(pinned) = &a.expect {
                if let Some(mismatch) = pinned_mismatch(pinned, mode, source, target, spec) {
                    details.push(format!(
                        "query {name}: allowance {a} does not match: {mismatch}"
                    ));
                    continue;
                }
            }
            details.push(format!(
                "query {name}: allowed difference: {}, by allowance {a}{}",
                class.label(),
                a.reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ));
            allowed_by = Some(AppliedAllowance {
                allowance: a.to_string(),
                reason: a.reason.clone(),
            });
            break;
        }
    }
    let stale_allowances: Vec<StaleAllowance> = applicable
        .iter()
        .zip(&seen)
        .filter(|(_, seen)| !**seen)
        .map(|(a, _)| StaleAllowance {
            owner: format!("query {name}"),
            allowance: a.to_string(),
            fails: case.fail_on_stale_allowances,
        })
        .collect();
    for stale in &stale_allowances {
        details.push(stale.line());
        if stale.fails {
            failures.push(format!("stale allowance {}", stale.allowance));
        }
    }
    match class {
        _ if allowed_by.is_some() => {}
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

    let columns = |r: &SideRecord| match &r.outcome {
        Outcome::Rows { columns, .. } => columns.clone(),
        Outcome::Failed(_) => Vec::new(),
    };
    QueryReport {
        name,
        cypher: spec.cypher.clone(),
        columns: (columns(source), columns(target)),
        allowed_by,
        stale_allowances,
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
        float_digits: None,
    }
}

/// Whether `v` holds a float whose reply text may have been rounded (finite and nonzero: zero,
/// infinities and NaN print exactly), also inside lists, maps and entities. Points are 32-bit
/// on FalkorDB, which 15 digits carry exactly.
fn rounded_float(v: &Value) -> bool {
    match v {
        Value::Float(f) => f.is_finite() && *f != 0.0,
        Value::List(items) => items.iter().any(rounded_float),
        Value::Map(m) => m.values().any(rounded_float),
        Value::Node(n) => n.properties.values().any(rounded_float),
        Value::Relationship(r) => r.properties.values().any(rounded_float),
        Value::Path {
            nodes,
            relationships,
        } => {
            nodes
                .iter()
                .any(|n| n.properties.values().any(rounded_float))
                || relationships
                    .iter()
                    .any(|r| r.properties.values().any(rounded_float))
        }
        _ => false,
    }
}

/// Why pinned rows are not the actual ones (compared like the query: ordered or as multisets,
/// typed, with its float tolerance), or `None` when they are.
fn pinned_mismatch(
    pinned: &ExpectedRows,
    mode: ComparisonMode,
    source: &SideRecord,
    target: &SideRecord,
    spec: &QuerySpec,
) -> Option<String> {
    let mut problems = Vec::new();
    for (side, want, record) in [
        (Side::Source, &pinned.source, source),
        (Side::Target, &pinned.target, target),
    ] {
        let Outcome::Rows { columns, rows, .. } = &record.outcome else {
            problems.push(format!("{side} failed, rows were pinned"));
            continue;
        };
        let d = compare::diff(
            mode,
            Rows {
                columns,
                rows: want,
            },
            Rows { columns, rows },
            spec.float_tolerance,
        );
        if !d.is_empty() {
            let render = |rows: &[Vec<crate::value::Value>]| {
                rows.iter()
                    .map(|r| super::render::render_row(r))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            problems.push(format!(
                "{side} rows are [{}], pinned [{}]",
                render(rows),
                render(want)
            ));
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
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

    fn floats(values: &[f64]) -> SideRecord {
        SideRecord {
            outcome: Outcome::Rows {
                columns: vec!["x".into()],
                rows: values.iter().map(|v| vec![Value::Float(*v)]).collect(),
                notifications: vec![],
            },
            elapsed: Duration::from_millis(1),
        }
    }

    #[test]
    fn floats_read_from_falkordb_are_reported_as_compared_to_15_digits() {
        let m = ComparisonMode::Multiset;
        let falkordb = (Some(15), Some(15));
        let (a, b) = (floats(&[0.3, 0.0]), floats(&[0.3, 0.0]));
        let mut r = evaluate(&spec("q"), m, &a, &b);
        r.note_rounded_floats(None, &a, &b, falkordb);
        assert_eq!(r.float_digits, Some(15));
        assert!(r.passed(), "a finding, not a failure");
        assert!(
            r.details
                .iter()
                .any(|d| d.contains("compared to 15 significant digits only")),
            "{:?}",
            r.details
        );
        // Not with a declared tolerance, not between exact sides, not without a finite
        // nonzero float (zero prints exactly), not for different results.
        for (tolerance, digits, a, b) in [
            (Some(1e-9), falkordb, floats(&[0.3]), floats(&[0.3])),
            (None, (None, None), floats(&[0.3]), floats(&[0.3])),
            (None, falkordb, floats(&[0.0, -0.0]), floats(&[0.0, -0.0])),
            (None, falkordb, rows(&[1]), rows(&[1])),
            (None, falkordb, floats(&[0.3]), floats(&[0.4])),
        ] {
            let mut r = evaluate(&spec("q"), m, &a, &b);
            r.note_rounded_floats(tolerance, &a, &b, digits);
            assert_eq!(r.float_digits, None, "{tolerance:?} {digits:?} {a:?}");
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
        assert_eq!(r.details[1], "query many: cypher: RETURN 1");
        assert_eq!(r.details[2], "query many: columns: [x]");
        assert_eq!(r.details[3], "query many: only on source: [0]");
        assert_eq!(r.details[11], "query many: only on target: [100]");
        assert_eq!(r.details.len(), 14);
        assert_eq!(r.details[13], "query many: … and 6 more row(s)");
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
        q.allow = vec![QueryAllowance::any(AllowOutcome::DifferentResults)];
        let r = evaluate(&q, ComparisonMode::Multiset, &s, &t);
        assert!(r.passed(), "{:?}", r.failures);
        assert_eq!(r.class, QueryClass::DifferentResults);
        assert_eq!(
            r.allowed_by,
            Some(AppliedAllowance {
                allowance: "different_results".into(),
                reason: None
            })
        );
        assert!(r.details.contains(
            &"query q: allowed difference: different results, by allowance different_results"
                .to_string()
        ));
    }

    fn with_allow(yaml: &str) -> QuerySpec {
        serde_saphyr::from_str(&format!("name: q\ncypher: RETURN 1 AS x\nallow:\n{yaml}")).unwrap()
    }

    fn case(source: &str, target: &str, fail_on_stale_allowances: bool) -> CaseContext {
        CaseContext {
            versions: crate::scenario::PairVersions::new(source, target),
            fail_on_stale_allowances,
        }
    }

    #[test]
    fn a_scoped_allowance_applies_only_to_its_version_pairs() {
        let q = with_allow(
            "  - kind: different_results\n    when: {target: \">=4.18\"}\n    reason: null map\n",
        );
        let m = ComparisonMode::Multiset;
        let (s, t) = (rows(&[1]), rows(&[2]));
        let r = evaluate_in(&q, m, &s, &t, &case("4.16.3", "4.18.3", false));
        assert!(r.passed(), "{:?}", r.details);
        assert_eq!(
            r.allowed_by.as_ref().map(|a| a.allowance.as_str()),
            Some("different_results (when target >=4.18)")
        );
        assert!(r.details.contains(&"query q: allowed difference: different results, by allowance different_results (when target >=4.18): null map".to_string()), "{:?}", r.details);
        // Out of scope: the difference fails, and the allowance is not stale there.
        let r = evaluate_in(&q, m, &s, &t, &case("4.14.11", "4.16.3", true));
        assert!(!r.passed());
        assert!(r.stale_allowances.is_empty());
        // In scope and nothing differs: stale, failing only on request.
        let r = evaluate_in(&q, m, &s, &s, &case("4.16.3", "4.18.3", false));
        assert!(r.passed());
        assert_eq!(
            r.details[1],
            "query q: allowance different_results (when target >=4.18) matched nothing (stale?)"
        );
        let r = evaluate_in(&q, m, &s, &s, &case("4.16.3", "4.18.3", true));
        assert_eq!(
            r.failures,
            ["stale allowance different_results (when target >=4.18)"]
        );
    }

    #[test]
    fn the_short_form_is_stale_like_the_long_form() {
        let q = with_allow("  - different_results\n");
        let r = evaluate_in(
            &q,
            ComparisonMode::Multiset,
            &rows(&[1]),
            &rows(&[1]),
            &case("4.14.11", "4.16.3", false),
        );
        assert!(r.passed());
        assert_eq!(
            r.stale_allowances[0].line(),
            "query q: allowance different_results matched nothing (stale?)"
        );
    }

    #[test]
    fn pinned_rows_must_be_the_actual_ones() {
        let q =
            with_allow("  - kind: different_results\n    expect: {source: [[1]], target: [[2]]}\n");
        let m = ComparisonMode::Multiset;
        let c = case("1", "2", false);
        let r = evaluate_in(&q, m, &rows(&[1]), &rows(&[2]), &c);
        assert!(r.passed(), "{:?}", r.details);
        let r = evaluate_in(&q, m, &rows(&[1]), &rows(&[3]), &c);
        assert!(!r.passed());
        assert!(r.details.contains(&"query q: allowance different_results (pinned rows) does not match: target rows are [[3]], pinned [[2]]".to_string()), "{:?}", r.details);
        assert!(r.stale_allowances.is_empty(), "a mismatch is reported once");
        // Typed: 2.0 is not 2.
        let q = with_allow(
            "  - kind: different_results\n    expect: {source: [[1]], target: [[2.0]]}\n",
        );
        assert!(!evaluate_in(&q, m, &rows(&[1]), &rows(&[2]), &c).passed());
    }

    #[test]
    fn a_result_difference_names_the_query_and_columns() {
        let r = evaluate(
            &spec("q"),
            ComparisonMode::Multiset,
            &rows(&[1]),
            &rows(&[2]),
        );
        assert_eq!(r.details[1], "query q: cypher: RETURN 1");
        assert_eq!(r.details[2], "query q: columns: [x]");
        assert_eq!(r.columns, (vec!["x".to_string()], vec!["x".to_string()]));
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
