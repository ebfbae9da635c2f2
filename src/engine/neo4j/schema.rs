//! Neo4j's schema: `SHOW INDEXES` / `SHOW CONSTRAINTS` (4.4, 5.x, 2025.x) read into the
//! normalized model (rules and their sources in `engine/schema/parse.rs`), and the Cypher that
//! creates an item.

use std::collections::BTreeMap;

use crate::engine::dialect::{escape_name, Dialect};
use crate::engine::schema::ddl::{literal, pattern, props};
use crate::engine::schema::parse::{
    constraint_kind, entity_of, index_kind, is_internal, plain, rows, strings, EngineSchema,
};
use crate::engine::schema::{ConstraintKind, EntityType, IndexKind, ItemKind, SchemaItem};
use crate::engine::QueryResult;
use crate::value::Value;

/// Neo4j's [`EngineSchema`].
pub struct Neo4jSchema;

impl EngineSchema for Neo4jSchema {
    fn unsupported(&self, dialect: &Dialect) -> Option<String> {
        let v = dialect.version?;
        ((v.major, v.minor) < (4, 3)).then(|| {
            format!("schema snapshots need SHOW INDEXES YIELD * (Neo4j 4.3+), this is {v}")
        })
    }

    fn queries(&self, dialect: &Dialect) -> (&'static str, &'static str) {
        schema_queries(dialect)
    }

    fn parse_indexes(&self, result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
        parse_neo4j_indexes(result)
    }

    fn parse_constraints(&self, result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
        parse_neo4j_constraints(result)
    }

    fn create_statement(&self, item: &SchemaItem, dialect: &Dialect) -> Result<String, String> {
        neo4j_statement(item, dialect)
    }

    /// The built-in known changes for a version pair: the item the source item becomes.
    ///
    /// Neo4j 4.x -> 5+: "In 5.0, the BTREE index type is no longer available ... In most cases,
    /// RANGE indexes can replace BTREE":
    /// https://neo4j.com/docs/upgrade-migration-guide/current/version-5/migration/standalone/helm-example
    /// and `neo4j-admin database migrate --force-btree-indexes-to-range` replaces BTREE indexes
    /// and BTREE-backed constraints' indexes with RANGE:
    /// https://neo4j.com/docs/operations-manual/current/tools/neo4j-admin/migrate-database
    /// The B-tree index configuration (spatial settings) has no RANGE equivalent, so options are
    /// dropped in the mapping. (BTREE -> POINT or TEXT is a choice, not a given: declare it with
    /// `allow: [{item: ..., change: mapped, to: ...}]`.)
    fn builtin_mapping(
        &self,
        item: &SchemaItem,
        source: &Dialect,
        target: &Dialect,
    ) -> Option<(SchemaItem, String)> {
        let source_4x = source.version.is_some_and(|v| v.major == 4);
        let target_5plus = target.version.is_none_or(|v| v.major >= 5);
        if source_4x && target_5plus && item.kind == ItemKind::Index(IndexKind::Btree) {
            let mut to = item.identity();
            to.kind = ItemKind::Index(IndexKind::Range);
            to.options.clear();
            return Some((
                to,
                "BTREE -> RANGE, built in for neo4j 4.x -> 5+".to_owned(),
            ));
        }
        None
    }
}

