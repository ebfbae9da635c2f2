//! Reading the schema of one graph into the normalized model, per engine and version.
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
//!   `graph::is_internal_name`) are left out.
//! - FalkorDB indexes are per property: `CREATE INDEX FOR (n:L) ON (n.a, n.b)` makes two range
//!   indexes, and `CALL db.indexes()` shows one row per label with a `types` map per property
//!   (measured on 4.16.3 and 4.18.3). So FalkorDB gives one RANGE (or VECTOR) item per property,
//!   and one FULLTEXT item per label holding its full-text properties, with its language (and
//!   stopwords when set).

use std::collections::BTreeMap;

use super::model::{ConstraintKind, EntityType, IndexKind, ItemKind, SchemaItem, SchemaSnapshot};
use crate::engine::dialect::EngineKind;
use crate::engine::{Dialect, EngineError, GraphConnection, Query, QueryResult};
use crate::graph::is_internal_name;
use crate::value::Value;

/// The statements that read the schema on this dialect: (indexes, constraints).
///
/// Neo4j 4.x: `YIELD *` (4.4 has `uniqueness`, no `owningConstraint`). Neo4j 5+ (and unknown
/// versions): the index columns the parser reads, by name, which leaves out the usage statistics
/// (`lastRead`, `trackedSince` are datetimes nobody compares); constraints with `YIELD *`, since
/// `propertyType` exists only from 5.9.
pub fn schema_queries(dialect: &Dialect) -> (&'static str, &'static str) {
    let neo4j_4x = dialect.version.is_some_and(|v| v.major < 5);
    match dialect.engine {
        EngineKind::Neo4j if neo4j_4x => ("SHOW INDEXES YIELD *", "SHOW CONSTRAINTS YIELD *"),
        EngineKind::Neo4j => (
            "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, owningConstraint, options",
            "SHOW CONSTRAINTS YIELD *",
        ),
        EngineKind::Falkordb => (
            "CALL db.indexes() YIELD label, properties, types, options, language, stopwords, entitytype, status",
            "CALL db.constraints()",
        ),
    }
}

/// Reads and normalizes the indexes and constraints of one graph.
pub async fn snapshot(conn: &dyn GraphConnection) -> Result<SchemaSnapshot, EngineError> {
    let dialect = conn.dialect().clone();
    if dialect.engine == EngineKind::Neo4j {
        if let Some(v) = dialect.version {
            if (v.major, v.minor) < (4, 3) {
                return Err(EngineError::Unsupported {
                    server: conn.describe(),
                    message: format!(
                        "schema snapshots need SHOW INDEXES YIELD * (Neo4j 4.3+), this is {v}"
                    ),
                });
            }
        }
    }
    let (index_q, constraint_q) = schema_queries(&dialect);
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
    let mut items = match dialect.engine {
        EngineKind::Neo4j => parse_neo4j_indexes(&indexes).map_err(|m| bad(index_q, m))?,
        EngineKind::Falkordb => parse_falkordb_indexes(&indexes).map_err(|m| bad(index_q, m))?,
    };
    items.extend(match dialect.engine {
        EngineKind::Neo4j => {
            parse_neo4j_constraints(&constraints).map_err(|m| bad(constraint_q, m))?
        }
        EngineKind::Falkordb => {
            parse_falkordb_constraints(&constraints).map_err(|m| bad(constraint_q, m))?
        }
    });
    Ok(SchemaSnapshot::new(items))
}

/// Column access by name; a missing column reads as null.
struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl<'a> Row<'a> {
    fn get(&self, name: &str) -> &'a Value {
        static NULL: Value = Value::Null;
        self.columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| self.values.get(i))
            .unwrap_or(&NULL)
    }

    fn string(&self, name: &str) -> Option<&'a str> {
        self.get(name).as_str()
    }

    fn required(&self, name: &str) -> Result<&'a str, String> {
        self.string(name)
            .ok_or_else(|| format!("column {name} is {}, expected a string", self.get(name)))
    }
}

fn rows(result: &QueryResult) -> impl Iterator<Item = Row<'_>> {
    result.rows.iter().map(|values| Row {
        columns: &result.columns,
        values,
    })
}

