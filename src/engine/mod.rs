//! Engines: starting graph servers (containers or local processes) or reaching existing ones,
//! and talking to them through one connection trait.
//!
//! - [`connection`]: the [`GraphConnection`] trait every step above the engine uses.
//! - [`dialect`]: the few statements that differ between engines and versions.
//! - [`cleanup`]: removing this process's containers after an interruption.
//! - [`descriptor`]: one descriptor per engine (what to start, URI schemes, how to connect).
//! - [`endpoint`]: the URI of an existing server, parsed once; never displays its password.
//! - [`launcher`]: how servers are started (Docker, local process) and cleaned up.
//! - [`request`]: what one server must be ([`request::ServerRequest`]) and which launcher starts it.
//! - [`schema`]: the normalized schema model and each engine's reader of it.
//! - [`server`]: turning a scenario's server spec into a running, connected [`Server`].
//! - [`store`]: a stopped server's store on disk (upgrades in place, admin tools).
//! - [`falkordb`], [`neo4j`]: the two engines.

pub mod cleanup;
pub mod connection;
pub mod descriptor;
pub mod dialect;
pub mod endpoint;
mod error;
pub mod falkordb;
pub mod image;
#[cfg(test)]
mod kind_branches;
pub mod launcher;
pub mod neo4j;
pub mod request;
pub mod schema;
pub mod secret;
pub mod server;
pub mod store;
pub mod timeouts;

pub use connection::{DryRun, GraphConnection, Notification, Query, QueryResult, ServerInfo};
pub use dialect::Dialect;
pub use error::EngineError;
pub use server::{Server, ServerRole};
