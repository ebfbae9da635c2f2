use thiserror::Error;

/// Failures of the engine layer. Every variant names the server it concerns; none carries a
/// password (credentials are kept in the engine's `Secret` type, which never prints).
#[derive(Debug, Error)]
pub enum EngineError {
    /// The server's image could not be found or pulled.
    #[error("failed to start {server}: image {image} is not available locally and could not be pulled ({reason})")]
    ImageUnavailable {
        /// Which server (role, engine, version).
        server: String,
        /// The image reference.
        image: String,
        /// Why it is not available.
        reason: String,
    },

    /// The server did not start.
    #[error("failed to start {server} ({image}): {message}")]
    Start {
        /// Which server (role, engine, version).
        server: String,
        /// What was started: `image neo4j:5.26`, `local process .../java (Neo4j 5.26.30)`.
        image: String,
        /// Why, with the server's own output.
        message: String,
    },

    #[error("failed to connect to {server}: {message}")]
    /// The server could not be reached or refused the session.
    Connect {
        /// Which server.
        server: String,
        /// Why.
        message: String,
    },

    /// A statement failed on the server.
    #[error("failed to run query on {server}: {message}\n  query: {query}")]
    Query {
        /// Which server.
        server: String,
        /// The statement (shortened).
        query: String,
        /// The server's error code, when it sent one.
        code: Option<String>,
        /// The server's message.
        message: String,
    },

    /// The connection broke while a statement was under way (the server died, was killed or
    /// closed the connection): not a connect failure, and not the statement's fault.
    #[error("failed to run query on {server}: the connection was lost mid-statement ({message}); the server stopped or closed it\n  query: {query}")]
    Lost {
        /// Which server.
        server: String,
        /// The statement (shortened).
        query: String,
        /// How the connection broke.
        message: String,
    },

    /// An administration tool (dump, load, migrate) failed.
    #[error("failed to run `{command}` on {store}: {message}")]
    Admin {
        /// The tool, its version and arguments: `neo4j-admin 5.26.30 database dump neo4j`.
        command: String,
        /// Which store: `the store at /…/servers/source-neo4j-5.26-x`.
        store: String,
        /// Why, with the tool's own output.
        message: String,
    },

    #[error("failed to use {server}: {message}")]
    /// The server cannot do what was asked (a feature its engine or version lacks).
    Unsupported {
        /// Which server.
        server: String,
        /// What is missing.
        message: String,
    },

    /// The statement ran, but its reply is not what the harness asked for (a count that is
    /// not an integer, no row): never read as a default value.
    #[error(
        "failed to read the reply of {server}: expected {expected}, got {reply}\n  query: {query}"
    )]
    UnexpectedReply {
        /// Which server.
        server: String,
        /// The statement (shortened).
        query: String,
        /// What the harness expected.
        expected: &'static str,
        /// What the server replied (shortened).
        reply: String,
    },
}

impl EngineError {
    /// A query failure, with the statement shortened for display.
    pub fn query(
        server: impl Into<String>,
        query: &str,
        code: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        EngineError::Query {
            server: server.into(),
            query: shorten(query, 300),
            code,
            message: message.into(),
        }
    }

    /// A reply that is not what `query` should return, both shortened for display.
    pub fn unexpected_reply(
        server: &str,
        query: &str,
        expected: &'static str,
        reply: &str,
    ) -> Self {
        EngineError::UnexpectedReply {
            server: server.to_owned(),
            query: shorten(query, 300),
            expected,
            reply: shorten(reply, 200),
        }
    }

    /// A connection lost mid-statement, with the statement shortened for display.
    pub fn lost(server: impl Into<String>, query: &str, message: impl Into<String>) -> Self {
        EngineError::Lost {
            server: server.into(),
            query: shorten(query, 300),
            message: message.into(),
        }
    }

    /// True when the server rejected the statement itself (syntax, semantics, constraint), as
    /// opposed to the infrastructure failing.
    pub fn is_query_error(&self) -> bool {
        matches!(self, EngineError::Query { .. })
    }
}

/// Cuts a statement for error messages: its first non-blank line only (a statement may come
/// from a fixture file, whose further lines an error must not echo), at most `max` characters,
/// with `…` when anything was left out.
pub fn shorten(text: &str, max: usize) -> String {
    let mut lines = text.lines().map(str::trim).skip_while(|l| l.is_empty());
    let first = lines.next().unwrap_or_default();
    let more = lines.any(|l| !l.is_empty());
    let one_line: String = first.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max && !more {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortened_statement_shows_its_first_line_only() {
        assert_eq!(shorten("MATCH (n)  RETURN n", 300), "MATCH (n) RETURN n");
        assert_eq!(
            shorten("\n  root:x:0:0:root:/root\ndaemon:x:1:1\n", 300),
            "root:x:0:0:root:/root…"
        );
        assert_eq!(shorten("abcdef", 3), "abc…");
        let e = EngineError::query("s", "CREATE (:A)\nsecond line", None, "boom");
        assert!(!e.to_string().contains("second line"), "{e}");
    }

    #[test]
    fn a_lost_connection_names_the_server_and_the_statement() {
        let e = EngineError::lost(
            "source (falkordb 4.16.3)",
            "MATCH (n)\nRETURN n",
            "broken pipe",
        );
        let text = e.to_string();
        assert!(text.contains("source (falkordb 4.16.3)"), "{text}");
        assert!(text.contains("lost mid-statement (broken pipe)"), "{text}");
        assert!(text.contains("query: MATCH (n)…"), "{text}");
        assert!(!text.contains("failed to connect"), "{text}");
        assert!(!e.is_query_error());
    }
}
