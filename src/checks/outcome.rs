use super::counts::GraphCounts;
use super::queries::latency::LatencyReport;
use super::queries::QueryClass;
use crate::engine::EngineError;
use crate::graph::GraphError;
pub use crate::kinds::CheckKind;

/// The verdict of one check, with the details a person needs to see what differs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheckOutcome {
    /// The check's kind; serialized as its name (`counts`, `content_hash`, `migrations.applies`).
    pub check: CheckKind,
    /// Whether the check passed (`status` is `Passed`).
    pub passed: bool,
    /// `ok`, `allowed` (passed only because declared allowances accepted differences) or
    /// `failed`; always consistent with `passed`.
    pub status: CheckStatus,
    /// One line: what was compared and the verdict.
    pub summary: String,
    /// Each difference, one per line, bounded (text output; written from `data` where the
    /// check has typed data).
    pub details: Vec<String>,
    /// What the check measured, typed (reports render from it).
    #[serde(skip_serializing_if = "CheckData::is_none")]
    pub data: CheckData,
    /// The differences found, typed (queries and schema): each with what accepted it, if anything.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    /// Allowances that applied to this case's version pair but matched nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_allowances: Vec<StaleAllowance>,
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Nothing differs (or only what the harness knows to be equivalent).
    Ok,
    /// Passed, but only because declared allowances accepted differences.
    Allowed,
    /// At least one difference (or expectation) fails the check.
    Failed,
}

impl CheckStatus {
    /// The word reports print: `ok`, `allowed`, `FAILED`.
    pub fn word(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Allowed => "allowed",
            CheckStatus::Failed => "FAILED",
        }
    }

    /// The lower-case class name reports use for styling and `data-` attributes: `pass`,
    /// `allowed`, `fail`.
    pub fn class(self) -> &'static str {
        match self {
            CheckStatus::Ok => "pass",
            CheckStatus::Allowed => "allowed",
            CheckStatus::Failed => "fail",
        }
    }
}

/// What a check measured, typed. Text lines (`CheckOutcome::details`) are written from it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CheckData {
    /// The check carries no typed data beyond its summary, details and `differences`.
    #[default]
    None,
    /// The `counts` check's per-label and per-type counts on both sides.
    Counts(CountsDiff),
    /// The `content-hash` check's hashes and first differences.
    Content(ContentDiff),
    /// The `queries` check's per-query results.
    Queries(QueriesData),
}

impl CheckData {
    /// Whether the check recorded no typed data.
    pub fn is_none(&self) -> bool {
        matches!(self, CheckData::None)
    }
}

/// Both sides' counts and the declared expectations that did not hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CountsDiff {
    /// The source graph's counts.
    pub source: GraphCounts,
    /// The target graph's counts.
    pub target: GraphCounts,
    /// Each count that differs between the sides.
    pub differences: Vec<CountDifference>,
    /// Each `expect:` number that a side did not match.
    pub unmet_expectations: Vec<UnmetExpectation>,
}

/// One count that differs between source and target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CountDifference {
    /// `nodes in total`, `:Person nodes`, `:KNOWS relationships`.
    pub what: String,
    /// The count on the source.
    pub source: u64,
    /// The count on the target.
    pub target: u64,
}

impl std::fmt::Display for CountDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: source {}, target {}",
            self.what, self.source, self.target
        )
    }
}

/// One `expect:` number a side did not match.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnmetExpectation {
    /// `source` or `target`.
    pub side: String,
    /// What was counted: a label, a relationship type or a total.
    pub what: String,
    /// The count the scenario expected.
    pub expected: u64,
    /// The count found.
    pub found: u64,
}

impl std::fmt::Display for UnmetExpectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected {} {}, found {}",
            self.side, self.expected, self.what, self.found
        )
    }
}

/// The two content hashes, what was hashed, and (only when they differ) the entity
/// differences, bounded like the details.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ContentDiff {
    /// The source graph's content hash (hex).
    pub source_hash: String,
    /// The target graph's content hash (hex).
    pub target_hash: String,
    /// Nodes hashed on the source.
    pub source_nodes: u64,
    /// Relationships hashed on the source.
    pub source_relationships: u64,
    /// Nodes hashed on the target.
    pub target_nodes: u64,
    /// Relationships hashed on the target.
    pub target_relationships: u64,
    /// One line per differing entity, at most `max_diffs`.
    pub differences: Vec<String>,
    /// How many more differences were found than listed.
    pub more: usize,
}

/// Every query of the `queries` check.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct QueriesData {
    /// Static problems of the suite; when present nothing ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<String>,
    /// One entry per declared query, in the scenario's order.
    pub queries: Vec<QueryData>,
}

