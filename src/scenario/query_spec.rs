//! Scenario syntax of query suites (`queries:`), run on both sides after the transfer.
//!
//! ```yaml
//! queries:
//!   - name: people_by_age                # unique; names the snapshot file
//!     cypher: "MATCH (p:Person) WHERE p.born > $year RETURN p.name ORDER BY p.name"
//!     params: { year: 1960 }             # YAML scalars keep their type: 1960 is INTEGER, 1.5 FLOAT
//!     mode: auto                         # auto (default) | ordered | multiset | none
//!     float_tolerance: 1e-9              # opt-in; an INTEGER never equals a FLOAT
//!     cypher_version: { source: "5", target: "25" }   # or "5" for both: prepends `CYPHER 5 `
//!     expect: { rows: 3 }                # or { error: { side: target, code_contains: "Syntax" } }
//!     fail_on: [new_deprecation]         # also fail on these (reported but passing by default)
//!     allow:                             # known, accepted differences: reported as allowed
//!       - different_results              # short form: any version pair, any values
//!       - kind: new_error                # long form
//!         when: { target: ">=5" }        # only on these version pairs (see allow_spec.rs)
//!         reason: "removed in 5.0"
//!       - kind: different_results
//!         expect: { source: [[{title: null}]], target: [[null]] }   # only these exact rows
//!     latency: { warmup: 2, runs: 10, max_p99_ratio: 1.2 }
//!     snapshot: true                     # compare with snapshots/<scenario>__<name>.snap
//! ```
//!
//! Queries run after the transfer and the other checks, source first, then target, and again
//! for `latency` runs: keep them read-only, or a write lands on both graphs several times.
//! YAML integers too large for an i64 reach us as floats (the YAML parser's choice) and are
//! taken as FLOAT parameters.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::allow_spec::{PairVersions, When};
use crate::value::Value;

/// One query run on both sides.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuerySpec {
    pub name: String,
    pub cypher: String,
    /// Parameters, typed as written in YAML (`1` INTEGER, `1.0` FLOAT, `"1"` STRING, lists, maps).
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
    #[serde(default)]
    pub mode: ComparisonMode,
    /// Floats within this absolute distance are equal. Integers and floats never are.
    #[serde(default)]
    pub float_tolerance: Option<f64>,
    /// `CYPHER <version> ` prepended to the statement, for both sides or per side.
    #[serde(default)]
    pub cypher_version: Option<CypherVersion>,
    #[serde(default)]
    pub expect: Option<QueryExpectation>,
    /// Outcomes that are reported but pass by default, made to fail this query.
    #[serde(default)]
    pub fail_on: Vec<FailOn>,
    /// Outcomes that would fail, declared as known and accepted (for some version pairs, or
    /// exact rows): still reported with the exact rows/errors, as allowed, and the query passes.
    #[serde(default)]
    pub allow: Vec<QueryAllowance>,
    #[serde(default)]
    pub latency: Option<LatencySpec>,
    /// Compare the normalized result with `<scenario dir>/snapshots/<scenario>__<name>.snap`.
    #[serde(default)]
    pub snapshot: bool,
}

impl QuerySpec {
    /// The statement text sent to one side, with its `CYPHER <version> ` prefix if any.
    pub fn text_for(&self, side: Side) -> String {
        match self.cypher_version.as_ref().and_then(|v| v.for_side(side)) {
            Some(version) => format!("CYPHER {version} {}", self.cypher),
            None => self.cypher.clone(),
        }
    }

    /// The parameters as typed values.
    pub fn param_values(&self) -> BTreeMap<String, Value> {
        self.params
            .iter()
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect()
    }
}

/// Which server of the pair.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Source,
    Target,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Source => "source",
            Side::Target => "target",
        })
    }
}

