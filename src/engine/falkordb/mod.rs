//! FalkorDB, reached over its native Redis protocol (`GRAPH.QUERY ... --compact`).
//!
//! FalkorDB's Bolt endpoint is unusable for the harness (neo4rs cannot negotiate Bolt 5, and
//! rollback and temporal values are broken there: see docs/ENGINES.md), so this engine speaks
//! RESP and parses the compact reply format itself, which keeps full control over value typing
//! and parameter rendering. Graph queries go through a small RESP2 client of its own
//! ([`wire`]), whose reply bytes are parsed straight into values; other commands
//! (`MODULE LIST`, `GRAPH.BULK`, `GRAPH.DELETE`, ...) through the `redis` crate.

pub mod bulk;
pub(crate) mod capability;
mod compact;
mod connection;
pub mod construct;
mod engine;
pub mod exact;
pub(crate) mod params;
pub mod schema;
mod wire;

pub use connection::{connect, FalkorConnection};
pub(crate) use engine::module_version;
pub use engine::FalkorEngine;

/// Local images are named `migration-harness/falkordb:<falkordb version>`; `scripts/local-images.sh`
/// builds them from PyPI packages.
pub const IMAGE_NAME: &str = "migration-harness/falkordb";
