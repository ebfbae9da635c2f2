//! The streaming content hash both movers (dump files) and checks (`content_hash`) compute.
//! Every node is reduced to (labels, properties) and every relationship to (type, properties,
//! start node content, end node content); each gets a digest of its canonical typed encoding.
//!
//! [`stream_hash`] reads a graph in one pass with memory bounded by the page size: nodes page by
//! page, each node's digest kept by id in a temporary file ([`IdTable`], not memory), then
//! relationships page by page with their endpoints' digests looked up there; the entity digests
//! are combined by addition modulo 2^256 (a multiset hash: order-independent, duplicates count).
//! [`HashBuilder`] computes the same hash from entities handed in one at a time.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::export::{
    graph_pages, node_pages, overlapped, ExportedNode, ExportedRelationship, GraphPage,
    RelationshipPager,
};
use super::id_table::{IdTable, IdTableError};
use super::{is_internal_name, GraphError};
use crate::engine::GraphConnection;
use crate::value::{canonical, Value};

pub(crate) type Hash = [u8; 32];

/// One node's content, ids stripped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeContent {
    pub(crate) labels: Vec<String>,
    pub(crate) properties: BTreeMap<String, Value>,
}

fn digest(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

pub(crate) fn node_digest(node: &NodeContent) -> Hash {
    let mut buf = Vec::with_capacity(256);
    canonical::encode_str_list(node.labels.iter().map(String::as_str), &mut buf);
    canonical::encode_map_entries(node.properties.iter(), &mut buf);
    digest(&buf)
}

/// The order-independent hash of a whole graph and its counts, from one streaming pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphHash {
    /// Hex SHA-256 over the multiset sum of entity digests and the counts.
    pub graph_hash: String,
    pub nodes: u64,
    pub relationships: u64,
    /// Nodes per label and relationships per type (harness-internal names left out).
    pub per_label: BTreeMap<String, u64>,
    pub per_type: BTreeMap<String, u64>,
}

/// A multiset hash: entity digests added as 256-bit big-endian integers modulo 2^256.
#[derive(Default)]
struct Accumulator([u64; 4]);

impl Accumulator {
    fn add(&mut self, h: &Hash) {
        let mut carry = 0u64;
        for limb in (0..4).rev() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[limb * 8..limb * 8 + 8]);
            let (s1, c1) = self.0[limb].overflowing_add(u64::from_be_bytes(b));
            let (s2, c2) = s1.overflowing_add(carry);
            self.0[limb] = s2;
            carry = u64::from(c1) + u64::from(c2);
        }
    }
}

fn strip(mut labels: Vec<String>, properties: BTreeMap<String, Value>) -> NodeContent {
    labels.retain(|l| !is_internal_name(l));
    labels.sort();
    NodeContent {
        labels,
        properties: without_internal(properties),
    }
}

/// `properties` without the harness's internal keys (rebuilt only when there are some).
fn without_internal(properties: BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    if properties.keys().any(|k| is_internal_name(k)) {
        properties
            .into_iter()
            .filter(|(k, _)| !is_internal_name(k))
            .collect()
    } else {
        properties
    }
}

pub(crate) fn relationship_digest(
    rel_type: &str,
    properties: &BTreeMap<String, Value>,
    start: &Hash,
    end: &Hash,
) -> Hash {
    let mut buf = Vec::with_capacity(256);
    canonical::encode_str(rel_type, &mut buf);
    canonical::encode_map_entries(properties.iter(), &mut buf);
    buf.extend_from_slice(start);
    buf.extend_from_slice(end);
    digest(&buf)
}

