use super::counts::GraphCounts;
use super::queries::latency::LatencyReport;
use super::queries::QueryClass;
use crate::engine::EngineError;
use crate::graph::GraphError;
pub use crate::kinds::CheckKind;
use crate::value::Value;
use std::collections::BTreeMap;

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
    /// The `capabilities` check's findings: values the target could not store exactly.
    Capabilities(CapabilitiesData),
    /// The `schema` check's typed diff and its vector index probes.
    Schema(super::schema::SchemaData),
    /// The `rollback` check's recorded and restored states.
    Rollback(super::rollback::RollbackData),
    /// The `downgrade` check: whether the old version refused the upgraded store.
    Downgrade(super::rollback::DowngradeData),
    /// A `migrations.*` check: which migration, on which server(s), and the verdict as run.
    Migrations(MigrationData),
}

/// A `migrations.*` check's typed data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MigrationData {
    /// The migration checked (`V1 (add customer status)`); `None` for `same_on_both`, which
    /// compares the servers after every migration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<String>,
    /// The server(s) it ran on, `source (neo4j 5.26.19)`: one, or both for `same_on_both`.
    pub servers: Vec<String>,
    /// The verdict as run, before `expect_failures` or a `declare` applied.
    pub passed_as_run: bool,
    /// `same_on_both`: each server's content hash after every migration (empty when a
    /// migration did not apply on one of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub content_hashes: Vec<String>,
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
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
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
    /// Each differing entity, at most `max_diffs`; the detail lines are their `Display`.
    pub differences: Vec<ContentDifference>,
    /// How many more differences were found than listed.
    pub more: usize,
}

/// One entity that differs between the sides' content.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContentDifference {
    /// A node of the source that the target lacks.
    MissingNode {
        /// The source's node.
        node: ContentNode,
    },
    /// A node of the target that the source lacks.
    ExtraNode {
        /// The target's node.
        node: ContentNode,
    },
    /// A node paired by its business key whose content differs.
    ChangedNode {
        /// The node on the source.
        source: ContentNode,
        /// The node on the target.
        target: ContentNode,
    },
    /// A relationship of the source that the target lacks.
    MissingRelationship {
        /// The source's relationship.
        relationship: ContentRelationship,
    },
    /// A relationship of the target that the source lacks.
    ExtraRelationship {
        /// The target's relationship.
        relationship: ContentRelationship,
    },
}

impl std::fmt::Display for ContentDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContentDifference::MissingNode { node } => write!(f, "missing on target: node {node}"),
            ContentDifference::ExtraNode { node } => write!(f, "extra on target: node {node}"),
            ContentDifference::ChangedNode { source, target } => {
                write!(f, "changed node {source}: ")?;
                let mut changes = Vec::new();
                if source.labels != target.labels {
                    changes.push(format!("labels {:?} -> {:?}", source.labels, target.labels));
                }
                let keys: std::collections::BTreeSet<&String> = source
                    .properties
                    .keys()
                    .chain(target.properties.keys())
                    .collect();
                for k in keys {
                    match (source.properties.get(k), target.properties.get(k)) {
                        (Some(a), Some(b)) if a != b => changes.push(format!(
                            "property {k}: {a} ({}) -> {b} ({})",
                            a.type_name(),
                            b.type_name()
                        )),
                        (Some(a), None) => {
                            changes.push(format!("property {k}: {a} ({}) -> absent", a.type_name()))
                        }
                        (None, Some(b)) => {
                            changes.push(format!("property {k}: absent -> {b} ({})", b.type_name()))
                        }
                        _ => {}
                    }
                }
                f.write_str(&changes.join("; "))
            }
            ContentDifference::MissingRelationship { relationship } => {
                write!(f, "missing on target: relationship {relationship}")
            }
            ContentDifference::ExtraRelationship { relationship } => {
                write!(f, "extra on target: relationship {relationship}")
            }
        }
    }
}

/// A node's content (ids stripped): its labels and typed properties.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContentNode {
    /// Its labels, sorted.
    pub labels: Vec<String>,
    /// Each property as `{"type": "INTEGER", "value": "42"}` (Cypher type and literal).
    #[serde(serialize_with = "typed_properties")]
    pub properties: BTreeMap<String, Value>,
    /// The declared business-key properties of its labels; when any, only they are shown in
    /// the detail line (all properties are kept here).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
}

