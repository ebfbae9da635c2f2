//! The engine-neutral schema: one normalized shape for indexes and constraints of every engine
//! and version, and the per-engine reader each descriptor hands out.
//!
//! - [`model`]: the item (kind, entity, labels, properties, options, owner, name).
//! - [`parse`]: [`EngineSchema`] (the queries, parsers, DDL and built-in version mappings of
//!   one engine; `engine/neo4j/schema.rs`, `engine/falkordb/schema.rs`), [`snapshot`] over it,
//!   the normalization rules (with sources) and the row helpers the parsers share.
//! - [`ddl`]: the Cypher pieces the engines' create statements share.

pub mod ddl;
pub mod model;
pub mod parse;

pub use model::{ConstraintKind, EntityType, IndexKind, ItemKind, SchemaItem, SchemaSnapshot};
pub use parse::{snapshot, EngineSchema};