/// Hashes a whole graph in one streaming pass, memory bounded by `batch` (see module docs).
///
/// Nodes are read page by page; each node's digest is kept in an [`IdTable`] (a temporary file
/// indexed by node id, so memory stays flat) and relationships are then read as plain
/// `(start id, end id, type, properties)` pages with their endpoints' digests looked up there:
/// the hash reads the same data as a plain export. When a server's ids are beyond the table's
/// range, relationships are read together with both endpoints' content instead (the same hash,
/// about three times the data read).
pub async fn stream_hash(conn: &dyn GraphConnection, batch: u64) -> Result<GraphHash, GraphError> {
    match hash_with_id_table(conn, batch).await {
        Err(GraphError::IdTable {
            source: IdTableError::OutOfRange { .. },
            ..
        }) => stream_hash_reading_endpoints(conn, batch).await,
        other => other,
    }
}

fn table_error(step: &str) -> impl Fn(IdTableError) -> GraphError + '_ {
    move |source| GraphError::IdTable {
        step: step.to_owned(),
        source,
    }
}

/// Hashes a page of nodes into `acc`/`out`, handing each node's id and digest to `keep`.
fn hash_node_page(
    page: Vec<ExportedNode>,
    acc: &mut Accumulator,
    out: &mut GraphHash,
    mut keep: impl FnMut(i64, &Hash) -> Result<(), GraphError>,
) -> Result<(), GraphError> {
    for n in page {
        let content = strip(n.labels, n.properties);
        let h = node_digest(&content);
        keep(n.id, &h)?;
        acc.add(&h);
        out.nodes += 1;
        for l in content.labels {
            *out.per_label.entry(l).or_default() += 1;
        }
    }
    Ok(())
}

fn add_relationship(
    acc: &mut Accumulator,
    out: &mut GraphHash,
    rel_type: String,
    properties: BTreeMap<String, Value>,
    start: &Hash,
    end: &Hash,
) {
    let properties = without_internal(properties);
    acc.add(&relationship_digest(&rel_type, &properties, start, end));
    out.relationships += 1;
    *out.per_type.entry(rel_type).or_default() += 1;
}

/// Node digests by node id, in an [`IdTable`] (memory stays flat), for looking up the endpoints
/// of pages of relationships: the content hash's and a single-pass export's.
pub(crate) struct NodeDigests(IdTable<32>);

/// Why [`NodeDigests::endpoints`] could not give a relationship's endpoint digests.
pub(crate) enum EndpointError {
    Table(IdTableError),
    /// The relationship names a node whose digest was never stored.
    Missing { relationship: i64, node: i64 },
}

impl EndpointError {
    /// What went wrong, for a read that was `doing` ("hashed", "exported"); the table's own
    /// error has a message of its own.
    pub(crate) fn message(&self, doing: &str) -> String {
        match self {
            EndpointError::Table(e) => e.to_string(),
            EndpointError::Missing { relationship, node } => format!(
                "relationship {relationship} points at node {node}, which was not there when \
                 nodes were read (was the graph written to while it was {doing}?)"
            ),
        }
    }
}

impl NodeDigests {
    pub(crate) fn new() -> Result<Self, IdTableError> {
        IdTable::new().map(NodeDigests)
    }

    pub(crate) fn put(&mut self, id: i64, digest: &Hash) -> Result<(), IdTableError> {
        self.0.put(id, digest)
    }

    /// The (start, end) digests of each relationship of `page`, in order. A page holds the
    /// relationships of a range of start nodes: their digests come in one read.
    pub(crate) fn endpoints(
        &mut self,
        page: &[ExportedRelationship],
    ) -> Result<Vec<(Hash, Hash)>, EndpointError> {
        let lo = page.iter().map(|r| r.start).min().unwrap_or(0);
        let hi = page.iter().map(|r| r.start).max().unwrap_or(0);
        let starts = self.0.get_range(lo, hi).map_err(EndpointError::Table)?;
        page.iter()
            .map(|r| {
                let missing = |node: i64| EndpointError::Missing {
                    relationship: r.id,
                    node,
                };
                let start = starts.get(r.start).ok_or_else(|| missing(r.start))?;
                let end = self
                    .0
                    .get(r.end)
                    .map_err(EndpointError::Table)?
                    .ok_or_else(|| missing(r.end))?;
                Ok((start, end))
            })
            .collect()
    }
}

