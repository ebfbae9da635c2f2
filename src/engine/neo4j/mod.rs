//! Neo4j, started with testcontainers (`neo4j:<version>[-enterprise]`) or reached at an
//! existing Bolt endpoint, and spoken to with neo4rs 0.8.
//!
//! - `container`: starting a server and waiting for it.
//! - `connection`: [`Neo4jConnection`], the [`GraphConnection`](crate::engine::GraphConnection)
//!   over Bolt, and [`connect`] for existing servers.
//! - [`convert`]: `BoltType` <-> [`Value`](crate::value::Value), on top of `decode`, which
//!   reads neo4rs values field by field (its own serde view of some types is lossy).
//! - `columns`: recovering the column order neo4rs 0.8 does not keep.

mod columns;
mod connection;
mod container;
pub mod convert;
mod decode;

pub use connection::{connect, Neo4jConnection, DEFAULT_DATABASE, PASSWORD_ENV, USER_ENV};
pub use container::start;
