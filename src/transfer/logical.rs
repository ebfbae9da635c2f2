//! Logical copy: paged reads (ranges of internal ids) from the source, batched `UNWIND $rows` writes to the
//! target. Identity across servers never relies on internal ids: a source node id only names a
//! node within the copy, through a temporary id mapping that is gone when the copy ends.
//!
//! The mapping is an [`IdTable`] of source-to-target id pairs (a temporary file, so memory
//! stays flat), for both engines. Nodes are created with `RETURN row.id, id(n)`, relationships
//! by target-id seek (`MATCH (a) WHERE id(a) = s`), each engine's cheapest way to find a node
//! (FalkorDB's node-by-id seek, Neo4j's `NodeByIdSeek`). Into a FalkorDB graph that does not
//! exist yet, everything the bulk format can carry goes through `GRAPH.BULK` ([`super::bulk`]).
//! Measured, the alternative (a temporary property on every copied node, indexed under a
//! temporary label, removed at the end) was several times slower on FalkorDB (its index lookups
//! grew with the graph; `cargo bench --bench transfer`) and about half as fast on Neo4j (the
//! index, the lookups and a second pass over every node to remove the property;
//! `cargo bench --bench neo4j`). Neo4j deprecates `id()` in 5.x in favour of `elementId()`,
//! but keeps it in 2025.x and later; an id is stable while its node exists, and a copy's target
//! nodes are not deleted while it runs.
//!
//! Property values the target cannot store are left out of the written rows and reported as
//! findings (see [`super::capability`]), never a crash and never a silent drop.
//!
//! Re-running: a copy is a clean restart. It expects an empty target (the runner wipes
//! harness-owned targets, and `import` requires `--allow-destructive` for a non-empty graph), so
//! a failed copy is re-run from the start after the wipe; nothing is duplicated.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};

use super::bulk::{BulkWriter, Sent};
use super::capability::{node_entity, relationship_entity, Findings};
use super::id_map::target_id;
use super::{Phase, Progress, TransferError, TransferStats};
use crate::engine::dialect::escape_name;
use crate::engine::falkordb::construct::{self, Tags};
use crate::engine::{Dialect, GraphConnection, Query};
use crate::engine::schema;
use crate::graph::export::{
    graph_pages, overlapped, ExportedNode, ExportedRelationship, GraphPage,
};
use crate::graph::id_table::IdTable;
use crate::value::Value;

/// Rows below which a label set's node write is not split into concurrent writes
/// ([`Dialect::concurrent_node_writes`]): a transaction costs a commit.
const MIN_SPLIT_ROWS: usize = 2_000;