/// One query on both sides.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueryData {
    /// The query's name in the scenario.
    pub name: String,
    /// The Cypher text that ran on both sides.
    pub cypher: String,
    /// The column names the source returned.
    pub source_columns: Vec<String>,
    /// The column names the target returned.
    pub target_columns: Vec<String>,
    /// The outcome class (`same`, `different_results`, `new_error`, ...).
    pub class: QueryClass,
    /// Whether the query's comparison passed.
    pub passed: bool,
    /// Rows each side returned (`None` for a side that failed).
    pub source_rows: Option<usize>,
    /// Rows the target returned, when it ran.
    pub target_rows: Option<usize>,
    /// Each side's error, as the server reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_error: Option<String>,
    /// The target's error, when the query failed there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_error: Option<String>,
    /// Deprecation notices the target raised and the source did not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub new_deprecations: Vec<String>,
    /// The row differences, one line each (bounded), for `different_results`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub row_differences: Vec<String>,
    /// Why the query fails the check; empty when it passes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<String>,
    /// Timed runs per side, when the query asks for latency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyReport>,
}

/// One difference a check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// What differs: `query people`, `index RANGE :Person(name)`.
    pub subject: String,
    /// `different_results`, `new_error`, `different_errors`; `missing`, `extra`, `renamed`,
    /// `mapped`.
    pub kind: String,
    /// For queries: the statement and both sides' column names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<QueryShape>,
    /// The scenario allowance that accepted it; `None`: it counts against the check (unless
    /// the harness knows it as equivalent, e.g. BTREE -> RANGE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<AppliedAllowance>,
}

/// A query's text and columns, shown next to its result difference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueryShape {
    /// The Cypher text.
    pub cypher: String,
    /// The column names the source returned.
    pub source_columns: Vec<String>,
    /// The column names the target returned.
    pub target_columns: Vec<String>,
}

/// The allowance that accepted a difference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedAllowance {
    /// As written, e.g. `different_results (when target >=4.18)`.
    pub allowance: String,
    /// Why the allowance was granted, as written in the scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An allowance that applied to the case's versions and matched nothing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaleAllowance {
    /// Where it is declared: `query people`, `schema`.
    pub owner: String,
    /// The allowance, as written in the scenario.
    pub allowance: String,
    /// Whether it failed the check (`fail_on_stale_allowances: true`).
    pub fails: bool,
}

impl StaleAllowance {
    /// The detail line: `allowance <...> matched nothing (stale?)`.
    pub fn line(&self) -> String {
        format!(
            "{}: allowance {} matched nothing (stale?){}",
            self.owner,
            self.allowance,
            if self.fails {
                " [fail_on_stale_allowances]"
            } else {
                ""
            }
        )
    }
}

impl CheckOutcome {
    /// A check without typed differences: status `ok` or `failed`.
    pub fn new(
        check: CheckKind,
        passed: bool,
        summary: impl Into<String>,
        details: Vec<String>,
    ) -> Self {
        CheckOutcome {
            check,
            passed,
            status: if passed {
                CheckStatus::Ok
            } else {
                CheckStatus::Failed
            },
            summary: summary.into(),
            details,
            data: CheckData::None,
            differences: Vec::new(),
            stale_allowances: Vec::new(),
        }
    }

    /// Adds the typed differences and stale allowances; a passing check with an allowed
    /// difference becomes `allowed`.
    pub fn with_differences(
        mut self,
        differences: Vec<Difference>,
        stale_allowances: Vec<StaleAllowance>,
    ) -> Self {
        self.differences = differences;
        self.stale_allowances = stale_allowances;
        self.status = if !self.passed {
            CheckStatus::Failed
        } else if self.differences.iter().any(|d| d.allowed.is_some()) {
            CheckStatus::Allowed
        } else {
            CheckStatus::Ok
        };
        self
    }

    /// Adds the check's typed data.
    pub fn with_data(mut self, data: CheckData) -> Self {
        self.data = data;
        self
    }

    /// The differences declared allowances accepted.
    pub fn allowed(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| d.allowed.is_some())
    }
}

/// What a check knows about its case beyond the two connections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseContext {
    /// The servers' reported versions, which `when:` scopes are matched against.
    pub versions: crate::scenario::PairVersions,
    /// `fail_on_stale_allowances` of the scenario.
    pub fail_on_stale_allowances: bool,
}

impl CaseContext {
    /// The versions the connections were opened for (their dialects), when nothing better is
    /// known; an unknown version matches no `when:` comparator.
    pub fn of(
        source: &dyn crate::engine::GraphConnection,
        target: &dyn crate::engine::GraphConnection,
    ) -> Self {
        let v = |c: &dyn crate::engine::GraphConnection| {
            c.dialect()
                .version
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        CaseContext {
            versions: crate::scenario::PairVersions::new(v(source), v(target)),
            fail_on_stale_allowances: false,
        }
    }
}

/// A check that could not be evaluated (as opposed to one that failed).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("failed to run check {check}: {source}")]
    Engine {
        check: String,
        #[source]
        source: EngineError,
    },
    #[error("failed to run check {check}: {source}")]
    Read {
        check: String,
        #[source]
        source: GraphError,
    },
}
