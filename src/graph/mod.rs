//! Reading a whole graph, the floor both movers (`transfer`) and checks
//! (`checks`) stand on; it knows neither of them.
//!
//! - [`export`]: page through a whole graph by ranges of internal ids.
//! - [`id_table`]: node id -> fixed-size record lookups in a temporary file (flat memory).
//! - [`hash`]: the streaming, order-independent content hash of a graph or of a dump's lines.

mod error;
pub mod export;
pub mod hash;
pub mod id_table;

pub use error::GraphError;

/// True for labels, types and keys the harness itself creates, which checks leave out.
pub fn is_internal_name(name: &str) -> bool {
    name.starts_with("__MH_") || name.starts_with("__mh_")
}
