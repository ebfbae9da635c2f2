//! Reading the schema of one graph into the normalized model: the [`EngineSchema`] each engine's
//! descriptor hands out (`engine/neo4j/schema.rs`, `engine/falkordb/schema.rs`), [`snapshot`]
//! over it, and the row helpers those parsers share.
//!
//! Every parser takes a [`QueryResult`] so it can be tested with rows shaped like the documented
//! outputs, without a server. Columns are looked up by name, so extra or missing columns across
//! versions do not shift anything.
//!
//! Normalization rules (each with where it was checked):
//! - Ids, `state`, `populationPercent`, `lastRead`, `readCount`, `trackedSince`, `failureMessage`,
//!   `createStatement` and index providers are not part of an item: they are per-server
//!   bookkeeping. Columns as documented in
//!   https://neo4j.com/docs/cypher-manual/5/indexes/search-performance-indexes/list-indexes
//!   (id, name, state, populationPercent, type, entityType, labelsOrTypes, properties,
//!   indexProvider, owningConstraint, lastRead, readCount).
//! - Names the server generated (`index_1b2c3d4e`, `constraint_9a8b7c6d`) are dropped; only
//!   user-given names take part (as `renamed`). "If a name is not explicitly given, a unique name
//!   will be auto-generated": https://neo4j.com/docs/cypher-manual/5/constraints/create-constraints
//!   The shape is `String.format("index_%x", int)` / `"constraint_%x"` of a 32-bit hash, in
//!   `generateName` of github.com/neo4j/neo4j community/schema/src/main/java/org/neo4j/internal/
//!   schema/SchemaRule.java (4.x, e.g. @ 07dab2a39f837ca243fe2e3c6090f67f212eb378) and
//!   SchemaNameUtil.java (later, e.g. @ 3fa7ef387fdc02d04e528301c26a2677b484a153): lowercase hex,
//!   not zero-padded, so 1 to 8 digits (8 for most names, fewer when the hash's leading nibbles
//!   are 0). Documented examples: `index_44d2128f`, `constraint_62365a16` in
//!   https://neo4j.com/docs/cypher-manual/4.4/indexes-for-search-performance and
//!   https://neo4j.com/docs/cypher-manual/4.4/constraints/examples
//! - Constraint type aliases: `UNIQUENESS` (4.4, 5.x) and `NODE_PROPERTY_UNIQUENESS` (Cypher 25)
//!   are the same kind, likewise `RELATIONSHIP_UNIQUENESS` ~ `RELATIONSHIP_PROPERTY_UNIQUENESS`:
//!   https://neo4j.com/docs/cypher-manual/5/constraints/list-constraints and
//!   https://neo4j.com/docs/cypher-manual/25/schema/constraints/list-constraints
//!   Because both spellings parse to one kind, 2025.x servers are read without a `CYPHER 5`
//!   prefix (the prefix does not exist before 2025.06).
//! - BTREE (4.4 only) is kept as BTREE here; the diff maps BTREE -> RANGE for a 4.x -> 5+ pair
//!   (see `diff.rs`). B-tree indexes are deprecated in 4.4 and replaced in 5.0:
//!   https://neo4j.com/docs/cypher-manual/4.4/indexes-for-search-performance
//! - The two token lookup indexes a new Neo4j database has ("Two token lookup indexes (one for
//!   node labels and one for relationship types) are present when a database is created"):
//!   https://neo4j.com/docs/cypher-manual/5/indexes-for-search-performance
//!   They are items like any other (`index LOOKUP (all node labels)`), with their generated
//!   names dropped, so a target that lacks or adds one is reported explicitly.
//! - Indexes on the harness's own temporary label and property (`__MH_Node`, `__mh_id`; see
//!   `kinds::is_internal_name`) are left out.
//! - FalkorDB indexes are per property: `CREATE INDEX FOR (n:L) ON (n.a, n.b)` makes two range
//!   indexes, and `CALL db.indexes()` shows one row per label with a `types` map per property
//!   (measured on 4.16.3 and 4.18.3). So FalkorDB gives one RANGE (or VECTOR) item per property,
//!   and one FULLTEXT item per label holding its full-text properties, with its language (and
//!   stopwords when set).

use super::model::{ConstraintKind, EntityType, IndexKind, SchemaItem, SchemaSnapshot};
use crate::engine::descriptor::descriptor;
use crate::engine::{Dialect, EngineError, GraphConnection, Query, QueryResult};
use crate::kinds::is_internal_name;
use crate::value::Value;

/// One engine's schema knowledge, handed out by its descriptor
/// ([`EngineDescriptor::schema`](crate::engine::descriptor::EngineDescriptor::schema)): how to
/// read its indexes and constraints into the normalized model, and how to create an item on it.
pub trait EngineSchema: Send + Sync {
    /// Why the schema of a server of `dialect` cannot be read, when it cannot.
    fn unsupported(&self, _dialect: &Dialect) -> Option<String> {
        None
    }

    /// The statements that read the schema on `dialect`: (indexes, constraints).
    fn queries(&self, dialect: &Dialect) -> (&'static str, &'static str);

    /// Parses the reply of the index statement of [`EngineSchema::queries`].
    fn parse_indexes(&self, result: &QueryResult) -> Result<Vec<SchemaItem>, String>;

    /// Parses the reply of the constraint statement of [`EngineSchema::queries`].
    fn parse_constraints(&self, result: &QueryResult) -> Result<Vec<SchemaItem>, String>;

    /// The statement that creates `item` (not one backing a constraint) on a server of
    /// `dialect`, or why it cannot be created.
    fn create_statement(&self, item: &SchemaItem, dialect: &Dialect) -> Result<String, String>;

