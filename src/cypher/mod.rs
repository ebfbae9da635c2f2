//! Cypher text, read without a server.

pub mod statements;
