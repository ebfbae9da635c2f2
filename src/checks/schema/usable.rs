//! A vector index is only "the same" on both sides when it is usable on both: the same number
//! of entries indexed. A copy that turned vectors into lists of floats used to leave the
//! target's vector index defined but empty (a vector query: 2 rows on the source, 0 on the
//! target) while the definitions compared equal.
//!
//! The probe asks the index itself, with the query the engine's schema hands out
//! ([`EngineSchema::vector_entries_query`](crate::engine::schema::EngineSchema::vector_entries_query)):
//! on FalkorDB, `db.idx.vector.queryNodes(label, attribute, k, vecf32(zeros))` with `k` the
//! number of nodes carrying the label returns every indexed node (measured on 4.16.3 and
//! 4.18.3: nodes whose property is a plain list, or absent, are not returned). Neo4j vector indexes are not probed here (their query needs the index name
//! and a non-zero vector for cosine similarity); the check says so.

use crate::engine::descriptor::descriptor;
use crate::engine::dialect::EngineKind;
use crate::engine::schema::{EntityType, IndexKind, ItemKind, SchemaItem};
use crate::engine::{EngineError, GraphConnection, Query};
use crate::value::Value;

/// Whether `item` is an index the probe can count on a server of `engine`.
pub fn probed(item: &SchemaItem, engine: EngineKind) -> bool {
    item.kind == ItemKind::Index(IndexKind::Vector)
        && item.entity == EntityType::Node
        && item.labels.len() == 1
        && item.properties.len() == 1
        && descriptor(engine).schema().vector_entries_query().is_some()
}

/// The number of entries a vector query through `item` finds on `conn`, or `None` when the
/// index is not one the probe handles ([`probed`]).
pub async fn entries(
    conn: &dyn GraphConnection,
    item: &SchemaItem,
) -> Result<Option<u64>, EngineError> {
    let engine = conn.dialect().engine;
    let Some(query) = descriptor(engine).schema().vector_entries_query() else {
        return Ok(None);
    };
    if !probed(item, engine) {
        return Ok(None);
    }
    let (label, property) = (&item.labels[0], &item.properties[0]);
    let dimension: usize = item
        .options
        .get("dimension")
        .and_then(|d| d.trim_matches('\'').parse().ok())
        .unwrap_or(0);
    if dimension == 0 {
        return Ok(None);
    }
    let count_query = format!(
        "MATCH (n:{}) RETURN count(n)",
        crate::engine::dialect::escape_name(label)
    );
    let labelled = conn
        .execute(&Query::new(count_query.as_str()))
        .await?
        .single_count(&conn.describe(), &count_query)?;
    if labelled == 0 {
        return Ok(Some(0));
    }
    let zeros = Value::List(vec![Value::Float(0.0); dimension]);
    let found = conn
        .execute(
            &Query::new(query)
                .param("label", label.as_str())
                .param("property", property.as_str())
                .param("k", i64::try_from(labelled).unwrap_or(i64::MAX))
                .param("q", zeros),
        )
        .await?
        .single_count(&conn.describe(), query)?;
    Ok(Some(found))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn item(kind: IndexKind) -> SchemaItem {
        SchemaItem {
            kind: ItemKind::Index(kind),
            entity: EntityType::Node,
            labels: vec!["Doc".into()],
            properties: vec!["emb".into()],
            options: BTreeMap::from([("dimension".into(), "3".into())]),
            owned_by_constraint: false,
            name: None,
        }
    }

    #[test]
    fn only_falkordb_node_vector_indexes_are_probed() {
        assert!(probed(&item(IndexKind::Vector), EngineKind::Falkordb));
        assert!(!probed(&item(IndexKind::Vector), EngineKind::Neo4j));
        assert!(!probed(&item(IndexKind::Range), EngineKind::Falkordb));
    }
}
