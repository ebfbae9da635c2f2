use thiserror::Error;

/// Failures of the engine layer. Every variant names the server it concerns; none carries a
/// password (credentials are kept in [`super::secret::Secret`], which never prints).
#[derive(Debug, Error)]
pub enum EngineError {
    #[error("failed to start {server}: image {image} is not available locally and could not be pulled ({reason})")]
    ImageUnavailable {
        server: String,
        image: String,
        reason: String,
    },

    #[error("failed to start {server} from image {image}: {message}")]
    Start {
        server: String,
        image: String,
        message: String,
    },

    #[error("failed to connect to {server}: {message}")]
    Connect { server: String, message: String },

    #[error("failed to run query on {server}: {message}\n  query: {query}")]
    Query {
        server: String,
        query: String,
        code: Option<String>,
        message: String,
    },

    #[error("failed to use {server}: {message}")]
    Unsupported { server: String, message: String },
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

    /// True when the server rejected the statement itself (syntax, semantics, constraint), as
    /// opposed to the infrastructure failing.
    pub fn is_query_error(&self) -> bool {
        matches!(self, EngineError::Query { .. })
    }
}

/// Cuts a statement to `max` characters for error messages, keeping it on one line.
pub fn shorten(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}…")
    }
}