/// How two result sets are compared.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonMode {
    /// `ordered` when the final RETURN has a top-level ORDER BY, `multiset` otherwise.
    #[default]
    Auto,
    /// Row by row, in order.
    Ordered,
    /// As multisets: order is ignored, duplicates count.
    Multiset,
    /// Results are not compared; only errors are.
    None,
}

/// Outcomes that pass by default but can be made to fail a query.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FailOn {
    /// The target reports a deprecation the source did not.
    NewDeprecation,
    /// The query failed on the source and succeeds on the target.
    FixedError,
}

/// A difference a scenario declares as expected (`allow: [different_results]`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AllowOutcome {
    /// The rows differ (e.g. a documented semantic change between the versions).
    DifferentResults,
    /// The query works on the source and fails on the target.
    NewError,
    /// Both sides fail, with different errors.
    DifferentErrors,
}

impl AllowOutcome {
    pub fn name(self) -> &'static str {
        match self {
            AllowOutcome::DifferentResults => "different_results",
            AllowOutcome::NewError => "new_error",
            AllowOutcome::DifferentErrors => "different_errors",
        }
    }
}

impl fmt::Display for AllowOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One `allow:` entry of a query: `different_results` (short form: any pair, any values) or
/// `{kind, when, expect, reason}`.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryAllowance {
    pub kind: AllowOutcome,
    /// The version pairs it applies to; `None`: every pair.
    pub when: Option<When>,
    /// For `different_results`: the exact rows of both sides; `None`: any rows.
    pub expect: Option<ExpectedRows>,
    /// Why the difference is fine (shown in the reports).
    pub reason: Option<String>,
}

impl QueryAllowance {
    /// The short form: any pair, any values.
    pub fn any(kind: AllowOutcome) -> Self {
        QueryAllowance {
            kind,
            when: None,
            expect: None,
            reason: None,
        }
    }

    /// Whether it applies to this version pair.
    pub fn applies_to(&self, versions: &PairVersions) -> bool {
        self.when.as_ref().is_none_or(|w| w.matches(versions))
    }
}

impl fmt::Display for QueryAllowance {
    /// `different_results (when target >=4.18; pinned rows)`, how reports name the entry.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.name())?;
        let mut scope = Vec::new();
        if let Some(w) = &self.when {
            scope.push(format!("when {w}"));
        }
        if self.expect.is_some() {
            scope.push("pinned rows".to_owned());
        }
        if !scope.is_empty() {
            write!(f, " ({})", scope.join("; "))?;
        }
        Ok(())
    }
}

/// `expect: {source: [[...]], target: [[...]]}`: each side's rows, each row a list of column
/// values typed like `params`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedRows {
    pub source: Vec<Vec<Value>>,
    pub target: Vec<Vec<Value>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawExpectedRows {
    source: Vec<Vec<ParamValue>>,
    target: Vec<Vec<ParamValue>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawQueryAllowance {
    kind: AllowOutcome,
    #[serde(default)]
    when: Option<When>,
    #[serde(default)]
    expect: Option<RawExpectedRows>,
    #[serde(default)]
    reason: Option<String>,
}

struct AllowanceVisitor;

impl<'de> Visitor<'de> for AllowanceVisitor {
    type Value = QueryAllowance;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an outcome (different_results, new_error, different_errors) or a map {kind, when, expect, reason}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<QueryAllowance, E> {
        AllowOutcome::deserialize(de::value::StrDeserializer::<E>::new(v)).map(QueryAllowance::any)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<QueryAllowance, A::Error> {
        let raw = RawQueryAllowance::deserialize(de::value::MapAccessDeserializer::new(map))?;
        if raw.expect.is_some() && raw.kind != AllowOutcome::DifferentResults {
            return Err(de::Error::custom(format!(
                "allow `expect:` pins rows, so it needs kind different_results, not {}",
                raw.kind
            )));
        }
        if raw.reason.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err(de::Error::custom(
                "allow `reason:` is empty; say why the difference is fine, or leave it out",
            ));
        }
        let rows = |rows: Vec<Vec<ParamValue>>| -> Vec<Vec<Value>> {
            rows.into_iter()
                .map(|r| r.into_iter().map(|v| v.0).collect())
                .collect()
        };
        Ok(QueryAllowance {
            kind: raw.kind,
            when: raw.when,
            expect: raw.expect.map(|e| ExpectedRows {
                source: rows(e.source),
                target: rows(e.target),
            }),
            reason: raw.reason,
        })
    }
}

impl schemars::JsonSchema for QueryAllowance {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "QueryAllowance".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let short = g.subschema_for::<AllowOutcome>();
        let long = g.subschema_for::<RawQueryAllowance>();
        schemars::json_schema!({
            "description": "An outcome (any pair, any values), or {kind, when, expect, reason}.",
            "anyOf": [short, long]
        })
    }
}

