//! Schema copy: the source's indexes (and the constraints the target's Cypher can create),
//! recreated on the target in the target's dialect before the data is copied.
//!
//! What cannot be created is skipped, never guessed, and listed in the returned
//! [`SchemaCopyReport`]; it then shows up in the `schema` check as `missing on target`, where a
//! scenario can declare it in `allow`. A statement the target rejects is an error.
//!
//! Skipped today:
//! - FalkorDB targets: every constraint. FalkorDB creates constraints only with the Redis
//!   command `GRAPH.CONSTRAINT CREATE`, which is not Cypher, and `GraphConnection` runs Cypher
//!   only. Also TEXT, POINT and LOOKUP indexes (FalkorDB has none), full-text indexes over more
//!   than one label, and indexes that back a constraint (they come with the constraint).
//! - Neo4j targets: indexes that back a constraint (created by the constraint), and kinds the
//!   harness does not know.
//!
//! Neo4j composite range indexes become one FalkorDB range index per property (FalkorDB indexes
//! are per property), which the `schema` check reports as different items.

use super::TransferError;
use crate::checks::schema::{
    self, ConstraintKind, EntityType, IndexKind, ItemKind, SchemaItem, SchemaSnapshot,
};
use crate::engine::dialect::{escape_name, EngineKind};
use crate::engine::{Dialect, GraphConnection, Query};

/// What [`copy_schema`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaCopyReport {
    /// Items created on the target, as the schema check spells them.
    pub created: Vec<String>,
    /// Items not created, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// Reads the source's schema and creates its equivalent on the target.
pub async fn copy_schema(
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
) -> Result<SchemaCopyReport, TransferError> {
    let snapshot = schema::snapshot(source)
        .await
        .map_err(|source| TransferError::Engine {
            step: "read the source schema".into(),
            source,
        })?;
    create_schema(&snapshot, target).await
}

