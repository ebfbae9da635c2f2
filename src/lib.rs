//! neo4j-migration-harness: tells a team, before they bump a graph database version, exactly
//! what the upgrade will break.
//!
//! Layout (one job per module; see docs/ARCHITECTURE.md):
//! - [`scenario`]: the YAML file format, its parsing and static validation.
//! - [`cypher`]: Cypher text without a server: the lexer, statement splitting.
//! - [`migrations`]: a team's migration scripts (two directory layouts, checksums).
//! - [`engine`]: starting or reaching servers, and the [`engine::GraphConnection`] trait.
//! - [`graph`]: reading a whole graph (paging, id table, content hash), below movers and checks.
//! - [`transfer`]: data movers (logical copy over the connection).
//! - [`checks`]: what is compared between source and target.
//! - [`run`]: orchestration of one scenario: plan, servers, fixtures, transfer, checks.
//! - [`report`]: turning run events into terminal output and files.
//! - [`value`]: the engine-neutral typed value model.
//! - [`kinds`]: the plain kinds (engine, edition, launcher) every layer names.

#![forbid(unsafe_code)]

pub mod checks;
pub mod cypher;
pub mod engine;
pub mod graph;
pub mod io_error;
pub mod kinds;
pub mod migrations;
pub mod report;
pub mod run;
pub mod scenario;
pub mod transfer;
pub mod value;