/// Copies every node and relationship of `source` into `target` (which should be empty),
/// through FalkorDB's GRAPH.BULK loader where it applies ([`copy_with`] can turn it off).
pub async fn copy(
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    batch_size: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<TransferStats, TransferError> {
    copy_with(source, target, batch_size, true, progress).await
}

/// [`copy`], with `graph_bulk` false writing a FalkorDB target through Cypher only.
pub async fn copy_with(
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    batch_size: u64,
    graph_bulk: bool,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<TransferStats, TransferError> {
    // Pages as large as the target's writes (a copy into Neo4j writes at least 10,000 rows a
    // transaction, `Dialect::write_rows`), so that the source reads the next page while the
    // target writes this one.
    let batch = target.dialect().write_rows(batch_size.max(1));
    let data = async {
        let mut writer = Writer::start_with(target, batch, graph_bulk).await?;
        let mut nodes_flushed = false;
        overlapped(graph_pages(source, batch), async |page| {
            match page {
                GraphPage::Nodes(page) => writer.write_nodes(page).await?,
                GraphPage::Relationships(page) => {
                    if !nodes_flushed {
                        writer.flush(progress).await?;
                        nodes_flushed = true;
                    }
                    writer.write_relationships(page).await?;
                }
            }
            writer.report(progress);
            Ok(())
        })
        .await?;
        writer.finish(progress).await
    };
    // The source's schema is read while the data is copied (the source does not change), and
    // created on the target after the data: a bulk load must start on a graph that does not
    // exist, and the servers build indexes over existing data. What cannot be created is left
    // for the schema check to report (transfer::schema).
    let source_schema = async {
        schema::snapshot(source)
            .await
            .map_err(|source| TransferError::Engine {
                step: "read the source schema".into(),
                source,
            })
    };
    let (stats, snapshot) = tokio::try_join!(data, source_schema)?;
    super::schema::create_schema(&snapshot, target).await?;
    Ok(stats)
}

/// The write side of a logical copy, fed pages of nodes (all of them first) and then pages of
/// relationships whose endpoints are the ids the nodes were written with. Without the bulk
/// loader each page is written as it comes (one statement per label set or relationship type),
/// so callers hand it pages of [`Dialect::write_rows`] entities: a copy into Neo4j pays a
/// commit per write.
pub struct Writer<'a> {
    target: &'a dyn GraphConnection,
    dialect: Dialect,
    /// Source node id -> target node id (8 bytes, big-endian).
    ids: IdTable<8>,
    /// FalkorDB's bulk loader, for a target graph that did not exist (see [`super::bulk`]).
    bulk: Option<BulkWriter<'a>>,
    bulk_loaded: u64,
    /// Rows per write statement at most ([`Dialect::write_rows`]).
    batch: u64,
    nodes: u64,
    relationships: u64,
    /// The (nodes, relationships) counts last reported as progress.
    reported: (u64, u64),
    findings: Findings,
}

impl<'a> Writer<'a> {
    /// Prepares the temporary id map, and FalkorDB's GRAPH.BULK loader for a new graph.
    pub async fn start(target: &'a dyn GraphConnection, batch: u64) -> Result<Self, TransferError> {
        Self::start_with(target, batch, true).await
    }

    /// [`Writer::start`]; `graph_bulk` false never uses FalkorDB's GRAPH.BULK loader.
    pub async fn start_with(
        target: &'a dyn GraphConnection,
        batch: u64,
        graph_bulk: bool,
    ) -> Result<Self, TransferError> {
        let dialect = target.dialect().clone();
        let ids = IdTable::new().map_err(|source| TransferError::IdTable {
            step: "create the temporary id map".into(),
            source,
        })?;
        let bulk = BulkWriter::start(target, graph_bulk).await?;
        Ok(Writer {
            target,
            dialect,
            ids,
            bulk,
            bulk_loaded: 0,
            batch: target.dialect().write_rows(batch.max(1)),
            nodes: 0,
            relationships: 0,
            reported: (0, 0),
            findings: Findings::default(),
        })
    }

    pub fn nodes_written(&self) -> u64 {
        self.nodes
    }

    pub fn relationships_written(&self) -> u64 {
        self.relationships
    }

    /// Writes nodes, grouped by label set (labels cannot be parameters).
    pub async fn write_nodes(&mut self, mut page: Vec<ExportedNode>) -> Result<(), TransferError> {
        for node in &mut page {
            let entity = node_entity(&node.labels);
            self.findings
                .filter(&self.dialect, &entity, &mut node.properties);
        }
        if let Some(bulk) = &mut self.bulk {
            let (rest, sent) = bulk.write_nodes(page, &mut self.ids).await?;
            page = rest;
            self.count_bulk(sent);
        }
        let mut groups: BTreeMap<Vec<String>, Group> = BTreeMap::new();
        for node in page {
            let group = groups.entry(node.labels).or_default();
            let mut row = group.row(&self.dialect, node.properties);
            row.insert("id".to_owned(), Value::Int(node.id));
            group.rows.push(Value::Map(row));
        }
        // Each label set's rows in up to `concurrent_node_writes` chunks (not below
        // MIN_SPLIT_ROWS rows a chunk), written that many at a time; ids recorded in order.
        let ways = self.dialect.concurrent_node_writes().max(1);
        let mut writes = Vec::new();
        for (labels, group) in groups {
            let label_text: String = labels
                .iter()
                .map(|l| format!(":{}", escape_name(l)))
                .collect();
            let constructed_sets = group.constructed_sets("n");
            let text = format!(
                "UNWIND $rows AS row CREATE (n{label_text}){constructed_sets} SET n += row.p RETURN row.id, id(n)"
            );
            let chunk = group.rows.len().div_ceil(ways).max(MIN_SPLIT_ROWS);
            let mut rows = group.rows;
            while !rows.is_empty() {
                let rest = rows.split_off(chunk.min(rows.len()));
                writes.push((text.clone(), rows));
                rows = rest;
            }
        }
        let target = self.target;
        let step = "write nodes to the target";
        let mut created = futures::stream::iter(writes)
            .map(|(text, rows)| async move {
                let count = rows.len();
                let query = Query::new(text).param("rows", Value::List(rows));
                exec(target, query, step).await.map(|c| (count, c))
            })
            .buffered(ways);
        while let Some((count, created)) = created.try_next().await? {
            if created.rows.len() != count {
                return Err(unexpected(
                    step,
                    format!("{count} nodes sent, {} created", created.rows.len()),
                ));
            }
            let mut ids = Vec::with_capacity(created.rows.len());
            for row in created.rows {
                let [Value::Int(source), Value::Int(target)] = row[..] else {
                    return Err(unexpected(step, format!("unexpected row {row:?}")));
                };
                self.ids
                    .put(source, &target.to_be_bytes())
                    .map_err(|source| TransferError::IdTable {
                        step: "remember copied node ids".into(),
                        source,
                    })?;
                ids.push(target);
            }
            if let Some(bulk) = &mut self.bulk {
                bulk.created_by_cypher(&ids)?;
            }
            self.nodes += count as u64;
        }
        Ok(())
    }

    /// Writes relationships, grouped by type, endpoints resolved through the temporary id map.
    pub async fn write_relationships(
        &mut self,
        mut page: Vec<ExportedRelationship>,
    ) -> Result<(), TransferError> {
        for rel in &mut page {
            let entity = relationship_entity(&rel.rel_type);
            self.findings
                .filter(&self.dialect, &entity, &mut rel.properties);
        }
        if let Some(bulk) = &mut self.bulk {
            let (rest, sent) = bulk.write_relationships(page, &mut self.ids).await?;
            page = rest;
            self.count_bulk(sent);
        }
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        for rel in page {
            let group = groups.entry(rel.rel_type).or_default();
            let mut row = group.row(&self.dialect, rel.properties);
            let s = target_id(&mut self.ids, rel.start)?;
            let t = target_id(&mut self.ids, rel.end)?;
            row.insert("s".to_owned(), Value::Int(s));
            row.insert("t".to_owned(), Value::Int(t));
            group.rows.push(Value::Map(row));
        }
        for (rel_type, group) in groups {
            // A page can exceed the batch size (it holds whole start-node ranges): split it.
            for chunk in group
                .rows
                .chunks(usize::try_from(self.batch).unwrap_or(usize::MAX))
            {
                let expected = chunk.len() as u64;
                // FalkorDB plans a node-by-id seek only for an id compared with a variable.
                let text = format!(
                    "UNWIND $rows AS row WITH row, row.s AS s, row.t AS t \
                     MATCH (a) WHERE id(a) = s MATCH (b) WHERE id(b) = t \
                     CREATE (a)-[r:{}]->(b){} SET r += row.p RETURN count(r)",
                    escape_name(&rel_type),
                    group.constructed_sets("r")
                );
                let step = "write relationships to the target";
                let written = exec(
                    self.target,
                    Query::new(text).param("rows", Value::List(chunk.to_vec())),
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
                self.relationships += expected;
            }
        }
        Ok(())
    }

    /// Counts what the bulk loader confirmed written.
    fn count_bulk(&mut self, sent: Sent) {
        self.nodes += sent.nodes;
        self.relationships += sent.relationships;
        self.bulk_loaded += sent.nodes + sent.relationships;
    }

    /// Sends what the bulk loader queued (the writer's counts include it only once written), and
    /// reports the progress.
    pub async fn flush(
        &mut self,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<(), TransferError> {
        if let Some(bulk) = &mut self.bulk {
            let sent = bulk.flush(&mut self.ids).await?;
            self.count_bulk(sent);
        }
        self.report(progress);
        Ok(())
    }

    /// Reports the counts written that changed since the last report (a page the bulk loader
    /// only queued changes none).
    pub fn report(&mut self, progress: &(dyn Fn(Progress) + Send + Sync)) {
        if self.nodes != self.reported.0 {
            progress(Progress {
                phase: Phase::Nodes,
                done: self.nodes,
            });
        }
        if self.relationships != self.reported.1 {
            progress(Progress {
                phase: Phase::Relationships,
                done: self.relationships,
            });
        }
        self.reported = (self.nodes, self.relationships);
    }

    /// Sends what is still held and drops the temporary id map; returns what was written.
    pub async fn finish(
        mut self,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<TransferStats, TransferError> {
        self.flush(progress).await?;
        Ok(TransferStats {
            nodes: self.nodes,
            relationships: self.relationships,
            bulk_loaded: self.bulk_loaded,
            findings: self.findings.into_vec(),
        })
    }
}

/// Rows of one label set or relationship type, and the keys whose values are rebuilt
/// server-side.
///
/// For FalkorDB targets, values without a parameter literal (points, vectors, temporals, NaN,
/// infinities, i64::MIN, lists holding any of these) travel as tagged pairs in `row.x` and are
/// set with `SET n.k = <rebuild>` before `SET n += row.p` (see
/// [`crate::engine::falkordb::construct`]): for a row without such a value under `k` that sets
/// null (nothing), and `+=` then sets its own value of `k`.
#[derive(Default)]
struct Group {
    rows: Vec<Value>,
    constructed: BTreeMap<String, Tags>,
}

impl Group {
    fn row(
        &mut self,
        dialect: &Dialect,
        mut properties: BTreeMap<String, Value>,
    ) -> BTreeMap<String, Value> {
        let mut tagged = BTreeMap::new();
        if dialect.constructs_values() {
            let keys: Vec<String> = properties
                .iter()
                .filter(|(_, v)| !construct::is_literal(v))
                .map(|(k, _)| k.clone())
                .collect();
            for k in keys {
                let tags = self.constructed.entry(k.clone()).or_default();
                if let Some(t) = properties.get(&k).and_then(|v| construct::tagged(v, tags)) {
                    properties.remove(&k);
                    tagged.insert(k, t);
                }
            }
            self.constructed.retain(|_, tags| !tags.is_empty());
        }
        let mut row = BTreeMap::from([("p".to_owned(), Value::Map(properties))]);
        if !tagged.is_empty() {
            row.insert("x".to_owned(), Value::Map(tagged));
        }
        row
    }

    /// ` SET v.k = <rebuild row.x.k>` for every rebuilt key of the group.
    fn constructed_sets(&self, var: &str) -> String {
        self.constructed
            .iter()
            .map(|(k, tags)| {
                let k = escape_name(k);
                format!(
                    " SET {var}.{k} = {}",
                    construct::rebuild(&format!("row.x.{k}"), tags)
                )
            })
            .collect()
    }
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