    /// The item a `source` item becomes on `target` (both of this engine) by a documented
    /// change of the engine between those versions, with the reason.
    fn builtin_mapping(
        &self,
        _item: &SchemaItem,
        _source: &Dialect,
        _target: &Dialect,
    ) -> Option<(SchemaItem, String)> {
        None
    }

    /// A query that counts the entries a single-label, single-property node vector index
    /// finds, with parameters `$label`, `$property`, `$k` (how many to return) and `$q` (a
    /// list of zeros, the index's dimension long); `None` when the engine's vector indexes
    /// are not probed.
    fn vector_entries_query(&self) -> Option<&'static str> {
        None
    }

    /// A query that counts, exactly, the nodes of `label` whose `property` holds a vector (what
    /// a vector index on them indexes); `None` when the engine's vector indexes are not probed.
    fn vector_count_query(&self, label: &str, property: &str) -> Option<String> {
        let _ = (label, property);
        None
    }
}

/// Reads and normalizes the indexes and constraints of one graph.
pub async fn snapshot(conn: &dyn GraphConnection) -> Result<SchemaSnapshot, EngineError> {
    let dialect = conn.dialect().clone();
    let schema = descriptor(dialect.engine).schema();
    if let Some(message) = schema.unsupported(&dialect) {
        return Err(EngineError::Unsupported {
            server: conn.describe(),
            message,
        });
    }
    let (index_q, constraint_q) = schema.queries(&dialect);
    let bad = |query: &str, message: String| {
        EngineError::query(
            conn.describe(),
            query,
            None,
            format!("unexpected reply: {message}"),
        )
    };
    let indexes = conn.execute(&Query::new(index_q)).await?;
    let constraints = conn.execute(&Query::new(constraint_q)).await?;
    let mut items = schema
        .parse_indexes(&indexes)
        .map_err(|m| bad(index_q, m))?;
    items.extend(
        schema
            .parse_constraints(&constraints)
            .map_err(|m| bad(constraint_q, m))?,
    );
    Ok(SchemaSnapshot::new(items))
}

/// Column access by name; a missing column reads as null.
pub(crate) struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl<'a> Row<'a> {
    pub(crate) fn get(&self, name: &str) -> &'a Value {
        static NULL: Value = Value::Null;
        self.columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| self.values.get(i))
            .unwrap_or(&NULL)
    }

    pub(crate) fn string(&self, name: &str) -> Option<&'a str> {
        self.get(name).as_str()
    }

    pub(crate) fn required(&self, name: &str) -> Result<&'a str, String> {
        self.string(name)
            .ok_or_else(|| format!("column {name} is {}, expected a string", self.get(name)))
    }
}

pub(crate) fn rows(result: &QueryResult) -> impl Iterator<Item = Row<'_>> {
    result.rows.iter().map(|values| Row {
        columns: &result.columns,
        values,
    })
}

/// A list of strings, from a list value or a FalkorDB-style `[a, b]` string.
pub(crate) fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::List(items) => items.iter().map(plain).collect(),
        Value::String(s) => {
            let inner = s.trim().trim_start_matches('[').trim_end_matches(']');
            inner
                .split(',')
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A value as option text: strings bare, everything else in its Cypher-like display.
pub(crate) fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(plain).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

pub(crate) fn is_internal(item: &SchemaItem) -> bool {
    item.labels.iter().any(|l| is_internal_name(l))
        || item.properties.iter().any(|p| is_internal_name(p))
}

pub(crate) fn entity_of(text: Option<&str>, type_name: &str) -> EntityType {
    match text.map(str::to_ascii_uppercase).as_deref() {
        Some("RELATIONSHIP") => EntityType::Relationship,
        Some("NODE") => EntityType::Node,
        _ if type_name.starts_with("RELATIONSHIP") => EntityType::Relationship,
        _ => EntityType::Node,
    }
}

pub(crate) fn index_kind(text: &str) -> IndexKind {
    match text.to_ascii_uppercase().as_str() {
        "RANGE" => IndexKind::Range,
        "TEXT" => IndexKind::Text,
        "POINT" => IndexKind::Point,
        "LOOKUP" => IndexKind::Lookup,
        "FULLTEXT" => IndexKind::Fulltext,
        "VECTOR" => IndexKind::Vector,
        "BTREE" => IndexKind::Btree,
        other => IndexKind::Other(other.to_owned()),
    }
}

/// Constraint type names of every version, to one kind. UNIQUENESS (4.4/5.x) and
/// NODE_PROPERTY_UNIQUENESS (Cypher 25) are aliases.
pub(crate) fn constraint_kind(type_name: &str) -> ConstraintKind {
    match type_name.to_ascii_uppercase().as_str() {
        "UNIQUENESS"
        | "NODE_PROPERTY_UNIQUENESS"
        | "RELATIONSHIP_UNIQUENESS"
        | "RELATIONSHIP_PROPERTY_UNIQUENESS"
        | "UNIQUE" => ConstraintKind::Uniqueness,
        "NODE_KEY" | "RELATIONSHIP_KEY" => ConstraintKind::Key,
        "NODE_PROPERTY_EXISTENCE" | "RELATIONSHIP_PROPERTY_EXISTENCE" | "MANDATORY" => {
            ConstraintKind::PropertyExistence
        }
        "NODE_PROPERTY_TYPE" | "RELATIONSHIP_PROPERTY_TYPE" => ConstraintKind::PropertyType,
        other => ConstraintKind::Other(other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_lists_parse_from_text_too() {
        assert_eq!(strings(&Value::String("[x, y]".into())), ["x", "y"]);
        assert_eq!(
            strings(&Value::List(vec![Value::String("a".into()), Value::Int(1)])),
            ["a", "1"]
        );
    }
}
