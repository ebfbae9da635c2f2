//! Neo4j, started by a launcher (the official `neo4j:` image, or the project's Java launcher
//! over Maven Central jars) or reached at an existing Bolt endpoint, and spoken to with neo4rs
//! 0.8.
//!
//! - `engine`: [`Neo4jEngine`], the engine descriptor (what to start, how to connect).
//! - `connection`: [`Neo4jConnection`], the [`GraphConnection`](crate::engine::GraphConnection)
//!   over Bolt, and [`connect`] for existing servers.
//! - [`convert`]: `BoltType` <-> [`Value`](crate::value::Value), on top of `decode`, which
//!   reads neo4rs values field by field (its own serde view of some types is lossy).
//! - [`admin`]: `neo4j-admin` dump / load / migrate on the process launcher's stores.
//! - `installation`: a version installed for the process launcher (jars, Java, `@argfile`
//!   quoting), shared by `engine` and `admin`.
//! - [`schema`]: reading `SHOW INDEXES` / `SHOW CONSTRAINTS`, creating indexes and constraints.
//! - `columns`: recovering the column order neo4rs 0.8 does not keep.

pub mod admin;
pub(crate) mod capability;
mod columns;
mod connection;
pub mod convert;
mod decode;
mod engine;
mod installation;
pub mod schema;

pub use connection::{connect, Neo4jConnection, DEFAULT_DATABASE, PASSWORD_ENV, USER_ENV};
pub use engine::Neo4jEngine;
