//! Cypher text, read without a server: one lexer ([`lexer`]) that every scanner of statements
//! uses, and statement splitting ([`statements`]). A leaf: it imports nothing from the crate.

pub mod lexer;
pub mod statements;