async fn hash_with_id_table(
    conn: &dyn GraphConnection,
    batch: u64,
) -> Result<GraphHash, GraphError> {
    let step = "keep node digests in a temporary file";
    let mut digests = NodeDigests::new().map_err(table_error(step))?;
    let mut acc = Accumulator::default();
    let mut out = GraphHash::default();
    // The next page is read while this one is hashed, the first relationship page while the
    // last node page is.
    overlapped(graph_pages(conn, batch), async |page| match page {
        GraphPage::Nodes(page) => hash_node_page(page, &mut acc, &mut out, |id, h| {
            digests.put(id, h).map_err(table_error(step))
        }),
        GraphPage::Relationships(page) => {
            let ends = digests.endpoints(&page).map_err(|e| match e {
                EndpointError::Table(source) => table_error("look up node digests")(source),
                missing => GraphError::Unexpected {
                    step: "hash relationships".into(),
                    message: missing.message("hashed"),
                },
            })?;
            for (r, (start, end)) in page.into_iter().zip(ends) {
                add_relationship(&mut acc, &mut out, r.rel_type, r.properties, &start, &end);
            }
            Ok(())
        }
    })
    .await?;
    Ok(finish(acc, out))
}

/// The same hash as [`stream_hash`] without an id table: every relationship is read with both
/// endpoints' content. Used when a server's node ids are beyond the table's range.
pub async fn stream_hash_reading_endpoints(
    conn: &dyn GraphConnection,
    batch: u64,
) -> Result<GraphHash, GraphError> {
    let mut acc = Accumulator::default();
    let mut out = GraphHash::default();
    overlapped(node_pages(conn, batch), async |page: Vec<ExportedNode>| {
        hash_node_page(page, &mut acc, &mut out, |_, _| Ok(()))
    })
    .await?;
    let mut pager = RelationshipPager::new(batch);
    loop {
        let page = pager.next_page_with_ends(conn).await?;
        if page.is_empty() {
            break;
        }
        for r in page {
            let start = node_digest(&strip(r.start_labels, r.start_properties));
            let end = node_digest(&strip(r.end_labels, r.end_properties));
            add_relationship(&mut acc, &mut out, r.rel_type, r.properties, &start, &end);
        }
    }
    Ok(finish(acc, out))
}

fn finish(acc: Accumulator, mut out: GraphHash) -> GraphHash {
    let mut hasher = Sha256::new();
    hasher.update(b"migration-harness graph hash v2");
    for limb in acc.0 {
        hasher.update(limb.to_be_bytes());
    }
    hasher.update(out.nodes.to_be_bytes());
    hasher.update(out.relationships.to_be_bytes());
    out.graph_hash = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    out
}

/// The [`stream_hash`] of a graph whose entities are handed in one at a time (the lines of a
/// dump file): the same digests, the same combination, the same counts.
#[derive(Default)]
pub struct HashBuilder {
    acc: Accumulator,
    out: GraphHash,
}

impl HashBuilder {
    /// Adds a node; returns its digest, which its relationships need.
    pub fn add_node(
        &mut self,
        labels: &[String],
        properties: &BTreeMap<String, Value>,
    ) -> [u8; 32] {
        let content = strip(labels.to_vec(), properties.clone());
        let h = node_digest(&content);
        self.acc.add(&h);
        self.out.nodes += 1;
        for l in content.labels {
            *self.out.per_label.entry(l).or_default() += 1;
        }
        h
    }

    /// Adds a relationship between nodes of these digests.
    pub fn add_relationship(
        &mut self,
        rel_type: &str,
        properties: &BTreeMap<String, Value>,
        start: &[u8; 32],
        end: &[u8; 32],
    ) {
        add_relationship(
            &mut self.acc,
            &mut self.out,
            rel_type.to_owned(),
            properties.clone(),
            start,
            end,
        );
    }

    pub fn finish(self) -> GraphHash {
        finish(self.acc, self.out)
    }
}