impl<'de> Deserialize<'de> for QueryAllowance {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AllowanceVisitor)
    }
}

/// `cypher_version: "5"` (both sides) or `cypher_version: {source: "5", target: "25"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CypherVersion {
    Both(String),
    PerSide {
        source: Option<String>,
        target: Option<String>,
    },
}

impl CypherVersion {
    pub fn for_side(&self, side: Side) -> Option<&str> {
        match (self, side) {
            (CypherVersion::Both(v), _) => Some(v),
            (CypherVersion::PerSide { source, .. }, Side::Source) => source.as_deref(),
            (CypherVersion::PerSide { target, .. }, Side::Target) => target.as_deref(),
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PerSideVersions {
    #[serde(default, deserialize_with = "version_string")]
    source: Option<String>,
    #[serde(default, deserialize_with = "version_string")]
    target: Option<String>,
}

fn version_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(VersionVisitor).map(|v| match v {
        CypherVersion::Both(s) => Some(s),
        CypherVersion::PerSide { .. } => None,
    })
}

struct VersionVisitor;

impl<'de> Visitor<'de> for VersionVisitor {
    type Value = CypherVersion;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Cypher version such as \"5\" or \"25\", or a map {source, target}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let v = v.trim();
        if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Err(E::custom(format!(
                "invalid Cypher version {v:?}: expected something like \"5\" or \"25\""
            )));
        }
        Ok(CypherVersion::Both(v.to_owned()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(CypherVersion::Both(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        if v < 0 {
            return Err(E::custom(format!("invalid Cypher version {v}")));
        }
        Ok(CypherVersion::Both(v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let sides = PerSideVersions::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(CypherVersion::PerSide {
            source: sides.source,
            target: sides.target,
        })
    }
}

impl schemars::JsonSchema for CypherVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CypherVersion".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let per_side = g.subschema_for::<PerSideVersions>();
        schemars::json_schema!({
            "description": "The Cypher version prefix for both sides (\"5\", \"25\"), or {source, target}.",
            "anyOf": [{"type": ["string", "integer"]}, per_side]
        })
    }
}

impl<'de> Deserialize<'de> for CypherVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(VersionVisitor)
    }
}

/// Absolute expectations of one query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryExpectation {
    /// Row count, on every side that did not fail.
    #[serde(default)]
    pub rows: Option<u64>,
    /// The query must fail on this side (and may then fail there without failing the check).
    #[serde(default)]
    pub error: Option<ExpectedError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedError {
    pub side: ErrorSide,
    /// A substring of the error code (case-sensitive).
    #[serde(default)]
    pub code_contains: Option<String>,
    /// A substring of the error message (case-sensitive).
    #[serde(default)]
    pub message_contains: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSide {
    Source,
    Target,
    Both,
}

impl ErrorSide {
    pub fn covers(self, side: Side) -> bool {
        matches!(
            (self, side),
            (ErrorSide::Both, _)
                | (ErrorSide::Source, Side::Source)
                | (ErrorSide::Target, Side::Target)
        )
    }
}

/// Timed runs per side after the comparison run.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySpec {
    /// Untimed runs per side first (default 1).
    #[serde(default = "default_warmup")]
    pub warmup: u32,
    /// Timed runs per side (default 5).
    #[serde(default = "default_runs")]
    pub runs: u32,
    /// Fail when target p99 / source p99 exceeds this.
    #[serde(default)]
    pub max_p99_ratio: Option<f64>,
}

fn default_warmup() -> u32 {
    1
}

fn default_runs() -> u32 {
    5
}

const MAX_LATENCY_RUNS: u32 = 10_000;

/// A parameter value written in YAML, converted to a typed [`Value`]: integers stay INTEGER,
/// floats FLOAT, `null`/`~` NULL, sequences LIST, mappings MAP (string keys).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamValue(pub Value);

impl schemars::JsonSchema for ParamValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ParamValue".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A parameter or expected value: null, boolean, integer (i64), float, string, list or map (string keys)."
        })
    }
}

impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ParamVisitor).map(ParamValue)
    }
}

struct ParamVisitor;

impl<'de> Visitor<'de> for ParamVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a parameter value (null, boolean, integer, float, string, list or map)")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ParamVisitor)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom(format!("integer {v} does not fit a Cypher INTEGER (i64)")))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom(format!("integer {v} does not fit a Cypher INTEGER (i64)")))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom(format!("integer {v} does not fit a Cypher INTEGER (i64)")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(ParamValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((k, ParamValue(v))) = map.next_entry::<String, ParamValue>()? {
            out.insert(k, v);
        }
        Ok(Value::Map(out))
    }
}

/// Static checks of a query suite that serde cannot express: unique, file-name-safe names,
/// sensible numbers. Returns one message per problem.
pub fn validate_queries(queries: &[QuerySpec]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, q) in queries.iter().enumerate() {
        let at = format!("queries[{i}]");
        if q.name.trim().is_empty() {
            problems.push(format!("{at}.name must not be empty"));
        } else if !q
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            problems.push(format!(
                "{at}.name {:?} may only use letters, digits, `_`, `-` and `.` (it names a snapshot file)",
                q.name
            ));
        } else if !seen.insert(q.name.as_str()) {
            problems.push(format!("{at}.name {:?} is used by another query", q.name));
        }
        if q.cypher.trim().is_empty() {
            problems.push(format!("{at}.cypher must not be empty"));
        }
        if let Some(t) = q.float_tolerance {
            if !t.is_finite() || t < 0.0 {
                problems.push(format!(
                    "{at}.float_tolerance must be a finite number >= 0, got {t}"
                ));
            }
        }
        if let Some(l) = &q.latency {
            if l.runs == 0 || l.runs > MAX_LATENCY_RUNS {
                problems.push(format!(
                    "{at}.latency.runs must be between 1 and {MAX_LATENCY_RUNS}, got {}",
                    l.runs
                ));
            }
            if l.warmup > MAX_LATENCY_RUNS {
                problems.push(format!(
                    "{at}.latency.warmup must be at most {MAX_LATENCY_RUNS}, got {}",
                    l.warmup
                ));
            }
            if let Some(r) = l.max_p99_ratio {
                if !r.is_finite() || r <= 0.0 {
                    problems.push(format!(
                        "{at}.latency.max_p99_ratio must be a positive number, got {r}"
                    ));
                }
            }
        }
        if let Some(CypherVersion::PerSide {
            source: None,
            target: None,
        }) = &q.cypher_version
        {
            problems.push(format!(
                "{at}.cypher_version names neither source nor target"
            ));
        }
        if q.mode == ComparisonMode::None && q.snapshot {
            problems.push(format!(
                "{at}: snapshot: true needs a result comparison, but mode is none"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<Vec<QuerySpec>, String> {
        serde_saphyr::from_str::<Vec<QuerySpec>>(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn params_keep_their_yaml_types() {
        let q = parse(
            "- name: q\n  cypher: RETURN 1\n  params: {i: 1, f: 1.0, s: \"1\", b: true, n: null, l: [1, 2.5], m: {k: x}}\n",
        )
        .unwrap();
        let p = q[0].param_values();
        assert_eq!(p["i"], Value::Int(1));
        assert_eq!(p["f"], Value::Float(1.0));
        assert_eq!(p["s"], Value::String("1".into()));
        assert_eq!(p["b"], Value::Bool(true));
        assert_eq!(p["n"], Value::Null);
        assert_eq!(p["l"], Value::List(vec![Value::Int(1), Value::Float(2.5)]));
        assert_eq!(
            p["m"],
            Value::Map(BTreeMap::from([("k".into(), Value::String("x".into()))]))
        );
    }

    #[test]
    fn the_full_syntax_parses() {
        let q = parse(
            r#"
- name: full
  cypher: MATCH (n) RETURN n.id ORDER BY n.id
  mode: ordered
  float_tolerance: 1e-9
  cypher_version: {source: "5", target: 25}
  expect: {rows: 3, error: {side: target, code_contains: Syntax}}
  fail_on: [new_deprecation, fixed_error]
  latency: {warmup: 2, runs: 10, max_p99_ratio: 1.2}
  snapshot: true
- name: short
  cypher: RETURN 1
  cypher_version: "5"
"#,
        )
        .unwrap();
        assert_eq!(q[0].mode, ComparisonMode::Ordered);
        assert_eq!(q[0].float_tolerance, Some(1e-9));
        assert_eq!(
            q[0].text_for(Side::Source),
            "CYPHER 5 MATCH (n) RETURN n.id ORDER BY n.id"
        );
        assert_eq!(
            q[0].text_for(Side::Target),
            "CYPHER 25 MATCH (n) RETURN n.id ORDER BY n.id"
        );
        assert_eq!(q[1].text_for(Side::Target), "CYPHER 5 RETURN 1");
        let e = q[0].expect.as_ref().unwrap();
        assert_eq!(e.rows, Some(3));
        assert_eq!(e.error.as_ref().unwrap().side, ErrorSide::Target);
        assert_eq!(q[0].fail_on, [FailOn::NewDeprecation, FailOn::FixedError]);
        let l = q[0].latency.as_ref().unwrap();
        assert_eq!((l.warmup, l.runs, l.max_p99_ratio), (2, 10, Some(1.2)));
        assert!(q[0].snapshot);
        assert_eq!(q[1].mode, ComparisonMode::Auto);
        assert!(validate_queries(&q).is_empty());
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = parse("- name: q\n  cypher: RETURN 1\n  mdoe: ordered\n").unwrap_err();
        assert!(e.contains("unknown field `mdoe`"), "{e}");
        let e = parse("- name: q\n  cypher: RETURN 1\n  latency: {runz: 3}\n").unwrap_err();
        assert!(e.contains("unknown field `runz`"), "{e}");
        let e = parse("- name: q\n  cypher: RETURN 1\n  cypher_version: {sources: \"5\"}\n")
            .unwrap_err();
        assert!(e.contains("unknown field `sources`"), "{e}");
    }

    #[test]
    fn names_must_be_unique_and_numbers_sensible() {
        let q = parse(
            "- {name: a, cypher: RETURN 1}\n- {name: a, cypher: RETURN 2, float_tolerance: -1}\n- {name: 'x y', cypher: ' ', latency: {runs: 0}}\n",
        )
        .unwrap();
        let problems = validate_queries(&q);
        assert_eq!(
            problems,
            [
                "queries[1].name \"a\" is used by another query",
                "queries[1].float_tolerance must be a finite number >= 0, got -1",
                "queries[2].name \"x y\" may only use letters, digits, `_`, `-` and `.` (it names a snapshot file)",
                "queries[2].cypher must not be empty",
                "queries[2].latency.runs must be between 1 and 10000, got 0",
            ]
        );
    }
}