/// Creates the items of `snapshot` on `target` (indexes first, then constraints).
pub async fn create_schema(
    snapshot: &SchemaSnapshot,
    target: &dyn GraphConnection,
) -> Result<SchemaCopyReport, TransferError> {
    let dialect = target.dialect().clone();
    let mut report = SchemaCopyReport::default();
    let ordered = snapshot.indexes().chain(snapshot.constraints());
    for item in ordered {
        match create_statement(item, &dialect) {
            Ok(text) => {
                target.execute(&Query::new(text)).await.map_err(|source| {
                    TransferError::Engine {
                        step: format!("create {item} on the target"),
                        source,
                    }
                })?;
                report.created.push(item.to_string());
            }
            Err(reason) => report.skipped.push((item.to_string(), reason)),
        }
    }
    Ok(report)
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// An option value as a Cypher literal: numbers and booleans bare, lists as given, text quoted.
fn literal(value: &str) -> String {
    let bare = value.parse::<f64>().is_ok()
        || matches!(value, "true" | "false")
        || (value.starts_with('[') && value.ends_with(']'));
    if bare {
        if value.starts_with('[') {
            let inner = value.trim_start_matches('[').trim_end_matches(']');
            let parts: Vec<String> = inner
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(literal)
                .collect();
            format!("[{}]", parts.join(", "))
        } else {
            value.to_owned()
        }
    } else {
        quote(value)
    }
}

fn pattern(item: &SchemaItem) -> String {
    let labels: Vec<String> = item.labels.iter().map(|l| escape_name(l)).collect();
    match item.entity {
        EntityType::Node => format!("(n:{})", labels.join("|")),
        EntityType::Relationship => format!("()-[n:{}]-()", labels.join("|")),
    }
}

fn props(item: &SchemaItem) -> Vec<String> {
    item.properties
        .iter()
        .map(|p| format!("n.{}", escape_name(p)))
        .collect()
}

/// The statement that creates `item` on a server of `dialect`, or why it cannot be created.
pub fn create_statement(item: &SchemaItem, dialect: &Dialect) -> Result<String, String> {
    if item.owned_by_constraint {
        return Err("backs a constraint; it comes with the constraint".into());
    }
    match dialect.engine {
        EngineKind::Neo4j => neo4j_statement(item, dialect),
        EngineKind::Falkordb => falkordb_statement(item),
    }
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

fn falkordb_statement(item: &SchemaItem) -> Result<String, String> {
    let pat = pattern(item);
    let on = format!("({})", props(item).join(", "));
    match &item.kind {
        ItemKind::Constraint(_) => Err(
            "FalkorDB creates constraints only with GRAPH.CONSTRAINT CREATE, a Redis command the Cypher-only connection cannot send"
                .into(),
        ),
        ItemKind::Index(IndexKind::Range | IndexKind::Btree) => {
            Ok(format!("CREATE INDEX FOR {pat} ON {on}"))
        }
        ItemKind::Index(IndexKind::Fulltext) => match (item.entity, item.labels.as_slice()) {
            (EntityType::Node, [label]) => {
                let mut config = vec![format!("label: {}", quote(label))];
                if let Some(lang) = item.options.get("language") {
                    config.push(format!("language: {}", quote(lang)));
                }
                if let Some(stop) = item.options.get("stopwords") {
                    let words: Vec<String> = stop
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .split(',')
                        .map(str::trim)
                        .filter(|w| !w.is_empty())
                        .map(quote)
                        .collect();
                    config.push(format!("stopwords: [{}]", words.join(", ")));
                }
                let fields: Vec<String> = item.properties.iter().map(|p| quote(p)).collect();
                Ok(format!(
                    "CALL db.idx.fulltext.createNodeIndex({{{}}}, {})",
                    config.join(", "),
                    fields.join(", ")
                ))
            }
            (EntityType::Relationship, [_]) => {
                Ok(format!("CREATE FULLTEXT INDEX FOR {pat} ON {on}"))
            }
            _ => Err("FalkorDB full-text indexes cover one label or type".into()),
        },
        ItemKind::Index(IndexKind::Vector) => {
            let options: Vec<String> = item
                .options
                .iter()
                .filter_map(|(k, v)| {
                    let key = match k.as_str() {
                        "dimensions" | "dimension" => "dimension",
                        "similarity_function" | "similarityFunction" => "similarityFunction",
                        "M" | "efConstruction" | "efRuntime" => k.as_str(),
                        _ => return None,
                    };
                    Some(format!("{key}: {}", literal(v)))
                })
                .collect();
            Ok(format!(
                "CREATE VECTOR INDEX FOR {pat} ON {on} OPTIONS {{{}}}",
                options.join(", ")
            ))
        }
        ItemKind::Index(kind) => Err(format!("FalkorDB has no {} index", kind.keyword())),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::engine::dialect::Version;

    fn item(kind: ItemKind, entity: EntityType, labels: &[&str], props: &[&str]) -> SchemaItem {
        SchemaItem {
            kind,
            entity,
            labels: labels.iter().map(|s| s.to_string()).collect(),
            properties: props.iter().map(|s| s.to_string()).collect(),
            options: BTreeMap::new(),
            owned_by_constraint: false,
            name: None,
        }
    }

    fn neo4j(major: u32) -> Dialect {
        Dialect::new(
            EngineKind::Neo4j,
            Some(Version {
                major,
                minor: 0,
                patch: 0,
            }),
        )
    }

    #[test]
    fn neo4j_statements_per_kind() {
        let mut range = item(
            ItemKind::Index(IndexKind::Btree),
            EntityType::Node,
            &["Person"],
            &["age", "country"],
        );
        range.name = Some("person_age".into());
        assert_eq!(
            create_statement(&range, &neo4j(5)).unwrap(),
            "CREATE RANGE INDEX person_age IF NOT EXISTS FOR (n:Person) ON (n.age, n.country)"
        );
        assert_eq!(
            create_statement(&range, &neo4j(4)).unwrap(),
            "CREATE BTREE INDEX person_age IF NOT EXISTS FOR (n:Person) ON (n.age, n.country)"
        );
        let lookup = item(
            ItemKind::Index(IndexKind::Lookup),
            EntityType::Relationship,
            &[],
            &[],
        );
        assert_eq!(
            create_statement(&lookup, &neo4j(5)).unwrap(),
            "CREATE LOOKUP INDEX IF NOT EXISTS FOR ()-[n]-() ON EACH type(n)"
        );
        let mut ft = item(
            ItemKind::Index(IndexKind::Fulltext),
            EntityType::Node,
            &["Book", "Movie"],
            &["title"],
        );
        ft.options.insert("analyzer".into(), "english".into());
        ft.options
            .insert("eventually_consistent".into(), "false".into());
        assert_eq!(
            create_statement(&ft, &neo4j(5)).unwrap(),
            "CREATE FULLTEXT INDEX IF NOT EXISTS FOR (n:Book|Movie) ON EACH [n.title] OPTIONS {indexConfig: {`fulltext.analyzer`: 'english', `fulltext.eventually_consistent`: false}}"
        );
        let key = item(
            ItemKind::Constraint(ConstraintKind::Key),
            EntityType::Relationship,
            &["KNOWS"],
            &["a", "b"],
        );
        assert_eq!(
            create_statement(&key, &neo4j(5)).unwrap(),
            "CREATE CONSTRAINT IF NOT EXISTS FOR ()-[n:KNOWS]-() REQUIRE (n.a, n.b) IS RELATIONSHIP KEY"
        );
        let mut typed = item(
            ItemKind::Constraint(ConstraintKind::PropertyType),
            EntityType::Node,
            &["Person"],
            &["name"],
        );
        typed.options.insert("type".into(), "STRING".into());
        assert_eq!(
            create_statement(&typed, &neo4j(2025)).unwrap(),
            "CREATE CONSTRAINT IF NOT EXISTS FOR (n:Person) REQUIRE n.name IS :: STRING"
        );
    }

    #[test]
    fn falkordb_statements_and_skips() {
        let falkor = Dialect::new(EngineKind::Falkordb, None);
        let rel = item(
            ItemKind::Index(IndexKind::Range),
            EntityType::Relationship,
            &["KNOWS"],
            &["since"],
        );
        assert_eq!(
            create_statement(&rel, &falkor).unwrap(),
            "CREATE INDEX FOR ()-[n:KNOWS]-() ON (n.since)"
        );
        let mut ft = item(
            ItemKind::Index(IndexKind::Fulltext),
            EntityType::Node,
            &["Book"],
            &["body", "title"],
        );
        ft.options.insert("language".into(), "german".into());
        ft.options.insert("stopwords".into(), "[a, the]".into());
        assert_eq!(
            create_statement(&ft, &falkor).unwrap(),
            "CALL db.idx.fulltext.createNodeIndex({label: 'Book', language: 'german', stopwords: ['a', 'the']}, 'body', 'title')"
        );
        let mut vector = item(
            ItemKind::Index(IndexKind::Vector),
            EntityType::Node,
            &["Doc"],
            &["emb"],
        );
        vector.options.insert("dimension".into(), "3".into());
        vector
            .options
            .insert("similarityFunction".into(), "euclidean".into());
        assert_eq!(
            create_statement(&vector, &falkor).unwrap(),
            "CREATE VECTOR INDEX FOR (n:Doc) ON (n.emb) OPTIONS {dimension: 3, similarityFunction: 'euclidean'}"
        );
        let unique = item(
            ItemKind::Constraint(ConstraintKind::Uniqueness),
            EntityType::Node,
            &["Person"],
            &["name"],
        );
        assert!(create_statement(&unique, &falkor)
            .unwrap_err()
            .contains("GRAPH.CONSTRAINT CREATE"));
        let text = item(
            ItemKind::Index(IndexKind::Text),
            EntityType::Node,
            &["P"],
            &["b"],
        );
        assert_eq!(
            create_statement(&text, &falkor).unwrap_err(),
            "FalkorDB has no TEXT index"
        );
    }
}