/// The statements that read the schema of a Neo4j server of `dialect`: (indexes, constraints).
///
/// Neo4j 4.x: `YIELD *` (4.4 has `uniqueness`, no `owningConstraint`). Neo4j 5+ (and unknown
/// versions): the index columns the parser reads, by name, which leaves out the usage statistics
/// (`lastRead`, `trackedSince` are datetimes nobody compares); constraints with `YIELD *`, since
/// `propertyType` exists only from 5.9.
pub fn schema_queries(dialect: &Dialect) -> (&'static str, &'static str) {
    if dialect.version.is_some_and(|v| v.major < 5) {
        ("SHOW INDEXES YIELD *", "SHOW CONSTRAINTS YIELD *")
    } else {
        (
            "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, owningConstraint, options",
            "SHOW CONSTRAINTS YIELD *",
        )
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

fn neo4j_statement(item: &SchemaItem, dialect: &Dialect) -> Result<String, String> {
    let name = item
        .name
        .as_deref()
        .map(|n| format!(" {}", escape_name(n)))
        .unwrap_or_default();
    let pat = pattern(item);
    let on = format!("({})", props(item).join(", "));
    let target_4x = dialect.version.is_some_and(|v| v.major < 5);
    match &item.kind {
        ItemKind::Index(kind) => {
            let keyword = match kind {
                IndexKind::Range => "RANGE",
                IndexKind::Btree if target_4x => "BTREE",
                IndexKind::Btree => "RANGE",
                IndexKind::Text => "TEXT",
                IndexKind::Point => "POINT",
                IndexKind::Lookup => {
                    return Ok(match item.entity {
                        EntityType::Node => format!(
                            "CREATE LOOKUP INDEX{name} IF NOT EXISTS FOR (n) ON EACH labels(n)"
                        ),
                        EntityType::Relationship => format!(
                            "CREATE LOOKUP INDEX{name} IF NOT EXISTS FOR ()-[n]-() ON EACH type(n)"
                        ),
                    })
                }
                IndexKind::Fulltext => {
                    let config = neo4j_config(item, "fulltext.");
                    return Ok(format!(
                        "CREATE FULLTEXT INDEX{name} IF NOT EXISTS FOR {pat} ON EACH [{}]{config}",
                        props(item).join(", ")
                    ));
                }
                IndexKind::Vector => {
                    let config = neo4j_config(item, "vector.");
                    return Ok(format!(
                        "CREATE VECTOR INDEX{name} IF NOT EXISTS FOR {pat} ON {on}{config}"
                    ));
                }
                IndexKind::Other(k) => return Err(format!("unknown index type {k}")),
            };
            Ok(format!(
                "CREATE {keyword} INDEX{name} IF NOT EXISTS FOR {pat} ON {on}"
            ))
        }
        ItemKind::Constraint(kind) => {
            let p = props(item);
            let subject = match p.as_slice() {
                [single] => single.clone(),
                many => format!("({})", many.join(", ")),
            };
            let requirement = match (kind, item.entity) {
                (ConstraintKind::Uniqueness, _) => "IS UNIQUE".to_owned(),
                (ConstraintKind::Key, EntityType::Node) => "IS NODE KEY".to_owned(),
                (ConstraintKind::Key, EntityType::Relationship) => "IS RELATIONSHIP KEY".to_owned(),
                (ConstraintKind::PropertyExistence, _) => "IS NOT NULL".to_owned(),
                (ConstraintKind::PropertyType, _) => match item.options.get("type") {
                    Some(t) => format!("IS :: {t}"),
                    None => return Err("property type constraint without a type".into()),
                },
                (ConstraintKind::Other(k), _) => {
                    return Err(format!("unknown constraint type {k}"))
                }
            };
            Ok(format!(
                "CREATE CONSTRAINT{name} IF NOT EXISTS FOR {pat} REQUIRE {subject} {requirement}"
            ))
        }
    }
}

/// ` OPTIONS {indexConfig: {...}}` from the item's Neo4j options (`analyzer` becomes
/// `fulltext.analyzer`, ...); empty when there are none.
fn neo4j_config(item: &SchemaItem, prefix: &str) -> String {
    let entries: Vec<String> = item
        .options
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "language" | "stopwords"))
        .map(|(k, v)| format!("`{prefix}{k}`: {}", literal(v)))
        .collect();
    if entries.is_empty() {
        String::new()
    } else {
        format!(" OPTIONS {{indexConfig: {{{}}}}}", entries.join(", "))
    }
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
}
