//! Reading a whole graph, the floor both movers (`transfer`) and checks
//! (`checks`) stand on; it knows neither of them.
//!
//! - [`export`]: page through a whole graph by ranges of internal ids.
//! - [`id_table`]: node id -> fixed-size record lookups in a temporary file (flat memory).
//! - [`hash`]: the streaming, order-independent content hash of a graph or of a dump's lines.
//! - [`Finding`]: a property a mover could not store on its target (checks turn them into an
//!   outcome).

mod error;
pub mod export;
mod finding;
pub mod hash;
pub mod id_table;

pub use error::GraphError;
pub use finding::Finding;

pub use crate::kinds::is_internal_name;