impl std::fmt::Display for ContentNode {
    /// `(:A:B {k: v, ...})`: the key properties (all when no key is declared), cut at 160
    /// characters.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let labels: String = self.labels.iter().map(|l| format!(":{l}")).collect();
        let shown: Vec<String> = self
            .properties
            .iter()
            .filter(|(k, _)| self.key.is_empty() || self.key.contains(k))
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        let mut props = shown.join(", ");
        if props.chars().count() > 160 {
            props = props.chars().take(160).collect::<String>() + "…";
        }
        write!(f, "({labels} {{{props}}})")
    }
}

/// A relationship's content: its type, typed properties and both endpoints' content.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContentRelationship {
    #[serde(rename = "type")]
    /// Its type.
    pub rel_type: String,
    #[serde(serialize_with = "typed_properties")]
    /// Its typed properties.
    pub properties: BTreeMap<String, Value>,
    /// Its start node's content.
    pub start: ContentNode,
    /// Its end node's content.
    pub end: ContentNode,
}

impl std::fmt::Display for ContentRelationship {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let props: Vec<String> = self
            .properties
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        write!(
            f,
            "{}-[:{} {{{}}}]->{}",
            self.start,
            self.rel_type,
            props.join(", "),
            self.end
        )
    }
}

/// A property map as `{name: {"type": <Cypher type>, "value": <Cypher literal>}}`: the type
/// keeps what JSON alone would lose (INTEGER vs FLOAT, DATE vs STRING).
fn typed_properties<S: serde::Serializer>(
    properties: &BTreeMap<String, Value>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    #[derive(serde::Serialize)]
    struct Typed<'a> {
        #[serde(rename = "type")]
        type_name: &'a str,
        value: String,
    }
    let mut map = serializer.serialize_map(Some(properties.len()))?;
    for (k, v) in properties {
        map.serialize_entry(
            k,
            &Typed {
                type_name: v.type_name(),
                value: v.to_string(),
            },
        )?;
    }
    map.end()
}

/// What a transfer could not store exactly on its target.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CapabilitiesData {
    /// The target, as the summary names it.
    pub target: String,
    /// One finding per property the target could not store exactly.
    pub findings: Vec<CapabilityFinding>,
}

/// One property the target could not store exactly, over all entities that hold it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CapabilityFinding {
    /// `(:A:B)` for a node label set, `[:TYPE]` for a relationship type.
    pub entity: String,
    /// The property's name.
    pub property: String,
    /// The Cypher type of the value, e.g. `FLOAT` or `LIST`.
    pub value_type: String,
    /// What happened to the value on the target.
    pub effect: CapabilityEffect,
    /// How many entities held such a value.
    pub count: u64,
    /// The engine's rule: why the target cannot store it.
    pub reason: String,
}

/// What happened to a value the target could not store exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapabilityEffect {
    /// Left out: the entity was written without it.
    Lost,
    /// Written, but the target keeps a different value (e.g. rounded).
    Changed,
}

impl From<&crate::graph::Finding> for CapabilityFinding {
    fn from(f: &crate::graph::Finding) -> Self {
        CapabilityFinding {
            entity: f.entity.clone(),
            property: f.property.clone(),
            value_type: f.value_type.clone(),
            effect: if f.lossy {
                CapabilityEffect::Changed
            } else {
                CapabilityEffect::Lost
            },
            count: f.count,
            reason: f.reason.clone(),
        }
    }
}

impl std::fmt::Display for CapabilityFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} property {} ({}): {} on {} entit{}: {}",
            self.entity,
            self.property,
            self.value_type,
            match self.effect {
                CapabilityEffect::Changed => "changed",
                CapabilityEffect::Lost => "not stored",
            },
            self.count,
            if self.count == 1 { "y" } else { "ies" },
            self.reason
        )
    }
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
    #[error("failed to run check {check}")]
    Engine {
        check: String,
        #[source]
        source: EngineError,
    },
    #[error("failed to run check {check}")]
    Read {
        check: String,
        #[source]
        source: GraphError,
    },
}
