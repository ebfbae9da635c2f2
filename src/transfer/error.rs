use crate::engine::EngineError;

/// A transfer that could not complete. The source is never written to, so it is intact; the
/// target holds a partial copy (the runner wipes harness-owned targets before each run).
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("failed to {step}: {source}")]
    Engine {
        step: String,
        #[source]
        source: EngineError,
    },
    #[error("failed to {step}: {message}")]
    Unexpected { step: String, message: String },
    #[error("failed to {step}: {source}")]
    IdTable {
        step: String,
        #[source]
        source: super::id_table::IdTableError,
    },
}
