//! Reading a whole graph page by page with keyset pagination on the server's internal id
//! (a total order within one server; never used to match entities across servers).

use std::collections::BTreeMap;

use super::TransferError;
use crate::engine::{GraphConnection, Query};
use crate::value::Value;

/// A node as read from one server.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedNode {
    pub id: i64,
    pub labels: Vec<String>,
    pub properties: BTreeMap<String, Value>,
}

/// A relationship as read from one server; `start`/`end` are that server's node ids.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedRelationship {
    pub id: i64,
    pub start: i64,
    pub end: i64,
    pub rel_type: String,
    pub properties: BTreeMap<String, Value>,
}

/// Pages through all nodes: `MATCH (n) WHERE id(n) > $after ... ORDER BY id(n) LIMIT $batch`.
pub struct NodePager {
    after: i64,
    batch: i64,
}

impl NodePager {
    pub fn new(batch: u64) -> Self {
        NodePager {
            after: -1,
            batch: i64::try_from(batch.max(1)).unwrap_or(i64::MAX),
        }
    }

    /// The next page, empty when all nodes have been read.
    pub async fn next_page(
        &mut self,
        conn: &dyn GraphConnection,
    ) -> Result<Vec<ExportedNode>, TransferError> {
        let step = "read nodes";
        let query = Query::new("MATCH (n) WHERE id(n) > $after RETURN id(n), labels(n), properties(n) ORDER BY id(n) LIMIT $batch")
            .param("after", self.after)
            .param("batch", self.batch);
        let page = conn
            .execute(&query)
            .await
            .map_err(|source| TransferError::Engine {
                step: step.into(),
                source,
            })?;
        let mut out = Vec::with_capacity(page.rows.len());
        for row in page.rows {
            let [Value::Int(id), Value::List(labels), Value::Map(properties)] =
                <[Value; 3]>::try_from(row).map_err(|row| TransferError::Unexpected {
                    step: step.into(),
                    message: format!("unexpected row {row:?}"),
                })?
            else {
                return Err(TransferError::Unexpected {
                    step: step.into(),
                    message: "unexpected column types".into(),
                });
            };
            let labels = labels
                .into_iter()
                .filter_map(|l| l.as_str().map(str::to_owned))
                .collect();
            self.after = self.after.max(id);
            out.push(ExportedNode {
                id,
                labels,
                properties,
            });
        }
        Ok(out)
    }
}

/// Pages through all relationships, keyset-paginated on relationship id.
pub struct RelationshipPager {
    after: i64,
    batch: i64,
}

impl RelationshipPager {
    pub fn new(batch: u64) -> Self {
        RelationshipPager {
            after: -1,
            batch: i64::try_from(batch.max(1)).unwrap_or(i64::MAX),
        }
    }

    pub async fn next_page(
        &mut self,
        conn: &dyn GraphConnection,
    ) -> Result<Vec<ExportedRelationship>, TransferError> {
        let step = "read relationships";
        let query = Query::new(
            "MATCH (a)-[r]->(b) WHERE id(r) > $after \
             RETURN id(r), id(a), id(b), type(r), properties(r) ORDER BY id(r) LIMIT $batch",
        )
        .param("after", self.after)
        .param("batch", self.batch);
        let page = conn
            .execute(&query)
            .await
            .map_err(|source| TransferError::Engine {
                step: step.into(),
                source,
            })?;
        let mut out = Vec::with_capacity(page.rows.len());
        for row in page.rows {
            let [Value::Int(id), Value::Int(start), Value::Int(end), Value::String(rel_type), Value::Map(properties)] =
                <[Value; 5]>::try_from(row).map_err(|row| TransferError::Unexpected {
                    step: step.into(),
                    message: format!("unexpected row {row:?}"),
                })?
            else {
                return Err(TransferError::Unexpected {
                    step: step.into(),
                    message: "unexpected column types".into(),
                });
            };
            self.after = self.after.max(id);
            out.push(ExportedRelationship {
                id,
                start,
                end,
                rel_type,
                properties,
            });
        }
        Ok(out)
    }
}
