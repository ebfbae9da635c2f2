//! Cypher text, read without a server: one lexer ([`lexer`]) that every scanner of statements
//! uses, statement splitting ([`statements`]) and name quoting ([`escape_name`]). A leaf: it imports nothing from the crate.

pub mod lexer;
pub mod statements;

/// Quotes a label, relationship type or property key for Cypher when needed.
pub fn escape_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_owned()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}
