use crate::engine::EngineError;
use crate::transfer::TransferError;

/// The verdict of one check, with the details a person needs to see what differs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckOutcome {
    /// The check's kind as written in the scenario (`counts`, `content_hash`).
    pub check: String,
    pub passed: bool,
    /// One line: what was compared and the verdict.
    pub summary: String,
    /// Each difference, one per line, bounded.
    pub details: Vec<String>,
}

/// A check that could not be evaluated (as opposed to one that failed).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("failed to run check {check}: {source}")]
    Engine {
        check: String,
        #[source]
        source: EngineError,
    },
    #[error("failed to run check {check}: {source}")]
    Read {
        check: String,
        #[source]
        source: TransferError,
    },
}
