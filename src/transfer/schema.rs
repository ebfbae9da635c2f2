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
use crate::engine::descriptor::descriptor;
use crate::engine::schema::{self, SchemaItem, SchemaSnapshot};
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

/// The statement that creates `item` on a server of `dialect`, or why it cannot be created.
pub fn create_statement(item: &SchemaItem, dialect: &Dialect) -> Result<String, String> {
    if item.owned_by_constraint {
        return Err("backs a constraint; it comes with the constraint".into());
    }
    descriptor(dialect.engine)
        .schema()
        .create_statement(item, dialect)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::engine::dialect::{EngineKind, Version};
    use crate::engine::schema::{ConstraintKind, EntityType, IndexKind, ItemKind};

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