/// A list of strings, from a list value or a FalkorDB-style `[a, b]` string.
fn strings(value: &Value) -> Vec<String> {
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
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(plain).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// True for names Neo4j generated (`index_343aff4e`, `constraint_1a2b3c4d`): the prefix and a
/// 32-bit hash as Java's `%x` prints it, i.e. 1 to 8 lowercase hex digits without leading zeros
/// (only the hash 0 prints as `0`).
pub fn is_generated_name(name: &str) -> bool {
    ["index_", "constraint_"].iter().any(|prefix| {
        name.strip_prefix(prefix).is_some_and(|rest| {
            (1..=8).contains(&rest.len())
                && rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
                && (rest == "0" || !rest.starts_with('0'))
        })
    })
}

fn user_name(name: Option<&str>) -> Option<String> {
    name.filter(|n| !n.is_empty() && !is_generated_name(n))
        .map(str::to_owned)
}

fn is_internal(item: &SchemaItem) -> bool {
    item.labels.iter().any(|l| is_internal_name(l))
        || item.properties.iter().any(|p| is_internal_name(p))
}

fn entity_of(text: Option<&str>, type_name: &str) -> EntityType {
    match text.map(str::to_ascii_uppercase).as_deref() {
        Some("RELATIONSHIP") => EntityType::Relationship,
        Some("NODE") => EntityType::Node,
        _ if type_name.starts_with("RELATIONSHIP") => EntityType::Relationship,
        _ => EntityType::Node,
    }
}

fn index_kind(text: &str) -> IndexKind {
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

/// The index configuration entries that change behaviour, per kind; providers and the
/// 4.4 B-tree spatial defaults are left out.
fn neo4j_index_options(kind: &IndexKind, options: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let config = match options {
        Value::Map(m) => match m.get("indexConfig") {
            Some(Value::Map(c)) => c.clone(),
            _ => BTreeMap::new(),
        },
        _ => BTreeMap::new(),
    };
    for (key, value) in config {
        let keep = match kind {
            IndexKind::Fulltext => key.strip_prefix("fulltext.").map(str::to_owned),
            IndexKind::Vector => key.strip_prefix("vector.").map(str::to_owned),
            IndexKind::Point => key.starts_with("spatial.").then(|| key.clone()),
            _ => None,
        };
        if let Some(k) = keep {
            let v = plain(&value);
            let v = if k == "similarity_function" {
                v.to_lowercase()
            } else {
                v
            };
            out.insert(k, v);
        }
    }
    out
}

/// Parses `SHOW INDEXES YIELD *` (Neo4j 4.4, 5.x, 2025.x).
pub fn parse_neo4j_indexes(result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
    let mut out = Vec::new();
    for row in rows(result) {
        let type_name = row.required("type")?;
        let kind = index_kind(type_name);
        let mut labels = strings(row.get("labelsOrTypes"));
        let mut properties = strings(row.get("properties"));
        if kind == IndexKind::Fulltext {
            labels.sort();
            properties.sort();
        }
        // 5.x names the owning constraint; 4.4 has no such column but marks constraint-backed
        // indexes with uniqueness UNIQUE.
        let owned = !matches!(row.get("owningConstraint"), Value::Null)
            || row.string("uniqueness") == Some("UNIQUE");
        let item = SchemaItem {
            options: neo4j_index_options(&kind, row.get("options")),
            kind: ItemKind::Index(kind),
            entity: entity_of(row.string("entityType"), type_name),
            labels,
            properties,
            owned_by_constraint: owned,
            name: user_name(row.string("name")),
        };
        if !is_internal(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

/// Constraint type names of every version, to one kind. UNIQUENESS (4.4/5.x) and
/// NODE_PROPERTY_UNIQUENESS (Cypher 25) are aliases.
fn constraint_kind(type_name: &str) -> ConstraintKind {
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

/// Parses `SHOW CONSTRAINTS YIELD *` (Neo4j 4.4, 5.x, 2025.x).
pub fn parse_neo4j_constraints(result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
    let mut out = Vec::new();
    for row in rows(result) {
        let type_name = row.required("type")?;
        let kind = constraint_kind(type_name);
        let mut options = BTreeMap::new();
        if let Some(t) = row.string("propertyType") {
            options.insert("type".to_owned(), t.to_owned());
        }
        let item = SchemaItem {
            kind: ItemKind::Constraint(kind),
            entity: entity_of(row.string("entityType"), type_name),
            labels: strings(row.get("labelsOrTypes")),
            properties: strings(row.get("properties")),
            options,
            owned_by_constraint: false,
            name: user_name(row.string("name")),
        };
        if !is_internal(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

/// (property, index types) pairs of a FalkorDB `types` column, in property order.
fn falkor_types(properties: &[String], types: &Value) -> Vec<(String, Vec<String>)> {
    match types {
        Value::Map(m) => properties
            .iter()
            .map(|p| (p.clone(), m.get(p).map(strings).unwrap_or_default()))
            .collect(),
        // Text form `{a: [RANGE, FULLTEXT], b: [RANGE]}`.
        Value::String(s) => {
            let inner = s.trim().trim_start_matches('{').trim_end_matches('}');
            let mut out = Vec::new();
            for part in inner.split("],") {
                if let Some((prop, list)) = part.split_once(':') {
                    out.push((
                        prop.trim().to_owned(),
                        strings(&Value::String(list.trim().to_owned())),
                    ));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

fn falkor_property_options(options: &Value, property: &str) -> BTreeMap<String, String> {
    match options {
        Value::Map(m) => match m.get(property) {
            Some(Value::Map(o)) => o.iter().map(|(k, v)| (k.clone(), plain(v))).collect(),
            _ => BTreeMap::new(),
        },
        _ => BTreeMap::new(),
    }
}

/// Parses `CALL db.indexes()` on FalkorDB (columns label, properties, types, options, language,
/// stopwords, entitytype, status, info).
pub fn parse_falkordb_indexes(result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
    let mut out = Vec::new();
    for row in rows(result) {
        let label = row.required("label")?.to_owned();
        let entity = entity_of(row.string("entitytype"), "");
        let properties = strings(row.get("properties"));
        let mut fulltext = Vec::new();
        for (property, types) in falkor_types(&properties, row.get("types")) {
            for t in types {
                let kind = index_kind(&t);
                match kind {
                    IndexKind::Fulltext => fulltext.push(property.clone()),
                    _ => {
                        let options = if kind == IndexKind::Vector {
                            falkor_property_options(row.get("options"), &property)
                        } else {
                            BTreeMap::new()
                        };
                        out.push(SchemaItem {
                            kind: ItemKind::Index(kind),
                            entity,
                            labels: vec![label.clone()],
                            properties: vec![property.clone()],
                            options,
                            owned_by_constraint: false,
                            name: None,
                        });
                    }
                }
            }
        }
        if !fulltext.is_empty() {
            fulltext.sort();
            let mut options = BTreeMap::new();
            if let Some(lang) = row.string("language") {
                options.insert("language".to_owned(), lang.to_owned());
            }
            let mut stopwords = strings(row.get("stopwords"));
            if !stopwords.is_empty() {
                stopwords.sort();
                options.insert(
                    "stopwords".to_owned(),
                    format!("[{}]", stopwords.join(", ")),
                );
            }
            out.push(SchemaItem {
                kind: ItemKind::Index(IndexKind::Fulltext),
                entity,
                labels: vec![label.clone()],
                properties: fulltext,
                options,
                owned_by_constraint: false,
                name: None,
            });
        }
    }
    out.retain(|i| !is_internal(i));
    Ok(out)
}

/// Parses `CALL db.constraints()` on FalkorDB (columns type, label, properties, entitytype,
/// status).
pub fn parse_falkordb_constraints(result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
    let mut out = Vec::new();
    for row in rows(result) {
        let type_name = row.required("type")?;
        let item = SchemaItem {
            kind: ItemKind::Constraint(constraint_kind(type_name)),
            entity: entity_of(row.string("entitytype"), ""),
            labels: vec![row.required("label")?.to_owned()],
            properties: strings(row.get("properties")),
            options: BTreeMap::new(),
            owned_by_constraint: false,
            name: None,
        };
        if !is_internal(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_are_recognized() {
        assert!(is_generated_name("index_343aff4e"));
        assert!(is_generated_name("constraint_1a2b3c4d"));
        assert!(!is_generated_name("index_name"));
        assert!(!is_generated_name("person_name_idx"));
        assert!(!is_generated_name("index_343AFF4E"));
        // `%x` does not zero-pad: a hash below 0x10000000 gives fewer than 8 digits.
        assert!(is_generated_name("index_43aff4e"));
        assert!(is_generated_name("constraint_0"));
        assert!(!is_generated_name("index_043aff4e"));
        assert!(!is_generated_name("index_343aff4e0"));
        assert!(!is_generated_name("constraint_"));
    }

    #[test]
    fn falkordb_text_forms_parse_too() {
        let t = falkor_types(
            &["a".into(), "b".into()],
            &Value::String("{a: [RANGE, FULLTEXT], b: [RANGE]}".into()),
        );
        assert_eq!(
            t,
            vec![
                (
                    "a".to_owned(),
                    vec!["RANGE".to_owned(), "FULLTEXT".to_owned()]
                ),
                ("b".to_owned(), vec!["RANGE".to_owned()])
            ]
        );
        assert_eq!(strings(&Value::String("[x, y]".into())), ["x", "y"]);
    }
}
