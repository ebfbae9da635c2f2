//! Logical copy: keyset-paginated reads from the source, batched `UNWIND $rows` writes to the
//! target. Identity across servers never relies on internal ids: each copied node carries its
//! source id in a temporary property (indexed under a temporary label) only until the
//! relationships are resolved, then both are removed.

use std::collections::BTreeMap;

use super::export::{NodePager, RelationshipPager};
use super::{Phase, Progress, TransferError, TransferStats, TEMP_ID, TEMP_LABEL};
use crate::engine::dialect::escape_name;
use crate::engine::{GraphConnection, Query};
use crate::value::Value;

/// Copies every node and relationship of `source` into `target` (which should be empty).
pub async fn copy(
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    batch_size: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<TransferStats, TransferError> {
    let batch = batch_size.max(1);
    let dialect = target.dialect().clone();
    // Indexes (and the constraints the target's Cypher can create) first; what cannot be
    // created is left for the schema check to report (see transfer::schema).
    super::schema::copy_schema(source, target).await?;
    exec(
        target,
        Query::new(dialect.create_index(TEMP_LABEL, TEMP_ID)),
        "create the temporary id index on the target",
    )
    .await?;
    if let Some(wait) = dialect.await_indexes() {
        exec(target, Query::new(wait), "wait for the temporary id index").await?;
    }
    let stats = TransferStats {
        nodes: copy_nodes(source, target, batch, progress).await?,
        relationships: copy_relationships(source, target, batch, progress).await?,
    };
    cleanup(target, batch, progress).await?;
    exec(
        target,
        Query::new(dialect.drop_index(TEMP_LABEL, TEMP_ID)),
        "drop the temporary id index on the target",
    )
    .await?;
    Ok(stats)
}

async fn exec(
    conn: &dyn GraphConnection,
    query: Query,
    step: &str,
) -> Result<crate::engine::QueryResult, TransferError> {
    conn.execute(&query)
        .await
        .map_err(|source| TransferError::Engine {
            step: step.to_owned(),
            source,
        })
}

fn unexpected(step: &str, message: impl Into<String>) -> TransferError {
    TransferError::Unexpected {
        step: step.to_owned(),
        message: message.into(),
    }
}

async fn copy_nodes(
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<u64, TransferError> {
    let mut pager = NodePager::new(batch);
    let mut done = 0u64;
    loop {
        let page = pager.next_page(source).await?;
        if page.is_empty() {
            return Ok(done);
        }
        // Group by label set: labels cannot be parameters, so each set gets its own statement.
        let mut groups: BTreeMap<Vec<String>, Vec<Value>> = BTreeMap::new();
        for node in page {
            let row = BTreeMap::from([
                ("id".to_owned(), Value::Int(node.id)),
                ("p".to_owned(), Value::Map(node.properties)),
            ]);
            groups.entry(node.labels).or_default().push(Value::Map(row));
        }
        for (labels, rows) in groups {
            let count = rows.len() as u64;
            let label_text: String = labels
                .iter()
                .map(|l| format!(":{}", escape_name(l)))
                .collect();
            let text = format!("UNWIND $rows AS row CREATE (n:{TEMP_LABEL}{label_text} {{{TEMP_ID}: row.id}}) SET n += row.p");
            exec(
                target,
                Query::new(text).param("rows", Value::List(rows)),
                "write nodes to the target",
            )
            .await?;
            done += count;
        }
        progress(Progress {
            phase: Phase::Nodes,
            done,
        });
    }
}

async fn copy_relationships(
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<u64, TransferError> {
    let mut pager = RelationshipPager::new(batch);
    let mut done = 0u64;
    loop {
        let page = pager.next_page(source).await?;
        if page.is_empty() {
            return Ok(done);
        }
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for rel in page {
            let row = BTreeMap::from([
                ("s".to_owned(), Value::Int(rel.start)),
                ("t".to_owned(), Value::Int(rel.end)),
                ("p".to_owned(), Value::Map(rel.properties)),
            ]);
            groups
                .entry(rel.rel_type)
                .or_default()
                .push(Value::Map(row));
        }
        for (rel_type, rows) in groups {
            let expected = rows.len() as u64;
            let text = format!(
                "UNWIND $rows AS row \
                 MATCH (a:{TEMP_LABEL} {{{TEMP_ID}: row.s}}), (b:{TEMP_LABEL} {{{TEMP_ID}: row.t}}) \
                 CREATE (a)-[r:{}]->(b) SET r += row.p RETURN count(r)",
                escape_name(&rel_type)
            );
            let step = "write relationships to the target";
            let written = exec(
                target,
                Query::new(text).param("rows", Value::List(rows)),
                step,
            )
            .await?;
            let created = written.single().and_then(Value::as_int).unwrap_or(-1);
            if created != expected as i64 {
                return Err(unexpected(
                    step,
                    format!("{expected} {rel_type} relationships sent, {created} created: an endpoint node is missing on the target"),
                ));
            }
            done += expected;
        }
        progress(Progress {
            phase: Phase::Relationships,
            done,
        });
    }
}

async fn cleanup(
    target: &dyn GraphConnection,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(), TransferError> {
    let mut done = 0u64;
    loop {
        let result = exec(
            target,
            Query::new(format!(
                "MATCH (n:{TEMP_LABEL}) WITH n LIMIT $batch REMOVE n:{TEMP_LABEL}, n.{TEMP_ID} RETURN count(n)"
            ))
            .param("batch", i64::try_from(batch).unwrap_or(i64::MAX)),
            "remove the temporary id label and property from the target",
        )
        .await?;
        let cleaned = result.single().and_then(Value::as_int).unwrap_or(0);
        if cleaned <= 0 {
            return Ok(());
        }
        done += cleaned as u64;
        progress(Progress {
            phase: Phase::Cleanup,
            done,
        });
    }
}
