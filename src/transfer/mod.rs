//! Data movers: how the graph gets from the source server to the target server.
//!
//! - [`logical`]: read every node and relationship over the connection, write them in batches.
//! - `bulk`: the copy's GRAPH.BULK fast path into a new FalkorDB graph.
//! - `id_map`: source -> target node ids during a copy, read by both writers.
//! - [`schema`]: recreate the source's indexes (and what constraints it can) on the target.

mod bulk;
pub mod capability;
pub mod dump;
mod id_map;
pub mod logical;
pub mod partial;
pub mod schema;

/// What a mover returns when it fails: the graph floor's error (reading and writing fail the
/// same ways: an engine error, an unexpected reply, the id table).
pub use crate::graph::GraphError as TransferError;

/// Progress of a running transfer, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Nodes,
    Relationships,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Phase::Nodes => "nodes",
            Phase::Relationships => "relationships",
        })
    }
}

/// What a finished transfer moved, and what the target could not store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferStats {
    pub nodes: u64,
    pub relationships: u64,
    /// How many of those entities went through FalkorDB's GRAPH.BULK loader (the rest through
    /// Cypher).
    pub bulk_loaded: u64,
    /// Properties left out because the target cannot store them (see [`capability`]).
    pub findings: Vec<capability::Finding>,
}
