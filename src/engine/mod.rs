//! Engines: starting graph servers (testcontainers) or reaching existing ones, and talking to
//! them through one connection trait.
//!
//! - [`connection`]: the [`GraphConnection`] trait every step above the engine uses.
//! - [`dialect`]: the few statements that differ between engines and versions.
//! - [`cleanup`]: removing this process's containers after an interruption.
//! - [`server`]: turning a scenario's server spec into a running, connected [`Server`].
//! - [`falkordb`], [`neo4j`]: the two engines.

pub mod cleanup;
pub mod connection;
pub mod dialect;
mod error;
pub mod falkordb;
pub mod image;
pub mod neo4j;
pub mod secret;
pub mod server;

pub use connection::{GraphConnection, Notification, Query, QueryResult};
pub use dialect::Dialect;
pub use error::EngineError;
pub use server::{Server, ServerRole};
